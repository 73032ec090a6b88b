//! `paginate --checkpoint`: the real binary, killed with SIGKILL at seeded random points and
//! resumed with the same command, ends with an output file byte-identical to an uninterrupted
//! walk's, and no resumed run asks again for a page that was saved.
//!
//! `run` (at the end of the file): a three-level config (projects → issues → comments, the demo
//! API's tracker) killed with SIGKILL, SIGINT or SIGTERM at seeded random requests, resumed
//! with `--resume` (possibly killed again), ends with every table and the state equal to an
//! uninterrupted run's; and killed at every pause point in turn (`step:<k>`: every write,
//! checkpoint and commit step), the same.
//!
//! The kill points are exact, not timed: the binary's test hook
//! `RESTCLIENT_TEST_PAUSE_AT=<point>:<page>` makes it print a marker on stderr and stop there,
//! and the test kills it when it reads the marker. Points: `page` (a page received, nothing
//! written), `write` (half the page's lines in the file), `checkpoint` (the new checkpoint
//! written, not yet renamed into place), `saved` (checkpoint in place; with concurrency, the
//! next pages are in flight).

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use demo_api::{BackgroundServer, DemoServer, RecordedRequest};
use serde_json::Value;

const POINTS: [&str; 4] = ["page", "write", "checkpoint", "saved"];

/// A small deterministic generator (xorshift64*): the seed is printed, so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_C0FF_EE15)
}

fn demo(records: u64, page_size: u64) -> BackgroundServer {
    DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .spawn()
        .expect("demo server")
}

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("restclient"));
    cmd.env_remove("RUNTIME__LOG_LEVEL")
        .env_remove("RESTCLIENT_TEST_PAUSE_AT")
        .arg("--no-progress");
    cmd
}

/// What identifies a request of a walk (method, path and query, body).
fn key(r: &RecordedRequest) -> (String, String, Vec<u8>) {
    (r.method.clone(), r.path_and_query(), r.body.clone())
}

/// Runs the command until it pauses at `point:page` (then kills it with SIGKILL: true) or
/// ends by itself (false, with its output).
fn run_until(args: &[String], pause: Option<(&str, u64)>) -> (bool, Option<Output>) {
    let mut cmd = bin();
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    if let Some((point, page)) = pause {
        cmd.env("RESTCLIENT_TEST_PAUSE_AT", format!("{point}:{page}"));
    }
    let mut child: Child = cmd.spawn().expect("spawn restclient");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr line");
        if line.starts_with("RESTCLIENT_TEST_PAUSED ") {
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
            return (true, None);
        }
        lines.push(line);
    }
    let status = child.wait().expect("wait");
    let out = Output {
        status,
        stdout: Vec::new(),
        stderr: lines.join("\n").into_bytes(),
    };
    (false, Some(out))
}

fn saved_pages(checkpoint: &Path) -> u64 {
    match std::fs::read(checkpoint) {
        Ok(bytes) => {
            let v: Value = serde_json::from_slice(&bytes).expect("checkpoint is JSON");
            v["pages"].as_u64().expect("pages")
        }
        Err(_) => 0,
    }
}

