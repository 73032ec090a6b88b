//! A blocking API: the same client, with iterators instead of streams.
//!
//! Each [`RestClient`] owns a small single-threaded runtime and drives the async client on it,
//! so no async code is needed. It must not be used from inside an async runtime (blocking
//! there would stall the runtime's thread): every call made there returns
//! [`Error::BlockingInAsync`] instead of panicking.
//!
//! ```no_run
//! use restclient::blocking::RestClient;
//! use restclient::paginators::HeaderLinkPaginator;
//!
//! let client = RestClient::builder("https://api.github.com")
//!     .paginator(HeaderLinkPaginator::new())
//!     .build()?;
//! for page in client.paginate("/repos/dlt-hub/dlt/issues").max_pages(2).pages() {
//!     let page = page?;
//!     println!("{} issues", page.len());
//! }
//! let n = client.paginate("/repos/dlt-hub/dlt/issues").max_pages(2).records().count();
//! # Ok::<(), restclient::Error>(())
//! ```

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::auth::Auth;
use crate::config::RuntimeConfig;
use crate::error::{Error, Result};
use crate::hooks::Hook;
use crate::paginators::{Paginator, StopReason};
use crate::response::Response;
use crate::retry::{Outcome, RetryPolicy};

/// The runtime a blocking client drives its requests on.
#[derive(Debug)]
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn new() -> Result<Arc<Runtime>> {
        ensure_not_async()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::InvalidRequest(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Arc::new(Runtime(Some(rt))))
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> Result<F::Output> {
        ensure_not_async()?;
        match &self.0 {
            Some(rt) => Ok(rt.block_on(f)),
            None => Err(Error::InvalidRequest(
                "the blocking client's runtime is gone".into(),
            )),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Dropping a runtime inside another one panics; shutting it down in the background
        // does not.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

fn ensure_not_async() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::BlockingInAsync);
    }
    Ok(())
}

/// The blocking counterpart of [`crate::RestClient`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RestClient {
    client: crate::RestClient,
    rt: Arc<Runtime>,
}

/// Builds a blocking [`RestClient`]; the settings are those of [`crate::RestClientBuilder`].
#[must_use]
#[derive(Debug)]
pub struct RestClientBuilder {
    inner: crate::RestClientBuilder,
}

macro_rules! forward {
    ($( $(#[$doc:meta])* fn $name:ident ( $($arg:ident : $ty:ty),* ); )*) => {
        $(
            $(#[$doc])*
            #[allow(clippy::needless_update)] // the builder has one field, the others two
            pub fn $name(self, $($arg: $ty),*) -> Self {
                Self { inner: self.inner.$name($($arg),*), ..self }
            }
        )*
    };
}

impl RestClientBuilder {
    forward! {
        /// See [`crate::RestClientBuilder::header`].
        fn header(name: &str, value: &str);
        /// See [`crate::RestClientBuilder::headers`].
        fn headers(headers: HeaderMap);
        /// See [`crate::RestClientBuilder::auth`].
        fn auth(auth: impl Auth);
        /// See [`crate::RestClientBuilder::paginator`].
        fn paginator(paginator: impl Paginator);
        /// See [`crate::RestClientBuilder::data_selector`].
        fn data_selector(selector: &str);
        /// See [`crate::RestClientBuilder::http_client`].
        fn http_client(client: reqwest::Client);
        /// See [`crate::RestClientBuilder::config`].
        fn config(config: RuntimeConfig);
        /// See [`crate::RestClientBuilder::retry`].
        fn retry(policy: RetryPolicy);
        /// See [`crate::RestClientBuilder::retry_if`].
        fn retry_if(f: impl Fn(&Outcome<'_>) -> bool + Send + Sync + 'static);
        /// See [`crate::RestClientBuilder::timeout`].
        fn timeout(timeout: Duration);
    }

    /// Checks the settings and builds the client with its own runtime.
    ///
    /// # Errors
    /// As [`crate::RestClientBuilder::build`], and [`Error::BlockingInAsync`] when called
    /// inside an async runtime.
    pub fn build(self) -> Result<RestClient> {
        let rt = Runtime::new()?;
        Ok(RestClient {
            client: self.inner.build()?,
            rt,
        })
    }
}

impl RestClient {
    /// Starts a builder for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> RestClientBuilder {
        RestClientBuilder {
            inner: crate::RestClient::builder(base_url),
        }
    }

    /// The async client this one drives.
    #[must_use]
    pub fn as_async(&self) -> &crate::RestClient {
        &self.client
    }

    /// A `GET` request; the status is not checked.
    ///
    /// # Errors
    /// As [`crate::RestClient::get`], and [`Error::BlockingInAsync`].
    pub fn get(&self, path: &str) -> Result<Response> {
        self.rt.block_on(self.client.get(path))?
    }

    /// A `POST` request with a JSON body.
    ///
    /// # Errors
    /// As [`crate::RestClient::post`], and [`Error::BlockingInAsync`].
    pub fn post(&self, path: &str, json: Value) -> Result<Response> {
        self.rt.block_on(self.client.post(path, json))?
    }

    /// A request with any method, completed with the builder's options.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder {
            inner: self.client.request(method, path),
            rt: Arc::clone(&self.rt),
        }
    }

    /// Walks every page of `path`; see [`crate::Paginate`].
    pub fn paginate(&self, path: &str) -> Paginate {
        Paginate {
            inner: self.client.paginate(path),
            rt: Arc::clone(&self.rt),
        }
    }
}

/// The blocking counterpart of [`crate::RequestBuilder`].
#[must_use]
#[derive(Debug)]
pub struct RequestBuilder {
    inner: crate::RequestBuilder,
    rt: Arc<Runtime>,
}

impl RequestBuilder {
    forward! {
        /// See [`crate::RequestBuilder::param`].
        fn param(name: &str, value: &str);
        /// See [`crate::RequestBuilder::header`].
        fn header(name: &str, value: &str);
        /// See [`crate::RequestBuilder::headers`].
        fn headers(headers: HeaderMap);
        /// See [`crate::RequestBuilder::json`].
        fn json(body: Value);
        /// See [`crate::RequestBuilder::auth`].
        fn auth(auth: impl Auth);
        /// See [`crate::RequestBuilder::without_auth`].
        fn without_auth();
    }

    /// Adds query parameters; see [`crate::RequestBuilder::params`].
    pub fn params(self, params: &[(&str, &str)]) -> Self {
        Self {
            inner: self.inner.params(params.iter().copied()),
            ..self
        }
    }

    /// A form body.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        Self {
            inner: self.inner.form(fields.iter().copied()),
            ..self
        }
    }

    /// Sends the request.
    ///
    /// # Errors
    /// As [`crate::RequestBuilder::send`], and [`Error::BlockingInAsync`].
    pub fn send(self) -> Result<Response> {
        self.rt.block_on(self.inner.send())?
    }
}

