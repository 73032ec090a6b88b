//! The injected faults, seen from a plain HTTP client.

use std::time::Duration;

use demo_api::{DemoServer, Faults};
use reqwest::{Client, StatusCode};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn status_of(client: &Client, url: &str) -> Result<StatusCode, reqwest::Error> {
    Ok(client.get(url).send().await?.status())
}

#[tokio::test]
async fn every_kth_paginated_request_answers_503_and_helpers_do_not_count() -> TestResult {
    let server = DemoServer::builder().unavailable_every(2).start().await?;
    let client = Client::new();
    let offset = format!("{}/offset?offset=0&limit=5", server.url());
    let echo = format!("{}/echo", server.url());
    let mut statuses = Vec::new();
    for url in [&offset, &echo, &offset, &echo, &offset, &offset] {
        statuses.push(status_of(&client, url).await?.as_u16());
    }
    // Paginated requests 1..4 are numbered; /echo is neither faulted nor counted.
    assert_eq!(statuses, [200, 200, 503, 200, 200, 503]);
    assert_eq!(server.requests().len(), 6, "faulted requests are recorded");
    Ok(())
}

#[tokio::test]
async fn every_kth_request_answers_429_with_retry_after() -> TestResult {
    let server = DemoServer::builder().rate_limit_every(3, 7).start().await?;
    let client = Client::new();
    let url = format!("{}/cursor", server.url());
    let mut seen = Vec::new();
    for _ in 0..6 {
        let r = client.get(&url).send().await?;
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        seen.push((r.status().as_u16(), retry_after));
    }
    let want = |s: u16, ra: Option<&str>| (s, ra.map(str::to_owned));
    assert_eq!(
        seen,
        [
            want(200, None),
            want(200, None),
            want(429, Some("7")),
            want(200, None),
            want(200, None),
            want(429, Some("7")),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn truncated_bodies_announce_more_than_they_send() -> TestResult {
    let server = DemoServer::builder().truncate_every(1).start().await?;
    let response = Client::new()
        .get(format!("{}/offset?limit=20", server.url()))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    assert!(announced.is_some_and(|n| n > 100), "{announced:?}");
    let error = response.bytes().await.err();
    assert!(error.is_some(), "the body must fail part-way");
    Ok(())
}

#[tokio::test]
async fn stalled_requests_outlast_a_short_timeout_and_others_do_not() -> TestResult {
    let server = DemoServer::builder()
        .stall_every(2, Duration::from_secs(30))
        .start()
        .await?;
    let client = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()?;
    let url = format!("{}/page", server.url());
    assert_eq!(status_of(&client, &url).await?, StatusCode::OK);
    let stalled = status_of(&client, &url).await;
    assert!(
        stalled.as_ref().is_err_and(reqwest::Error::is_timeout),
        "{stalled:?}"
    );
    assert_eq!(status_of(&client, &url).await?, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn the_first_fault_in_order_wins_when_periods_meet() -> TestResult {
    let config = demo_api::DemoConfig {
        faults: Faults {
            unavailable_every: Some(2),
            rate_limit_every: Some(3),
            ..Faults::default()
        },
        ..demo_api::DemoConfig::default()
    };
    let server = DemoServer::start(config).await?;
    let client = Client::new();
    let url = format!("{}/header-link", server.url());
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(status_of(&client, &url).await?.as_u16());
    }
    assert_eq!(statuses, [200, 503, 429, 503, 200, 503]);
    Ok(())
}

#[test]
fn faults_are_off_by_default() {
    let f = Faults::default();
    assert!(!f.any());
    assert_eq!(f.retry_after_secs, 1);
    assert_eq!(f.stall, Duration::from_secs(30));
    assert!(
        Faults {
            truncate_every: Some(4),
            ..Faults::default()
        }
        .any()
    );
}
