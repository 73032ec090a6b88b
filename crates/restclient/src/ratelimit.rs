//! Pacing: when the next request to an origin may leave.
//!
//! One [`Pacer`] per [`RestClient`](crate::RestClient), shared by everything the client sends
//! (concurrent pages, several walks, clones of the client), so that an API's budget is spent
//! once, not once per walk. The executor asks it before every attempt (retries included) and
//! tells it about every response. The OAuth2 token fetch has an executor of its own without a
//! pacer: a token endpoint is rarely rationed with the API, and a walk waiting for its budget
//! must not also hold up the token it will need.
//!
//! Per origin it keeps:
//! - the static spacing of `requests_per_second` (one start every `1/N` s, no burst, so no
//!   one-second window ever holds more than N starts);
//! - the budget the API advertises (`RateLimit-*`, the structured `RateLimit` field,
//!   `X-RateLimit-*`): what is left minus what was sent since, counted conservatively because
//!   responses of concurrent requests arrive out of order; at zero nothing leaves before the
//!   reset;
//! - a `Retry-After` block: after a 429 or 503 that says how long to wait, the whole origin
//!   waits, not only the request that got it;
//! - a cap on the requests in flight after 429s that say nothing (AIMD: halved on such a 429,
//!   one more after each round of successes).
//!
//! Every wait is logged at INFO on the target `restclient::ratelimit` with its cause and
//! length (fields `origin`, `wait_ms`, `cause`), which the CLI shows on its progress bar. A
//! wait longer than `rate_limit_max_wait` fails with [`Error::is_rate_limited`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use url::Url;

use crate::error::Error;

/// Resets further away than this are clamped (a year): a wait that long fails on
/// `rate_limit_max_wait` anyway, and the clamp keeps `Instant` arithmetic from overflowing.
const MAX_RESET: Duration = Duration::from_secs(365 * 24 * 3600);

/// Budgets larger than this are clamped: no API counts that high, and it keeps sums small.
const MAX_REMAINING: u64 = 1 << 40;

/// The static spacing is this much longer than `1/N` s, so that the jitter of the network
/// between our clock and the server's does not show the server N+1 requests in a second.
const SPACING_MARGIN: f64 = 1.05;

/// What a response says about the budget of its origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Advertised {
    /// Requests left in the current window.
    pub(crate) remaining: u64,
    /// Time from now until the window resets.
    pub(crate) reset: Duration,
    /// The window's quota, when the response says it.
    pub(crate) limit: Option<u64>,
    /// Which header said it, for the log and the error.
    pub(crate) source: &'static str,
}

/// Reads the rate-limit headers of a response, in this order: the structured `RateLimit`
/// field (recent IETF drafts, or the older `limit=, remaining=, reset=` form), the separate
/// `RateLimit-Remaining`/`RateLimit-Reset` fields, then `X-RateLimit-Remaining`/
/// `X-RateLimit-Reset`. A remaining count without a reset is ignored: there would be no telling
/// when to go on. Garbage, negative and out-of-range values are ignored or clamped.
pub(crate) fn parse_headers(headers: &HeaderMap, now: SystemTime) -> Option<Advertised> {
    // Most APIs send none of these: say so without building a name or a list (every page).
    if !headers.keys().any(|k| {
        let k = k.as_str();
        k.starts_with("ratelimit") || k.starts_with("x-ratelimit")
    }) {
        return None;
    }
    let get = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let structured = get("ratelimit");
    if !structured.is_empty()
        && let Some(a) = parse_structured(&structured, &get("ratelimit-policy"), now)
    {
        return Some(a);
    }
    // A field sent twice (or as a list, e.g. by two proxies) counts at its tightest: the
    // fewest remaining, the latest reset.
    let each = |name: String| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (prefix, source) in [
        ("ratelimit", "RateLimit-Remaining/RateLimit-Reset"),
        ("x-ratelimit", "X-RateLimit-Remaining/X-RateLimit-Reset"),
    ] {
        let remaining = each(format!("{prefix}-remaining"))
            .iter()
            .filter_map(|v| parse_count(v))
            .min();
        let reset = each(format!("{prefix}-reset"))
            .iter()
            .filter_map(|v| parse_reset(v, now))
            .max();
        if let (Some(remaining), Some(reset)) = (remaining, reset) {
            return Some(Advertised {
                remaining,
                reset,
                limit: each(format!("{prefix}-limit"))
                    .iter()
                    .filter_map(|v| parse_count(v))
                    .min(),
                source,
            });
        }
    }
    None
}

