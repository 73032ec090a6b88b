//! The crate's one error type.
//!
//! An [`Error`] is opaque, as `reqwest::Error` is: ask it what it is with [`Error::kind`] or a
//! predicate ([`is_timeout`](Error::is_timeout), [`is_status`](Error::is_status), ...), where
//! with [`url`](Error::url) and [`status`](Error::status), and why with
//! [`source`](std::error::Error::source). Its `Display` is one complete message that says what
//! happened and where (the URL with secrets masked), so it can be shown as it is; the typed causes
//! stay reachable through `source()`.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;
use url::Url;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error that can cross threads: what [`Error::custom`] wraps and `source()` returns.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong in restclient.
///
/// Every error about a request carries its URL with secrets already masked, and no error
/// message holds a credential, so an error can be logged or shown as it is.
///
/// ```
/// use restclient::{ErrorKind, RestClient};
/// let e = RestClient::builder("not a url").build().unwrap_err();
/// assert!(e.is_builder());
/// assert_eq!(e.kind(), ErrorKind::Builder);
/// assert!(e.to_string().starts_with("invalid base URL `not a url`"));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    url: Option<Url>,
    status: Option<StatusCode>,
    source: Option<BoxError>,
}

/// What kind of failure an [`Error`] is. New kinds may be added, so match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting is invalid (base URL, header, JSONPath, a parameter of a paginator, auth or
    /// client): found when the client, the auth or the walk is built, before any request.
    Builder,
    /// A runtime setting from a config file or the environment is invalid (see
    /// [`RuntimeConfig`](crate::config::RuntimeConfig)); the message names the key and where it
    /// came from.
    Config,
    /// A request could not be built while walking (e.g. a next link that is not a URL, or a
    /// body cursor written into a body that is not a JSON object).
    Request,
    /// The connection could not be established, or was lost before a response arrived.
    Connect,
    /// A request took longer than its timeout.
    Timeout,
    /// The response body ended early or could not be read.
    Body,
    /// A response body was larger than `max_response_bytes` (counted after decompression).
    BodyTooLarge,
    /// The server answered with an error status where a success was required (in a walk).
    Status,
    /// A response is not what was expected: not JSON, a key missing, a value of the wrong type,
    /// or a record that does not deserialize into the requested type.
    Decode,
    /// A paginator asked again for something it had already fetched in this walk.
    PaginationLoop,
    /// More redirects in a row than allowed.
    Redirect,
    /// The API's rate limit asks for a wait longer than allowed (`rate_limit_max_wait`).
    RateLimited,
    /// An auth could not sign a request (e.g. the token endpoint failed).
    Auth,
    /// An error from the user's own code (a paginator or an auth), made with [`Error::custom`].
    Custom,
    /// Any other failure of the HTTP stack.
    Other,
}

impl Error {
    /// Wraps an error of the user's own code (a paginator, an auth, a hook), keeping it as the
    /// [`source`](std::error::Error::source).
    ///
    /// ```
    /// use restclient::{Error, ErrorKind};
    /// let e = Error::custom("the API answered with a page we cannot read");
    /// assert_eq!(e.kind(), ErrorKind::Custom);
    /// assert_eq!(e.to_string(), "the API answered with a page we cannot read");
    /// ```
    pub fn custom(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        let source: BoxError = error.into();
        Error::new(ErrorKind::Custom, source.to_string()).with_source_box(source)
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The URL of the request at fault, with secrets masked, when the error concerns one.
    #[must_use]
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// The HTTP status, when the error is about one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// An invalid setting or runtime config, found before any request ([`ErrorKind::Builder`]
    /// or [`ErrorKind::Config`]): a usage error, the caller's to fix.
    #[must_use]
    pub fn is_builder(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Builder | ErrorKind::Config)
    }

