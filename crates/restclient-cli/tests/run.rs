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

/// `restclient run CONFIG -o OUT`; add the rest.
fn run_cmd(config: &Path, out: &Path) -> Command {
    let mut cmd = bin();
    cmd.arg("run").arg(config).arg("-o").arg(out);
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
    let o = run_cmd(&file, &out).output().unwrap();
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
            json!([{"name": "x", "processing_steps": [{"map": "f"}]}]),
            "resources[3].processing_steps",
        ),
        (
            json!([{"name": "x\u{0}y"}]),
            "resources[3].name: must not contain a control character",
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
    let o = run_cmd(&file, &out)
        .env("RUNTIME__REQUEST_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("FAILED"), "{stderr}");
    assert_eq!(ids(&out, "all").len(), 9);
    assert_eq!(ids(&out, "issues").len(), 9);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["failed"], 1);
    let broken = summary["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "broken")
        .unwrap();
    assert_eq!(broken["error_kind"], "status", "{broken}");
}

#[test]
fn resource_selects_and_walks_parents_without_writing_them() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    let o = run_cmd(&file, &out)
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
    let mut child = run_cmd(&file, &out)
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
    let o = run_cmd(&file, &out).arg("--resume").output().unwrap();
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
    let mut child = run_cmd(&file, &out)
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

// ---- an interrupted run, --check, the lock, planted symlinks, a full disk ----------------

/// A run whose `projects/3/issues` hangs until released, stopped with SIGINT.
fn interrupted(out: &Path, file: &Path, server: &Server) {
    let child = run_cmd(file, out)
        .arg("--no-progress")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for(|r| r.target.starts_with("/projects/3/issues"));
    signal(child.id(), "-INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("--resume to continue") && stderr.contains("--restart"),
        "the message says how to go on: {stderr}"
    );
}

fn signal(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn hanging_tracker(hang: Arc<AtomicBool>) -> Server {
    Server::start(move |r| {
        if r.target.starts_with("/projects/3/issues") && hang.load(Ordering::SeqCst) {
            Action::Hang
        } else {
            tracker(&r.target)
        }
    })
}

#[test]
fn a_rerun_after_an_interruption_is_refused_until_resume_or_restart() {
    let hang = Arc::new(AtomicBool::new(true));
    let server = hanging_tracker(Arc::clone(&hang));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    interrupted(&out, &file, &server);
    hang.store(false, Ordering::SeqCst);
    let before = server.requests().len();
    let o = run_cmd(&file, &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("interrupted run")
            && stderr.contains("--resume")
            && stderr.contains("--restart")
            && stderr.contains("_pending"),
        "{stderr}"
    );
    assert_eq!(
        server.requests().len(),
        before,
        "refused before any request"
    );
    // --restart discards what the interrupted run staged and runs afresh.
    let o = run_cmd(&file, &out).arg("--restart").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ids(&out, "issues"), [11, 12, 13, 21, 22, 23, 31, 32, 33]);
    assert!(!out.join("_pending").exists());
    // --resume with nothing to resume: a plain run (a second load), so a scheduler can always
    // pass it.
    let o = run_cmd(&file, &out).arg("--resume").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ids(&out, "projects"), [1, 2, 3, 1, 2, 3]);
    let o = bin()
        .arg("run")
        .arg(&file)
        .args(["--resume", "--restart"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "the two flags conflict");
}

#[test]
fn check_lists_resources_with_parents_paginators_and_cursors_without_a_request() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let extra = json!([{"name": "since", "endpoint": {"path": "issues",
        "incremental": {"cursor_path": "updated", "initial_value": 5}}, "table_name": "later",
        "write_disposition": "replace"}]);
    let file = config(dir.path(), &server.url, extra);
    let o = bin()
        .arg("run")
        .arg(&file)
        .arg("--check")
        .args(["--resource", "issues", "--resource", "since"])
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
            .to_owned()
    };
    assert!(row("projects").contains("walked"), "{stdout}");
    assert!(row("issues").contains("projects") && row("issues").contains("yes"));
    assert!(row("issues").contains("json_link"), "{stdout}");
    assert!(row("all").contains(" no "), "{stdout}");
    let since = row("since");
    assert!(
        since.contains("later (replace)") && since.contains("updated from 5"),
        "{since}"
    );
    assert!(server.requests().is_empty(), "no request");
    assert!(!dir.path().join("out").exists(), "nothing written");
    // A mistake is found by --check too (exit 2, the key path).
    let bad = config(
        dir.path(),
        &server.url,
        json!([{"name": "x", "endpoint": "a/{resources.nope.id}"}]),
    );
    let o = bin().arg("run").arg(&bad).arg("--check").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
