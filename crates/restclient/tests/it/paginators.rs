//! Paginators and the walk engine over real HTTP against demo-api: every built-in paginator
//! and stop rule (all records, none twice, the exact requests sent, why the walk stopped), then
//! the engine around them: limits, the client's paginator as a template, what a page carries,
//! per-call overrides, the records stream, loop detection, the status check and hooks.

use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use restclient::{
    HookAction, Method, Request, Response, StatusCode, StopReason, Value,
    header::{HeaderMap, HeaderName, HeaderValue},
    paginators::{
        HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
        OffsetPaginator, PageNumberPaginator, Paginator, SinglePagePaginator,
    },
};
use serde_json::json;

use crate::support;
use crate::support::server::{self, Server};
use crate::support::{
    assert_records, builder, client, client_at, demo, json_bodies, paths, try_walk, walk,
};

fn offsets(path: &str, limit: u64, offsets: &[u64]) -> Vec<String> {
    offsets
        .iter()
        .map(|o| format!("{path}?offset={o}&limit={limit}"))
        .collect()
}

fn pages(path: &str, pages: &[u64]) -> Vec<String> {
    pages.iter().map(|p| format!("{path}?page={p}")).collect()
}

// ---------------------------------------------------------------- OffsetPaginator

#[tokio::test]
async fn offset_stops_when_the_total_is_reached() {
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10)),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10, 20]));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 25 });
}

#[tokio::test]
async fn offset_with_a_total_that_is_a_multiple_of_the_limit_fetches_no_empty_page() {
    let server = demo(30, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10).total_path("total")),
    )
    .await;
    assert_records(&w.records(), 30);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10, 20]));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 30 });
}

#[tokio::test]
async fn offset_without_a_total_ends_on_an_empty_page() {
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset/no-total")
            .paginator(OffsetPaginator::new(10).without_total()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        offsets("/offset/no-total", 10, &[0, 10, 20, 30])
    );
    assert_eq!(
        w.pages.last().map(|p| p.len()),
        Some(0),
        "the empty page is yielded"
    );
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

#[tokio::test]
async fn offset_tolerates_a_missing_total_when_an_empty_page_can_end_the_walk() {
    // The default total_path ("total") finds nothing; stop_after_empty_page ends the walk.
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset/no-total")
            .paginator(OffsetPaginator::new(10)),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        offsets("/offset/no-total", 10, &[0, 10, 20, 30])
    );
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

#[tokio::test]
async fn offset_tolerates_a_null_total_because_of_stop_after_empty_page() {
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset/null-total")
            .paginator(OffsetPaginator::new(10).total_path("total")),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        offsets("/offset/null-total", 10, &[0, 10, 20, 30])
    );
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

#[tokio::test]
async fn offset_with_a_null_total_and_no_other_stop_rule_is_a_clear_error() {
    let server = demo(25, 7).await;
    let w = support::try_walk(
        client(&server)
            .paginate("/offset/null-total")
            .paginator(OffsetPaginator::new(10).stop_after_empty_page(false)),
    )
    .await;
    assert!(
        w.pages.is_empty(),
        "the page without a usable total is not yielded"
    );
    let e = w.error();
    assert!(e.is_decode(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("`total`") && text.contains("/offset/null-total"),
        "{text}"
    );
    assert_eq!(paths(&server), offsets("/offset/null-total", 10, &[0]));
}

#[tokio::test]
async fn offset_stops_when_has_more_is_false() {
    let server = demo(25, 7).await;
    let w = walk(
        client(&server).paginate("/offset/has-more").paginator(
            OffsetPaginator::new(10)
                .without_total()
                .has_more_path("has_more"),
        ),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        offsets("/offset/has-more", 10, &[0, 10, 20])
    );
    assert_eq!(w.stop_reason(), StopReason::HasMoreFalse);
}

#[tokio::test]
async fn offset_stops_at_maximum_offset() {
    let server = demo(100, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10).without_total().maximum_offset(30)),
    )
    .await;
    assert_records(&w.records(), 30);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10, 20]));
    assert_eq!(w.stop_reason(), StopReason::MaximumReached { maximum: 30 });
}

#[tokio::test]
async fn offset_starts_at_the_given_offset() {
    // `offset(5)` starts the walk at 5: records 6..=25.
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10).offset(5)),
    )
    .await;
    let ids: Vec<u64> = (6..=25).collect();
    assert_eq!(w.ids(), ids);
    assert_eq!(paths(&server), offsets("/offset", 10, &[5, 15]));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 25 });
}

