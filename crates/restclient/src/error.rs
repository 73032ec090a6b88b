//! The crate's one error type.

use reqwest::StatusCode;

/// A `Result` whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in restclient.
///
/// Every variant that concerns a request carries its URL with secrets already redacted, so an
/// error can be logged or shown as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The base URL given to [`RestClient::builder`](crate::RestClient::builder) is not an
    /// absolute http(s) URL.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The rejected value (redacted).
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A request URL (a path joined to the base URL, or a next link) is not a usable URL.
    #[error("invalid request URL `{url}`: {reason}")]
    InvalidUrl {
        /// The rejected value (redacted).
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A data selector or another JSONPath setting does not parse.
    #[error("invalid JSONPath `{path}` for `{parameter}`: {reason}")]
    InvalidPath {
        /// The setting that holds the path, e.g. `data_selector` or `total_path`.
        parameter: String,
        /// The rejected path.
        path: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A setting of a paginator, auth or client is invalid; the message names the parameter.
    #[error("invalid `{parameter}` for {component}: {reason}")]
    InvalidParameter {
        /// Which type the setting belongs to, e.g. `OffsetPaginator`.
        component: &'static str,
        /// The parameter, named as in dlt (`limit`, `offset_param`, ...).
        parameter: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header name or value is not valid HTTP.
    #[error("invalid header `{name}`: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A request description is contradictory (e.g. both a JSON and a form body).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The server answered with an error status where a success was required (in `paginate`).
    ///
    /// When the status was retried until the attempts ran out, the message says how many
    /// attempts were made: `503 Server Error: Service Unavailable for url: ... (after 5
    /// attempts)`.
    #[error("{status_line} for url: {url}{}{}", attempts_note(*attempts), body.as_deref().map(|b| format!("\nResponse: {b}")).unwrap_or_default())]
    Http {
        /// The status code.
        status: StatusCode,
        /// `"404 Client Error: Not Found"` style text, as dlt words it.
        status_line: String,
        /// The redacted URL.
        url: String,
        /// The (truncated, redacted) body, when `http_show_error_body` is on.
        body: Option<String>,
        /// How many attempts were made (1 when the status was not retried).
        attempts: u32,
    },
    /// The request could not be sent or its response could not be read.
    #[error("{kind} for {method} {url}: {message}")]
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// The HTTP method.
        method: String,
        /// The redacted URL.
        url: String,
        /// A description of the cause, with the URL removed.
        message: String,
    },
    /// A response body is not what was expected (not JSON, missing a key, wrong type).
    #[error("unexpected response from {url}: {message}")]
    UnexpectedResponse {
        /// The redacted URL of the response.
        url: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A paginator asked for a page it had already fetched in this walk.
    #[error("pagination loop at {url}: {what} was already requested in this walk")]
    PaginationLoop {
        /// The repeated request's redacted URL.
        url: String,
        /// What repeated, e.g. `the request GET https://api/x?cursor=abc`.
        what: String,
    },
    /// An auth could not sign a request (e.g. the token endpoint failed).
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The blocking API was used inside an async runtime, where blocking would stall it; use
    /// the async [`RestClient`](crate::RestClient) there.
    #[error(
        "the blocking client cannot be used inside an async runtime; use restclient::RestClient (async) there"
    )]
    BlockingInAsync,
    /// A runtime setting from a config file or the environment is invalid (see
    /// [`RuntimeConfig`](crate::config::RuntimeConfig)).
    #[error("invalid configuration in {origin}{}: {reason}", key.as_deref().map(|k| format!(", key `{k}`")).unwrap_or_default())]
    Config {
        /// Where the setting came from: `file <path>` or `environment variable <NAME>`.
        origin: String,
        /// The key at fault, e.g. `runtime.request_max_attempts`, when one is.
        key: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// Too many redirects in a row.
    #[error("too many redirects (more than {max}) starting at {url}")]
    TooManyRedirects {
        /// The limit.
        max: usize,
        /// The redacted URL of the first request.
        url: String,
    },
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be established, or it was lost before a response arrived.
    Connect,
    /// The request or response took longer than the timeout.
    Timeout,
    /// The response body ended early or could not be decoded.
    Body,
    /// Any other transport failure.
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connection failed",
            TransportKind::Timeout => "timed out",
            TransportKind::Body => "response body failed",
            TransportKind::Other => "request failed",
        })
    }
}

impl Error {
    /// The HTTP status, when the error is about one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the error is a transport failure of the given kind.
    #[must_use]
    pub fn is_transport(&self, kind: TransportKind) -> bool {
        matches!(self, Error::Transport { kind: k, .. } if *k == kind)
    }

    pub(crate) fn invalid(
        component: &'static str,
        parameter: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            component,
            parameter: parameter.into(),
            reason: reason.into(),
        }
    }
}
