//! The CLI items of the hardening issue, each against the real binary and a real server on
//! 127.0.0.1: masked and capped error bodies, `${ENV}` values kept secret and on their origin,
//! closed pipes, lazy `-o`, signals, and every usage error (exit 2, named, nothing echoed,
//! no request sent).

mod support;

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{Action, Gate, Server, json, query, text};

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("restclient"));
    cmd.env_remove("RUNTIME__LOG_LEVEL")
        .env_remove("RESTCLIENT_CONFIG");
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("run the binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An offset API of `total` records, `limit` per page: `{"items": [...], "total": N}`.
fn offset_page(target: &str, total: u64) -> Action {
    let offset: u64 = query(target, "offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit: u64 = query(target, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let items: Vec<Value> = (offset..total.min(offset + limit))
        .map(|i| serde_json::json!({"id": i + 1, "name": format!("record {}", i + 1)}))
        .collect();
    json(
        200,
        &serde_json::json!({"items": items, "total": total}).to_string(),
    )
}

const OFFSET: &str = r#"{"type":"offset","limit":10}"#;

#[test]
fn get_error_body_is_masked_and_capped() {
    // A 401 whose body echoes the request (headers, query, body), then 20 000 characters.
    let server = Server::start(|r| text(401, format!("{}\n{}", r.echo(), "x".repeat(20_000))));
    let (code, stdout, stderr) = run(bin()
        .env("RC_TOKEN", "tok-AAAA1111")
        .env("RC_HEADER", "hdr-BBBB2222")
        .env("RC_PARAM", "par-CCCC3333")
        .env("RC_BODY", "bod-DDDD4444")
        .args([
            "get",
            &format!("{}/private", server.url),
            "-X",
            "POST",
            "--log-level",
            "trace",
        ])
        .args(["--auth", r#"{"type":"bearer","token":"${RC_TOKEN}"}"#])
        .args([
            "-H",
            "X-Custom: ${RC_HEADER}",
            "-H",
            "X-Api-Key: lit-EEEE5555",
        ])
        .args(["-p", "key=${RC_PARAM}", "--json", r#"{"q":"${RC_BODY}"}"#]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    // The server did get every secret (so the echo holds them) ...
    let echoed = seen[0].echo();
    for s in [
        "tok-AAAA1111",
        "hdr-BBBB2222",
        "par-CCCC3333",
        "bod-DDDD4444",
        "lit-EEEE5555",
    ] {
        assert!(echoed.contains(s), "{s} was sent");
        // ... and stderr shows none of them.
        assert!(!stderr.contains(s), "{s} leaked: {stderr}");
    }
    // The trace log comes first, then the status line and the body.
    let at = stderr
        .find("401 Unauthorized for url: ")
        .expect("status line");
    let stderr = &stderr[at..];
    assert!(
        stderr
            .to_ascii_lowercase()
            .contains("authorization: bearer ***"),
        "{stderr}"
    );
    assert!(
        stderr.contains("more characters)"),
        "capped: {}",
        stderr.len()
    );
    assert!(
        stderr.len() < 8192 + 500,
        "capped at 8192 characters: {}",
        stderr.len()
    );
}

#[test]
fn get_error_body_masks_an_oauth2_token_fetched_at_run_time() {
    let server = Server::start(|r| {
        if r.target.starts_with("/token") {
            json(
                200,
                r#"{"access_token":"runtime-HHHH8888","expires_in":3600}"#,
            )
        } else {
            text(403, r.echo())
        }
    });
    let spec = format!(
        r#"{{"type":"oauth2_client_credentials","access_token_url":"{}/token","client_id":"c","client_secret":"${{RC_SECRET}}"}}"#,
        server.url
    );
    let (code, _, stderr) = run(bin().env("RC_SECRET", "cs-IIII9999").args([
        "get",
        &format!("{}/private", server.url),
        "--auth",
        &spec,
    ]));
    assert_eq!(code, Some(1), "{stderr}");
    let sent = server.wait_for(|r| r.target.starts_with("/private"));
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer runtime-HHHH8888")
    );
    assert!(stderr.starts_with("403 "), "{stderr}");
    assert!(
        !stderr.contains("runtime-HHHH8888") && !stderr.contains("cs-IIII9999"),
        "{stderr}"
    );
}

#[test]
fn env_header_values_are_sensitive_and_stay_on_their_origin() {
    let other = Server::start(|r| text(200, r.echo()));
    let target = format!("{}/landing", other.url);
    let first = Server::start(move |_| Action::Reply {
        status: 302,
        headers: vec![("Location".into(), target.clone())],
        body: Vec::new(),
    });
    let (code, stdout, stderr) = run(bin()
        .env("RC_HEADER", "hdr-FFFF6666")
        .args(["get", &first.url, "--log-level", "trace"])
        .args(["-H", "X-From-Env: ${RC_HEADER}", "-H", "X-Plain: visible"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        first.requests()[0].header("x-from-env"),
        Some("hdr-FFFF6666")
    );
    // The other origin got the plain header (so the test can see headers) but not the secret.
    assert!(
        stdout.contains("X-Plain: visible") || stdout.contains("x-plain: visible"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("hdr-FFFF6666"),
        "sent cross-origin: {stdout}"
    );
    assert!(
        !stderr.contains("hdr-FFFF6666"),
        "in the trace log: {stderr}"
    );
}

#[test]
fn usage_errors_exit_2_name_the_argument_and_send_nothing() {
    let server = Server::start(|r| offset_page(&r.target, 10));
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_config = dir.path().join("config.toml");
    std::fs::write(&bad_config, "[runtime]\nrequest_max_attemps = 2\n").expect("write");
    let bad_config = bad_config.display().to_string();
    let s = "s3cr3t-GGGG7777";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["-H".into(), format!("Authorization Bearer {s}")],
            "-H/--header: expected `Name: value`",
        ),
        (vec!["-H".into(), format!("X-A: {s}\u{7f}")], "-H/--header"),
        (
            vec!["-H".into(), "Authorization: Bearer ${RC_EMPTY}".into()],
            "-H/--header: environment variable `RC_EMPTY` is empty",
        ),
        (
            vec!["-p".into(), s.into()],
            "-p/--param: expected `key=value`",
        ),
        (
            vec!["-p".into(), "k=${RC_UNSET}".into()],
            "-p/--param: environment variable `RC_UNSET` is not set",
        ),
        (
            vec![
                "--auth".into(),
                format!(r#"{{"type":"bearer","token":"{s}""#),
            ],
            "--auth: not valid JSON at line 1 column",
        ),
        (
            vec![
                "--auth".into(),
                format!(r#"{{"type":"bearer","tokn":"{s}"}}"#),
            ],
            "--auth: tokn: unknown key",
        ),
        (
            vec!["--auth".into(), format!(r#"{{"type":"{s}"}}"#)],
            "--auth: type: unknown auth type",
        ),
        (
            vec!["--auth".into(), s.into()],
            "--auth: type: unknown auth type",
        ),
        (
            vec!["--auth".into(), r#"{"token":"${RC_UNSET}"}"#.into()],
            "--auth: token: environment variable `RC_UNSET` is not set",
        ),
        (
            vec!["--auth".into(), r#"{"token":"${RC_EMPTY}"}"#.into()],
            "--auth: token: environment variable `RC_EMPTY` is empty",
        ),
        (
            vec!["--auth".into(), r#"{"token":"${RC_BINARY}"}"#.into()],
            "--auth: token: environment variable `RC_BINARY` is not valid UTF-8",
        ),
        (
            vec![
                "--auth".into(),
                r#"{"type":"api_key","api_key":"k","location":"sideways"}"#.into(),
            ],
            "--auth: location: unexpected value",
        ),
        (
            vec![
                "--paginator".into(),
                format!(r#"{{"type":"offset","limit":"{s}"}}"#),
            ],
            "--paginator: limit: expected an integer, got a string",
        ),
        (
            vec!["--paginator".into(), r#"{"type":"offset"}"#.into()],
            "--paginator: limit: is required",
        ),
        (
            vec!["--paginator".into(), r#"{"type":"nope"}"#.into()],
            "--paginator: type: unknown paginator type `nope`",
        ),
        (
            vec!["--json".into(), format!(r#"{{"q":"{s}""#)],
            "--json: not valid JSON at line 1 column",
        ),
        (
            vec!["--timeout".into(), s.into()],
            "--timeout: expected a positive number of seconds",
        ),
        (
            vec!["--concurrency".into(), "65".into()],
            "--concurrency: 65 is above the maximum of 64",
        ),
        (vec!["--concurrency".into(), "0".into()], "--concurrency"),
        (vec!["--max-pages".into(), "many".into()], "--max-pages"),
        (
            vec!["--log-level".into(), s.into()],
            "--log-level: expected one of",
        ),
        (
            vec!["--data-selector".into(), "$[".into()],
            "--data-selector",
        ),
        (
            vec!["-X".into(), format!("BAD {s}")],
            "-X/--method: not an HTTP method",
        ),
        (vec!["--config".into(), bad_config], "request_max_attemps"),
    ];
    for (args, needle) in cases {
        use std::os::unix::ffi::OsStringExt;
        let (code, stdout, stderr) = run(bin()
            .env("RC_EMPTY", "")
            .env_remove("RC_UNSET")
            .env("RC_BINARY", std::ffi::OsString::from_vec(vec![0xff, 0xfe]))
            .args(["paginate", &format!("{}/items", server.url)])
            .args(if args[0] == "--paginator" {
                &[][..]
            } else {
                &["--paginator", OFFSET][..]
            })
            .args(&args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: want `{needle}` in: {stderr}"
        );
        assert!(
            !stderr.contains(s) && !stdout.contains(s),
            "{args:?} echoed: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // A URL's user part is a credential: not shown in an error either.
    let (code, _, stderr) = run(bin()
        .args([
            "get",
            &format!("http://{s}@127.0.0.1:1/x"),
            "--timeout",
            "5",
        ])
        .env("RUNTIME__REQUEST_MAX_ATTEMPTS", "1"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        !stderr.contains(s) && stderr.contains("connection failed"),
        "{stderr}"
    );
    assert!(server.requests().is_empty(), "a usage error sent a request");
}

#[test]
fn output_file_is_created_only_when_the_first_page_arrives() {
    let server = Server::start(|r| {
        if r.target.starts_with("/missing") {
            json(404, r#"{"error":"no"}"#)
        } else {
            offset_page(&r.target, 25)
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out.ndjson");
    std::fs::write(&file, "kept\n").expect("write");
    let (code, _, stderr) = run(bin()
        .args([
            "paginate",
            &format!("{}/missing", server.url),
            "--paginator",
            OFFSET,
        ])
        .arg("-o")
        .arg(&file));
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "kept\n",
        "touched before a page came"
    );

    let fresh = dir.path().join("never.ndjson");
    let (code, _, _) = run(bin()
        .args([
            "paginate",
            &format!("{}/missing", server.url),
            "--paginator",
            OFFSET,
        ])
        .arg("-o")
        .arg(&fresh));
    assert_eq!(code, Some(1));
    assert!(!fresh.exists(), "created before a page came");

    let (code, _, stderr) = run(bin()
        .args([
            "paginate",
            &format!("{}/items", server.url),
            "--paginator",
            OFFSET,
        ])
        .args(["--data-selector", "items", "-o"])
        .arg(&file));
    assert_eq!(code, Some(0), "{stderr}");
    let written = std::fs::read_to_string(&file).expect("read");
    assert_eq!(written.lines().count(), 25);
    assert!(!written.contains("kept") && written.ends_with('\n'));
}

/// Starts a walk whose third page never comes, waits until the binary asks for it, sends
/// `signal`, and checks the exit status and that the output holds whole lines only.
fn interrupt_mid_walk(signal: &str, expected: i32, to_file: bool) {
    let server = Server::start(|r| {
        if query(&r.target, "offset") == Some("20") {
            Action::Hang
        } else {
            offset_page(&r.target, 1000)
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out.ndjson");
    let mut cmd = bin();
    cmd.args([
        "paginate",
        &format!("{}/items", server.url),
        "--paginator",
        OFFSET,
    ])
    .args(["--data-selector", "items"])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if to_file {
        cmd.arg("-o").arg(&file);
    }
    let mut child = cmd.spawn().expect("spawn");
    server.wait_for(|r| query(&r.target, "offset") == Some("20"));
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    assert_eq!(status.code(), Some(expected), "{signal}: {stderr}");
    let written = if to_file {
        std::fs::read_to_string(&file).expect("the pages received were written")
    } else {
        stdout
    };
    assert!(written.ends_with('\n'), "a cut last line: {written:?}");
    let ids: Vec<u64> = written
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("whole JSON lines")["id"]
                .as_u64()
                .expect("id")
        })
        .collect();
    // The pages that arrived before the signal (at least the first), each whole and in order.
    assert!(
        ids.len() >= 10 && ids.len().is_multiple_of(10) && ids.len() <= 20,
        "{}",
        ids.len()
    );
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    assert!(stderr.contains("interrupted by"), "{stderr}");
}

#[test]
fn sigterm_mid_walk_keeps_whole_lines_in_the_file_and_exits_143() {
    interrupt_mid_walk("-TERM", 143, true);
}

#[test]
fn sigint_mid_walk_keeps_whole_lines_on_stdout_and_exits_130() {
    interrupt_mid_walk("-INT", 130, false);
}

/// Runs the binary with stdout (or stderr) closed before the server answers: the gate keeps
/// the answer back until the pipe's reader is gone.
fn with_closed(stream: &str, args: &[&str], status: u16) -> (Option<i32>, String) {
    let gate = Gate::default();
    let g = gate.clone();
    let server = Server::start(move |r| {
        g.wait();
        if status == 200 {
            offset_page(&r.target, 100_000)
        } else {
            text(status, "failure body\n".repeat(1000))
        }
    });
    let mut cmd = bin();
    cmd.arg(args[0])
        .arg(format!("{}/items", server.url))
        .args(&args[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    server.wait_for(|_| true);
    let mut other = String::new();
    if stream == "stdout" {
        drop(child.stdout.take());
        gate.open();
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut other);
    } else {
        drop(child.stderr.take());
        gate.open();
        let _ = child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut other);
    }
    let code = child.wait().expect("wait").code();
    (code, other)
}

#[test]
fn closed_stdout_or_stderr_ends_quietly_in_every_subcommand() {
    let walk = [
        "--paginator",
        OFFSET,
        "--data-selector",
        "items",
        "--log-level",
        "debug",
    ];
    for sub in ["get", "paginate", "inspect"] {
        let mut args = vec![sub];
        if sub != "get" {
            args.extend(walk);
        }
        let (code, stderr) = with_closed("stdout", &args, 200);
        assert_eq!(code, Some(0), "{sub} with stdout closed: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{sub}: {stderr}"
        );
        // stderr closed while logging at debug and then failing on a 404 (not retried).
        let (code, stdout) = with_closed("stderr", &args, 404);
        assert_eq!(code, Some(1), "{sub} with stderr closed");
        assert!(stdout.is_empty(), "{sub}: {stdout}");
    }
}

#[cfg(feature = "demo")]
#[test]
fn demo_with_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = bin()
        .current_dir(dir.path())
        .args([
            "demo",
            "--records",
            "20",
            "--page-size",
            "10",
            "--no-progress",
        ])
        .stdout(writer)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
