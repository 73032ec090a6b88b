//! Concurrent walks: several requests in flight, pages still in order, no record lost or
//! duplicated, every stop rule as in a serial walk. The demo API answers with a random
//! (seeded) latency per request, so responses finish out of order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restclient::auth::OAuth2ClientCredentials;
use restclient::paginators::{
    HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator, OffsetPaginator,
    PageNumberPaginator,
};
use restclient::{StatusCode, StopReason, Value};
use serde_json::json;

use crate::support::server::{self, RecordedRequest, Server};
use crate::support::{
    self, DemoServer, assert_records, builder, client, client_at, paths, retrying_client, try_walk,
    walk,
};

async fn jittery(records: u64, page_size: u64) -> DemoServer {
    DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .latency(Duration::from_millis(2))
        .latency_jitter(Duration::from_millis(15))
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_with_total_fetches_each_page_once_in_order() {
    let server = jittery(253, 10).await;
    let w = walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(8),
    )
    .await;
    assert_records(&w.records(), 253);
    let numbers: Vec<usize> = w.pages.iter().map(|p| p.number()).collect();
    assert_eq!(numbers, (1..=26).collect::<Vec<_>>());
    // Each page's request is the one that produced it.
    for (i, page) in w.pages.iter().enumerate() {
        assert_eq!(
            page.request().param("offset"),
            Some((i * 10).to_string().as_str())
        );
    }
    // The total is known after page 1, so nothing past the end is requested.
    let mut sent = paths(&server);
    assert_eq!(sent.len(), 26);
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 26, "no request twice");
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 253 });
    let most = server.max_in_flight();
    assert!(
        (2..=8).contains(&most),
        "requests in flight at once: {most}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_based_pages_with_total_pages() {
    let server = jittery(97, 7).await;
    let paginator = PageNumberPaginator::new()
        .base_page(1)
        .total_path("total_pages");
    let w = walk(
        client(&server)
            .paginate("/page")
            .paginator(paginator)
            .data_selector("data")
            .concurrency(4),
    )
    .await;
    assert_records(&w.records(), 97);
    let mut sent = paths(&server);
    sent.sort();
    let mut expected: Vec<String> = (1..=14).map(|p| format!("/page?page={p}")).collect();
    expected.sort();
    assert_eq!(sent, expected);
    assert!(server.max_in_flight() <= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_total_discards_pages_past_the_first_empty_one() {
    let server = jittery(45, 10).await;
    let paginator = OffsetPaginator::new(10).without_total();
    let w = walk(
        client(&server)
            .paginate("/offset/no-total")
            .paginator(paginator)
            .data_selector("items")
            .concurrency(5),
    )
    .await;
    assert_records(&w.records(), 45);
    assert_eq!(
        w.pages.len(),
        6,
        "five pages and the empty one that ends the walk"
    );
    assert_eq!(w.stop_reason(), StopReason::EmptyPage);
    // At most concurrency − 1 requests past the empty page; every offset at most once.
    let sent = paths(&server);
    assert!(sent.len() >= 6 && sent.len() <= 6 + 4, "{sent:?}");
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), sent.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_exactly() {
    let server = jittery(300, 10).await;
    let base = || {
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(6)
    };
    let w = walk(base().max_records(77)).await;
    assert_records(&w.records(), 77);
    assert_eq!(w.stop_reason(), StopReason::MaxRecords(77));
    let w = walk(base().max_pages(3)).await;
    assert_records(&w.records(), 30);
    assert_eq!(w.stop_reason(), StopReason::MaxPages(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_error_ends_the_walk_after_the_pages_before_it() {
    // Every 4th request fails with 503; without retries the walk stops there.
    let server = DemoServer::builder()
        .records(200)
        .page_size(10)
        .latency_jitter(Duration::from_millis(10))
        .unavailable_every(4)
        .start()
        .await
        .unwrap();
    let w = try_walk(
        client(&server)
            .paginate("/offset")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(8),
    )
    .await;
    assert!(w.error().is_status(), "{}", w.error());
    assert_eq!(w.error().status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    // Pages come in order, so whatever was delivered is a gap-free prefix.
    let ids = support::ids(&w.records());
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    assert!(ids.len() < 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_walks_stay_serial() {
    let server = jittery(50, 10).await;
    let w = walk(
        client(&server)
            .paginate("/json-link")
            .paginator(JsonLinkPaginator::new())
            .data_selector("data")
            .concurrency(8),
    )
    .await;
    assert_records(&w.records(), 50);
    let expected: Vec<String> = std::iter::once("/json-link".to_owned())
        .chain((2..=5).map(|p| format!("/json-link?page={p}")))
        .collect();
    assert_eq!(paths(&server), expected);
    assert_eq!(server.max_in_flight(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detected_offset_walks_run_concurrently_too() {
    let server = jittery(120, 10).await;
    let w = walk(client(&server).paginate("/offset").concurrency(4)).await;
    assert_records(&w.records(), 120);
    assert_eq!(paths(&server).len(), 12);
}

#[test]
fn the_blocking_api_runs_concurrent_walks() {
    let server = DemoServer::builder()
        .records(64)
        .page_size(8)
        .latency_jitter(Duration::from_millis(5))
        .spawn()
        .unwrap();
    let client = restclient::blocking::RestClient::builder(server.url())
        .build()
        .unwrap();
    let ids: Vec<u64> = client
        .paginate("/offset")
        .paginator(OffsetPaginator::new(8))
        .data_selector("items")
        .concurrency(4)
        .records()
        .map(|r| r.unwrap()["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=64).collect::<Vec<_>>());
}

// ------------------------------------------------ overlap and seriality, counted by the server
//
// The servers below count the requests they are answering at once. Where pages must overlap,
// the handler holds each page after the first until a second request arrives (see
// `Ctx::until_overlap`): a concurrent walk releases it at once, a serial one cannot, so the
// count stays at 1 and the assertion fails. No test here measures time.

/// Records `first..=last` of the demo data (empty when `first > last`).
fn records_between(first: u64, last: u64) -> Vec<Value> {
    (first..=last).map(support::record).collect()
}

/// A 1-based page-number API (pages of 10) shaped like demo-api's `/page`
/// (`data`, `page`, `page_size`, `total_pages`, `total`), holding pages after the first until
/// requests overlap.
fn overlapping_pages(records: u64) -> Server {
    server::http_with(move |req, ctx| async move {
        let page = server::query_u64(&req, "page").unwrap_or(1).max(1);
        if page > 1 {
            ctx.until_overlap().await;
        }
        let first = (page - 1) * 10 + 1;
        server::ok(json!({
            "data": records_between(first, (page * 10).min(records)),
            "page": page,
            "page_size": 10,
            "total_pages": records.div_ceil(10),
            "total": records,
        }))
    })
}

/// An offset API shaped like demo-api's `/offset` (`items`, `total`, `offset`, `limit`),
/// holding pages after the first until requests overlap.
fn overlapping_offsets(records: u64) -> Server {
    server::http_with(move |req, ctx| async move {
        let offset = server::query_u64(&req, "offset").unwrap_or(0);
        let limit = server::query_u64(&req, "limit").unwrap_or(10);
        if offset > 0 {
            ctx.until_overlap().await;
        }
        server::ok(json!({
            "items": records_between(offset + 1, (offset + limit).min(records)),
            "total": records,
            "offset": offset,
            "limit": limit,
        }))
    })
}

/// Asserts that the walk overlapped pages (the server saw ≥ 2 requests at once, never more
/// than `concurrency`) and asked for each path exactly once.
fn assert_overlapped(server: &Server, concurrency: usize, expected: &[String]) {
    let most = server.max_in_flight();
    assert!(
        (2..=concurrency).contains(&most),
        "requests in flight at once: {most}"
    );
    let mut sent = server.paths();
    sent.sort();
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(sent, expected, "each page requested once");
}

#[tokio::test]
async fn page_number_walks_overlap_pages() {
    let server = overlapping_pages(45);
    let paginator = PageNumberPaginator::new()
        .base_page(1)
        .total_path("total_pages");
    let w = walk(
        client_at(&server.url())
            .paginate("/page")
            .paginator(paginator)
            .data_selector("data")
            .concurrency(8),
    )
    .await;
    assert_records(&w.records(), 45);
    let expected: Vec<String> = (1..=5).map(|p| format!("/page?page={p}")).collect();
    assert_overlapped(&server, 8, &expected);
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 5 });
}

#[tokio::test]
async fn auto_detected_offset_walks_overlap_pages() {
    let server = overlapping_offsets(45);
    let client = client_at(&server.url());
    let w = walk(client.paginate("/offset").concurrency(4)).await;
    assert_records(&w.records(), 45);
    assert_eq!(w.pages[0].paginator()["type"], "offset", "detected");
    let expected: Vec<String> = std::iter::once("/offset".to_owned())
        .chain((1..=4).map(|p| format!("/offset?offset={}&limit=10", p * 10)))
        .collect();
    assert_overlapped(&server, 4, &expected);
}

#[tokio::test]
async fn auto_detected_page_number_walks_overlap_pages() {
    let server = overlapping_pages(45);
    let client = client_at(&server.url());
    let w = walk(client.paginate("/page").concurrency(4)).await;
    assert_records(&w.records(), 45);
    assert_eq!(w.pages[0].paginator()["type"], "page_number", "detected");
    let expected: Vec<String> = std::iter::once("/page".to_owned())
        .chain((2..=5).map(|p| format!("/page?page={p}")))
        .collect();
    assert_overlapped(&server, 4, &expected);
}

/// A cursor API of five pages: page `n` answers `next_cursor: "c{n+1}"`, and a request whose
/// cursor the server did not hand out last is refused (it could only come from a request sent
/// before the previous page arrived).
fn cursor_server() -> Server {
    let issued = Arc::new(Mutex::new(None::<String>));
    server::http(move |req| {
        let issued = Arc::clone(&issued);
        async move {
            let cursor = server::query_param(&req, "cursor");
            let mut last = issued.lock().unwrap();
            if cursor != *last {
                return server::json(400, json!({"error": "a cursor that was not handed out"}));
            }
            let n: u64 = cursor.as_deref().map_or(1, |c| c[1..].parse().unwrap());
            let next = (n < 5).then(|| format!("c{}", n + 1));
            last.clone_from(&next);
            server::ok(json!({
                "items": records_between(n * 10 - 9, n * 10),
                "next_cursor": next,
            }))
        }
    })
}

#[tokio::test]
async fn cursor_walks_stay_serial_with_concurrency_8() {
    let server = cursor_server();
    let w = walk(
        client_at(&server.url())
            .paginate("/items")
            .paginator(
                JsonResponseCursorPaginator::new()
                    .cursor_path("next_cursor")
                    .cursor_param("cursor"),
            )
            .data_selector("items")
            .concurrency(8),
    )
    .await;
    assert_records(&w.records(), 50);
    let expected: Vec<String> = std::iter::once("/items".to_owned())
        .chain((2..=5).map(|n| format!("/items?cursor=c{n}")))
        .collect();
    assert_eq!(server.paths(), expected, "one request per cursor, in order");
    assert_eq!(server.max_in_flight(), 1, "never two requests at once");
}

#[tokio::test]
async fn header_link_walks_stay_serial_with_concurrency_8() {
    let server = server::http(|req| async move {
        let n = server::query_u64(&req, "page").unwrap_or(1);
        let link = format!("</items?page={}>; rel=\"next\"", n + 1);
        let headers: &[(&str, &[u8])] = if n < 5 {
            &[("link", link.as_bytes())]
        } else {
            &[]
        };
        let body = serde_json::to_vec(&records_between(n * 10 - 9, n * 10)).unwrap();
        server::raw(200, "application/json", headers, &body)
    });
    let w = walk(
        client_at(&server.url())
            .paginate("/items")
            .paginator(HeaderLinkPaginator::new())
            .concurrency(8),
    )
    .await;
    assert_records(&w.records(), 50);
    let expected: Vec<String> = std::iter::once("/items".to_owned())
        .chain((2..=5).map(|n| format!("/items?page={n}")))
        .collect();
    assert_eq!(server.paths(), expected);
    assert_eq!(server.max_in_flight(), 1, "never two requests at once");
    assert_eq!(w.stop_reason(), StopReason::NoNextLink);
}

// ------------------------------------------------ retries, auth refresh and loops while overlapping

#[tokio::test]
async fn a_503_inside_a_concurrent_walk_is_retried_in_place() {
    // The page at offset 20 is refused once with 503, then served.
    let refused = Arc::new(Mutex::new(false));
    let server = server::http_with(move |req, ctx| {
        let refused = Arc::clone(&refused);
        async move {
            let offset = server::query_u64(&req, "offset").unwrap_or(0);
            if offset > 0 {
                ctx.until_overlap().await;
            }
            if offset == 20 && !std::mem::replace(&mut *refused.lock().unwrap(), true) {
                return server::json(503, json!({"error": "busy"}));
            }
            server::ok(json!({
                "items": records_between(offset + 1, (offset + 10).min(50)),
                "total": 50,
            }))
        }
    });
    let client = retrying_client(&server.url());
    let w = walk(
        client
            .paginate("/items")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(4),
    )
    .await;
    assert_records(&w.records(), 50);
    let attempts: Vec<u32> = w.pages.iter().map(|p| p.response().attempts()).collect();
    assert_eq!(
        attempts,
        [1, 1, 2, 1, 1],
        "only the refused page was sent twice"
    );
    let sent = server.paths();
    assert_eq!(sent.len(), 6, "{sent:?}");
    let twice: Vec<&String> = sent.iter().filter(|p| p.contains("offset=20&")).collect();
    assert_eq!(twice.len(), 2, "{sent:?}");
    assert!(server.max_in_flight() >= 2);
}

#[tokio::test]
async fn an_oauth2_token_that_expires_mid_concurrent_walk_is_refreshed_once() {
    // The token endpoint issues `t1`, `t2`, ...; the API takes `t1` for the first three pages
    // only (the token "expires" there) and any later token for every page.
    let issued = Arc::new(AtomicUsize::new(0));
    let server = server::http_with({
        let issued = Arc::clone(&issued);
        move |req, ctx| {
            let issued = Arc::clone(&issued);
            async move {
                if req.path == "/oauth/token" {
                    let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    return server::ok(
                        json!({"access_token": format!("t{n}"), "token_type": "Bearer", "expires_in": 3600}),
                    );
                }
                let offset = server::query_u64(&req, "offset").unwrap_or(0);
                if offset > 0 {
                    ctx.until_overlap().await;
                }
                let token = req.header("authorization").unwrap_or_default();
                if token.is_empty() || (token == "Bearer t1" && offset >= 30) {
                    return server::json(401, json!({"error": "access token expired"}));
                }
                server::ok(json!({
                    "items": records_between(offset + 1, (offset + 10).min(80)),
                    "total": 80,
                }))
            }
        }
    });
    let auth = OAuth2ClientCredentials::new(
        &format!("{}/oauth/token", server.url()),
        "client-id",
        "client-secret",
    )
    .unwrap();
    let client = builder(&server.url()).auth(auth).build().unwrap();
    let w = walk(
        client
            .paginate("/items")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(4),
    )
    .await;
    assert_records(&w.records(), 80);
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "the refused requests share one refresh"
    );
    let api: Vec<RecordedRequest> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/items")
        .collect();
    // Every page once with a token the API took; every refused request sent again with `t2`.
    let accepted: Vec<String> = api
        .iter()
        .filter(|r| {
            let offset = server::query_u64(r, "offset").unwrap_or(0);
            r.header("authorization") == Some("Bearer t2") || offset < 30
        })
        .map(RecordedRequest::path_and_query)
        .collect();
    let mut unique = accepted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 8, "{accepted:?}");
    let refused = api
        .iter()
        .filter(|r| {
            r.header("authorization") == Some("Bearer t1")
                && server::query_u64(r, "offset").unwrap_or(0) >= 30
        })
        .count();
    assert!(refused >= 1, "the token expired mid-walk");
    assert_eq!(api.len(), 8 + refused, "one retry per refused request");
    assert!(server.max_in_flight() >= 2);
}

#[tokio::test]
async fn an_api_ignoring_its_offset_is_a_loop_in_a_concurrent_walk_too() {
    // Every request gets the first page back, whatever its offset.
    let server = server::http(|_req| async {
        server::ok(json!({"items": records_between(1, 10), "total": 1000}))
    });
    let w = try_walk(
        client_at(&server.url())
            .paginate("/items")
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .concurrency(4),
    )
    .await;
    assert!(support::is_pagination_loop(w.error()), "{:?}", w.error());
    assert_eq!(w.ids(), (1..=10).collect::<Vec<_>>(), "only the first page");
    // At most one window of requests in flight past the first page.
    assert!(server.hits() <= 1 + 4, "{:?}", server.paths());
}

#[tokio::test]
async fn more_requests_in_flight_than_max_concurrency_are_refused_before_the_first() {
    let server = DemoServer::builder().records(20).start().await.unwrap();
    let walk = |c: &restclient::RestClient| {
        c.paginate("/offset")
            .paginator(OffsetPaginator::new(5))
            .data_selector("items")
            .concurrency(65)
    };
    let w = try_walk(walk(&client(&server))).await;
    let e = w.error();
    assert!(e.is_builder(), "{e:?}");
    assert!(e.to_string().contains("max_concurrency (64)"), "{e}");
    assert!(server.requests().is_empty());

    // Raised in the runtime config, the same walk runs.
    let mut config = restclient::config::RuntimeConfig::default();
    config.max_concurrency = 100;
    let raised = restclient::RestClient::builder(server.url())
        .runtime_config(config)
        .build()
        .unwrap();
    assert_records(&walk_records(walk(&raised)).await, 20);
}

async fn walk_records(p: restclient::Paginate) -> Vec<Value> {
    walk(p).await.records()
}
