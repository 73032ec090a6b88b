//! [`OAuth2ClientCredentials`]: the OAuth2 client credentials grant, with a shared, refreshed
//! token.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::prelude::{BASE64_STANDARD, Engine as _};
use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use super::{Auth, Secret};
use crate::error::{Error, ErrorKind, Result};
use crate::exec::{CallContext, Executor};
use crate::redact::Redactor;
use crate::request::{Body, Request};
use crate::retry::RetryPolicy;

/// The longest refresh-ahead margin: a token is renewed at most this long before it expires.
const MAX_REFRESH_SKEW: Duration = Duration::from_secs(60);
/// The timeout of a token request unless [`OAuth2ClientCredentialsBuilder::timeout`] says
/// otherwise (dlt's `request_timeout`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of an error body from the token endpoint goes into the error message.
const MAX_ERROR_DETAIL: usize = 200;
/// The longest token lifetime believed (ten years): a server's `expires_in` of 2^64 seconds
/// must not overflow the clock.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// The largest token response read; a token endpoint has no business sending more.
const MAX_TOKEN_RESPONSE_BYTES: u64 = 1 << 20;

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` as form fields of the token request (dlt's behaviour,
    /// the default).
    #[default]
    ClientSecretPost,
    /// `Authorization: Basic base64(client_id:client_secret)`; the form then holds only the
    /// grant (and [`access_token_request_data`](OAuth2ClientCredentialsBuilder::access_token_request_data)).
    ClientSecretBasic,
}

type TokenRequestHook = dyn Fn(&mut TokenRequest) + Send + Sync;

/// OAuth2 client credentials (dlt's `OAuth2ClientCredentials`): sends
/// `Authorization: Bearer <access token>`, fetching the token from `access_token_url`.
///
/// * The token is fetched when a request first needs it, and renewed shortly before it
///   expires: the **refresh skew** is 10 % of the token's lifetime, at most 60 s (a token
///   that lives an hour is renewed after 59 minutes, one that lives 30 s after 27 s). Change
///   it with [`refresh_skew`](OAuth2ClientCredentialsBuilder::refresh_skew).
/// * A 401 from the API renews the token once and retries that request once.
/// * Concurrent requests share one fetch: one request fetches while the others wait for its
///   token, or its error (so wrong credentials cost one token request, not one per waiting
///   request). Clones share the token too.
/// * The token request is a form POST: `grant_type=client_credentials`, with the client
///   credentials as form fields ([`ClientAuthMethod::ClientSecretPost`], the default) or a
///   Basic header ([`ClientAuthMethod::ClientSecretBasic`]), then
///   `access_token_request_data`, whose keys override those fields. A
///   [`token_request`](OAuth2ClientCredentialsBuilder::token_request) hook can change anything
///   (headers, form, grant type), like overriding dlt's `build_access_token_request()`.
/// * The response must hold `access_token` (else an [auth error](Error::is_auth); never
///   `Bearer None`); an `expires_in` beyond ten years is read as ten years;
///   `expires_in` may be a number or a numeric string, and defaults to
///   `default_token_expiration` (3600 s).
/// * A non-2xx answer is an [auth error](Error::is_auth) naming the status and the (redacted) token URL;
///   429, 5xx and connection failures are retried first, by the
///   [`retry`](OAuth2ClientCredentialsBuilder::retry) policy (dlt's: 5 attempts).
/// * The token request uses its own `reqwest::Client`, built without redirects (so the
///   client secret goes to the token endpoint only) and with a 60 s timeout; replace it with
///   [`http_client`](OAuth2ClientCredentialsBuilder::http_client).
///
/// ```no_run
/// use restclient::{RestClient, auth::{ClientAuthMethod, OAuth2ClientCredentials}};
/// # async fn run() -> restclient::Result<()> {
/// let auth = OAuth2ClientCredentials::builder(
///         "https://auth.example.com/oauth/token", "my-client-id", "my-client-secret")
///     .client_auth_method(ClientAuthMethod::ClientSecretBasic)
///     .access_token_request_data([("scope", "read")])
///     .build()?;
/// let client = RestClient::builder("https://api.example.com").auth(auth).build()?;
/// let me = client.get("/me").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuth2ClientCredentials {
    shared: Arc<Shared>,
}

