//! Walks over the demo API with no paginator and no data selector: the paginator and the records
//! are detected from the first response, and every style the demo serves delivers every record
//! exactly once, with the requests a hand-configured paginator would make.
#![allow(clippy::unwrap_used)]

mod support;

use axum::{Json, Router, routing::get};
use restclient::{Error, Method, Value, paginators::StopReason};
use serde_json::json;
use support::{
    OddServer, assert_records, capture_logs, client, demo, json_bodies, paths, try_walk, walk,
};

const RECORDS: u64 = 25;
const PAGE_SIZE: u64 = 10;

/// Walks `path` in auto mode; checks every record once, the detected description on every page,
/// the record selector and the requests the server got.
async fn auto(path: &str, paginator: Value, records: &str, requests: &[&str]) {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate(path)).await;
    assert_records(&w.records(), RECORDS);
    for page in &w.pages {
        assert_eq!(page.paginator(), &paginator, "{path}: description");
        assert_eq!(page.data_selector().as_str(), records, "{path}: records");
    }
    assert_eq!(paths(&server), requests, "{path}: requests");
    // The first page shows the request that was sent, not the paginator's edit of it.
    assert_eq!(
        w.pages[0].request().full_url().path(),
        requests[0].split('?').next().unwrap()
    );
    assert_eq!(w.pages[0].request().full_url().query(), None, "{path}");
}

#[tokio::test]
async fn offset_continues_at_offset_plus_the_reported_limit() {
    auto(
        "/offset",
        json!({"type": "offset", "limit": 10, "offset": 0, "offset_param": "offset", "limit_param": "limit",
               "total_path": "total", "stop_after_empty_page": true}),
        "items",
        &[
            "/offset",
            "/offset?offset=10&limit=10",
            "/offset?offset=20&limit=10",
        ],
    )
    .await;
}

#[tokio::test]
async fn one_based_pages_fetch_page_one_once_and_the_last_page() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/page")).await;
    assert_records(&w.records(), RECORDS);
    // The exact sequence: no duplicate page 1, page 3 (the last) fetched, nothing after it.
    assert_eq!(paths(&server), ["/page", "/page?page=2", "/page?page=3"]);
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 3 });
    let requests: Vec<String> = w
        .pages
        .iter()
        .map(|p| p.request().full_url().to_string())
        .collect();
    let base = server.url();
    assert_eq!(
        requests,
        [
            format!("{base}/page"),
            format!("{base}/page?page=2"),
            format!("{base}/page?page=3")
        ]
    );
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "page_number", "base_page": 1, "page": 1, "page_param": "page",
                "total_path": "total_pages", "stop_after_empty_page": true})
    );
    // The decision is logged at INFO with the keys it came from.
    let detected = logs.lines_with("detected the paginator");
    assert_eq!(detected.len(), 1, "{}", logs.text());
    assert!(detected[0].contains("INFO"), "{}", detected[0]);
    assert!(
        detected[0].contains("`page` and `total_pages`"),
        "{}",
        detected[0]
    );
    assert!(logs.lines_with("WARN").is_empty(), "{}", logs.text());
}

#[tokio::test]
async fn one_based_pages_keep_the_callers_page_size() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/page").param("page_size", 20)).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        paths(&server),
        ["/page?page_size=20", "/page?page_size=20&page=2"]
    );
}

#[tokio::test]
async fn zero_based_pages() {
    auto(
        "/page0",
        json!({"type": "page_number", "base_page": 0, "page": 0, "page_param": "page",
               "total_path": "total_pages", "stop_after_empty_page": true}),
        "data",
        &["/page0", "/page0?page=1", "/page0?page=2"],
    )
    .await;
}

#[tokio::test]
async fn one_based_pages_in_a_post_body() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .method(Method::POST)
            .json(json!({"page_size": 10})),
    )
    .await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(paths(&server), ["/page", "/page", "/page"]);
    assert_eq!(
        json_bodies(&server),
        [
            Some(json!({"page_size": 10})),
            Some(json!({"page_size": 10, "page": 2})),
            Some(json!({"page_size": 10, "page": 3})),
        ]
    );
    assert_eq!(w.pages[0].paginator()["page_body_path"], "page");
}

#[tokio::test]
async fn json_link_relative() {
    auto(
        "/json-link",
        json!({"type": "json_link", "next_url_path": "next"}),
        "data",
        &["/json-link", "/json-link?page=2", "/json-link?page=3"],
    )
    .await;
}

