//! Fault injection on the paginated routes: 503s, 429s with `Retry-After`, bodies cut short,
//! stalled answers, connections closed without an answer, malformed JSON, HTML pages and empty
//! 204s, every k-th request, counted deterministically.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

use futures::StreamExt as _;

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::ApiError, state::AppState};

/// The routes faults apply to: every paginated route (and `/single`). The helpers (`/echo`,
/// `/status/{code}`, `/redirect`, `/posts/{id}`) and unknown paths are never faulted and do not
/// count.
pub const FAULTED_PATHS: [&str; 17] = [
    "/offset",
    "/offset/no-total",
    "/offset/null-total",
    "/offset/has-more",
    "/page",
    "/page0",
    "/page/no-total",
    "/posts",
    "/json-link",
    "/json-link/absolute",
    "/json-link/nested",
    "/header-link",
    "/cursor",
    "/cursor/has-more",
    "/header-cursor",
    "/search",
    "/single",
];

/// Faults the server injects, part of [`DemoConfig`](crate::DemoConfig). All are off by
/// default.
///
/// Requests to the [paginated routes](FAULTED_PATHS) are numbered 1, 2, 3, ... in arrival
/// order (one counter for the whole server, faulted requests included). Request `n` gets a
/// fault whose period `k` divides `n`; when several do, the first in this order wins: stall,
/// unavailable, rate limit, truncate, reset, malformed JSON, HTML, empty 204. There is no
/// randomness, so with `k = 2` requests 2, 4, 6 ... fail and a client that retries each failure
/// once walks every page.
///
/// The first four are faults a client should retry; a reset too (the connection is lost before
/// any answer). The last three are answers a client cannot use and should not retry by default:
/// a `200` whose JSON body is cut off, a `200` HTML page, and a `204` without a body.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use demo_api::DemoServer;
/// // Every 3rd request answers 503, every 5th 429 with `Retry-After: 1`.
/// let server = DemoServer::builder()
///     .unavailable_every(3)
///     .rate_limit_every(5, 1)
///     .start()
///     .await?;
/// # let _ = server;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// Every k-th request answers `503 {"error": "service unavailable (injected)"}`. Default
    /// `None` (never).
    pub unavailable_every: Option<u64>,
    /// Every k-th request answers `429 {"error": "too many requests (injected)"}` with
    /// `Retry-After: retry_after_secs`. Default `None` (never).
    pub rate_limit_every: Option<u64>,
    /// The `Retry-After` value (seconds) of injected 429s. Default 1.
    pub retry_after_secs: u64,
    /// Every k-th request gets its normal response with the body cut short: the
    /// `Content-Length` announces the whole body, half of it is sent, then the connection is
    /// closed. Default `None` (never).
    pub truncate_every: Option<u64>,
    /// Every k-th request waits [`stall`](Self::stall) before being answered normally. Default
    /// `None` (never).
    pub stall_every: Option<u64>,
    /// How long a stalled request waits. Default 30 s (longer than a client's timeout in a
    /// test, shorter than dlt's 60 s default).
    pub stall: Duration,
    /// Every k-th request gets no answer at all: the server reads the request, then closes the
    /// connection without sending a status line. Clients see the connection lost before a
    /// response (hyper: "connection closed before message completed"). Default `None` (never).
    pub reset_every: Option<u64>,
    /// Every k-th request answers `200` with `Content-Type: application/json`, a correct
    /// `Content-Length` and the JSON cut off: [`MALFORMED_JSON`]. Default `None` (never).
    pub malformed_json_every: Option<u64>,
    /// Every k-th request answers `200` with `Content-Type: text/html` and [`HTML_PAGE`], as a
    /// proxy or load balancer in front of an API might. Default `None` (never).
    pub html_every: Option<u64>,
    /// Every k-th request answers `204 No Content` without a body. Default `None` (never).
    pub empty_204_every: Option<u64>,
}

/// The body of an injected malformed JSON answer ([`Faults::malformed_json_every`]).
pub const MALFORMED_JSON: &str = r#"{"items": [1, 2"#;

/// The body of an injected HTML answer ([`Faults::html_every`]).
pub const HTML_PAGE: &str = "<html><body>Service temporarily unavailable</body></html>";

impl Default for Faults {
    fn default() -> Self {
        Self {
            unavailable_every: None,
            rate_limit_every: None,
            retry_after_secs: 1,
            truncate_every: None,
            stall_every: None,
            stall: Duration::from_secs(30),
            reset_every: None,
            malformed_json_every: None,
            html_every: None,
            empty_204_every: None,
        }
    }
}

impl Faults {
    /// Whether any fault is switched on.
    pub fn any(&self) -> bool {
        [
            self.unavailable_every,
            self.rate_limit_every,
            self.truncate_every,
            self.stall_every,
            self.reset_every,
            self.malformed_json_every,
            self.html_every,
            self.empty_204_every,
        ]
        .iter()
        .any(|k| k.is_some_and(|k| k > 0))
    }
}

/// The faults and the request counter of one server.
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    faults: Faults,
    counter: AtomicU64,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Arc<Self> {
        Arc::new(Self {
            faults,
            counter: AtomicU64::new(0),
        })
    }
}

/// Whether request `n` falls on period `every` (a period of 0 is off).
fn hits(every: Option<u64>, n: u64) -> bool {
    every.is_some_and(|k| k > 0 && n.is_multiple_of(k))
}

/// Middleware: numbers the requests to the paginated routes and injects the faults due.
pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let fs = &state.faults;
    if !fs.faults.any() || !FAULTED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let n = fs.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let f = &fs.faults;
    if hits(f.stall_every, n) {
        tokio::time::sleep(f.stall).await;
        return next.run(request).await;
    }
    if hits(f.unavailable_every, n) {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service unavailable (injected)",
        )
        .into_response();
    }
    if hits(f.rate_limit_every, n) {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests (injected)",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(f.retry_after_secs));
        return response;
    }
    if hits(f.truncate_every, n) {
        return truncate(next.run(request).await).await;
    }
    if hits(f.reset_every, n) {
        return reset();
    }
    if hits(f.malformed_json_every, n) {
        return ([(header::CONTENT_TYPE, "application/json")], MALFORMED_JSON).into_response();
    }
    if hits(f.html_every, n) {
        return (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            HTML_PAGE,
        )
            .into_response();
    }
    if hits(f.empty_204_every, n) {
        return StatusCode::NO_CONTENT.into_response();
    }
    next.run(request).await
}

/// A response that is never sent: its body fails on the first poll, before hyper has flushed
/// the status line and headers it buffered, so hyper closes the connection with nothing
/// written. (`truncate` yields once to get its headers out; this does not.)
fn reset() -> Response {
    let failure = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::other("connection reset (injected)"))
    });
    let mut response = Response::new(Body::from_stream(failure));
    // An announced length makes hyper wait for the body instead of streaming chunks.
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(64));
    response
}

/// Sends half of `response`'s body under a `Content-Length` for all of it, then fails the body
/// so that the connection is closed mid-way.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half: Bytes = bytes.slice(..bytes.len() / 2);
    let first = futures::stream::iter([Ok::<_, std::io::Error>(half)]);
    // Yielding once lets hyper flush the headers and the first half before the failure makes
    // it drop the connection; failing straight away would drop them unsent.
    let failure = futures::stream::once(async {
        tokio::task::yield_now().await;
        Err(std::io::Error::other("body cut short (injected)"))
    });
    Response::from_parts(parts, Body::from_stream(first.chain(failure)))
}
