//! No endless loops, no silent truncation: loops end with `PaginationLoop` naming what
//! repeated, and a walk that ends early while the API claimed more says so at WARN.

#![allow(clippy::unwrap_used)]

mod support;

use restclient::paginators::{
    JsonResponseCursorPaginator, OffsetPaginator, PageNumberPaginator, StopReason,
};
use restclient::{Error, Method};
use serde_json::json;
use support::{Scripted, builder, capture_logs, try_walk};

#[tokio::test]
async fn a_range_api_that_ignores_its_page_parameter_is_a_loop() {
    // Every request gets the same first page back, whatever its offset.
    let server = Scripted::start(vec![(200, json!({"items": [1, 2], "total": 1000}))]).await;
    let client = builder(&server.url).build().unwrap();
    let w = try_walk(
        client
            .paginate("/items")
            .paginator(OffsetPaginator::new(2))
            .data_selector("items"),
    )
    .await;
    match w.error() {
        Error::PaginationLoop { what, .. } => {
            assert!(
                what.contains("same page body") && what.contains("offset=2"),
                "{what}"
            )
        }
        other => panic!("expected a loop, got {other}"),
    }
    assert_eq!(w.pages.len(), 1, "the repeated page is not delivered");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_repeating_cursor_in_a_post_body_is_named() {
    let server = Scripted::start(vec![
        (200, json!({"results": [1], "next_page_cursor": "c-1"})),
        (200, json!({"results": [2], "next_page_cursor": "c-2"})),
        (200, json!({"results": [3], "next_page_cursor": "c-1"})),
    ])
    .await;
    let client = builder(&server.url).build().unwrap();
    let paginator = JsonResponseCursorPaginator::new()
        .cursor_path("next_page_cursor")
        .cursor_body_path("cursor");
    let w = try_walk(
        client
            .paginate("/search")
            .method(Method::POST)
            .json(json!({"query": "q"}))
            .paginator(paginator)
            .data_selector("results"),
    )
    .await;
    match w.error() {
        Error::PaginationLoop { what, .. } => {
            assert!(what.contains("\"cursor\":\"c-1\""), "{what}")
        }
        other => panic!("expected a loop, got {other}"),
    }
    assert_eq!(w.records(), [json!(1), json!(2), json!(3)]);
    assert_eq!(server.hits(), 3, "the repeated request is never sent");
}

#[tokio::test]
async fn an_empty_page_before_the_reported_total_warns() {
    let server = Scripted::start(vec![
        (200, json!({"data": [1, 2], "total": 3})),
        (200, json!({"data": [], "total": 3})),
    ])
    .await;
    let client = builder(&server.url).build().unwrap();
    let (logs, _guard) = capture_logs("warn");
    let paginator = PageNumberPaginator::new().base_page(1).total_path("total");
    let w = try_walk(
        client
            .paginate("/p")
            .paginator(paginator)
            .data_selector("data"),
    )
    .await;
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
    let warnings = logs.lines_with("may be incomplete");
    assert_eq!(warnings.len(), 1, "{}", logs.text());
    assert!(
        warnings[0].contains("page 2") && warnings[0].contains("total of 3 pages"),
        "{}",
        warnings[0]
    );

    // A walk that ends on an empty page where the total says so is quiet.
    let server = Scripted::start(vec![
        (200, json!({"items": [1], "total": 1})),
        (200, json!({"items": []})),
    ])
    .await;
    let client = builder(&server.url).build().unwrap();
    let (logs, _guard) = capture_logs("warn");
    let w = try_walk(
        client
            .paginate("/o")
            .paginator(OffsetPaginator::new(1))
            .data_selector("items"),
    )
    .await;
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 1 });
    assert!(logs.lines_with("incomplete").is_empty(), "{}", logs.text());
}

#[tokio::test]
async fn every_stop_is_logged_at_info_with_its_reason() {
    let server = support::demo(25, 10).await;
    let client = support::client(&server);
    let (logs, _guard) = capture_logs("info");
    let w = try_walk(
        client
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items"),
    )
    .await;
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 25 });
    let lines = logs.lines_with("stopped after 3 pages and 25 records");
    assert_eq!(lines.len(), 1, "{}", logs.text());
    assert!(
        lines[0].contains("INFO") && lines[0].contains("total reached (25)"),
        "{}",
        lines[0]
    );
}