struct Shared {
    access_token_url: Url,
    client_id: String,
    client_secret: Secret,
    request_data: Vec<(String, String)>,
    default_expiration: Duration,
    method: ClientAuthMethod,
    hook: Option<Box<TokenRequestHook>>,
    exec: Executor,
    timeout: Duration,
    refresh_skew: Option<Duration>,
    retry: Arc<RetryPolicy>,
    /// Masks the client secret (and the token URL's sensitive parameters) in errors and logs.
    redactor: Redactor,
    /// The current token; read synchronously by `apply`.
    current: Mutex<Current>,
    /// Held while a token is fetched, so that concurrent requests share one fetch.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Current {
    token: Option<Token>,
    /// Incremented on every fetch, successful or not.
    attempts: u64,
    /// Why the last fetch failed, so that the requests that waited for it share its error
    /// instead of asking the token endpoint again each.
    last_error: Option<String>,
}

struct Token {
    value: Secret,
    /// When the server stops accepting it.
    expires_at: Instant,
    /// When we renew it (`expires_at` minus the refresh skew).
    refresh_at: Instant,
}

impl std::fmt::Debug for OAuth2ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.shared;
        f.debug_struct("OAuth2ClientCredentials")
            .field("access_token_url", &s.redactor.url(&s.access_token_url))
            .field("client_id", &s.client_id)
            .field("client_secret", &s.client_secret)
            .field("client_auth_method", &s.method)
            .field("has_token", &self.lock().token.is_some())
            .finish_non_exhaustive()
    }
}

