//! [`RestClient`] and [`RestClientBuilder`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::auth::Auth;
use crate::config::RuntimeConfig;
use crate::error::{Error, Result, TransportKind};
use crate::paginate::Paginate;
use crate::paginators::Paginator;
use crate::redact::Redactor;
use crate::request::{Body, Request};
use crate::response::Response;
use crate::retry::{Decision, Outcome, RetryCondition, RetryPolicy};
use crate::selector::Selector;

const MAX_REDIRECTS: usize = 10;
const USER_AGENT: &str = concat!("restclient/", env!("CARGO_PKG_VERSION"));

/// A client for one REST API: a base URL, default headers, auth, paginator and data selector.
///
/// Cheap to clone (the state is shared); one connection pool serves every request.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use restclient::{RestClient, Value, auth::BearerTokenAuth, paginators::OffsetPaginator};
///
/// # async fn run() -> restclient::Result<()> {
/// let client = RestClient::builder("https://api.example.com")
///     .header("User-Agent", "MyApp/1.0")
///     .auth(BearerTokenAuth::new("token"))
///     .paginator(OffsetPaginator::new(100).total_path("total"))
///     .data_selector("items")
///     .build()?;
///
/// let post = client.get("/posts/1").await?;
/// let all: Vec<Value> = client.paginate("/posts").records().try_collect().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RestClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base_url: String,
    /// The origin credentials are bound to; `None` when there is no base URL (then the first
    /// request's origin is used).
    pub(crate) origin: Option<url::Origin>,
    pub(crate) headers: HeaderMap,
    pub(crate) auth: Option<Arc<dyn Auth>>,
    pub(crate) paginator: Option<Box<dyn Paginator>>,
    pub(crate) data_selector: Option<Selector>,
    pub(crate) http: reqwest::Client,
    pub(crate) redactor: Redactor,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// `Some(max_chars)` when status errors carry the body (`http_show_error_body`).
    pub(crate) error_body: Option<usize>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field(
                "base_url",
                &self.inner.redactor.url_str(&self.inner.base_url),
            )
            .field(
                "auth",
                // An auth's own Debug may show what it holds; mask what it declares secret.
                &self
                    .inner
                    .auth
                    .as_ref()
                    .map(|a| crate::redact::Shown(self.inner.redactor.text(&format!("{a:?}")))),
            )
            .field("paginator", &self.inner.paginator)
            .field("data_selector", &self.inner.data_selector)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RestClient`]; invalid settings fail in [`build`](Self::build), typed.
#[must_use]
pub struct RestClientBuilder {
    base_url: String,
    headers: HeaderMap,
    auth: Option<Arc<dyn Auth>>,
    paginator: Option<Box<dyn Paginator>>,
    data_selector: Option<String>,
    http: Option<reqwest::Client>,
    secrets: Vec<String>,
    config: Option<RuntimeConfig>,
    retry: Option<RetryPolicy>,
    retry_conditions: Vec<RetryCondition>,
    timeout: Option<Duration>,
    error: Option<Error>,
}

impl std::fmt::Debug for RestClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClientBuilder")
            .field("base_url", &Redactor::default().url_str(&self.base_url))
            .finish_non_exhaustive()
    }
}

impl RestClientBuilder {
    /// Adds a default header sent with every request (per-call headers override it).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match crate::request::parse_header(name, value) {
            Ok((n, v)) => {
                self.headers.insert(n, v);
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Adds default headers; each name replaces an earlier default of that name.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        merge_headers(&mut self.headers, headers);
        self
    }

    /// The auth for every request (a call may override it).
    pub fn auth(mut self, auth: impl Auth) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Treats `value` as a secret: it is masked by value in every `Debug`, log line, error and
    /// error body, like the credentials of an auth. For values that reach a request by another
    /// way than an auth, e.g. a query parameter read from the environment.
    ///
    /// ```
    /// let key = "s3cr3t-key";
    /// let client = restclient::RestClient::builder("https://api.example.com")
    ///     .secret(key)
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains(key));
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn secret(mut self, value: impl Into<String>) -> Self {
        self.secrets.push(value.into());
        self
    }

    /// The default paginator: a template, copied fresh for every `paginate` call.
    pub fn paginator(mut self, paginator: impl Paginator) -> Self {
        self.paginator = Some(Box::new(paginator));
        self
    }

    /// The default data selector (JSONPath, dlt syntax) for `paginate`.
    pub fn data_selector(mut self, selector: &str) -> Self {
        self.data_selector = Some(selector.to_owned());
        self
    }

    /// Uses this `reqwest::Client` (dlt's `session`). restclient follows redirects itself to
    /// keep credentials on their origin, so the client's own redirect policy should be
    /// `Policy::none()`; the default client is built that way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The runtime settings: timeout, retries and error bodies (dlt's `[runtime]` section).
    ///
    /// Without this call, [`build`](Self::build) loads them with
    /// [`RuntimeConfig::from_env`] (the config file, then `RUNTIME__*` variables). An explicit
    /// [`retry`](Self::retry) or [`timeout`](Self::timeout) wins over the config.
    ///
    /// ```
    /// use std::time::Duration;
    /// use restclient::{RestClient, config::RuntimeConfig};
    /// let config = RuntimeConfig::load_from(None, [
    ///     ("RUNTIME__REQUEST_MAX_ATTEMPTS".to_string(), "3".to_string()),
    /// ])?;
    /// let client = RestClient::builder("https://api.example.com")
    ///     .config(config)
    ///     .timeout(Duration::from_secs(5)) // wins over request_timeout
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn config(mut self, config: RuntimeConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// The retry policy; wins over the config's `request_max_attempts`,
    /// `request_backoff_factor` and `request_max_retry_delay`.
    ///
    /// ```
    /// use restclient::{RestClient, retry::RetryPolicy};
    /// let client = RestClient::builder("https://api.example.com")
    ///     .retry(RetryPolicy { max_attempts: 3, backoff_factor: 0.5, ..RetryPolicy::default() })
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Also retries the outcomes `f` accepts (dlt's `retry_condition`), on top of the policy in
    /// force, whether it comes from the config or from [`retry`](Self::retry).
    ///
    /// ```
    /// use restclient::{RestClient, retry::Outcome};
    /// // An API that answers 200 with {"error": "try again"} when it is busy.
    /// let client = RestClient::builder("https://api.example.com")
    ///     .retry_if(|o: &Outcome<'_>| {
    ///         o.response().and_then(|r| r.json().ok()).is_some_and(|b| b["error"] == "try again")
    ///     })
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn retry_if(mut self, f: impl Fn(&Outcome<'_>) -> bool + Send + Sync + 'static) -> Self {
        self.retry_conditions.push(RetryCondition::new(f));
        self
    }

    /// The timeout of each request, body included; wins over the config's `request_timeout`
    /// (default 60 s). A request that takes longer fails with a
    /// [`TransportKind::Timeout`] error, which is retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = restclient::RestClient::builder("https://api.example.com")
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Checks every setting and builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidBaseUrl`], [`Error::InvalidHeader`], [`Error::InvalidPath`] for the data
    /// selector, [`Error::InvalidParameter`] for the paginator or the retry and timeout
    /// settings, or [`Error::Config`] for a bad config file or `RUNTIME__*` variable (when no
    /// [`config`](Self::config) was given), naming the bad value.
    pub fn build(self) -> Result<RestClient> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut secrets = Redactor::header_secrets(&self.headers);
        if let Some(a) = &self.auth {
            secrets.extend(a.secrets());
        }
        secrets.extend(self.secrets);
        let redactor = Redactor::default().with_secrets(secrets);
        let origin = if self.base_url.is_empty() {
            None
        } else {
            let url = Url::parse(&self.base_url).map_err(|e| Error::InvalidBaseUrl {
                url: redactor.url_str(&self.base_url),
                reason: e.to_string(),
            })?;
            if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
                return Err(Error::InvalidBaseUrl {
                    url: redactor.url(&url),
                    reason: "expected an absolute http:// or https:// URL".into(),
                });
            }
            Some(url.origin())
        };
        let data_selector = self
            .data_selector
            .as_deref()
            .map(Selector::new)
            .transpose()?;
        if let Some(p) = &self.paginator {
            p.validate()?;
        }
        let config = match self.config {
            Some(c) => c,
            None => RuntimeConfig::from_env()?,
        };
        let mut retry = self.retry.unwrap_or_else(|| RetryPolicy::from(&config));
        retry.retry_condition.extend(self.retry_conditions);
        if retry.max_attempts == 0 {
            return Err(Error::invalid(
                "RestClient",
                "request_max_attempts",
                "must be at least 1",
            ));
        }
        if !(retry.backoff_factor >= 0.0 && retry.backoff_factor.is_finite()) {
            return Err(Error::invalid(
                "RestClient",
                "request_backoff_factor",
                format!("must be a number >= 0, got {}", retry.backoff_factor),
            ));
        }
        let timeout = self.timeout.unwrap_or(config.request_timeout);
        if timeout.is_zero() {
            return Err(Error::invalid(
                "RestClient",
                "request_timeout",
                "must be greater than 0",
            ));
        }
        let http = match self.http {
            Some(h) => h,
            None => default_http_client()?,
        };
        Ok(RestClient {
            inner: Arc::new(Inner {
                base_url: self.base_url,
                origin,
                headers: self.headers,
                auth: self.auth,
                paginator: self.paginator,
                data_selector,
                http,
                redactor,
                retry,
                timeout,
                error_body: config
                    .http_show_error_body
                    .then_some(config.http_max_error_body_length),
            }),
        })
    }
}

pub(crate) fn default_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Error::InvalidRequest(format!("could not build the HTTP client: {e}")))
}

/// How auth is chosen for one call.
#[derive(Clone, Debug, Default)]
pub(crate) enum AuthChoice {
    /// The client's auth.
    #[default]
    Client,
    /// This call's auth.
    Call(Arc<dyn Auth>),
    /// No auth for this call.
    Without,
}

/// Everything one call needs beyond the request: auth, the redactor, the credential origin.
#[derive(Clone, Debug)]
pub(crate) struct CallContext {
    pub(crate) auth: Option<Arc<dyn Auth>>,
    pub(crate) redactor: Redactor,
    pub(crate) origin: url::Origin,
}

impl RestClient {
    /// Starts a [`RestClientBuilder`] for the API at `base_url`. Relative paths are joined to it
    /// as dlt's `join_url` does; an empty base URL means every path must be an absolute URL.
    pub fn builder(base_url: impl Into<String>) -> RestClientBuilder {
        RestClientBuilder {
            base_url: base_url.into(),
            headers: HeaderMap::new(),
            auth: None,
            paginator: None,
            data_selector: None,
            http: None,
            secrets: Vec::new(),
            config: None,
            retry: None,
            retry_conditions: Vec::new(),
            timeout: None,
            error: None,
        }
    }

    /// The base URL.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A `GET` request. The status is not checked: a 404 is returned as a response.
    ///
    /// # Errors
    /// Transport failures (after retries), auth failures, an invalid URL.
    pub async fn get(&self, path: &str) -> Result<Response> {
        self.request(Method::GET, path).send().await
    }

    /// A `POST` request with a JSON body.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn post(&self, path: &str, json: Value) -> Result<Response> {
        self.request(Method::POST, path).json(json).send().await
    }

    /// A request with any method, to be completed with params, body, headers or auth.
    ///
    /// ```no_run
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// use restclient::Method;
    /// let r = client.request(Method::POST, "/search")
    ///     .param("page", 1)
    ///     .form([("q", "rust")])
    ///     .header("X-Trace", "1")
    ///     .send().await?;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder {
            client: self.clone(),
            parts: CallParts::new(method, path),
        }
    }

    /// Walks every page of `path`. See [`Paginate`].
    pub fn paginate(&self, path: &str) -> Paginate {
        Paginate::new(self.clone(), path)
    }

    /// Builds the first request of a call and the context it is sent with.
    pub(crate) fn prepare(&self, parts: CallParts) -> Result<(Request, CallContext)> {
        if let Some(e) = parts.error {
            return Err(e);
        }
        let auth = match parts.auth {
            AuthChoice::Client => self.inner.auth.clone(),
            AuthChoice::Call(a) => Some(a),
            AuthChoice::Without => None,
        };
        let mut secrets = Redactor::header_secrets(&parts.headers);
        if let Some(a) = &auth {
            secrets.extend(a.secrets());
        }
        let redactor = if secrets.is_empty() {
            self.inner.redactor.clone()
        } else {
            self.inner.redactor.with_secrets(secrets)
        };
        let url = crate::request::resolve(&self.inner.base_url, &parts.path, &redactor)?;
        let origin = self.inner.origin.clone().unwrap_or_else(|| url.origin());
        let mut request = Request::new(parts.method, url);
        let mut headers = self.inner.headers.clone();
        // A call's header replaces the client's of the same name; all its values are kept.
        for name in parts.headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &parts.headers {
            headers.append(name.clone(), value.clone());
        }
        *request.headers_mut() = headers;
        for (k, v) in parts.params {
            request.append_param(k, v);
        }
        request.set_body(parts.body);
        Ok((
            request,
            CallContext {
                auth,
                redactor,
                origin,
            },
        ))
    }

    /// Sends one request: signs it (on its origin only), follows redirects, retries what
    /// deserves a retry, and reads the whole body.
    ///
    /// Logs each attempt at INFO (`GET <url> -> 200 OK in 12 ms`), each retry wait at INFO with
    /// its reason, and gives up with a WARN when the attempts run out.
    pub(crate) async fn execute(&self, request: &Request, ctx: &CallContext) -> Result<Response> {
        let policy = &self.inner.retry;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.send_following_redirects(request, ctx).await;
            let url = || ctx.redactor.url(&request.full_url());
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let method = request.method();
            let of = attempt_note(attempt, policy.max_attempts);
            match outcome {
                Ok((mut response, signed_as)) => {
                    let status = response.status();
                    tracing::info!(
                        method = %method, url = %url(), status = status.as_u16(), attempt, elapsed_ms,
                        "{method} {} -> {status} in {elapsed_ms} ms{of}", url()
                    );
                    if status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && let Some(signed) = &signed_as
                        && let Some(auth) = &ctx.auth
                        && auth.on_unauthorized(signed).await?
                    {
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
                    tracing::info!(
                        method = %method, url = %url(), attempt, elapsed_ms,
                        "{method} {} -> failed in {elapsed_ms} ms{of}: {e}", url()
                    );
                    let decision = policy.decide(attempt, &Outcome::Error(&e));
                    if self.after_attempt(decision, attempt, request, ctx).await {
                        continue;
                    }
                    return Err(with_attempts(e, attempt));
                }
            }
        }
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
        let url = ctx.redactor.url(&request.full_url());
        let max = self.inner.retry.max_attempts;
        match decision {
            Decision::Retry { wait, reason } => {
                let wait_ms = wait.as_millis() as u64;
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

    /// One attempt, following redirects ourselves so that credentials stay on their origin.
    /// Returns the response and, when the auth signed it, what the auth added (for
    /// `on_unauthorized`).
    async fn send_following_redirects(
        &self,
        request: &Request,
        ctx: &CallContext,
    ) -> Result<(Response, Option<Request>)> {
        let mut url = request.full_url();
        let mut method = request.method().clone();
        let mut body = request.body();
        for _ in 0..=MAX_REDIRECTS {
            let same_origin = url.origin() == ctx.origin;
            let mut wire = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .timeout(self.inner.timeout);
            let mut headers = request.headers().clone();
            let mut signed = None;
            if same_origin {
                if let Some(auth) = &ctx.auth {
                    auth.prepare().await?;
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
                        let mut signed_url = url.clone();
                        signed_url.query_pairs_mut().extend_pairs(scratch.params());
                        wire = self
                            .inner
                            .http
                            .request(method.clone(), signed_url)
                            .timeout(self.inner.timeout);
                    }
                    signed = Some(scratch);
                }
            } else {
                strip_credentials(&mut headers);
                if ctx.auth.is_some() || request.headers().len() != headers.len() {
                    tracing::warn!(
                        url = %ctx.redactor.url(&url),
                        "not sending credentials to {}: they are bound to {}",
                        url.origin().ascii_serialization(),
                        ctx.origin.ascii_serialization()
                    );
                }
            }
            if tracing::enabled!(tracing::Level::DEBUG) {
                let body_note = match body {
                    Some(Body::Json(v)) => format!("a JSON body of {} bytes", v.to_string().len()),
                    Some(Body::Form(f)) => format!("a form body of {} fields", f.len()),
                    None => "no body".to_owned(),
                };
                tracing::debug!(
                    method = %method, url = %ctx.redactor.url(&url),
                    "sending {method} {} with headers {} and {body_note}",
                    ctx.redactor.url(&url), ctx.redactor.headers(&headers)
                );
            }
            wire = wire.headers(headers);
            wire = match body {
                Some(Body::Json(v)) => wire.json(v),
                Some(Body::Form(f)) => wire.form(f),
                None => wire,
            };
            let response = wire
                .send()
                .await
                .map_err(|e| transport_error(&e, &method, &url, &ctx.redactor))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
            {
                let next = url.join(location).map_err(|e| Error::InvalidUrl {
                    url: ctx.redactor.url_str(location),
                    reason: format!("redirect target: {e}"),
                })?;
                if status == StatusCode::SEE_OTHER
                    || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                        && method == Method::POST)
                {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(from = %ctx.redactor.url(&url), to = %ctx.redactor.url(&next), "following redirect {status}");
                url = next;
                continue;
            }
            let headers = response.headers().clone();
            // The URL as requested, without the query parameters an auth added (an API key).
            let final_url = url.clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| transport_error(&e, &method, &url, &ctx.redactor))?;
            tracing::debug!(
                url = %ctx.redactor.url(&url), status = status.as_u16(), body_bytes = bytes.len(),
                "received {status} from {} with headers {} and {} body bytes",
                ctx.redactor.url(&url), ctx.redactor.headers(&headers), bytes.len()
            );
            return Ok((
                Response::new(status, headers, final_url, bytes, ctx.redactor.clone()),
                signed.filter(|_| url.origin() == ctx.origin),
            ));
        }
        Err(Error::TooManyRedirects {
            max: MAX_REDIRECTS,
            url: ctx.redactor.url(&request.full_url()),
        })
    }
}

/// Moves `headers` into `target`: each name in `headers` replaces that name in `target` with
/// all its values, and values of sensitive names are marked sensitive.
fn merge_headers(target: &mut HeaderMap, headers: HeaderMap) {
    let mut current: Option<HeaderName> = None;
    // A map yields a name with its first value only; later values of that name come with `None`.
    for (name, mut value) in headers {
        if let Some(name) = name {
            target.remove(&name);
            current = Some(name);
        }
        if let Some(name) = &current {
            if crate::redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
            target.append(name.clone(), value);
        }
    }
}

/// ` (attempt 2 of 5)` for a retry, nothing for a first attempt.
fn attempt_note(attempt: u32, max: u32) -> String {
    if attempt > 1 {
        format!(" (attempt {attempt} of {max})")
    } else {
        String::new()
    }
}

/// Says in a transport error how many attempts were made, when there were several.
fn with_attempts(e: Error, attempts: u32) -> Error {
    match e {
        Error::Transport {
            kind,
            method,
            url,
            message,
        } if attempts > 1 => Error::Transport {
            kind,
            method,
            url,
            message: format!("{message} (after {attempts} attempts)"),
        },
        e => e,
    }
}

/// Removes headers that carry credentials, before a request leaves the credentials' origin.
fn strip_credentials(headers: &mut HeaderMap) {
    let names: Vec<HeaderName> = headers
        .iter()
        .filter(|(n, v)| crate::redact::is_sensitive_header(n) || v.is_sensitive())
        .map(|(n, _)| n.clone())
        .collect();
    for n in names {
        headers.remove(n);
    }
}

fn transport_error(e: &reqwest::Error, method: &Method, url: &Url, redactor: &Redactor) -> Error {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() || e.is_request() {
        // `is_request`: the connection broke before a response (e.g. hyper's
        // "connection closed before message completed" on a stale pooled connection).
        TransportKind::Connect
    } else if e.is_body() || e.is_decode() {
        TransportKind::Body
    } else {
        TransportKind::Other
    };
    // reqwest's messages embed the URL; describe the cause chain without it.
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut first = true;
    while let Some(s) = source {
        let text = if first {
            e.without_url_text()
        } else {
            s.to_string()
        };
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        first = false;
        source = s.source();
    }
    Error::Transport {
        kind,
        method: method.to_string(),
        url: redactor.url(url),
        message: redactor.text(&message),
    }
}

trait WithoutUrlText {
    fn without_url_text(&self) -> String;
}

impl WithoutUrlText for reqwest::Error {
    fn without_url_text(&self) -> String {
        let text = self.to_string();
        match self.url() {
            Some(u) => text
                .replace(&format!(" for url ({u})"), "")
                .replace(u.as_str(), "<url>"),
            None => text,
        }
    }
}

/// The per-call parts shared by [`RequestBuilder`] and [`Paginate`].
pub(crate) struct CallParts {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) auth: AuthChoice,
    pub(crate) error: Option<Error>,
}

