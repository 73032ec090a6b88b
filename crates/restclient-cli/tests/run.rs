//! `restclient run CONFIG`: the real binary against a closure tracker API (projects → issues),
//! covering exit codes, `--resource`, and a killed (SIGKILL) run resumed with every record
//! exactly once.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use support::{Action, Server, query};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_restclient"));
    cmd.env_remove("RUNTIME__LOG_LEVEL")
        .env_remove("RESTCLIENT_CONFIG");
    cmd
}

/// Projects 1..=3; each has issues `p*10+1..=p*10+3`; pages of 2 with a `next` link.
fn page(target: &str, items: Vec<Value>) -> Action {
    let path = target.split('?').next().unwrap_or("");
    let n: usize = query(target, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let chunk: Vec<Value> = items.iter().skip((n - 1) * 2).take(2).cloned().collect();
    let next = (n * 2 < items.len()).then(|| format!("{path}?page={}", n + 1));
    support::json(200, &json!({"items": chunk, "next": next}).to_string())
}

fn tracker(target: &str) -> Action {
    let path = target.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["projects"] => page(
            target,
            (1..=3)
                .map(|i| json!({"id": i, "name": format!("p{i}")}))
                .collect(),
        ),
        ["projects", p, "issues"] => {
            let p: i64 = p.parse().unwrap_or(0);
            page(
                target,
                (1..=3)
                    .map(|n| json!({"id": p * 10 + n, "project": p}))
                    .collect(),
            )
        }
        ["issues"] => page(target, (1..=9).map(|n| json!({"id": n})).collect()),
        ["broken"] => support::json(500, "{}"),
        _ => support::json(404, "{}"),
    }
}

fn config(dir: &Path, url: &str, extra: Value) -> std::path::PathBuf {
    let mut resources = vec![
        json!("projects"),
        json!({"name": "issues", "endpoint": "projects/{resources.projects.id}/issues",
               "include_from_parent": ["name"]}),
        json!({"name": "all", "endpoint": "issues"}),
    ];
    if let Value::Array(more) = extra {
        resources.extend(more);
    }
    let c = json!({
        "client": {"base_url": format!("{url}/"), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": resources,
    });
    let file = dir.join("config.json");
    std::fs::write(&file, c.to_string()).unwrap();
    file
}

/// Every record of a table over its loads (`DIR/<table>/<load_id>.ndjson`, oldest first).
fn table_text(dir: &Path, table: &str) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir.join(table))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(
                text.is_empty() || text.ends_with('\n'),
                "a cut line in {}",
                f.display()
            );
            text
        })
        .collect()
}

/// The records a resource staged in the interrupted load (`DIR/_pending/<load>/r/<name>/`):
/// written, not committed.
fn staged_text(dir: &Path, resource: &str) -> String {
    let pending: Vec<_> = std::fs::read_dir(dir.join("_pending"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(pending.len(), 1, "one interrupted load: {pending:?}");
    let r = pending[0].join("r").join(resource);
    std::fs::read_to_string(r.join("data.ndjson")).unwrap_or_default()
}

fn staged_ids(dir: &Path, resource: &str) -> Vec<i64> {
    id_list(&staged_text(dir, resource))
}

fn ids(dir: &Path, name: &str) -> Vec<i64> {
    id_list(&table_text(dir, name))
}

fn id_list(text: &str) -> Vec<i64> {
    text.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[test]
fn a_run_writes_every_resource_and_a_summary() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    let o = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(ids(&out, "projects"), [1, 2, 3]);
    assert_eq!(ids(&out, "issues"), [11, 12, 13, 21, 22, 23, 31, 32, 33]);
    assert_eq!(ids(&out, "all"), (1..=9).collect::<Vec<_>>());
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["records"], 21);
    assert!(
        stderr.contains("issues") && stderr.contains("completed"),
        "{stderr}"
    );
}

#[test]
fn config_errors_exit_2_naming_the_key_path_before_any_request() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            json!([{"name": "x", "endpoint": {"paginator": {"type": "offset", "limit": "ten"}}}]),
            "resources[3].endpoint.paginator.limit: expected an integer",
        ),
        (
            json!([{"name": "x", "endpoint": "a/{resources.nope.id}"}]),
            "does not exist",
        ),
        (
            json!([{"name": "x", "processing_steps": []}]),
            "resources[3].processing_steps",
        ),
        (
            json!([{"name": "x", "endpoint": {"auth": {"type": "bearer", "token": "${RUN_TEST_UNSET}"}}}]),
            "resources[3].endpoint.auth.token: environment variable `RUN_TEST_UNSET` is not set",
        ),
    ];
    for (extra, want) in cases {
        let file = config(dir.path(), &server.url, extra);
        let o = bin()
            .arg("run")
            .arg(&file)
            .arg("-o")
            .arg(dir.path().join("out"))
            .env_remove("RUN_TEST_UNSET")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
    let bad = dir.path().join("c.toml");
    std::fs::write(&bad, "client = [").unwrap();
    let o = bin().arg("run").arg(&bad).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .arg("run")
        .arg(config(dir.path(), &server.url, json!([])))
        .args(["--resource", "nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resource: no resource named `nope`"));
    assert!(
        server.requests().is_empty(),
        "no request before the config checks"
    );
}

