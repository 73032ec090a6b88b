//! The executor: the one place where a [`Request`] becomes HTTP traffic.
//!
//! It signs a request (on its credentials' origin only), sends it, follows redirects itself
//! (so that credentials never follow a redirect to another origin), reads the body within the
//! size limit, retries what deserves a retry, and maps every failure to an [`Error`] that holds
//! no secret. Plain requests, walks (serial and concurrent) and the OAuth2 token fetch all go
//! through [`Executor::execute`]: there is one retry loop in the crate.
//!
//! Logging: every attempt at DEBUG (method, redacted URL, status, time), every wait and every
//! decision at INFO, giving up at WARN.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::auth::Auth;
use crate::error::{Error, ErrorKind, Result};
use crate::ratelimit::Pacer;
use crate::redact::Redactor;
use crate::request::{Body, Request};
use crate::response::Response;
use crate::retry::{Decision, Outcome, RetryPolicy};

/// Redirects followed in a row before giving up (as browsers and reqwest do).
const MAX_REDIRECTS: usize = 10;
const USER_AGENT: &str = concat!("restclient/", env!("CARGO_PKG_VERSION"));

/// Sends requests. Cheap to clone: the connection pool is shared.
#[derive(Clone, Debug)]
pub(crate) struct Executor {
    http: HttpClient,
    /// The most bytes a response body may have after decompression.
    max_response_bytes: u64,
    /// `Some(max_chars)` when status errors carry the body (`http_show_error_body`).
    error_body: Option<usize>,
    /// The client's pacing state, shared by every clone; `None` for the OAuth2 token fetch,
    /// which is not paced (DESIGN §9).
    pacer: Option<Arc<Pacer>>,
}

/// Everything one call needs beyond the request: who signs it, what to mask, where its
/// credentials may go, and how patient to be.
#[derive(Clone, Debug)]
pub(crate) struct CallContext {
    pub(crate) auth: Option<Arc<dyn Auth>>,
    pub(crate) redactor: Redactor,
    /// The origin credentials are bound to.
    pub(crate) origin: url::Origin,
    pub(crate) retry: Arc<RetryPolicy>,
    /// The timeout of each attempt, body included.
    pub(crate) timeout: Duration,
}

/// The builder restclient starts from when the user brings none: restclient's `User-Agent`.
/// Start from it to add proxies or certificates and give it to
/// [`RestClientBuilder::http_client`](crate::RestClientBuilder::http_client) (as the Python
/// package does with a `requests.Session`'s `proxies` and `verify`); redirects are turned off
/// there whatever the builder says.
///
/// ```
/// let http = restclient::http_client_builder()
///     .proxy(restclient::reqwest::Proxy::all("http://proxy.example:3128")?);
/// let client = restclient::RestClient::builder("https://api.example.com")
///     .http_client(http)
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().user_agent(USER_AGENT)
}

/// The HTTP client: the user's builder (else restclient's own, see [`default_http_client`]),
/// never following redirects, whatever the builder says: the executor follows them itself, so
/// that credentials stay on their origin.
pub(crate) fn http_client(builder: Option<reqwest::ClientBuilder>) -> Result<HttpClient> {
    let Some(builder) = builder else {
        return default_http_client();
    };
    builder
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map(HttpClient::Given)
        .map_err(|e| {
            Error::new(ErrorKind::Builder, "could not build the HTTP client")
                .with_source(e.without_url())
        })
}

/// The HTTP client of an executor: the user's, or restclient's own.
#[derive(Clone, Debug)]
pub(crate) enum HttpClient {
    /// The user's (`http_client(..)`): every request goes through it.
    Given(reqwest::Client),
    /// restclient's: plain `http` goes through a client that never loaded the platform's root
    /// certificates (a fixed ~19 M instructions, a tenth of a local 100k-record walk), and the
    /// first `https` request builds, once, the client that has them (so https still verifies).
    Own {
        plain: reqwest::Client,
        tls: Arc<OnceLock<std::result::Result<reqwest::Client, String>>>,
    },
}

impl HttpClient {
    /// The client for a request to `url`.
    fn for_url(&self, url: &Url) -> Result<&reqwest::Client> {
        match self {
            HttpClient::Given(client) => Ok(client),
            HttpClient::Own { plain, .. } if url.scheme() != "https" => Ok(plain),
            HttpClient::Own { tls, .. } => tls
                .get_or_init(|| own_client(true).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Builder,
                        format!("could not build the HTTP client: {e}"),
                    )
                }),
        }
    }
}

