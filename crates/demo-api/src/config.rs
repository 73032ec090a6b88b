//! Server configuration.

use std::time::Duration;

use crate::faults::Faults;

/// Configuration of a [`DemoServer`](crate::DemoServer).
///
/// The server exposes `records` deterministic records (ids `1..=records`, see
/// [`record`](crate::record)), pages of `page_size` records when a request does
/// not say otherwise, and waits `latency` before handling every request. `faults` injects
/// errors into the paginated routes (all off by default; see [`Faults`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Number of records served by every paginated route (ids `1..=records`). Default 100.
    pub records: u64,
    /// Page size used when a request gives none (clamped to `1..=10_000`). Default 10.
    pub page_size: u64,
    /// Artificial delay applied to every request before it is handled. Default zero.
    pub latency: Duration,
    /// Injected faults (503, 429, bodies cut short, stalls). Default: none.
    pub faults: Faults,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            records: 100,
            page_size: 10,
            latency: Duration::ZERO,
            faults: Faults::default(),
        }
    }
}