#[test]
fn a_failing_resource_exits_1_and_the_others_complete() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([{"name": "broken"}]));
    let o = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .env("RUNTIME__REQUEST_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("FAILED") && stderr.contains("500"),
        "{stderr}"
    );
    assert_eq!(ids(&out, "all").len(), 9);
    assert_eq!(ids(&out, "issues").len(), 9);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["failed"], 1);
}

#[test]
fn resource_selects_and_walks_parents_without_writing_them() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    let o = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .args(["--resource", "issues", "--progress"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(ids(&out, "issues").len(), 9);
    assert!(!out.join("projects").exists() && !out.join("all").exists());
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.target.starts_with("/issues"))
    );
}

/// Kills the run (SIGKILL, or the signal given) while project 3's issues and page 2 of `all`
/// hang, then resumes it: every record exactly once in every file.
fn killed_and_resumed(signal: &str, expected: Option<i32>) {
    let hang = Arc::new(AtomicBool::new(true));
    let h = Arc::clone(&hang);
    let server = Server::start(move |r| {
        let stuck = r.target.starts_with("/projects/3/issues")
            || (r.target.starts_with("/issues") && query(&r.target, "page") == Some("2"));
        if stuck && h.load(Ordering::SeqCst) {
            Action::Hang
        } else {
            tracker(&r.target)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    let mut child = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .args([
            "--concurrency",
            "1",
            "--no-progress",
            "--checkpoint-interval",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = BTreeSet::new();
    while seen.len() < 2 {
        let r = server.wait_for(|r| {
            r.target.starts_with("/projects/3/issues") || query(&r.target, "page") == Some("2")
        });
        if r.target.starts_with("/projects/3") {
            seen.insert("child");
        } else if r.target.starts_with("/issues") {
            seen.insert("all");
        }
    }
    assert!(
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), expected);
    // Nothing is committed (both subtrees wait for a walk); staged: whole lines, the two
    // finished child walks, the first page of `all`.
    assert_eq!(ids(&out, "issues"), Vec::<i64>::new());
    assert_eq!(ids(&out, "all"), Vec::<i64>::new());
    assert_eq!(staged_ids(&out, "issues"), [11, 12, 13, 21, 22, 23]);
    assert_eq!(staged_ids(&out, "all"), [1, 2]);
    hang.store(false, Ordering::SeqCst);
    let before = server.requests().len();
    let o = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(ids(&out, "projects"), [1, 2, 3]);
    assert_eq!(ids(&out, "issues"), [11, 12, 13, 21, 22, 23, 31, 32, 33]);
    assert_eq!(ids(&out, "all"), (1..=9).collect::<Vec<_>>());
    let again: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert!(
        !again.iter().any(|t| t.starts_with("/projects?")
            || t == "/projects"
            || t.starts_with("/projects/1/")
            || t.starts_with("/projects/2/")
            // `all`'s first page is saved in its walk checkpoint.
            || t == "/issues"),
        "completed work was requested again: {again:?}"
    );
    let first_issue_lines = table_text(&out, "issues");
    assert!(first_issue_lines.contains("\"_projects_name\":\"p1\""));
    assert!(!out.join("_pending").exists(), "the load is complete");
}

#[test]
fn a_killed_run_resumes_with_every_record_exactly_once() {
    killed_and_resumed("-KILL", None);
}

#[test]
fn sigint_and_sigterm_stop_with_130_and_143_and_resume() {
    killed_and_resumed("-INT", Some(130));
    killed_and_resumed("-TERM", Some(143));
}

/// `GET /big?page=N`: 20 records, newest first (`updated` 20 down to 1), in 10 pages of 2;
/// `GET /big/<id>/parts`: one record per `big` record.
fn big(target: &str) -> Action {
    let path = target.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["big"] => page(
            target,
            (1..=20)
                .rev()
                .map(|i| json!({"id": i, "updated": i}))
                .collect(),
        ),
        ["big", id, "parts"] => {
            let id: i64 = id.parse().unwrap_or(0);
            support::json(200, &json!({"items": [{"id": id * 100}]}).to_string())
        }
        _ => support::json(404, "{}"),
    }
}

fn big_config(dir: &Path, url: &str, incremental: bool) -> std::path::PathBuf {
    let resources = if incremental {
        json!([{"name": "big", "primary_key": "id", "endpoint": {"path": "big",
                "incremental": {"cursor_path": "updated", "initial_value": 0}}}])
    } else {
        json!([
            {"name": "big", "endpoint": "big"},
            {"name": "parts", "endpoint": {"path": "big/{resources.big.id}/parts",
             "paginator": {"type": "single_page"}}},
        ])
    };
    let c = json!({
        "client": {"base_url": format!("{url}/"), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": resources,
    });
    let file = dir.join(if incremental { "inc.json" } else { "big.json" });
    std::fs::write(&file, c.to_string()).unwrap();
    file
}

fn run_to(file: &Path, out: &Path, resume: bool) {
    let mut cmd = bin();
    cmd.arg("run")
        .arg(file)
        .arg("-o")
        .arg(out)
        .args(["--checkpoint-interval", "0"]);
    if resume {
        cmd.arg("--resume");
    }
    let o = cmd.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A top-level resource of 10 pages killed (SIGKILL) while page 6 hangs, then resumed: the
/// output (and the incremental state, and the child resource fed by every record) is what an
/// uninterrupted run writes, and no page already saved is requested again.
fn top_level_killed_mid_walk_and_resumed(incremental: bool) {
    let dir = tempfile::tempdir().unwrap();
    let reference = Server::start(|r| big(&r.target));
    let whole = dir.path().join("whole");
    run_to(
        &big_config(dir.path(), &reference.url, incremental),
        &whole,
        false,
    );

    let hang = Arc::new(AtomicBool::new(true));
    let h = Arc::clone(&hang);
    let server = Server::start(move |r| {
        if query(&r.target, "page") == Some("6") && h.load(Ordering::SeqCst) {
            Action::Hang
        } else {
            big(&r.target)
        }
    });
    let file = big_config(dir.path(), &server.url, incremental);
    let out = dir.path().join("out");
    let mut child = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .args(["--no-progress", "--checkpoint-interval", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(|r| query(&r.target, "page") == Some("6"));
    child.kill().unwrap();
    child.wait().unwrap();
    // Pages 1..=5 are staged, whole, and the checkpoint says so; nothing is committed.
    assert_eq!(staged_ids(&out, "big"), (11..=20).rev().collect::<Vec<_>>());
    assert!(ids(&out, "big").is_empty());
    hang.store(false, Ordering::SeqCst);
    let before = server.requests().len();
    run_to(&file, &out, true);

    let again: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.target.clone())
        .filter(|t| t == "/big" || t.starts_with("/big?"))
        .collect();
    assert_eq!(
        again,
        [
            "/big?page=6",
            "/big?page=7",
            "/big?page=8",
            "/big?page=9",
            "/big?page=10"
        ],
        "saved pages were requested again"
    );
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    assert_eq!(table_text(&out, "big"), table_text(&whole, "big"));
    if incremental {
        let state = |d: &Path| serde_json::from_str::<Value>(&read(d, "state.json")).unwrap();
        assert_eq!(state(&out), state(&whole));
        assert_eq!(state(&out)["resources"]["big"]["cursor"]["last_value"], 20);
    } else {
        assert_eq!(table_text(&out, "parts"), table_text(&whole, "parts"));
        assert_eq!(ids(&out, "parts").len(), 20);
    }
    assert!(!out.join("_pending").exists(), "the load is complete");
    let summary: Value = serde_json::from_str(&read(&out, "summary.json")).unwrap();
    let big_summary = summary["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "big")
        .cloned()
        .unwrap();
    assert_eq!(big_summary["pages"], 10, "{summary}");
    assert_eq!(big_summary["records"], 20, "{summary}");
}

#[test]
fn a_top_level_resource_killed_mid_walk_resumes_after_its_last_saved_page() {
    top_level_killed_mid_walk_and_resumed(false);
}

#[test]
fn an_incremental_top_level_resource_resumes_with_the_uninterrupted_state() {
    top_level_killed_mid_walk_and_resumed(true);
}
