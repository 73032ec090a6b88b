#![doc = include_str!("docs/blocking.md")]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::auth::Auth;
use crate::config::RuntimeConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::HookAction;
use crate::paginators::Paginator;
use crate::response::Response;
use crate::retry::{Outcome, RetryPolicy};
use crate::stop::StopReason;

/// The runtime a blocking client drives its requests on: a current-thread runtime running on
/// its own thread until the last handle to it is dropped.
#[derive(Debug)]
struct Driver {
    handle: tokio::runtime::Handle,
    /// Dropping it ends the runtime's thread.
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Driver {
    fn new() -> Result<Arc<Driver>> {
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let failed = |e: &dyn std::fmt::Display| {
            Error::new(
                ErrorKind::Other,
                format!("cannot start the blocking client's runtime: {e}"),
            )
        };
        std::thread::Builder::new()
            .name("restclient-blocking".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(rt.handle().clone()));
                // Runs the spawned calls until every client handle is gone.
                let _ = rt.block_on(stopped);
            })
            .map_err(|e| failed(&e))?;
        let handle = handle_rx
            .recv()
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))?;
        Ok(Arc::new(Driver {
            handle,
            _shutdown: shutdown,
        }))
    }

    /// Runs `future` on the driver's thread and waits for its output, or fails at once on an
    /// async task (see [`refuse_on_async_task`]).
    fn run<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        refuse_on_async_task()?;
        self.run_checked(future)
    }

    /// [`run`](Self::run) for a caller that has made the check itself.
    fn run_checked<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = self.handle.spawn(future);
        // Unconstrained: waiting must never spend a cooperative budget it cannot get back
        // (that was the 100 % CPU spin), whatever thread this is.
        wait(tokio::task::coop::unconstrained(task)).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                "the blocking client's request task failed",
            )
            .with_source(e)
        })
    }
}

/// A thread and the tokio runtime whose context it is in, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CallSite {
    thread: std::thread::ThreadId,
    runtime: Option<tokio::runtime::Id>,
}

impl CallSite {
    fn current() -> CallSite {
        CallSite {
            thread: std::thread::current().id(),
            runtime: tokio::runtime::Handle::try_current().ok().map(|h| h.id()),
        }
    }
}

/// Fails when the calling thread is running async code: a tokio task or `block_on`, on any
/// runtime flavour, the blocking client's own runtime thread (a hook) included.
///
/// Blocking there would stall that runtime (on a current-thread runtime, forever if it also
/// serves the API being called) and, waiting on the task's spent cooperative budget, spin at
/// 100 % CPU without end. Tokio gives a thread that runs async code a budget; `spawn_blocking`,
/// `block_in_place` and threads of one's own run without one, so the budget is the test: it
/// runs out within 256 polls only where a scheduler set it. The probe puts it back as it was.
fn refuse_on_async_task() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(()); // no runtime here at all
    }
    let mut cx = Context::from_waker(Waker::noop());
    // Dropped without `made_progress`, `first` puts the budget back as it was before it.
    let first = tokio::task::coop::poll_proceed(&mut cx);
    let budgeted = match &first {
        Poll::Pending => true,
        Poll::Ready(_) => (0..=u8::MAX).any(|_| match tokio::task::coop::poll_proceed(&mut cx) {
            Poll::Ready(more) => {
                more.made_progress();
                false
            }
            Poll::Pending => true,
        }),
    };
    drop(first);
    if budgeted {
        return Err(Error::new(
            ErrorKind::Builder,
            "the blocking client was called on an async task, where waiting would stall the \
             runtime: call it inside `tokio::task::spawn_blocking`, or use the async \
             `restclient::RestClient` there",
        ));
    }
    Ok(())
}

/// Waits for `future` on this thread, parking it between polls. Unlike
/// `futures::executor::block_on` it may run inside another executor's `block_on`.
fn wait<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park(); // a spurious wake-up only polls again
    }
}

/// The blocking counterpart of [`crate::RestClient`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RestClient {
    client: crate::RestClient,
    rt: Arc<Driver>,
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