#[tokio::test]
async fn offset_in_a_post_body_keeps_the_original_body() {
    let server = demo(25, 7).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .method(Method::POST)
            .json(&json!({"filter": {"kind": "all"}}))
            .paginator(
                OffsetPaginator::new(10)
                    .offset_body_path("offset")
                    .limit_body_path("limit"),
            ),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        support::repeat("/offset", 3),
        "no query parameters"
    );
    let bodies: Vec<_> = [0, 10, 20]
        .iter()
        .map(|o| Some(json!({"filter": {"kind": "all"}, "offset": o, "limit": 10})))
        .collect();
    assert_eq!(json_bodies(&server), bodies);
    let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, support::repeat("POST", 3));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 25 });
}

// ---------------------------------------------------------------- PageNumberPaginator

#[tokio::test]
async fn one_based_page_numbers_fetch_every_page_once_and_the_last_one() {
    for (records, last_page) in [(25, 3), (30, 3), (31, 4), (1, 1)] {
        let server = demo(records, 10).await;
        let w = walk(
            client(&server).paginate("/page").paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            ),
        )
        .await;
        assert_records(&w.records(), records);
        let expected: Vec<u64> = (1..=last_page).collect();
        assert_eq!(
            paths(&server),
            pages("/page", &expected),
            "{records} records"
        );
        assert_eq!(
            w.stop_reason(),
            StopReason::TotalReached {
                total: i64::try_from(last_page).unwrap()
            }
        );
    }
}

#[tokio::test]
async fn zero_based_page_numbers() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page0")
            .paginator(PageNumberPaginator::new().total_path("total_pages")),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), pages("/page0", &[0, 1, 2]));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 3 });
}

#[tokio::test]
async fn page_numbers_without_a_total_end_on_an_empty_page() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page/no-total")
            .paginator(PageNumberPaginator::new().base_page(1).without_total()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), pages("/page/no-total", &[1, 2, 3, 4]));
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
}

#[tokio::test]
async fn page_numbers_stop_before_maximum_page() {
    let server = demo(100, 10).await;
    let w = walk(
        client(&server).paginate("/page").paginator(
            PageNumberPaginator::new()
                .base_page(1)
                .without_total()
                .maximum_page(3),
        ),
    )
    .await;
    assert_records(&w.records(), 20);
    assert_eq!(paths(&server), pages("/page", &[1, 2]));
    assert_eq!(w.stop_reason(), StopReason::MaximumReached { maximum: 3 });
}

#[tokio::test]
async fn page_number_in_a_post_body() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .method(Method::POST)
            .json(&json!({"page_size": 10}))
            .paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .page_body_path("page")
                    .total_path("total_pages"),
            ),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), support::repeat("/page", 3));
    let bodies: Vec<_> = (1..=3)
        .map(|p| Some(json!({"page_size": 10, "page": p})))
        .collect();
    assert_eq!(json_bodies(&server), bodies);
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 3 });
}

#[tokio::test]
async fn page_numbers_keep_the_call_params() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .param("page_size", 20)
            .paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            ),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        ["/page?page_size=20&page=1", "/page?page_size=20&page=2"]
    );
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 2 });
}

// ---------------------------------------------------------------- JsonLinkPaginator

#[tokio::test]
async fn json_link_follows_relative_links() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        ["/json-link", "/json-link?page=2", "/json-link?page=3"]
    );
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

#[tokio::test]
async fn json_link_replaces_the_call_params_with_the_link() {
    // The link repeats page_size itself; the original parameter must not be sent twice.
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link")
            .param("page_size", 12)
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        [
            "/json-link?page_size=12",
            "/json-link?page=2&page_size=12",
            "/json-link?page=3&page_size=12"
        ]
    );
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

#[tokio::test]
async fn json_link_follows_absolute_links() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link/absolute")
            .paginator(JsonLinkPaginator::new().next_url_path("next")),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        [
            "/json-link/absolute",
            "/json-link/absolute?page=2",
            "/json-link/absolute?page=3"
        ]
    );
    assert_eq!(
        w.pages[0].response().json().unwrap()["next"],
        json!(format!("{}/json-link/absolute?page=2", server.url())),
        "the server sent an absolute link"
    );
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

#[tokio::test]
async fn json_link_nested_with_a_data_selector() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link/nested")
            .paginator(JsonLinkPaginator::new().next_url_path("pagination.next"))
            .data_selector("results.posts"),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        [
            "/json-link/nested",
            "/json-link/nested?page=2",
            "/json-link/nested?page=3"
        ]
    );
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

// ---------------------------------------------------------------- HeaderLinkPaginator

#[tokio::test]
async fn header_link_follows_rel_next() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/header-link")
            .paginator(HeaderLinkPaginator::new()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        ["/header-link", "/header-link?page=2", "/header-link?page=3"]
    );
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

// ---------------------------------------------------------------- JsonResponseCursorPaginator

