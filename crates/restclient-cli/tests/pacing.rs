//! `--rate` and rate-limit failures through the real binary, checked from the demo API's side.

use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use demo_api::{DemoServer, RateLimitStyle};
use predicates::prelude::*;

fn restclient() -> Command {
    let mut cmd = Command::cargo_bin("restclient").expect("binary");
    cmd.env_remove("RUNTIME__LOG_LEVEL")
        .env_remove("RUNTIME__REQUESTS_PER_SECOND")
        .env_remove("RUNTIME__RATE_LIMIT_MAX_WAIT");
    cmd
}

/// `--rate 10` with 8 requests allowed in flight: no one-second window (sliding, by the
/// server's clock) holds more than 10 requests.
#[test]
fn rate_10_never_exceeds_10_in_any_second() {
    let server = DemoServer::builder()
        .records(250)
        .page_size(10)
        .spawn()
        .expect("demo server");
    let out = restclient()
        .args(["paginate", &format!("{}/offset", server.url())])
        .args(["--paginator", r#"{"type":"offset","limit":10}"#])
        .args([
            "--data-selector",
            "items",
            "--concurrency",
            "8",
            "--rate",
            "10",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&out).lines().count(), 250);
    let mut times: Vec<SystemTime> = server.request_times();
    assert_eq!(times.len(), 25);
    times.sort();
    for (i, t) in times.iter().enumerate() {
        let inside = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t).unwrap_or_default() < Duration::from_secs(1))
            .count();
        assert!(
            inside <= 10,
            "{inside} requests in the second from request {i}"
        );
    }
}

#[test]
fn bad_rates_are_usage_errors() {
    for bad in ["-1", "fast", "inf", "NaN"] {
        restclient()
            .args(["get", "http://127.0.0.1:9/", &format!("--rate={bad}")])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--rate"));
    }
    restclient()
        .args(["get", "http://127.0.0.1:9/"])
        .env("RUNTIME__REQUESTS_PER_SECOND", "-3")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("requests_per_second"));
}

/// A budget spent for the day and `rate_limit_max_wait` of a second: exit 1 with the reset
/// instant and what to do, without waiting.
#[test]
fn a_wait_past_max_wait_exits_1_naming_the_reset() {
    let server = DemoServer::builder()
        .records(5)
        .page_size(1)
        .rate_limit(1, Duration::from_secs(86_400), RateLimitStyle::XEpoch)
        .spawn()
        .expect("demo server");
    restclient()
        .args(["paginate", &format!("{}/offset", server.url())])
        .args(["--paginator", r#"{"type":"offset","limit":1}"#])
        .args(["--data-selector", "items"])
        .env("RUNTIME__RATE_LIMIT_MAX_WAIT", "1")
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("rate_limit_max_wait")
                .and(predicate::str::is_match(r"at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap()),
        );
    assert_eq!(server.rate_limit_log().rejected(), 0);
}
