//! The crate's one error type.
//!
//! An [`Error`] is opaque, as `reqwest::Error` is: ask it what it is with [`Error::kind`] or a
//! predicate ([`is_timeout`](Error::is_timeout), [`is_status`](Error::is_status), ...), where
//! with [`url`](Error::url) and [`status`](Error::status), and why with
//! [`source`](std::error::Error::source). Its `Display` is one complete message that says what
//! happened and where (the URL with secrets masked), so it can be shown as it is. It does not
//! repeat its causes: they are reachable through `source()`, and the alternate form `{:#}`
//! adds them on the same line (as `anyhow`'s does), for a program that shows errors to people.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;
use url::Url;

/// The most bytes of an explanation (a decode error's) a message quotes: the explanation
/// itself is short, the values it quotes are clipped on their own, and this is the net.
const MAX_MESSAGE: usize = 4096;

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
    /// client): found when the client, the auth or the walk is built, before any request. Also
    /// a call of the blocking API (`restclient::blocking`) made on an async task.
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
    /// A request would have carried a secret (a `${NAME}` value, an auth's credential, an
    /// OAuth2 client secret) in its URL or body to another origin than the one its credentials
    /// are bound to (a next link, a redirect, an absolute path, a checkpoint's next request).
    /// It was not sent; the message names both origins.
    CrossOrigin,
    /// The API's rate limit asks for a wait longer than allowed (`rate_limit_max_wait`).
    RateLimited,
    /// An auth could not sign a request (e.g. the token endpoint failed).
    Auth,
    /// An error from the user's own code (a paginator or an auth), made with [`Error::custom`].
    Custom,
    /// Any other failure of the HTTP stack.
    Other,
}

impl ErrorKind {
    /// The kind's stable name, in snake case: what `summary.json` and the Python package's
    /// exceptions give (`"status"`, `"timeout"`, `"cross_origin"`, ...).
    ///
    /// ```
    /// assert_eq!(restclient::ErrorKind::PaginationLoop.as_str(), "pagination_loop");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Builder => "builder",
            ErrorKind::Config => "config",
            ErrorKind::Request => "request",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Body => "body",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::Status => "status",
            ErrorKind::Decode => "decode",
            ErrorKind::PaginationLoop => "pagination_loop",
            ErrorKind::Redirect => "redirect",
            ErrorKind::CrossOrigin => "cross_origin",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Auth => "auth",
            ErrorKind::Custom => "custom",
            ErrorKind::Other => "other",
        }
    }
}

impl Error {
    /// Wraps an error of the user's own code (a paginator, an auth, a hook), as
    /// `std::io::Error::other` does: its `Display` is the wrapped error's, its
    /// [`source`](std::error::Error::source) is the wrapped error's source, and the wrapped
    /// error itself is [`get_ref`](Self::get_ref).
    ///
    /// ```
    /// use restclient::{Error, ErrorKind};
    /// let e = Error::custom("the API answered with a page we cannot read");
    /// assert_eq!(e.kind(), ErrorKind::Custom);
    /// assert_eq!(e.to_string(), "the API answered with a page we cannot read");
    ///
    /// let e = Error::custom(std::fmt::Error);
    /// assert!(e.get_ref().is_some_and(|inner| inner.is::<std::fmt::Error>()));
    /// ```
    pub fn custom(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        let source: BoxError = error.into();
        Error::new(ErrorKind::Custom, source.to_string()).with_source_box(source)
    }