/// The cursor a page's response handed out at `cursors.next` (or another key).
fn cursor_of(page: &restclient::Page, path: &[&str]) -> String {
    let mut v = page.response().json().unwrap().clone();
    for key in path {
        v = v[*key].clone();
    }
    v.as_str()
        .unwrap_or_else(|| panic!("no cursor at {path:?}: {v}"))
        .to_owned()
}

#[tokio::test]
async fn cursor_with_the_default_cursors_next() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/cursor")
            .param("limit", 10)
            .paginator(JsonResponseCursorPaginator::new()),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(w.pages.len(), 3);
    let expected = vec![
        "/cursor?limit=10".to_owned(),
        format!(
            "/cursor?limit=10&cursor={}",
            cursor_of(&w.pages[0], &["cursors", "next"])
        ),
        format!(
            "/cursor?limit=10&cursor={}",
            cursor_of(&w.pages[1], &["cursors", "next"])
        ),
    ];
    assert_eq!(paths(&server), expected);
    assert!(w.pages[2].response().json().unwrap()["cursors"]["next"].is_null());
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

#[tokio::test]
async fn cursor_with_has_more() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server).paginate("/cursor/has-more").paginator(
            JsonResponseCursorPaginator::new()
                .cursor_path("next_cursor")
                .has_more_path("has_more"),
        ),
    )
    .await;
    assert_records(&w.records(), 25);
    let expected = vec![
        "/cursor/has-more".to_owned(),
        format!(
            "/cursor/has-more?cursor={}",
            cursor_of(&w.pages[0], &["next_cursor"])
        ),
        format!(
            "/cursor/has-more?cursor={}",
            cursor_of(&w.pages[1], &["next_cursor"])
        ),
    ];
    assert_eq!(paths(&server), expected);
    assert_eq!(w.stop_reason(), StopReason::HasMoreFalse);
}

#[tokio::test]
async fn cursor_in_a_post_body_keeps_the_original_json() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/search")
            .method(Method::POST)
            .json(&json!({"query": "awesome product"}))
            .paginator(
                JsonResponseCursorPaginator::new()
                    .cursor_path("next_page_cursor")
                    .cursor_body_path("cursor"),
            )
            .data_selector("results"),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), support::repeat("/search", 3));
    let c1 = cursor_of(&w.pages[0], &["next_page_cursor"]);
    let c2 = cursor_of(&w.pages[1], &["next_page_cursor"]);
    assert_eq!(
        json_bodies(&server),
        [
            Some(json!({"query": "awesome product"})),
            Some(json!({"query": "awesome product", "cursor": c1})),
            Some(json!({"query": "awesome product", "cursor": c2})),
        ]
    );
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

#[tokio::test]
async fn cursor_starts_from_an_initial_cursor() {
    let server = demo(25, 10).await;
    let client = client(&server);
    let first = client.get("/cursor").await.unwrap();
    let start = first.json().unwrap()["cursors"]["next"]
        .as_str()
        .unwrap()
        .to_owned();
    server.clear_requests();
    let w = walk(
        client
            .paginate("/cursor")
            .paginator(JsonResponseCursorPaginator::new().initial_cursor(start.as_str())),
    )
    .await;
    assert_eq!(w.ids(), (11..=25).collect::<Vec<_>>());
    let expected = vec![
        format!("/cursor?cursor={start}"),
        format!(
            "/cursor?cursor={}",
            cursor_of(&w.pages[0], &["cursors", "next"])
        ),
    ];
    assert_eq!(paths(&server), expected);
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

// ---------------------------------------------------------------- HeaderCursorPaginator

#[tokio::test]
async fn header_cursor() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/header-cursor")
            .paginator(HeaderCursorPaginator::new()),
    )
    .await;
    assert_records(&w.records(), 25);
    let header = |i: usize| w.pages[i].response().header("next").unwrap().to_owned();
    let expected = vec![
        "/header-cursor".to_owned(),
        format!("/header-cursor?cursor={}", header(0)),
        format!("/header-cursor?cursor={}", header(1)),
    ];
    assert_eq!(paths(&server), expected);
    assert_eq!(w.pages[2].response().header("next"), None);
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

