//! Helpers shared by the integration tests: demo servers, walking a [`Paginate`] to its end,
//! asserting record ids and the exact requests a server received, a closure-based [`server`]
//! for responses demo-api does not give; quick retry settings and log capture for retry tests.
//!
//! Each test file uses a subset of these, hence `dead_code` is allowed here.
// `pub` items in a private test module are what `unreachable_pub` flags; they are meant for
// the test files.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use restclient::config::RuntimeConfig;
use restclient::{
    Error, Page, Pages, Paginate, RestClient, RestClientBuilder, StopReason, Value,
    retry::RetryPolicy,
};

pub mod server;

pub use demo_api::{DemoServer, RecordedRequest, record};

/// Starts a demo-api server with `records` records and a default page size of `page_size`.
pub async fn demo(records: u64, page_size: u64) -> DemoServer {
    DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .start()
        .await
        .expect("the demo server starts")
}

/// A client builder for `base_url` that never retries (no test waits for a backoff).
pub fn builder(base_url: &str) -> RestClientBuilder {
    RestClient::builder(base_url).retry(RetryPolicy::none())
}

/// A client for the demo server, without retries.
pub fn client(server: &DemoServer) -> RestClient {
    builder(&server.url()).build().expect("the client builds")
}

/// What a walk produced: every page until the stream ended, the error that ended it (if any),
/// and the stop reason reported after the end.
#[derive(Debug)]
pub struct Walk {
    pub pages: Vec<Page>,
    pub error: Option<Error>,
    pub stop: Option<StopReason>,
}

impl Walk {
    /// Every record of every page, in order.
    pub fn records(&self) -> Vec<Value> {
        self.pages
            .iter()
            .flat_map(|page| page.records().iter().cloned())
            .collect()
    }

    /// The `id` of every record, in order.
    pub fn ids(&self) -> Vec<u64> {
        ids(&self.records())
    }

    /// The stop reason of a walk that must have ended without an error.
    pub fn stop_reason(&self) -> StopReason {
        if let Some(error) = &self.error {
            panic!("the walk failed: {error}");
        }
        self.stop
            .clone()
            .expect("a walk that ended without an error has a stop reason")
    }

    /// The error of a walk that must have failed.
    pub fn error(&self) -> &Error {
        self.error.as_ref().expect("the walk ends with an error")
    }
}

/// Polls the pages of `paginate` until the stream ends; keeps the error instead of panicking.
pub async fn try_walk(paginate: Paginate) -> Walk {
    try_walk_pages(paginate.pages()).await
}

/// Walks to the end and panics if the walk fails.
pub async fn walk(paginate: Paginate) -> Walk {
    walk_pages(paginate.pages()).await
}

/// Walks a stream of pages to the end and panics if the walk fails.
pub async fn walk_pages(pages: Pages) -> Walk {
    let walk = try_walk_pages(pages).await;
    if let Some(e) = &walk.error {
        panic!("the walk failed: {e}");
    }
    walk
}

/// Polls `stream` until it ends; keeps the error instead of panicking. Asserts that a stream
/// that yielded an error ends right after it.
pub async fn try_walk_pages(mut stream: Pages) -> Walk {
    let mut pages = Vec::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(page) => {
                assert!(error.is_none(), "a page after the error {error:?}");
                pages.push(page);
            }
            Err(e) => {
                assert!(error.is_none(), "a second error {e} after {error:?}");
                error = Some(e);
            }
        }
    }
    let stop = stream.stop_reason();
    if error.is_some() {
        assert_eq!(stop, None, "a failed walk has no stop reason");
    }
    Walk { pages, error, stop }
}

/// The `id` of each record (a record without a numeric id fails the test).
pub fn ids(records: &[Value]) -> Vec<u64> {
    records
        .iter()
        .map(|r| {
            r["id"]
                .as_u64()
                .unwrap_or_else(|| panic!("record without id: {r}"))
        })
        .collect()
}

/// Asserts that the records are exactly the demo records `1..=n`, in order, each once
/// (the whole record, not only its id).
pub fn assert_records(records: &[Value], n: u64) {
    assert_eq!(ids(records), (1..=n).collect::<Vec<_>>(), "record ids");
    for r in records {
        let id = r["id"].as_u64().unwrap();
        assert_eq!(r, &record(id), "record {id}");
    }
}

/// The path and query of every request the server received, in order.
pub fn paths(server: &DemoServer) -> Vec<String> {
    path_and_queries(&server.requests())
}

