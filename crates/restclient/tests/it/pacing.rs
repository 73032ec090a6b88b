//! Pacing: a walk with 8 requests in flight against a demo API that rations requests (a budget
//! per window, shared by all connections) finishes without a single 429 when the API
//! advertises its budget, in every header style; with few when it does not; a static rate is
//! never exceeded; a wait too long fails with the reset time. Everything is checked from the
//! server's side: its count of 429s and the times it counted each request.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use demo_api::{RateLimitLog, RateLimitStyle};
use restclient::paginators::OffsetPaginator;
use restclient::retry::RetryPolicy;
use restclient::{Paginate, RestClient};
use serde_json::json;

use crate::support::server;
use crate::support::{DemoServer, assert_records, quick_config, try_walk, walk};

const BUDGET: u64 = 10;
const WINDOW: Duration = Duration::from_secs(1);
/// 48 pages: at 10 per window, at least 5 windows.
const RECORDS: u64 = 480;
const PAGE: u64 = 10;

async fn limited(style: RateLimitStyle) -> DemoServer {
    DemoServer::builder()
        .records(RECORDS)
        .page_size(PAGE)
        .latency_jitter(Duration::from_millis(10))
        .rate_limit(BUDGET, WINDOW, style)
        .start()
        .await
        .unwrap()
}

/// A client that retries (so that a 429, if any, shows in the server's count rather than as a
/// failed walk) with waits long enough to outlast a window, and a `Retry-After` cap (2 s)
/// above the window, so that the server's `Retry-After` is honoured whole.
fn paced_client(server: &DemoServer) -> RestClient {
    RestClient::builder(server.url())
        .runtime_config(quick_config())
        .retry(
            RetryPolicy::default()
                .max_attempts(12)
                .backoff_factor(0.05)
                .max_retry_delay(Duration::from_secs(2)),
        )
        .build()
        .unwrap()
}

fn offset_walk(client: &RestClient) -> Paginate {
    client
        .paginate("/offset")
        .paginator(OffsetPaginator::new(PAGE as i64))
        .data_selector("items")
        .concurrency(8)
}

fn window_index(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap().as_nanos() / WINDOW.as_nanos()
}

/// Checks the server's view: no window accepted more than its budget, and the accepted
/// requests span at least as many windows as the budget forces.
fn assert_paced(log: &RateLimitLog, pages: u64) {
    let accepted = log.accepted();
    assert_eq!(accepted.len() as u64, pages);
    let mut per_window = std::collections::BTreeMap::<u128, u64>::new();
    for t in &accepted {
        *per_window.entry(window_index(*t)).or_default() += 1;
    }
    assert!(per_window.values().all(|n| *n <= BUDGET), "{per_window:?}");
    let windows = pages.div_ceil(BUDGET);
    let first = window_index(accepted[0]);
    let last = window_index(*accepted.last().unwrap());
    assert!(
        last - first + 1 >= u128::from(windows),
        "{pages} pages in windows {first}..={last}"
    );
    let span = accepted
        .last()
        .unwrap()
        .duration_since(accepted[0])
        .unwrap();
    // The first and last windows may be partly used: windows - 2 whole ones lie between.
    assert!(span >= WINDOW * (windows as u32 - 2), "{span:?}");
}

