//! End-to-end tests of every route over real HTTP.

use std::time::{Duration, Instant};

use demo_api::{DemoConfig, DemoServer, record};
use reqwest::{Client, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Starts a server with `records` records and default page size `page_size`.
async fn server(records: u64, page_size: u64) -> std::io::Result<DemoServer> {
    DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .start()
        .await
}

fn client() -> Client {
    Client::new()
}

/// GETs `url` and returns status, headers and JSON body.
async fn get(url: &str) -> Result<(StatusCode, HeaderMap, Value), reqwest::Error> {
    let response = client().get(url).send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    Ok((status, headers, response.json().await?))
}

/// GETs `url`, expecting 200, and returns the JSON body.
async fn get_ok(url: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let (status, headers, body) = get(url).await?;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{url}"
    );
    Ok(body)
}

/// The ids of a JSON array of records.
fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["id"].as_u64())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `seen` is exactly `1..=n` in order.
fn assert_all(seen: &[u64], n: u64) {
    assert_eq!(seen, (1..=n).collect::<Vec<_>>());
}

#[tokio::test]
async fn records_are_deterministic() -> TestResult {
    let server = server(3, 10).await?;
    let body = get_ok(&format!("{}/offset", server.url())).await?;
    assert_eq!(body["items"], json!([record(1), record(2), record(3)]));
    assert_eq!(record(3), json!({"id": 3, "name": "record-3", "score": 3}));
    Ok(())
}

#[tokio::test]
async fn offset_walk() -> TestResult {
    let server = server(95, 10).await?;
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let body = get_ok(&format!("{}/offset?offset={offset}&limit=7", server.url())).await?;
        assert_eq!(body["total"], 95);
        assert_eq!(body["offset"], offset);
        assert_eq!(body["limit"], 7);
        let page = ids(&body["items"]);
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        seen.extend(page);
    }
    assert_all(&seen, 95);
    // Defaults, clamping and errors.
    let body = get_ok(&format!("{}/offset", server.url())).await?;
    assert_eq!(
        (body["offset"].clone(), body["limit"].clone()),
        (json!(0), json!(10))
    );
    let body = get_ok(&format!("{}/offset?limit=0", server.url())).await?;
    assert_eq!(body["limit"], 1);
    let body = get_ok(&format!("{}/offset?limit=99999999", server.url())).await?;
    assert_eq!(body["limit"], 10_000);
    assert_eq!(ids(&body["items"]).len(), 95);
    let body = get_ok(&format!(
        "{}/offset?offset=18446744073709551615",
        server.url()
    ))
    .await?;
    assert_eq!(body["items"], json!([]));
    for bad in [
        "offset=abc",
        "limit=-1",
        "offset=1.5",
        "limit=99999999999999999999999",
    ] {
        let (status, _, body) = get(&format!("{}/offset?{bad}", server.url())).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    Ok(())
}

#[tokio::test]
async fn offset_variants() -> TestResult {
    let server = server(23, 5).await?;
    for route in ["/offset/no-total", "/offset/null-total", "/offset/has-more"] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let body = get_ok(&format!("{}{route}?offset={offset}", server.url())).await?;
            let object = body.as_object().ok_or("not an object")?;
            match route {
                "/offset/no-total" => assert!(!object.contains_key("total")),
                "/offset/null-total" => assert_eq!(object.get("total"), Some(&Value::Null)),
                _ => assert_eq!(body["has_more"], offset + 5 < 23),
            }
            let page = ids(&body["items"]);
            if page.is_empty() {
                break;
            }
            offset += page.len() as u64;
            seen.extend(page);
            if route == "/offset/has-more" && body["has_more"] == false {
                break;
            }
        }
        assert_all(&seen, 23);
    }
    Ok(())
}