/// The setters the blocking request and walk share, each forwarding to the async builder of
/// the same name (`$async`), so that their signatures are the async ones.
macro_rules! shared_setters {
    ($async:ident) => {
        forward! {
            #[doc = concat!("See [`crate::", stringify!($async), "::header`].")]
            fn header(name: &str, value: &str);
            #[doc = concat!("See [`crate::", stringify!($async), "::headers`].")]
            fn headers(headers: HeaderMap);
            #[doc = concat!("See [`crate::", stringify!($async), "::auth`].")]
            fn auth(auth: impl Auth);
            #[doc = concat!("See [`crate::", stringify!($async), "::without_auth`].")]
            fn without_auth();
            #[doc = concat!("See [`crate::", stringify!($async), "::timeout`].")]
            fn timeout(timeout: Duration);
            #[doc = concat!("See [`crate::", stringify!($async), "::retry`].")]
            fn retry(policy: RetryPolicy);
        }

        #[doc = concat!("See [`crate::", stringify!($async), "::param`].")]
        pub fn param(self, name: impl Into<String>, value: impl ToString) -> Self {
            Self {
                inner: self.inner.param(name, value),
                ..self
            }
        }

        #[doc = concat!("See [`crate::", stringify!($async), "::params`].")]
        pub fn params<K: Into<String>, V: ToString>(
            self,
            params: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            Self {
                inner: self.inner.params(params),
                ..self
            }
        }

        #[doc = concat!("See [`crate::", stringify!($async), "::json`].")]
        pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
            Self {
                inner: self.inner.json(body),
                ..self
            }
        }

        #[doc = concat!("See [`crate::", stringify!($async), "::form`].")]
        pub fn form<K: Into<String>, V: ToString>(
            self,
            fields: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            Self {
                inner: self.inner.form(fields),
                ..self
            }
        }
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
        fn http_client(builder: reqwest::ClientBuilder);
        /// See [`crate::RestClientBuilder::runtime_config`].
        fn runtime_config(config: RuntimeConfig);
        /// See [`crate::RestClientBuilder::secret`].
        fn secret(value: impl Into<String>);
        /// See [`crate::RestClientBuilder::retry`].
        fn retry(policy: RetryPolicy);
        /// See [`crate::RestClientBuilder::retry_if`].
        fn retry_if(f: impl Fn(&Outcome<'_>) -> bool + Send + Sync + 'static);
        /// See [`crate::RestClientBuilder::timeout`].
        fn timeout(timeout: Duration);
    }

    /// Checks the settings and builds the client with its own runtime thread.
    ///
    /// # Errors
    /// As [`crate::RestClientBuilder::build`].
    pub fn build(self) -> Result<RestClient> {
        let client = self.inner.build()?;
        Ok(RestClient {
            client,
            rt: Driver::new()?,
        })
    }
}

impl RestClient {
    /// See [`crate::RestClient::builder`].
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

    /// See [`crate::RestClient::get`]; send it with [`RequestBuilder::send`].
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// See [`crate::RestClient::post`].
    pub fn post<T: Serialize + ?Sized>(&self, path: &str, json: &T) -> RequestBuilder {
        self.request(Method::POST, path).json(json)
    }

    /// See [`crate::RestClient::request`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder {
            inner: self.client.request(method, path),
            rt: Arc::clone(&self.rt),
        }
    }

    /// See [`crate::RestClient::paginate`].
    pub fn paginate(&self, path: &str) -> Paginate {
        Paginate {
            inner: self.client.paginate(path),
            rt: Arc::clone(&self.rt),
        }
    }
}

/// The blocking counterpart of [`crate::RequestBuilder`]: [`send`](Self::send) waits for the
/// response.
#[must_use]
#[derive(Debug)]
pub struct RequestBuilder {
    inner: crate::RequestBuilder,
    rt: Arc<Driver>,
}

impl RequestBuilder {
    shared_setters!(RequestBuilder);

    /// Sends the request and waits for the response.
    ///
    /// # Errors
    /// As [`crate::RequestBuilder::send`].
    pub fn send(self) -> Result<Response> {
        self.rt.run(self.inner.send())?
    }
}

