//! Responses no well-behaved API sends, over real HTTP: a selector that matches nothing, bodies
//! that are not UTF-8, numbers JSON allows but `f64`/`i64` cannot hold, nesting past the parser's
//! limit, garbage `Link` headers, next links that are not URLs, and totals of the wrong type or
//! size. Each ends in a documented result or a clear error naming the URL; never a panic, never
//! an endless walk.

use crate::support;
use crate::support::server::{self, Server};
use crate::support::{Walk, client, client_at, demo, paths, try_walk, walk};
use restclient::{
    Paginate, RestClient, StatusCode, StopReason, Value,
    paginators::{HeaderLinkPaginator, JsonLinkPaginator, OffsetPaginator, PageNumberPaginator},
};
use serde_json::json;

/// A canned `200` answer: `content_type`, `extra` headers and `body` as raw bytes (bytes and
/// headers no JSON encoder would write).
#[derive(Clone)]
struct Raw {
    content_type: &'static str,
    extra: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

fn raw(content_type: &'static str, extra: &[(&'static str, &[u8])], body: &[u8]) -> Raw {
    Raw {
        content_type,
        extra: extra.iter().map(|(n, v)| (*n, v.to_vec())).collect(),
        body: body.to_vec(),
    }
}

/// A JSON answer with a raw body.
fn raw_json(body: &[u8]) -> Raw {
    raw("application/json", &[], body)
}

/// A server answering each path of `routes` with its canned answer, any other path with 404.
fn serve(routes: Vec<(&'static str, Raw)>) -> Server {
    server::http(move |req| {
        let found = routes.iter().find(|(path, _)| *path == req.path).cloned();
        async move {
            let Some((_, r)) = found else {
                return server::not_found();
            };
            let extra: Vec<(&str, &[u8])> =
                r.extra.iter().map(|(n, v)| (*n, v.as_slice())).collect();
            server::raw(200, r.content_type, &extra, &r.body)
        }
    })
}

/// A client for `server` without retries.
fn odd_client(server: &Server) -> RestClient {
    client_at(&server.url())
}

/// The `UnexpectedResponse` a walk ended with: its URL and message.
fn unexpected(w: &Walk) -> (String, String) {
    let e = w.error();
    support::unexpected_response(e)
        .unwrap_or_else(|| panic!("expected an UnexpectedResponse, got {e:?}"))
}

// ------------------------------------------------------------ a selector that matches nothing

#[tokio::test]
async fn a_selector_that_matches_nothing_gives_an_empty_page_which_ends_an_offset_walk() {
    let server = demo(50, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10).total_path("total"))
            .data_selector("records"),
    )
    .await;
    // Documented: no match gives no records. The empty first page ends the walk although the
    // total says 50.
    assert_eq!(w.pages.len(), 1);
    assert!(w.pages[0].is_empty());
    assert_eq!(paths(&server), ["/offset?offset=0&limit=10"]);
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

#[tokio::test]
async fn a_selector_that_matches_nothing_does_not_stop_a_link_walk() {
    let server = demo(50, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link")
            .paginator(JsonLinkPaginator::new())
            .data_selector("records"),
    )
    .await;
    // A link walk ends only when the links do: five empty pages.
    assert_eq!(w.pages.len(), 5);
    assert!(w.pages.iter().all(|p| p.is_empty()));
    assert_eq!(paths(&server).len(), 5);
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

// ------------------------------------------------------------ bodies that are not UTF-8

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_clear_error_naming_the_url() {
    let server = serve(vec![(
        "/latin1",
        raw(
            "application/json; charset=iso-8859-1",
            &[],
            b"{\"items\": [{\"id\": 1, \"name\": \"caf\xe9\"}]}",
        ),
    )]);
    let w = try_walk(odd_client(&server).paginate("/latin1?token=SECRET-T")).await;
    assert!(w.pages.is_empty());
    let (url, message) = unexpected(&w);
    assert_eq!(url, format!("{}/latin1?token=***", server.url()));
    assert!(
        message.starts_with(
            "expected a JSON body, got bytes that are not UTF-8 (byte 0xE9 at offset 33)"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("(200 OK, Content-Type: application/json; charset=iso-8859-1)"),
        "{message}"
    );
    assert!(!w.error().to_string().contains("SECRET-T"));
}

#[tokio::test]
async fn a_utf8_byte_order_mark_is_skipped_as_dlt_does() {
    // requests decodes a JSON body with a BOM as utf-8-sig; RFC 8259 lets parsers ignore it.
    let server = serve(vec![(
        "/bom",
        raw_json(b"\xef\xbb\xbf{\"items\": [{\"id\": 1}, {\"id\": 2}]}"),
    )]);
    let w = walk(odd_client(&server).paginate("/bom").data_selector("items")).await;
    assert_eq!(w.ids(), [1, 2]);
}

// ------------------------------------------------------------ numbers

const NUMBERS: &str = r#"{"items": [{
    "id": 123456789012345678901234567890,
    "u64_max": 18446744073709551615,
    "past_u64": 18446744073709551616,
    "i64_min": -9223372036854775808,
    "below_i64": -9223372036854775809,
    "exact_float": 52.520008,
    "float17": 98.43031090265025,
    "tiny": 1e-400
}]}"#;