fn a_second_run_or_walk_on_the_same_directory_or_checkpoint_fails_at_once_naming_the_holder() {
    let hang = Arc::new(AtomicBool::new(true));
    let server = hanging_tracker(Arc::clone(&hang));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = config(dir.path(), &server.url, json!([]));
    let mut first = run_cmd(&file, &out)
        .arg("--no-progress")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(|r| r.target.starts_with("/projects/3/issues"));
    let o = run_cmd(&file, &out).arg("--resume").output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    first.kill().unwrap();
    first.wait().unwrap();

    // The same for two walks on one checkpoint.
    let ckpt = dir.path().join("walk.checkpoint");
    let walk = |o: &str| -> Vec<String> {
        vec![
            "paginate".into(),
            format!("{}/projects/3/issues", server.url),
            "--paginator".into(),
            "json_link".into(),
            "--data-selector".into(),
            "items".into(),
            "-o".into(),
            dir.path().join(o).display().to_string(),
            "--checkpoint".into(),
            ckpt.display().to_string(),
        ]
    };
    let mut first = bin()
        .args(walk("a.ndjson"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(|r| r.target.starts_with("/projects/3/issues"));
    let o = bin().args(walk("a.ndjson")).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    first.kill().unwrap();
    first.wait().unwrap();
    // The lock dies with its holder.
    hang.store(false, Ordering::SeqCst);
    let o = bin().args(walk("a.ndjson")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[cfg(unix)]
#[test]
fn no_file_is_written_through_a_planted_symlink() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let victim_dir = dir.path().join("elsewhere");
    std::fs::create_dir(&victim_dir).unwrap();
    let victim = victim_dir.join("precious");
    std::fs::write(&victim, "precious").unwrap();
    // A table directory planted as a symlink to another directory.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&victim_dir, out.join("projects")).unwrap();
    let file = config(dir.path(), &server.url, json!([]));
    let o = run_cmd(&file, &out).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let projects = summary["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "projects")
        .unwrap();
    assert!(
        projects["error"]
            .as_str()
            .unwrap()
            .contains("symbolic link"),
        "{projects}"
    );
    assert_eq!(
        std::fs::read_dir(&victim_dir).unwrap().count(),
        1,
        "nothing written into the symlink's target"
    );
    // `paginate -o FILE --checkpoint` with FILE a planted symlink.
    let planted = dir.path().join("walk.ndjson");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let o = bin()
        .args(["paginate", &format!("{}/issues", server.url)])
        .args(["--paginator", "json_link", "--data-selector", "items", "-o"])
        .arg(&planted)
        .arg("--checkpoint")
        .arg(dir.path().join("walk.ckpt"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("symbolic link"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

/// A full disk (here a file-size limit, `ulimit -f`, so that writes fail with EFBIG): the run
/// fails without a partial line or a temporary file, and once there is room `--resume`
/// completes it with every record once.
#[cfg(unix)]
#[test]
fn a_full_disk_leaves_whole_lines_no_temporary_file_and_resumes() {
    // Pages of 2 records, each ~1 KB: the 4 KiB limit is hit a few pages in.
    let server = Server::start(|r| {
        let n: usize = query(&r.target, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let items: Vec<Value> = (0..2)
            .map(|i| json!({"id": n * 10 + i, "pad": "x".repeat(1000)}))
            .collect();
        let next = (n < 12).then(|| format!("/big?page={}", n + 1));
        support::json(200, &json!({"items": items, "next": next}).to_string())
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = dir.path().join("c.json");
    let c = json!({
        "client": {"base_url": format!("{}/", server.url), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resources": [{"name": "big", "endpoint": {"data_selector": "items"}}],
    });
    std::fs::write(&file, c.to_string()).unwrap();
    // 8 blocks of 512 bytes.
    let limited = support::restclient_on_a_full_disk(8)
        .args(["--no-progress", "run"])
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        limited.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&limited.stderr)
    );
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            assert!(!p.to_string_lossy().ends_with(".tmp"), "{}", p.display());
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ndjson") {
                let text = std::fs::read(&p).unwrap();
                assert!(text.is_empty() || text.ends_with(b"\n"), "{}", p.display());
            }
        }
    }
    let staged = staged_text(&out, "big");
    assert!(!staged.is_empty(), "what fitted is kept");
    let o = run_cmd(&file, &out).arg("--resume").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = ids(&out, "big");
    let want: Vec<i64> = (1..=12).flat_map(|n| [n * 10, n * 10 + 1]).collect();
    assert_eq!(got, want);
}

/// `write_disposition: replace`, killed while committing its second load (the commit record
/// written, not in place; the new file moved in, the old one not removed; the old one removed,
/// the state not written): the next start finishes the commit, and `--resume` completes the
/// load with no request.
#[test]
fn a_replace_killed_mid_commit_is_finished_by_the_next_start() {
    let server = Server::start(|r| tracker(&r.target));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.json");
    let c = json!({
        "client": {"base_url": format!("{}/", server.url), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resources": [{"name": "all", "endpoint": {"path": "issues", "data_selector": "items"},
                       "write_disposition": "replace"}],
    });
    std::fs::write(&file, c.to_string()).unwrap();
    for point in ["commit", "moved", "replaced"] {
        let out = dir.path().join(point);
        let o = run_cmd(&file, &out).output().unwrap();
        assert!(o.status.success());
        let mut child = run_cmd(&file, &out)
            .env("RESTCLIENT_TEST_PAUSE_AT", format!("{point}:0"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let paused = std::io::BufRead::lines(stderr)
            .any(|l| l.unwrap().starts_with("RESTCLIENT_TEST_PAUSED"));
        assert!(paused, "{point}: never paused");
        child.kill().unwrap();
        child.wait().unwrap();
        let before = server.requests().len();
        let o = run_cmd(&file, &out).arg("--resume").output().unwrap();
        assert!(
            o.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            server.requests().len(),
            before,
            "{point}: the load was all committed"
        );
        let files: Vec<_> = std::fs::read_dir(out.join("all")).unwrap().collect();
        assert_eq!(files.len(), 1, "{point}: replaced, one file");
        assert_eq!(ids(&out, "all"), (1..=9).collect::<Vec<_>>(), "{point}");
        assert!(!out.join("_pending").exists(), "{point}");
    }
}

/// The VmHWM (peak resident memory) of a process, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Four parents, each with a child walk that never ends (a `json_link` chain of 1 MB pages):
/// the first child walk streams to its output as its pages arrive, the three behind it hold
/// two pages each and stop asking, and memory stays bounded after 500 MB; SIGINT keeps every
/// page written, and `--resume` continues the walk after it, exactly once.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_child_walk_streams_in_bounded_memory_and_resumes_exactly_once() {
    use std::sync::atomic::AtomicU64;
    const RECORDS: u64 = 20;
    let pad = Arc::new("x".repeat(50_000));
    let served = Arc::new(AtomicU64::new(0));
    let (p, s) = (Arc::clone(&pad), Arc::clone(&served));
    let server = Server::start(move |r| {
        if r.target.starts_with("/parents") {
            return support::json(200, r#"{"items":[{"id":1},{"id":2},{"id":3},{"id":4}]}"#);
        }
        // /kids/<id>/feed?page=<n>, forever.
        let id: u64 = r
            .target
            .split('/')
            .nth(2)
            .and_then(|x| x.split('?').next()?.parse().ok())
            .unwrap_or(0);
        let n: u64 = query(&r.target, "page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let mut body = String::from("{\"items\":[");
        for i in 0..RECORDS {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                "{{\"kid\":{id},\"seq\":{},\"pad\":\"{p}\"}}",
                (n - 1) * RECORDS + i
            ));
        }
        body.push_str(&format!("],\"next\":\"/kids/{id}/feed?page={}\"}}", n + 1));
        s.fetch_add(body.len() as u64, Ordering::SeqCst);
        support::json(200, &body)
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = dir.path().join("endless.json");
    let c = json!({
        "client": {"base_url": format!("{}/", server.url), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "parents", "selected": false},
            {"name": "kids", "endpoint": "kids/{resources.parents.id}/feed"},
        ],
    });
    std::fs::write(&file, c.to_string()).unwrap();
    let start = |extra: &[&str]| {
        run_cmd(&file, &out)
            .args(["--no-progress", "--concurrency", "4"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let child = start(&[]);
    let page_at_least = |n: u64| {
        move |r: &support::Req| {
            r.target.starts_with("/kids/1/")
                && query(&r.target, "page").and_then(|v| v.parse::<u64>().ok()) >= Some(n)
        }
    };
    server.wait_for(page_at_least(130));
    let early = peak_rss(child.id());
    // More than 500 MB through the head walk.
    server.wait_for(|r| {
        r.target.starts_with("/kids/1/")
            && query(&r.target, "page").and_then(|v| v.parse::<u64>().ok()) >= Some(520)
    });
    let peak = peak_rss(child.id());
    assert!(
        served.load(Ordering::SeqCst) > 500 << 20,
        "{} bytes served",
        served.load(Ordering::SeqCst)
    );
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
    assert!(
        // VmHWM is read from approximate per-CPU counters: a later reading can be a little
        // lower than an earlier one.
        peak.saturating_sub(early) < 32 << 20,
        "memory grows with the walk: {} MB after 130 pages, {} MB after 520",
        early >> 20,
        peak >> 20
    );
    let staged = |out: &Path| {
        let pending = std::fs::read_dir(out.join("_pending"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        pending.join("r").join("kids").join("data.ndjson")
    };
    let size = std::fs::metadata(staged(&out)).unwrap().len();
    assert!(
        size > 400 << 20,
        "written as the pages arrive: {size} bytes"
    );
    // The walks behind the head asked for their first pages only.
    let behind = server
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/kids/") && !r.target.starts_with("/kids/1/"))
        .count();
    assert!(
        behind <= 3 * 3,
        "{behind} requests by the walks behind the head"
    );
    signal(child.id(), "-INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));

    // What was received is kept, in parent order: the head's pages, whole.
    let seqs = |path: &Path| -> Vec<u64> {
        let text = std::fs::read(path).unwrap();
        assert!(text.ends_with(b"\n"), "a cut line");
        text.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: Value = serde_json::from_slice(l).unwrap();
                assert_eq!(v["kid"], 1, "parent order: only the head walk is written");
                v["seq"].as_u64().unwrap()
            })
            .collect()
    };
    let kept = seqs(&staged(&out));
    // Page 520 was asked for once page 519 was written.
    assert!(kept.len() as u64 >= 519 * RECORDS, "{} records", kept.len());
    assert_eq!(kept, (0..kept.len() as u64).collect::<Vec<_>>());
    // Resumed: the walk goes on after the last page it saved.
    let saved_pages = kept.len() as u64 / RECORDS;
    let resumed = start(&["--resume"]);
    let first = server.wait_for(|r| r.target.starts_with("/kids/1/"));
    assert_eq!(
        query(&first.target, "page"),
        Some((saved_pages + 1).to_string().as_str()),
        "no saved page asked again"
    );
    server.wait_for(|r| {
        r.target.starts_with("/kids/1/")
            && query(&r.target, "page").and_then(|v| v.parse::<u64>().ok()) >= Some(saved_pages + 5)
    });
    signal(resumed.id(), "-INT");
    let o = resumed.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let all = seqs(&staged(&out));
    assert!(all.len() > kept.len());
    assert_eq!(
        all,
        (0..all.len() as u64).collect::<Vec<_>>(),
        "every record once"
    );
}

/// A parent of 100 MB of records feeds its children without holding them: they are read back
/// from its output one at a time, so memory stays far below the parent's size.
#[cfg(target_os = "linux")]
#[test]
fn a_big_parent_feeds_its_children_without_holding_its_records() {
    const PARENTS: u64 = 400;
    let pad = Arc::new("y".repeat(250_000));
    let p = Arc::clone(&pad);
    let server = Server::start(move |r| {
        if r.target.starts_with("/parents") {
            // Pages of 10 records of 250 KB, linked by `next`.
            let n: u64 = query(&r.target, "page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let items: Vec<String> = (0..10)
                .map(|i| format!("{{\"id\":{},\"pad\":\"{p}\"}}", (n - 1) * 10 + i))
                .collect();
            let next = if n * 10 < PARENTS {
                format!("\"/parents?page={}\"", n + 1)
            } else {
                "null".into()
            };
            return support::json(
                200,
                &format!("{{\"items\":[{}],\"next\":{next}}}", items.join(",")),
            );
        }
        if r.target.starts_with(&format!("/kids/{}/", PARENTS - 1)) {
            // The last child walk waits, so the test can read the peak memory of the run.
            return Action::Hang;
        }
        support::json(200, r#"{"items":[{"k":1}],"next":null}"#)
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big-parent.json");
    let c = json!({
        "client": {"base_url": format!("{}/", server.url), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "parents", "selected": false},
            {"name": "kids", "endpoint": "kids/{resources.parents.id}/x", "include_from_parent": ["id"]},
        ],
    });
    std::fs::write(&file, c.to_string()).unwrap();
    let mut child = bin()
        .arg("run")
        .arg(&file)
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--no-progress")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(|r| r.target.starts_with(&format!("/kids/{}/", PARENTS - 1)));
    let peak = peak_rss(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        peak < 64 << 20,
        "peak RSS {} MB with a parent of 100 MB",
        peak >> 20
    );
}