#[tokio::test]
async fn a_cursor_that_comes_back_unchanged_is_the_end() {
    // Solr's cursorMark: the last page answers with the very cursor it was sent (its documented
    // end; Elasticsearch's scroll does the same). Sending it again would be a loop.
    let server = server::http(|req| async move {
        let (docs, next) = match server::query_param(&req, "cursorMark").as_deref() {
            Some("*") => (json!([{"id": 1}, {"id": 2}]), "AoE2"),
            Some("AoE2") => (json!([{"id": 3}]), "AoE3"),
            Some("AoE3") => (json!([]), "AoE3"),
            _ => (json!([{"id": 99}]), "unexpected"),
        };
        server::ok(json!({"response": {"numFound": 3, "docs": docs}, "nextCursorMark": next}))
    });
    let w = walk(
        client_at(&server.url())
            .paginate("/solr/c/select")
            .param("q", "*:*")
            .param("rows", "2")
            .data_selector("response.docs")
            .paginator(
                JsonResponseCursorPaginator::new()
                    .cursor_path("nextCursorMark")
                    .cursor_param("cursorMark")
                    .initial_cursor("*"),
            ),
    )
    .await;
    let ids: Vec<Value> = w.records().iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!(1), json!(2), json!(3)]);
    let marks: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| server::query_param(r, "cursorMark"))
        .collect();
    assert_eq!(
        marks,
        [Some("*".into()), Some("AoE2".into()), Some("AoE3".into())]
    );
    assert_eq!(w.stop_reason(), StopReason::CursorRepeated);
}

// ---------------------------------------------------------------- single page

#[tokio::test]
async fn single_page() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/single")
            .paginator(SinglePagePaginator::new()),
    )
    .await;
    assert_records(&w.records(), 10);
    assert_eq!(paths(&server), ["/single"]);
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
}

#[tokio::test]
async fn no_paginator_and_no_pagination_signal_fetch_one_page_and_detect_the_records() {
    // `/offset` itself is detected as an offset walk (tests/detect_walks.rs); this body says
    // nothing about more pages.
    let server = demo(25, 10).await;
    let w = walk(client(&server).paginate("/offset/no-total")).await;
    assert_records(&w.records(), 10);
    assert_eq!(paths(&server), ["/offset/no-total"]);
    assert_eq!(w.pages[0].data_selector().as_str(), "items");
    assert_eq!(w.pages[0].paginator()["type"], "single_page");
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
}

#[tokio::test]
async fn a_page_parameter_in_the_path_is_replaced_by_the_paginators() {
    let server = demo(25, 10).await;
    let paginator = PageNumberPaginator::new()
        .base_page(1)
        .total_path("total_pages");
    let w = walk(
        client(&server)
            .paginate("/page?page=3&page_size=10")
            .paginator(paginator)
            .data_selector("data"),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        paths(&server),
        [
            "/page?page_size=10&page=1",
            "/page?page_size=10&page=2",
            "/page?page_size=10&page=3"
        ]
    );
}

// ======================================================================
// The walk engine.
//
// The walk engine over real HTTP: limits, the client's paginator as a template, what a page
// carries, per-call overrides, the records stream, loop detection, the status check and hooks.
// ---------------------------------------------------------------- limits

#[tokio::test]
async fn max_pages_stops_after_that_many_pages() {
    let server = demo(50, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_pages(2),
    )
    .await;
    assert_records(&w.records(), 20);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10]));
    assert_eq!(w.stop_reason(), StopReason::MaxPages(2));
}

#[tokio::test]
async fn max_pages_reached_on_the_last_page_reports_the_natural_stop() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_pages(3),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10, 20]));
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 25 });
}

#[tokio::test]
async fn max_records_cuts_the_last_page() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_records(15),
    )
    .await;
    assert_records(&w.records(), 15);
    let sizes: Vec<usize> = w.pages.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [10, 5]);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10]));
    assert_eq!(w.stop_reason(), StopReason::MaxRecords(15));
}

#[tokio::test]
async fn max_records_on_a_page_boundary_sends_no_further_request() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_records(20),
    )
    .await;
    assert_records(&w.records(), 20);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10]));
    assert_eq!(w.stop_reason(), StopReason::MaxRecords(20));
}

#[tokio::test]
async fn zero_limits_send_no_request() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_pages(0),
    )
    .await;
    assert!(w.pages.is_empty());
    assert_eq!(w.stop_reason(), StopReason::MaxPages(0));
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .max_records(0),
    )
    .await;
    assert!(w.pages.is_empty());
    assert_eq!(w.stop_reason(), StopReason::MaxRecords(0));
    assert_eq!(paths(&server), Vec::<String>::new());
}

// ---------------------------------------------------------------- the client's paginator

#[tokio::test]
async fn a_paginator_set_on_the_client_is_a_template() {
    let server = demo(25, 10).await;
    let client = builder(&server.url())
        .paginator(OffsetPaginator::new(10))
        .data_selector("items")
        .build()
        .unwrap();
    let first = walk(client.paginate("/offset")).await;
    let first_requests = paths(&server);
    server.clear_requests();
    let second = walk(client.paginate("/offset")).await;
    assert_records(&first.records(), 25);
    assert_records(&second.records(), 25);
    assert_eq!(first_requests, offsets("/offset", 10, &[0, 10, 20]));
    assert_eq!(
        paths(&server),
        first_requests,
        "the second walk starts afresh"
    );
    assert_eq!(first.stop_reason(), second.stop_reason());
}