#[tokio::test]
async fn page_walks() -> TestResult {
    let server = server(42, 10).await?;
    // 1-based with totals.
    let mut seen = Vec::new();
    for page in 1..=6 {
        let body = get_ok(&format!("{}/page?page={page}&page_size=9", server.url())).await?;
        assert_eq!(body["page"], page);
        assert_eq!(body["page_size"], 9);
        assert_eq!(body["total_pages"], 5);
        assert_eq!(body["total"], 42);
        seen.extend(ids(&body["data"]));
    }
    assert_all(&seen, 42);
    let body = get_ok(&format!("{}/page", server.url())).await?;
    assert_eq!(
        (body["page"].clone(), body["page_size"].clone()),
        (json!(1), json!(10))
    );
    let (status, _, body) = get(&format!("{}/page?page=0", server.url())).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string());

    // 0-based.
    let mut seen = Vec::new();
    for page in 0..5 {
        let body = get_ok(&format!("{}/page0?page={page}", server.url())).await?;
        assert_eq!(body["page"], page);
        assert_eq!(body["total_pages"], 5);
        seen.extend(ids(&body["data"]));
    }
    assert_all(&seen, 42);
    let body = get_ok(&format!("{}/page0", server.url())).await?;
    assert_eq!(ids(&body["data"]), (1..=10).collect::<Vec<_>>());

    // No total and bare arrays: walk until empty.
    for route in ["/page/no-total", "/posts"] {
        let mut seen = Vec::new();
        for page in 1.. {
            let body = get_ok(&format!("{}{route}?page={page}&page_size=4", server.url())).await?;
            let items = if route == "/posts" {
                assert!(body.is_array());
                body
            } else {
                assert_eq!(body.as_object().map(|o| o.len()), Some(1));
                body["data"].clone()
            };
            let page = ids(&items);
            if page.is_empty() {
                break;
            }
            seen.extend(page);
        }
        assert_all(&seen, 42);
    }
    Ok(())
}