/// One style: a reference walk, then a walk killed `kills` times at random points and resumed.
/// Returns the points the walk was killed at.
fn crash_and_resume(
    name: &str,
    path: &str,
    extra: &[&str],
    concurrency: u16,
    rng: &mut Rng,
) -> Vec<&'static str> {
    let server = demo(26, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let reference = dir.path().join("reference.ndjson");
    let out = dir.path().join("out.ndjson");
    let ckpt = dir.path().join("walk.checkpoint");
    let url = format!("{}{path}", server.url());
    let args = |o: &Path, with_checkpoint: bool| -> Vec<String> {
        let mut a: Vec<String> = vec!["paginate".into(), url.clone()];
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a.extend(["--concurrency".into(), concurrency.to_string()]);
        a.extend(["-o".into(), o.display().to_string()]);
        if with_checkpoint {
            a.extend(["--checkpoint".into(), ckpt.display().to_string()]);
        }
        a
    };

    // The uninterrupted walk, serial: its requests in order are the pages' requests.
    let serial: Vec<String> = args(&reference, false)
        .into_iter()
        .map(|a| {
            if a == concurrency.to_string() {
                "1".into()
            } else {
                a
            }
        })
        .collect();
    let (paused, done) = run_until(&serial, None);
    assert!(!paused);
    let done = done.expect("output");
    assert!(
        done.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let page_requests: Vec<_> = server.requests().iter().map(key).collect();
    let pages = page_requests.len() as u64;
    assert!(pages >= 5, "{name}: {pages} pages");
    let expected = std::fs::read(&reference).expect("reference output");
    server.clear_requests();

    let mut kills = 0;
    let mut killed_at = Vec::new();
    let mut log_at = 0;
    loop {
        let saved = saved_pages(&ckpt);
        // Pages numbers are global (a resumed walk counts on): pause at one still to come.
        let pause = (kills < 6).then(|| {
            let point = POINTS[rng.below(4) as usize];
            let page = saved + 1 + rng.below(pages - saved);
            (point, page)
        });
        let (killed, done) = run_until(&args(&out, true), pause);
        let log = server.requests();
        for r in &log[log_at..] {
            let k = key(r);
            if let Some(i) = page_requests.iter().position(|p| *p == k) {
                assert!(
                    i as u64 >= saved,
                    "{name}: a run resumed after {saved} saved pages asked again for page {} ({:?}); pause {pause:?}",
                    i + 1,
                    k.1
                );
            }
        }
        log_at = log.len();
        if killed {
            kills += 1;
            killed_at.extend(pause.map(|(point, _)| point));
            continue;
        }
        let done = done.expect("output");
        assert!(
            done.status.success(),
            "{name} (pause {pause:?}): {}",
            String::from_utf8_lossy(&done.stderr)
        );
        break;
    }
    assert!(kills >= 1, "{name}: never killed");
    let got = std::fs::read(&out).expect("output");
    assert!(
        got == expected,
        "{name}: after {kills} kills the output differs from an uninterrupted walk's\n--- got\n{}\n--- expected\n{}",
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected)
    );
    assert!(
        !ckpt.exists(),
        "{name}: a completed walk removes its checkpoint"
    );
    killed_at
}

/// Every pagination style the demo API serves, GET and POST-body.
fn styles() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "offset",
            "/offset",
            vec![
                "--paginator",
                r#"{"type":"offset","limit":3}"#,
                "--data-selector",
                "items",
            ],
        ),
        (
            "page_number",
            "/page",
            vec![
                "--paginator",
                r#"{"type":"page_number","base_page":1,"total_path":"total_pages"}"#,
                "--data-selector",
                "data",
            ],
        ),
        (
            "json_link",
            "/json-link",
            vec!["--paginator", "json_link", "--data-selector", "data"],
        ),
        (
            "header_link",
            "/header-link",
            vec!["--paginator", "header_link", "--data-selector", "$"],
        ),
        (
            "cursor",
            "/cursor",
            vec![
                "--paginator",
                r#"{"type":"cursor","cursor_path":"cursors.next","cursor_param":"cursor"}"#,
                "--data-selector",
                "items",
            ],
        ),
        (
            "header_cursor",
            "/header-cursor",
            vec!["--paginator", "header_cursor", "--data-selector", "$"],
        ),
        (
            "post_body_cursor",
            "/search",
            vec![
                "-X",
                "POST",
                "--json",
                r#"{"query":"x"}"#,
                "--paginator",
                r#"{"type":"cursor","cursor_path":"next_page_cursor","cursor_body_path":"cursor"}"#,
                "--data-selector",
                "results",
            ],
        ),
        (
            "post_body_offset",
            "/offset",
            vec![
                "-X",
                "POST",
                "--json",
                "{}",
                "--paginator",
                r#"{"type":"offset","limit":3,"offset_body_path":"offset","limit_body_path":"limit"}"#,
                "--data-selector",
                "items",
            ],
        ),
        ("auto_detected", "/json-link", vec![]),
    ]
}

#[test]
fn sigkill_at_random_points_then_resume_is_exactly_once_for_every_style() {
    let seed = seed();
    eprintln!("crash seed {seed} (set CRASH_SEED to replay)");
    let mut rng = Rng(seed | 1);
    let mut points = std::collections::BTreeSet::new();
    for (name, path, args) in styles() {
        points.extend(crash_and_resume(name, path, &args, 1, &mut rng));
    }
    // The seed must exercise every kill point, the output and checkpoint writes included.
    assert_eq!(points.len(), POINTS.len(), "killed only at {points:?}");
}