#[tokio::test]
async fn a_paginator_set_on_the_client_is_a_template_for_concurrent_walks() {
    let server = demo(25, 10).await;
    let client = builder(&server.url())
        .paginator(JsonLinkPaginator::new())
        .build()
        .unwrap();
    let (a, b) = tokio::join!(
        walk(client.paginate("/json-link")),
        walk(client.paginate("/json-link"))
    );
    assert_records(&a.records(), 25);
    assert_records(&b.records(), 25);
    let mut sent = paths(&server);
    sent.sort();
    let mut expected = ["/json-link", "/json-link?page=2", "/json-link?page=3"].repeat(2);
    expected.sort_unstable();
    assert_eq!(sent, expected);
}

// ---------------------------------------------------------------- what a page carries

#[tokio::test]
async fn a_page_knows_the_request_that_produced_it() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10)),
    )
    .await;
    let requests = server.requests();
    assert_eq!(w.pages.len(), 3);
    assert_eq!(requests.len(), 3);
    for (i, (page, sent)) in w.pages.iter().zip(&requests).enumerate() {
        assert_eq!(page.number(), i + 1);
        assert_eq!(
            page.request().full_url().as_str(),
            format!("{}{}", server.url(), sent.path_and_query()),
            "page {} came from the request sent for it, not the next one",
            i + 1
        );
        assert_eq!(page.request().method(), Method::GET);
        assert_eq!(page.response().status(), StatusCode::OK);
        assert_eq!(
            page.response().url().as_str(),
            page.request().full_url().as_str()
        );
        let body = page.response().json().unwrap();
        assert_eq!(
            body["offset"],
            json!(i * 10),
            "the response is the page's own"
        );
        assert_eq!(body["items"].as_array().unwrap().len(), page.len());
        assert_eq!(page.paginator()["type"], "offset");
        assert_eq!(page.paginator()["limit"], 10);
        assert_eq!(page.paginator()["total_path"], "total");
    }
}

#[tokio::test]
async fn a_page_knows_the_body_that_produced_it() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .method(Method::POST)
            .json(&json!({"page_size": 10}))
            .paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .page_body_path("page")
                    .total_path("total_pages"),
            ),
    )
    .await;
    let requests = server.requests();
    assert_eq!(w.pages.len(), requests.len());
    for (page, sent) in w.pages.iter().zip(&requests) {
        assert_eq!(page.request().method(), Method::POST);
        assert_eq!(page.request().json(), sent.json().as_ref());
        assert_eq!(
            page.response().json().unwrap()["page"],
            sent.json().unwrap()["page"]
        );
    }
    assert_eq!(w.pages[0].paginator()["type"], "page_number");
    assert_eq!(w.pages[0].paginator()["page_body_path"], "page");
}

// ---------------------------------------------------------------- shortcut and overrides

#[tokio::test]
async fn the_paginate_shortcut_uses_the_url_exactly() {
    let server = demo(25, 10).await;
    let all: Vec<Value> = restclient::paginate(&format!("{}/json-link?page_size=5", server.url()))
        .paginator(JsonLinkPaginator::new())
        .records()
        .try_collect()
        .await
        .unwrap();
    assert_records(&all, 25);
    let mut expected = vec!["/json-link?page_size=5".to_owned()];
    expected.extend((2..=5).map(|p| format!("/json-link?page={p}&page_size=5")));
    assert_eq!(paths(&server), expected);

    // Without a paginator the walk detects one. A response with no pagination signal is one
    // page; the page size the URL sent is such a signal (the request decides what the response
    // cannot): the walk goes on by `offset` to an empty page.
    server.clear_requests();
    let w = walk(restclient::paginate(&format!(
        "{}/offset/no-total",
        server.url()
    )))
    .await;
    assert_eq!(paths(&server), ["/offset/no-total"]);
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
    server.clear_requests();
    let w = walk(restclient::paginate(&format!(
        "{}/offset/no-total?limit=4",
        server.url()
    )))
    .await;
    assert_records(&w.records(), 25);
    let mut expected = vec!["/offset/no-total?limit=4".to_owned()];
    expected.extend((1..=7).map(|p| format!("/offset/no-total?offset={}&limit=4", p * 4)));
    assert_eq!(paths(&server), expected);
}

#[tokio::test]
async fn the_paginate_shortcut_reports_a_bad_url_when_polled() {
    let w = try_walk(restclient::paginate("not a url")).await;
    assert!(w.pages.is_empty());
    assert!(
        (w.error().is_builder() && w.error().to_string().contains("`not a url`")),
        "{:?}",
        w.error()
    );
}

