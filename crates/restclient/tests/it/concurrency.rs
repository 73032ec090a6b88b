//! Concurrent walks: several requests in flight, pages still in order, no record lost or
//! duplicated, every stop rule as in a serial walk. The demo API answers with a random
//! (seeded) latency per request, so responses finish out of order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restclient::auth::OAuth2ClientCredentials;
use restclient::paginators::{
    HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator, OffsetPaginator,
    PageNumberPaginator, StopReason,
};
use restclient::{Error, RestClient, StatusCode, Value};
use serde_json::json;

use crate::support::server::{self, RecordedRequest, Server};
use crate::support::{
    self, DemoServer, assert_records, builder, client, paths, quick_config, try_walk, walk,
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
    match w.error() {
        Error::Http { status, .. } => assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE),
        other => panic!("unexpected error {other}"),
    }
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
