//! Starting, inspecting and stopping a server.

use std::{fmt, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{
    config::{DemoConfig, DemoCredentials},
    log::{RecordedRequest, RequestLog},
    ratelimit::{RateLimit, RateLimitLog, RateLimitStyle, RateLimiter},
    routes::{AuthState, TrackerConfig, TrackerState, router},
    state::AppState,
};

/// A running demo server. Dropping it shuts the server down.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let server = demo_api::DemoServer::builder().records(25).page_size(5).start().await?;
/// let first_page = format!("{}/offset?offset=0&limit=5", server.url());
/// # let _ = first_page;
/// # Ok(())
/// # }
/// ```
pub struct DemoServer {
    addr: SocketAddr,
    log: RequestLog,
    auth: Arc<AuthState>,
    tracker: Arc<TrackerState>,
    rate_limit: Option<Arc<RateLimiter>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoServer")
            .field("addr", &self.addr)
            .field("requests", &self.log.snapshot().len())
            .finish_non_exhaustive()
    }
}

impl DemoServer {
    /// Starts a server on `127.0.0.1` with an ephemeral port.
    ///
    /// Must be called inside a Tokio runtime; the server runs as a task on it.
    pub async fn start(config: DemoConfig) -> std::io::Result<DemoServer> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts a server bound to `addr` (port 0 picks an ephemeral port).
    pub async fn start_on(addr: SocketAddr, config: DemoConfig) -> std::io::Result<DemoServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let log = RequestLog::default();
        let state = AppState::new(&config, addr, log.clone());
        let auth = Arc::clone(&state.auth);
        let tracker = Arc::clone(&state.tracker);
        let rate_limit = state.rate_limit.clone();
        let app = router(state);
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                // Either an explicit shutdown or the sender being dropped stops the server.
                let _ = signal.await;
            });
            // `serve` only fails on listener errors, which it already retries internally.
            let _ = serve.await;
        });
        Ok(DemoServer {
            addr,
            log,
            auth,
            tracker,
            rate_limit,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// A builder starting from [`DemoConfig::default`].
    pub fn builder() -> DemoServerBuilder {
        DemoServerBuilder::default()
    }

    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `"http://127.0.0.1:40123"` (no trailing slash).
    ///
    /// An unspecified bind address (`0.0.0.0`, `::`) is reported as the loopback address.
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            match addr {
                SocketAddr::V4(_) => addr.set_ip([127, 0, 0, 1].into()),
                SocketAddr::V6(_) => addr.set_ip(std::net::Ipv6Addr::LOCALHOST.into()),
            }
        }
        format!("http://{addr}")
    }

    /// Every request received so far (since the last [`clear_requests`](Self::clear_requests)),
    /// in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.snapshot()
    }

    /// The most requests the server was handling at the same moment (since the start or the
    /// last [`clear_requests`](Self::clear_requests)): how concurrent a client really was.
    pub fn max_in_flight(&self) -> usize {
        self.log.max_in_flight()
    }

    /// When each request was received (wall clock), in arrival order, as
    /// [`requests`](Self::requests) lists them: to check a client's pace from the server's side.
    pub fn request_times(&self) -> Vec<std::time::SystemTime> {
        self.log.times()
    }

    /// What the rate-limited mode saw (empty when it is off): when each request to a paginated
    /// route was counted, and which got a 429.
    pub fn rate_limit_log(&self) -> RateLimitLog {
        self.rate_limit
            .as_ref()
            .map(|l| l.log())
            .unwrap_or_default()
    }

    /// Forgets all recorded requests.
    pub fn clear_requests(&self) {
        self.log.clear();
    }

    /// How many access tokens `POST /oauth/token` has issued.
    pub fn tokens_issued(&self) -> u64 {
        self.auth.issued()
    }

    /// Revokes every access token issued so far: `/auth/oauth2/...` answers 401 to them.
    pub fn revoke_tokens(&self) {
        self.auth.revoke();
    }

    /// Sets the lifetime (`expires_in`, seconds) of the access tokens issued from now on.
    pub fn set_token_expires_in(&self, seconds: u64) {
        self.auth.set_expires_in(seconds);
    }

    /// The tracker API's state (see `routes/tracker.rs`).
    pub(crate) fn tracker(&self) -> &TrackerState {
        &self.tracker
    }

    /// Shuts down gracefully: stops accepting connections and waits until
    /// in-flight requests have been answered.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // Tells open connections to close once their current request is answered.
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            // Closes the listener right away instead of waiting for connections.
            task.abort();
        }
    }
}