impl OAuth2ClientCredentials {
    /// The client credentials grant against `access_token_url` with the defaults above.
    ///
    /// # Errors
    /// As [`OAuth2ClientCredentialsBuilder::build`].
    pub fn new(
        access_token_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Result<Self> {
        Self::builder(access_token_url, client_id, client_secret).build()
    }

    /// A builder for the options described on [`OAuth2ClientCredentials`].
    pub fn builder(
        access_token_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> OAuth2ClientCredentialsBuilder {
        OAuth2ClientCredentialsBuilder {
            access_token_url: access_token_url.to_owned(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            request_data: Vec::new(),
            default_expiration: Duration::from_secs(3600),
            method: ClientAuthMethod::default(),
            hook: None,
            http: None,
            timeout: DEFAULT_TIMEOUT,
            refresh_skew: None,
            retry: RetryPolicy::default(),
        }
    }

    /// The client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        self.shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Fetches a token and makes it the current one.
    async fn refresh(&self) -> Result<()> {
        let started = Instant::now();
        let fetched = self.fetch().await;
        let mut current = self.lock();
        current.attempts += 1;
        let (value, lifetime) = match fetched {
            Ok(fetched) => fetched,
            Err(e) => {
                current.last_error = Some(e.to_string());
                return Err(e);
            }
        };
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let skew = self
            .shared
            .refresh_skew
            .unwrap_or_else(|| default_refresh_skew(lifetime));
        // Clamped above, and checked anyway: no server value may panic the clock.
        let expires_at = started.checked_add(lifetime).unwrap_or(started);
        let token = Token {
            value,
            expires_at,
            refresh_at: expires_at.checked_sub(skew).unwrap_or(started).max(started),
        };
        current.token = Some(token);
        current.last_error = None;
        Ok(())
    }

    /// The token request as the options describe it, before the hook.
    fn token_request(&self) -> TokenRequest {
        let s = &self.shared;
        let mut request = TokenRequest {
            url: s.access_token_url.clone(),
            headers: HeaderMap::new(),
            form: Vec::new(),
            client_id: s.client_id.clone(),
            client_secret: s.client_secret.clone(),
            error: None,
        };
        request
            .headers
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        match s.method {
            ClientAuthMethod::ClientSecretPost => {
                request.set_form("client_id", s.client_id.clone());
                request.set_form("client_secret", s.client_secret.expose());
            }
            ClientAuthMethod::ClientSecretBasic => request.client_secret_basic(),
        }
        request.set_form("grant_type", "client_credentials");
        for (k, v) in &s.request_data {
            request.set_form(k.clone(), v.clone());
        }
        request
    }

    /// One token fetch, through the same executor as every request (so the same retries:
    /// 429, 5xx, connection failures and timeouts): the token and its lifetime.
    async fn fetch(&self) -> Result<(Secret, Duration)> {
        let s = &self.shared;
        let mut request = self.token_request();
        if let Some(hook) = &s.hook {
            hook(&mut request);
        }
        if let Some(e) = request.error.take() {
            return Err(e);
        }
        let redactor = s.redactor.with_secrets(request.secrets());
        let url = redactor.url(&request.url);
        let mut wire = Request::new(Method::POST, request.url.clone());
        let mut headers = request.headers.clone();
        for (_, v) in headers.iter_mut() {
            // Never follows a redirect to another origin, whatever the hook added.
            if v.to_str().map_or(true, |t| redactor.text(t) != t) {
                v.set_sensitive(true);
            }
        }
        *wire.headers_mut() = headers;
        wire.set_body(Some(Body::Form(request.form.clone())));
        let ctx = CallContext {
            auth: None,
            redactor: redactor.clone(),
            origin: request.url.origin(),
            retry: Arc::clone(&s.retry),
            timeout: s.timeout,
        };
        tracing::debug!(url = %url, "fetching an OAuth2 access token from {url}");
        let response = s.exec.execute(&wire, &ctx).await.map_err(|e| {
            Error::auth(format_args!(
                "could not reach the token endpoint {url}: {e}"
            ))
            .with_source(e)
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::auth(format_args!(
                "the token endpoint {url} answered {}{}",
                status_text(status),
                error_detail(response.bytes(), &redactor)
            ))
            .with_status(status));
        }
        let (token, lifetime) = parse_token_response(response.bytes(), s.default_expiration)
            .map_err(|m| Error::auth(format_args!("the token response from {url} {m}")))?;
        tracing::debug!(url = %url, expires_in = lifetime.as_secs(), "obtained an OAuth2 access token from {url}, valid for {} s", lifetime.as_secs());
        Ok((token, lifetime))
    }
}

impl Auth for OAuth2ClientCredentials {
    fn prepare(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let seen = {
                let current = self.lock();
                match &current.token {
                    Some(t) if Instant::now() < t.refresh_at => return Ok(()),
                    _ => current.attempts,
                }
            };
            let _fetching = self.shared.fetching.lock().await;
            {
                // Another request may have fetched while we waited. Use its token while it has
                // not expired, even inside the skew (a skew longer than the lifetime would
                // otherwise make every waiting request fetch again), and share its error.
                let current = self.lock();
                let fetched_meanwhile = current.attempts != seen;
                if let Some(t) = &current.token
                    && (fetched_meanwhile || Instant::now() < t.refresh_at)
                    && Instant::now() < t.expires_at
                {
                    return Ok(());
                }
                if fetched_meanwhile && let Some(message) = &current.last_error {
                    // The fetch this request waited for failed: share its error.
                    return Err(Error::new(ErrorKind::Auth, message.clone()));
                }
            }
            self.refresh().await
        })
    }

    fn apply(&self, request: &mut Request) -> Result<()> {
        let header = match &self.lock().token {
            Some(t) => format!("Bearer {}", t.value.expose()),
            None => {
                return Err(Error::auth(
                    "no OAuth2 access token: prepare() must succeed before apply()",
                ));
            }
        };
        request.set_header("Authorization", &header)?;
        if let Some(v) = request.headers_mut().get_mut(AUTHORIZATION) {
            v.set_sensitive(true);
        }
        Ok(())
    }

    fn on_unauthorized<'a>(&'a self, rejected: &'a Request) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let sent = rejected
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let mut current = self.lock();
            let refused_is_current = match (&current.token, sent) {
                (Some(t), Some(sent)) => t.value.expose() == sent,
                (Some(_), None) => true,
                // Another refused request already dropped it.
                (None, _) => false,
            };
            if refused_is_current {
                // Dropped, not fetched here: the retry's `prepare` fetches a new one, and
                // concurrent requests refused for the same token share that fetch.
                current.token = None;
                tracing::info!(
                    url = %self.shared.redactor.url(&self.shared.access_token_url),
                    "the API refused the OAuth2 access token (401); fetching a new one"
                );
            }
            Ok(true)
        })
    }

    fn secrets(&self) -> Vec<String> {
        let s = &self.shared;
        let mut out = vec![
            s.client_secret.expose().to_owned(),
            basic_credentials(&s.client_id, &s.client_secret),
        ];
        if let Some(t) = &self.lock().token {
            out.push(t.value.expose().to_owned());
        }
        out
    }
}