/// The HTTP client restclient builds when the user brings none: no redirects (the executor
/// follows them itself, to keep credentials on their origin) and restclient's user agent. Its
/// https side is built on first use (see [`HttpClient::Own`]).
pub(crate) fn default_http_client() -> Result<HttpClient> {
    let plain = own_client(false).map_err(|e| {
        Error::new(ErrorKind::Builder, "could not build the HTTP client").with_source(e)
    })?;
    Ok(HttpClient::Own {
        plain,
        tls: Arc::new(OnceLock::new()),
    })
}

/// restclient's own client; `roots`: with the platform's root certificates (for https).
fn own_client(roots: bool) -> std::result::Result<reqwest::Client, reqwest::Error> {
    let builder = http_client_builder().redirect(reqwest::redirect::Policy::none());
    // No root at all: a plain-http client that is handed an https URL fails to verify it.
    let builder = if roots {
        builder
    } else {
        builder.tls_certs_only([])
    };
    builder.build().map_err(reqwest::Error::without_url)
}

impl Executor {
    pub(crate) fn new(
        http: HttpClient,
        max_response_bytes: u64,
        error_body: Option<usize>,
    ) -> Self {
        Executor {
            http,
            max_response_bytes,
            error_body,
            pacer: None,
        }
    }

    /// This executor, asking `pacer` before every attempt and telling it every response.
    pub(crate) fn with_pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Sends `request` until it succeeds or the retry policy gives up.
    ///
    /// A non-2xx status is returned as a response (after its retries); the caller decides
    /// whether it is an error ([`Executor::status_error`]).
    pub(crate) async fn execute(&self, request: &Request, ctx: &CallContext) -> Result<Response> {
        let policy = &*ctx.retry;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let method = request.method();
        // Built once: the pacer, every attempt and the messages all want it.
        let full_url = request.full_url();
        // Held across retries: after 429s without rate-limit headers, a request waiting to
        // retry still counts against the origin's cap.
        let slot = match &self.pacer {
            Some(pacer) => Some(pacer.enter(&full_url).await),
            None => None,
        };
        loop {
            attempt = attempt.saturating_add(1);
            if attempt > 1
                && let Some(slot) = &slot
            {
                slot.recheck().await;
            }
            // Pacing comes before the clock starts: a wait for the budget is not the attempt's.
            let permit = match &self.pacer {
                Some(pacer) => {
                    let shown = || ctx.redactor.url(&full_url);
                    Some(pacer.acquire(&full_url, &shown).await?)
                }
                None => None,
            };
            let started = Instant::now();
            let outcome = self.attempt(request, &full_url, ctx).await;
            if let (Some(permit), Ok((response, _))) = (permit, &outcome) {
                // What a redirect target says about its budget is not this origin's.
                if same_origin(response.url(), &full_url) {
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| ctx.retry.retry_after_block(v));
                    permit.observe(response.status(), response.headers(), retry_after);
                } else {
                    permit.observe(StatusCode::OK, &HeaderMap::new(), None);
                }
            }
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let url = || ctx.redactor.url(&full_url);
            let of = if attempt > 1 {
                format!(" (attempt {attempt} of {})", policy.attempts())
            } else {
                String::new()
            };
            match outcome {
                Ok((mut response, signed_as)) => {
                    let status = response.status();
                    tracing::debug!(
                        method = %method, url = %url(), status = status.as_u16(), attempt, elapsed_ms,
                        "{method} {} -> {status} in {elapsed_ms} ms{of}", url()
                    );
                    if status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && let Some(signed) = &signed_as
                        && let Some(auth) = &ctx.auth
                        && auth.on_unauthorized(signed).await?
                    {
                        // One renewal per request; it does not count as an attempt.
                        refreshed = true;
                        attempt -= 1;
                        continue;
                    }
                    let decision = policy.decide(attempt, &Outcome::Response(&response));
                    if self.after_attempt(decision, attempt, request, ctx).await {
                        continue;
                    }
                    response.set_attempts(attempt);
                    return Ok(response);
                }
                Err(e) => {
                    tracing::debug!(
                        method = %method, url = %url(), attempt, elapsed_ms,
                        "{method} {} -> failed in {elapsed_ms} ms{of}: {e:#}", url()
                    );
                    let decision = policy.decide(attempt, &Outcome::Error(&e));
                    if self.after_attempt(decision, attempt, request, ctx).await {
                        continue;
                    }
                    return Err(if attempt > 1 {
                        e.with_note(&format!(" (after {attempt} attempts)"))
                    } else {
                        e
                    });
                }
            }
        }
    }

    /// The error for a response whose status is not a success, worded as dlt's default hook
    /// words it: `404 Client Error: Not Found for url: ...`; with `http_show_error_body` it
    /// carries the body too (masked and cut short).
    pub(crate) fn status_error(&self, response: &Response) -> Error {
        let status = response.status();
        let class = if status.is_server_error() {
            "Server"
        } else {
            "Client"
        };
        let reason = status.canonical_reason().unwrap_or("");
        let url = response.redacted_url();
        let mut message = format!(
            "{} {class} Error: {reason} for url: {}",
            status.as_u16(),
            crate::redact::clip(&url, crate::redact::MAX_URL_SHOWN)
        );
        if response.attempts() > 1 {
            message.push_str(&format!(" (after {} attempts)", response.attempts()));
        }
        if let Some(body) = self.error_body.and_then(|max| response.error_body(max)) {
            message.push_str("\nResponse: ");
            message.push_str(&body);
        }
        Error::new(ErrorKind::Status, message)
            .with_url(&url)
            .with_status(status)
    }

    /// Acts on a retry decision: waits and returns `true` to try again, or logs giving up and
    /// returns `false`.
    async fn after_attempt(
        &self,
        decision: Decision,
        attempt: u32,
        request: &Request,
        ctx: &CallContext,
    ) -> bool {
        let method = request.method();
        let max = ctx.retry.attempts();
        match decision {
            Decision::Retry { wait, reason } => {
                let url = ctx.redactor.url(&request.full_url());
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(
                    method = %method, url = %url, next_attempt = attempt + 1, wait_ms,
                    "retrying {method} {url} in {wait_ms} ms (attempt {} of {max}): {reason}",
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
                true
            }
            Decision::Exhausted { reason } => {
                if attempt > 1 {
                    let url = ctx.redactor.url(&request.full_url());
                    tracing::warn!(
                        method = %method, url = %url, attempts = attempt,
                        "giving up on {method} {url} after {attempt} attempts: {reason}"
                    );
                }
                false
            }
            Decision::Done => false,
        }
    }

    /// One attempt at `request` (whose URL with its parameters is `full_url`), following
    /// redirects so that credentials stay on their origin. Returns the response and, when the
    /// auth signed it, the request as signed (for `on_unauthorized`).
    async fn attempt(
        &self,
        request: &Request,
        full_url: &Url,
        ctx: &CallContext,
    ) -> Result<(Response, Option<Request>)> {
        let mut url = full_url.clone();
        let mut method = request.method().clone();
        let mut body = request.body();
        let mut redactor = ctx.redactor.clone();
        // The redirect that led to `url`, for messages.
        let mut via: Option<String> = None;
        for _ in 0..=MAX_REDIRECTS {
            let mut headers = request.headers().clone();
            let mut signed = None;
            let mut wire_url = url.clone();
            if is_origin(&url, &ctx.origin) {
                if let Some(auth) = &ctx.auth {
                    auth.prepare().await?;
                    // A token fetched at run time is a secret too (OAuth2): mask it from here on.
                    redactor = redactor.with_secrets(auth.secrets());
                    // The auth sees the request's headers, so that it can merge with them
                    // (e.g. an API key cookie joins an existing `Cookie` header).
                    let mut scratch = Request::new(method.clone(), url.clone());
                    *scratch.headers_mut() = headers.clone();
                    auth.apply(&mut scratch)?;
                    for (name, value) in scratch.headers() {
                        if headers.get(name) != Some(value) {
                            let mut value = value.clone();
                            value.set_sensitive(true);
                            headers.insert(name.clone(), value);
                        }
                    }
                    if !scratch.params().is_empty() {
                        wire_url.query_pairs_mut().extend_pairs(scratch.params());
                    }
                    signed = Some(scratch);
                }
            } else {
                if let Some(carrier) = carried_secret(&url, body, ctx, &redactor) {
                    return Err(Error::cross_origin(
                        &redactor.url(&url),
                        carrier,
                        &redactor.text(&url.origin().ascii_serialization()),
                        &redactor.text(&ctx.origin.ascii_serialization()),
                        via.as_deref(),
                    ));
                }
                if strip_credentials(&mut headers, &known_secrets(ctx, &redactor))
                    || ctx.auth.is_some()
                {
                    tracing::warn!(
                        url = %redactor.url(&url),
                        "not sending credentials to {}: they are bound to {}",
                        url.origin().ascii_serialization(),
                        ctx.origin.ascii_serialization()
                    );
                }
            }
            if tracing::enabled!(tracing::Level::TRACE) {
                let body_note = match body {
                    Some(Body::Json(v)) => format!("a JSON body of {} bytes", v.to_string().len()),
                    Some(Body::Form(f)) => format!("a form body of {} fields", f.len()),
                    None => "no body".to_owned(),
                };
                tracing::trace!(
                    method = %method, url = %redactor.url(&url),
                    "sending {method} {} with headers {} and {body_note}",
                    redactor.url(&url), redactor.headers(&headers)
                );
            }
            let mut wire = self
                .http
                .for_url(&wire_url)?
                .request(method.clone(), wire_url)
                .timeout(ctx.timeout)
                .headers(headers);
            wire = match body {
                Some(Body::Json(v)) => wire.json(v),
                Some(Body::Form(f)) => wire.form(f),
                None => wire,
            };
            let mut response = wire
                .send()
                .await
                .map_err(|e| transport_error(e, &method, &url, &redactor))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
            {
                let next = url.join(location).map_err(|e| {
                    Error::invalid_url(
                        ErrorKind::Redirect,
                        &redactor.url_str(location),
                        format_args!("redirect target: {e}"),
                    )
                })?;
                if status == StatusCode::SEE_OTHER
                    || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                        && method == Method::POST)
                {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(from = %redactor.url(&url), to = %redactor.url(&next), "following redirect {status}");
                via = Some(format!(
                    "a {} redirect from {}",
                    status.as_u16(),
                    crate::redact::clip(&redactor.url(&url), crate::redact::MAX_URL_SHOWN)
                ));
                url = next;
                continue;
            }
            let headers = std::mem::take(response.headers_mut());
            let bytes = self.read_body(response, &method, &url, &redactor).await?;
            tracing::trace!(
                url = %redactor.url(&url), status = status.as_u16(), body_bytes = bytes.len(),
                "received {status} from {} with headers {} and {} body bytes",
                redactor.url(&url), redactor.headers(&headers), bytes.len()
            );
            let same_origin = is_origin(&url, &ctx.origin);
            // The URL as requested, without the query parameters an auth added (an API key).
            return Ok((
                Response::new(status, headers, url, bytes, redactor),
                signed.filter(|_| same_origin),
            ));
        }
        Err(Error::new(
            ErrorKind::Redirect,
            format!(
                "too many redirects (more than {MAX_REDIRECTS}) starting at {}",
                crate::redact::clip(&ctx.redactor.url(full_url), crate::redact::MAX_URL_SHOWN)
            ),
        )
        .with_url(&ctx.redactor.url(full_url)))
    }

    /// Reads the whole body, decompressed, failing as soon as it passes `max_response_bytes`:
    /// a gzip bomb or an endless body costs at most the limit in memory.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        method: &Method,
        url: &Url,
        redactor: &Redactor,
    ) -> Result<Bytes> {
        let limit = self.max_response_bytes;
        // The announced length is a hint for the buffer, never trusted beyond the limit.
        let hint = response
            .content_length()
            .unwrap_or(0)
            .min(limit)
            .min(16 << 20);
        let hint = usize::try_from(hint).unwrap_or(0);
        // A body that arrives in one chunk is kept as it came (no copy); from the second
        // chunk on, they are gathered in one buffer sized from Content-Length.
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(e, method, url, redactor))?
        {
            let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
            if (have as u64).saturating_add(chunk.len() as u64) > limit {
                let shown = redactor.url(url);
                return Err(Error::new(
                    ErrorKind::BodyTooLarge,
                    format!(
                        "the response body of {method} {} is larger than max_response_bytes ({limit} bytes, counted after decompression); raise the limit if this API really sends such pages",
                        crate::redact::clip(&shown, crate::redact::MAX_URL_SHOWN)
                    ),
                )
                .with_url(&shown));
            }
            if have == 0 && first.is_none() {
                first = Some(chunk);
                continue;
            }
            if let Some(head) = first.take() {
                buf.reserve(hint.max(head.len() + chunk.len()));
                buf.extend_from_slice(&head);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(match first {
            Some(only) => only,
            None => buf.freeze(),
        })
    }
}

