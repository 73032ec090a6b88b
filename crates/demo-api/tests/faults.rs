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

#[tokio::test]
async fn a_reset_closes_the_connection_without_an_answer() -> TestResult {
    let server = DemoServer::builder().reset_every(2).start().await?;
    let client = Client::new();
    let url = format!("{}/json-link", server.url());
    assert_eq!(status_of(&client, &url).await?, StatusCode::OK);
    // No status line at all: `send` fails, there is no response to look at.
    let reset = client.get(&url).send().await;
    let error = reset.as_ref().err();
    assert!(
        error.is_some_and(|e| e.is_request() && !e.is_body() && !e.is_timeout()),
        "{reset:?}"
    );
    let chain = error.map(|e| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    });
    assert!(
        chain
            .as_deref()
            .is_some_and(|t| t.contains("connection closed before message completed")),
        "{chain:?}"
    );
    // The next request, on a new connection, is answered.
    assert_eq!(status_of(&client, &url).await?, StatusCode::OK);
    assert_eq!(server.requests().len(), 3, "the reset request is recorded");
    Ok(())
}

#[tokio::test]
async fn malformed_json_is_a_200_with_a_correct_length_and_json_cut_off() -> TestResult {
    let server = DemoServer::builder()
        .malformed_json_every(1)
        .start()
        .await?;
    let response = Client::new()
        .get(format!("{}/offset", server.url()))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    let length = demo_api::MALFORMED_JSON.len().to_string();
    assert_eq!(header("content-length"), Some(length));
    let body = response.bytes().await?;
    assert_eq!(&body[..], br#"{"items": [1, 2"#);
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    Ok(())
}

#[tokio::test]
async fn html_pages_come_with_status_200() -> TestResult {
    let server = DemoServer::builder().html_every(2).start().await?;
    let client = Client::new();
    let url = format!("{}/header-link", server.url());
    let first = client.get(&url).send().await?;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().contains_key("link"));
    let html = client.get(&url).send().await?;
    assert_eq!(html.status(), StatusCode::OK);
    let content_type = html
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert!(
        !html.headers().contains_key("link"),
        "no pagination headers"
    );
    assert_eq!(
        html.text().await?,
        "<html><body>Service temporarily unavailable</body></html>"
    );
    Ok(())
}

#[tokio::test]
async fn empty_204s_have_no_body() -> TestResult {
    let server = DemoServer::builder().empty_204_every(1).start().await?;
    let response = Client::new()
        .post(format!("{}/search", server.url()))
        .json(&serde_json::json!({"query": "x"}))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_new_faults_come_after_the_old_ones_and_in_their_own_order() -> TestResult {
    let config = demo_api::DemoConfig {
        faults: Faults {
            truncate_every: Some(5),
            reset_every: Some(5),
            malformed_json_every: Some(2),
            html_every: Some(3),
            empty_204_every: Some(3),
            ..Faults::default()
        },
        ..demo_api::DemoConfig::default()
    };
    let server = DemoServer::start(config).await?;
    let client = Client::new();
    let url = format!("{}/cursor", server.url());
    let mut seen = Vec::new();
    for _ in 0..6 {
        let r = client.get(&url).send().await?;
        let status = r.status().as_u16();
        // Request 5 is cut short (truncate wins over reset), so its body fails.
        let body = match r.text().await {
            Ok(text) if text.starts_with("<html>") => "html",
            Ok(text) if text.starts_with(r#"{"items": [1, 2"#) && text.len() < 20 => "malformed",
            Ok(text) if text.is_empty() => "empty",
            Ok(_) => "page",
            Err(_) => "cut short",
        };
        seen.push((status, body));
    }
    assert_eq!(
        seen,
        [
            (200, "page"),
            (200, "malformed"),
            (200, "html"),
            (200, "malformed"),
            (200, "cut short"),
            (200, "malformed"),
        ]
    );
    Ok(())
}

#[test]
fn the_new_faults_are_off_by_default_and_count_as_faults() {
    let f = Faults::default();
    assert_eq!(
        (
            f.reset_every,
            f.malformed_json_every,
            f.html_every,
            f.empty_204_every
        ),
        (None, None, None, None)
    );
    for f in [
        Faults {
            reset_every: Some(1),
            ..Faults::default()
        },
        Faults {
            malformed_json_every: Some(1),
            ..Faults::default()
        },
        Faults {
            html_every: Some(1),
            ..Faults::default()
        },
        Faults {
            empty_204_every: Some(1),
            ..Faults::default()
        },
    ] {
        assert!(f.any(), "{f:?}");
    }
}