/// `RateLimit: "default";r=0;t=30` (with `RateLimit-Policy: "default";q=100;w=60` for the
/// quota), several policies separated by commas (the most restrictive wins), or the older
/// `RateLimit: limit=100, remaining=0, reset=30`.
fn parse_structured(value: &str, policy: &str, now: SystemTime) -> Option<Advertised> {
    let params = |item: &str| -> Vec<(String, String)> {
        item.split(';')
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((
                    k.trim().to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_owned(),
                ))
            })
            .collect()
    };
    let find = |ps: &[(String, String)], key: &str| {
        ps.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    // The older draft: comma-separated `key=value` pairs.
    let flat: Vec<(String, String)> = value.split([',', ';']).flat_map(params).collect();
    if let Some(remaining) = find(&flat, "remaining") {
        return Some(Advertised {
            remaining: parse_count(&remaining)?,
            reset: parse_reset(&find(&flat, "reset")?, now)?,
            limit: find(&flat, "limit").and_then(|l| parse_count(&l)),
            source: "RateLimit (limit, remaining, reset)",
        });
    }
    let name = |item: &str| {
        item.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_owned()
    };
    let mut best: Option<(String, u64, Duration)> = None;
    for item in value.split(',') {
        let ps = params(item);
        let (Some(r), Some(t)) = (
            find(&ps, "r").and_then(|r| parse_count(&r)),
            find(&ps, "t").and_then(|t| parse_reset(&t, now)),
        ) else {
            continue;
        };
        let tighter = match &best {
            None => true,
            Some((_, br, bt)) => r < *br || (r == *br && t > *bt),
        };
        if tighter {
            best = Some((name(item), r, t));
        }
    }
    let (chosen, remaining, reset) = best?;
    let limit = policy
        .split(',')
        .find(|p| name(p) == chosen)
        .or_else(|| policy.split(',').next())
        .and_then(|p| find(&params(p), "q"))
        .and_then(|q| parse_count(&q));
    Some(Advertised {
        remaining,
        reset,
        limit,
        source: "RateLimit (structured)",
    })
}

/// A count of requests: a whole non-negative number, clamped.
fn parse_count(value: &str) -> Option<u64> {
    let v = value.trim();
    if v.is_empty() || v.starts_with('-') {
        return None;
    }
    v.parse::<u64>().ok().map(|n| n.min(MAX_REMAINING))
}

/// A reset as delta seconds, or (told apart by magnitude) an epoch timestamp in seconds or in
/// milliseconds; the time from `now` until then, clamped to [`MAX_RESET`]. An epoch in the
/// past is a reset now. Fractions are accepted; negative, non-finite and garbage are not.
pub(crate) fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let v: f64 = value.trim().parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    // 1e9 s is 31 years as a delta but 2001 as an epoch: no API resets 31 years out.
    let delta = if v >= 1e14 {
        return None;
    } else if v >= 1e11 {
        v / 1000.0 - now_s
    } else if v >= 1e9 {
        v - now_s
    } else {
        v
    };
    Some(Duration::try_from_secs_f64(delta.max(0.0)).map_or(MAX_RESET, |d| d.min(MAX_RESET)))
}

/// Why a request waits: said in the log, the progress bar and the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// `requests_per_second`.
    StaticRate,
    /// The advertised budget is spent; the header that said so.
    Budget(&'static str),
    /// A `Retry-After` blocks the origin.
    RetryAfter,
    /// A window reset and the first request of the new one has not been answered yet.
    NewWindow,
    /// The in-flight cap set after 429s without rate-limit headers.
    Backoff,
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::StaticRate => f.write_str("requests_per_second"),
            Cause::Budget(source) => write!(f, "budget spent ({source})"),
            Cause::RetryAfter => f.write_str("Retry-After"),
            Cause::NewWindow => f.write_str("new rate-limit window, budget not known yet"),
            Cause::Backoff => {
                f.write_str("429 without rate-limit headers, fewer requests in flight")
            }
        }
    }
}

/// The pacing state of one client: per origin.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// The spacing of `requests_per_second`, if set.
    interval: Option<Duration>,
    max_wait: Duration,
    origins: Mutex<Origins>,
}

