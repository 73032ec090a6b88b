//! Retries, timeouts and request logging against real servers on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use demo_api::{DemoServer, DemoServerBuilder};
use futures::TryStreamExt;
use restclient::auth::BearerTokenAuth;
use restclient::config::RuntimeConfig;
use restclient::paginators::OffsetPaginator;
use restclient::retry::{Outcome, RetryPolicy};
use restclient::{Error, RestClient, StatusCode, TransportKind, Value};
use serde_json::json;
use support::{Scripted, capture_logs, dead_url, ids, quick_config};

/// A client for `server`'s offset route (50 records, pages of 10) with `config`.
fn offset_client(server: &DemoServer, config: RuntimeConfig) -> RestClient {
    RestClient::builder(server.url())
        .config(config)
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()
        .unwrap()
}

async fn walk(client: &RestClient) -> restclient::Result<Vec<Value>> {
    client.paginate("/offset").records().try_collect().await
}

fn offset_requests(server: &DemoServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/offset")
        .map(|r| r.path_and_query())
        .collect()
}

/// Pages 1 and 2, then request 3 faulted and repeated, page 4, request 6 faulted and repeated.
const EVERY_THIRD_FAULTED: [&str; 7] = [
    "/offset?offset=0&limit=10",
    "/offset?offset=10&limit=10",
    "/offset?offset=20&limit=10",
    "/offset?offset=20&limit=10",
    "/offset?offset=30&limit=10",
    "/offset?offset=40&limit=10",
    "/offset?offset=40&limit=10",
];

async fn assert_fault_is_retried(builder: DemoServerBuilder, config: RuntimeConfig) {
    let server = builder.records(50).start().await.unwrap();
    let client = offset_client(&server, config);
    let records = walk(&client).await.unwrap();
    assert_eq!(ids(&records), (1..=50).collect::<Vec<_>>());
    assert_eq!(offset_requests(&server), EVERY_THIRD_FAULTED);
}

#[tokio::test]
async fn a_503_is_retried_to_a_complete_walk() {
    assert_fault_is_retried(DemoServer::builder().unavailable_every(3), quick_config()).await;
}

#[tokio::test]
async fn a_429_is_retried_to_a_complete_walk() {
    assert_fault_is_retried(DemoServer::builder().rate_limit_every(3, 1), quick_config()).await;
}

#[tokio::test]
async fn a_body_cut_short_is_retried_to_a_complete_walk() {
    assert_fault_is_retried(DemoServer::builder().truncate_every(3), quick_config()).await;
}

#[tokio::test]
async fn a_stalled_response_times_out_and_is_retried_to_a_complete_walk() {
    // Long enough that a normal page never times out on a busy machine.
    let config = RuntimeConfig {
        request_timeout: Duration::from_secs(1),
        ..quick_config()
    };
    let builder = DemoServer::builder().stall_every(3, Duration::from_secs(30));
    assert_fault_is_retried(builder, config).await;
}

#[tokio::test]
async fn retry_after_replaces_the_exponential_wait_and_is_capped() {
    let server = DemoServer::builder()
        .records(20)
        .rate_limit_every(2, 1)
        .start()
        .await
        .unwrap();
    // Exponential waits would be 1 ms; Retry-After says 1 s, capped at 20 ms.
    let client = offset_client(&server, quick_config());
    let (logs, _guard) = capture_logs("info");
    let records = walk(&client).await.unwrap();
    assert_eq!(ids(&records), (1..=20).collect::<Vec<_>>());
    let retries = logs.lines_with("retrying GET");
    assert_eq!(retries.len(), 1, "{}", logs.text());
    let line = &retries[0];
    assert!(line.contains("wait_ms=20"), "{line}");
    assert!(line.contains("429 Too Many Requests"), "{line}");
    assert!(line.contains("Retry-After \"1\" capped"), "{line}");
}

