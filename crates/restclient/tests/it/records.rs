//! Records as the API sent them: byte-for-byte fidelity of raw records and NDJSON lines for
//! every paginator, detection, nested and JSONPath selectors, top-level arrays, pretty bodies and
//! concurrent walks; typed records, good and bad.

use futures::TryStreamExt;
use restclient::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator,
};
use restclient::{Paginate, RestClient, Value};
use serde::Deserialize;

use crate::support::server::{self, RecordedRequest, Server, query_u64, raw};

/// Records whose text no serializer would write back the same way: key order, number
/// spellings, escapes, raw UTF-8, whitespace inside strings and around tokens.
const PAGES: [&[&str]; 3] = [
    &[
        r#"{"zeta":1,"alpha":2,"n":1e3}"#,
        r#"{ "price" : 1.50 , "name" : "caf\u00e9 \/ \"q\"" , "raw" : "é" }"#,
    ],
    &[
        r#"{"big":12345678901234567890123,"tiny":1E-7,"neg":-0.0}"#,
        "{\n      \"s\": \"a  b\\n\\t\",\n      \"empty\": {  },\n      \"list\": [ 1 , 2 ]\n    }",
    ],
    &[r#"[1, {"x" : [ ]}]"#, r#""a string record""#, "null"],
];

/// What an NDJSON line of each record must be: its text without whitespace outside strings.
fn expected_lines() -> String {
    let compact = |r: &str| {
        let mut out = String::new();
        let (mut in_string, mut escaped) = (false, false);
        for c in r.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                out.push(c);
            } else if c == '"' {
                in_string = true;
                out.push(c);
            } else if !c.is_ascii_whitespace() {
                out.push(c);
            }
        }
        out
    };
    PAGES
        .iter()
        .flat_map(|p| p.iter())
        .map(|r| compact(r) + "\n")
        .collect()
}

/// Page `n` (1-based) of the records, joined as a pretty-printed JSON list.
fn list(n: usize) -> String {
    format!("[\n    {}\n  ]", PAGES[n - 1].join(",\n    "))
}

fn page_of(req: &RecordedRequest, name: &str, base: u64) -> usize {
    usize::try_from(query_u64(req, name).unwrap_or(base) - base + 1).unwrap_or(1)
}

fn json_body(text: String) -> axum::response::Response {
    raw(200, "application/json", &[], text.as_bytes())
}

/// A server answering every style with the same three pages.
fn fidelity_server() -> Server {
    server::http(|req: RecordedRequest| async move {
        let base = |q: &str| format!("{}?{q}", req.path);
        match req.path.as_str() {
            "/offset" => {
                let n =
                    usize::try_from(query_u64(&req, "offset").unwrap_or(0) / 2 + 1).unwrap_or(1);
                if n > 3 {
                    return json_body("{\"items\": [], \"total\": 6}".into());
                }
                json_body(format!("{{\n  \"items\": {},\n  \"total\": 6\n}}", list(n)))
            }
            "/page" => {
                let n = page_of(&req, "page", 1);
                json_body(format!("{{\"data\": {}, \"total_pages\": 3}}", list(n)))
            }
            "/link" => {
                let n = page_of(&req, "page", 1);
                let next = if n < 3 {
                    format!("\"{}\"", base(&format!("page={}", n + 1)))
                } else {
                    "null".into()
                };
                json_body(format!("{{\"results\": {}, \"next\": {next}}}", list(n)))
            }
            "/header-link" => {
                let n = page_of(&req, "page", 1);
                let link = format!("<{}>; rel=\"next\"", base(&format!("page={}", n + 1)));
                let headers: Vec<(&str, &[u8])> = if n < 3 {
                    vec![("link", link.as_bytes())]
                } else {
                    vec![]
                };
                raw(200, "application/json", &headers, list(n).as_bytes())
            }
            "/cursor" => {
                let n = page_of(&req, "cursor", 0).max(1);
                let next = if n < 3 {
                    format!("\"{n}\"")
                } else {
                    "null".into()
                };
                json_body(format!(
                    "{{\"data\": {{\"rows\": {}}}, \"next_cursor\": {next}}}",
                    list(n)
                ))
            }
            "/header-cursor" => {
                let n = page_of(&req, "cursor", 0).max(1);
                let next = n.to_string();
                let headers: Vec<(&str, &[u8])> = if n < 3 {
                    vec![("next", next.as_bytes())]
                } else {
                    vec![]
                };
                raw(200, "application/json", &headers, list(n).as_bytes())
            }
            _ => server::not_found(),
        }
    })
}

/// The NDJSON of a whole walk, and the raw record texts, page by page.
async fn ndjson_of(walk: Paginate) -> (String, Vec<Vec<String>>) {
    let mut pages = walk.pages();
    let (mut out, mut raw) = (Vec::new(), Vec::new());
    while let Some(page) = pages.try_next().await.unwrap() {
        page.write_ndjson(&mut out);
        raw.push(page.raw_records().map(|r| r.get().to_owned()).collect());
    }
    (String::from_utf8(out).unwrap(), raw)
}

fn sent_pages() -> Vec<Vec<String>> {
    PAGES
        .iter()
        .map(|p| p.iter().map(|r| (*r).to_owned()).collect())
        .collect()
}

