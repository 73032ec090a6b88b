//! The rate-limited mode: a budget of requests per window, shared by every connection,
//! advertised in one of the header styles real APIs use, and 429 past it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::ApiError, faults::FAULTED_PATHS, state::AppState};

/// How a rate-limited server tells its budget (see [`RateLimit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitStyle {
    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds): the IETF draft's
    /// separate fields.
    Ietf,
    /// `RateLimit: "default";r=R;t=T` and `RateLimit-Policy: "default";q=N;w=W`: the recent
    /// IETF drafts' structured fields.
    IetfStructured,
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` as an epoch timestamp
    /// in seconds (GitHub's style).
    XEpoch,
    /// The same `X-RateLimit-*` with the reset in seconds from now.
    XSeconds,
    /// Nothing on successes; `Retry-After: T` (seconds) on the 429s.
    RetryAfterOnly,
    /// Nothing at all: a bare 429 past the budget.
    Bare,
}

impl RateLimitStyle {
    /// Every style, in the order documented.
    pub const ALL: [RateLimitStyle; 6] = [
        RateLimitStyle::Ietf,
        RateLimitStyle::IetfStructured,
        RateLimitStyle::XEpoch,
        RateLimitStyle::XSeconds,
        RateLimitStyle::RetryAfterOnly,
        RateLimitStyle::Bare,
    ];

    /// The style's name on the command line: `ietf`, `ietf-structured`, `x-epoch`,
    /// `x-seconds`, `retry-after-only`, `bare`.
    pub fn name(self) -> &'static str {
        match self {
            RateLimitStyle::Ietf => "ietf",
            RateLimitStyle::IetfStructured => "ietf-structured",
            RateLimitStyle::XEpoch => "x-epoch",
            RateLimitStyle::XSeconds => "x-seconds",
            RateLimitStyle::RetryAfterOnly => "retry-after-only",
            RateLimitStyle::Bare => "bare",
        }
    }

    /// Whether successful responses tell the budget (so a client can avoid every 429).
    pub fn advertises_budget(self) -> bool {
        !matches!(self, RateLimitStyle::RetryAfterOnly | RateLimitStyle::Bare)
    }
}

impl std::str::FromStr for RateLimitStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RateLimitStyle::ALL
            .into_iter()
            .find(|style| style.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = RateLimitStyle::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown rate-limit style `{s}` (one of {})",
                    names.join(", ")
                )
            })
    }
}

/// The rate-limited mode, part of [`DemoConfig`](crate::DemoConfig): at most `budget` requests
/// to the [paginated routes](crate::FAULTED_PATHS) and the tracker API in each window of `window`, counted over all
/// connections; past it, 429. Windows are aligned to the wall clock (window k starts at
/// `k × window` since the Unix epoch), so a one-second window is a calendar second and an epoch
/// reset is exact. Resets in seconds are rounded up, never down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests accepted per window.
    pub budget: u64,
    /// The window's length (at least a millisecond).
    pub window: Duration,
    /// How the budget is advertised.
    pub style: RateLimitStyle,
}

/// What the rate limiter saw: when each counted request was handled, and which got a 429.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitLog {
    /// When each request to a paginated route was counted (wall clock), in order.
    pub times: Vec<SystemTime>,
    /// For each entry of `times`, whether it was answered 429.
    pub limited: Vec<bool>,
}

impl RateLimitLog {
    /// How many 429s the limiter sent.
    pub fn rejected(&self) -> usize {
        self.limited.iter().filter(|l| **l).count()
    }

    /// When the accepted requests were handled.
    pub fn accepted(&self) -> Vec<SystemTime> {
        self.times
            .iter()
            .zip(&self.limited)
            .filter(|(_, l)| !**l)
            .map(|(t, _)| *t)
            .collect()
    }
}

/// The limiter of one server.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: RateLimit,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    window: u128,
    used: u64,
    log: RateLimitLog,
}

impl RateLimiter {
    pub(crate) fn new(config: RateLimit) -> Arc<Self> {
        Arc::new(RateLimiter {
            config: RateLimit {
                window: config.window.max(Duration::from_millis(1)),
                ..config
            },
            inner: Mutex::new(Inner::default()),
        })
    }

    pub(crate) fn log(&self) -> RateLimitLog {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .log
            .clone()
    }

    /// Counts one request: whether it is within the budget, what is left, and the window's end.
    fn admit(&self, now: SystemTime) -> (bool, u64, Duration) {
        let since = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let w = self.config.window.as_nanos();
        let index = since.as_nanos() / w;
        let end_nanos = (index + 1) * w;
        let end = Duration::new(
            u64::try_from(end_nanos / 1_000_000_000).unwrap_or(u64::MAX),
            u32::try_from(end_nanos % 1_000_000_000).unwrap_or(0),
        );
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.window != index {
            inner.window = index;
            inner.used = 0;
        }
        let ok = inner.used < self.config.budget;
        if ok {
            inner.used += 1;
        }
        let remaining = self.config.budget - inner.used;
        inner.log.times.push(now);
        inner.log.limited.push(!ok);
        (ok, remaining, end)
    }
}

/// Seconds rounded up, at least `min`.
fn ceil_secs(d: Duration, min: u64) -> u64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.max(min)
}

fn headers_for(
    config: &RateLimit,
    ok: bool,
    remaining: u64,
    end: Duration,
    now: SystemTime,
) -> HeaderMap {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let left = end.saturating_sub(since);
    let mut h = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    let n = config.budget;
    match config.style {
        RateLimitStyle::Ietf => {
            put("ratelimit-limit", n.to_string());
            put("ratelimit-remaining", remaining.to_string());
            put("ratelimit-reset", ceil_secs(left, 0).to_string());
        }
        RateLimitStyle::IetfStructured => {
            put(
                "ratelimit",
                format!("\"default\";r={remaining};t={}", ceil_secs(left, 0)),
            );
            put(
                "ratelimit-policy",
                format!("\"default\";q={n};w={}", ceil_secs(config.window, 1)),
            );
        }
        RateLimitStyle::XEpoch => {
            put("x-ratelimit-limit", n.to_string());
            put("x-ratelimit-remaining", remaining.to_string());
            put("x-ratelimit-reset", ceil_secs(end, 0).to_string());
        }
        RateLimitStyle::XSeconds => {
            put("x-ratelimit-limit", n.to_string());
            put("x-ratelimit-remaining", remaining.to_string());
            put("x-ratelimit-reset", ceil_secs(left, 0).to_string());
        }
        RateLimitStyle::RetryAfterOnly => {
            if !ok {
                put("retry-after", ceil_secs(left, 1).to_string());
            }
        }
        RateLimitStyle::Bare => {}
    }
    h
}

/// Middleware: counts the requests to the paginated routes and the tracker API (`/tracker/`,
/// so that a whole `restclient run` can be rationed) against the budget, answers 429 past it,
/// and adds the style's headers.
pub(crate) async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.rate_limit.clone() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if !(FAULTED_PATHS.contains(&path) || path.starts_with("/tracker/")) {
        return next.run(request).await;
    }
    let now = SystemTime::now();
    let (ok, remaining, end) = limiter.admit(now);
    let headers = headers_for(&limiter.config, ok, remaining, end, now);
    let mut response = if ok {
        next.run(request).await
    } else {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded").into_response()
    };
    response.headers_mut().extend(headers);
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn budget_per_window_and_headers() {
        let limiter = RateLimiter::new(RateLimit {
            budget: 2,
            window: Duration::from_secs(10),
            style: RateLimitStyle::XEpoch,
        });
        let t = UNIX_EPOCH + Duration::from_millis(1_000_003_500);
        assert!(limiter.admit(t).0);
        assert!(limiter.admit(t).0);
        let (ok, remaining, end) = limiter.admit(t);
        assert!(!ok);
        assert_eq!(remaining, 0);
        assert_eq!(end, Duration::from_secs(1_000_010));
        let h = headers_for(&limiter.config, ok, remaining, end, t);
        assert_eq!(h["x-ratelimit-reset"], "1000010");
        // The next window starts afresh.
        assert!(limiter.admit(t + Duration::from_secs(7)).0);
        assert_eq!(limiter.log().rejected(), 1);
        let h = headers_for(
            &RateLimit {
                style: RateLimitStyle::IetfStructured,
                ..limiter.config.clone()
            },
            true,
            1,
            end,
            t,
        );
        assert_eq!(h["ratelimit"], "\"default\";r=1;t=7");
        assert_eq!(
            "x-seconds".parse::<RateLimitStyle>().unwrap(),
            RateLimitStyle::XSeconds
        );
        assert!("nope".parse::<RateLimitStyle>().is_err());
    }
}