#[tokio::test]
async fn a_persistent_503_fails_the_walk_after_max_attempts() {
    let server = DemoServer::builder()
        .unavailable_every(1)
        .start()
        .await
        .unwrap();
    let config = RuntimeConfig {
        request_max_attempts: 3,
        ..quick_config()
    };
    let client = offset_client(&server, config);
    let err = walk(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let text = err.to_string();
    assert!(
        text.starts_with("503 Server Error: Service Unavailable for url: http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.ends_with("(after 3 attempts)"), "{text}");
    assert!(matches!(err, Error::Http { attempts: 3, .. }));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn get_returns_the_last_retryable_response_as_dlt_does() {
    let server = DemoServer::start(Default::default()).await.unwrap();
    let client = RestClient::builder(server.url())
        .config(RuntimeConfig {
            request_max_attempts: 4,
            ..quick_config()
        })
        .build()
        .unwrap();
    let r = client.get("/status/500").await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.attempts(), 4);
    assert_eq!(server.requests().len(), 4);
    let ok = client.get("/posts/1").await.unwrap();
    assert_eq!(ok.attempts(), 1);
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    let server = DemoServer::start(Default::default()).await.unwrap();
    let client = RestClient::builder(server.url())
        .config(quick_config())
        .build()
        .unwrap();
    for code in [400, 401, 403, 404, 409, 422] {
        server.clear_requests();
        let r = client.get(&format!("/status/{code}")).await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        assert_eq!(server.requests().len(), 1, "{code}");
    }
    server.clear_requests();
    let err = client
        .paginate("/status/404")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "404 Client Error: Not Found for url: {}/status/404",
            server.url()
        )
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn timeouts_exhausted_name_the_redacted_url_and_the_attempts() {
    let server = DemoServer::builder()
        .stall_every(1, Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = RestClient::builder(server.url())
        .config(RuntimeConfig {
            request_max_attempts: 2,
            request_timeout: Duration::from_millis(200),
            ..quick_config()
        })
        .build()
        .unwrap();
    let err = client
        .request(restclient::Method::GET, "/page")
        .param("api_key", "SEKRIT-KEY")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_transport(TransportKind::Timeout), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "timed out for GET {}/page?api_key=***",
            server.url()
        )),
        "{text}"
    );
    assert!(text.ends_with("(after 2 attempts)"), "{text}");
    assert!(!text.contains("SEKRIT"), "{text}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    let url = dead_url().await;
    let client = RestClient::builder(&url)
        .config(RuntimeConfig {
            request_max_attempts: 3,
            ..quick_config()
        })
        .build()
        .unwrap();
    let (logs, _guard) = capture_logs("info");
    let err = client.get("/x").await.unwrap_err();
    assert!(err.is_transport(TransportKind::Connect), "{err:?}");
    assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
    assert_eq!(logs.lines_with("retrying GET").len(), 2, "{}", logs.text());
    assert_eq!(logs.lines_with("giving up on GET").len(), 1);
}

#[tokio::test]
async fn a_retry_condition_retries_an_error_inside_a_200() {
    let busy = json!({"error": "try again"});
    let page = json!({"items": [{"id": 1}, {"id": 2}]});
    let server = Scripted::start(vec![(200, busy.clone()), (200, busy), (200, page)]).await;
    let client = RestClient::builder(&server.url)
        .config(quick_config())
        .data_selector("items")
        .retry_if(|o: &Outcome<'_>| {
            o.response()
                .and_then(|r| r.json().ok())
                .is_some_and(|b| b["error"] == "try again")
        })
        .build()
        .unwrap();
    let records: Vec<Value> = client.paginate("/").records().try_collect().await.unwrap();
    assert_eq!(ids(&records), [1, 2]);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_retry_condition_on_an_explicit_policy_keeps_the_default_rules() {
    let server = Scripted::start(vec![
        (503, json!({})),
        (200, json!({"error": "try again"})),
        (200, json!([{"id": 7}])),
    ])
    .await;
    let policy = RetryPolicy {
        backoff_factor: 0.001,
        ..RetryPolicy::default()
    }
    .retry_if(|o: &Outcome<'_>| {
        o.response()
            .and_then(|r| r.json().ok())
            .is_some_and(|b| b.get("error").is_some())
    });
    let client = RestClient::builder(&server.url)
        .retry(policy)
        .build()
        .unwrap();
    let r = client.get("/").await.unwrap();
    assert_eq!(r.json().unwrap(), &json!([{"id": 7}]));
    assert_eq!((server.hits(), r.attempts()), (3, 3));
}

#[tokio::test]
async fn an_explicit_policy_wins_over_the_config() {
    let server = DemoServer::start(Default::default()).await.unwrap();
    let client = RestClient::builder(server.url())
        .config(quick_config())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let r = client.get("/status/503").await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn error_bodies_are_shown_truncated_and_redacted_when_configured() {
    let token = "tok-0123456789";
    let server = Scripted::start(vec![(
        400,
        json!({"error": format!("{} bad token {token}", "x".repeat(50))}),
    )])
    .await;
    let config = RuntimeConfig {
        http_show_error_body: true,
        http_max_error_body_length: 40,
        ..quick_config()
    };
    let client = RestClient::builder(&server.url)
        .config(config.clone())
        .auth(BearerTokenAuth::new(token))
        .build()
        .unwrap();
    let err = client
        .paginate("/")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let Error::Http { body, .. } = &err else {
        panic!("{err:?}")
    };
    let want = format!("{{\"error\":\"{}… (truncated)", "x".repeat(30));
    assert_eq!(body.as_deref(), Some(want.as_str()));
    assert!(
        err.to_string().ends_with(&format!("\nResponse: {want}")),
        "{err}"
    );

    // The whole body, with the token masked, when it fits.
    let roomy = RestClient::builder(&server.url)
        .config(RuntimeConfig {
            http_max_error_body_length: 8192,
            ..config
        })
        .auth(BearerTokenAuth::new(token))
        .build()
        .unwrap();
    let err = roomy
        .paginate("/")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad token ***\"}"), "{text}");
    assert!(!text.contains(token), "{text}");

    // Off by default.
    let plain = RestClient::builder(&server.url)
        .config(quick_config())
        .build()
        .unwrap();
    let err = plain
        .paginate("/")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { body: None, .. }), "{err:?}");
    assert!(!err.to_string().contains("Response:"));
}