/// Where a request to another origin than the credentials' would carry a secret: its `query`,
/// `path`, `JSON body` or `form body`; `None` when it carries none.
///
/// Secrets are the values the redactor knows (the client's `secret`s and `${NAME}` values,
/// sensitive headers, the call's auth's credentials, an OAuth2 client secret) and the auth's
/// current ones (a token fetched since). Only requests that leave the origin pay for this.
fn carried_secret(
    url: &Url,
    body: Option<&Body>,
    ctx: &CallContext,
    redactor: &Redactor,
) -> Option<&'static str> {
    let secrets = known_secrets(ctx, redactor);
    if secrets.is_empty() {
        return None;
    }
    let holds = |text: &str| secrets.iter().any(|s| text.contains(s.as_str()));
    if url.query_pairs().any(|(k, v)| holds(&k) || holds(&v)) {
        return Some("query");
    }
    if holds(url.path()) || holds(&percent_decoded(url.path())) {
        return Some("path");
    }
    match body {
        Some(Body::Json(v)) if json_holds(v, &holds) => Some("JSON body"),
        Some(Body::Form(f)) if f.iter().any(|(k, v)| holds(k) || holds(v)) => Some("form body"),
        _ => None,
    }
}

/// The secret values a request leaving the origin must not carry: what the redactor knows
/// (the client's `secret`s and `${NAME}` values, sensitive headers, the call's auth's
/// credentials, an OAuth2 client secret) and the auth's current ones (a token fetched since).
fn known_secrets(ctx: &CallContext, redactor: &Redactor) -> Vec<String> {
    let fetched = ctx.auth.as_ref().map(|a| a.secrets()).unwrap_or_default();
    redactor
        .secrets()
        .iter()
        .cloned()
        .chain(fetched)
        // As the redactor: a value this short would match ordinary text and protect nothing.
        .filter(|s| s.len() >= 3)
        .collect()
}