/// The blocking counterpart of [`crate::Paginate`]: [`pages`](Self::pages) and
/// [`records`](Self::records) are iterators.
#[must_use]
#[derive(Debug)]
pub struct Paginate {
    inner: crate::Paginate,
    rt: Arc<Runtime>,
}

impl Paginate {
    forward! {
        /// See [`crate::Paginate::method`].
        fn method(method: Method);
        /// See [`crate::Paginate::param`].
        fn param(name: &str, value: &str);
        /// See [`crate::Paginate::json`].
        fn json(body: Value);
        /// See [`crate::Paginate::header`].
        fn header(name: &str, value: &str);
        /// See [`crate::Paginate::headers`].
        fn headers(headers: HeaderMap);
        /// See [`crate::Paginate::auth`].
        fn auth(auth: impl Auth);
        /// See [`crate::Paginate::without_auth`].
        fn without_auth();
        /// See [`crate::Paginate::paginator`].
        fn paginator(paginator: impl Paginator);
        /// See [`crate::Paginate::boxed_paginator`].
        fn boxed_paginator(paginator: Box<dyn Paginator>);
        /// See [`crate::Paginate::data_selector`].
        fn data_selector(selector: &str);
        /// See [`crate::Paginate::hook`].
        fn hook(hook: impl Into<Hook>);
        /// See [`crate::Paginate::max_pages`].
        fn max_pages(n: usize);
        /// See [`crate::Paginate::max_records`].
        fn max_records(n: usize);
        /// See [`crate::Paginate::concurrency`].
        fn concurrency(n: usize);
    }

    /// Adds query parameters; see [`crate::Paginate::params`].
    pub fn params(self, params: &[(&str, &str)]) -> Self {
        Self {
            inner: self.inner.params(params.iter().copied()),
            ..self
        }
    }

    /// A form body.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        Self {
            inner: self.inner.form(fields.iter().copied()),
            ..self
        }
    }

    /// The pages, in order; the iterator ends after the last page or the first error.
    pub fn pages(self) -> PageIter {
        Iter {
            stream: self.inner.pages(),
            rt: self.rt,
            done: false,
        }
    }

    /// Every record of every page, in order.
    pub fn records(self) -> RecordIter {
        Iter {
            stream: self.inner.records(),
            rt: self.rt,
            done: false,
        }
    }
}

/// A stream of the async API driven to completion one item at a time on the blocking
/// client's runtime; it ends after the stream's last item or its first error.
#[derive(Debug)]
pub struct Iter<S> {
    stream: S,
    rt: Arc<Runtime>,
    done: bool,
}

/// An iterator over the pages of a walk.
pub type PageIter = Iter<crate::Pages>;

/// An iterator over the records of a walk.
pub type RecordIter = Iter<crate::Records>;

impl PageIter {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stream.stop_reason()
    }
}

impl RecordIter {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stream.stop_reason()
    }
}

impl<S, T> Iterator for Iter<S>
where
    S: futures::Stream<Item = Result<T>> + Unpin,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let item = match self.rt.block_on(self.stream.next()) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
