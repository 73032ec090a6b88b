//! A closure-based HTTP server for one test, in the spirit of reqwest's
//! `tests/support/server.rs`: `server::http(move |req| async move { ... })` serves every request
//! on `127.0.0.1:0` with the closure, records each request (as demo-api does) and counts the
//! requests being answered at once, so a test can prove by the server's own count that pages
//! overlapped or stayed serial.
//!
//! It runs on a thread of its own with its own runtime (as reqwest's does), so it serves async
//! and blocking tests alike and keeps serving while a test's runtime is blocked.

use std::future::{Future, IntoFuture};
use std::net;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::any,
};
use restclient::Value;
use tokio::sync::{Notify, oneshot};

pub use demo_api::RecordedRequest;

/// How long [`Server::until_overlap`] waits for a second request before it gives up. Only a
/// safety net so that a serial client fails the overlap assertion instead of hanging: a
/// concurrent client ends the wait as soon as its second request arrives.
const OVERLAP_PATIENCE: Duration = Duration::from_secs(5);

/// A running test server; stops when dropped.
pub struct Server {
    addr: net::SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the server shares with its handler: the log and the in-flight gauge.
#[derive(Default)]
struct State {
    log: Mutex<Vec<RecordedRequest>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    arrived: Notify,
    /// Set when an overlap wait ran out: later waits return at once, so a serial client fails
    /// after one wait instead of one per page.
    gave_up: AtomicBool,
}

/// A handle given to the handler of [`http_with`]: lets it wait for company.
#[derive(Clone)]
pub struct Ctx {
    state: Arc<State>,
}

impl Ctx {
    /// Waits until at least two requests are being answered at once (or were at some point),
    /// or gives up after a few seconds. A handler that calls this holds its response until a
    /// concurrent client's next request arrives; a serial client cannot send one, so the wait
    /// runs out and the test's `max_in_flight() >= 2` fails.
    pub async fn until_overlap(&self) {
        let wait = async {
            loop {
                let arrived = self.state.arrived.notified();
                if self.state.max_in_flight.load(Ordering::SeqCst) >= 2 {
                    return;
                }
                arrived.await;
            }
        };
        if self.state.gave_up.load(Ordering::SeqCst) {
            return;
        }
        if tokio::time::timeout(OVERLAP_PATIENCE, wait).await.is_err() {
            self.state.gave_up.store(true, Ordering::SeqCst);
        }
    }
}

/// Decrements the in-flight gauge when a handler finishes (or is dropped mid-way).
struct InFlight(Arc<State>);

impl InFlight {
    fn enter(state: &Arc<State>) -> InFlight {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        state.arrived.notify_waiters();
        InFlight(Arc::clone(state))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves every request with `func`, which gets the recorded request (method, path, query,
/// headers, body) and returns anything axum can turn into a response.
pub fn http<F, Fut, R>(func: F) -> Server
where
    F: Fn(RecordedRequest) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    http_with(move |req, _ctx| func(req))
}

/// Like [`http`], and the handler also gets a [`Ctx`] (to wait for overlapping requests).
pub fn http_with<F, Fut, R>(func: F) -> Server
where
    F: Fn(RecordedRequest, Ctx) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    let listener = net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("the listener's address");
    let state = Arc::new(State::default());
    let shared = Arc::clone(&state);
    let app = Router::new().fallback(any(move |request: Request| {
        let state = Arc::clone(&shared);
        let func = func.clone();
        async move {
            let _in_flight = InFlight::enter(&state);
            let (parts, body) = request.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let recorded = RecordedRequest::from_parts(&parts, &bytes);
            state
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(recorded.clone());
            func(recorded, Ctx { state }).await.into_response()
        }
    }));
    let (shutdown, stop) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("test-server-{addr}"))
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("the test server's runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                // Stops serving at once when dropped; open connections go with the runtime.
                tokio::select! {
                    _ = axum::serve(listener, app).into_future() => {}
                    _ = stop => {}
                }
            });
            rt.shutdown_background();
        })
        .expect("spawn the test server's thread");
    Server {
        addr,
        state,
        shutdown: Some(shutdown),
        thread: Some(thread),
    }
}

impl Server {
    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The path and query of every request received so far, in arrival order.
    pub fn paths(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(RecordedRequest::path_and_query)
            .collect()
    }

    /// How many requests it has received.
    pub fn hits(&self) -> usize {
        self.state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The most requests the server was answering at one time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------- requests and responses

/// The first value of the query parameter `name`, percent-decoded.
pub fn query_param(req: &RecordedRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query.as_deref()?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The query parameter `name` as a number (`None` when absent or not a number).
pub fn query_u64(req: &RecordedRequest, name: &str) -> Option<u64> {
    query_param(req, name)?.parse().ok()
}

/// A JSON response with `status`.
pub fn json(status: u16, body: Value) -> Response {
    (status_code(status), axum::Json(body)).into_response()
}

/// A 200 JSON response.
pub fn ok(body: Value) -> Response {
    json(200, body)
}

/// A response with exactly these bytes, content type and extra headers (for bodies and headers
/// no JSON encoder would write: Latin-1, a BOM, a broken `Link` header, ...).
pub fn raw(status: u16, content_type: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Response {
    let mut response = (status_code(status), Body::from(body.to_vec())).into_response();
    let map = response.headers_mut();
    map.insert(
        "content-type",
        HeaderValue::from_str(content_type).expect("a valid content type"),
    );
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_bytes(value).expect("a valid header value"),
        );
    }
    response
}

/// A 404 with an empty body.
pub fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("a valid status code")
}