    /// A timeout, here or in a cause (a token fetch that timed out says so too).
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.any_in_chain(|e| e.inner.kind == ErrorKind::Timeout)
    }

    /// A connection failure, here or in a cause.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        self.any_in_chain(|e| e.inner.kind == ErrorKind::Connect)
    }

    /// An error status where a success was required ([`status`](Self::status) says which).
    #[must_use]
    pub fn is_status(&self) -> bool {
        self.inner.kind == ErrorKind::Status
    }

    /// A response that is not what was expected (not JSON, a missing key, a record that does
    /// not deserialize).
    #[must_use]
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// A paginator that asked for the same page twice.
    #[must_use]
    pub fn is_pagination_loop(&self) -> bool {
        self.inner.kind == ErrorKind::PaginationLoop
    }

    /// A rate limit that asks for a longer wait than allowed.
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        self.inner.kind == ErrorKind::RateLimited
    }

    /// A response body over `max_response_bytes`.
    #[must_use]
    pub fn is_body_too_large(&self) -> bool {
        self.inner.kind == ErrorKind::BodyTooLarge
    }

    /// An auth that could not sign a request.
    #[must_use]
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth
    }

    fn any_in_chain(&self, f: impl Fn(&Error) -> bool) -> bool {
        let mut current: Option<&(dyn StdError + 'static)> = Some(self);
        while let Some(e) = current {
            if let Some(ours) = e.downcast_ref::<Error>()
                && f(ours)
            {
                return true;
            }
            current = e.source();
        }
        false
    }

    // ---- construction, inside the crate -------------------------------------------------

    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                url: None,
                status: None,
                source: None,
            }),
        }
    }

    /// Attaches the (already redacted) URL the error is about.
    #[must_use]
    pub(crate) fn with_url(mut self, redacted: &str) -> Self {
        self.inner.url = Url::parse(redacted).ok();
        self
    }

    #[must_use]
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Keeps `source` as the cause. It must hold no secret in its `Display` (reqwest errors go
    /// through `without_url()` first).
    #[must_use]
    pub(crate) fn with_source(self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.with_source_box(Box::new(source))
    }

    #[must_use]
    pub(crate) fn with_source_box(mut self, source: BoxError) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// The same error without its `source()` (which cannot be copied): for a run that both
    /// reports a resource's error in its summary and yields it on its records stream.
    #[must_use]
    pub(crate) fn shallow_copy(&self) -> Self {
        Error {
            inner: Box::new(Inner {
                kind: self.inner.kind,
                message: self.inner.message.clone(),
                url: self.inner.url.clone(),
                status: self.inner.status,
                source: None,
            }),
        }
    }

    /// Puts `context` before the message (`context: message`), keeping the kind, URL, status
    /// and source (a run names the resource and the parent record a walk failed for).
    #[must_use]
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.inner.message = format!("{context}: {}", self.inner.message);
        self
    }

    /// Adds to the message, e.g. how many attempts were made.
    #[must_use]
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        self.inner.message.push_str(note);
        self
    }

    /// `invalid `{parameter}` for {component}: {reason}` — an invalid setting.
    pub(crate) fn invalid(
        component: &'static str,
        parameter: impl fmt::Display,
        reason: impl fmt::Display,
    ) -> Self {
        Error::new(
            ErrorKind::Builder,
            format!("invalid `{parameter}` for {component}: {reason}"),
        )
    }

    /// A header name or value that is not valid HTTP.
    pub(crate) fn invalid_header(name: &str, reason: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Builder,
            format!("invalid header `{name}`: {reason}"),
        )
    }

    /// A JSONPath setting that does not parse.
    pub(crate) fn invalid_path(parameter: &str, path: &str, reason: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Builder,
            format!("invalid JSONPath `{path}` for `{parameter}`: {reason}"),
        )
    }

    /// A request URL (a path joined to the base URL, or a next link) that is not usable.
    pub(crate) fn invalid_url(kind: ErrorKind, redacted: &str, reason: impl fmt::Display) -> Self {
        Error::new(kind, format!("invalid request URL `{redacted}`: {reason}")).with_url(redacted)
    }

    /// A request that cannot be built as described.
    pub(crate) fn invalid_request(reason: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Request, format!("invalid request: {reason}"))
    }

    /// A response that is not what was expected.
    pub(crate) fn unexpected(redacted_url: &str, message: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Decode,
            format!("unexpected response from {redacted_url}: {message}"),
        )
        .with_url(redacted_url)
    }

    /// A runtime config value that is invalid, named by its origin and key.
    pub(crate) fn config(origin: &str, key: Option<&str>, reason: impl fmt::Display) -> Self {
        let key = key.map(|k| format!(", key `{k}`")).unwrap_or_default();
        Error::new(
            ErrorKind::Config,
            format!("invalid configuration in {origin}{key}: {reason}"),
        )
    }

    /// A rate-limit wait longer than `rate_limit_max_wait`: names the origin, the request, when
    /// it could leave (RFC 3339, UTC), why, and what to do about it.
    pub(crate) fn rate_limited(
        origin: &str,
        redacted_url: &str,
        reset: &str,
        wait: std::time::Duration,
        cause: &str,
        max_wait: std::time::Duration,
    ) -> Self {
        Error::new(
            ErrorKind::RateLimited,
            format!(
                "rate limited by {origin}: the next request ({redacted_url}) may leave at {reset}, in {} s ({cause}), longer than rate_limit_max_wait ({} s); raise rate_limit_max_wait to wait it out, or run again after {reset}",
                wait.as_secs_f64().ceil(),
                max_wait.as_secs_f64()
            ),
        )
        .with_url(redacted_url)
    }

    /// An auth that could not sign a request.
    pub(crate) fn auth(message: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Auth, format!("authentication failed: {message}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("restclient::Error");
        d.field("kind", &self.inner.kind);
        if let Some(url) = &self.inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(status) = &self.inner.status {
            d.field("status", status);
        }
        d.field("message", &self.inner.message);
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn is_send_sync_and_small() {
        assert_send_sync::<Error>();
        // One pointer: a `Result<T, Error>` costs callers no more than a `Result<T, Box<_>>`.
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn predicates_look_through_causes() {
        let timeout = Error::new(ErrorKind::Timeout, "timed out");
        let auth = Error::auth("the token endpoint did not answer").with_source(timeout);
        assert!(auth.is_auth());
        assert!(auth.is_timeout(), "a token fetch that timed out says so");
        assert!(!auth.is_connect());
        let cause = auth.source().and_then(|s| s.downcast_ref::<Error>());
        assert_eq!(cause.map(Error::kind), Some(ErrorKind::Timeout));
    }

    #[test]
    fn url_is_kept_parsed_and_redacted_as_given() {
        let e = Error::unexpected("https://api.example.com/x?api_key=***", "not JSON");
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(
            e.url().map(Url::as_str),
            Some("https://api.example.com/x?api_key=***")
        );
        assert_eq!(
            e.to_string(),
            "unexpected response from https://api.example.com/x?api_key=***: not JSON"
        );
    }

    #[test]
    fn custom_keeps_the_users_error() {
        #[derive(Debug)]
        struct Mine;
        impl fmt::Display for Mine {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("mine")
            }
        }
        impl StdError for Mine {}
        let e = Error::custom(Mine);
        assert_eq!(e.kind(), ErrorKind::Custom);
        assert!(e.source().is_some_and(|s| s.is::<Mine>()));
    }

    #[test]
    fn builder_and_config_are_usage_errors() {
        assert!(Error::invalid("OffsetPaginator", "limit", "must be > 0").is_builder());
        assert!(Error::config("file x.toml", Some("runtime.a"), "unknown key").is_builder());
        assert!(!Error::auth("no").is_builder());
    }
}