#[tokio::test]
async fn json_link_absolute() {
    auto(
        "/json-link/absolute",
        json!({"type": "json_link", "next_url_path": "next"}),
        "data",
        &[
            "/json-link/absolute",
            "/json-link/absolute?page=2",
            "/json-link/absolute?page=3",
        ],
    )
    .await;
}

#[tokio::test]
async fn json_link_nested() {
    auto(
        "/json-link/nested",
        json!({"type": "json_link", "next_url_path": "pagination.next"}),
        "results.posts",
        &[
            "/json-link/nested",
            "/json-link/nested?page=2",
            "/json-link/nested?page=3",
        ],
    )
    .await;
}

#[tokio::test]
async fn header_link() {
    auto(
        "/header-link",
        json!({"type": "header_link", "links_next_key": "next"}),
        "$",
        &["/header-link", "/header-link?page=2", "/header-link?page=3"],
    )
    .await;
}

#[tokio::test]
async fn cursor() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/cursor")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "cursor"})
    );
    let got = paths(&server);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "/cursor");
    assert!(got[1..].iter().all(|p| p.starts_with("/cursor?cursor=")));
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

#[tokio::test]
async fn cursor_with_has_more_stops_on_has_more() {
    // The demo sets `next_cursor` on every page, the last included: only `has_more` can stop.
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/cursor/has-more")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor", "has_more_path": "has_more"})
    );
    assert_eq!(paths(&server).len(), 3);
    assert_eq!(w.stop_reason(), StopReason::HasMoreFalse);
}

#[tokio::test]
async fn header_cursor() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/header-cursor")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "header_cursor", "cursor_key": "next", "cursor_param": "cursor"})
    );
    let got = paths(&server);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[1..]
            .iter()
            .all(|p| p.starts_with("/header-cursor?cursor="))
    );
}

#[tokio::test]
async fn post_search_sends_the_cursor_in_the_body() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/search")
            .method(Method::POST)
            .json(json!({"query": "x", "limit": 10})),
    )
    .await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "next_page_cursor", "cursor_body_path": "cursor"})
    );
    assert_eq!(w.pages[0].data_selector().as_str(), "results");
    let bodies = json_bodies(&server);
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], Some(json!({"query": "x", "limit": 10})));
    for body in &bodies[1..] {
        let body = body.as_ref().unwrap();
        assert_eq!(body["query"], "x");
        assert!(body["cursor"].is_string(), "{body}");
    }
    assert_eq!(paths(&server), ["/search", "/search", "/search"]);
}

#[tokio::test]
async fn a_list_without_pagination_is_one_page_with_a_warning() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/offset/has-more")).await;
    // Only the first page: the body says `has_more` but not how to get more.
    assert_eq!(w.ids(), (1..=PAGE_SIZE).collect::<Vec<_>>());
    assert_eq!(paths(&server), ["/offset/has-more"]);
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
    assert_eq!(w.pages[0].paginator(), &json!({"type": "single_page"}));
    let warned = logs.lines_with("WARN");
    assert_eq!(warned.len(), 1, "{}", logs.text());
    for needle in [
        "may be incomplete",
        ".paginator(",
        "--paginator",
        "`has_more` is true",
    ] {
        assert!(warned[0].contains(needle), "{needle}: {}", warned[0]);
    }
}

#[tokio::test]
async fn a_single_object_is_one_page_at_info() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/posts/3")).await;
    assert_eq!(w.ids(), [3]);
    assert_eq!(w.pages[0].data_selector().as_str(), "$");
    assert!(logs.lines_with("WARN").is_empty(), "{}", logs.text());
    let single = logs.lines_with("single object");
    assert_eq!(single.len(), 1, "{}", logs.text());
    assert!(single[0].contains("INFO"));
}

#[tokio::test]
async fn an_explicit_paginator_is_never_replaced() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .paginator(restclient::paginators::SinglePagePaginator::new()),
    )
    .await;
    assert_eq!(w.ids().len(), 10);
    assert_eq!(paths(&server), ["/page"]);
}

#[tokio::test]
async fn the_loop_guard_covers_the_first_request() {
    // A next link back to the first URL: the detected paginator must not fetch it again.
    let router = Router::new().route(
        "/loop",
        get(|| async { Json(json!({"data": [{"id": 1}], "next": "/loop"})) }),
    );
    let server = OddServer::start(router).await;
    let client = support::builder(&server.url()).build().unwrap();
    let w = try_walk(client.paginate("/loop")).await;
    assert_eq!(w.pages.len(), 1);
    assert!(
        matches!(w.error(), Error::PaginationLoop { .. }),
        "{}",
        w.error()
    );
    assert_eq!(server.requests().len(), 1);
}
