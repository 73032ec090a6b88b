#![doc = include_str!("docs/retries.md")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

use crate::error::{Error, ErrorKind};
use crate::response::Response;

/// When and how requests are retried (dlt's retrying session).
///
/// Retried: 429 and 5xx responses, connection errors, timeouts and bodies cut short, plus
/// whatever a [`retry_if`](Self::retry_if) condition accepts, up to
/// [`max_attempts`](Self::max_attempts) attempts in total. Not retried: other 4xx responses,
/// any 2xx whatever its body (an HTML page or malformed JSON with status 200, or an empty 204,
/// fails a walk with a [decode error](crate::Error::is_decode) as in dlt; an API that sends
/// HTML while busy can opt in with a condition on the `Content-Type`), and failures that cannot
/// heal: a body over `max_response_bytes`, a response head over hyper's limit, TLS errors.
///
/// After failed attempt `n` the wait is `backoff_factor × 2^(n−1)` seconds, capped at
/// `max_retry_delay`; a `Retry-After` header in seconds or as an HTTP date replaces it (capped
/// too; zero, past or garbage values fall back to the exponential wait). There is no jitter, as
/// in dlt. When the attempts run out, a plain request returns the last response as it is
/// ([`Response::attempts`] says how many were made) and a walk fails with a status error that
/// says it too. Every method is retried, POST included, as in dlt.
///
/// The defaults are dlt's. A client without an explicit policy takes the numbers from its
/// [`RuntimeConfig`](crate::config::RuntimeConfig) (`request_max_attempts`,
/// `request_backoff_factor`, `request_max_retry_delay`). Setters clamp what cannot work (zero
/// attempts count as one, a negative or NaN factor as zero), so every policy is valid.
///
/// ```
/// use std::time::Duration;
/// use restclient::retry::RetryPolicy;
/// let p = RetryPolicy::default();
/// assert_eq!(p.backoff(1), Duration::from_secs(1));
/// assert_eq!(p.backoff(4), Duration::from_secs(8));
///
/// let quick = RetryPolicy::default().max_attempts(3).backoff_factor(0.1);
/// assert_eq!(quick.backoff(2), Duration::from_millis(200));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff_factor: f64,
    max_retry_delay: Duration,
    respect_retry_after: bool,
    retry_condition: Vec<RetryCondition>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            backoff_factor: 1.0,
            max_retry_delay: Duration::from_secs(300),
            respect_retry_after: true,
            retry_condition: Vec::new(),
        }
    }
}

/// The outcome of one attempt, as a [`RetryCondition`] sees it: a complete response (any
/// status), or the error that ended the attempt.
///
/// ```
/// use restclient::{Response, StatusCode, retry::Outcome};
/// let r = Response::from_parts(418, vec![], "https://h/", vec![]).unwrap();
/// let o = Outcome::Response(&r);
/// assert_eq!(o.status(), Some(StatusCode::IM_A_TEAPOT));
/// assert!(o.error().is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The server answered; the body has been read in full.
    Response(&'a Response),
    /// The attempt failed without a response (transport failure, auth failure, ...).
    Error(&'a Error),
}

impl<'a> Outcome<'a> {
    /// The response, when there is one.
    #[must_use]
    pub fn response(&self) -> Option<&'a Response> {
        match self {
            Outcome::Response(r) => Some(r),
            Outcome::Error(_) => None,
        }
    }

    /// The error, when the attempt failed.
    #[must_use]
    pub fn error(&self) -> Option<&'a Error> {
        match self {
            Outcome::Response(_) => None,
            Outcome::Error(e) => Some(e),
        }
    }

    /// The response's status, when there is a response.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        self.response().map(Response::status)
    }
}

