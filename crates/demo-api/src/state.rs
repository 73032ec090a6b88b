//! State shared by the middleware and every handler.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use crate::{
    config::DemoConfig,
    faults::FaultState,
    log::RequestLog,
    pages::clamp_size,
    ratelimit::RateLimiter,
    routes::{AuthState, TrackerState},
};

/// Per-server state, cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    /// Number of records (ids `1..=records`).
    pub(crate) records: u64,
    /// Default page size, already clamped.
    pub(crate) page_size: u64,
    /// Delay applied to every request.
    pub(crate) latency: Duration,
    /// Upper bound of the random extra delay per request.
    pub(crate) latency_jitter: Duration,
    /// The state of the jitter's random generator (xorshift64).
    pub(crate) jitter_state: Arc<std::sync::atomic::AtomicU64>,
    /// The bound address; used for absolute links when a request has no `Host`.
    pub(crate) addr: SocketAddr,
    /// The request log.
    pub(crate) log: RequestLog,
    /// Injected faults and their request counter.
    pub(crate) faults: Arc<FaultState>,
    /// Credentials and issued tokens of the `/auth` routes.
    pub(crate) auth: Arc<AuthState>,
    /// The tracker API's data and generation.
    pub(crate) tracker: Arc<TrackerState>,
    /// The rate-limited mode, when on.
    pub(crate) rate_limit: Option<Arc<RateLimiter>>,
}

impl AppState {
    /// The delay for the next request: the latency plus a random share of the jitter.
    pub(crate) fn next_delay(&self) -> Duration {
        if self.latency_jitter.is_zero() {
            return self.latency;
        }
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let previous = self
            .jitter_state
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |x| Some(step(x)),
            )
            .unwrap_or_else(|x| x);
        let fraction = (step(previous) >> 11) as f64 / (1u64 << 53) as f64;
        self.latency + self.latency_jitter.mul_f64(fraction)
    }

    pub(crate) fn new(config: &DemoConfig, addr: SocketAddr, log: RequestLog) -> Self {
        Self {
            records: config.records,
            page_size: clamp_size(config.page_size),
            latency: config.latency,
            latency_jitter: config.latency_jitter,
            jitter_state: Arc::new(std::sync::atomic::AtomicU64::new(0x9E37_79B9_7F4A_7C15)),
            addr,
            log,
            faults: FaultState::new(config.faults.clone()),
            auth: Arc::new(AuthState::new(config)),
            tracker: TrackerState::new(&config.tracker),
            rate_limit: config.rate_limit.clone().map(RateLimiter::new),
        }
    }
}