async fn zero_429s(style: RateLimitStyle) {
    let server = limited(style).await;
    let client = paced_client(&server);
    let started = Instant::now();
    let w = walk(offset_walk(&client)).await;
    let elapsed = started.elapsed();
    assert_records(&w.records(), RECORDS);
    let log = server.rate_limit_log();
    assert_eq!(log.rejected(), 0, "{}: 429s sent", style.name());
    let pages = RECORDS / PAGE;
    assert_paced(&log, pages);
    // Not much more than the budget allows: 5 windows, with a second and a half of slack
    // per window for a loaded machine.
    let windows = u32::try_from(pages.div_ceil(BUDGET)).unwrap();
    assert!(
        elapsed < WINDOW * windows * 5 / 2,
        "{}: {elapsed:?}",
        style.name()
    );
    eprintln!("{}: {} pages in {elapsed:?}", style.name(), pages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ietf_fields_zero_429s() {
    zero_429s(RateLimitStyle::Ietf).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ietf_structured_zero_429s() {
    zero_429s(RateLimitStyle::IetfStructured).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_ratelimit_epoch_zero_429s() {
    zero_429s(RateLimitStyle::XEpoch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_ratelimit_seconds_zero_429s() {
    zero_429s(RateLimitStyle::XSeconds).await;
}

/// `Retry-After` on the 429s only: the budget is not known before it runs out, so some 429s
/// come. The first one blocks the whole origin until the window ends, so in each window only
/// requests already in flight when the budget ran out can get one: at most 8 per window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_blocks_the_origin() {
    let server = limited(RateLimitStyle::RetryAfterOnly).await;
    let client = paced_client(&server);
    let w = walk(offset_walk(&client)).await;
    assert_records(&w.records(), RECORDS);
    let log = server.rate_limit_log();
    let limited_windows: std::collections::BTreeSet<u128> = log
        .times
        .iter()
        .zip(&log.limited)
        .filter(|(_, l)| **l)
        .map(|(t, _)| window_index(*t))
        .collect();
    eprintln!(
        "retry-after-only: {} 429s in {} windows",
        log.rejected(),
        limited_windows.len()
    );
    assert!(
        log.rejected() <= 8 * limited_windows.len(),
        "{} 429s",
        log.rejected()
    );
    assert_paced(&log, RECORDS / PAGE);
}

/// Bare 429s: the cap on requests to the origin halves on each round of 429s (8 → 4 → 2 → 1),
/// a request over the cap gives up its place before retrying, and the cap grows back by one
/// per round of successes. So a window past its budget sees the round the cap lets in (at most
/// 8) and then the one or two requests left retrying with a doubling backoff (50, 100, 200,
/// 400 ms: about four tries in a 1 s window): at most 12 per window. Measured: 32-40 over 5
/// windows; 85 before a request over the cap gave up its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_429s_shrink_the_requests_in_flight() {
    let server = limited(RateLimitStyle::Bare).await;
    let client = paced_client(&server);
    let w = walk(offset_walk(&client)).await;
    assert_records(&w.records(), RECORDS);
    let log = server.rate_limit_log();
    let pages = RECORDS / PAGE;
    let windows = log
        .times
        .iter()
        .map(|t| window_index(*t))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    eprintln!("bare: {} 429s over {windows} windows", log.rejected());
    assert!(
        log.rejected() <= 12 * windows,
        "{} 429s over {windows} windows",
        log.rejected()
    );
    assert_eq!(log.accepted().len() as u64, pages);
}

/// Two walks at once on one client spend one budget: still no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_walks_share_the_budget() {
    let server = DemoServer::builder()
        .records(240)
        .page_size(PAGE)
        .rate_limit(BUDGET, WINDOW, RateLimitStyle::Ietf)
        .start()
        .await
        .unwrap();
    let client = paced_client(&server);
    let other = client.clone();
    let (a, b) = tokio::join!(walk(offset_walk(&client)), walk(offset_walk(&other)));
    assert_records(&a.records(), 240);
    assert_records(&b.records(), 240);
    let log = server.rate_limit_log();
    assert_eq!(log.rejected(), 0);
    assert_paced(&log, 48);
}

/// A reset further away than `rate_limit_max_wait` fails the walk at once with an error that
/// names the instant the budget comes back.
#[tokio::test]
async fn a_wait_past_max_wait_fails_naming_the_reset() {
    let server = server::http(|req| async move {
        let offset = server::query_u64(&req, "offset").unwrap_or(0);
        let mut r = server::ok(json!({"items": [{"id": offset + 1}], "total": 100}));
        let h = r.headers_mut();
        h.insert("ratelimit-remaining", "0".parse().unwrap());
        h.insert("ratelimit-reset", "120".parse().unwrap());
        r
    });
    let mut config = quick_config();
    config.rate_limit_max_wait = Duration::from_secs(5);
    let client = RestClient::builder(server.url())
        .runtime_config(config)
        .build()
        .unwrap();
    let before = SystemTime::now();
    let started = Instant::now();
    let w = try_walk(
        client
            .paginate("/items")
            .paginator(OffsetPaginator::new(1))
            .data_selector("items"),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5), "no waiting");
    assert_eq!(w.pages.len(), 1);
    let e = w.error();
    assert!(e.is_rate_limited(), "{e}");
    let text = e.to_string();
    assert!(text.contains("rate_limit_max_wait"), "{text}");
    assert!(text.contains(&server.url()), "{text}");
    // The instant is 120 s after the response, as RFC 3339 UTC.
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let lo = secs(before + Duration::from_secs(119));
    let hi = secs(SystemTime::now() + Duration::from_secs(121));
    assert!(
        (lo..=hi).any(|s| text.contains(&restclient_rfc3339(s))),
        "{text}"
    );
    assert_eq!(server.hits(), 1, "the second request never left");
}

/// Epoch seconds as RFC 3339 UTC, computed here rather than trusted from the library.
fn restclient_rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A static rate: no one-second window (sliding, by the server's clock) holds more than N
/// requests, with 8 requests allowed in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_rate_holds_in_every_second() {
    let server = crate::support::demo(150, PAGE).await;
    let client = RestClient::builder(server.url())
        .requests_per_second(20.0)
        .build()
        .unwrap();
    let w = walk(offset_walk(&client)).await;
    assert_records(&w.records(), 150);
    assert_at_most_per_second(&server.request_times(), 20);
}

/// No window of one second, starting at any request, holds more than `n` requests.
pub(crate) fn assert_at_most_per_second(times: &[SystemTime], n: usize) {
    let mut times = times.to_vec();
    times.sort();
    for (i, t) in times.iter().enumerate() {
        let inside = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t).unwrap() < Duration::from_secs(1))
            .count();
        assert!(
            inside <= n,
            "{inside} requests in the second from request {i}"
        );
    }
}