/// A predicate that marks more outcomes as retryable, e.g. an error inside a 200 body.
///
/// ```
/// use restclient::retry::{Outcome, RetryCondition};
/// let error_in_body = RetryCondition::new(|o: &Outcome<'_>| {
///     o.response()
///         .and_then(|r| r.json().ok())
///         .is_some_and(|body| body.get("error").is_some())
/// });
/// # let _ = error_in_body;
/// ```
#[derive(Clone)]
pub struct RetryCondition(Arc<dyn Fn(&Outcome<'_>) -> bool + Send + Sync>);

impl RetryCondition {
    /// Wraps a predicate.
    pub fn new(f: impl Fn(&Outcome<'_>) -> bool + Send + Sync + 'static) -> Self {
        RetryCondition(Arc::new(f))
    }

    /// Whether the predicate accepts `outcome`.
    #[must_use]
    pub fn matches(&self, outcome: &Outcome<'_>) -> bool {
        (self.0)(outcome)
    }
}

impl std::fmt::Debug for RetryCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetryCondition(..)")
    }
}

/// What the send loop does after an attempt.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Wait this long, then try again; `reason` says why (for the log).
    Retry { wait: Duration, reason: String },
    /// The outcome deserved a retry but the attempts are used up.
    Exhausted { reason: String },
    /// The outcome is final.
    Done,
}

impl RetryPolicy {
    /// A policy that never retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in total, the first included (dlt's `request_max_attempts`, default 5); 0
    /// counts as 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The exponential factor in seconds (`request_backoff_factor`, default 1); a negative or
    /// NaN value counts as 0 (no wait).
    pub fn backoff_factor(mut self, factor: f64) -> Self {
        self.backoff_factor = if factor.is_nan() {
            0.0
        } else {
            factor.max(0.0)
        };
        self
    }

    /// The cap on any single wait (`request_max_retry_delay`, default 300 s).
    pub fn max_retry_delay(mut self, delay: Duration) -> Self {
        self.max_retry_delay = delay;
        self
    }

    /// Whether `Retry-After` replaces the exponential wait (default true).
    pub fn respect_retry_after(mut self, respect: bool) -> Self {
        self.respect_retry_after = respect;
        self
    }

    /// Attempts in total.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// This policy with `conditions` added (the client's `retry_if` calls).
    pub(crate) fn with_conditions_from(mut self, conditions: Vec<RetryCondition>) -> Self {
        self.retry_condition.extend(conditions);
        self
    }

    /// This policy with `other`'s conditions added (a call's policy keeps the client's
    /// `retry_if` conditions).
    pub(crate) fn with_conditions(mut self, other: &RetryPolicy) -> Self {
        self.retry_condition
            .extend(other.retry_condition.iter().cloned());
        self
    }

    /// Adds a condition under which an outcome is retried, besides the default rules (dlt's
    /// `retry_condition`). The predicate sees every outcome, so it can look into a 200 body.
    ///
    /// ```
    /// use restclient::retry::{Outcome, RetryPolicy};
    /// use restclient::Response;
    /// let policy = RetryPolicy::default().retry_if(|o: &Outcome<'_>| {
    ///     o.response().and_then(|r| r.json().ok()).is_some_and(|b| b["error"] == "try again")
    /// });
    /// let busy = Response::from_parts(200, vec![], "https://h/", br#"{"error":"try again"}"#.to_vec()).unwrap();
    /// assert!(policy.is_retryable(&Outcome::Response(&busy)));
    /// ```
    pub fn retry_if(mut self, f: impl Fn(&Outcome<'_>) -> bool + Send + Sync + 'static) -> Self {
        self.retry_condition.push(RetryCondition::new(f));
        self
    }

    /// Whether a response with this status is retried by default: 429 and 5xx.
    #[must_use]
    pub fn is_retryable_status(status: StatusCode) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
    }

    /// Whether an error is retried by default: connection failures, timeouts and bodies cut
    /// short. Failures that would fail again (a body over the size limit, an invalid request,
    /// an auth error) are not.
    ///
    /// ```
    /// use restclient::{Error, retry::RetryPolicy};
    /// assert!(!RetryPolicy::is_retryable_error(&Error::custom("my paginator gave up")));
    /// ```
    #[must_use]
    pub fn is_retryable_error(error: &Error) -> bool {
        matches!(
            error.kind(),
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Body
        )
    }

    /// Whether this policy retries `outcome` (attempts left aside).
    ///
    /// ```
    /// use restclient::retry::{Outcome, RetryPolicy};
    /// use restclient::Response;
    /// let p = RetryPolicy::default();
    /// let r = |s| Response::from_parts(s, vec![], "https://h/", vec![]).unwrap();
    /// assert!(p.is_retryable(&Outcome::Response(&r(429))));
    /// assert!(p.is_retryable(&Outcome::Response(&r(503))));
    /// assert!(!p.is_retryable(&Outcome::Response(&r(404))));
    /// assert!(!p.is_retryable(&Outcome::Response(&r(200))));
    /// ```
    #[must_use]
    pub fn is_retryable(&self, outcome: &Outcome<'_>) -> bool {
        self.by_default(outcome) || self.retry_condition.iter().any(|c| c.matches(outcome))
    }

