//! Per-call builders: [`RequestBuilder`] for one request, and the parts it shares with
//! [`Paginate`](crate::Paginate) (params, headers, body, auth, timeout, retry).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use url::Url;

use crate::auth::Auth;
use crate::client::RestClient;
use crate::error::{Error, ErrorKind, Result};
use crate::exec::CallContext;
use crate::redact::{Redactor, Shown};
use crate::request::{Body, Request};
use crate::response::Response;
use crate::retry::RetryPolicy;

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

/// The per-call parts shared by [`RequestBuilder`] and [`Paginate`](crate::Paginate). A
/// setter that gets an invalid value records the first error; the call fails with it before
/// any request is sent.
pub(crate) struct CallParts {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) auth: AuthChoice,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
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
                    AuthChoice::Client => Shown("client's".into()),
                    AuthChoice::Without => Shown("none".into()),
                    AuthChoice::Call(a) => Shown(
                        Redactor::default()
                            .with_secrets(a.secrets())
                            .text(&format!("{a:?}")),
                    ),
                },
            )
            .field("timeout", &self.timeout)
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
            timeout: None,
            retry: None,
            error: None,
        }
    }

    pub(crate) fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    pub(crate) fn header(&mut self, name: &str, value: &str) {
        match crate::request::parse_header(name, value) {
            Ok((n, v)) => {
                self.headers.insert(n, v);
            }
            Err(e) => self.fail(e),
        }
    }

    pub(crate) fn headers(&mut self, headers: HeaderMap) {
        crate::request::merge_headers(&mut self.headers, headers);
    }

    pub(crate) fn add_params<K: Into<String>, V: ToString>(
        &mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) {
        self.params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.to_string())));
    }

    pub(crate) fn set_json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_value(body) {
            Ok(v) => self.set_body(Body::Json(v)),
            Err(e) => self.fail(
                Error::new(
                    ErrorKind::Builder,
                    "invalid `json` body: it does not serialize to JSON",
                )
                .with_source(e),
            ),
        }
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

    fn set_body(&mut self, body: Body) {
        if self
            .body
            .as_ref()
            .is_some_and(|b| std::mem::discriminant(b) != std::mem::discriminant(&body))
        {
            self.fail(Error::new(
                ErrorKind::Builder,
                "Cannot use both 'json' and 'data' parameters simultaneously. Use 'json' for JSON payloads or 'data' for form-encoded data.",
            ));
        }
        self.body = Some(body);
    }

    pub(crate) fn timeout(&mut self, timeout: Duration) {
        if timeout.is_zero() {
            self.fail(Error::invalid("call", "timeout", "must be greater than 0"));
        }
        self.timeout = Some(timeout);
    }

    /// Builds the first request of the call and the context it is sent with: the client's
    /// defaults overridden by the call's own settings.
    pub(crate) fn prepare(self, client: &RestClient) -> Result<(Request, CallContext)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let inner = &client.inner;
        let auth = match self.auth {
            AuthChoice::Client => inner.auth.clone(),
            AuthChoice::Call(a) => Some(a),
            AuthChoice::Without => None,
        };
        let mut secrets = Redactor::header_secrets(&self.headers);
        if let Some(a) = &auth {
            secrets.extend(a.secrets());
        }
        let redactor = inner.redactor.with_secrets(secrets);
        let url = crate::request::resolve(&inner.base_url, &self.path, &redactor)?;
        let origin = inner.origin.clone().unwrap_or_else(|| url.origin());
        let mut request = Request::new(self.method, url);
        let mut headers = inner.headers.clone();
        // A call's header replaces the client's of the same name; all its values are kept.
        for name in self.headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        *request.headers_mut() = headers;
        for (k, v) in self.params {
            request.append_param(k, v);
        }
        request.set_body(self.body);
        let retry = match self.retry {
            Some(policy) => Arc::new(policy.with_conditions(&inner.retry)),
            None => Arc::clone(&inner.retry),
        };
        Ok((
            request,
            CallContext {
                auth,
                redactor,
                origin,
                retry,
                timeout: self.timeout.unwrap_or(inner.timeout),
            },
        ))
    }
}