/// The origins a client has talked to, by `scheme://host:port`, and the last one asked for:
/// a walk asks for the same origin twice a request, and finding it without building its name
/// saves four allocations a page.
#[derive(Debug, Default)]
struct Origins {
    by_name: HashMap<String, Arc<Origin>>,
    last: Option<Arc<Origin>>,
}

#[derive(Debug)]
struct Origin {
    name: String,
    /// `name` in parts, to recognise a URL of this origin without allocating.
    scheme: String,
    host: String,
    port: Option<u16>,
    state: Mutex<State>,
    /// Woken when a response arrives or a request ends: the budget or the in-flight count
    /// changed.
    changed: Notify,
}

/// The window the API advertised, as we count it down.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Left for us to send: the advertised count minus what may have been counted since.
    remaining: u64,
    reset_at: Instant,
    source: &'static str,
}

#[derive(Debug, Default)]
struct State {
    /// No start before this (static spacing).
    next_start: Option<Instant>,
    /// No start before this (`Retry-After`).
    blocked_until: Option<Instant>,
    /// Counts windows: bumped when the budget's reset passes. A response to a request sent in
    /// an earlier window says nothing about this one.
    generation: u64,
    budget: Option<Budget>,
    /// The quota of a window, when known (advertised, or the most ever seen remaining + 1).
    limit: Option<u64>,
    /// Requests started in this window before any response told its budget (after the first
    /// window, one at a time).
    unconfirmed: u64,
    /// Requests started so far (the sequence number of the last one).
    seq: u64,
    /// Attempts sent and not answered yet: the server may count them after any answer.
    in_flight: u64,
    /// Requests between their first attempt and their outcome, retry waits included: what
    /// the in-flight cap limits, so that a request waiting to retry a 429 keeps its place.
    active: u64,
    /// The cap on active requests after header-less 429s.
    cap: Option<u64>,
    /// Successes since the cap last grew.
    successes: u64,
    /// Requests started up to this one were in flight when the cap was last cut: their 429s do
    /// not cut it again.
    cut_at_seq: u64,
    /// The last wait logged, so that eight requests waiting for one reset log it once.
    logged_until: Option<Instant>,
}

/// What an acquirer does next.
enum Step {
    Go { seq: u64, generation: u64 },
    Sleep { until: Instant, cause: Cause },
    AwaitChange { cause: Cause },
}

impl State {
    /// Starts a new window once the budget's reset has passed.
    fn roll(&mut self, now: Instant) {
        if self.budget.is_some_and(|b| b.reset_at <= now) {
            self.budget = None;
            self.generation += 1;
            self.unconfirmed = 0;
        }
    }

    fn step(&mut self, now: Instant, interval: Option<Duration>) -> Step {
        if let Some(until) = self.blocked_until {
            if until > now {
                return Step::Sleep {
                    until,
                    cause: Cause::RetryAfter,
                };
            }
            self.blocked_until = None;
        }
        self.roll(now);
        match self.budget {
            Some(b) if b.remaining == 0 => {
                return Step::Sleep {
                    until: b.reset_at,
                    cause: Cause::Budget(b.source),
                };
            }
            // A new window of an API that advertises its budget: one request goes first and
            // its answer tells the budget. Requests sent just before our (rounded-up) reset
            // may already count in the new window, and only the server knows how many.
            None if self.limit.is_some() && self.unconfirmed >= 1 && self.in_flight > 0 => {
                return Step::AwaitChange {
                    cause: Cause::NewWindow,
                };
            }
            _ => {}
        }
        if let Some(interval) = interval {
            if let Some(next) = self.next_start
                && next > now
            {
                return Step::Sleep {
                    until: next,
                    cause: Cause::StaticRate,
                };
            }
            self.next_start = now.checked_add(interval);
        }
        match &mut self.budget {
            Some(b) => b.remaining -= 1,
            None => self.unconfirmed += 1,
        }
        self.seq += 1;
        self.in_flight += 1;
        Step::Go {
            seq: self.seq,
            generation: self.generation,
        }
    }

