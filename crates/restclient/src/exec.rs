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

use std::sync::Arc;
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
    http: reqwest::Client,
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

/// The builder of the HTTP client restclient uses when the user brings none: no redirects
/// (restclient follows them itself, to keep credentials on their origin) and restclient's user
/// agent. Start from it to add proxies or certificates, then give the client to
/// [`RestClientBuilder::http_client`](crate::RestClientBuilder::http_client) (as the Python
/// package does with a `requests.Session`'s `proxies` and `verify`).
///
/// ```
/// let http = restclient::http_client_builder()
///     .proxy(restclient::reqwest::Proxy::all("http://proxy.example:3128")?)
///     .build()?;
/// let client = restclient::RestClient::builder("https://api.example.com")
///     .http_client(http)
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
}

/// The HTTP client restclient builds when the user brings none: no redirects (the executor
/// follows them itself, to keep credentials on their origin) and restclient's user agent.
pub(crate) fn default_http_client() -> Result<reqwest::Client> {
    http_client_builder().build().map_err(|e| {
        Error::new(ErrorKind::Builder, "could not build the HTTP client")
            .with_source(e.without_url())
    })
}

impl Executor {
    pub(crate) fn new(
        http: reqwest::Client,
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
        // Held across retries: after 429s without rate-limit headers, a request waiting to
        // retry still counts against the origin's cap.
        let slot = match &self.pacer {
            Some(pacer) => Some(pacer.enter(&request.full_url()).await),
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
                    let url = request.full_url();
                    let shown = || ctx.redactor.url(&url);
                    Some((pacer.acquire(&url, &shown).await?, url.origin()))
                }
                None => None,
            };
            let started = Instant::now();
            let outcome = self.attempt(request, ctx).await;
            if let (Some((permit, origin)), Ok((response, _))) = (permit, &outcome) {
                // What a redirect target says about its budget is not this origin's.
                if response.url().origin() == origin {
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| ctx.retry.retry_after_block(v));
                    permit.observe(response.status(), response.headers(), retry_after);
                } else {
                    permit.observe(StatusCode::OK, &HeaderMap::new(), None);
                }
            }
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let url = || ctx.redactor.url(&request.full_url());
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
                        "{method} {} -> failed in {elapsed_ms} ms{of}: {e}", url()
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
        let mut message = format!("{} {class} Error: {reason} for url: {url}", status.as_u16());
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

    /// One attempt, following redirects so that credentials stay on their origin. Returns the
    /// response and, when the auth signed it, the request as signed (for `on_unauthorized`).
    async fn attempt(
        &self,
        request: &Request,
        ctx: &CallContext,
    ) -> Result<(Response, Option<Request>)> {
        let mut url = request.full_url();
        let mut method = request.method().clone();
        let mut body = request.body();
        let mut redactor = ctx.redactor.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut headers = request.headers().clone();
            let mut signed = None;
            let mut wire_url = url.clone();
            if url.origin() == ctx.origin {
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
            } else if strip_credentials(&mut headers) || ctx.auth.is_some() {
                tracing::warn!(
                    url = %redactor.url(&url),
                    "not sending credentials to {}: they are bound to {}",
                    url.origin().ascii_serialization(),
                    ctx.origin.ascii_serialization()
                );
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
            let same_origin = url.origin() == ctx.origin;
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
                ctx.redactor.url(&request.full_url())
            ),
        )
        .with_url(&ctx.redactor.url(&request.full_url())))
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
        let mut buf = BytesMut::with_capacity(usize::try_from(hint).unwrap_or(0));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(e, method, url, redactor))?
        {
            if (buf.len() as u64).saturating_add(chunk.len() as u64) > limit {
                let shown = redactor.url(url);
                return Err(Error::new(
                    ErrorKind::BodyTooLarge,
                    format!(
                        "the response body of {method} {shown} is larger than max_response_bytes ({limit} bytes, counted after decompression); raise the limit if this API really sends such pages"
                    ),
                )
                .with_url(&shown));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

/// Removes headers that carry credentials before a request leaves the credentials' origin;
/// true when any was removed.
fn strip_credentials(headers: &mut HeaderMap) -> bool {
    let names: Vec<HeaderName> = headers
        .iter()
        .filter(|(n, v)| crate::redact::is_sensitive_header(n) || v.is_sensitive())
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
    Error::new(
        kind,
        format!("{what} for {method} {shown}: {}", redactor.text(&chain)),
    )
    .with_url(&shown)
    .with_source(e.without_url())
}

/// An error and its causes as one line, without reqwest's copy of the URL (which is not
/// redacted) and without repeating a cause that its parent already quoted.
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