#[tokio::test]
async fn each_request_and_retry_is_logged_without_secrets() {
    let token = "s3cr3t-bearer-token";
    let key = "k3y-in-a-header";
    let server = DemoServer::builder()
        .records(20)
        .unavailable_every(2)
        .start()
        .await
        .unwrap();
    let client = RestClient::builder(server.url())
        .config(quick_config())
        .auth(BearerTokenAuth::new(token))
        .header("X-API-Key", key)
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()
        .unwrap();
    let (logs, _guard) = capture_logs("debug");
    let records = walk(&client).await.unwrap();
    assert_eq!(records.len(), 20);
    let base = server.url();
    let text = logs.text();
    assert!(!text.contains(token) && !text.contains(key), "{text}");

    let lines = |needle: &str| logs.lines_with(needle);
    let first = lines(&format!(
        "GET {base}/offset?offset=0&limit=10 -> 200 OK in "
    ));
    assert_eq!(first.len(), 1, "{text}");
    assert!(first[0].contains(" INFO "), "{}", first[0]);
    let failed = lines(&format!(
        "GET {base}/offset?offset=10&limit=10 -> 503 Service Unavailable in "
    ));
    assert_eq!(failed.len(), 1, "{text}");
    let retried = lines(&format!(
        "GET {base}/offset?offset=10&limit=10 -> 200 OK in "
    ));
    assert_eq!(retried.len(), 1, "{text}");
    assert!(retried[0].contains("ms (attempt 2 of 5)"), "{}", retried[0]);
    let waits = lines("retrying GET");
    assert_eq!(waits.len(), 1, "{text}");
    assert!(waits[0].contains(" INFO "), "{}", waits[0]);
    assert!(
        waits[0].contains("(attempt 2 of 5): 503 Service Unavailable; exponential backoff"),
        "{}",
        waits[0]
    );
    let sent = lines("sending GET");
    assert_eq!(sent.len(), 3, "{text}");
    assert!(sent.iter().all(|l| l.contains(" DEBUG ")));
    assert!(
        sent[0].contains("authorization: ***") && sent[0].contains("x-api-key: ***"),
        "{}",
        sent[0]
    );
    let received = lines("received 200 OK from");
    assert_eq!(received.len(), 2, "{text}");
    assert!(received[0].contains("content-type: application/json"));
}

#[tokio::test]
async fn info_level_shows_no_details() {
    let server = DemoServer::builder().records(5).start().await.unwrap();
    let client = offset_client(&server, quick_config());
    let (logs, _guard) = capture_logs("info");
    walk(&client).await.unwrap();
    assert_eq!(logs.lines_with("-> 200 OK in").len(), 1, "{}", logs.text());
    assert!(logs.lines_with("sending GET").is_empty());
}

#[tokio::test]
async fn a_body_cut_short_every_time_fails_as_a_body_error_after_max_attempts() {
    let server = DemoServer::builder()
        .truncate_every(1)
        .start()
        .await
        .unwrap();
    let client = RestClient::builder(server.url())
        .config(RuntimeConfig {
            request_max_attempts: 2,
            ..quick_config()
        })
        .build()
        .unwrap();
    let err = client.get("/offset").await.unwrap_err();
    assert!(err.is_transport(TransportKind::Body), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "response body failed for GET {}/offset",
            server.url()
        )),
        "{text}"
    );
    assert!(text.ends_with("(after 2 attempts)"), "{text}");
    assert_eq!(server.requests().len(), 2);
}
