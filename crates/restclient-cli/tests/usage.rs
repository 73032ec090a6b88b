//! The first hour with the binary (issue #25): curl and xh habits (URLs without a scheme,
//! method subcommands, `--retries`, a refused connection said at once), help that lists only
//! what a command uses, messages in the command line's words, the summary of `paginate -o`,
//! and the demo's routes and config. Each against the real binary and a real server on
//! 127.0.0.1.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use demo_api::DemoServer;
use serde_json::Value;
use support::{Server, json};

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("restclient"));
    cmd.env_remove("RUNTIME__LOG_LEVEL")
        .env_remove("RESTCLIENT_CONFIG")
        // Retries without waiting: what is tested is how many, not how long.
        .env("RUNTIME__REQUEST_BACKOFF_FACTOR", "0");
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

/// The demo server's address without the scheme: `127.0.0.1:PORT`.
fn host_port(server: &DemoServer) -> String {
    server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The ids of NDJSON records, each checked to be one whole JSON line.
fn ids(ndjson: &str) -> Vec<u64> {
    ndjson
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
            v["id"].as_u64().expect("an id")
        })
        .collect()
}

// --- curl and xh habits ---

#[test]
fn a_url_without_a_scheme_is_http_on_localhost_and_loopback() {
    let server = DemoServer::builder().records(5).spawn().unwrap();
    let port = host_port(&server).rsplit_once(':').unwrap().1.to_owned();
    for url in [
        format!("127.0.0.1:{port}/posts/2"),
        format!("localhost:{port}/posts/2"),
        format!(":{port}/posts/2"),
    ] {
        let (code, stdout, stderr) = run(bin().args(["get", &url]));
        assert_eq!(code, Some(0), "{url}: {stderr}");
        let v: Value = serde_json::from_str(&stdout).expect("the record");
        assert_eq!(v["id"], 2, "{url}");
    }
    let (code, stdout, stderr) = run(bin().args(["paginate", &format!("localhost:{port}/offset")]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(ids(&stdout), (1..=5).collect::<Vec<_>>());
}

#[test]
fn post_put_patch_and_delete_are_get_with_that_method() {
    let server = DemoServer::builder().spawn().unwrap();
    let url = format!("{}/echo", host_port(&server));
    for method in ["post", "put", "patch", "delete"] {
        let (code, stdout, stderr) = run(bin().args([method, &url, "--json", r#"{"a":1}"#]));
        assert_eq!(code, Some(0), "{method}: {stderr}");
        let echo: Value = serde_json::from_str(&stdout).expect("the echo");
        assert_eq!(echo["method"], method.to_uppercase(), "{echo}");
        assert_eq!(echo["json"], serde_json::json!({"a": 1}), "{echo}");
    }
    // -X is said in the first lines of `get --help`, with the shortcuts.
    let (_, help, _) = run(bin().args(["get", "--help"]));
    let head: String = help.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("-X METHOD") && head.contains("post"),
        "{head}"
    );
}

/// `--retries N` makes N + 1 attempts in every command that sends requests.
#[test]
fn retries_sets_the_attempts_of_every_command() {
    let down = DemoServer::builder().unavailable_every(1).spawn().unwrap();
    let base = down.url();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("api.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "client": {"base_url": format!("{base}/")},
            "resources": [{"name": "items", "endpoint": {
                "path": "offset", "paginator": {"type": "offset", "limit": 10},
                "data_selector": "items"}}]
        })
        .to_string(),
    )
    .unwrap();
    let url = format!("{base}/offset");
    let out = dir.path().join("out");
    let commands: [Vec<&std::ffi::OsStr>; 5] = [
        vec!["get".as_ref(), url.as_ref()],
        vec!["post".as_ref(), url.as_ref()],
        vec!["paginate".as_ref(), url.as_ref()],
        vec!["inspect".as_ref(), url.as_ref()],
        vec![
            "run".as_ref(),
            config.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--no-progress".as_ref(),
            // The first failed run leaves its load to resume: the second continues it.
            "--resume".as_ref(),
        ],
    ];
    for command in &commands {
        for (retries, attempts) in [("0", 1), ("2", 3)] {
            down.clear_requests();
            let (code, _, stderr) = run(bin().args(command).args(["--retries", retries]));
            assert_eq!(code, Some(1), "{command:?} --retries {retries}: {stderr}");
            assert_eq!(
                down.requests().len(),
                attempts,
                "{command:?} --retries {retries}: {stderr}"
            );
        }
    }
}

/// A refused connection is said on its first failure, at the default log level, so the user
/// sees why the command waits; `--log-level error` keeps it quiet.
#[test]
fn a_refused_connection_is_said_at_its_first_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: nothing listens there
    let url = format!("127.0.0.1:{port}/items");
    let (code, _, stderr) = run(bin().args(["get", &url, "--retries", "1"]));
    assert_eq!(code, Some(1), "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("retrying GET") && first.contains("Connection refused"),
        "the first line says why it waits: {stderr}"
    );
    let (code, _, stderr) =
        run(bin().args(["get", &url, "--retries", "1", "--log-level", "error"]));
    assert_eq!(code, Some(1));
    assert!(!stderr.contains("retrying"), "{stderr}");
}

// --- help that tells the truth ---

/// Lists the long options a subcommand's help shows.
fn options_of(command: &str) -> BTreeSet<String> {
    let (code, help, _) = run(bin().args([command, "--help"]));
    assert_eq!(code, Some(0));
    help.split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.trim_end_matches([',', '.', ')', ';']).to_owned())
        .filter(|w| {
            w.len() > 2
                && w.chars()
                    .skip(2)
                    .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect()
}

#[test]
fn each_help_lists_only_the_options_its_command_uses() {
    let inspect = options_of("inspect");
    for used in [
        "--paginator",
        "--data-selector",
        "--retries",
        "--header",
        "--auth",
    ] {
        assert!(inspect.contains(used), "{used} missing: {inspect:?}");
    }
    // inspect fetches one page: no limits, no pace, no bar, no output file.
    for unused in [
        "--max-pages",
        "--max-records",
        "--concurrency",
        "--rate",
        "--progress",
        "--no-progress",
        "--checkpoint",
        "--output",
    ] {
        assert!(!inspect.contains(unused), "{unused} listed: {inspect:?}");
    }
    let get = options_of("get");
    for unused in ["--paginator", "--progress", "--rate", "--max-pages"] {
        assert!(!get.contains(unused), "{unused} listed by get: {get:?}");
    }
    // One spelling of the output option everywhere: -o/--output.
    for command in ["paginate", "run", "demo"] {
        let (_, help, _) = run(bin().args([command, "--help"]));
        assert!(help.contains("-o, --output"), "{command}: {help}");
        assert!(!help.contains("--out "), "{command}: {help}");
    }
}

// --- messages in the command line's words ---

#[test]
fn spec_errors_say_what_is_missing_where_in_flag_words() {
    let cases = [
        (
            vec!["--paginator", r#"{"type":"offset"}"#],
            r#"error: --paginator: an offset paginator needs "limit""#,
        ),
        (
            vec!["--paginator", "offset"],
            r#"error: --paginator: an offset paginator needs "limit""#,
        ),
        (
            vec!["--auth", r#"{"type":"http_basic","username":"u"}"#],
            r#"error: --auth: an http_basic auth needs "password""#,
        ),
        (
            vec!["--paginator", r#"{"type":"offset","limit":0}"#],
            "error: --paginator: limit: must be greater than zero, got 0",
        ),
    ];
    let server = Server::start(|_| json(200, "[]"));
    for (args, expected) in cases {
        let (code, _, stderr) = run(bin().args(["paginate", &server.url]).args(&args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end(), expected, "{args:?}");
    }
    assert!(server.requests().is_empty(), "usage errors send nothing");
}

/// Item 6: an unknown auth type is named (a type name is no secret); what may be a
/// credential — a bare word that does not look like a type, a `${NAME}` value — is not.
#[test]
fn an_unknown_auth_type_is_named_but_never_a_credential() {
    let server = Server::start(|_| json(200, "[]"));
    let (code, _, stderr) =
        run(bin().args(["get", &server.url, "--auth", r#"{"type":"kerberos"}"#]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: --auth: type: unknown auth type `kerberos`; expected one of"),
        "{stderr}"
    );
    let token = "ghp_Zq8sS3cr3tT0ken0123456789abcdefABCD";
    for (spec, env) in [
        (token.to_owned(), None),
        (format!(r#"{{"type":"{token}"}}"#), None),
        (
            r#"{"type":"${RC_AUTH_TYPE}"}"#.to_owned(),
            Some("kerberosx"),
        ),
    ] {
        let mut cmd = bin();
        if let Some(v) = env {
            cmd.env("RC_AUTH_TYPE", v);
        }
        let (code, stdout, stderr) = run(cmd.args(["get", &server.url, "--auth", &spec]));
        assert_eq!(code, Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("unknown auth type;"), "{spec}: {stderr}");
        for secret in [token, "kerberosx"] {
            assert!(
                !stderr.contains(secret) && !stdout.contains(secret),
                "{stderr}"
            );
        }
    }
    assert!(server.requests().is_empty());
}

/// The library's hint to set a paginator names the flag a CLI user types.
#[test]
fn the_single_page_warning_names_the_paginator_flag() {
    let server = Server::start(|_| json(200, r#"[{"id":1},{"id":2}]"#));
    let (code, stdout, stderr) = run(bin().args(["paginate", &server.url]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(ids(&stdout), [1, 2]);
    assert!(stderr.contains("--paginator SPEC"), "{stderr}");
    assert!(!stderr.contains(".paginator("), "{stderr}");
}

/// Numbers printed for people are rounded: a confidence of 0.9 is 0.9, not 0.8999999761581421.
#[test]
fn inspect_prints_rounded_confidences() {
    let server = DemoServer::builder().records(25).spawn().unwrap();
    let (code, stdout, stderr) = run(bin().args(["inspect", &format!("{}/page", server.url())]));
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("one JSON object");
    let confidence = &v["detection"]["confidence"];
    assert!(confidence.is_number(), "{v}");
    // As printed: at most two decimals.
    let printed = stdout
        .split("\"confidence\":")
        .skip(1)
        .map(|rest| rest.split([',', '}']).next().unwrap_or_default());
    for number in printed {
        let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 2, "{number} in {stdout}");
    }
}

#[test]
fn paginate_to_a_file_ends_with_a_summary_line_off_a_terminal() {
    let server = DemoServer::builder()
        .records(25)
        .page_size(10)
        .spawn()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    let (code, stdout, stderr) = run(bin()
        .args(["paginate", &format!("{}/offset", server.url())])
        .args(["--paginator", r#"{"type":"offset","limit":10}"#, "-o"])
        .arg(&file));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("3 pages, 25 records in ")
            && lines[0].ends_with("; stopped: total reached (25)"),
        "{stderr}"
    );
    // To stdout, the records are the output and stderr stays quiet.
    let (code, stdout, stderr) = run(bin().args(["paginate", &format!("{}/offset", server.url())]));
    assert_eq!(code, Some(0));
    assert_eq!(ids(&stdout).len(), 25);
    assert!(stderr.is_empty(), "{stderr}");
}

// --- the demo ---

/// Every paginated route `GET /` lists walks, with the paginator and selector it gives, to
/// every record exactly once: the listing tells the truth.
#[test]
fn the_demo_api_index_gives_a_working_paginator_for_every_route() {
    let server = DemoServer::builder()
        .records(23)
        .page_size(5)
        .spawn()
        .unwrap();
    let (code, stdout, stderr) = run(bin().args(["get", &format!("{}/", server.url())]));
    assert_eq!(code, Some(0), "{stderr}");
    let index: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(index["records"], 23);
    let routes = index["routes"].as_array().expect("routes");
    let mut walked = 0;
    for route in routes.iter().filter(|r| r.get("paginator").is_some()) {
        let path = route["path"].as_str().unwrap();
        let mut cmd = bin();
        cmd.args(["paginate", &format!("{}{path}", server.url())])
            .args(["--paginator", &route["paginator"].to_string()])
            .args(["--data-selector", route["data_selector"].as_str().unwrap()]);
        if route["method"] == "POST" {
            cmd.args(["-X", "POST", "--json", r#"{"query":"x"}"#]);
        }
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, Some(0), "{path}: {stderr}");
        assert_eq!(ids(&stdout), (1..=23).collect::<Vec<_>>(), "{path}");
        walked += 1;
    }
    assert!(walked >= 10, "{walked} paginated routes listed");
}

/// The demo writes the bundled `tracker.yaml` as it is, so that it runs against
/// `demo-api --port 8080` (its first lines say how), not with the demo's random port baked in.
#[cfg(feature = "demo")]
#[test]
fn the_demo_leaves_a_tracker_config_that_runs_as_is_against_port_8080() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-out");
    let (code, stdout, stderr) = run(bin()
        .args([
            "demo",
            "--records",
            "20",
            "--page-size",
            "10",
            "--no-progress",
            "-o",
        ])
        .arg(&out));
    assert_eq!(code, Some(0), "{stderr}");
    let written = std::fs::read_to_string(out.join("tracker.yaml")).expect("tracker.yaml");
    let bundled = include_str!("../../../examples/run/tracker.yaml");
    assert_eq!(written, bundled, "the bundled config, unchanged");
    assert!(
        written.contains("demo-api --port 8080"),
        "it says how to run it"
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with('.')),
        "no copy with the demo's port left behind: {names:?}"
    );
    assert!(
        stdout.contains("demo-api --port 8080") && stdout.contains("restclient run"),
        "{stdout}"
    );
}