    /// The user's error wrapped by [`Error::custom`]; `None` for every other error.
    #[must_use]
    pub fn get_ref(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        match self.inner.kind {
            ErrorKind::Custom => self.inner.source.as_deref(),
            _ => None,
        }
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
            current = match e.downcast_ref::<Error>() {
                Some(ours) if f(ours) => return true,
                // A custom error's own error is not its `source()`, but it is in the chain.
                Some(ours) => match ours.get_ref() {
                    Some(inner) => Some(inner as &(dyn StdError + 'static)),
                    None => e.source(),
                },
                None => e.source(),
            };
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
    /// through `without_url()` first), and the message must not quote it: `Display` shows the
    /// message only, and whoever prints the error walks `source()` for the causes.
    #[must_use]
    pub(crate) fn with_source(self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.with_source_box(Box::new(source))
    }

    #[must_use]
    pub(crate) fn with_source_box(mut self, source: BoxError) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// The message and every cause whose text it does not hold yet, on one line (`{:#}`).
    fn report(&self) -> String {
        let mut out = self.inner.message.clone();
        let mut next = StdError::source(self);
        while let Some(cause) = next {
            let text = cause.to_string();
            if !out.contains(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            next = cause.source();
        }
        out
    }

    /// The same error with every secret `redactor` knows masked in its message (for errors
    /// made by code that does not know the call's secrets: paginators).
    #[must_use]
    pub(crate) fn masked(mut self, redactor: &crate::redact::Redactor) -> Self {
        self.inner.message = redactor.text(&self.inner.message);
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
        let shown = crate::redact::clip(redacted, crate::redact::MAX_URL_SHOWN);
        Error::new(kind, format!("invalid request URL `{shown}`: {reason}")).with_url(redacted)
    }

    /// A request that cannot be built as described.
    pub(crate) fn invalid_request(reason: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Request, format!("invalid request: {reason}"))
    }

    /// A response that is not what was expected.
    /// Its URL and message are clipped: both may come from a hostile server.
    pub(crate) fn unexpected(redacted_url: &str, message: impl fmt::Display) -> Self {
        use crate::redact::{MAX_URL_SHOWN, clip};
        let message = message.to_string();
        Error::new(
            ErrorKind::Decode,
            format!(
                "unexpected response from {}: {}",
                clip(redacted_url, MAX_URL_SHOWN),
                clip(&message, MAX_MESSAGE)
            ),
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

    /// A request not sent because it would carry a secret abroad: `carrier` says where the
    /// secret is (`query`, `JSON body`, ...), `to` where the request was going, `home` the
    /// origin the credentials are bound to; `via` what led there (a redirect), if anything.
    pub(crate) fn cross_origin(
        redacted_url: &str,
        carrier: &str,
        to: &str,
        home: &str,
        via: Option<&str>,
    ) -> Self {
        let via = via.map(|v| format!(" (after {v})")).unwrap_or_default();
        Error::new(
            ErrorKind::CrossOrigin,
            format!(
                "not sending {}{via}: its {carrier} holds a secret bound to {home}, and the request goes to {to}; secrets never leave their origin",
                crate::redact::clip(redacted_url, crate::redact::MAX_URL_SHOWN)
            ),
        )
        .with_url(redacted_url)
    }

    /// An auth that could not sign a request.
    pub(crate) fn auth(message: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Auth, format!("authentication failed: {message}"))
    }
}

/// The message; with `{:#}`, followed by each cause (`: cause: its cause`).
///
/// ```
/// # async fn demo() {
/// let client = restclient::RestClient::builder("http://127.0.0.1:9").build().unwrap();
/// let e = client.get("/").await.unwrap_err();
/// assert_eq!(e.to_string(), "connection failed for GET http://127.0.0.1:9/");
/// // e.g. "connection failed for GET http://127.0.0.1:9/: error sending request: ... Connection refused"
/// assert!(format!("{e:#}").starts_with("connection failed for GET http://127.0.0.1:9/: "));
/// # }
/// ```
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str(&self.report())
        } else {
            f.write_str(&self.inner.message)
        }
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
        let source = self.inner.source.as_deref()?;
        match self.inner.kind {
            // Its `Display` is the wrapped error's already: the chain goes on below it.
            ErrorKind::Custom => source.source(),
            _ => Some(source as &(dyn StdError + 'static)),
        }
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
        assert!(e.get_ref().is_some_and(|s| s.is::<Mine>()));
        assert!(
            e.source().is_none(),
            "`mine` is shown by Display, not again as a cause"
        );
    }

    /// Every error's text, cause by cause, as a reader of the chain sees it.
    fn chain(e: &(dyn StdError + 'static)) -> Vec<String> {
        let mut out = vec![e.to_string()];
        let mut next = e.source();
        while let Some(s) = next {
            out.push(s.to_string());
            next = s.source();
        }
        out
    }

    #[test]
    fn display_never_repeats_the_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory");
        let config = Error::config("file x.toml", None, "cannot read it").with_source(io);
        let timeout = Error::new(ErrorKind::Timeout, "timed out for GET https://h/");
        let auth =
            Error::auth("could not reach the token endpoint https://h/token").with_source(timeout);
        let custom = Error::custom(Error::new(ErrorKind::Timeout, "inner timed out"));
        for e in [config, auth, custom] {
            let texts = chain(&e);
            for (i, t) in texts.iter().enumerate() {
                for later in &texts[i + 1..] {
                    assert!(
                        !t.contains(later.as_str()),
                        "`{t}` repeats its cause `{later}`"
                    );
                }
            }
        }
        let custom = Error::custom(Error::new(ErrorKind::Timeout, "inner timed out"));
        assert!(custom.is_timeout(), "a wrapped error is still in the chain");
    }

    #[test]
    fn builder_and_config_are_usage_errors() {
        assert!(Error::invalid("OffsetPaginator", "limit", "must be > 0").is_builder());
        assert!(Error::config("file x.toml", Some("runtime.a"), "unknown key").is_builder());
        assert!(!Error::auth("no").is_builder());
    }
}
