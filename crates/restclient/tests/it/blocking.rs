//! The blocking facade over real HTTP.

use std::io::Write;

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

// --- Used on an async worker: the newcomer's mistake fails at once, never hangs (#25) ---

/// A record of the demo's `/offset` route, typed.
#[derive(Debug, serde::Deserialize)]
struct Item {
    id: u64,
}

/// Aborts the test binary if the returned guard is still alive after `bound`: a blocking call
/// that spins or deadlocks would otherwise hang the whole suite. A bound, not synchronisation.
fn watchdog(test: &'static str, bound: std::time::Duration) -> Watchdog {
    let (alive, dropped) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = dropped.recv_timeout(bound) {
            // Straight to stderr: the test harness's capture of `eprintln!` dies with the process.
            let _ = writeln!(
                std::io::stderr(),
                "watchdog: `{test}` still running after {bound:?}: a blocking call hangs"
            );
            std::process::abort();
        }
    });
    Watchdog { _alive: alive }
}

/// Dropping it (the test ended) stops its watchdog.
#[must_use]
struct Watchdog {
    _alive: std::sync::mpsc::Sender<()>,
}

const BOUND: std::time::Duration = std::time::Duration::from_secs(60);

/// Asserts that `e` is the error a blocking call made on an async task gives.
fn assert_names_spawn_blocking(what: &str, e: &Error) {
    assert!(e.is_builder(), "{what}: {e:?}");
    let message = e.to_string();
    assert!(
        message.contains("async task") && message.contains("spawn_blocking"),
        "{what}: {message}"
    );
}

/// Calls `get`, `paginate` (pages and records) and `records_as` of a blocking client directly
/// in an async block on a runtime of `flavor`, with the demo server running on that same
/// runtime (as in a `#[tokio::test]`): each call fails at once and sends nothing.
fn blocking_calls_on_an_async_worker_fail_at_once(flavor: &str) {
    let rt = match flavor {
        "current_thread" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .unwrap();
    rt.block_on(async {
        let server = DemoServer::builder()
            .records(300)
            .page_size(1)
            .start()
            .await
            .unwrap();
        let client = RestClient::builder(server.url())
            .paginator(OffsetPaginator::new(1))
            .data_selector("items")
            .build()
            .unwrap(); // building is fine anywhere; no request is sent

        let e = client.get("/posts/1").send().unwrap_err();
        assert_names_spawn_blocking("get", &e);

        let mut pages = client.paginate("/offset").pages();
        let first = pages.next().expect("an error, not the end");
        assert_names_spawn_blocking("pages", &first.unwrap_err());
        assert!(pages.next().is_none(), "the iterator ends after its error");

        let mut records = client.paginate("/offset").records();
        assert_names_spawn_blocking("records", &records.next().unwrap().unwrap_err());

        // A spawned task is an async worker too.
        let c = client.clone();
        let typed = tokio::spawn(async move {
            c.paginate("/offset")
                .records_as::<Item>()
                .collect::<restclient::Result<Vec<_>>>()
        })
        .await
        .unwrap();
        assert_names_spawn_blocking("records_as", &typed.unwrap_err());

        assert_eq!(server.requests().len(), 0, "nothing was sent");
    });
}

#[test]
fn on_a_current_thread_worker_blocking_calls_fail_at_once_naming_spawn_blocking() {
    let _bound = watchdog("current_thread", BOUND);
    blocking_calls_on_an_async_worker_fail_at_once("current_thread");
}

#[test]
fn on_a_multi_thread_worker_blocking_calls_fail_at_once_naming_spawn_blocking() {
    let _bound = watchdog("multi_thread", BOUND);
    blocking_calls_on_an_async_worker_fail_at_once("multi_thread");
}

/// The report: a server elsewhere, a multi-thread `#[tokio::main]`, a walk of a few
/// hundred one-record pages straight in `main`. It spun at 100 % CPU after about 120 records
/// (the worker's cooperative budget ran out and was never given back); now it fails at once.
#[test]
fn a_long_walk_in_async_main_fails_at_once_instead_of_spinning() {
    let _bound = watchdog("async main", BOUND);
    let server = DemoServer::builder()
        .records(300)
        .page_size(1)
        .spawn()
        .unwrap();
    let client = RestClient::builder(server.url())
        .paginator(OffsetPaginator::new(1))
        .data_selector("items")
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let result = rt.block_on(async {
        client
            .paginate("/offset")
            .records_as::<Item>()
            .collect::<restclient::Result<Vec<_>>>()
    });
    assert_names_spawn_blocking("records_as in main", &result.unwrap_err());
}

/// Where async programs put blocking code, long walks complete on both flavours: in
/// `spawn_blocking` and in `block_in_place`.
#[test]
fn long_walks_complete_in_spawn_blocking_and_block_in_place() {
    let _bound = watchdog("spawn_blocking", BOUND);
    let server = DemoServer::builder()
        .records(300)
        .page_size(1)
        .spawn()
        .unwrap();
    let client = RestClient::builder(server.url())
        .paginator(OffsetPaginator::new(1))
        .data_selector("items")
        .build()
        .unwrap();
    let walk = |c: &RestClient| {
        c.paginate("/offset")
            .records_as::<Item>()
            .map(|r| r.map(|item| item.id))
            .collect::<restclient::Result<Vec<_>>>()
    };
    let expected: Vec<u64> = (1..=300).collect();

    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = client.clone();
    let ids = current
        .block_on(async move { tokio::task::spawn_blocking(move || walk(&c)).await })
        .unwrap()
        .unwrap();
    assert_eq!(ids, expected);

    let multi = tokio::runtime::Runtime::new().unwrap();
    let c = client.clone();
    let ids = multi
        .block_on(async move {
            tokio::spawn(async move { tokio::task::block_in_place(|| walk(&c)) }).await
        })
        .unwrap()
        .unwrap();
    assert_eq!(ids, expected);
}

/// A hook runs on the blocking client's own runtime thread: a blocking call from it would wait
/// for that very thread. It fails at once instead of deadlocking.
#[test]
fn a_blocking_call_from_a_hook_fails_instead_of_deadlocking() {
    use std::sync::{Arc, Mutex};
    let _bound = watchdog("hook", BOUND);
    let server = DemoServer::builder().records(3).spawn().unwrap();
    let client = RestClient::builder(server.url()).build().unwrap();
    let inner = client.clone();
    let seen = Arc::new(Mutex::new(None));
    let in_hook = Arc::clone(&seen);
    let pages = client
        .paginate("/offset")
        .data_selector("items")
        .hook(move |_| {
            let status = inner.get("/posts/1").send().map(|r| r.status());
            *in_hook.lock().unwrap() = Some(status);
            HookAction::Continue
        })
        .pages()
        .collect::<restclient::Result<Vec<_>>>()
        .unwrap();
    assert!(!pages.is_empty());
    let status = seen.lock().unwrap().take().expect("the hook ran");
    assert_names_spawn_blocking("from a hook", &status.unwrap_err());
}

/// Another executor's `block_on` on a thread of one's own is not tokio's async task: the call
/// waits there as on any thread (it used `futures::executor::block_on`, which panics nested).
#[test]
fn works_inside_another_executors_block_on() {
    let _bound = watchdog("futures block_on", BOUND);
    let server = DemoServer::builder().records(5).spawn().unwrap();
    let client = RestClient::builder(server.url()).build().unwrap();
    let status = futures::executor::block_on(async { client.get("/posts/1").send() })
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
}
