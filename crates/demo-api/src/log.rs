//! The request log: a middleware that records every request before it is handled.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::ApiError, state::AppState};

/// Largest request body the server accepts (bytes).
pub(crate) const MAX_BODY: usize = 8 * 1024 * 1024;

/// One request received by a [`DemoServer`](crate::DemoServer), as seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `"GET"`.
    pub method: String,
    /// The request path without the query string, e.g. `"/offset"`.
    pub path: String,
    /// The raw (still percent-encoded) query string without the `?`, if any.
    pub query: Option<String>,
    /// All headers in arrival order; names are lower-case, values are decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The full request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The path followed by `?query` when there is a query, e.g. `"/offset?offset=0&limit=10"`.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    /// The value of the first header called `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The record of a request from its head and body (for servers other than the demo API that
    /// want the same log, e.g. a test's own axum router).
    pub fn from_parts(parts: &axum::http::request::Parts, body: &[u8]) -> Self {
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
        }
    }

    /// The body parsed as JSON, or `None` when it is empty or not valid JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Shared, append-only (until cleared) list of received requests, and a gauge of the requests
/// being handled at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog {
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    /// When each request arrived, in the same order.
    times: Arc<Mutex<Vec<std::time::SystemTime>>>,
    in_flight: Arc<InFlight>,
}

/// How many requests are being handled now, and the most at any time.
#[derive(Debug, Default)]
struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

/// Counts a request as in flight until dropped.
pub(crate) struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl RequestLog {
    /// Locks the list. A poisoned lock is still usable: the list is only ever
    /// pushed to or cleared, so a panic elsewhere cannot leave it inconsistent.
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks a request as being handled until the guard is dropped.
    pub(crate) fn enter(&self) -> InFlightGuard {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.in_flight.now.fetch_add(1, SeqCst) + 1;
        self.in_flight.max.fetch_max(now, SeqCst);
        InFlightGuard(Arc::clone(&self.in_flight))
    }

    /// The most requests handled at once since the start (or the last clear).
    pub(crate) fn max_in_flight(&self) -> usize {
        self.in_flight.max.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn push(&self, request: RecordedRequest) {
        let mut requests = self.lock();
        requests.push(request);
        // Pushed under the requests' lock, so that both lists keep one order.
        self.times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(std::time::SystemTime::now());
    }

    pub(crate) fn times(&self) -> Vec<std::time::SystemTime> {
        self.times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        let mut requests = self.lock();
        requests.clear();
        self.times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        drop(requests);
        self.in_flight
            .max
            .store(0, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Middleware: buffers the body, records the request, applies the configured
/// latency, then hands the request (with its body re-inserted) to the router.
pub(crate) async fn record_request(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large or unreadable",
        )
        .into_response();
    };
    state.log.push(RecordedRequest::from_parts(&parts, &bytes));
    let _in_flight = state.log.enter();
    let delay = state.next_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