/// The path and query of each request.
pub fn path_and_queries(requests: &[RecordedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(RecordedRequest::path_and_query)
        .collect()
}

/// The JSON body of every request the server received (`None` for no or non-JSON body).
pub fn json_bodies(server: &DemoServer) -> Vec<Option<Value>> {
    server
        .requests()
        .iter()
        .map(RecordedRequest::json)
        .collect()
}

/// `n` copies of `s`: for the expected method or header of each request.
pub fn repeat(s: &str, n: usize) -> Vec<String> {
    vec![s.to_owned(); n]
}

/// dlt's settings with waits shrunk to milliseconds, so that retry tests are fast: a backoff
/// factor of 0.001 s, waits capped at 20 ms, a 5 s timeout, 5 attempts.
pub fn quick_config() -> RuntimeConfig {
    let mut c = RuntimeConfig::default();
    c.request_backoff_factor = 0.001;
    c.request_max_retry_delay = Duration::from_millis(20);
    c.request_timeout = Duration::from_secs(5);
    c
}

/// Captured log output of the current thread (use with a current-thread runtime, which is
/// `#[tokio::test]`'s default).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A global subscriber that takes no event but answers every callsite with "ask me each time".
///
/// Log captures are per-thread (`set_default`) while other tests run on other threads of the
/// same binary. tracing caches each callsite's interest over all live dispatchers; a callsite
/// first hit on a thread with no subscriber, while another thread was installing its capture,
/// could be cached as "never" and its events lost to that capture (seen as a flaky log
/// assertion once all tests shared one binary). With this global dispatcher always live, no
/// callsite is ever cached as "never", so each thread's own subscriber decides.
struct AskEachTime;

impl tracing::Subscriber for AskEachTime {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Installs [`AskEachTime`] as the global dispatcher, once per test binary.
fn keep_callsites_asking() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only if something else set a global subscriber, which nothing here does.
        let _ = tracing::subscriber::set_global_default(AskEachTime);
    });
}

/// Captures restclient's events at `level` and above on this thread until the guard drops.
pub fn capture_logs(level: &str) -> (Logs, tracing::subscriber::DefaultGuard) {
    keep_callsites_asking();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "restclient={level}"
        )))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// A server on 127.0.0.1 that answers its n-th request with the n-th scripted response
/// (status, JSON body), repeating the last one; it counts the requests it got.
pub struct Scripted {
    pub url: String,
    server: server::Server,
}

impl Scripted {
    pub async fn start(script: Vec<(u16, Value)>) -> Scripted {
        assert!(!script.is_empty(), "a script of at least one response");
        let script = Arc::new(script);
        let served = Arc::new(Mutex::new(0usize));
        let server = server::http(move |_req| {
            let n = {
                let mut served = served.lock().unwrap();
                *served += 1;
                *served
            };
            let (status, body) = script[(n - 1).min(script.len() - 1)].clone();
            async move { server::json(status, body) }
        });
        Scripted {
            url: server.url(),
            server,
        }
    }

    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.server.hits()
    }
}

/// A URL on 127.0.0.1 where nothing listens (the port was bound, then released).
pub async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Captures every tracing event of every crate at TRACE on this thread until the guard drops:
/// for tests that prove no secret reaches any log line.
pub fn capture_all_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    keep_callsites_asking();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

// ---------------------------------------------------------------- error kinds
//

/// Whether `e` is a pagination loop (a repeated page, cursor or URL).
pub fn is_pagination_loop(e: &Error) -> bool {
    e.is_pagination_loop()
}

/// The URL and message of an unexpected-response error (a body restclient could not use):
/// its message is `unexpected response from <url>: <message>`.
pub fn unexpected_response(e: &Error) -> Option<(String, String)> {
    if !e.is_decode() {
        return None;
    }
    let url = e.url()?.as_str().to_owned();
    let text = e.to_string();
    let message = text.strip_prefix(&format!("unexpected response from {url}: "))?;
    Some((url, message.to_owned()))
}

/// A client for any test server at `url`, without retries.
pub fn client_at(url: &str) -> RestClient {
    builder(url).build().expect("the client builds")
}

/// A client for `url` that retries with [`quick_config`]'s millisecond waits.
pub fn retrying_client(url: &str) -> RestClient {
    RestClient::builder(url)
        .runtime_config(quick_config())
        .build()
        .expect("the client builds")
}

// A run's output directory (`DIR/<table>/<load_id>.ndjson`, one file per load).

/// The load files of a table (`DIR/<table>/<load_id>.ndjson`), oldest first.
pub fn loads(dir: &std::path::Path, table: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join(table))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

pub fn parse(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a cut line in {}",
        path.display()
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every record of a table, over every load.
pub fn lines(dir: &std::path::Path, table: &str) -> Vec<Value> {
    loads(dir, table).iter().flat_map(|p| parse(p)).collect()
}

/// The records of a table's latest load.
pub fn latest(dir: &std::path::Path, table: &str) -> Vec<Value> {
    loads(dir, table)
        .last()
        .map(|p| parse(p))
        .unwrap_or_default()
}