#[tokio::test]
async fn per_call_settings_override_the_client_and_do_not_leak() {
    let server = demo(25, 10).await;
    let client = builder(&server.url())
        .header("X-Env", "client")
        .paginator(OffsetPaginator::new(10))
        .data_selector("items")
        .build()
        .unwrap();
    let w = walk(
        client
            .paginate("/page")
            .param("page_size", 5)
            .header("X-Env", "call")
            .headers(HeaderMap::from_iter([(
                HeaderName::from_static("x-trace"),
                HeaderValue::from_static("t-1"),
            )]))
            .paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            )
            .data_selector("data"),
    )
    .await;
    assert_records(&w.records(), 25);
    let expected: Vec<String> = (1..=5)
        .map(|p| format!("/page?page_size=5&page={p}"))
        .collect();
    assert_eq!(paths(&server), expected);
    for r in server.requests() {
        assert_eq!(r.header("x-env"), Some("call"));
        assert_eq!(r.header("x-trace"), Some("t-1"));
    }
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 5 });

    server.clear_requests();
    let w = walk(client.paginate("/offset")).await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0, 10, 20]));
    for r in server.requests() {
        assert_eq!(r.header("x-env"), Some("client"));
        assert_eq!(r.header("x-trace"), None);
    }
}

#[tokio::test]
async fn the_records_stream_flattens_the_pages() {
    let server = demo(25, 10).await;
    let mut records = client(&server)
        .paginate("/header-link")
        .paginator(restclient::paginators::HeaderLinkPaginator::new())
        .records();
    let mut all = Vec::new();
    while let Some(r) = records.try_next().await.unwrap() {
        assert_eq!(records.stop_reason(), None, "no stop reason before the end");
        all.push(r);
    }
    assert_records(&all, 25);
    assert_eq!(records.stop_reason(), Some(StopReason::NoNextLink));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn an_invalid_per_call_data_selector_is_a_typed_error_and_sends_nothing() {
    let server = demo(25, 10).await;
    let w = try_walk(client(&server).paginate("/offset").data_selector("items[")).await;
    assert!(
        (w.error().is_builder()
            && w.error()
                .to_string()
                .contains("invalid JSONPath `items[` for `data_selector`")),
        "{:?}",
        w.error()
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_invalid_per_call_paginator_fails_before_sending() {
    let server = demo(25, 10).await;
    let w = try_walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(-1)),
    )
    .await;
    assert!(
        (w.error().is_builder()
            && w.error()
                .to_string()
                .contains("invalid `limit` for OffsetPaginator")),
        "{:?}",
        w.error()
    );
    let w = try_walk(
        client(&server)
            .paginate("/offset")
            .json(&json!({"a": 1}))
            .form([("b", "2")]),
    )
    .await;
    assert!(w.error().is_builder(), "{:?}", w.error());
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------- loops

/// A paginator that never advances: it asks for the same page forever.
#[derive(Debug, Clone)]
struct Stuck;

impl Paginator for Stuck {
    fn update_state(
        &mut self,
        _response: &Response,
        _data: Option<&[Value]>,
    ) -> restclient::Result<()> {
        Ok(())
    }
    fn update_request(&mut self, _request: &mut Request) -> restclient::Result<()> {
        Ok(())
    }
    fn has_next_page(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn a_paginator_that_never_advances_ends_with_a_pagination_loop() {
    let server = demo(25, 10).await;
    let w = try_walk(
        client(&server)
            .paginate("/offset")
            .param("api_key", "SECRET-KEY")
            .paginator(Stuck),
    )
    .await;
    assert_eq!(w.pages.len(), 1, "the first page is delivered");
    assert_records(&w.records(), 10);
    let e = w.error();
    assert!(e.is_pagination_loop(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}/offset?api_key=***", server.url())),
        "{text}"
    );
    assert!(!text.contains("SECRET-KEY"), "{text}");
    assert_eq!(
        paths(&server),
        ["/offset?api_key=SECRET-KEY"],
        "the repeat is not sent"
    );
}

/// A one-record page whose JSON `next` link is `next`.
fn linked(next: Option<&str>) -> axum::response::Response {
    server::ok(json!({"data": [{"id": 1}], "next": next}))
}

/// A JSON-link API where each path in `links` links to its target (`None`: the last page);
/// any other path is a 404.
fn link_server(links: &'static [(&'static str, Option<&'static str>)]) -> Server {
    server::http(move |req| async move {
        links
            .iter()
            .find(|(path, _)| *path == req.path)
            .map_or_else(server::not_found, |(_, next)| linked(*next))
    })
}

#[tokio::test]
async fn a_next_link_to_itself_ends_with_a_pagination_loop() {
    let odd = link_server(&[("/loop", Some("/loop"))]);
    let w = try_walk(
        client_at(&odd.url())
            .paginate("/loop")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 1);
    assert!(
        w.error().is_pagination_loop()
            && w.error().url().map(restclient::Url::as_str)
                == Some(format!("{}/loop", odd.url()).as_str()),
        "{:?}",
        w.error()
    );
    assert_eq!(support::path_and_queries(&odd.requests()), ["/loop"]);
}

#[tokio::test]
async fn a_cycle_of_next_links_ends_with_a_pagination_loop() {
    let odd = link_server(&[("/a", Some("/b?x=1")), ("/b", Some("/a"))]);
    let w = try_walk(
        client_at(&odd.url())
            .paginate("/a")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 2);
    assert!(w.error().is_pagination_loop(), "{:?}", w.error());
    assert_eq!(support::path_and_queries(&odd.requests()), ["/a", "/b?x=1"]);
}

// ---------------------------------------------------------------- status check and hooks

#[tokio::test]
async fn an_error_status_ends_the_walk_with_dlts_message_and_no_secret() {
    let server = demo(25, 10).await;
    let w = try_walk(
        client(&server)
            .paginate("/status/404")
            .param("api_key", "SECRET"),
    )
    .await;
    assert!(w.pages.is_empty());
    let e = w.error();
    assert!(e.is_status(), "{e:?}");
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(
        e.to_string(),
        format!(
            "404 Client Error: Not Found for url: {}/status/404?api_key=***",
            server.url()
        )
    );
    assert!(!format!("{e:?}").contains("SECRET"));

    let w = try_walk(client(&server).paginate("/status/503")).await;
    assert_eq!(
        w.error().to_string(),
        format!(
            "503 Server Error: Service Unavailable for url: {}/status/503",
            server.url()
        )
    );
}

#[tokio::test]
async fn an_error_status_mid_walk_comes_after_the_pages_before_it() {
    let odd = link_server(&[("/first", Some("/gone?page=2"))]);
    let w = try_walk(
        client_at(&odd.url())
            .paginate("/first")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.records(), [json!({"id": 1})]);
    assert_eq!(
        w.error().to_string(),
        format!(
            "404 Client Error: Not Found for url: {}/gone?page=2",
            odd.url()
        )
    );
    assert_eq!(
        support::path_and_queries(&odd.requests()),
        ["/first", "/gone?page=2"]
    );
}

fn status_hook(status: StatusCode, action: HookAction) -> impl Fn(&Response) -> HookAction {
    move |r: &Response| {
        if r.status() == status {
            action
        } else {
            HookAction::Continue
        }
    }
}

#[tokio::test]
async fn a_hook_ignoring_a_404_ends_the_walk_quietly() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/posts/999")
            .hook(status_hook(StatusCode::NOT_FOUND, HookAction::Ignore)),
    )
    .await;
    assert!(
        w.pages.is_empty(),
        "nothing is yielded for the ignored response"
    );
    assert_eq!(w.stop_reason(), StopReason::IgnoredByHook);
    assert_eq!(paths(&server), ["/posts/999"]);
}

#[tokio::test]
async fn a_hook_ignoring_a_later_response_keeps_the_pages_before_it() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            )
            .hook(|r: &Response| {
                if r.url().query() == Some("page=3") {
                    HookAction::Ignore
                } else {
                    HookAction::Continue
                }
            }),
    )
    .await;
    assert_records(&w.records(), 20);
    assert_eq!(
        paths(&server),
        ["/page?page=1", "/page?page=2", "/page?page=3"]
    );
    assert_eq!(w.stop_reason(), StopReason::IgnoredByHook);
}