/// The refresh skew when none is configured: 10 % of the lifetime, at most 60 s.
fn default_refresh_skew(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_REFRESH_SKEW)
}

/// `base64(user:password)`.
fn basic_credentials(user: &str, password: &Secret) -> String {
    BASE64_STANDARD.encode(format!("{user}:{}", password.expose()))
}

/// `401 Unauthorized`.
fn status_text(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned()
}

/// The OAuth2 `error` / `error_description` of an error body, redacted and cut short.
fn error_detail(body: &[u8], redactor: &Redactor) -> String {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for key in ["error", "error_description"] {
        if let Some(Value::String(v)) = map.get(key) {
            parts.push(format!("{key}: {v}"));
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    let mut text = redactor.text(&parts.join(", "));
    if text.len() > MAX_ERROR_DETAIL {
        let mut cut = MAX_ERROR_DETAIL;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    format!(" ({text})")
}

/// The token and its lifetime from a token response body; the error completes
/// "the token response from <url> ...".
fn parse_token_response(
    body: &[u8],
    default_expiration: Duration,
) -> std::result::Result<(Secret, Duration), String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err("is not a JSON object".into());
    };
    let token = match map.get("access_token") {
        Some(Value::String(t)) if !t.trim().is_empty() => Secret::new(t.trim()),
        Some(Value::String(_)) => return Err("has an empty `access_token`".into()),
        None | Some(Value::Null) => return Err("has no `access_token`".into()),
        Some(_) => return Err("has an `access_token` that is not a string".into()),
    };
    let invalid = |v: &Value| format!("has an invalid `expires_in` ({v}): expected seconds");
    // Seconds as a float: beyond any Duration (1e300) is clamped like an enormous integer;
    // negative, NaN or infinite values are not a lifetime.
    let float_seconds = |f: f64| {
        (f.is_finite() && f >= 0.0)
            .then(|| Duration::try_from_secs_f64(f).unwrap_or(MAX_TOKEN_LIFETIME))
    };
    let lifetime = match map.get("expires_in") {
        None | Some(Value::Null) => default_expiration,
        Some(v @ Value::Number(n)) => n
            .as_u64()
            .map(Duration::from_secs)
            .or_else(|| n.as_f64().and_then(float_seconds))
            .ok_or_else(|| invalid(v))?,
        Some(v @ Value::String(s)) => {
            let s = s.trim();
            s.parse::<u64>()
                .map(Duration::from_secs)
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(float_seconds))
                .ok_or_else(|| invalid(v))?
        }
        Some(v) => return Err(invalid(v)),
    };
    Ok((token, lifetime.min(MAX_TOKEN_LIFETIME)))
}

/// For the fuzz target: a token endpoint's body through everything a fetch does with it (the
/// parser, the error detail, the lifetime clamp and the clock arithmetic of `refresh`); none
/// may panic, whatever the server sends.
#[cfg(fuzzing)]
pub(crate) fn fuzz_token_response(body: &[u8]) {
    let _ = error_detail(body, &Redactor::default());
    if let Ok((_, lifetime)) = parse_token_response(body, Duration::from_secs(3600)) {
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let skew = default_refresh_skew(lifetime);
        let now = Instant::now();
        let expires_at = now.checked_add(lifetime).unwrap_or(now);
        let _ = expires_at.checked_sub(skew).unwrap_or(now).max(now);
    }
}

/// Builds an [`OAuth2ClientCredentials`]; see there for what each option does.
#[must_use]
pub struct OAuth2ClientCredentialsBuilder {
    access_token_url: String,
    client_id: String,
    client_secret: Secret,
    request_data: Vec<(String, String)>,
    default_expiration: Duration,
    method: ClientAuthMethod,
    hook: Option<Box<TokenRequestHook>>,
    http: Option<reqwest::Client>,
    timeout: Duration,
    refresh_skew: Option<Duration>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for OAuth2ClientCredentialsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2ClientCredentialsBuilder")
            .field(
                "access_token_url",
                &Redactor::default()
                    .with_secrets([self.client_secret.expose()])
                    .url_str(&self.access_token_url),
            )
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

impl OAuth2ClientCredentialsBuilder {
    /// Extra form fields of the token request (dlt's `access_token_request_data`), e.g.
    /// `scope` or `audience`; they override the default fields of the same name
    /// (`grant_type`, `client_id`, `client_secret`).
    pub fn access_token_request_data<K: Into<String>, V: ToString>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.request_data
            .extend(data.into_iter().map(|(k, v)| (k.into(), v.to_string())));
        self
    }

