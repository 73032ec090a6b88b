//! [`RetryPolicy`]: which outcomes are retried and how long to wait.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

/// When and how requests are retried (dlt's retrying session).
///
/// Retried: 429 and 5xx responses, connection errors, timeouts and bodies cut short, up to
/// `max_attempts` attempts in total. After failed attempt `n` the wait is
/// `backoff_factor × 2^(n−1)` seconds, capped at `max_retry_delay`; a `Retry-After` header in
/// seconds or as an HTTP date replaces it (capped too; zero, past or garbage values fall back to
/// the exponential wait).
///
/// ```
/// use std::time::Duration;
/// use restclient::retry::RetryPolicy;
/// let p = RetryPolicy::default();
/// assert_eq!(p.max_attempts, 5);
/// assert_eq!(p.backoff(1), Duration::from_secs(1));
/// assert_eq!(p.backoff(4), Duration::from_secs(8));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (dlt's `request_max_attempts`, default 5).
    pub max_attempts: u32,
    /// The exponential factor in seconds (`request_backoff_factor`, default 1).
    pub backoff_factor: f64,
    /// The cap on any single wait (`request_max_retry_delay`, default 300 s).
    pub max_retry_delay: Duration,
    /// Whether `Retry-After` replaces the exponential wait (default true).
    pub respect_retry_after: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            backoff_factor: 1.0,
            max_retry_delay: Duration::from_secs(300),
            respect_retry_after: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    #[must_use]
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether a response with this status is retried.
    #[must_use]
    pub fn is_retryable_status(status: StatusCode) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
    }

    /// The exponential wait after failed attempt `attempt` (1-based), capped.
    #[must_use]
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(62);
        let secs = self.backoff_factor * 2f64.powi(exp as i32);
        let capped = secs.clamp(0.0, self.max_retry_delay.as_secs_f64());
        Duration::try_from_secs_f64(capped).unwrap_or(self.max_retry_delay)
    }

    /// The wait after failed attempt `attempt`, honouring a `Retry-After` header value.
    #[must_use]
    pub fn wait(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        if self.respect_retry_after
            && let Some(d) = retry_after.and_then(|v| parse_retry_after(v, SystemTime::now()))
        {
            return d.min(self.max_retry_delay);
        }
        self.backoff(attempt)
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP date; `None` for zero, past or garbage.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return (secs > 0).then(|| Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    when.duration_since(now).ok().filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        let future = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&future, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), None);
    }

    #[test]
    fn dlt_sequence_7_0_garbage_past() {
        let p = RetryPolicy::default();
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        let waits: Vec<u64> = [("7", 1), ("0", 2), ("1.5", 3), (past.as_str(), 4)]
            .iter()
            .map(|(h, n)| p.wait(*n, Some(h)).as_secs())
            .collect();
        assert_eq!(waits, [7, 2, 4, 8]);
    }

    #[test]
    fn waits_are_capped() {
        let p = RetryPolicy {
            max_retry_delay: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(10), Duration::from_secs(5));
        assert_eq!(p.wait(1, Some("100")), Duration::from_secs(5));
    }
}
