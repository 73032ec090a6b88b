//! State shared by the middleware and every handler.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use crate::{
    config::DemoConfig, faults::FaultState, log::RequestLog, pages::clamp_size, routes::AuthState,
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
    /// The bound address; used for absolute links when a request has no `Host`.
    pub(crate) addr: SocketAddr,
    /// The request log.
    pub(crate) log: RequestLog,
    /// Injected faults and their request counter.
    pub(crate) faults: Arc<FaultState>,
    /// Credentials and issued tokens of the `/auth` routes.
    pub(crate) auth: Arc<AuthState>,
}

impl AppState {
    pub(crate) fn new(config: &DemoConfig, addr: SocketAddr, log: RequestLog) -> Self {
        Self {
            records: config.records,
            page_size: clamp_size(config.page_size),
            latency: config.latency,
            addr,
            log,
            faults: FaultState::new(config.faults.clone()),
            auth: Arc::new(AuthState::new(config)),
        }
    }
}