impl std::fmt::Debug for CallParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Shown like a request: sensitive parameter and header values masked, no body.
        let mut shown = Request::new(
            self.method.clone(),
            Url::parse("http://call.invalid/").map_err(|_| std::fmt::Error)?,
        );
        for (k, v) in &self.params {
            shown.append_param(k.clone(), v);
        }
        *shown.headers_mut() = self.headers.clone();
        f.debug_struct("CallParts")
            .field("path", &Redactor::default().path(&self.path))
            .field("request", &shown)
            .field("has_body", &self.body.is_some())
            .field(
                "auth",
                &match &self.auth {
                    AuthChoice::Client => crate::redact::Shown("client's".into()),
                    AuthChoice::Without => crate::redact::Shown("none".into()),
                    AuthChoice::Call(a) => crate::redact::Shown(
                        Redactor::default()
                            .with_secrets(a.secrets())
                            .text(&format!("{a:?}")),
                    ),
                },
            )
            .finish_non_exhaustive()
    }
}

impl CallParts {
    pub(crate) fn new(method: Method, path: &str) -> Self {
        CallParts {
            method,
            path: path.to_owned(),
            params: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            auth: AuthChoice::Client,
            error: None,
        }
    }

    pub(crate) fn header(&mut self, name: &str, value: &str) {
        match crate::request::parse_header(name, value) {
            Ok((n, v)) => {
                self.headers.insert(n, v);
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    pub(crate) fn headers(&mut self, headers: HeaderMap) {
        merge_headers(&mut self.headers, headers);
    }

    pub(crate) fn add_params<K: Into<String>, V: ToString>(
        &mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) {
        self.params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.to_string())));
    }