    fn by_default(&self, outcome: &Outcome<'_>) -> bool {
        match outcome {
            Outcome::Response(r) => Self::is_retryable_status(r.status()),
            Outcome::Error(e) => Self::is_retryable_error(e),
        }
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use restclient::retry::RetryPolicy;
    /// let p = RetryPolicy::default();
    /// assert_eq!(p.wait(1, Some("7")), Duration::from_secs(7));
    /// assert_eq!(p.wait(2, Some("0")), Duration::from_secs(2)); // zero: exponential
    /// assert_eq!(p.wait(3, Some("soon")), Duration::from_secs(4)); // garbage: exponential
    /// assert_eq!(p.wait(1, Some("3600")), Duration::from_secs(300)); // capped
    /// ```
    #[must_use]
    pub fn wait(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        if self.respect_retry_after
            && let Some(d) = retry_after.and_then(|v| parse_retry_after(v, SystemTime::now()))
        {
            return d.min(self.max_retry_delay);
        }
        self.backoff(attempt)
    }

    /// How long a `Retry-After` value holds back the origin as well as the retry: the value
    /// as [`decide`](Self::decide) honours it (capped at `max_retry_delay`), or `None` when it
    /// is ignored, zero, past or garbage.
    pub(crate) fn retry_after_block(&self, value: &str) -> Option<Duration> {
        if !self.respect_retry_after {
            return None;
        }
        parse_retry_after(value, SystemTime::now()).map(|d| d.min(self.max_retry_delay))
    }

    /// What to do after attempt `attempt` ended with `outcome`.
    pub(crate) fn decide(&self, attempt: u32, outcome: &Outcome<'_>) -> Decision {
        let by_default = self.by_default(outcome);
        if !by_default && !self.retry_condition.iter().any(|c| c.matches(outcome)) {
            return Decision::Done;
        }
        let mut reason = match outcome {
            Outcome::Response(r) => {
                let s = r.status();
                format!("{} {}", s.as_u16(), s.canonical_reason().unwrap_or(""))
                    .trim_end()
                    .to_owned()
            }
            Outcome::Error(e) => format!("{e:#}"),
        };
        if !by_default {
            reason.push_str(" (a retry condition matched)");
        }
        if attempt >= self.max_attempts {
            return Decision::Exhausted { reason };
        }
        let retry_after = outcome.response().and_then(|r| r.header("retry-after"));
        let wait = match retry_after {
            Some(value) if self.respect_retry_after => {
                match parse_retry_after(value, SystemTime::now()) {
                    Some(d) if d > self.max_retry_delay => {
                        reason.push_str(&format!(
                            "; Retry-After {value:?} capped at request_max_retry_delay"
                        ));
                        self.max_retry_delay
                    }
                    Some(d) => {
                        reason.push_str(&format!("; waiting as Retry-After {value:?} says"));
                        d
                    }
                    None => {
                        reason.push_str(&format!(
                            "; Retry-After {value:?} ignored (zero, past or not understood), exponential backoff"
                        ));
                        self.backoff(attempt)
                    }
                }
            }
            _ => {
                reason.push_str("; exponential backoff");
                self.backoff(attempt)
            }
        };
        Decision::Retry { wait, reason }
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn response(status: u16, headers: Vec<(&str, &str)>, body: &str) -> Response {
        Response::from_parts(status, headers, "https://h/x", body.as_bytes().to_vec()).unwrap()
    }

    fn transport(kind: ErrorKind) -> Error {
        let what = if kind == ErrorKind::Timeout {
            "timed out"
        } else {
            "failed"
        };
        Error::new(kind, format!("{what} for GET https://h/x: boom"))
    }

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
        let p = RetryPolicy::default().max_retry_delay(Duration::from_secs(5));
        assert_eq!(p.backoff(10), Duration::from_secs(5));
        assert_eq!(p.wait(1, Some("100")), Duration::from_secs(5));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        let fractional = RetryPolicy::default().backoff_factor(1.5);
        assert_eq!(fractional.backoff(3), Duration::from_secs(6));
    }

    #[test]
    fn default_rules() {
        let p = RetryPolicy::default();
        for s in [429, 500, 502, 503, 504, 599] {
            assert!(
                p.is_retryable(&Outcome::Response(&response(s, vec![], ""))),
                "{s}"
            );
        }
        for s in [200, 204, 301, 400, 401, 403, 404, 409, 422] {
            assert!(
                !p.is_retryable(&Outcome::Response(&response(s, vec![], ""))),
                "{s}"
            );
        }
        for k in [ErrorKind::Connect, ErrorKind::Timeout, ErrorKind::Body] {
            assert!(p.is_retryable(&Outcome::Error(&transport(k))), "{k:?}");
        }
        for k in [ErrorKind::Other, ErrorKind::BodyTooLarge, ErrorKind::Decode] {
            assert!(!p.is_retryable(&Outcome::Error(&transport(k))), "{k:?}");
        }
        assert!(!p.is_retryable(&Outcome::Error(&Error::auth("no"))));
    }

    #[test]
    fn decisions_count_attempts_and_explain_the_wait() {
        let p = RetryPolicy::default()
            .max_attempts(3)
            .max_retry_delay(Duration::from_secs(10));
        let limited = response(429, vec![("Retry-After", "4")], "");
        match p.decide(1, &Outcome::Response(&limited)) {
            Decision::Retry { wait, reason } => {
                assert_eq!(wait, Duration::from_secs(4));
                assert!(reason.starts_with("429 Too Many Requests"), "{reason}");
                assert!(reason.contains("Retry-After \"4\""), "{reason}");
            }
            d => panic!("{d:?}"),
        }
        let long = response(503, vec![("Retry-After", "60")], "");
        match p.decide(2, &Outcome::Response(&long)) {
            Decision::Retry { wait, reason } => {
                assert_eq!(wait, Duration::from_secs(10));
                assert!(reason.contains("capped"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
        let garbage = response(503, vec![("Retry-After", "soon")], "");
        match p.decide(2, &Outcome::Response(&garbage)) {
            Decision::Retry { wait, reason } => {
                assert_eq!(wait, Duration::from_secs(2));
                assert!(reason.contains("ignored"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
        assert!(matches!(
            p.decide(3, &Outcome::Response(&long)),
            Decision::Exhausted { .. }
        ));
        assert!(matches!(
            p.decide(1, &Outcome::Response(&response(404, vec![], ""))),
            Decision::Done
        ));
        match p.decide(2, &Outcome::Error(&transport(ErrorKind::Timeout))) {
            Decision::Retry { wait, reason } => {
                assert_eq!(wait, Duration::from_secs(2));
                assert!(reason.contains("timed out"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn setters_clamp_what_cannot_work() {
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
        let p = RetryPolicy::default().backoff_factor(f64::NAN);
        assert_eq!(p.backoff(3), Duration::ZERO);
        let p = RetryPolicy::default().backoff_factor(-2.0);
        assert_eq!(p.backoff(3), Duration::ZERO);
    }

    #[test]
    fn retry_after_can_be_ignored() {
        let p = RetryPolicy::default().respect_retry_after(false);
        assert_eq!(p.wait(1, Some("30")), Duration::from_secs(1));
    }

    #[test]
    fn conditions_add_to_the_default_rules() {
        let p = RetryPolicy::default().retry_if(|o: &Outcome<'_>| {
            o.response()
                .and_then(|r| r.json().ok())
                .is_some_and(|b| b["error"] == "try again")
        });
        let busy = response(200, vec![], r#"{"error":"try again"}"#);
        let fine = response(200, vec![], r#"{"items":[]}"#);
        assert!(p.is_retryable(&Outcome::Response(&busy)));
        assert!(!p.is_retryable(&Outcome::Response(&fine)));
        assert!(p.is_retryable(&Outcome::Response(&response(503, vec![], ""))));
        match p.decide(1, &Outcome::Response(&busy)) {
            Decision::Retry { reason, .. } => {
                assert!(reason.contains("retry condition"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
    }
}