#[tokio::test]
async fn every_paginator_yields_the_apis_own_text() {
    let server = fidelity_server();
    let client = RestClient::builder(server.url()).build().unwrap();
    let walks: Vec<(&str, Paginate)> = vec![
        (
            "offset, pretty body",
            client
                .paginate("/offset")
                .paginator(OffsetPaginator::new(2).total_path("total"))
                .data_selector("items"),
        ),
        (
            "page number",
            client
                .paginate("/page")
                .paginator(
                    PageNumberPaginator::new()
                        .base_page(1)
                        .total_path("total_pages"),
                )
                .data_selector("data"),
        ),
        (
            "json link",
            client
                .paginate("/link")
                .paginator(JsonLinkPaginator::new())
                .data_selector("results"),
        ),
        (
            "header link, top-level array",
            client
                .paginate("/header-link")
                .paginator(HeaderLinkPaginator::new())
                .data_selector("$"),
        ),
        (
            "json cursor, nested selector",
            client
                .paginate("/cursor")
                .paginator(
                    JsonResponseCursorPaginator::new()
                        .cursor_path("next_cursor")
                        .cursor_param("cursor"),
                )
                .data_selector("data.rows"),
        ),
        (
            "header cursor",
            client
                .paginate("/header-cursor")
                .paginator(HeaderCursorPaginator::new()),
        ),
        (
            "JSONPath selector (the slow path)",
            client
                .paginate("/link")
                .paginator(JsonLinkPaginator::new())
                .data_selector("$.results[*]"),
        ),
        (
            "offset, concurrent",
            client
                .paginate("/offset")
                .paginator(OffsetPaginator::new(2).total_path("total"))
                .data_selector("items")
                .concurrency(4),
        ),
        ("detected paginator and records", client.paginate("/link")),
    ];
    let want = expected_lines();
    for (name, walk) in walks {
        let (ndjson, raw) = ndjson_of(walk).await;
        assert_eq!(ndjson, want, "{name}");
        assert_eq!(raw, sent_pages(), "{name}: raw records are the sent text");
    }
}

#[tokio::test]
async fn values_keep_the_apis_key_order() {
    let server = fidelity_server();
    let records: Vec<Value> = RestClient::builder(server.url())
        .build()
        .unwrap()
        .paginate("/link")
        .records()
        .try_collect()
        .await
        .unwrap();
    let keys: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["zeta", "alpha", "n"]);
    assert_eq!(records.len(), 7);
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
    name: String,
}

fn items_server() -> Server {
    server::http(|req: RecordedRequest| async move {
        let page = query_u64(&req, "page").unwrap_or(1);
        let body = match page {
            1 => r#"{"items": [{"id": 1, "name": "a", "extra": true}, {"id": 2, "name": "b"}]}"#,
            2 => r#"{"items": [{"id": 3, "name": "c"}, {"id": "four", "name": "d"}]}"#,
            _ => r#"{"items": []}"#,
        };
        raw(200, "application/json", &[], body.as_bytes())
    })
}

fn items_walk(client: &RestClient) -> Paginate {
    client
        .paginate("/items")
        .paginator(PageNumberPaginator::new().base_page(1))
        .data_selector("items")
}

#[tokio::test]
async fn typed_records_deserialize_straight_from_the_text_and_name_a_bad_record() {
    let server = items_server();
    let client = RestClient::builder(server.url()).build().unwrap();
    let mut stream = items_walk(&client).records_as::<Item>();
    let mut good = Vec::new();
    let err = loop {
        match stream.try_next().await {
            Ok(Some(item)) => good.push(item),
            Ok(None) => panic!("the bad record was not reported"),
            Err(e) => break e,
        }
    };
    // Page 1's records arrive; page 2 fails as a whole at its second record.
    assert_eq!(
        good,
        [
            Item {
                id: 1,
                name: "a".into()
            },
            Item {
                id: 2,
                name: "b".into()
            }
        ]
    );
    assert!(err.is_decode(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "record 1 of page 2 from {}/items?page=2 does not fit the requested type",
            server.url()
        )),
        "{text}"
    );
    assert_eq!(
        err.url().map(restclient::Url::as_str),
        Some(format!("{}/items?page=2", server.url()).as_str())
    );

    // A page deserializes on its own too, and a whole body with json_as.
    let first = items_walk(&client)
        .max_pages(1)
        .pages()
        .try_next()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.deserialize::<Item>().unwrap().len(), 2);
    #[derive(Debug, Deserialize)]
    struct Envelope {
        items: Vec<Item>,
    }
    let body: Envelope = client.get("/items").await.unwrap().json_as().unwrap();
    assert_eq!(
        body.items[1],
        Item {
            id: 2,
            name: "b".into()
        }
    );
    let bad = client
        .get("/items")
        .param("page", 2)
        .await
        .unwrap()
        .json_as::<Envelope>()
        .unwrap_err();
    assert!(bad.is_decode(), "{bad:?}");
}

#[test]
fn the_blocking_client_has_typed_records_too() {
    let server = items_server();
    let client = restclient::blocking::RestClient::builder(server.url())
        .build()
        .unwrap();
    let mut it = client
        .paginate("/items")
        .paginator(PageNumberPaginator::new().base_page(1))
        .data_selector("items")
        .records_as::<Item>();
    // Page 2 fails as a whole at its second record: page 1's records, then the error.
    let ids: Vec<u64> = it.by_ref().take(2).map(|r| r.unwrap().id).collect();
    assert_eq!(ids, [1, 2]);
    let err = it.next().unwrap().unwrap_err();
    assert!(
        err.is_decode() && err.to_string().contains("record 1 of page 2"),
        "{err}"
    );
    assert!(it.next().is_none());
}