/// Builds and starts a [`DemoServer`]; see [`DemoServer::builder`].
#[derive(Debug, Clone, Default)]
pub struct DemoServerBuilder {
    config: DemoConfig,
}

impl DemoServerBuilder {
    /// Sets the number of records (ids `1..=records`).
    #[must_use]
    pub fn records(mut self, records: u64) -> Self {
        self.config.records = records;
        self
    }

    /// Sets the default page size (clamped to `1..=10_000`).
    #[must_use]
    pub fn page_size(mut self, page_size: u64) -> Self {
        self.config.page_size = page_size;
        self
    }

    /// Sets the delay applied to every request.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.config.latency = latency;
        self
    }

    /// Adds a random extra delay in `[0, jitter)` to every request (see
    /// [`DemoConfig::latency_jitter`]).
    #[must_use]
    pub fn latency_jitter(mut self, jitter: Duration) -> Self {
        self.config.latency_jitter = jitter;
        self
    }

    /// Every `k`-th request to a paginated route answers 503 (see [`Faults`](crate::Faults)).
    #[must_use]
    pub fn unavailable_every(mut self, k: u64) -> Self {
        self.config.faults.unavailable_every = Some(k);
        self
    }

    /// Every `k`-th request to a paginated route answers 429 with
    /// `Retry-After: retry_after_secs`.
    #[must_use]
    pub fn rate_limit_every(mut self, k: u64, retry_after_secs: u64) -> Self {
        self.config.faults.rate_limit_every = Some(k);
        self.config.faults.retry_after_secs = retry_after_secs;
        self
    }

    /// Every `k`-th request to a paginated route gets its body cut short (a `Content-Length`
    /// for the whole body, half of it sent, then the connection closed).
    #[must_use]
    pub fn truncate_every(mut self, k: u64) -> Self {
        self.config.faults.truncate_every = Some(k);
        self
    }

    /// Every `k`-th request to a paginated route waits `stall` before it is answered.
    #[must_use]
    pub fn stall_every(mut self, k: u64, stall: Duration) -> Self {
        self.config.faults.stall_every = Some(k);
        self.config.faults.stall = stall;
        self
    }

    /// Every `k`-th request to a paginated route gets no answer: the connection is closed
    /// before a status line is sent.
    #[must_use]
    pub fn reset_every(mut self, k: u64) -> Self {
        self.config.faults.reset_every = Some(k);
        self
    }

    /// Every `k`-th request to a paginated route answers `200` with JSON cut off
    /// ([`MALFORMED_JSON`](crate::MALFORMED_JSON)) under a correct `Content-Length`.
    #[must_use]
    pub fn malformed_json_every(mut self, k: u64) -> Self {
        self.config.faults.malformed_json_every = Some(k);
        self
    }

    /// Every `k`-th request to a paginated route answers `200` with a `text/html` page
    /// ([`HTML_PAGE`](crate::HTML_PAGE)).
    #[must_use]
    pub fn html_every(mut self, k: u64) -> Self {
        self.config.faults.html_every = Some(k);
        self
    }

    /// Every `k`-th request to a paginated route answers `204 No Content` without a body.
    #[must_use]
    pub fn empty_204_every(mut self, k: u64) -> Self {
        self.config.faults.empty_204_every = Some(k);
        self
    }

    /// Sets the credentials the `/auth/...` routes and `POST /oauth/token` accept.
    #[must_use]
    pub fn credentials(mut self, credentials: DemoCredentials) -> Self {
        self.config.credentials = credentials;
        self
    }

    /// Sets the lifetime (`expires_in`, seconds) of issued access tokens (default 3600).
    #[must_use]
    pub fn token_expires_in(mut self, seconds: u64) -> Self {
        self.config.token_expires_in = seconds;
        self
    }

    /// Sets the size of the tracker API's data (see [`TrackerConfig`]).
    #[must_use]
    pub fn tracker(mut self, tracker: TrackerConfig) -> Self {
        self.config.tracker = tracker;
        self
    }

    /// Switches the rate-limited mode on: at most `budget` requests to the paginated routes per
    /// `window`, shared by every connection, advertised in `style`, 429 past it (see
    /// [`RateLimit`]).
    #[must_use]
    pub fn rate_limit(mut self, budget: u64, window: Duration, style: RateLimitStyle) -> Self {
        self.config.rate_limit = Some(RateLimit {
            budget,
            window,
            style,
        });
        self
    }

    /// The configuration built so far.
    pub fn config(&self) -> &DemoConfig {
        &self.config
    }

    /// Starts the server on `127.0.0.1` with an ephemeral port.
    pub async fn start(self) -> std::io::Result<DemoServer> {
        DemoServer::start(self.config).await
    }

    /// Starts the server bound to `addr`.
    pub async fn start_on(self, addr: SocketAddr) -> std::io::Result<DemoServer> {
        DemoServer::start_on(addr, self.config).await
    }
}