/// Whether any string (key or value) in `value` satisfies `holds`.
fn json_holds(value: &serde_json::Value, holds: &dyn Fn(&str) -> bool) -> bool {
    match value {
        serde_json::Value::String(s) => holds(s),
        serde_json::Value::Array(items) => items.iter().any(|v| json_holds(v, holds)),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| holds(k) || json_holds(v, holds)),
        _ => false,
    }
}

/// `%XX` sequences decoded (lossily as UTF-8), `+` kept: how a server reads a path.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes headers that carry credentials before a request leaves the credentials' origin
/// (by name, marked sensitive, or holding one of `secrets`, whatever the header's name: a
/// `${NAME}` value in `X-Custom`); true when any was removed.
fn strip_credentials(headers: &mut HeaderMap, secrets: &[String]) -> bool {
    let holds_secret = |v: &reqwest::header::HeaderValue| {
        let text = String::from_utf8_lossy(v.as_bytes());
        secrets.iter().any(|s| text.contains(s.as_str()))
    };
    let names: Vec<HeaderName> = headers
        .iter()
        .filter(|(n, v)| {
            crate::redact::is_sensitive_header(n) || v.is_sensitive() || holds_secret(v)
        })
        .map(|(n, _)| n.clone())
        .collect();
    let stripped = !names.is_empty();
    for n in names {
        headers.remove(n);
    }
    stripped
}