/// The blocking counterpart of [`crate::Paginate`]: [`pages`](Self::pages) and
/// [`records`](Self::records) are iterators.
#[must_use]
#[derive(Debug)]
pub struct Paginate {
    inner: crate::Paginate,
    rt: Arc<Driver>,
}

impl Paginate {
    forward! {
        /// See [`crate::Paginate::method`].
        fn method(method: Method);
        /// See [`crate::Paginate::paginator`].
        fn paginator(paginator: impl Paginator);
        /// See [`crate::Paginate::data_selector`].
        fn data_selector(selector: &str);
        /// See [`crate::Paginate::hook`].
        fn hook(hook: impl Fn(&Response) -> HookAction + Send + Sync + 'static);
        /// See [`crate::Paginate::hook_with_request`].
        fn hook_with_request(hook: impl Fn(&Response, &crate::Request) -> HookAction + Send + Sync + 'static);
        /// See [`crate::Paginate::max_pages`].
        fn max_pages(n: usize);
        /// See [`crate::Paginate::max_records`].
        fn max_records(n: usize);
        /// See [`crate::Paginate::concurrency`].
        fn concurrency(n: usize);
        /// See [`crate::Paginate::checkpoint`]: a page's position is saved when the next page
        /// is asked for (`next()` on the iterator).
        fn checkpoint(path: impl AsRef<std::path::Path>);
    }

    shared_setters!(Paginate);

    /// The pages, in order; the iterator ends after the last page or the first error.
    pub fn pages(self) -> PageIter {
        Iter {
            stream: Some(self.inner.pages()),
            rt: self.rt,
            done: false,
            allowed_on: None,
        }
    }

    /// Every record of every page, in order.
    pub fn records(self) -> RecordIter {
        Iter {
            stream: Some(self.inner.records()),
            rt: self.rt,
            done: false,
            allowed_on: None,
        }
    }

    /// See [`crate::Paginate::records_as`].
    pub fn records_as<T: serde::de::DeserializeOwned + Send + 'static>(
        self,
    ) -> Iter<crate::RecordsAs<T>> {
        Iter {
            stream: Some(self.inner.records_as()),
            rt: self.rt,
            done: false,
            allowed_on: None,
        }
    }
}

/// A stream of the async API driven one item at a time on the blocking client's runtime; it
/// ends after the stream's last item or its first error.
#[derive(Debug)]
pub struct Iter<S> {
    /// Lent to the runtime's thread while an item is fetched.
    stream: Option<S>,
    rt: Arc<Driver>,
    done: bool,
    /// Where [`refuse_on_async_task`] last allowed a call: the check costs more than taking
    /// a record from a page, so a loop on one thread, in one runtime context, makes it once.
    /// (Moving between a worker's `block_in_place` and its async code, both on one thread and
    /// one runtime, goes unseen; waiting stays unconstrained, so it cannot spin.)
    allowed_on: Option<CallSite>,
}

/// An iterator over the pages of a walk.
pub type PageIter = Iter<crate::Pages>;

/// An iterator over the records of a walk.
pub type RecordIter = Iter<crate::Records>;

impl PageIter {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stream.as_ref().and_then(crate::Pages::stop_reason)
    }
}

impl RecordIter {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stream.as_ref().and_then(crate::Records::stop_reason)
    }
}

impl<T> Iter<crate::RecordsAs<T>> {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stream.as_ref().and_then(crate::RecordsAs::stop_reason)
    }
}

impl<S, T> Iterator for Iter<S>
where
    S: futures::Stream<Item = Result<T>> + Unpin + Send + 'static,
    T: Send + 'static,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let here = CallSite::current();
        if self.allowed_on != Some(here) {
            if let Err(e) = refuse_on_async_task() {
                self.done = true;
                return Some(Err(e));
            }
            self.allowed_on = Some(here);
        }
        let mut stream = self.stream.take()?;
        let item = match self.rt.run_checked(async move {
            let item = stream.next().await;
            (stream, item)
        }) {
            Ok((stream, item)) => {
                self.stream = Some(stream);
                item
            }
            Err(e) => Some(Err(e)),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