    fn observe(
        &mut self,
        permit: &Permit,
        status: StatusCode,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        self.in_flight = self.in_flight.saturating_sub(1);
        // A response to a request sent before the reset may already count in the next window:
        // it says nothing we can use (the next window's answers will).
        self.roll(now);
        let advertised = parse_headers(headers, SystemTime::now());
        let retry_after = (status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE)
            .then_some(retry_after)
            .flatten()
            .map(|d| d.min(MAX_RESET));
        if let Some(a) = &advertised {
            let seen = a.limit.unwrap_or(a.remaining.saturating_add(1));
            self.limit = Some(
                self.limit
                    .map_or(seen, |l| if a.limit.is_some() { seen } else { l.max(seen) }),
            );
            if permit.generation == self.generation {
                // The server may count every request still in flight after this one.
                let mut estimate = a.remaining.saturating_sub(self.in_flight);
                if status == StatusCode::TOO_MANY_REQUESTS {
                    estimate = 0;
                }
                let reset_at = now.checked_add(a.reset).unwrap_or(now);
                self.budget = Some(match self.budget {
                    Some(b) => Budget {
                        remaining: b.remaining.min(estimate),
                        reset_at: b.reset_at.max(reset_at),
                        source: a.source,
                    },
                    None => Budget {
                        remaining: estimate,
                        reset_at,
                        source: a.source,
                    },
                });
            }
        }
        if let Some(wait) = retry_after
            && let Some(until) = now.checked_add(wait)
        {
            self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
        }
        if status == StatusCode::TOO_MANY_REQUESTS && advertised.is_none() && retry_after.is_none()
        {
            if permit.seq > self.cut_at_seq {
                let base = self.cap.unwrap_or(self.active.max(1));
                let cap = (base / 2).max(1);
                self.cap = Some(cap);
                self.successes = 0;
                self.cut_at_seq = self.seq;
                notes.push(format!(
                    "429 without rate-limit headers: at most {cap} requests in flight from now on"
                ));
            }
        } else if status.is_success()
            && let Some(cap) = self.cap
        {
            self.successes += 1;
            if self.successes >= cap {
                self.cap = Some(cap.saturating_add(1));
                self.successes = 0;
            }
        }
        notes
    }
}

impl Pacer {
    /// A pacer for `requests_per_second` (0, negative or NaN: no static rate) that fails a wait
    /// longer than `max_wait`.
    pub(crate) fn new(requests_per_second: f64, max_wait: Duration) -> Self {
        let interval = (requests_per_second.is_finite() && requests_per_second > 0.0)
            .then(|| Duration::try_from_secs_f64(SPACING_MARGIN / requests_per_second).ok())
            .flatten()
            .filter(|d| !d.is_zero());
        Pacer {
            interval,
            max_wait,
            origins: Mutex::new(Origins::default()),
        }
    }

    fn origin(&self, url: &Url) -> Arc<Origin> {
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = &origins.last
            && last.serves(url)
        {
            return Arc::clone(last);
        }
        let name = url.origin().ascii_serialization();
        let origin = Arc::clone(
            origins
                .by_name
                .entry(name)
                .or_insert_with_key(|name| Arc::new(Origin::new(name.clone(), url))),
        );
        origins.last = Some(Arc::clone(&origin));
        origin
    }

    /// Waits for a place among the requests to `url`'s origin (the cap after header-less
    /// 429s) and holds it until dropped: one per request, across its retries.
    pub(crate) async fn enter(&self, url: &Url) -> Slot {
        let origin = self.origin(url);
        origin.take_place().await;
        Slot { origin }
    }

    /// Waits until an attempt to `url` may leave; `shown` gives the URL as errors show it (only
    /// built for an error).
    ///
    /// # Errors
    /// A [rate-limited](Error::is_rate_limited) error when the wait is longer than
    /// `rate_limit_max_wait`.
    pub(crate) async fn acquire(
        &self,
        url: &Url,
        shown: &(dyn Fn() -> String + Sync),
    ) -> Result<Permit, Error> {
        let origin = self.origin(url);
        loop {
            let changed = origin.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            let step = origin.lock().step(now, self.interval);
            match step {
                Step::Go { seq, generation } => {
                    return Ok(Permit {
                        origin: Arc::clone(&origin),
                        seq,
                        generation,
                        open: true,
                    });
                }
                Step::Sleep { until, cause } => {
                    let wait = until.saturating_duration_since(now);
                    if wait > self.max_wait {
                        let at = SystemTime::now() + wait;
                        return Err(Error::rate_limited(
                            &origin.name,
                            &shown(),
                            &crate::civil::rfc3339(at),
                            wait,
                            &cause.to_string(),
                            self.max_wait,
                        ));
                    }
                    origin.log_wait(until, wait, cause);
                    tokio::time::sleep_until(until.into()).await;
                }
                Step::AwaitChange { cause } => {
                    tracing::debug!(origin = %origin.name, cause = %cause, "waiting for a response before the next request to {}: {cause}", origin.name);
                    changed.await;
                }
            }
        }
    }
}