#[tokio::test]
async fn a_hook_that_continues_keeps_the_status_check() {
    let server = demo(25, 10).await;
    let w = try_walk(
        client(&server)
            .paginate("/posts/999")
            .hook(|_: &Response| HookAction::Continue),
    )
    .await;
    assert_eq!(w.error().status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn a_hook_accepting_a_404_lets_its_body_be_the_records() {
    let server = demo(25, 10).await;
    let w = walk(
        client(&server)
            .paginate("/status/404")
            .hook(status_hook(StatusCode::NOT_FOUND, HookAction::Accept)),
    )
    .await;
    assert_eq!(w.records(), [json!({"status": 404})]);
    assert_eq!(w.pages[0].response().status(), StatusCode::NOT_FOUND);
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
}

#[tokio::test]
async fn hooks_see_every_response_in_order() {
    let server = demo(25, 10).await;
    let seen: Arc<Mutex<Vec<(u8, String)>>> = Arc::default();
    let (first, second) = (Arc::clone(&seen), Arc::clone(&seen));
    let w = walk(
        client(&server)
            .paginate("/json-link")
            .paginator(JsonLinkPaginator::new())
            .hook(move |r: &Response| {
                first.lock().unwrap().push((1, r.url().to_string()));
                HookAction::Continue
            })
            .hook(move |r: &Response| {
                second.lock().unwrap().push((2, r.url().to_string()));
                HookAction::Continue
            }),
    )
    .await;
    assert_records(&w.records(), 25);
    let url = server.url();
    let expected: Vec<(u8, String)> = paths(&server)
        .into_iter()
        .flat_map(|p| [(1, format!("{url}{p}")), (2, format!("{url}{p}"))])
        .collect();
    assert_eq!(expected.len(), 6);
    assert_eq!(*seen.lock().unwrap(), expected);
}

#[tokio::test]
async fn a_hook_with_request_sees_the_request_that_got_each_response() {
    let server = demo(25, 10).await;
    let seen: Arc<Mutex<Vec<(Value, Value)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let w = walk(
        client(&server)
            .paginate("/offset")
            .method(Method::POST)
            .paginator(
                OffsetPaginator::new(10)
                    .offset_body_path("offset")
                    .limit_body_path("limit"),
            )
            .hook_with_request(move |response: &Response, request: &Request| {
                // Each response with the body of the request that got it.
                let sent = request.json().map_or(Value::Null, |b| b["offset"].clone());
                let answered = response.json().map_or(Value::Null, |b| b["offset"].clone());
                log.lock().unwrap().push((sent, answered));
                HookAction::Continue
            }),
    )
    .await;
    assert_records(&w.records(), 25);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (json!(0), json!(0)),
            (json!(10), json!(10)),
            (json!(20), json!(20))
        ]
    );
}