#[test]
fn concurrent_walk_killed_and_resumed_is_exactly_once() {
    let mut rng = Rng((seed() ^ 0xC0C0) | 1);
    let offset = [
        "--paginator",
        r#"{"type":"offset","limit":3}"#,
        "--data-selector",
        "items",
    ];
    crash_and_resume("offset concurrency 4", "/offset", &offset, 4, &mut rng);
    let page = [
        "--paginator",
        r#"{"type":"page_number","base_page":1,"total_path":"total_pages"}"#,
        "--data-selector",
        "data",
    ];
    crash_and_resume("page_number concurrency 4", "/page", &page, 4, &mut rng);
}

#[test]
fn a_checkpoint_of_another_walk_is_a_usage_error_before_any_request() {
    let server = demo(20, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let ckpt = dir.path().join("c.json");
    let out = dir.path().join("out.ndjson");
    let walk = |path: &str, limit: u32| -> Vec<String> {
        vec![
            "paginate".into(),
            format!("{}{path}", server.url()),
            "--paginator".into(),
            format!(r#"{{"type":"offset","limit":{limit}}}"#),
            "-o".into(),
            out.display().to_string(),
            "--checkpoint".into(),
            ckpt.display().to_string(),
        ]
    };
    let (killed, _) = run_until(&walk("/offset", 2), Some(("saved", 2)));
    assert!(killed);
    let before = std::fs::read(&out).expect("output");
    let requests = server.requests().len();
    for other in [walk("/offset", 5), walk("/offset/has-more", 2)] {
        let out_cmd = bin().args(&other).output().expect("run");
        let stderr = String::from_utf8_lossy(&out_cmd.stderr);
        assert_eq!(out_cmd.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&ckpt.display().to_string()), "{stderr}");
        assert!(stderr.contains("another walk"), "{stderr}");
        assert_eq!(server.requests().len(), requests, "no request was sent");
        assert_eq!(
            std::fs::read(&out).expect("output"),
            before,
            "the output was not touched"
        );
    }
    // Another output file is another walk too.
    let mut moved = walk("/offset", 2);
    moved[5] = dir.path().join("elsewhere.ndjson").display().to_string();
    let o = bin().args(&moved).output().expect("run");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("output"));
}