#[tokio::test]
async fn post_bodies() -> TestResult {
    let server = server(30, 10).await?;
    let client = client();
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let body: Value = client
            .post(format!("{}/offset", server.url()))
            .json(&json!({"offset": offset, "limit": 8}))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(body["limit"], 8);
        let page = ids(&body["items"]);
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        seen.extend(page);
    }
    assert_all(&seen, 30);

    let mut seen = Vec::new();
    for page in 1..=4 {
        let body: Value = client
            .post(format!("{}/page", server.url()))
            .json(&json!({"page": page, "page_size": 10}))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(body["page"], page);
        seen.extend(ids(&body["data"]));
    }
    assert_all(&seen, 30);

    // Query parameters are the fallback for whatever the body does not set.
    let body: Value = client
        .post(format!("{}/offset?offset=5&limit=2", server.url()))
        .json(&json!({"limit": 3}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(ids(&body["items"]), [6, 7, 8]);
    let body: Value = client
        .post(format!("{}/page?page=3&page_size=5", server.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(ids(&body["data"]), [11, 12, 13, 14, 15]);

    // Bad bodies.
    for bad in [r#"[1]"#, "{", r#"{"offset": "x"}"#, r#"{"offset": -3}"#] {
        let response = client
            .post(format!("{}/offset", server.url()))
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await?;
        assert!(body["error"].is_string());
    }
    Ok(())
}

/// Follows `next` links (relative or absolute) from `first`, collecting ids via `items`.
async fn follow_json_links(
    server: &DemoServer,
    first: &str,
    items: fn(&Value) -> &Value,
    next: fn(&Value) -> &Value,
) -> Result<(Vec<u64>, Vec<String>), Box<dyn std::error::Error>> {
    let mut url = format!("{}{first}", server.url());
    let mut seen = Vec::new();
    let mut links = Vec::new();
    loop {
        let body = get_ok(&url).await?;
        seen.extend(ids(items(&body)));
        match next(&body) {
            Value::Null => break,
            Value::String(link) => {
                links.push(link.clone());
                url = if link.starts_with('/') {
                    format!("{}{link}", server.url())
                } else {
                    link.clone()
                };
            }
            other => return Err(format!("bad next: {other}").into()),
        }
    }
    Ok((seen, links))
}

#[tokio::test]
async fn json_links() -> TestResult {
    let server = server(25, 10).await?;
    let (seen, links) =
        follow_json_links(&server, "/json-link", |b| &b["data"], |b| &b["next"]).await?;
    assert_all(&seen, 25);
    assert_eq!(links, ["/json-link?page=2", "/json-link?page=3"]);

    let (seen, links) = follow_json_links(
        &server,
        "/json-link?page_size=12",
        |b| &b["data"],
        |b| &b["next"],
    )
    .await?;
    assert_all(&seen, 25);
    assert_eq!(
        links,
        [
            "/json-link?page=2&page_size=12",
            "/json-link?page=3&page_size=12"
        ]
    );

    let (seen, links) = follow_json_links(
        &server,
        "/json-link/absolute?page_size=10",
        |b| &b["data"],
        |b| &b["next"],
    )
    .await?;
    assert_all(&seen, 25);
    let host = server.addr().to_string();
    assert_eq!(
        links[0],
        format!("http://{host}/json-link/absolute?page=2&page_size=10")
    );

    let (seen, _) = follow_json_links(
        &server,
        "/json-link/nested",
        |b| &b["results"]["posts"],
        |b| &b["pagination"]["next"],
    )
    .await?;
    assert_all(&seen, 25);
    let body = get_ok(&format!("{}/json-link/nested", server.url())).await?;
    assert_eq!(body["pagination"]["total"], 25);
    assert_eq!(body["pagination"]["next"], "/json-link/nested?page=2");

    // Exactly one full page: no next link.
    let body = get_ok(&format!("{}/json-link?page_size=25", server.url())).await?;
    assert_eq!(body["next"], Value::Null);
    assert_eq!(ids(&body["data"]).len(), 25);

    // The absolute link uses the Host header as sent.
    let body: Value = client()
        .get(format!("{}/json-link/absolute", server.url()))
        .header("host", "example.test:8080")
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        body["next"],
        "http://example.test:8080/json-link/absolute?page=2"
    );

    // No records at all.
    let empty = self::server(0, 10).await?;
    let body = get_ok(&format!("{}/json-link", empty.url())).await?;
    assert_eq!(body, json!({"data": [], "next": null}));
    Ok(())
}

/// Parses `<url>; rel="x", ...` into (rel, url) pairs.
fn parse_link(header: &str) -> Vec<(String, String)> {
    header
        .split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once(">; rel=\"")?;
            Some((
                rel.trim_end_matches('"').to_owned(),
                url.trim_start_matches('<').to_owned(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn header_links() -> TestResult {
    let server = server(21, 10).await?;
    let base = format!("http://{}", server.addr());
    let (status, headers, body) =
        get(&format!("{}/header-link?page_size=10", server.url())).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), (1..=10).collect::<Vec<_>>());
    assert_eq!(
        headers.get("link").and_then(|v| v.to_str().ok()),
        Some(
            format!(
                "<{base}/header-link?page=2&page_size=10>; rel=\"next\", \
                 <{base}/header-link?page=3&page_size=10>; rel=\"last\""
            )
            .as_str()
        )
    );
    assert_eq!(
        headers.get("x-total-count").and_then(|v| v.to_str().ok()),
        Some("21")
    );

    // Without page_size the links omit it; walk by following rel="next".
    let mut url = format!("{}/header-link", server.url());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (_, headers, body) = get(&url).await?;
        pages += 1;
        seen.extend(ids(&body));
        let link = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .ok_or("missing Link")?;
        let links = parse_link(link);
        assert!(
            links.iter().all(|(_, url)| !url.contains("page_size")),
            "{link}"
        );
        assert!(links.contains(&("last".to_owned(), format!("{base}/header-link?page=3"))));
        match links.iter().find(|(rel, _)| rel == "next") {
            Some((_, next)) => url = next.clone(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_all(&seen, 21);
    Ok(())
}

#[tokio::test]
async fn cursors() -> TestResult {
    let server = server(33, 10).await?;
    let mut seen = Vec::new();
    let mut cursors = Vec::new();
    let mut url = format!("{}/cursor?limit=8", server.url());
    loop {
        let body = get_ok(&url).await?;
        seen.extend(ids(&body["items"]));
        match &body["cursors"]["next"] {
            Value::Null => break,
            Value::String(cursor) => {
                cursors.push(cursor.clone());
                url = format!("{}/cursor?limit=8&cursor={cursor}", server.url());
            }
            other => return Err(format!("bad cursor {other}").into()),
        }
    }
    assert_all(&seen, 33);
    assert_eq!(cursors.len(), 4);
    assert!(cursors.iter().all(|cursor| cursor.parse::<u64>().is_err()));

    for bad in ["abc", "8", "c8", "cZZz", "%20"] {
        let (status, _, body) = get(&format!("{}/cursor?cursor={bad}", server.url())).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body, json!({"error": "invalid cursor"}));
    }
    let body = get_ok(&format!("{}/cursor?cursor=", server.url())).await?;
    assert_eq!(ids(&body["items"]), (1..=10).collect::<Vec<_>>());
    Ok(())
}

#[tokio::test]
async fn cursor_has_more() -> TestResult {
    let server = server(20, 10).await?;
    let mut seen = Vec::new();
    let mut url = format!("{}/cursor/has-more", server.url());
    let last = loop {
        let body = get_ok(&url).await?;
        seen.extend(ids(&body["items"]));
        let cursor = body["next_cursor"].as_str().ok_or("next_cursor missing")?;
        if body["has_more"] == false {
            break cursor.to_owned();
        }
        url = format!("{}/cursor/has-more?cursor={cursor}", server.url());
    };
    assert_all(&seen, 20);
    // The last cursor points past the end.
    let body = get_ok(&format!("{}/cursor/has-more?cursor={last}", server.url())).await?;
    assert_eq!(body["items"], json!([]));
    assert_eq!(body["has_more"], false);
    assert!(body["next_cursor"].is_string());
    Ok(())
}

#[tokio::test]
async fn header_cursor() -> TestResult {
    let server = server(17, 5).await?;
    let mut seen = Vec::new();
    let mut url = format!("{}/header-cursor", server.url());
    let mut pages = 0;
    loop {
        let (status, headers, body) = get(&url).await?;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        seen.extend(ids(&body));
        match headers.get("next").and_then(|v| v.to_str().ok()) {
            Some(cursor) => url = format!("{}/header-cursor?cursor={cursor}", server.url()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_all(&seen, 17);
    Ok(())
}

#[tokio::test]
async fn search_cursor_in_body() -> TestResult {
    let server = server(27, 10).await?;
    let client = client();
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let mut request = json!({"query": {"term": "x"}, "limit": 6});
        if !cursor.is_null() {
            request["cursor"] = cursor.clone();
        }
        let response = client
            .post(format!("{}/search", server.url()))
            .json(&request)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await?;
        seen.extend(ids(&body["results"]));
        cursor = body["next_page_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_all(&seen, 27);
    // Explicit null cursor = first page; default limit from config.
    let body: Value = client
        .post(format!("{}/search", server.url()))
        .json(&json!({"query": "q", "cursor": null}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(ids(&body["results"]), (1..=10).collect::<Vec<_>>());
    for bad in [json!({"cursor": "nope"}), json!({"cursor": 5})] {
        let response = client
            .post(format!("{}/search", server.url()))
            .json(&bad)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json::<Value>().await?,
            json!({"error": "invalid cursor"})
        );
    }
    Ok(())
}

#[tokio::test]
async fn single_and_posts_by_id() -> TestResult {
    let server = server(7, 5).await?;
    let body = get_ok(&format!("{}/single", server.url())).await?;
    assert_eq!(ids(&body["data"]), [1, 2, 3, 4, 5]);
    let small = self::server(3, 5).await?;
    let body = get_ok(&format!("{}/single", small.url())).await?;
    assert_eq!(ids(&body["data"]), [1, 2, 3]);

    assert_eq!(
        get_ok(&format!("{}/posts/7", server.url())).await?,
        record(7)
    );
    for missing in ["0", "8", "abc", "-1"] {
        let (status, _, body) = get(&format!("{}/posts/{missing}", server.url())).await?;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(body, json!({"error": "not found"}));
    }
    let (status, _, body) = get(&format!("{}/no/such/route", server.url())).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"error": "not found"}));
    Ok(())
}

#[tokio::test]
async fn echo() -> TestResult {
    let server = server(1, 1).await?;
    let client = client();
    let body: Value = client
        .get(format!("{}/echo/a/b?x=1&y=hello%20world&x=2", server.url()))
        .header("X-Custom", "yes")
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(body["method"], "GET");
    assert_eq!(body["path"], "/echo/a/b");
    assert_eq!(
        body["query"],
        json!([["x", "1"], ["y", "hello world"], ["x", "2"]])
    );
    assert_eq!(body["headers"]["x-custom"], "yes");
    assert_eq!(body["json"], Value::Null);
    assert_eq!(body["form"], Value::Null);
    assert_eq!(body["body"], "");

    let body: Value = client
        .put(format!("{}/echo", server.url()))
        .json(&json!({"a": [1, 2]}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["path"], "/echo");
    assert_eq!(body["query"], json!([]));
    assert_eq!(body["json"], json!({"a": [1, 2]}));
    assert_eq!(body["body"], r#"{"a":[1,2]}"#);

    let body: Value = client
        .post(format!("{}/echo", server.url()))
        .form(&[("grant_type", "client_credentials"), ("scope", "a b")])
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        body["form"],
        json!([["grant_type", "client_credentials"], ["scope", "a b"]])
    );
    assert_eq!(body["json"], Value::Null);
    assert_eq!(
        body["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );
    Ok(())
}

#[tokio::test]
async fn status_codes() -> TestResult {
    let server = server(1, 1).await?;
    let client = client();
    for code in [200_u16, 201, 404, 418, 429, 500, 503, 599] {
        let response = client
            .post(format!("{}/status/{code}", server.url()))
            .send()
            .await?;
        assert_eq!(response.status().as_u16(), code);
        assert_eq!(response.json::<Value>().await?, json!({"status": code}));
    }
    let response = client
        .get(format!("{}/status/204", server.url()))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for bad in ["600", "99", "abc", "-1", "70000"] {
        let response = client
            .get(format!("{}/status/{bad}", server.url()))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(response.json::<Value>().await?["error"].is_string());
    }
    Ok(())
}

#[tokio::test]
async fn redirects() -> TestResult {
    let server = server(1, 1).await?;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let target = format!("{}/echo?from=redirect", server.url());
    let response = client
        .get(format!("{}/redirect", server.url()))
        .query(&[("to", target.as_str()), ("status", "307")])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(target.as_str())
    );
    let response = client
        .get(format!("{}/redirect?to=/single", server.url()))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::FOUND);

    // A following client ends up at the target.
    let body: Value = self::client()
        .get(format!("{}/redirect", server.url()))
        .query(&[("to", target.as_str())])
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(body["query"], json!([["from", "redirect"]]));

    for bad in ["", "?to=/x&status=200", "?to=/x&status=abc"] {
        let response = client
            .get(format!("{}/redirect{bad}", server.url()))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    Ok(())
}

#[tokio::test]
async fn request_log() -> TestResult {
    let server = server(10, 5).await?;
    let client = client();
    client
        .get(format!("{}/offset?offset=0&limit=5", server.url()))
        .header("X-Trace", "one")
        .send()
        .await?;
    client
        .post(format!("{}/search", server.url()))
        .json(&json!({"cursor": null}))
        .send()
        .await?;
    client
        .get(format!("{}/missing", server.url()))
        .send()
        .await?;

    let requests = server.requests();
    let paths: Vec<String> = requests.iter().map(|r| r.path_and_query()).collect();
    assert_eq!(paths, ["/offset?offset=0&limit=5", "/search", "/missing"]);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/offset");
    assert_eq!(requests[0].query.as_deref(), Some("offset=0&limit=5"));
    assert_eq!(requests[0].header("x-trace"), Some("one"));
    assert_eq!(requests[0].header("X-TRACE"), Some("one"));
    assert!(
        requests[0]
            .headers
            .iter()
            .any(|(name, _)| name == "x-trace")
    );
    assert!(
        requests[0]
            .headers
            .iter()
            .all(|(name, _)| *name == name.to_lowercase())
    );
    assert_eq!(requests[0].json(), None);
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].query, None);
    assert_eq!(requests[1].json(), Some(json!({"cursor": null})));
    assert_eq!(requests[1].body, br#"{"cursor":null}"#);

    server.clear_requests();
    assert!(server.requests().is_empty());
    client
        .get(format!("{}/single", server.url()))
        .send()
        .await?;
    assert_eq!(server.requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn latency_is_applied() -> TestResult {
    let server = DemoServer::start(DemoConfig {
        latency: Duration::from_millis(150),
        ..DemoConfig::default()
    })
    .await?;
    let started = Instant::now();
    get_ok(&format!("{}/single", server.url())).await?;
    assert!(started.elapsed() >= Duration::from_millis(150));
    Ok(())
}

#[tokio::test]
async fn lifecycle() -> TestResult {
    let config = DemoConfig::default();
    assert_eq!(
        (config.records, config.page_size, config.latency),
        (100, 10, Duration::ZERO)
    );

    let server = DemoServer::start(config).await?;
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(server.url(), format!("http://127.0.0.1:{}", addr.port()));
    assert!(format!("{server:?}").contains("DemoServer"));
    let body = get_ok(&format!("{}/offset", server.url())).await?;
    assert_eq!(body["total"], 100);

    drop(server);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "server still accepting after drop");

    let server = DemoServer::builder()
        .records(3)
        .start_on("127.0.0.1:0".parse()?)
        .await?;
    let body = get_ok(&format!("{}/offset", server.url())).await?;
    assert_eq!(body["total"], 3);
    server.shutdown().await;
    Ok(())
}

/// `GET /` and `demo-api --help` list the same routes, and every listed path answers (with
/// its `{name}` parameters filled in), so a newcomer's first request finds something.
#[tokio::test]
async fn the_index_and_the_help_list_every_route() -> TestResult {
    let server = server(7, 3).await?;
    let index = get_ok(&server.url()).await?;
    assert_eq!(
        (index["records"].as_u64(), index["page_size"].as_u64()),
        (Some(7), Some(3))
    );
    let listed: Vec<&str> = index["routes"]
        .as_array()
        .ok_or("routes")?
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    let table: Vec<&str> = demo_api::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(listed, table);

    let help = std::process::Command::new(env!("CARGO_BIN_EXE_demo-api"))
        .arg("--help")
        .output()?;
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout)?;
    for route in demo_api::ROUTES {
        let line = help
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(route.path))
            .ok_or_else(|| format!("{} not in --help:\n{help}", route.path))?;
        assert!(line.trim_start().starts_with(route.method), "{line}");
    }

    for route in demo_api::ROUTES {
        if route.path.contains(',') {
            continue; // the auth prefixes, one line for six: tested in auth_routes.rs
        }
        let path = route
            .path
            .replace("{id}", "1")
            .replace("{code}", "200")
            .replace("{owner}/{repo}", "dlt-hub/dlt")
            .replace("{kind}", "pokemon")
            .replace("?to=URL", &format!("?to={}/", server.url()));
        let method = if route.method == "POST" {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let response = client()
            .request(method, format!("{}{path}", server.url()))
            .json(&json!({"query": "x"}))
            .send()
            .await?;
        let status = response.status();
        assert!(
            status.is_success() || status.is_redirection(),
            "{path}: {status}"
        );
    }
    Ok(())
}