/// The setters a request and a walk share, each editing the call's [`CallParts`]: one
/// definition for [`RequestBuilder`] and [`Paginate`](crate::Paginate).
macro_rules! call_setters {
    ($call:literal) => {
        /// Adds a query parameter. In a walk it is sent with the first request and kept by
        /// cursor and range paginators; a next link replaces it.
        pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
            self.parts.add_params([(name.into(), value.to_string())]);
            self
        }

        /// Adds query parameters (see [`param`](Self::param)).
        pub fn params<K: Into<String>, V: ToString>(
            mut self,
            params: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            self.parts.add_params(params);
            self
        }

        #[doc = concat!("Adds a header for this ", $call, "; it replaces a client default of the same name. An invalid name or value fails the ", $call, " before anything is sent.")]
        pub fn header(mut self, name: &str, value: &str) -> Self {
            self.parts.header(name, value);
            self
        }

        #[doc = concat!("Adds headers for this ", $call, "; each name replaces a client default of that name. Values marked sensitive are masked and never leave the credentials' origin.")]
        pub fn headers(mut self, headers: reqwest::header::HeaderMap) -> Self {
            self.parts.headers(headers);
            self
        }

        /// A JSON body: anything that serializes (a `serde_json::Value`, a struct, a map).
        /// Body-path paginators edit it. Combining it with [`form`](Self::form) is an error.
        pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
            self.parts.set_json(body);
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
        pub fn auth(mut self, auth: impl $crate::auth::Auth) -> Self {
            self.parts.auth = $crate::call::AuthChoice::Call(std::sync::Arc::new(auth));
            self
        }

        /// Sends no credentials.
        pub fn without_auth(mut self) -> Self {
            self.parts.auth = $crate::call::AuthChoice::Without;
            self
        }

        #[doc = concat!("The timeout of each attempt of each request of this ", $call, ", body included (default: the client's). Zero is an error.")]
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.parts.timeout(timeout);
            self
        }

        #[doc = concat!("The retry policy of this ", $call, " instead of the client's; the client's [`retry_if`](crate::RestClientBuilder::retry_if) conditions still apply.")]
        pub fn retry(mut self, policy: $crate::retry::RetryPolicy) -> Self {
            self.parts.retry = Some(policy);
            self
        }
    };
}
pub(crate) use call_setters;

/// One request being described. Await it (or call [`send`](Self::send)) to send it.
///
/// ```no_run
/// # async fn run() -> restclient::Result<()> {
/// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
/// use std::time::Duration;
/// let r = client
///     .request(restclient::Method::POST, "/search")
///     .param("page", 1)
///     .form([("q", "rust")])
///     .header("X-Trace", "1")
///     .timeout(Duration::from_secs(5))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug)]
pub struct RequestBuilder {
    client: RestClient,
    parts: CallParts,
}

impl RequestBuilder {
    pub(crate) fn new(client: RestClient, method: Method, path: &str) -> Self {
        RequestBuilder {
            client,
            parts: CallParts::new(method, path),
        }
    }

    call_setters!("request");

    /// Sends the request and reads the response. The status is not checked: a 404 is a
    /// response, not an error. Awaiting the builder does the same.
    ///
    /// # Errors
    /// An invalid setting ([`Error::is_builder`]), a transport failure after the retries
    /// ([`Error::is_connect`], [`Error::is_timeout`]), a body over `max_response_bytes`
    /// ([`Error::is_body_too_large`]), or an auth that could not sign ([`Error::is_auth`]).
    pub async fn send(self) -> Result<Response> {
        let (request, ctx) = self.parts.prepare(&self.client)?;
        self.client.inner.exec.execute(&request, &ctx).await
    }
}

// The request constructors live with the builder they make, so that the handle's module does
// not depend on the per-call modules (the facade's imports point one way too).
impl RestClient {
    /// A `GET` request, sent when awaited. The status is not checked: a 404 is a response.
    ///
    /// ```no_run
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// let post = client.get("/posts/1").await?;
    /// let page = client.get("/posts").param("page", 2).await?;
    /// # Ok(()) }
    /// ```
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// A `POST` request with a JSON body: anything that serializes.
    ///
    /// ```no_run
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// #[derive(serde::Serialize)]
    /// struct Search<'a> { query: &'a str }
    /// let r = client.post("/search", &Search { query: "rust" }).await?;
    /// # Ok(()) }
    /// ```
    pub fn post<T: Serialize + ?Sized>(&self, path: &str, json: &T) -> RequestBuilder {
        self.request(Method::POST, path).json(json)
    }

    /// A request with any method, to be completed with params, body, headers, auth, timeout
    /// or retry policy; see [`RequestBuilder`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, path)
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