// ---------------------------------------------------------------- laziness and odd bodies

#[tokio::test]
async fn nothing_is_sent_before_polling_and_dropping_the_stream_stops_the_walk() {
    let server = demo(50, 10).await;
    let client = client(&server);
    let mut pages = client
        .paginate("/offset")
        .paginator(OffsetPaginator::new(10))
        .pages();
    assert!(
        server.requests().is_empty(),
        "a stream that is not polled sends nothing"
    );
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.number(), 1);
    drop(pages);
    assert_eq!(paths(&server), offsets("/offset", 10, &[0]));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_clear_error_naming_the_url() {
    let odd = server::http(|req| async move {
        match req.path.as_str() {
            "/html" => server::raw(200, "text/html; charset=utf-8", &[], b"<html>oops</html>"),
            "/empty" => server::raw(204, "application/json", &[], b""),
            _ => server::not_found(),
        }
    });
    let client = client_at(&odd.url());
    let w = try_walk(client.paginate("/html?token=SECRET-T")).await;
    let e = w.error();
    assert!(e.is_decode(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}/html?token=***", odd.url())),
        "{text}"
    );
    assert!(
        text.contains("expected a JSON body") && text.contains("<html>"),
        "{text}"
    );
    assert!(!text.contains("SECRET-T"), "{text}");
    let w = try_walk(client.paginate("/empty")).await;
    assert!(
        w.error().to_string().contains("empty body"),
        "{}",
        w.error()
    );
}

#[tokio::test]
async fn secrets_are_masked_by_value_in_status_errors() {
    let server = demo(5, 5).await;
    let client = builder(&server.url())
        .header("X-API-Key", "k3y-value-123")
        .auth(restclient::auth::BearerTokenAuth::new("b3arer-value-456"))
        .build()
        .unwrap();
    let w = try_walk(
        client
            .paginate("/status/404")
            .param("q", "k3y-value-123")
            .param("p", "b3arer-value-456"),
    )
    .await;
    assert_eq!(
        w.error().to_string(),
        format!(
            "404 Client Error: Not Found for url: {}/status/404?q=***&p=***",
            server.url()
        )
    );
    assert_eq!(
        paths(&server),
        ["/status/404?q=k3y-value-123&p=b3arer-value-456"],
        "only the text is masked, not what is sent"
    );
}

#[tokio::test]
async fn pages_carry_the_auth_that_signed_them_without_showing_its_secret() {
    use restclient::auth::BearerTokenAuth;
    let server = demo(12, 5).await;
    let signed = client(&server)
        .paginate("/auth/bearer/offset")
        .auth(BearerTokenAuth::new("demo-bearer-token"))
        .paginator(restclient::paginators::OffsetPaginator::new(5))
        .data_selector("items");
    let w = walk(signed).await;
    assert_eq!(w.ids(), (1..=12).collect::<Vec<_>>());
    let auth = w.pages[0].auth().expect("the walk's auth");
    assert!(!format!("{auth:?} {:?}", w.pages[0]).contains("demo-bearer-token"));
    let w = walk(client(&server).paginate("/offset").data_selector("items")).await;
    assert!(w.pages[0].auth().is_none());
}