    pub(crate) fn set_form<K: Into<String>, V: ToString>(
        &mut self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) {
        let fields = fields
            .into_iter()
            .map(|(k, v)| (k.into(), v.to_string()))
            .collect();
        self.set_body(Body::Form(fields));
    }

    pub(crate) fn set_body(&mut self, body: Body) {
        if self
            .body
            .as_ref()
            .is_some_and(|b| std::mem::discriminant(b) != std::mem::discriminant(&body))
        {
            self.error.get_or_insert(Error::InvalidRequest(
                "Cannot use both 'json' and 'data' parameters simultaneously. Use 'json' for JSON payloads or 'data' for form-encoded data.".into(),
            ));
        }
        self.body = Some(body);
    }
}

/// A single request being described; send it with [`send`](Self::send).
#[must_use]
#[derive(Debug)]
pub struct RequestBuilder {
    client: RestClient,
    parts: CallParts,
}

impl RequestBuilder {
    /// Adds a query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.parts.add_params([(name.into(), value.to_string())]);
        self
    }

    /// Adds query parameters.
    pub fn params<K: Into<String>, V: ToString>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.parts.add_params(params);
        self
    }

    /// Adds a header for this request (overrides a client default of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.parts.header(name, value);
        self
    }

    /// Adds headers for this request; each name replaces a client default of that name.
    ///
    /// ```no_run
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// use restclient::header::{ACCEPT, HeaderMap, HeaderValue};
    /// let mut headers = HeaderMap::new();
    /// headers.insert(ACCEPT, HeaderValue::from_static("application/vnd.github+json"));
    /// let r = client.request(restclient::Method::GET, "/issues").headers(headers).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.parts.headers(headers);
        self
    }

    /// A JSON body. Combining it with [`form`](Self::form) is an error.
    pub fn json(mut self, body: Value) -> Self {
        self.parts.set_body(Body::Json(body));
        self
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form<K: Into<String>, V: ToString>(
        mut self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.parts.set_form(fields);
        self
    }

    /// Uses this auth instead of the client's.
    pub fn auth(mut self, auth: impl Auth) -> Self {
        self.parts.auth = AuthChoice::Call(Arc::new(auth));
        self
    }

    /// Sends no credentials with this request.
    pub fn without_auth(mut self) -> Self {
        self.parts.auth = AuthChoice::Without;
        self
    }

    /// Sends the request and reads the response. The status is not checked.
    ///
    /// # Errors
    /// Transport failures (after retries), auth failures, an invalid URL or header.
    pub async fn send(self) -> Result<Response> {
        let (request, ctx) = self.client.prepare(self.parts)?;
        self.client.execute(&request, &ctx).await
    }
}