impl Origin {
    /// The pacing state of `url`'s origin, called `name`.
    fn new(name: String, url: &Url) -> Self {
        Origin {
            name,
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_owned(),
            port: url.port_or_known_default(),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    /// Whether `url` belongs to this origin (as `url.origin()` would say, without allocating).
    /// Only a tuple origin (http, https: all a client sends to) is ever matched here; any
    /// other URL takes the slow path, as before.
    fn serves(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == self.port
    }

    /// Waits until fewer requests than the cap are active, and counts one more.
    async fn take_place(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut s = self.lock();
                if s.cap.is_none_or(|c| s.active < c) {
                    s.active += 1;
                    return;
                }
            }
            tracing::debug!(origin = %self.name, "waiting for a place among the requests to {}: {}", self.name, Cause::Backoff);
            changed.await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Logs a wait at INFO once per deadline: eight requests waiting for one reset log once.
    /// The spacing of a static rate, short and on every request, is logged at DEBUG.
    fn log_wait(&self, until: Instant, wait: Duration, cause: Cause) {
        let first = {
            let mut s = self.lock();
            let first = s.logged_until != Some(until);
            s.logged_until = Some(until);
            first
        };
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        if cause == Cause::StaticRate && wait < Duration::from_secs(1) {
            tracing::debug!(origin = %self.name, wait_ms, cause = %cause, "pacing {}: waiting {wait_ms} ms ({cause})", self.name);
        } else if first {
            tracing::info!(origin = %self.name, wait_ms, cause = %cause, "rate limit of {}: waiting {wait_ms} ms ({cause})", self.name);
        }
    }
}

/// A request's place among those to its origin; freed when dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    origin: Arc<Origin>,
}

impl Slot {
    /// Before a retry: when the cap was cut below the active requests, this one gives up its
    /// place and queues for a new one, so that only as many requests as the cap allows go on
    /// retrying 429s.
    pub(crate) async fn recheck(&self) {
        {
            let mut s = self.origin.lock();
            if s.cap.is_none_or(|c| s.active <= c) {
                return;
            }
            s.active = s.active.saturating_sub(1);
        }
        self.origin.changed.notify_waiters();
        self.origin.take_place().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.origin.lock();
        s.active = s.active.saturating_sub(1);
        drop(s);
        self.origin.changed.notify_waiters();
    }
}

/// Leave to send one request; tell it the response with [`observe`](Self::observe). Dropped
/// without a response (a transport error), it frees its place in flight.
#[derive(Debug)]
pub(crate) struct Permit {
    origin: Arc<Origin>,
    seq: u64,
    generation: u64,
    open: bool,
}

impl Permit {
    /// Learns from a response: the advertised budget, a header-less 429, and `Retry-After` as
    /// the retry policy reads it (`retry_after`: the wait it honours, capped at
    /// `request_max_retry_delay`), which then holds back the whole origin.
    pub(crate) fn observe(
        mut self,
        status: StatusCode,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
    ) {
        self.open = false;
        let notes = self
            .origin
            .lock()
            .observe(&self, status, headers, retry_after, Instant::now());
        for note in notes {
            tracing::info!(origin = %self.origin.name, "rate limit of {}: {note}", self.origin.name);
        }
        self.origin.changed.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.open {
            let mut s = self.origin.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
            drop(s);
            self.origin.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                reqwest::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_764_480_000)
    }

    fn parse(pairs: &[(&str, &str)]) -> Option<Advertised> {
        parse_headers(&headers(pairs), now())
    }

    #[test]
    fn ietf_separate_fields() {
        let a = parse(&[
            ("RateLimit-Limit", "100"),
            ("RateLimit-Remaining", "7"),
            ("RateLimit-Reset", "30"),
        ])
        .unwrap();
        assert_eq!(
            (a.remaining, a.reset, a.limit),
            (7, Duration::from_secs(30), Some(100))
        );
        assert!(parse(&[("RateLimit-Remaining", "7")]).is_none(), "no reset");
    }

