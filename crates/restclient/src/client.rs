//! [`RestClient`], the handle, and [`RestClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use crate::auth::Auth;
use crate::config::RuntimeConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::exec::Executor;
use crate::paginators::Paginator;
use crate::redact::Redactor;
use crate::retry::{Outcome, RetryCondition, RetryPolicy};
use crate::selector::Selector;

/// A client for one REST API: a base URL, default headers, auth, paginator and data selector.
///
/// Cheap to clone (the state is shared); one connection pool serves every request, and one
/// pacing state every origin (see [Pacing and rate limits](crate::Paginate#pacing-and-rate-limits)).
///
#[doc = include_str!("docs/client.md")]
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
    pub(crate) exec: Executor,
    pub(crate) redactor: Redactor,
    pub(crate) retry: Arc<RetryPolicy>,
    pub(crate) timeout: Duration,
    pub(crate) max_concurrency: usize,
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
    runtime: Option<RuntimeConfig>,
    retry: Option<RetryPolicy>,
    retry_conditions: Vec<RetryCondition>,
    timeout: Option<Duration>,
    requests_per_second: Option<f64>,
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
        crate::request::merge_headers(&mut self.headers, headers);
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

    /// The default paginator: a template, copied fresh for every `paginate` call. A boxed
    /// paginator chosen at run time (`Box<dyn Paginator>`) is accepted too.
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

    /// The runtime settings (dlt's `[runtime]` section): timeout, retries, error bodies and
    /// limits. Without this call the defaults apply: nothing is read from files or the
    /// environment unless asked, e.g. with [`RuntimeConfig::from_env`]. An explicit
    /// [`retry`](Self::retry) or [`timeout`](Self::timeout) wins over the config.
    ///
    /// ```
    /// use std::time::Duration;
    /// use restclient::{RestClient, config::RuntimeConfig};
    /// let config = RuntimeConfig::loader()
    ///     .env([("RUNTIME__REQUEST_MAX_ATTEMPTS".to_string(), "3".to_string())])
    ///     .load()?;
    /// let client = RestClient::builder("https://api.example.com")
    ///     .runtime_config(config)
    ///     .timeout(Duration::from_secs(5)) // wins over request_timeout
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn runtime_config(mut self, config: RuntimeConfig) -> Self {
        self.runtime = Some(config);
        self
    }

    /// The retry policy; wins over the config's `request_max_attempts`,
    /// `request_backoff_factor` and `request_max_retry_delay`.
    ///
    /// ```
    /// use restclient::{RestClient, retry::RetryPolicy};
    /// let client = RestClient::builder("https://api.example.com")
    ///     .retry(RetryPolicy::default().max_attempts(3).backoff_factor(0.5))
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
    /// [timeout error](Error::is_timeout), which is retried.
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

    /// At most `n` requests start per second, to every origin this client talks to, spaced
    /// evenly (no burst); wins over the config's `requests_per_second`. 0 means unlimited (the
    /// default); fractions are fine (`0.5`: one request every two seconds). Every request of
    /// the client and its clones shares the pace: concurrent pages, retries, several walks.
    /// See [the guide to long walks](crate::Paginate#pacing-and-rate-limits) for the
    /// rate-limit headers that are obeyed without any setting.
    ///
    /// ```
    /// let client = restclient::RestClient::builder("https://api.example.com")
    ///     .requests_per_second(10.0)
    ///     .build()?;
    /// # Ok::<(), restclient::Error>(())
    /// ```
    pub fn requests_per_second(mut self, n: f64) -> Self {
        self.requests_per_second = Some(n);
        self
    }

    /// Checks every setting and builds the client.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming the bad value: the base URL, a header, the
    /// data selector, a paginator parameter, or the timeout.
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
            let invalid = |shown: String, reason: &dyn std::fmt::Display| {
                Error::new(
                    ErrorKind::Builder,
                    format!("invalid base URL `{shown}`: {reason}"),
                )
            };
            let url = Url::parse(&self.base_url)
                .map_err(|e| invalid(redactor.url_str(&self.base_url), &e))?;
            if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
                return Err(invalid(
                    redactor.url(&url),
                    &"expected an absolute http:// or https:// URL",
                ));
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
        let config = self.runtime.unwrap_or_default();
        config.validate()?;
        let retry = self
            .retry
            .unwrap_or_else(|| config.retry_policy())
            .with_conditions_from(self.retry_conditions);
        let timeout = self.timeout.unwrap_or(config.request_timeout);
        if timeout.is_zero() {
            return Err(Error::invalid(
                "RestClient",
                "request_timeout",
                "must be greater than 0",
            ));
        }
        let requests_per_second = self
            .requests_per_second
            .unwrap_or(config.requests_per_second);
        if !(requests_per_second.is_finite() && requests_per_second >= 0.0) {
            return Err(Error::invalid(
                "RestClient",
                "requests_per_second",
                format_args!("must be a finite number >= 0, found {requests_per_second}"),
            ));
        }
        let pacer = Arc::new(crate::ratelimit::Pacer::new(
            requests_per_second,
            config.rate_limit_max_wait,
        ));
        let http = match self.http {
            Some(h) => h.into(),
            None => crate::exec::default_http_client()?,
        };
        let error_body = config
            .http_show_error_body
            .then_some(config.http_max_error_body_length);
        Ok(RestClient {
            inner: Arc::new(Inner {
                base_url: self.base_url,
                origin,
                headers: self.headers,
                auth: self.auth,
                paginator: self.paginator,
                data_selector,
                exec: Executor::new(http, config.max_response_bytes, error_body).with_pacer(pacer),
                redactor,
                retry: Arc::new(retry),
                timeout,
                max_concurrency: config.max_concurrency,
            }),
        })
    }
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
            runtime: None,
            retry: None,
            retry_conditions: Vec::new(),
            timeout: None,
            requests_per_second: None,
            error: None,
        }
    }

    /// The base URL.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}
