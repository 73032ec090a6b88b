//! The blocking facade over real HTTP.

use demo_api::DemoServer;
use restclient::HookAction;
use restclient::StopReason;
use restclient::blocking::RestClient;
use restclient::paginators::OffsetPaginator;
use restclient::{Error, Method, StatusCode};

#[test]
fn pages_and_records_are_iterators() {
    let server = DemoServer::builder()
        .records(45)
        .page_size(10)
        .spawn()
        .unwrap();
    let client = RestClient::builder(server.url())
        .paginator(OffsetPaginator::new(10))
        .data_selector("items")
        .build()
        .unwrap();

    let mut pages = client.paginate("/offset").pages();
    let sizes: Vec<usize> = pages.by_ref().map(|p| p.unwrap().len()).collect();
    assert_eq!(sizes, [10, 10, 10, 10, 5]);
    assert_eq!(
        pages.stop_reason(),
        Some(StopReason::TotalReached { total: 45 })
    );

    let ids: Vec<u64> = client
        .paginate("/offset")
        .records()
        .map(|r| r.unwrap()["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=45).collect::<Vec<_>>());

    let limited = client.paginate("/offset").max_records(12).records().count();
    assert_eq!(limited, 12);
}

#[test]
fn requests_and_errors() {
    let server = DemoServer::builder().records(5).spawn().unwrap();
    let client = RestClient::builder(server.url()).build().unwrap();
    let r = client.get("/posts/2").send().unwrap();
    assert_eq!(r.json().unwrap()["id"], 2);
    assert_eq!(
        client.get("/posts/99").send().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let echo = client
        .request(Method::POST, "/echo")
        .param("a", "1")
        .json(&serde_json::json!({"k": 1}))
        .send()
        .unwrap();
    assert_eq!(echo.json().unwrap()["json"]["k"], 1);
    assert_eq!(echo.json().unwrap()["query"][0][1], "1");

    // A status error ends the iterator after yielding the error once.
    let mut it = client.paginate("/posts/99").pages();
    let first = it.next();
    assert!(
        matches!(&first, Some(Err(e)) if e.status() == Some(StatusCode::NOT_FOUND)),
        "{first:?}"
    );
    assert!(it.next().is_none());

    // The seed's hook: a 404 means no data.
    let pages: Vec<_> = client
        .paginate("/posts/99")
        .hook(|r| {
            if r.status() == StatusCode::NOT_FOUND {
                HookAction::Ignore
            } else {
                HookAction::Continue
            }
        })
        .pages()
        .collect();
    assert!(pages.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_inside_spawn_blocking_where_async_programs_put_blocking_code() {
    let server = DemoServer::builder().records(25).start().await.unwrap();
    let url = server.url();
    let (post, records) = tokio::task::spawn_blocking(move || {
        let client = RestClient::builder(&url)
            .paginator(OffsetPaginator::new(10))
            .data_selector("items")
            .build()?;
        let post = client.get("/posts/3").send()?.json()?.clone();
        let records = client
            .paginate("/offset")
            .records()
            .collect::<restclient::Result<Vec<_>>>()?;
        Ok::<_, Error>((post, records))
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(post["id"], 3);
    assert_eq!(records.len(), 25);
}

#[test]
fn a_client_built_outside_a_runtime_works_inside_one_and_drops_cleanly() {
    let server = DemoServer::builder().records(5).spawn().unwrap();
    let client = RestClient::builder(server.url()).build().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let c = client.clone();
    let status = rt
        .block_on(async move {
            tokio::task::spawn_blocking(move || c.get("/posts/1").send().map(|r| r.status())).await
        })
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    // Dropping the last handle (and so its runtime thread) inside an async context must not
    // panic, as dropping a tokio runtime there would.
    rt.block_on(async move { drop(client) });
}

#[test]
fn runtime_config_retry_conditions_params_and_headers_reach_the_async_client() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use restclient::config::RuntimeConfig;
    use restclient::header::{HeaderMap, HeaderValue};
    use restclient::retry::Outcome;

    // Every request answers 503: the config's 2 attempts are all the client makes.
    let down = DemoServer::builder().unavailable_every(1).spawn().unwrap();
    let config = {
        let mut c = RuntimeConfig::default();
        c.request_max_attempts = 2;
        c.request_backoff_factor = 0.001;
        c.request_max_retry_delay = Duration::from_millis(10);
        c
    };
    let client = RestClient::builder(down.url())
        .runtime_config(config.clone())
        .build()
        .unwrap();
    let r = client.get("/offset").send().unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.attempts(), 2);
    assert_eq!(down.requests().len(), 2);

    // A retry condition: a 404 is retried too, and the condition sees every attempt.
    let server = DemoServer::builder().records(3).spawn().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let client = RestClient::builder(server.url())
        .runtime_config(config)
        .retry_if(move |o: &Outcome<'_>| {
            counter.fetch_add(1, Ordering::SeqCst);
            o.status() == Some(StatusCode::NOT_FOUND)
        })
        .build()
        .unwrap();
    assert_eq!(client.get("/posts/99").send().unwrap().attempts(), 2);
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    // Params and a header map on a request and on a walk.
    let mut headers = HeaderMap::new();
    headers.insert("x-trace", HeaderValue::from_static("t1"));
    let echo = client
        .request(Method::GET, "/echo")
        .params([("a", "1"), ("b", "2")])
        .headers(headers.clone())
        .send()
        .unwrap();
    let body = echo.json().unwrap();
    assert_eq!(body["query"], serde_json::json!([["a", "1"], ["b", "2"]]));
    assert_eq!(body["headers"]["x-trace"], "t1");

    server.clear_requests();
    let records: Vec<_> = client
        .paginate("/offset")
        .paginator(OffsetPaginator::new(2))
        .data_selector("items")
        .params([("sort", "id")])
        .headers(headers)
        .records()
        .collect::<restclient::Result<_>>()
        .unwrap();
    assert_eq!(records.len(), 3);
    let requests = server.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|r| (r.path_and_query(), r.header("x-trace").map(str::to_owned)))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "/offset?sort=id&offset=0&limit=2".to_owned(),
                Some("t1".to_owned())
            ),
            (
                "/offset?sort=id&offset=2&limit=2".to_owned(),
                Some("t1".to_owned())
            ),
        ]
    );
}
