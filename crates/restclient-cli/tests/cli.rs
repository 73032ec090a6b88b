//! The real `restclient` binary against the demo API.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use demo_api::{BackgroundServer, DemoServer};
use predicates::prelude::*;
use serde_json::Value;

/// A demo API on its own runtime, so tests can block on the binary.
struct Demo {
    url: String,
    _server: BackgroundServer,
}

impl Demo {
    fn start(records: u64, page_size: u64) -> Demo {
        let server = DemoServer::builder()
            .records(records)
            .page_size(page_size)
            .spawn()
            .expect("demo server");
        Demo {
            url: server.url(),
            _server: server,
        }
    }
}

fn restclient() -> Command {
    let mut cmd = Command::cargo_bin("restclient").expect("binary");
    cmd.env_remove("RUNTIME__LOG_LEVEL");
    cmd
}

/// Parses NDJSON and checks that every line is one JSON value and ids are 1..=n exactly once.
fn assert_all_ids(stdout: &[u8], n: u64) {
    let text = std::str::from_utf8(stdout).expect("utf-8 output");
    let mut ids = Vec::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("invalid JSON line {line:?}: {e}"));
        ids.push(v["id"].as_u64().expect("id"));
    }
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicates in output");
    assert_eq!(unique, (1..=n).collect::<BTreeSet<_>>());
    assert!(text.is_empty() || text.ends_with('\n'));
}

#[test]
fn paginate_every_style_writes_each_record_once() {
    let demo = Demo::start(57, 10);
    let cases = [
        ("/offset", r#"{"type":"offset","limit":10}"#, "items"),
        (
            "/page",
            r#"{"type":"page_number","base_page":1,"total_path":"total_pages"}"#,
            "data",
        ),
        ("/json-link", "json_link", "data"),
        ("/header-link", "header_link", "$"),
        (
            "/cursor",
            r#"{"type":"cursor","cursor_path":"cursors.next","cursor_param":"cursor"}"#,
            "items",
        ),
        ("/header-cursor", "header_cursor", "$"),
    ];
    for (path, spec, selector) in cases {
        let out = restclient()
            .args([
                "paginate",
                &format!("{}{path}", demo.url),
                "--paginator",
                spec,
                "--data-selector",
                selector,
            ])
            .assert()
            .success();
        assert_all_ids(&out.get_output().stdout, 57);
    }
}

#[test]
fn post_body_cursor_with_json_body() {
    let demo = Demo::start(23, 5);
    let out = restclient()
        .args([
            "paginate",
            &format!("{}/search", demo.url),
            "-X",
            "POST",
            "--json",
            r#"{"query":"x"}"#,
        ])
        .args([
            "--paginator",
            r#"{"type":"cursor","cursor_path":"next_page_cursor","cursor_body_path":"cursor"}"#,
        ])
        .args(["--data-selector", "results"])
        .assert()
        .success();
    assert_all_ids(&out.get_output().stdout, 23);
}

#[test]
fn output_file_limits_and_summary() {
    let demo = Demo::start(100, 10);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out.ndjson");
    restclient()
        .args([
            "paginate",
            &format!("{}/offset", demo.url),
            "--paginator",
            r#"{"type":"offset","limit":10}"#,
        ])
        .args(["--max-records", "25", "-o"])
        .arg(&file)
        .args(["--log-level", "info"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("3 pages, 25 records")
                .and(predicate::str::contains("max_records limit (25)")),
        );
    let written = std::fs::read(&file).expect("output file");
    assert_all_ids(&written, 25);

    let out = restclient()
        .args([
            "paginate",
            &format!("{}/json-link", demo.url),
            "--paginator",
            "json_link",
            "--max-pages",
            "2",
        ])
        .assert()
        .success();
    assert_all_ids(&out.get_output().stdout, 20);
}

#[test]
fn inspect_prints_the_walk_plan() {
    let demo = Demo::start(30, 10);
    let out = restclient()
        .args([
            "inspect",
            &format!("{}/json-link/nested", demo.url),
            "--paginator",
            r#"{"type":"json_link","next_url_path":"pagination.next"}"#,
        ])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON object");
    assert_eq!(v["paginator"]["type"], "json_link");
    assert_eq!(v["paginator"]["next_url_path"], "pagination.next");
    assert_eq!(v["data_selector"], "results.posts");
    assert_eq!(v["records"], 10);
}

#[test]
fn inspect_shows_the_detected_paginator_of_an_undeclared_endpoint() {
    let demo = Demo::start(25, 10);
    let inspect = |path: &str| -> Value {
        let out = restclient()
            .args(["inspect", &format!("{}{path}", demo.url)])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).expect("one JSON object")
    };
    let v = inspect("/page");
    assert_eq!(
        v["paginator"],
        serde_json::json!({"type": "page_number", "base_page": 1, "page": 1, "page_param": "page",
                           "total_path": "total_pages", "stop_after_empty_page": true})
    );
    assert_eq!(v["data_selector"], "data");
    assert_eq!(v["records"], 10);
    let v = inspect("/json-link/nested");
    assert_eq!(
        v["paginator"],
        serde_json::json!({"type": "json_link", "next_url_path": "pagination.next"})
    );
    assert_eq!(v["data_selector"], "results.posts");
    // What inspect printed works as --paginator (a SPEC), and walks every record once.
    for path in ["/offset", "/page", "/json-link", "/header-link", "/cursor"] {
        let plan = inspect(path);
        let spec = plan["paginator"].to_string();
        let selector = plan["data_selector"].as_str().expect("selector").to_owned();
        let out = restclient()
            .args([
                "paginate",
                &format!("{}{path}", demo.url),
                "--paginator",
                &spec,
            ])
            .args(["--data-selector", &selector])
            .assert()
            .success();
        assert_all_ids(&out.get_output().stdout, 25);
    }
}

#[test]
fn paginate_without_a_paginator_detects_it() {
    let demo = Demo::start(25, 10);
    let out = restclient()
        .args(["paginate", &format!("{}/page", demo.url)])
        .assert()
        .success();
    assert_all_ids(&out.get_output().stdout, 25);
}

#[test]
fn get_prints_the_body_and_fails_on_error_status() {
    let demo = Demo::start(5, 5);
    restclient()
        .args(["get", &format!("{}/posts/3", demo.url)])
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""id":3"#));
    restclient()
        .args(["get", &format!("{}/posts/99?api_key=SUPERSECRET", demo.url)])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("404")
                .and(predicate::str::contains("not found"))
                .and(predicate::str::contains("SUPERSECRET").not()),
        );
}