#[tokio::test]
async fn numbers_are_kept_exactly_as_the_server_wrote_them() {
    let server = serve(vec![("/numbers", raw_json(NUMBERS.as_bytes()))]);
    let w = walk(
        odd_client(&server)
            .paginate("/numbers")
            .data_selector("items"),
    )
    .await;
    // The raw record is the server's text: integers past u64 and i64 (big ids), 17-digit
    // decimals and values beyond f64 survive the walk unchanged, where a Value's f64 would
    // silently change them.
    let page = &w.pages[0];
    let raw: Vec<&str> = page.raw_records().map(|r| r.get()).collect();
    let sent = NUMBERS
        .strip_prefix(r#"{"items": ["#)
        .and_then(|s| s.strip_suffix("]}"))
        .unwrap();
    assert_eq!(raw, [sent]);
    let mut line = Vec::new();
    page.write_ndjson(&mut line);
    let line = String::from_utf8(line).unwrap();
    for exact in [
        r#""id":123456789012345678901234567890"#,
        r#""past_u64":18446744073709551616"#,
        r#""below_i64":-9223372036854775809"#,
        r#""tiny":1e-400"#,
        r#""exact_float":52.520008"#,
        r#""float17":98.43031090265025"#,
    ] {
        assert!(line.contains(exact), "{exact} in {line}");
    }
    // As Values, numbers that fit keep their value; the rest are f64s (the raw text is exact).
    let r: Vec<serde_json::Value> = page.deserialize().unwrap();
    assert_eq!(r[0]["u64_max"].as_u64(), Some(u64::MAX));
    assert_eq!(r[0]["i64_min"].as_i64(), Some(i64::MIN));
    let exact: f64 = "98.43031090265025".parse().unwrap();
    assert_eq!(
        r[0]["float17"].as_f64().map(f64::to_bits),
        Some(exact.to_bits())
    );
}

#[tokio::test]
async fn a_number_beyond_f64_is_kept_as_written() {
    let server = serve(vec![(
        "/huge",
        raw_json(br#"{"items": [{"id": 1}, {"id": 1e400}]}"#),
    )]);
    let w = walk(odd_client(&server).paginate("/huge").data_selector("items")).await;
    let page = &w.pages[0];
    assert_eq!(page.len(), 2);
    let raw: Vec<&str> = page.raw_records().map(|r| r.get()).collect();
    assert_eq!(raw, [r#"{"id": 1}"#, r#"{"id": 1e400}"#]);
    // A Value cannot hold it: that record is null as a Value (and a WARN says so).
    assert_eq!(page.records()[0]["id"], 1);
    assert!(page.records()[1].is_null());
}

#[tokio::test]
async fn nesting_past_the_recursion_limit_is_no_stack_overflow() {
    let deep = |depth: usize| {
        format!(
            r#"{{"items": [{}1{}]}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let server = serve(vec![
        // Two levels for the object and the list, 125 for the record: 127 < 128.
        ("/deep-ok", raw_json(deep(125).as_bytes())),
        ("/deep", raw_json(deep(100_000).as_bytes())),
    ]);
    let client = odd_client(&server);
    let ok = walk(client.paginate("/deep-ok").data_selector("items")).await;
    assert_eq!(ok.records().len(), 1);
    assert!(ok.records()[0].is_array());

    // Finding records skips a record's inside without recursing, so a record nested 100,000
    // deep is delivered as the server's text; only a Value of it is out of reach (null).
    let w = walk(client.paginate("/deep").data_selector("items")).await;
    let page = &w.pages[0];
    let raw: Vec<usize> = page.raw_records().map(|r| r.get().len()).collect();
    assert_eq!(raw, [200_001]);
    assert!(page.records()[0].is_null());

    // A JSONPath needs the parsed body: there the depth is a clear error, with the URL masked.
    let w = try_walk(
        client
            .paginate("/deep?api_key=SECRET-K")
            .data_selector("items[*]"),
    )
    .await;
    assert!(w.pages.is_empty());
    let (url, message) = unexpected(&w);
    assert_eq!(url, format!("{}/deep?api_key=***", server.url()));
    // restclient's own words; serde_json's reason inside the parentheses is not pinned.
    assert!(
        message.starts_with("expected a JSON body, got invalid JSON ("),
        "{message}"
    );
}

// ------------------------------------------------------------ Link headers

/// A one-page header-link API whose `Link` header is `link`.
fn link_server(link: &[u8]) -> Server {
    let route = raw("application/json", &[("link", link)], br#"[{"id": 1}]"#);
    serve(vec![("/items", route)])
}

fn header_link_walk(server: &Server) -> Paginate {
    odd_client(server)
        .paginate("/items?token=SECRET-T")
        .paginator(HeaderLinkPaginator::new())
}

#[tokio::test]
async fn a_garbage_link_header_is_a_clear_error_naming_the_url() {
    let cases: [(&[u8], &str); 5] = [
        (b"garbage", "could not parse the Link header `garbage`"),
        (
            b"<http://h/2>, garbage",
            "could not parse the Link header `<http://h/2>, garbage`",
        ),
        (
            b"<http://h/2; rel=\"next\"",
            "could not parse the Link header",
        ),
        (
            b"<http://[::1>; rel=\"next\"",
            "could not parse the Link header `<http://[::1>; rel=\"next\"`",
        ),
        (
            b"<http://h/\xff>; rel=\"next\"",
            "the Link header is not valid text",
        ),
    ];
    for (link, needle) in cases {
        let server = link_server(link);
        let w = try_walk(header_link_walk(&server)).await;
        let case = String::from_utf8_lossy(link);
        assert!(w.pages.is_empty(), "{case}");
        let (url, message) = unexpected(&w);
        assert_eq!(url, format!("{}/items?token=***", server.url()), "{case}");
        assert!(message.contains(needle), "{case}: {message}");
        assert_eq!(server.requests().len(), 1, "{case}");
    }
}

#[tokio::test]
async fn an_empty_link_header_means_no_next_page() {
    // Some servers send `Link:` with nothing in it on the last page; dlt (requests) reads no
    // links from it.
    for link in [&b""[..], b"  "] {
        let server = link_server(link);
        let w = walk(header_link_walk(&server)).await;
        assert_eq!(w.ids(), [1]);
        assert_eq!(w.stop_reason(), StopReason::NoNextLink);
    }
}

#[tokio::test]
async fn an_empty_link_target_points_back_at_the_page_and_is_a_loop() {
    let server = link_server(b"<>; rel=\"next\"");
    let w = try_walk(header_link_walk(&server)).await;
    assert_eq!(w.ids(), [1]);
    assert!(w.error().is_pagination_loop(), "{:?}", w.error());
    assert_eq!(server.requests().len(), 1);
}

// ------------------------------------------------------------ next links that are not URLs

/// A two-page JSON-link API whose second page links to `next`.
fn next_link_server(next: &str) -> Server {
    let first = json!({"data": [{"id": 1}], "next": "/items/2?token=SECRET-T"}).to_string();
    let second = json!({"data": [{"id": 2}], "next": next}).to_string();
    serve(vec![
        ("/items", raw_json(first.as_bytes())),
        ("/items/2", raw_json(second.as_bytes())),
    ])
}

fn json_link_walk(server: &Server) -> Paginate {
    odd_client(server)
        .paginate("/items")
        .paginator(JsonLinkPaginator::new())
}

#[tokio::test]
async fn a_next_link_that_is_not_a_url_is_a_clear_error_naming_the_page() {
    for next in ["http://[::1", "http://", "http://h:99999/"] {
        let server = next_link_server(next);
        let w = try_walk(json_link_walk(&server)).await;
        assert_eq!(w.ids(), [1], "{next}: page 1 only");
        let (url, message) = unexpected(&w);
        assert_eq!(url, format!("{}/items/2?token=***", server.url()), "{next}");
        // What restclient writes (where, what it expected, what it got), then the URL parser's
        // reason, which is the url crate's wording and not pinned here.
        let ours = format!("expected a next link (a URL) at `next`, got `{next}`: ");
        let reason = message
            .strip_prefix(&ours)
            .unwrap_or_else(|| panic!("{message}"));
        assert!(!reason.trim().is_empty(), "{next}: a reason is given");
        assert_eq!(server.requests().len(), 2, "{next}");
    }
}

#[tokio::test]
async fn a_next_link_with_another_scheme_is_a_clear_error_naming_the_page() {
    for next in ["ftp://h/x", "mailto:a@b", "javascript:alert(1)"] {
        let server = next_link_server(next);
        let w = try_walk(json_link_walk(&server)).await;
        assert_eq!(w.ids(), [1], "{next}: page 1 only");
        let (url, message) = unexpected(&w);
        assert_eq!(url, format!("{}/items/2?token=***", server.url()), "{next}");
        assert!(
            message.starts_with(&format!(
                "expected a next link (a URL) at `next`, got `{next}`: not an http(s) URL"
            )),
            "{message}"
        );
        assert_eq!(server.requests().len(), 2, "{next}");
    }
}

#[tokio::test]
async fn a_next_link_with_a_space_in_its_scheme_is_a_relative_path_as_in_browsers() {
    // `ht tp://x` has no valid scheme, so it is a relative reference (WHATWG URL, as browsers and
    // requests read it): the walk asks for `/ht%20tp://x`, and the server's 404 ends it.
    let server = next_link_server("ht tp://x");
    let w = try_walk(json_link_walk(&server)).await;
    assert_eq!(w.ids(), [1, 2]);
    let error = w.error();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(
        error.to_string(),
        format!(
            "404 Client Error: Not Found for url: {}/items/ht%20tp://x",
            server.url()
        )
    );
}

// ------------------------------------------------------------ totals

/// 30 records in pages of `limit` at `offset` (or 1-based `page`), with `"total": <raw>` taken
/// verbatim from the `raw` query parameter.
fn total_server() -> Server {
    server::http(|req| async move {
        let number = |k: &str| server::query_u64(&req, k);
        let limit = number("limit").unwrap_or(10);
        let offset = number("offset").unwrap_or_else(|| (number("page").unwrap_or(1) - 1) * 10);
        let items: Vec<Value> = (offset + 1..=(offset + limit).min(30))
            .map(|id| json!({"id": id}))
            .collect();
        let total = server::query_param(&req, "raw");
        let body = format!(
            r#"{{"items": {}, "total": {}}}"#,
            Value::from(items),
            total.as_deref().unwrap_or("null")
        );
        server::raw(200, "application/json", &[], body.as_bytes())
    })
}

/// What an offset walk (limit 10) over 30 records did with the total `raw`.
async fn offset_walk_with_total(server: &Server, raw: &str) -> Walk {
    try_walk(
        odd_client(server)
            .paginate("/total")
            .param("raw", raw)
            .paginator(OffsetPaginator::new(10).total_path("total"))
            .data_selector("items"),
    )
    .await
}

#[tokio::test]
async fn totals_of_other_types_are_read_as_dlt_reads_them_or_fail_clearly() {
    let server = total_server();
    // (total, records walked, stop reason)
    let accepted: [(&str, u64, StopReason); 5] = [
        // A numeric string or an integral float is an integer, as dlt's int() makes it.
        (r#""30""#, 30, StopReason::TotalReached { total: 30 }),
        ("30.0", 30, StopReason::TotalReached { total: 30 }),
        // A fraction is cut, as int() does: 25.5 items end the walk at offset 30.
        ("25.5", 30, StopReason::TotalReached { total: 25 }),
        // The first page is fetched whatever the total; a total of 0 then ends the walk.
        ("0", 10, StopReason::TotalReached { total: 0 }),
        // An enormous total that fits i64: the empty page after the last record ends the walk.
        ("9223372036854775807", 30, StopReason::EmptyPage),
    ];
    for (raw, records, stop) in accepted {
        let w = offset_walk_with_total(&server, raw).await;
        assert_eq!(w.ids(), (1..=records).collect::<Vec<_>>(), "total {raw}");
        assert_eq!(w.stop_reason(), stop, "total {raw}");
    }
    let rejected = [
        (r#""lots""#, "is not an `int`", r#"got `"lots"`"#),
        ("true", "is not an `int`", "got `true`"),
        ("[30]", "is not an `int`", "got `[30]`"),
        ("9e99", "is not an `int`", "got `9e+99`"),
        // Read as a JSON number: past i64, it is the f64 1e20.
        ("100000000000000000000", "is not an `int`", "got `1e+20`"),
        ("-5", "is negative", "got `-5`"),
        (
            "-9223372036854775808",
            "is negative",
            "got `-9223372036854775808`",
        ),
    ];
    for (raw, what, got) in rejected {
        let w = offset_walk_with_total(&server, raw).await;
        // The page whose total cannot be used is not yielded, and nothing more is asked.
        assert!(w.pages.is_empty(), "total {raw}");
        let (url, message) = unexpected(&w);
        assert!(
            url.starts_with(&format!("{}/total?raw=", server.url())),
            "{url}"
        );
        assert!(
            message.starts_with(&format!(
                "`total` {what} in the response in `OffsetPaginator`"
            )),
            "total {raw}: {message}"
        );
        assert!(message.contains(got), "total {raw}: {message}");
    }
}

#[tokio::test]
async fn an_enormous_total_of_pages_does_not_overflow_a_one_based_walk() {
    let server = total_server();
    let w = walk(
        odd_client(&server)
            .paginate("/total")
            .param("raw", i64::MAX)
            .paginator(PageNumberPaginator::new().base_page(1).total_path("total"))
            .data_selector("items"),
    )
    .await;
    assert_eq!(w.ids(), (1..=30).collect::<Vec<_>>());
    assert_eq!(w.pages.len(), 4);
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

// ------------------------------------------------------------ megabytes quoted by an error

/// A secret the server echoes at the start of a huge value.
const ECHOED: &str = "s3cret-echoed-by-the-server";

/// Five megabytes of `x`.
fn five_megabytes() -> String {
    "x".repeat(5 << 20)
}

/// Asserts that `e` is short (a few KB whatever the server sent), masked, and names a URL.
fn assert_short_and_masked(e: &restclient::Error, server: &Server) {
    let text = format!("{e:#}");
    assert!(
        text.len() < 8 * 1024,
        "{} bytes: {}…",
        text.len(),
        &text[..300]
    );
    assert!(!text.contains(ECHOED), "{text}");
    assert!(text.contains(&server.url()), "names the URL: {text}");
    assert!(text.contains("more bytes"), "says it cut: {text}");
}

#[tokio::test]
async fn a_five_megabyte_next_link_makes_a_short_masked_error() {
    let next = format!("http://[{ECHOED}{}", five_megabytes());
    let server = server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [1], "next": next})) }
    });
    let client = support::builder(&server.url())
        .secret(ECHOED)
        .build()
        .unwrap();
    let w = try_walk(
        client
            .paginate("/items")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert!(w.error().is_decode(), "{:?}", w.error().kind());
    assert_short_and_masked(w.error(), &server);
}

#[tokio::test]
async fn a_five_megabyte_cursor_makes_a_short_masked_error() {
    // A cursor that is not a string: an object of five megabytes, sent back as the cursor
    // parameter, which no server takes.
    let blob = format!("{ECHOED}{}", five_megabytes());
    let server = server::http(move |req| {
        let blob = blob.clone();
        async move {
            if req.query.is_none() {
                server::ok(json!({"data": [1], "cursors": {"next": {"blob": blob}}}))
            } else {
                server::ok(json!({"data": []}))
            }
        }
    });
    let client = support::builder(&server.url())
        .secret(ECHOED)
        .build()
        .unwrap();
    let w = try_walk(
        client
            .paginate("/items")
            .paginator(restclient::paginators::JsonResponseCursorPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 1);
    assert_short_and_masked(w.error(), &server);
}