/// Maps a reqwest failure to our error: the kind (which decides retries), a message naming
/// the method and the redacted URL, and the cause kept as `source()` without its URL.
fn transport_error(e: reqwest::Error, method: &Method, url: &Url, redactor: &Redactor) -> Error {
    let chain = cause_chain(&e);
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if chain.contains("message head is too large") || chain.contains("header list size") {
        // hyper's limit on a response head: it will not shrink on a retry.
        ErrorKind::Decode
    } else if e.is_connect() || e.is_request() {
        // `is_request`: the connection broke before a response (e.g. hyper's
        // "connection closed before message completed" on a stale pooled connection).
        ErrorKind::Connect
    } else if e.is_body() || e.is_decode() {
        ErrorKind::Body
    } else {
        ErrorKind::Other
    };
    let what = match kind {
        ErrorKind::Timeout => "timed out",
        ErrorKind::Connect => "connection failed",
        ErrorKind::Body => "response body failed",
        ErrorKind::Decode => "response head too large",
        _ => "request failed",
    };
    let shown = redactor.url(url);
    // The causes (hyper's, the OS's) are the source, not part of the message.
    let clipped = crate::redact::clip(&shown, crate::redact::MAX_URL_SHOWN);
    Error::new(kind, format!("{what} for {method} {clipped}"))
        .with_url(&shown)
        .with_source(e.without_url())
}