#[test]
fn sigterm_saves_the_checkpoint_and_the_same_command_completes_exactly_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use support::{Server, json, query};

    // Five pages linked by `next`; page 3 hangs until released, so SIGTERM arrives mid-walk.
    let hang = Arc::new(AtomicBool::new(true));
    let h = Arc::clone(&hang);
    let server = Server::start(move |req| {
        let page: u32 = query(&req.target, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        if page == 3 && h.load(Ordering::SeqCst) {
            return support::Action::Hang;
        }
        let next = if page < 5 {
            format!(r#""/items?page={}""#, page + 1)
        } else {
            "null".into()
        };
        json(
            200,
            &format!(r#"{{"items":[{{"p":{page},"i":1}},{{"p":{page},"i":2}}],"next":{next}}}"#),
        )
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let ckpt = dir.path().join("c.json");
    let out = dir.path().join("out.ndjson");
    let args = json_link_walk(&server.url, &out, &ckpt);
    let child = bin()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    server.wait_for(|r| query(&r.target, "page") == Some("3"));
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        o.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(saved_pages(&ckpt), 2);
    let text = std::fs::read_to_string(&out).expect("output");
    assert_eq!(text.lines().count(), 4);
    hang.store(false, Ordering::SeqCst);
    let before = server.requests().len();
    let o = bin().args(&args).output().expect("resume");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let resumed: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(resumed, ["/items?page=3", "/items?page=4", "/items?page=5"]);
    let text = std::fs::read_to_string(&out).expect("output");
    let expected: String = (1..=5)
        .flat_map(|p| (1..=2).map(move |i| format!("{{\"p\":{p},\"i\":{i}}}\n")))
        .collect();
    assert_eq!(text, expected);
    assert!(!ckpt.exists());
}

#[test]
fn the_checkpoint_holds_no_secret_and_the_resume_gets_them_from_the_command() {
    let server = demo(20, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let ckpt = dir.path().join("c.json");
    let out = dir.path().join("out.ndjson");
    let args: Vec<String> = vec![
        "paginate".into(),
        format!("{}/auth/api-key/query/offset", server.url()),
        "--auth".into(),
        r#"{"type":"api_key","name":"api_key","api_key":"${DEMO_KEY}","location":"query"}"#.into(),
        "-p".into(),
        "tag=${TAG_SECRET}".into(),
        "-p".into(),
        "session_token=literal-session-value".into(),
        "-H".into(),
        "X-Custom: ${HEADER_SECRET}".into(),
        "--paginator".into(),
        r#"{"type":"offset","limit":2}"#.into(),
        "--data-selector".into(),
        "items".into(),
        "-o".into(),
        out.display().to_string(),
        "--checkpoint".into(),
        ckpt.display().to_string(),
    ];
    let env = [
        ("DEMO_KEY", "demo-api-key"),
        ("TAG_SECRET", "tag-secret-value"),
        ("HEADER_SECRET", "header-secret-value"),
    ];
    let mut cmd = bin();
    cmd.args(&args)
        .envs(env)
        .env("RESTCLIENT_TEST_PAUSE_AT", "saved:3")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    for line in BufReader::new(stderr).lines() {
        if line.expect("line").starts_with("RESTCLIENT_TEST_PAUSED") {
            break;
        }
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let text = std::fs::read_to_string(&ckpt).expect("checkpoint");
    for (_, secret) in env {
        assert!(
            !text.contains(secret),
            "the checkpoint holds `{secret}`:\n{text}"
        );
    }
    assert!(!text.contains("literal-session-value"), "{text}");
    let before = server.requests().len();
    let o = bin().args(&args).envs(env).output().expect("resume");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let resumed = &server.requests()[before..];
    assert!(!resumed.is_empty());
    for r in resumed {
        let q = r.query.clone().unwrap_or_default();
        assert!(
            q.contains("api_key=demo-api-key")
                && q.contains("tag=tag-secret-value")
                && q.contains("session_token=literal-session-value"),
            "{q}"
        );
        assert_eq!(r.header("x-custom"), Some("header-secret-value"));
        assert!(
            !q.split('&').any(|kv| kv == "offset=0"),
            "the first page is not asked again: {q}"
        );
    }
    let lines = std::fs::read_to_string(&out).expect("out");
    assert_eq!(lines.lines().count(), 20);
}

/// A server of `pages` pages linked by `next`, whose request number `hang_at` (counted over
/// the server's life) never gets an answer: the binary is killed with a request in flight.
fn hanging_server(
    pages: u32,
    hang_at: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> support::Server {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = AtomicUsize::new(0);
    support::Server::start(move |req| {
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        if n == hang_at.load(Ordering::SeqCst) {
            return support::Action::Hang;
        }
        let page: u32 = support::query(&req.target, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let next = if page < pages {
            format!(r#""/items?page={}""#, page + 1)
        } else {
            "null".into()
        };
        support::json(
            200,
            &format!(
                r#"{{"items":[{{"p":{page},"i":1}},{{"p":{page},"i":2}},{{"p":{page},"i":3}}],"next":{next}}}"#
            ),
        )
    })
}

#[test]
fn sigkill_with_a_request_in_flight_and_after_the_last_save_then_resume_is_exactly_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let pages = 8;
    let hang_at = Arc::new(AtomicUsize::new(0));
    let server = hanging_server(pages, Arc::clone(&hang_at));
    let dir = tempfile::tempdir().expect("tempdir");
    let ckpt = dir.path().join("c.json");
    let out = dir.path().join("out.ndjson");
    let args = json_link_walk(&server.url, &out, &ckpt);
    let expected: String = (1..=pages)
        .flat_map(|p| (1..=3).map(move |i| format!("{{\"p\":{p},\"i\":{i}}}\n")))
        .collect();
    let mut rng = Rng((seed() ^ 0xF11E) | 1);
    let received = std::cell::Cell::new(0usize);
    // Three kills, each while the server holds a request (seeded: which one).
    for _ in 0..3 {
        let saved = saved_pages(&ckpt);
        let k = received.get() + 1 + rng.below(u64::from(pages) - saved) as usize;
        hang_at.store(k, Ordering::SeqCst);
        let before = server.requests().len();
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        server.wait_for(|_| {
            received.set(received.get() + 1);
            received.get() == k
        });
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        for r in &server.requests()[before..] {
            let page: u64 = support::query(&r.target, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            assert!(
                page > saved,
                "page {page} asked again after {saved} were saved"
            );
        }
    }
    hang_at.store(0, Ordering::SeqCst);
    // Killed after the last page was saved, before the file was removed: the resume sends
    // nothing and completes.
    let (killed, _) = run_until(&args, Some(("saved", u64::from(pages))));
    assert!(killed);
    let before = server.requests().len();
    let o = bin().args(&args).output().expect("resume");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        server.requests().len(),
        before,
        "a finished walk sends nothing"
    );
    assert_eq!(std::fs::read_to_string(&out).expect("output"), expected);
    assert!(!ckpt.exists());
}

#[test]
fn on_stdout_a_resume_writes_the_pages_after_the_last_saved_one() {
    let server = demo(20, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let ckpt = dir.path().join("c.json");
    let args: Vec<String> = vec![
        "paginate".into(),
        format!("{}/offset", server.url()),
        "--paginator".into(),
        r#"{"type":"offset","limit":2}"#.into(),
        "--data-selector".into(),
        "items".into(),
        "--checkpoint".into(),
        ckpt.display().to_string(),
    ];
    let (killed, _) = run_until(&args, Some(("saved", 3)));
    assert!(killed);
    let o = bin().args(&args).output().expect("resume");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ids: Vec<u64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["id"]
                .as_u64()
                .expect("id")
        })
        .collect();
    assert_eq!(ids, (7..=20).collect::<Vec<_>>());
    assert!(!ckpt.exists());
}

/// `paginate URL/items` with a JSON link, `-o out` and `--checkpoint ckpt`: the walk the
/// closure-server tests kill and resume.
fn json_link_walk(url: &str, out: &Path, ckpt: &Path) -> Vec<String> {
    vec![
        "paginate".into(),
        format!("{url}/items"),
        "--paginator".into(),
        "json_link".into(),
        "--data-selector".into(),
        "items".into(),
        "-o".into(),
        out.display().to_string(),
        "--checkpoint".into(),
        ckpt.display().to_string(),
    ]
}

// ---- run: a three-level config killed and resumed ----------------------------------------

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A request forwarded to the demo API as it came, with the proxy's `Host` (so the tracker's
/// `Link` headers point back at the proxy); the demo's answer, whole.
fn forward(demo: std::net::SocketAddr, host: &str, req: &support::Req) -> support::Action {
    let mut s = std::net::TcpStream::connect(demo).expect("connect to the demo API");
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        req.method,
        req.target,
        req.body.len()
    );
    for (n, v) in &req.headers {
        let skip = ["host", "connection", "content-length", "accept-encoding"];
        if !skip.contains(&n.to_ascii_lowercase().as_str()) {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("send");
    s.write_all(&req.body).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut headers = Vec::new();
    let mut chunked = false;
    for line in lines {
        let Some((n, v)) = line.split_once(':') else {
            continue;
        };
        let (n, v) = (n.trim(), v.trim());
        match n.to_ascii_lowercase().as_str() {
            "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
            "content-length" | "connection" => {}
            _ => headers.push((n.to_owned(), v.to_owned())),
        }
    }
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..end])
                    .split(';')
                    .next()
                    .unwrap_or("0")
                    .trim(),
                16,
            )
            .expect("hex chunk size");
            rest = &rest[end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    support::Action::Reply {
        status,
        headers,
        body,
    }
}

/// What happened to a run the test watches.
enum Seen {
    /// The request the test waits for came; the proxy holds it.
    Held,
    Exited(Output),
}

/// The demo API's tracker behind a proxy that holds the request numbered `hold_at` (counted
/// over the proxy's life) and says so.
struct Tracker {
    proxy: support::Server,
    _demo: BackgroundServer,
    requests: Arc<AtomicUsize>,
    hold_at: Arc<AtomicUsize>,
    events: std::sync::mpsc::Receiver<Seen>,
    events_tx: std::sync::mpsc::Sender<Seen>,
}

fn tracker(projects: u64, issues: u64) -> Tracker {
    let demo = DemoServer::builder()
        .tracker(demo_api::TrackerConfig {
            projects,
            issues_per_project: issues,
            ..Default::default()
        })
        .spawn()
        .expect("demo server");
    let addr = demo.addr();
    let requests = Arc::new(AtomicUsize::new(0));
    let hold_at = Arc::new(AtomicUsize::new(0));
    let (tx, events) = std::sync::mpsc::channel();
    let held = Mutex::new(tx.clone());
    let (n, h) = (Arc::clone(&requests), Arc::clone(&hold_at));
    let proxy = support::Server::start(move |req| {
        let k = n.fetch_add(1, Ordering::SeqCst) + 1;
        if k == h.load(Ordering::SeqCst) {
            let _ = held.lock().expect("lock").send(Seen::Held);
            return support::Action::Hang;
        }
        let host = req.header("host").unwrap_or("127.0.0.1").to_owned();
        forward(addr, &host, req)
    });
    Tracker {
        proxy,
        _demo: demo,
        requests,
        hold_at,
        events,
        events_tx: tx,
    }
}

/// projects → issues (incremental, per project) → comments (a 404 ignored per issue), as
/// `examples/run/tracker.yaml` has them.
fn three_levels(dir: &Path, url: &str) -> std::path::PathBuf {
    let config = format!(
        r#"
client:
  base_url: "{url}/tracker/"
resource_defaults:
  primary_key: id
resources:
  - name: projects
    endpoint:
      path: projects
      params: {{page_size: 2}}
      data_selector: projects
      paginator: {{type: page_number, base_page: 1, total_path: total_pages}}
  - name: issues
    endpoint:
      path: "projects/{{resources.projects.id}}/issues"
      params: {{per_page: 10, sort: updated, direction: asc, since: "{{incremental.start_value}}"}}
      paginator: header_link
      incremental: {{cursor_path: updated_at, initial_value: "2024-01-01T00:00:00Z"}}
    include_from_parent: [key]
  - name: comments
    endpoint:
      path: "projects/{{resources.issues.project_id}}/issues/{{resources.issues.number}}/comments"
      data_selector: items
      paginator: {{type: offset, limit: 3, total_path: total}}
      response_actions: [{{status_code: 404, action: ignore}}]
    include_from_parent: [id]
"#
    );
    let path = dir.join("tracker.yaml");
    std::fs::write(&path, config).expect("config");
    path
}

/// Every table of a run directory (all its loads, oldest first) and the state file.
fn snapshot(out: &Path) -> (BTreeMap<String, String>, Value) {
    let mut tables = BTreeMap::new();
    for entry in std::fs::read_dir(out).expect("output directory") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().expect("type").is_dir() || name.starts_with('_') {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(entry.path())
            .expect("table")
            .map(|e| e.expect("file").path())
            .collect();
        files.sort();
        let text: String = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("table file"))
            .collect();
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{name}: a cut line"
        );
        tables.insert(name, text);
    }
    let state = serde_json::from_slice(&std::fs::read(out.join("state.json")).expect("state"))
        .expect("state JSON");
    (tables, state)
}

fn run_args(config: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "run".into(),
        config.display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// Nothing left pending and no temporary file anywhere in `out`.
fn assert_tidy(out: &Path, what: &str) {
    assert!(
        !out.join("_pending").exists(),
        "{what}: a load left pending"
    );
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            assert!(
                !p.to_string_lossy().ends_with(".tmp"),
                "{what}: a temporary file left: {}",
                p.display()
            );
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
}

/// The tables and the state of `out` are those of the uninterrupted run, and nothing is left
/// pending or half-written.
fn assert_same(out: &Path, reference: &(BTreeMap<String, String>, Value), what: &str) {
    let (tables, state) = snapshot(out);
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        reference.0.keys().collect::<Vec<_>>(),
        "{what}: tables"
    );
    for (name, text) in &reference.0 {
        let got = &tables[name];
        if got != text {
            let ids = |t: &str| -> Vec<String> {
                t.lines()
                    .map(|l| serde_json::from_str::<Value>(l).expect("JSON")["id"].to_string())
                    .collect()
            };
            panic!(
                "{what}: table {name} differs from an uninterrupted run's\n got ids: {:?}\nwant ids: {:?}",
                ids(got),
                ids(text)
            );
        }
    }
    assert_eq!(state, reference.1, "{what}: state");
    assert_tidy(out, what);
}

/// Starts `restclient args` and reports its exit to the tracker's event channel.
fn spawn_watched(args: &[String], events: std::sync::mpsc::Sender<Seen>) -> u32 {
    let child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn restclient");
    let pid = child.id();
    std::thread::spawn(move || {
        let out = child.wait_with_output().expect("wait");
        let _ = events.send(Seen::Exited(out));
    });
    pid
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
}

#[test]
fn a_three_level_run_killed_at_random_requests_and_resumed_is_an_uninterrupted_run() {
    let t = tracker(6, 40);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = three_levels(dir.path(), &t.proxy.url);
    let whole = dir.path().join("whole");
    let (killed, done) = run_until(&run_args(&config, &whole, &[]), None);
    assert!(!killed);
    let done = done.expect("output");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let reference = snapshot(&whole);
    let total = t.requests.load(Ordering::SeqCst) as u64;
    assert!(total > 200, "{total} requests");
    assert!(reference.0["comments"].lines().count() > 200);

    let seed = seed() ^ 0x3_1E7E;
    eprintln!("run kill seed {seed} (set CRASH_SEED to replay)");
    let mut rng = Rng(seed | 1);
    for round in 0..2 {
        for (sig, code) in [("-KILL", None), ("-INT", Some(130)), ("-TERM", Some(143))] {
            let what = format!("round {round}, {sig}");
            let out = dir.path().join(format!("out-{round}{sig}"));
            let mut kills = 0;
            loop {
                let resume = kills > 0;
                // Kill at a request still to come (at most three times), then let it finish.
                let at = (kills < 1 + rng.below(3)).then(|| rng.below(total / 2 + 1) as usize + 1);
                let base = t.requests.load(Ordering::SeqCst);
                t.hold_at
                    .store(at.map_or(0, |n| base + n), Ordering::SeqCst);
                let extra: &[&str] = if resume { &["--resume"] } else { &[] };
                let pid = spawn_watched(&run_args(&config, &out, extra), t.events_tx.clone());
                match t.events.recv_timeout(std::time::Duration::from_secs(60)) {
                    Ok(Seen::Held) => {
                        signal(pid, sig);
                        let Ok(Seen::Exited(o)) =
                            t.events.recv_timeout(std::time::Duration::from_secs(60))
                        else {
                            panic!("{what}: the run did not end after {sig}");
                        };
                        let stderr = String::from_utf8_lossy(&o.stderr);
                        assert_eq!(o.status.code(), code, "{what}: {stderr}");
                        if code.is_some() {
                            assert!(
                                stderr.contains("--resume"),
                                "{what}: says how to go on: {stderr}"
                            );
                        }
                        kills += 1;
                    }
                    Ok(Seen::Exited(o)) => {
                        assert!(
                            o.status.success(),
                            "{what}: {}",
                            String::from_utf8_lossy(&o.stderr)
                        );
                        break;
                    }
                    Err(e) => panic!("{what}: {e}"),
                }
            }
            assert_same(&out, &reference, &format!("{what}, {kills} kills"));
        }
    }
}

#[test]
fn a_run_killed_at_every_step_and_resumed_is_an_uninterrupted_run() {
    let demo = DemoServer::builder()
        .tracker(demo_api::TrackerConfig {
            projects: 2,
            issues_per_project: 3,
            ..Default::default()
        })
        .spawn()
        .expect("demo server");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = three_levels(dir.path(), demo.url().trim_end_matches('/'));
    let fast = ["--checkpoint-interval", "0"];
    let whole = dir.path().join("whole");
    let (_, done) = run_until(&run_args(&config, &whole, &fast), None);
    let done = done.expect("output");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let reference = snapshot(&whole);
    let mut kinds = std::collections::BTreeSet::new();
    for step in 1.. {
        let out = dir.path().join(format!("out-{step}"));
        let (killed, done) = run_until_marker(&run_args(&config, &out, &fast), step, &mut kinds);
        if !killed {
            let done = done.expect("output");
            assert!(
                done.status.success(),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
            assert!(step > 20, "only {step} steps");
            break;
        }
        let what = format!("killed at step {step}");
        // A load whose own summary says complete (renamed into place: not a temporary file)
        // committed everything.
        let complete = std::fs::read_dir(out.join("_loads"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .any(|e| {
                std::fs::read(e.path())
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .is_some_and(|v| v["complete"] == true)
            });
        if complete {
            assert_same(&out, &reference, &what);
        }
        // Resumed (when complete: a new run, which first tidies up what the kill left).
        let o = bin()
            .args(run_args(&config, &out, &["--resume"]))
            .output()
            .expect("resume");
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if complete {
            assert_tidy(&out, &what);
        } else {
            assert_same(&out, &reference, &what);
        }
    }
    for kind in [
        "write",
        "checkpoint",
        "saved",
        "commit",
        "moved",
        "state",
        "summary",
    ] {
        assert!(
            kinds.contains(kind),
            "never killed at a `{kind}` step: {kinds:?}"
        );
    }
}

/// [`run_until`] paused at `step:<k>`, noting which kind of step it was.
fn run_until_marker(
    args: &[String],
    step: u64,
    kinds: &mut std::collections::BTreeSet<String>,
) -> (bool, Option<Output>) {
    let mut cmd = bin();
    cmd.args(args)
        .env("RESTCLIENT_TEST_PAUSE_AT", format!("step:{step}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn restclient");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr line");
        if let Some(what) = line.strip_prefix("RESTCLIENT_TEST_PAUSED ") {
            kinds.extend(what.split_whitespace().nth(1).map(str::to_owned));
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
            return (true, None);
        }
        lines.push(line);
    }
    let status = child.wait().expect("wait");
    (
        false,
        Some(Output {
            status,
            stdout: Vec::new(),
            stderr: lines.join("\n").into_bytes(),
        }),
    )
}

/// `--restart` killed while it removes the interrupted load leaves no load for `--resume` to
/// take up: a load that had lost its commit records (removed first) but kept its `run.json`
/// would be resumed, its committed subtree walked again from the committed cursors, and the
/// table file of that load replaced by the (empty) second walk.
#[test]
fn a_restart_killed_while_it_discards_leaves_nothing_to_resume() {
    let demo = DemoServer::builder()
        .tracker(demo_api::TrackerConfig {
            projects: 2,
            issues_per_project: 3,
            ..Default::default()
        })
        .spawn()
        .expect("demo server");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = three_levels(dir.path(), demo.url().trim_end_matches('/'));
    // A second top-level resource that fails: the load stays pending with `projects`
    // (and its issues and comments) committed.
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("  - name: broken\n    endpoint: {path: nowhere, paginator: single_page}\n");
    std::fs::write(&config, text).expect("config");
    let out = dir.path().join("out");
    let o = bin()
        .args(run_args(&config, &out, &[]))
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let committed = snapshot(&out);
    assert!(committed.0["issues"].lines().count() > 3);
    assert!(out.join("_pending").exists());

    let (killed, _) = run_until(
        &run_args(&config, &out, &["--restart"]),
        Some(("discarded", 0)),
    );
    assert!(killed, "the restart reached the discard");
    let o = bin()
        .args(run_args(&config, &out, &["--resume"]))
        .output()
        .expect("resume");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = snapshot(&out);
    let sorted = |t: &str| {
        let mut l: Vec<&str> = t.lines().collect();
        l.sort_unstable();
        l.join("\n")
    };
    for table in ["projects", "issues", "comments"] {
        let (was, now) = (&committed.0[table], &after.0[table]);
        if table == "projects" {
            // Not incremental, appended: a second load adds a second copy, as a rerun does.
            assert_eq!(now.lines().count(), 2 * was.lines().count(), "{table}");
        } else {
            // Behind the committed cursors: nothing new, nothing lost.
            assert_eq!(sorted(now), sorted(was), "{table}");
        }
    }
    assert!(
        !std::fs::read_dir(out.join("_pending"))
            .expect("pending")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".discarded-")),
        "the discarded load's remains are gone"
    );
}