/// The OAuth2 token fetch is not paced (DESIGN §9): at one request per 4 s, a request that
/// needs a token first still goes out at once, token fetch included.
#[tokio::test]
async fn the_token_fetch_is_not_paced() {
    let server = crate::support::demo(5, 5).await;
    let auth = restclient::auth::OAuth2ClientCredentials::new(
        &format!("{}/oauth/token", server.url()),
        "demo-client",
        "demo-client-secret",
    )
    .unwrap();
    let client = RestClient::builder(server.url())
        .auth(auth)
        .requests_per_second(0.25)
        .build()
        .unwrap();
    let started = Instant::now();
    let response = client.get("/auth/oauth2/offset").await.unwrap();
    assert!(response.status().is_success());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/oauth/token", "/auth/oauth2/offset"]);
}

/// A wait for the budget is logged at INFO with its cause and length, once per reset.
#[tokio::test]
async fn waits_are_logged_with_their_cause() {
    let (logs, _guard) = crate::support::capture_logs("info");
    let server = DemoServer::builder()
        .records(4)
        .page_size(1)
        .rate_limit(2, WINDOW, RateLimitStyle::Ietf)
        .start()
        .await
        .unwrap();
    let client = paced_client(&server);
    let w = walk(
        client
            .paginate("/offset")
            .paginator(OffsetPaginator::new(1))
            .data_selector("items"),
    )
    .await;
    assert_records(&w.records(), 4);
    assert_eq!(server.rate_limit_log().rejected(), 0);
    let waits = logs.lines_with("rate limit of");
    assert!(!waits.is_empty(), "{}", logs.text());
    assert!(
        waits.iter().all(|l| l.contains(" INFO ")
            && l.contains("ms (budget spent (RateLimit-Remaining/RateLimit-Reset))")),
        "{waits:#?}"
    );
}

/// One run, one budget (DESIGN §9): a run's resources (four at once) and its child walks (one
/// per project, four at once) all go to one origin through one client, so together they stay
/// within the tracker API's budget — not a single 429 — and no window holds more than it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_resources_and_child_walks_share_one_budget() {
    let server = DemoServer::builder()
        .rate_limit(BUDGET, WINDOW, RateLimitStyle::Ietf)
        .start()
        .await
        .unwrap();
    let config = json!({
        "client": {"base_url": format!("{}/tracker/", server.url())},
        "resources": [
            {"name": "projects", "endpoint": {"path": "projects", "params": {"page_size": 2},
              "data_selector": "projects",
              "paginator": {"type": "page_number", "base_page": 1, "total_path": "total_pages"}}},
            {"name": "issues", "endpoint": {"path": "projects/{resources.projects.id}/issues",
              "params": {"per_page": 10}, "paginator": "header_link"}},
            {"name": "users", "endpoint": {"path": "users", "params": {"limit": 10},
              "data_selector": "users",
              "paginator": {"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor"}}},
            {"name": "events", "endpoint": {"path": "events", "data_selector": "events",
              "paginator": {"type": "offset", "limit": 25, "total_path": "total"}}},
        ],
    });
    let dir = tempfile::tempdir().unwrap();
    let summary = restclient::run::Run::from_value(config)
        .unwrap()
        .parallel(4)
        .concurrency(4)
        .runtime_config(quick_config())
        .run_to_dir(dir.path())
        .await
        .unwrap();
    assert!(summary.is_success(), "{summary:?}");
    let records = |name: &str| summary.resource(name).unwrap().records;
    assert_eq!(
        (
            records("projects"),
            records("issues"),
            records("users"),
            records("events")
        ),
        (5, 150, 20, 100)
    );
    let log = server.rate_limit_log();
    assert_eq!(log.rejected(), 0, "429s sent to the run");
    let accepted = log.accepted();
    let mut per_window = std::collections::BTreeMap::<u128, u64>::new();
    for t in &accepted {
        *per_window.entry(window_index(*t)).or_default() += 1;
    }
    assert!(per_window.values().all(|n| *n <= BUDGET), "{per_window:?}");
    assert!(
        accepted.len() as u64 > 2 * BUDGET,
        "the run needs several windows"
    );
}
