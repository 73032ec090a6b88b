//! Every built-in paginator and every stop rule, over real HTTP against demo-api: all records,
//! none twice, the exact requests sent, and why the walk stopped.
#![allow(clippy::unwrap_used)]

mod support;

use restclient::{
    Method,
    paginators::{
        HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
        OffsetPaginator, PageNumberPaginator, SinglePagePaginator, StopReason,
    },
};
use serde_json::json;
use support::{assert_records, client, demo, json_bodies, paths, walk};

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
    assert!(
        matches!(e, restclient::Error::UnexpectedResponse { .. }),
        "{e:?}"
    );
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
            .json(json!({"filter": {"kind": "all"}}))
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
            .json(json!({"page_size": 10}))
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
            .json(json!({"query": "awesome product"}))
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