/// A [`DemoServer`] running on a runtime of its own, for synchronous code (blocking clients,
/// command-line tests, examples). Derefs to the server; dropping it stops both.
///
/// ```
/// let server = demo_api::DemoServer::builder().records(3).spawn()?;
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct BackgroundServer {
    server: Option<DemoServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl fmt::Debug for BackgroundServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackgroundServer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for BackgroundServer {
    type Target = DemoServer;
    fn deref(&self) -> &DemoServer {
        // Only `Drop` takes the server out.
        self.server
            .as_ref()
            .unwrap_or_else(|| unreachable!("the server lives until drop"))
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        drop(self.server.take());
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The API an example runs against when one was given: the first command-line argument, else
/// `RESTCLIENT_DEMO_URL`, without a trailing slash.
fn given_url() -> Option<String> {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("RESTCLIENT_DEMO_URL").ok())
        .filter(|url| !url.is_empty())
        .map(|url| url.trim_end_matches('/').to_owned())
}

impl DemoServerBuilder {
    /// For examples: the API given on the command line (first argument) or in
    /// `RESTCLIENT_DEMO_URL`, else this demo server, started here. Keep the returned server
    /// alive as long as the URL is used.
    pub async fn start_unless_given(self) -> std::io::Result<(String, Option<DemoServer>)> {
        match given_url() {
            Some(url) => Ok((url, None)),
            None => {
                let server = self.start().await?;
                Ok((server.url(), Some(server)))
            }
        }
    }

    /// [`start_unless_given`](Self::start_unless_given) for synchronous code, with
    /// [`spawn`](Self::spawn).
    pub fn spawn_unless_given(self) -> std::io::Result<(String, Option<BackgroundServer>)> {
        match given_url() {
            Some(url) => Ok((url, None)),
            None => {
                let server = self.spawn()?;
                Ok((server.url(), Some(server)))
            }
        }
    }

    /// Starts the server on a runtime with its own worker thread, for use from synchronous
    /// code. Fails (instead of panicking) when called inside an async runtime.
    pub fn spawn(self) -> std::io::Result<BackgroundServer> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(std::io::Error::other(
                "DemoServerBuilder::spawn cannot run inside an async runtime; use start().await",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let server = runtime.block_on(self.start())?;
        Ok(BackgroundServer {
            server: Some(server),
            runtime: Some(runtime),
        })
    }
}