    #[test]
    fn ietf_structured_and_policy() {
        let a = parse(&[
            ("RateLimit", "\"default\";r=0;t=30"),
            ("RateLimit-Policy", "\"default\";q=100;w=60"),
        ])
        .unwrap();
        assert_eq!(
            (a.remaining, a.reset, a.limit),
            (0, Duration::from_secs(30), Some(100))
        );
        // Several policies: the tightest wins, and its own quota is taken.
        let a = parse(&[
            ("RateLimit", "\"day\";r=500;t=3000, \"burst\";r=2;t=1"),
            (
                "RateLimit-Policy",
                "\"day\";q=1000;w=86400, \"burst\";q=10;w=1",
            ),
        ])
        .unwrap();
        assert_eq!((a.remaining, a.limit), (2, Some(10)));
        // The older draft's form.
        let a = parse(&[("RateLimit", "limit=100, remaining=3, reset=9")]).unwrap();
        assert_eq!(
            (a.remaining, a.reset, a.limit),
            (3, Duration::from_secs(9), Some(100))
        );
    }

    #[test]
    fn x_ratelimit_epoch_seconds_millis_or_delta() {
        let epoch = now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let cases = [
            (format!("{}", epoch + 42), Duration::from_secs(42)),
            (format!("{}", (epoch + 3) * 1000), Duration::from_secs(3)),
            ("60".to_owned(), Duration::from_secs(60)),
            ("0.5".to_owned(), Duration::from_millis(500)),
            (format!("{}", epoch - 100), Duration::ZERO),
        ];
        for (reset, want) in cases {
            let a = parse(&[
                ("X-RateLimit-Remaining", "1"),
                ("X-RateLimit-Reset", &reset),
            ])
            .unwrap();
            assert_eq!(a.reset, want, "{reset}");
        }
    }

    #[test]
    fn a_field_sent_twice_counts_at_its_tightest() {
        let a = parse(&[
            ("RateLimit-Remaining", "5"),
            ("RateLimit-Remaining", "3"),
            ("RateLimit-Reset", "10, 20"),
        ])
        .unwrap();
        assert_eq!((a.remaining, a.reset), (3, Duration::from_secs(20)));
    }

    #[test]
    fn garbage_is_ignored_or_clamped() {
        for (remaining, reset) in [
            ("-1", "10"),
            ("ten", "10"),
            ("", "10"),
            ("5", "-3"),
            ("5", "soon"),
            ("5", "NaN"),
            ("5", "inf"),
            ("5", "1e300"),
        ] {
            assert!(
                parse(&[
                    ("X-RateLimit-Remaining", remaining),
                    ("X-RateLimit-Reset", reset)
                ])
                .is_none(),
                "{remaining} {reset}"
            );
        }
        let a = parse(&[
            ("RateLimit-Remaining", "99999999999999999999999"),
            ("RateLimit-Reset", "999999999"),
        ]);
        assert!(a.is_none(), "a count past u64 is garbage");
        let a = parse(&[
            ("RateLimit-Remaining", "18446744073709551615"),
            ("RateLimit-Reset", "99999999"),
        ])
        .unwrap();
        assert_eq!(a.remaining, MAX_REMAINING);
        assert!(a.reset <= MAX_RESET);
        for v in [
            "\"x\";r=;t=",
            ";;;,,,",
            "r=1;t=-1",
            "\"a\";r=1",
            "remaining=1",
        ] {
            assert!(parse(&[("RateLimit", v)]).is_none(), "{v}");
        }
    }

    fn permit(s: &mut State) -> (u64, u64) {
        match s.step(Instant::now(), None) {
            Step::Go { seq, generation } => (seq, generation),
            _ => panic!("expected to go"),
        }
    }

    #[test]
    fn budget_counts_requests_in_flight_and_waits_for_the_reset() {
        let origin = Arc::new(Origin::new(
            "http://h".into(),
            &Url::parse("http://h/").unwrap(),
        ));
        let mut s = State::default();
        let firsts: Vec<_> = (0..4).map(|_| permit(&mut s)).collect();
        // The first answer says 5 left; three requests are still in flight: 2 for us.
        let p = Permit {
            origin: Arc::clone(&origin),
            seq: firsts[0].0,
            generation: firsts[0].1,
            open: false,
        };
        let h = headers(&[("RateLimit-Remaining", "5"), ("RateLimit-Reset", "30")]);
        s.observe(&p, StatusCode::OK, &h, None, Instant::now());
        assert_eq!(s.budget.unwrap().remaining, 2);
        permit(&mut s);
        permit(&mut s);
        assert!(matches!(
            s.step(Instant::now(), None),
            Step::Sleep {
                cause: Cause::Budget(_),
                ..
            }
        ));
        // A late answer with more left does not raise the count.
        let h = headers(&[("RateLimit-Remaining", "9"), ("RateLimit-Reset", "30")]);
        s.observe(&p, StatusCode::OK, &h, None, Instant::now());
        assert_eq!(s.budget.unwrap().remaining, 0);
    }

