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

    /// The body parsed as JSON, or `None` when it is empty or not valid JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Shared, append-only (until cleared) list of received requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Vec<RecordedRequest>>>);

impl RequestLog {
    /// Locks the list. A poisoned lock is still usable: the list is only ever
    /// pushed to or cleared, so a panic elsewhere cannot leave it inconsistent.
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, request: RecordedRequest) {
        self.lock().push(request);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
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
    state.log.push(RecordedRequest {
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
        body: bytes.to_vec(),
    });
    let delay = state.next_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