#[test]
fn env_expansion_in_auth_and_headers() {
    let demo = Demo::start(5, 5);
    let out = restclient()
        .env("RC_TEST_TOKEN", "tok-123456")
        .args([
            "get",
            &format!("{}/echo", demo.url),
            "--auth",
            r#"{"type":"bearer","token":"${RC_TEST_TOKEN}"}"#,
        ])
        .args([
            "-H",
            "X-Trace: t-${RC_TEST_TOKEN}",
            "-p",
            "q=${RC_TEST_TOKEN}",
        ])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("echo JSON");
    assert_eq!(v["headers"]["authorization"], "Bearer tok-123456");
    assert_eq!(v["headers"]["x-trace"], "t-tok-123456");
    assert_eq!(v["query"][0], serde_json::json!(["q", "tok-123456"]));

    restclient()
        .env_remove("RC_TEST_MISSING")
        .args([
            "get",
            &format!("{}/echo", demo.url),
            "--auth",
            r#"{"type":"bearer","token":"${RC_TEST_MISSING}"}"#,
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("RC_TEST_MISSING").and(predicate::str::contains("not set")),
        );
}

#[test]
fn errors_are_one_line_with_exit_codes() {
    let demo = Demo::start(5, 5);
    // A bad SPEC is a usage error: exit 2, before any request.
    let bad_specs = [
        (r#"{"type":"offset"}"#, "limit"),
        (r#"{"type":"offset","limit":5,"totl":1}"#, "totl"),
        (r#"{"type":"nope"}"#, "nope"),
        ("{not json", "not valid JSON"),
    ];
    for (spec, needle) in bad_specs {
        let out = restclient()
            .args([
                "paginate",
                &format!("{}/offset", demo.url),
                "--paginator",
                spec,
            ])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(needle), "{spec}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{stderr}"
        );
    }
    restclient()
        .args([
            "paginate",
            &format!("{}/posts/999?token=SECRETTOKEN", demo.url),
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("404 Client Error: Not Found")
                .and(predicate::str::contains("SECRETTOKEN").not()),
        );
    restclient().args(["paginate"]).assert().code(2);
    restclient().args(["bogus-command"]).assert().code(2);
    restclient()
        .args(["paginate", &demo.url, "--max-pages", "many"])
        .assert()
        .code(2);
}

#[test]
fn closed_stdout_pipe_ends_quietly() {
    let demo = Demo::start(20_000, 1000);
    let bin = assert_cmd::cargo::cargo_bin("restclient");
    let mut child = StdCommand::new(bin)
        .args([
            "paginate",
            &format!("{}/offset", demo.url),
            "--paginator",
            r#"{"type":"offset","limit":1000}"#,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout); // like `| head -c 64`
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert!(status.success(), "exit {status:?}, stderr: {stderr}");
    assert!(stderr.is_empty(), "quiet: {stderr}");
}

#[cfg(feature = "demo")]
#[test]
fn demo_walks_every_style() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = restclient()
        .current_dir(dir.path())
        .args([
            "demo",
            "--records",
            "120",
            "--page-size",
            "25",
            "--no-progress",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for style in [
        "offset",
        "page_number",
        "json_link",
        "header_link",
        "cursor",
        "header_cursor",
        "post_body_cursor",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{style} ")))
            .unwrap_or_else(|| panic!("{style} missing: {stdout}"));
        assert!(line.contains(" 120 ") && line.contains("yes"), "{line}");
        let written = std::fs::read(
            dir.path()
                .join("restclient-demo-output")
                .join(format!("{style}.ndjson")),
        )
        .expect("file");
        assert_all_ids(&written, 120);
    }
    // Then the bundled dlt rest_api config: every resource complete, the 404 children
    // ignored, the comments carrying their issue's id.
    let run = dir.path().join("restclient-demo-output").join("tracker");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).expect("summary"))
            .expect("summary JSON");
    let resources = summary["resources"].as_array().expect("resources");
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names.len(), 5, "{summary}");
    for r in resources {
        assert_eq!(r["status"], "completed", "{r}");
    }
    for name in ["projects", "issues", "comments", "users", "events"] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    let walked = resources
        .iter()
        .find(|r| r["name"] == "comments")
        .expect("comments");
    assert!(walked["ignored_walks"].as_u64() > Some(0), "{walked}");
    // summary.json is the latest load's: it names the files that load committed.
    let file = |name: &str| {
        let r = resources.iter().find(|r| r["name"] == name).expect(name);
        run.join(r["file"].as_str().expect("a committed file"))
    };
    let comments = std::fs::read_to_string(file("comments")).expect("comments");
    assert!(comments.lines().count() > 0);
    assert!(
        comments.lines().all(|l| l.contains("\"_issues_id\":")),
        "every comment carries its issue's id"
    );
    // Two runs: the second, after the demo moved the data on, delivers only the new and
    // changed issues — some, not all 150 of the first.
    assert_eq!(stdout.matches(" 0 failed").count(), 2, "{stdout}");
    let issues = std::fs::read_to_string(file("issues")).expect("issues");
    let n = issues.lines().count();
    assert!(n > 0 && n < 150, "{n} issues in the second run");
}

#[test]
fn every_auth_spec_walks_a_protected_route() {
    let demo = Demo::start(30, 10);
    let offset = r#"{"type":"offset","limit":10}"#;
    let token_url = format!("{}/oauth/token", demo.url);
    let specs = [
        (
            "bearer",
            r#"{"type":"bearer","token":"${RC_SECRET}"}"#.to_owned(),
            "demo-bearer-token",
        ),
        (
            "api-key/header",
            r#"{"type":"api_key","name":"X-API-Key","api_key":"${RC_SECRET}"}"#.to_owned(),
            "demo-api-key",
        ),
        (
            "api-key/query",
            r#"{"type":"api_key","name":"api_key","api_key":"${RC_SECRET}","location":"query"}"#
                .to_owned(),
            "demo-api-key",
        ),
        (
            "api-key/cookie",
            r#"{"type":"api_key","name":"api_key","api_key":"${RC_SECRET}","location":"cookie"}"#
                .to_owned(),
            "demo-api-key",
        ),
        (
            "basic",
            r#"{"type":"http_basic","username":"demo-user","password":"${RC_SECRET}"}"#.to_owned(),
            "demo-password",
        ),
        (
            "oauth2",
            format!(
                r#"{{"type":"oauth2_client_credentials","access_token_url":"{token_url}","client_id":"demo-client","client_secret":"${{RC_SECRET}}","client_auth_method":"client_secret_basic"}}"#
            ),
            "demo-client-secret",
        ),
    ];
    for (route, spec, secret) in specs {
        let out = restclient()
            .env("RC_SECRET", secret)
            .args([
                "paginate",
                &format!("{}/auth/{route}/offset", demo.url),
                "--paginator",
                offset,
                "--auth",
                &spec,
            ])
            .args(["--data-selector", "items", "--log-level", "trace"])
            .assert()
            .success();
        assert_all_ids(&out.get_output().stdout, 30);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(!stderr.contains(secret), "{route}: secret in logs");
    }
    // Wrong credentials: one clear line naming the status.
    restclient()
        .args([
            "paginate",
            &format!("{}/auth/bearer/offset", demo.url),
            "--paginator",
            offset,
            "--auth",
            r#"{"token":"wrong-token"}"#,
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("401 Client Error: Unauthorized")
                .and(predicate::str::contains("wrong-token").not()),
        );
    restclient()
        .args([
            "get",
            &demo.url,
            "--auth",
            r#"{"type":"api_key","api_key":"k","location":"sideways"}"#,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("location"));
}

#[test]
fn config_file_sets_retries_and_bad_keys_are_named() {
    let demo = Demo::start(5, 5);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[runtime]\nrequest_max_attempts = 2\nrequest_backoff_factor = 0.001\n",
    )
    .expect("write");
    let url = format!("{}/status/503", demo.url);
    restclient()
        .args(["get", &url, "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("503"));
    let hits = demo
        ._server
        .requests()
        .iter()
        .filter(|r| r.path == "/status/503")
        .count();
    assert_eq!(hits, 2, "request_max_attempts = 2 from the file");

    // A bad key in the config file is a usage error (exit 2) naming the key and the file.
    std::fs::write(&config, "[runtime]\nrequest_max_attemps = 2\n").expect("write");
    restclient()
        .args(["get", &url, "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("request_max_attemps")
                .and(predicate::str::contains("config.toml")),
        );
}

#[test]
fn concurrency_flag_keeps_order_and_completeness() {
    let demo = Demo::start(333, 10);
    let out = restclient()
        .args([
            "paginate",
            &format!("{}/offset", demo.url),
            "--paginator",
            r#"{"type":"offset","limit":10}"#,
        ])
        .args(["--data-selector", "items", "--concurrency", "8"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let ids: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["id"]
                .as_u64()
                .expect("id")
        })
        .collect();
    assert_eq!(ids, (1..=333).collect::<Vec<_>>(), "in order, each once");
    assert_eq!(demo._server.requests().len(), 34);
    restclient()
        .args(["paginate", &demo.url, "--concurrency", "0"])
        .assert()
        .code(2);
}

/// Runs the binary under `script`, which gives it a pseudo-terminal: how a person sees it.
fn on_a_terminal(args: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("restclient");
    let out = StdCommand::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .env_remove("RUNTIME__LOG_LEVEL")
        .output()
        .expect("script(1) from util-linux runs the binary on a pseudo-terminal");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).replace('\r', "\n")
}

#[test]
fn progress_bar_on_a_terminal_and_not_with_no_progress() {
    let server = DemoServer::builder()
        .records(1500)
        .page_size(10)
        .latency(std::time::Duration::from_millis(1))
        .spawn()
        .expect("demo server");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out.ndjson");
    let walk = format!(
        "paginate {}/offset --paginator '{{\"type\":\"offset\",\"limit\":10}}' --data-selector items -o {}",
        server.url(),
        file.display()
    );
    let shown = on_a_terminal(&walk);
    assert!(
        shown.contains("150 pages, 1500 records in"),
        "final line: {shown}"
    );
    assert!(shown.contains("stopped: total reached (1500)"), "{shown}");
    assert!(
        shown.contains("records/s") && shown.contains("paginate: "),
        "bar: {shown}"
    );
    assert_all_ids(&std::fs::read(&file).expect("output"), 1500);

    // No bar; the summary line stays (with -o FILE nothing else says how the walk went).
    let quiet = on_a_terminal(&format!("{walk} --no-progress"));
    assert!(
        !quiet.contains("records/s") && quiet.contains("150 pages, 1500 records in"),
        "{quiet}"
    );
}