    #[test]
    fn header_less_429_halves_once_per_round_and_grows_back() {
        let origin = Arc::new(Origin::new(
            "http://h".into(),
            &Url::parse("http://h/").unwrap(),
        ));
        let mut s = State::default();
        let ps: Vec<_> = (0..8).map(|_| permit(&mut s)).collect();
        s.active = 8;
        let mk = |(seq, generation): (u64, u64)| Permit {
            origin: Arc::clone(&origin),
            seq,
            generation,
            open: false,
        };
        let none = HeaderMap::new();
        s.observe(
            &mk(ps[0]),
            StatusCode::TOO_MANY_REQUESTS,
            &none,
            None,
            Instant::now(),
        );
        assert_eq!(s.cap, Some(4));
        // The other 429s of the same round do not cut again.
        s.observe(
            &mk(ps[1]),
            StatusCode::TOO_MANY_REQUESTS,
            &none,
            None,
            Instant::now(),
        );
        assert_eq!(s.cap, Some(4));
        for p in &ps[2..6] {
            s.observe(&mk(*p), StatusCode::OK, &none, None, Instant::now());
        }
        assert_eq!(s.cap, Some(5));
        // A 429 with Retry-After blocks the origin instead.
        let h = headers(&[("Retry-After", "20")]);
        s.observe(
            &mk(ps[6]),
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Some(Duration::from_secs(20)),
            Instant::now(),
        );
        assert_eq!(s.cap, Some(5));
        assert!(matches!(
            s.step(Instant::now(), None),
            Step::Sleep {
                cause: Cause::RetryAfter,
                ..
            }
        ));
    }

    #[test]
    fn static_rate_spaces_starts() {
        let mut s = State::default();
        let t0 = Instant::now();
        let iv = Duration::from_millis(100);
        assert!(matches!(s.step(t0, Some(iv)), Step::Go { .. }));
        assert!(matches!(
            s.step(t0 + Duration::from_millis(50), Some(iv)),
            Step::Sleep {
                cause: Cause::StaticRate,
                ..
            }
        ));
        assert!(matches!(
            s.step(t0 + Duration::from_millis(100), Some(iv)),
            Step::Go { .. }
        ));
    }

    /// Two URLs of one origin share its pacing state, whatever the path, query or spelling of
    /// the default port; another port, scheme or host has its own, and asking again after
    /// another origin still finds the first.
    #[test]
    fn each_origin_has_one_state_found_by_any_of_its_urls() {
        let pacer = Pacer::new(0.0, Duration::from_secs(1));
        let at = |u: &str| pacer.origin(&Url::parse(u).unwrap());
        let a = at("http://127.0.0.1:3000/items?offset=0");
        assert!(Arc::ptr_eq(&a, &at("http://127.0.0.1:3000/other")));
        let https = at("https://api.example.com/x");
        assert!(Arc::ptr_eq(&https, &at("https://API.example.com:443/y")));
        for other in [
            "http://127.0.0.1:3001/items",
            "https://127.0.0.1:3000/items",
            "http://localhost:3000/items",
        ] {
            assert!(!Arc::ptr_eq(&a, &at(other)), "{other}");
        }
        assert!(Arc::ptr_eq(&a, &at("http://127.0.0.1:3000/again")));
        assert_eq!(a.name, "http://127.0.0.1:3000");
    }

    /// Headers with nothing about rate limits say nothing; the same with one does.
    #[test]
    fn unrelated_headers_advertise_nothing() {
        let plain = headers(&[("content-type", "application/json"), ("x-request-id", "1")]);
        assert!(parse_headers(&plain, now()).is_none());
        let limited = headers(&[
            ("content-type", "application/json"),
            ("x-ratelimit-remaining", "3"),
            ("x-ratelimit-reset", "10"),
        ]);
        assert_eq!(parse_headers(&limited, now()).unwrap().remaining, 3);
    }
}