/// An error and its causes as one line, without reqwest's copy of the URL (which is not
/// redacted) and without repeating a cause that its parent already quoted: what the error
/// kind is read from.
fn cause_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(u) = e.url() {
        text = text
            .replace(&format!(" for url ({u})"), "")
            .replace(u.as_str(), "<url>");
    }
    let mut out = text;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        source = s.source();
    }
    out
}

/// Whether `a` and `b` have the same origin, as `a.origin() == b.origin()` says, without
/// allocating the two origins (every page asks).
fn same_origin(a: &Url, b: &Url) -> bool {
    if !is_http(a) || !is_http(b) {
        return a.origin() == b.origin();
    }
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether `url`'s origin is `origin`, as `url.origin() == *origin` says, without allocating
/// (every attempt asks, twice).
fn is_origin(url: &Url, origin: &url::Origin) -> bool {
    use url::Host;
    let url::Origin::Tuple(scheme, host, port) = origin else {
        return url.origin() == *origin;
    };
    if !is_http(url) {
        return url.origin() == *origin;
    }
    let same_host = match (url.host(), host) {
        (Some(Host::Domain(a)), Host::Domain(b)) => a == b,
        (Some(Host::Ipv4(a)), Host::Ipv4(b)) => a == *b,
        (Some(Host::Ipv6(a)), Host::Ipv6(b)) => a == *b,
        _ => false,
    };
    url.scheme() == scheme && same_host && url.port_or_known_default() == Some(*port)
}

/// http and https: the schemes whose origin is (scheme, host, port) with a host always there.
fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn root_certificates_are_loaded_for_the_first_https_request_only() {
        let http = default_http_client().unwrap();
        let HttpClient::Own { tls, .. } = &http else {
            panic!("restclient's own client")
        };
        http.for_url(&Url::parse("http://127.0.0.1/x").unwrap())
            .unwrap();
        assert!(tls.get().is_none(), "a plain-http request loaded them");
        http.for_url(&Url::parse("https://127.0.0.1/x").unwrap())
            .unwrap();
        assert!(tls.get().is_some_and(Result::is_ok));
        // A client of the user's is used for everything.
        let given = HttpClient::Given(reqwest::Client::new());
        assert!(
            given
                .for_url(&Url::parse("https://127.0.0.1/").unwrap())
                .is_ok()
        );
    }

    /// The allocation-free origin checks agree with `Url::origin` on every pair: scheme, case,
    /// default and explicit ports, IPv4, IPv6, userinfo, and schemes without a tuple origin.
    #[test]
    fn origin_checks_agree_with_url_origin() {
        let urls = [
            "http://api.example.com/a?x=1",
            "http://API.example.com:80/b",
            "http://api.example.com:8080/",
            "https://api.example.com/",
            "https://api.example.com:443/c",
            "https://user:pw@api.example.com/",
            "https://other.example.com/",
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:3001/",
            "http://[::1]:3000/",
            "http://[::1]/",
            "file:///tmp/x",
            "data:text/plain,hi",
        ]
        .map(|u| Url::parse(u).unwrap());
        for a in &urls {
            for b in &urls {
                let expected = a.origin() == b.origin();
                assert_eq!(same_origin(a, b), expected, "{a} vs {b}");
                assert_eq!(is_origin(a, &b.origin()), expected, "{a} vs origin of {b}");
            }
        }
    }
}