    /// The token lifetime assumed when the response has no `expires_in` (default 3600 s,
    /// dlt's `default_token_expiration`).
    pub fn default_token_expiration(mut self, lifetime: Duration) -> Self {
        self.default_expiration = lifetime;
        self
    }

    /// How the client authenticates to the token endpoint (default
    /// [`ClientAuthMethod::ClientSecretPost`]).
    pub fn client_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.method = method;
        self
    }

    /// Customises every token request after the defaults and `access_token_request_data` are
    /// in place: the Rust form of overriding dlt's `build_access_token_request()`.
    ///
    /// A Zoom-style grant (Basic header, `grant_type=account_credentials`):
    ///
    /// ```
    /// use restclient::auth::OAuth2ClientCredentials;
    /// # fn main() -> restclient::Result<()> {
    /// let auth = OAuth2ClientCredentials::builder("https://zoom.us/oauth/token", "id", "secret")
    ///     .token_request(|req| {
    ///         req.clear_form();
    ///         req.client_secret_basic();
    ///         req.set_form("grant_type", "account_credentials");
    ///         req.set_form("account_id", "my-account");
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn token_request(
        mut self,
        hook: impl Fn(&mut TokenRequest) + Send + Sync + 'static,
    ) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// The HTTP client of the token requests. It should not follow redirects
    /// (`reqwest::redirect::Policy::none()`), so that the client credentials go to the token
    /// endpoint only; the default client is built that way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The timeout of each token request (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long before its expiry a token is renewed (default: 10 % of its lifetime, at most
    /// 60 s). A skew as long as the lifetime renews the token for every request.
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = Some(skew);
        self
    }

    /// Which failed token requests are retried, and how long to wait (default
    /// [`RetryPolicy::default`]: 429, 5xx and connection failures, 5 attempts). Other statuses
    /// are never retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the settings and builds the auth. No request is sent until one is signed.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) when `access_token_url` is not an absolute http(s)
    /// URL, or when the default HTTP
    /// client cannot be built.
    pub fn build(self) -> Result<OAuth2ClientCredentials> {
        let redactor = Redactor::default().with_secrets([
            self.client_secret.expose().to_owned(),
            basic_credentials(&self.client_id, &self.client_secret),
        ]);
        let invalid_url = |reason: String| {
            Error::invalid(
                "OAuth2ClientCredentials",
                "access_token_url",
                format!("`{}`: {reason}", redactor.url_str(&self.access_token_url)),
            )
        };
        let url = Url::parse(&self.access_token_url).map_err(|e| invalid_url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(invalid_url(
                "expected an absolute http:// or https:// URL".into(),
            ));
        }
        let http = match self.http {
            Some(h) => h.into(),
            None => crate::exec::default_http_client()?,
        };
        Ok(OAuth2ClientCredentials {
            shared: Arc::new(Shared {
                access_token_url: url,
                client_id: self.client_id,
                client_secret: self.client_secret,
                request_data: self.request_data,
                default_expiration: self.default_expiration,
                method: self.method,
                hook: self.hook,
                exec: Executor::new(http, MAX_TOKEN_RESPONSE_BYTES, None),
                timeout: self.timeout,
                refresh_skew: self.refresh_skew,
                retry: Arc::new(self.retry),
                redactor,
                current: Mutex::new(Current::default()),
                fetching: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

/// A token request being built, handed to the
/// [`token_request`](OAuth2ClientCredentialsBuilder::token_request) hook: the form fields and
/// headers of the POST to the token endpoint.
///
/// Setters do not fail: an invalid header is reported as the error of the token fetch.
pub struct TokenRequest {
    url: Url,
    headers: HeaderMap,
    form: Vec<(String, String)>,
    client_id: String,
    client_secret: Secret,
    error: Option<Error>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redactor = Redactor::default().with_secrets(self.secrets());
        let form: Vec<(&str, String)> = self
            .form
            .iter()
            .map(|(k, v)| {
                let shown = if crate::redact::is_sensitive_name(k) {
                    "***".to_owned()
                } else {
                    redactor.text(v)
                };
                (k.as_str(), shown)
            })
            .collect();
        let headers: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("TokenRequest")
            .field("url", &redactor.url(&self.url))
            .field("headers", &headers)
            .field("form", &form)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenRequest {
    /// The token endpoint.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    #[must_use]
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The form fields, in order.
    #[must_use]
    pub fn form(&self) -> &[(String, String)] {
        &self.form
    }

    /// The value of form field `name`.
    #[must_use]
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets form field `name`, replacing its value in place or appending it.
    pub fn set_form(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.form.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.form.push((name, value)),
        }
    }

    /// Removes form field `name`.
    pub fn remove_form(&mut self, name: &str) {
        self.form.retain(|(k, _)| k != name);
    }

    /// Removes every form field.
    pub fn clear_form(&mut self) {
        self.form.clear();
    }

    /// The headers (the form's `Content-Type` is added when it is sent).
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Sets a header, replacing any value it had.
    pub fn set_header(&mut self, name: &str, value: &str) {
        match crate::request::parse_header(name, value) {
            Ok((n, mut v)) => {
                if n == AUTHORIZATION {
                    v.set_sensitive(true);
                }
                self.headers.insert(n, v);
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Removes a header.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    /// Sets `Authorization: Basic base64(username:password)`.
    pub fn basic_auth(&mut self, username: &str, password: &Secret) {
        let value = format!("Basic {}", basic_credentials(username, password));
        self.set_header("Authorization", &value);
    }

    /// Authenticates with the client id and secret in a Basic header
    /// ([`ClientAuthMethod::ClientSecretBasic`]); removes the `client_id` and `client_secret`
    /// form fields.
    pub fn client_secret_basic(&mut self) {
        let (id, secret) = (self.client_id.clone(), self.client_secret.clone());
        self.basic_auth(&id, &secret);
        self.remove_form("client_id");
        self.remove_form("client_secret");
    }

    /// Values to mask in anything written about this request.
    fn secrets(&self) -> Vec<String> {
        let mut out = vec![
            self.client_secret.expose().to_owned(),
            basic_credentials(&self.client_id, &self.client_secret),
        ];
        out.extend(Redactor::header_secrets(&self.headers));
        out.extend(
            self.form
                .iter()
                .filter(|(k, _)| crate::redact::is_sensitive_name(k))
                .map(|(_, v)| v.clone()),
        );
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> std::result::Result<(String, u64), String> {
        parse_token_response(body.to_string().as_bytes(), Duration::from_secs(3600))
            .map(|(t, d)| (t.expose().to_owned(), d.as_secs()))
    }

    #[test]
    fn token_responses() {
        assert_eq!(
            parse(json!({"access_token": "t", "expires_in": 30})),
            Ok(("t".into(), 30))
        );
        assert_eq!(
            parse(json!({"access_token": "t", "expires_in": "30"})),
            Ok(("t".into(), 30))
        );
        assert_eq!(
            parse(json!({"access_token": "t", "expires_in": 2.5})),
            Ok(("t".into(), 2))
        );
        assert_eq!(parse(json!({"access_token": "t"})), Ok(("t".into(), 3600)));
        assert_eq!(
            parse(json!({"access_token": "t", "expires_in": null})),
            Ok(("t".into(), 3600))
        );
        assert_eq!(
            parse(json!({"access_token": "t", "expires_in": 0})),
            Ok(("t".into(), 0))
        );
        for bad in [
            json!({"expires_in": 30}),
            json!({"access_token": null}),
            json!({"access_token": ""}),
            json!({"access_token": 5}),
            json!({"access_token": "t", "expires_in": "soon"}),
            json!({"access_token": "t", "expires_in": -1}),
            json!({"access_token": "t", "expires_in": [1]}),
            json!(["t"]),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
        assert!(parse_token_response(b"not json", Duration::ZERO).is_err());
    }

    #[test]
    fn refresh_skew_is_a_tenth_of_the_lifetime_up_to_a_minute() {
        assert_eq!(
            default_refresh_skew(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            default_refresh_skew(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            default_refresh_skew(Duration::from_secs(30)),
            Duration::from_secs(3)
        );
        assert_eq!(default_refresh_skew(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn default_token_requests() {
        let auth = OAuth2ClientCredentials::builder("https://h/token", "id", "s3cret")
            .access_token_request_data([("scope", "read"), ("grant_type", "other")])
            .build()
            .unwrap();
        let req = auth.token_request();
        assert_eq!(
            req.form(),
            [
                ("client_id".to_owned(), "id".to_owned()),
                ("client_secret".to_owned(), "s3cret".to_owned()),
                ("grant_type".to_owned(), "other".to_owned()),
                ("scope".to_owned(), "read".to_owned()),
            ]
        );
        assert!(req.headers().get(AUTHORIZATION).is_none());
        let shown = format!("{req:?}");
        assert!(!shown.contains("s3cret"), "{shown}");

        let auth = OAuth2ClientCredentials::builder("https://h/token", "user", "password")
            .client_auth_method(ClientAuthMethod::ClientSecretBasic)
            .build()
            .unwrap();
        let req = auth.token_request();
        assert_eq!(
            req.form(),
            [("grant_type".to_owned(), "client_credentials".to_owned())]
        );
        assert_eq!(req.headers()[AUTHORIZATION], "Basic dXNlcjpwYXNzd29yZA==");
    }

    #[test]
    fn hook_errors_and_bad_urls_are_typed() {
        let e = OAuth2ClientCredentials::new("not a url?client_secret=s3cret", "id", "s3cret")
            .unwrap_err();
        assert!(e.is_builder(), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
        let auth = OAuth2ClientCredentials::builder("https://h/token", "id", "s3cret")
            .token_request(|r| r.set_header("bad header", "x"))
            .build()
            .unwrap();
        let mut req = auth.token_request();
        if let Some(hook) = &auth.shared.hook {
            hook(&mut req);
        }
        assert!(req.error.as_ref().is_some_and(Error::is_builder));
    }

    #[test]
    fn apply_without_a_token_is_an_auth_error() {
        let auth = OAuth2ClientCredentials::new("https://h/token", "id", "s3cret").unwrap();
        let mut req = Request::new(reqwest::Method::GET, "https://h/".parse().unwrap());
        assert!(auth.apply(&mut req).is_err_and(|e| e.is_auth()));
        assert!(req.headers().get(AUTHORIZATION).is_none());
        let shown = format!("{auth:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn a_401_drops_only_the_token_that_was_refused() {
        let auth = OAuth2ClientCredentials::new("https://h/token", "id", "s3cret").unwrap();
        let set_current = |value: &str| {
            auth.lock().token = Some(Token {
                value: Secret::new(value),
                expires_at: Instant::now() + Duration::from_secs(60),
                refresh_at: Instant::now() + Duration::from_secs(50),
            });
        };
        let refused = |value: &str| {
            let mut r = Request::new(reqwest::Method::GET, "https://h/".parse().unwrap());
            r.set_header("Authorization", &format!("Bearer {value}"))
                .unwrap();
            r
        };
        let current = || {
            auth.lock()
                .token
                .as_ref()
                .map(|t| t.value.expose().to_owned())
        };

        // A late 401 for an older token keeps the newer one (and still asks for a retry).
        set_current("new-token");
        let retry = futures::executor::block_on(auth.on_unauthorized(&refused("old-token")));
        assert!(retry.unwrap());
        assert_eq!(current().as_deref(), Some("new-token"));
        assert!(auth.secrets().contains(&"new-token".to_owned()));

        // A 401 for the current token drops it, so that the retry fetches a new one.
        let retry = futures::executor::block_on(auth.on_unauthorized(&refused("new-token")));
        assert!(retry.unwrap());
        assert_eq!(current(), None);
    }

    #[test]
    fn enormous_lifetimes_do_not_overflow_the_clock() {
        let body = br#"{"access_token":"t","expires_in":18446744073709551615}"#;
        let (_, lifetime) = parse_token_response(body, Duration::from_secs(1)).unwrap();
        assert!(
            Instant::now()
                .checked_add(lifetime.min(MAX_TOKEN_LIFETIME))
                .is_some()
        );
    }

    #[test]
    fn error_details_are_redacted_and_short() {
        let r = Redactor::default().with_secrets(["s3cret"]);
        let body = json!({"error": "invalid_client", "error_description": "bad s3cret"});
        assert_eq!(
            error_detail(body.to_string().as_bytes(), &r),
            " (error: invalid_client, error_description: bad ***)"
        );
        let long = json!({"error": "x".repeat(500)});
        assert!(error_detail(long.to_string().as_bytes(), &r).len() < 220);
        assert_eq!(error_detail(b"<html>", &r), "");
    }
}
