//! `restclient::run`: dlt `rest_api` configs run against a small tracker API served by a
//! closure server (projects → issues → comments), whose data a test can change between runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::support::{latest, lines, loads, parse};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use restclient::Value;
use restclient::run::{ResourceStatus, Run, Summary};
use restclient::spec::EnvExpander;
use serde_json::json;

use crate::support::server::{self, RecordedRequest, Server};

/// The tracker's data: projects, and issues with `updated_at`.
#[derive(Clone)]
struct Data {
    projects: Vec<Value>,
    issues: Vec<Value>,
    /// Paths that answer 500.
    broken: Vec<String>,
}

fn data() -> Data {
    let projects = (1..=3)
        .map(|i| json!({"id": i, "name": format!("p{i}"), "key": format!("K-{i}")}))
        .collect();
    let mut issues = Vec::new();
    for p in 1..=3 {
        for n in 1..=3 {
            issues.push(json!({
                "id": p * 10 + n, "project_id": p, "title": format!("i{p}.{n}"),
                "updated_at": format!("2024-01-0{n}T00:00:00Z"),
            }));
        }
    }
    Data {
        projects,
        issues,
        broken: Vec::new(),
    }
}

fn query(req: &RecordedRequest, key: &str) -> Option<String> {
    req.query.as_deref()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%3A", ":").replace("%2B", "+"))
    })
}

/// Pages of 2 with `{"items": [...], "next": url}`.
fn paged(req: &RecordedRequest, items: Vec<Value>) -> Response {
    let page: usize = query(req, "page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let chunk: Vec<Value> = items.iter().skip((page - 1) * 2).take(2).cloned().collect();
    let next = (page * 2 < items.len()).then(|| format!("{}?page={}", req.path, page + 1));
    Json(json!({"items": chunk, "next": next})).into_response()
}

fn route(d: &Data, req: &RecordedRequest) -> Response {
    if d.broken.contains(&req.path) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response();
    }
    let parts: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["projects"] => paged(req, d.projects.clone()),
        ["projects", id] => match d
            .projects
            .iter()
            .find(|p| p["id"].as_i64() == id.parse().ok())
        {
            Some(p) => Json(p.clone()).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        ["projects", id, "issues"] => {
            if *id == "404" {
                return StatusCode::NOT_FOUND.into_response();
            }
            let since = query(req, "since");
            let items = d
                .issues
                .iter()
                .filter(|i| i["project_id"].as_i64() == id.parse().ok())
                .filter(|i| {
                    since
                        .as_deref()
                        .is_none_or(|s| i["updated_at"].as_str().unwrap_or("") >= s)
                })
                .cloned()
                .collect();
            paged(req, items)
        }
        ["issues"] => paged(req, d.issues.clone()),
        ["echo"] => Json(json!([{"q": req.query, "body": String::from_utf8_lossy(&req.body)}]))
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn tracker(d: Arc<Mutex<Data>>) -> Server {
    server::http(move |req| {
        let d = Arc::clone(&d);
        async move {
            let snapshot = d.lock().unwrap().clone();
            route(&snapshot, &req)
        }
    })
}

fn no_env() -> EnvExpander<'static> {
    EnvExpander::new(|_: &str| None)
}

fn run(config: Value) -> Run {
    Run::from_value_with_env(config, &mut no_env()).unwrap()
}

/// A resource's staged records in the interrupted load (`DIR/_pending/<load>/r/<name>/`).
fn staged(dir: &std::path::Path, resource: &str) -> std::path::PathBuf {
    let pending: Vec<_> = std::fs::read_dir(dir.join("_pending"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(pending.len(), 1, "{pending:?}");
    pending[0].join("r").join(resource).join("data.ndjson")
}

fn ids(records: &[Value]) -> Vec<i64> {
    records.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn count(server: &Server, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

fn base(server: &Server) -> Value {
    json!({"base_url": format!("{}/", server.url()), "paginator": {"type": "json_link", "next_url_path": "next"}})
}

async fn to_dir(run: Run, dir: &std::path::Path) -> Summary {
    run.run_to_dir(dir).await.unwrap()
}

#[tokio::test]
async fn parents_once_children_in_parent_order_with_parent_fields() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            "projects",
            {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues",
             "include_from_parent": ["name"]},
            // The default `items` selector beats the single-entity `$` (as in dlt): say `$`.
            {"name": "details", "endpoint": {"path": "projects/{resources.projects.id}", "data_selector": "$"}},
        ],
    });
    let summary = to_dir(run(config).concurrency(3), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    assert_eq!(
        count(&server, "/projects"),
        2,
        "two pages, walked once for two children"
    );
    assert_eq!(ids(&lines(dir.path(), "projects")), [1, 2, 3]);
    let issues = lines(dir.path(), "issues");
    assert_eq!(ids(&issues), [11, 12, 13, 21, 22, 23, 31, 32, 33]);
    assert_eq!(issues[0]["_projects_name"], "p1");
    assert_eq!(issues[8]["_projects_name"], "p3");
    // Single entity: `$` selector and one page per project.
    assert_eq!(ids(&lines(dir.path(), "details")), [1, 2, 3]);
    let s = summary.resource("issues").unwrap();
    assert_eq!((s.walks, s.records, s.pages), (3, 9, 6));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(written["records"], 15);
}

#[tokio::test]
async fn the_same_config_reads_from_json_toml_and_yaml() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let json_text = format!(
        r#"{{"client": {{"base_url": "{url}/", "paginator": {{"type": "json_link", "next_url_path": "next"}}}},
            "resources": [{{"name": "issues", "endpoint": {{"path": "issues", "data_selector": "items"}}}}]}}"#
    );
    let toml_text = format!(
        "[client]\nbase_url = \"{url}/\"\npaginator = {{ type = \"json_link\", next_url_path = \"next\" }}\n\n\
         [[resources]]\nname = \"issues\"\nendpoint = {{ path = \"issues\", data_selector = \"items\" }}\n"
    );
    let yaml_text = format!(
        "client:\n  base_url: {url}/\n  paginator:\n    type: json_link\n    next_url_path: next\n\
         resources:\n  - name: issues\n    endpoint:\n      path: issues\n      data_selector: items\n"
    );
    let mut outputs = Vec::new();
    for (ext, text) in [
        ("json", json_text),
        ("toml", toml_text),
        ("yaml", yaml_text),
    ] {
        let file = dir.path().join(format!("c.{ext}"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(ext);
        let summary = Run::from_file(&file)
            .unwrap()
            .run_to_dir(&out)
            .await
            .unwrap();
        assert!(summary.is_success(), "{ext}: {summary:?}");
        let file = out.join(summary.resource("issues").unwrap().file.clone().unwrap());
        outputs.push(std::fs::read_to_string(file).unwrap());
    }
    assert_eq!(outputs[0].lines().count(), 9);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    let bad = dir.path().join("c.yaml");
    std::fs::write(&bad, "client: [\n  s3cr3t").unwrap();
    let e = Run::from_file(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with("not valid YAML") && !e.contains("s3cr3t"),
        "{e}"
    );
}

#[tokio::test]
async fn defaults_merge_as_dlt_merges_them() {
    let server = server::http(|req: RecordedRequest| async move {
        Json(json!([{"q": req.query, "h": req.header("x-a"), "d": req.header("x-d")}]))
    });
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": server.url(), "headers": {"X-D": "client"}},
        "resource_defaults": {
            "primary_key": "id", "write_disposition": "merge",
            "endpoint": {"path": "never", "params": {"per_page": 100, "drop": "x"},
                         "headers": {"X-A": "default"}, "paginator": "single_page"}},
        "resources": [
            {"name": "a", "endpoint": {"params": {"own": true, "drop": null}, "headers": {"X-B": "b"}}},
            {"name": "b", "write_disposition": "append"},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    let a = &lines(dir.path(), "a")[0];
    assert_eq!(
        a["q"], "per_page=100&own=true",
        "params merged one level, null dropped"
    );
    assert_eq!(a["h"], Value::Null, "headers replaced, not merged");
    assert_eq!(a["d"], "client");
    assert_eq!(lines(dir.path(), "b")[0]["h"], "default");
    let paths = server.paths();
    assert!(
        paths.iter().any(|p| p.starts_with("/a?")) && paths.iter().any(|p| p.starts_with("/b?")),
        "{paths:?}"
    );
    let hints = &summary.resource("b").unwrap().hints;
    assert_eq!(hints["write_disposition"], "append");
    assert_eq!(hints["primary_key"], "id");
}

#[tokio::test]
async fn legacy_resolve_and_static_params_and_rendered_values() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resources": [
            {"name": "projects", "selected": false, "endpoint": {"data_selector": "items"}},
            {"name": "issues", "endpoint": {
                "path": "{root}/{pid}/issues", "data_selector": "items",
                "params": {"root": "projects", "pid": {"type": "resolve", "resource": "projects", "field": "id"}}}},
            {"name": "echo", "endpoint": {"path": "echo", "method": "POST", "paginator": "single_page",
                "params": {"flag": true, "many": [1, 2], "none": null},
                "json": {"n": 1, "list": ["{{literal}}"]}}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    assert!(
        !dir.path().join("projects.ndjson").exists(),
        "an unselected parent is not written"
    );
    assert_eq!(lines(dir.path(), "issues").len(), 9);
    assert!(server.paths().iter().any(|p| p == "/projects/2/issues"));
    let echo = &lines(dir.path(), "echo")[0];
    assert_eq!(echo["q"], "flag=true&many=1&many=2");
    assert_eq!(echo["body"], r#"{"n":1,"list":["{literal}"]}"#);
}

#[tokio::test]
async fn incremental_second_run_gets_only_new_and_changed_per_parent_cursor() {
    let d = Arc::new(Mutex::new(data()));
    let server = tracker(Arc::clone(&d));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"primary_key": "id"},
        "resources": [
            {"name": "projects", "endpoint": {"data_selector": "items"}},
            {"name": "issues", "endpoint": {
                "path": "projects/{resources.projects.id}/issues", "data_selector": "items",
                "params": {"since": "{incremental.start_value}"},
                "incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-02T00:00:00Z"}}},
        ],
    });
    let first = to_dir(run(config.clone()), dir.path()).await;
    assert!(first.is_success(), "{first:?}");
    assert_eq!(ids(&lines(dir.path(), "issues")), [12, 13, 22, 23, 32, 33]);
    {
        let mut d = d.lock().unwrap();
        // Project 1: an issue changed (same instant written with an offset: not newer);
        // project 3: a new issue. Project 2: nothing.
        for i in d.issues.iter_mut() {
            if i["id"] == 11 {
                i["updated_at"] = json!("2024-01-05T00:00:00Z");
            }
            if i["id"] == 13 {
                i["updated_at"] = json!("2024-01-03T01:00:00+01:00");
            }
        }
        d.issues
            .push(json!({"id": 34, "project_id": 3, "updated_at": "2024-01-04T00:00:00Z"}));
    }
    let second = to_dir(run(config.clone()), dir.path()).await;
    assert!(second.is_success(), "{second:?}");
    assert_eq!(ids(&latest(dir.path(), "issues")), [11, 34]);
    assert_eq!(loads(dir.path(), "issues").len(), 2, "runs accumulate");
    // Per-parent cursors: project 2 was asked from its own last value.
    let q: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/projects/2/issues")
        .filter_map(|r| query(r, "since"))
        .collect();
    assert_eq!(
        q.last().map(String::as_str),
        Some("2024-01-03T00:00:00Z"),
        "{q:?}"
    );
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["resources"]["issues"]["parents"]
            .as_object()
            .unwrap()
            .len(),
        3
    );
    let third = to_dir(run(config), dir.path()).await;
    assert_eq!(third.resource("issues").unwrap().records, 0);
}

#[tokio::test]
async fn top_level_incremental_with_start_param_end_value_and_min() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resources": [
            {"name": "issues", "endpoint": {"data_selector": "items",
                "incremental": {"cursor_path": "id", "initial_value": 12, "end_value": 31,
                                "start_param": "from", "end_param": "to"}}},
            {"name": "low", "endpoint": {"path": "issues", "data_selector": "items",
                "incremental": {"cursor_path": "id", "initial_value": 13, "last_value_func": "min"}}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    assert_eq!(ids(&lines(dir.path(), "issues")), [12, 13, 21, 22, 23]);
    assert!(
        server.paths().iter().any(|p| p == "/issues?from=12&to=31"),
        "{:?}",
        server.paths()
    );
    assert_eq!(ids(&lines(dir.path(), "low")), [11, 12, 13]);
    let state = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    let state: Value = serde_json::from_str(&state).unwrap();
    assert!(
        state["resources"].get("issues").is_none(),
        "end_value makes it stateless"
    );
    assert_eq!(state["resources"]["low"]["cursor"]["last_value"], 11);
}

#[tokio::test]
async fn a_failing_resource_does_not_stop_the_others() {
    let mut d = data();
    d.broken.push("/projects".into());
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": server.url(), "paginator": {"type": "json_link", "next_url_path": "next"}},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            "projects", "issues",
            {"name": "children", "endpoint": "projects/{resources.projects.id}/issues"},
        ],
    });
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let summary = to_dir(run(config).runtime_config(once), dir.path()).await;
    assert!(!summary.is_success());
    assert_eq!(summary.failed, 1);
    let p = summary.resource("projects").unwrap();
    assert_eq!(p.status, ResourceStatus::Failed);
    let failure = p.failure().unwrap();
    assert!(failure.is_status(), "{failure:?}");
    assert_eq!(
        failure.status(),
        Some(restclient::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(
        summary.resource("children").unwrap().status,
        ResourceStatus::Skipped
    );
    assert_eq!(
        summary.resource("issues").unwrap().status,
        ResourceStatus::Completed
    );
    assert_eq!(lines(dir.path(), "issues").len(), 9);
    let written = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(written.contains("\"failed\": 1"), "{written}");
    assert!(written.contains("\"error_kind\": \"status\""), "{written}");
}

#[tokio::test]
async fn a_child_404_is_ignored_per_parent_with_response_actions() {
    let mut d = data();
    d.projects.push(json!({"id": 404, "name": "gone"}));
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            "projects",
            {"name": "issues", "endpoint": {"path": "projects/{resources.projects.id}/issues",
                "response_actions": [{"status_code": 404, "action": "ignore"}]}},
            {"name": "strict", "endpoint": {"path": "projects/{resources.projects.id}/issues"}},
        ],
    });
    let summary = to_dir(run(config.clone()), dir.path()).await;
    let issues = summary.resource("issues").unwrap();
    assert_eq!(
        (issues.status, issues.walks, issues.ignored_walks),
        (ResourceStatus::Completed, 4, 1)
    );
    let strict = summary.resource("strict").unwrap();
    assert_eq!(strict.status, ResourceStatus::Failed);
    let failure = strict.failure().unwrap();
    assert_eq!(failure.status(), Some(restclient::StatusCode::NOT_FOUND));
    assert_eq!(strict.error_kind, Some(restclient::ErrorKind::Status));
    // A subtree with a failed resource commits nothing: `issues` waits with it.
    assert!(lines(dir.path(), "issues").is_empty());
    assert!(!summary.complete);
    // Without `strict`, after discarding the interrupted load, it commits.
    let again = to_dir(
        run(config).select(["issues"]).unwrap().restart(true),
        dir.path(),
    )
    .await;
    assert!(again.is_success() && again.complete, "{again:?}");
    assert_eq!(lines(dir.path(), "issues").len(), 9);
}

#[tokio::test]
async fn select_runs_the_parents_it_needs_without_writing_them() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", "issues",
            {"name": "children", "endpoint": "projects/{resources.projects.id}/issues"}],
    });
    let summary = to_dir(
        run(config.clone()).select(["children"]).unwrap(),
        dir.path(),
    )
    .await;
    assert!(summary.is_success());
    assert!(!dir.path().join("projects.ndjson").exists());
    assert!(!dir.path().join("issues.ndjson").exists());
    assert_eq!(lines(dir.path(), "children").len(), 9);
    assert_eq!(count(&server, "/issues"), 0);
    let e = run(config).select(["nope"]).unwrap_err().to_string();
    assert!(e.contains("no resource named `nope`"), "{e}");
}

#[tokio::test]
async fn a_parent_record_without_the_field_names_resource_and_record() {
    let mut d = data();
    d.projects.push(json!({"name": "no id"}));
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues"}],
    });
    let summary = to_dir(run(config), dir.path()).await;
    let issues = summary.resource("issues").unwrap();
    assert!(issues.failure().unwrap().is_decode(), "{issues:?}");
    let e = issues.error.clone().unwrap();
    assert!(
        e.contains("`issues`") && e.contains("record 3 of `projects`") && e.contains("`id`"),
        "{e}"
    );
}

#[tokio::test]
async fn records_stream_for_rust_programs() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues"}],
    });
    let mut stream = run(config).records();
    let mut by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    while let Some(r) = stream.next().await {
        let r = r.unwrap();
        by.entry(r.resource)
            .or_default()
            .push(r.record["id"].as_i64().unwrap());
    }
    assert_eq!(
        by,
        BTreeMap::from([
            ("issues".into(), vec![11, 12, 13, 21, 22, 23, 31, 32, 33]),
            ("projects".into(), vec![1, 2, 3])
        ]),
        "a child's records in parent order"
    );
    assert!(stream.summary().unwrap().is_success());
    // A failing resource: one error, typed, and the others go on.
    let mut d = data();
    d.broken.push("/issues".into());
    let server = tracker(Arc::new(Mutex::new(d)));
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", "issues"],
    });
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let mut stream = run(config).runtime_config(once).records();
    let (mut records, mut errors) = (0, Vec::new());
    while let Some(r) = stream.next().await {
        match r {
            Ok(_) => records += 1,
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(records, 3);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].status(),
        Some(restclient::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert!(
        errors[0].to_string().starts_with("resource `issues`: "),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn a_stopped_run_resumes_with_every_record_exactly_once() {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let d = Arc::new(Mutex::new(data()));
    let hold = Arc::new(tokio::sync::Notify::new());
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let server = {
        let (d, stop, hold, armed) = (
            Arc::clone(&d),
            Arc::clone(&stop),
            Arc::clone(&hold),
            Arc::clone(&armed),
        );
        server::http(move |req: RecordedRequest| {
            let (d, stop, hold, armed) = (
                Arc::clone(&d),
                Arc::clone(&stop),
                Arc::clone(&hold),
                Arc::clone(&armed),
            );
            async move {
                // The third project's issues: stop the run while this walk is in flight.
                if req.path == "/projects/3/issues"
                    && armed.load(std::sync::atomic::Ordering::SeqCst)
                {
                    let _ = stop.send(true);
                    hold.notified().await;
                }
                let snapshot = d.lock().unwrap().clone();
                route(&snapshot, &req)
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues"}],
    });
    let first = to_dir(
        run(config.clone()).concurrency(1).shutdown(async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|s| *s).await;
        }),
        dir.path(),
    )
    .await;
    assert!(first.interrupted);
    assert_eq!(
        first.resource("issues").unwrap().status,
        ResourceStatus::Interrupted
    );
    // Nothing of the subtree is committed; its staged records are whole walks.
    assert!(lines(dir.path(), "issues").is_empty());
    assert!(lines(dir.path(), "projects").is_empty());
    let path = staged(dir.path(), "issues");
    assert_eq!(ids(&parse(&path)), [11, 12, 13, 21, 22, 23]);
    armed.store(false, std::sync::atomic::Ordering::SeqCst);
    hold.notify_waiters();
    // An output shorter than its checkpoint says (cut by hand, or lost to a power cut) is
    // refused, not padded with NULs.
    let full = std::fs::read(&path).unwrap();
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    let refused = to_dir(run(config.clone()).resume(true), dir.path()).await;
    let issues = refused.resource("issues").unwrap();
    assert_eq!(issues.status, ResourceStatus::Failed, "{refused:?}");
    assert!(
        issues
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("fewer than"),
        "{issues:?}"
    );
    assert!(
        !std::fs::read(&path).unwrap().contains(&0),
        "no NUL padding"
    );
    std::fs::write(&path, &full).unwrap();
    let before = count(&server, "/projects");
    let second = to_dir(run(config).resume(true), dir.path()).await;
    assert!(second.is_success(), "{second:?}");
    assert_eq!(
        count(&server, "/projects"),
        before,
        "a completed parent is not walked again"
    );
    assert_eq!(
        count(&server, "/projects/1/issues"),
        2,
        "done child walks are skipped"
    );
    assert_eq!(
        ids(&lines(dir.path(), "issues")),
        [11, 12, 13, 21, 22, 23, 31, 32, 33]
    );
    assert_eq!(ids(&lines(dir.path(), "projects")), [1, 2, 3]);
    assert_eq!(
        second.resource("projects").unwrap().status,
        ResourceStatus::AlreadyCompleted
    );
}

#[tokio::test]
async fn config_mistakes_name_their_key_path_before_any_request() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let c =
        |resources: Value| json!({"client": {"base_url": server.url()}, "resources": resources});
    let cases = [
        (
            json!({"client": {"base_url": server.url()}, "resources": [], "extra": 1}),
            "extra: unknown key",
        ),
        (json!({"resources": ["a"]}), "client: is required"),
        (
            json!({"client": {"base_url": server.url()}, "resources": ["a"],
                   "resource_defaults": {"endpoint": {"paginator": {"type": "offset", "limit": "x"}}}}),
            "resource_defaults.endpoint.paginator.limit: expected an integer",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"query": {}}}])),
            "resources[0].endpoint.query: unknown key",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"paginator": {"type": "offset", "limit": "x"}}}])),
            "resources[0].endpoint.paginator.limit: expected an integer",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"paginator": "nope"}}])),
            "resources[0].endpoint.paginator",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"auth": {"type": "magic"}}}])),
            "resources[0].endpoint.auth",
        ),
        (
            c(json!([{"name": "a", "endpoint": "x/{resources.b.id}"}])),
            "parent resource `b` that does not exist",
        ),
        (
            c(
                json!([{"name": "a", "endpoint": "x/{resources.b.id}"}, {"name": "b", "endpoint": "y/{resources.a.id}"}]),
            ),
            "cycle",
        ),
        (
            c(json!([{"name": "a", "endpoint": "x/{resources.a.id}"}])),
            "cycle: a -> a",
        ),
        (
            c(json!([{"name": "a", "processing_steps": [{"filter": "x"}]}])),
            "resources[0].processing_steps: are Python callables",
        ),
        (
            c(
                json!([{"name": "a", "endpoint": {"response_actions": [{"status_code": "404", "action": "ignore"}]}}]),
            ),
            "resources[0].endpoint.response_actions[0].status_code: expected an integer",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"response_actions": [{"action": "ignore"}]}}])),
            "resources[0].endpoint.response_actions[0]: an action needs",
        ),
        (
            c(
                json!([{"name": "a", "endpoint": {"response_actions": [{"status_code": 404, "action": "skip"}]}}]),
            ),
            "response_actions[0].action: unknown action",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"method": "get"}}])),
            "resources[0].endpoint.method",
        ),
        (
            c(
                json!([{"name": "a", "endpoint": {"incremental": {"cursor_path": "x", "end_value": 3}}}]),
            ),
            "resources[0].endpoint.incremental.end_value: is set without `initial_value`",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"incremental": {"cursor_path": "x", "wat": 1}}}])),
            "resources[0].endpoint.incremental.wat: unknown key",
        ),
        (
            c(json!([{"name": "a", "endpoint": "x/{foo.bar}"}])),
            "resources[0].endpoint.path: unknown placeholder",
        ),
        (
            c(json!([{"name": "a", "endpoint": "x/{id}"}])),
            "needs a param named `id`",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"params": {"s": "{incremental.start_value}"}}}])),
            "needs the endpoint's `incremental`",
        ),
        (
            c(json!([{"name": "a", "include_from_parent": ["id"]}])),
            "has no parent",
        ),
        (
            c(json!(["a", "a"])),
            "resources[1].name: resource `a` is already defined",
        ),
        (
            c(json!([{"name": "a", "write_disposition": "upsert"}])),
            "resources[0].write_disposition",
        ),
        (
            c(json!([{"name": "a", "selected": "yes"}])),
            "resources[0].selected: expected a boolean",
        ),
        (
            c(json!([{"name": "a", "endpoint": {"params": {"p": {"type": "what"}}}}])),
            "resources[0].endpoint.params.p.type",
        ),
        (
            c(
                json!([{"name": "a", "endpoint": {"path": "x/{resources.b.id}/{resources.c.id}"}}, "b", "c"]),
            ),
            "two parents",
        ),
    ];
    for (config, want) in cases {
        let e = Run::from_value_with_env(config.clone(), &mut no_env())
            .expect_err(&config.to_string())
            .to_string();
        assert!(e.contains(want), "{config}: got `{e}`, want `{want}`");
    }
    let e = Run::from_value_with_env(
        c(json!([{"name": "a", "endpoint": {"auth": {"token": "${T}"}}}])),
        &mut no_env(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "resources[0].endpoint.auth.token: environment variable `T` is not set"
    );
    assert_eq!(
        server.hits(),
        0,
        "no request for a config that does not check"
    );
}

#[tokio::test]
async fn dlt_keys_for_destinations_are_accepted_and_carried() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let r = run(json!({
        "client": base(&server),
        "resources": [{"name": "issues", "table_name": "t", "max_table_nesting": 0, "columns": {},
                       "primary_key": ["id"], "parallelized": true,
                       "endpoint": {"data_selector": "items"}}],
    }));
    let dir = tempfile::tempdir().unwrap();
    let summary = to_dir(r, dir.path()).await;
    assert_eq!(summary.resource("issues").unwrap().hints["table_name"], "t");
}

#[tokio::test]
async fn row_order_stops_paging_and_missing_cursors_follow_the_setting() {
    let mut d = data();
    d.issues.insert(0, json!({"id": 1}));
    d.issues.insert(4, json!({"id": 2, "updated_at": null}));
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let inc = |extra: Value| {
        let mut base =
            json!({"cursor_path": "id", "initial_value": 11, "end_value": 13, "row_order": "asc"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    let config = json!({
        "client": base(&server),
        // A default `path` never applies (dlt): each resource names it.
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "asc", "endpoint": {"path": "issues", "incremental": inc(json!({}))}},
            {"name": "all", "endpoint": {"path": "issues", "incremental": inc(json!({"row_order": null}))}},
            {"name": "raise", "endpoint": {"path": "issues", "incremental": {"cursor_path": "updated_at"}}},
            {"name": "include", "endpoint": {"path": "issues",
                "incremental": {"cursor_path": "updated_at", "on_cursor_value_missing": "include"}}},
            {"name": "exclude", "endpoint": {"path": "issues",
                "incremental": {"cursor_path": "updated_at", "on_cursor_value_missing": "exclude"}}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    // Pages of 2: [1, 11], [12, 13], [2, 21], ...: `asc` stops at 13 (the end, open).
    assert_eq!(ids(&lines(dir.path(), "asc")), [11, 12]);
    assert_eq!(ids(&lines(dir.path(), "all")), [11, 12]);
    let asc = summary.resource("asc").unwrap();
    assert_eq!(asc.pages, 2, "{asc:?}");
    assert_eq!(summary.resource("all").unwrap().pages, 6);
    let raise = summary.resource("raise").unwrap();
    assert_eq!(raise.status, ResourceStatus::Failed);
    assert!(raise.failure().unwrap().is_decode(), "{raise:?}");
    assert!(
        raise
            .error
            .as_deref()
            .unwrap()
            .contains("cursor `updated_at` is missing"),
        "{raise:?}"
    );
    assert_eq!(lines(dir.path(), "include").len(), 11);
    assert_eq!(lines(dir.path(), "exclude").len(), 9);
}

#[tokio::test]
async fn resuming_with_another_config_is_refused() {
    let mut d = data();
    d.broken.push("/issues".into());
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let config = |selector: &str| {
        json!({"client": base(&server), "resources": [
            {"name": "issues", "endpoint": {"data_selector": selector}}]})
    };
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let failed = to_dir(run(config("items")).runtime_config(once), dir.path()).await;
    assert_eq!(failed.failed, 1);
    let e = run(config("other"))
        .resume(true)
        .run_to_dir(dir.path())
        .await
        .unwrap_err();
    assert!(
        e.is_builder() && e.to_string().contains("different config"),
        "{e}"
    );
}

#[tokio::test]
async fn secrets_from_the_environment_are_sent_and_never_shown() {
    let server = server::http(|req: RecordedRequest| async move {
        if req.header("authorization") == Some("Bearer s3cr3t-token") {
            (StatusCode::OK, Json(json!([{"id": 1}]))).into_response()
        } else {
            (StatusCode::UNAUTHORIZED, "no").into_response()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": server.url(), "auth": {"type": "bearer", "token": "${TOKEN}"},
                   "paginator": "single_page"},
        "resources": [
            "ok",
            {"name": "leaky", "endpoint": {"path": "x", "params": {"key": "${TOKEN}"}, "auth": null}},
        ],
    });
    let mut env = EnvExpander::new(|n: &str| (n == "TOKEN").then(|| "s3cr3t-token".into()));
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let summary = Run::from_value_with_env(config, &mut env)
        .unwrap()
        .runtime_config(once)
        .run_to_dir(dir.path())
        .await
        .unwrap();
    assert_eq!(lines(dir.path(), "ok").len(), 1);
    let leaky = summary.resource("leaky").unwrap();
    assert_eq!(
        leaky.failure().unwrap().status(),
        Some(restclient::StatusCode::UNAUTHORIZED),
        "{leaky:?}"
    );
    let written = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(!written.contains("s3cr3t"), "{written}");
    assert!(!format!("{summary:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn child_walks_overlap_up_to_concurrency_and_stay_in_parent_order() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let d = Arc::new(Mutex::new(data()));
    // Requests of `issues` walks in flight now, and at most: the grandchild's walks (`echo`)
    // overlap with them by design, so the server's own count is not the resource's.
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (now_in, most_in) = (Arc::clone(&now), Arc::clone(&most));
    let server = server::http_with(move |req: RecordedRequest, _| {
        let d = Arc::clone(&d);
        let (now, most) = (Arc::clone(&now_in), Arc::clone(&most_in));
        async move {
            let issues = req.path.ends_with("/issues");
            if issues {
                most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            }
            let first_two =
                ["/projects/1/issues", "/projects/2/issues"].contains(&req.path.as_str());
            if first_two && query(&req, "page").is_none() {
                // The first pages of the first two child walks wait for each other (5 s at
                // most: a serial engine fails the assertion instead of hanging).
                let patience = std::time::Instant::now();
                while most.load(Ordering::SeqCst) < 2
                    && patience.elapsed() < std::time::Duration::from_secs(5)
                {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
            let snapshot = d.lock().unwrap().clone();
            if issues {
                now.fetch_sub(1, Ordering::SeqCst);
            }
            route(&snapshot, &req)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "projects", "selected": false},
            {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues",
             "include_from_parent": ["name"]},
            {"name": "echo", "endpoint": {"path": "echo", "data_selector": "$",
                "params": {"issue": "{resources.issues.id}"}},
             "include_from_parent": ["_projects_name"]},
        ],
    });
    let summary = to_dir(run(config).concurrency(2), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "child walks overlap, bounded by concurrency"
    );
    assert_eq!(
        ids(&lines(dir.path(), "issues")),
        [11, 12, 13, 21, 22, 23, 31, 32, 33]
    );
    // A grandchild includes from its immediate parent, whose added keys are ordinary keys.
    let echo = lines(dir.path(), "echo");
    assert_eq!(echo.len(), 9);
    assert_eq!(echo[0]["q"], "issue=11");
    assert_eq!(echo[8]["_issues__projects_name"], "p3");
}

#[tokio::test]
async fn children_run_only_for_parent_records_that_pass_the_parent_filter() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resources": [
            {"name": "issues", "endpoint": {"data_selector": "items",
                "incremental": {"cursor_path": "id", "initial_value": 31}}},
            {"name": "echo", "endpoint": {"path": "echo", "data_selector": "$",
                "params": {"issue": "{resources.issues.id}"}}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    let echo: Vec<Value> = lines(dir.path(), "echo")
        .iter()
        .map(|r| r["q"].clone())
        .collect();
    assert_eq!(
        echo,
        [json!("issue=31"), json!("issue=32"), json!("issue=33")]
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let issues = written["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "issues")
        .unwrap();
    assert_eq!(
        issues["incremental"],
        json!({"start_value": 31, "end_value": 33})
    );
    assert_eq!(issues["stop_reason"], "no next link");
}

/// A resource whose state cannot be saved is not reported completed: the run keeps its
/// checkpoints, and a resumed run commits the state without walking the resource again. (Were
/// it reported completed, the checkpoints would go and the next run would deliver its records
/// a second time.)
#[tokio::test]
async fn a_state_file_that_cannot_be_saved_fails_the_resource_and_resume_commits_it() {
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("state.json");
    let d = Arc::new(Mutex::new(data()));
    let server = {
        let (d, blocker) = (Arc::clone(&d), state_path.clone());
        server::http(move |req: RecordedRequest| {
            // While the walk runs, a directory takes the state file's place: replacing it fails.
            let _ = std::fs::create_dir(&blocker);
            let snapshot = d.lock().unwrap().clone();
            std::future::ready(route(&snapshot, &req))
        })
    };
    let config = json!({
        "client": base(&server),
        "resources": [{"name": "issues", "endpoint": {"data_selector": "items",
            "incremental": {"cursor_path": "id", "initial_value": 12}}}],
    });
    let first = to_dir(run(config.clone()), dir.path()).await;
    let issues = first.resource("issues").unwrap();
    assert_eq!(issues.status, ResourceStatus::Failed, "{first:?}");
    assert!(
        issues
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("state file"),
        "{issues:?}"
    );
    assert!(dir.path().join("_pending").exists(), "checkpoints kept");
    let delivered = lines(dir.path(), "issues");
    assert!(!delivered.is_empty());

    std::fs::remove_dir(&state_path).unwrap();
    let walked = server.requests().len();
    let again = to_dir(run(config).resume(true), dir.path()).await;
    assert!(again.is_success(), "{again:?}");
    assert_eq!(
        again.resource("issues").unwrap().status,
        ResourceStatus::AlreadyCompleted
    );
    assert_eq!(server.requests().len(), walked, "not walked again");
    assert_eq!(
        lines(dir.path(), "issues"),
        delivered,
        "nothing delivered twice"
    );
    let state: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    assert!(state["resources"]["issues"]["cursor"]["last_value"].is_number());
}

/// `paginator: auto` on an endpoint detects the paginator from the response, even when the
/// client names one (dlt falls back to the client's, reference §7.2); an endpoint without a
/// paginator uses the client's.
#[tokio::test]
async fn an_endpoint_paginator_auto_detects_instead_of_the_clients() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": format!("{}/", server.url()), "paginator": "single_page"},
        "resources": [
            {"name": "detected", "endpoint": {"path": "issues", "data_selector": "items",
                "paginator": "auto"}},
            {"name": "clients", "endpoint": {"path": "issues", "data_selector": "items"}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    let all = data().issues.len();
    assert!(all > 2);
    assert_eq!(
        lines(dir.path(), "detected").len(),
        all,
        "every page, by detection"
    );
    assert_eq!(
        lines(dir.path(), "clients").len(),
        2,
        "the client's single page"
    );
}

// ---- state commits with the data; loads accumulate ---------------------------------------

fn state_of(dir: &std::path::Path) -> Value {
    std::fs::read(dir.join("state.json"))
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or(Value::Null)
}

/// A run of `--resource child` walks the incremental parent without writing it: the parent's
/// cursor stays where it was (it would skip, next time, parents whose records were never
/// written). A parent whose child fails keeps its cursor too: the subtree did not commit.
#[tokio::test]
async fn a_cursor_moves_only_with_its_resource_and_everything_below_it_written() {
    let mut d = data();
    let server = tracker(Arc::new(Mutex::new(d.clone())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resources": [
            {"name": "issues", "endpoint": {"data_selector": "items",
                "incremental": {"cursor_path": "id", "initial_value": 0}}},
            {"name": "echo", "endpoint": {"path": "echo", "data_selector": "$",
                "params": {"issue": "{resources.issues.id}"}}},
        ],
    });
    let only_child = to_dir(run(config.clone()).select(["echo"]).unwrap(), dir.path()).await;
    assert!(only_child.is_success(), "{only_child:?}");
    assert_eq!(lines(dir.path(), "echo").len(), 9);
    assert!(
        state_of(dir.path())["resources"].get("issues").is_none(),
        "a parent walked, not written, keeps its cursor: {}",
        state_of(dir.path())
    );
    let whole = to_dir(run(config.clone()), dir.path()).await;
    assert!(whole.is_success(), "{whole:?}");
    assert_eq!(
        state_of(dir.path())["resources"]["issues"]["cursor"]["last_value"],
        33
    );

    // New issues, and the child fails: the parent completes, but its cursor waits.
    d.issues.push(json!({"id": 41, "project_id": 1}));
    d.broken.push("/echo".into());
    let server = tracker(Arc::new(Mutex::new(d)));
    let mut config = config;
    config["client"] = base(&server);
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let failed = to_dir(run(config).runtime_config(once), dir.path()).await;
    assert_eq!(
        failed.resource("issues").unwrap().status,
        ResourceStatus::Completed
    );
    assert_eq!(
        failed.resource("echo").unwrap().failure().unwrap().status(),
        Some(restclient::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(
        state_of(dir.path())["resources"]["issues"]["cursor"]["last_value"],
        33,
        "the cursor did not move past records whose children were not written"
    );
    assert_eq!(loads(dir.path(), "issues").len(), 1, "nothing committed");
}

/// Two runs of one config: `append` and `merge` tables get a file per load, `replace` keeps
/// the latest only; `summary.json` names the files of its load, and `_loads/` keeps each
/// load's summary.
#[tokio::test]
async fn runs_accumulate_as_loads_by_write_disposition() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "appended", "endpoint": "issues"},
            {"name": "merged", "endpoint": "issues", "write_disposition": "merge", "primary_key": "id"},
            {"name": "replaced", "endpoint": "issues", "write_disposition": {"disposition": "replace"}},
            {"name": "renamed", "endpoint": "issues", "table_name": "issue_table"},
        ],
    });
    let first = to_dir(run(config.clone()), dir.path()).await;
    assert!(first.is_success(), "{first:?}");
    let second = to_dir(run(config), dir.path()).await;
    assert!(second.is_success(), "{second:?}");
    let (a, b) = (
        first.load_id.clone().unwrap(),
        second.load_id.clone().unwrap(),
    );
    assert!(a < b, "load ids sort by time: {a} {b}");
    for table in ["appended", "merged", "issue_table"] {
        assert_eq!(loads(dir.path(), table).len(), 2, "{table}");
        assert_eq!(lines(dir.path(), table).len(), 18, "{table}: both loads");
    }
    assert_eq!(
        loads(dir.path(), "replaced"),
        [dir.path().join("replaced").join(format!("{b}.ndjson"))],
        "replace keeps the latest load only"
    );
    assert_eq!(lines(dir.path(), "replaced").len(), 9);
    assert!(
        !dir.path().join("renamed").exists(),
        "table_name names the output"
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(written["load_id"], b.as_str());
    assert_eq!(written["complete"], true);
    let renamed = written["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "renamed")
        .unwrap();
    assert_eq!(renamed["file"], format!("issue_table/{b}.ndjson"));
    for id in [&a, &b] {
        assert!(
            dir.path()
                .join("_loads")
                .join(format!("{id}.json"))
                .exists()
        );
    }
}

/// A directory holding an interrupted run refuses a plain run (before any request), resumes
/// with `resume`, starts afresh with `restart`; `resume` with nothing to resume is a plain run.
#[tokio::test]
async fn an_interrupted_run_is_refused_resumed_or_restarted_but_never_run_over() {
    let mut d = data();
    d.broken.push("/projects/2/issues".into());
    let shared = Arc::new(Mutex::new(d));
    let server = tracker(Arc::clone(&shared));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": ["projects", {"name": "issues", "endpoint": "projects/{resources.projects.id}/issues"}],
    });
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let failed = to_dir(run(config.clone()).runtime_config(once.clone()), dir.path()).await;
    assert_eq!(failed.failed, 1);
    let sent = server.hits();
    let e = run(config.clone())
        .run_to_dir(dir.path())
        .await
        .unwrap_err();
    assert!(e.is_builder(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("--resume") && msg.contains("--restart") && msg.contains("_pending"),
        "{msg}"
    );
    assert_eq!(server.hits(), sent, "no request for a refused run");
    // Resumed: only what failed is walked again.
    shared.lock().unwrap().broken.clear();
    let resumed = to_dir(run(config.clone()).resume(true), dir.path()).await;
    assert!(resumed.is_success() && resumed.complete, "{resumed:?}");
    assert_eq!(resumed.load_id, failed.load_id, "the same load, continued");
    assert_eq!(
        count(&server, "/projects"),
        2,
        "the projects were not walked again"
    );
    assert_eq!(
        ids(&lines(dir.path(), "issues")),
        [11, 12, 13, 21, 22, 23, 31, 32, 33]
    );
    // Nothing to resume: a plain run, a second load.
    let again = to_dir(run(config.clone()).resume(true), dir.path()).await;
    assert!(again.is_success());
    assert_ne!(again.load_id, failed.load_id);
    assert_eq!(loads(dir.path(), "issues").len(), 2);
    // Restart: the interrupted load's staged records go, its committed ones stay.
    shared
        .lock()
        .unwrap()
        .broken
        .push("/projects/3/issues".into());
    let broken = to_dir(run(config.clone()).runtime_config(once), dir.path()).await;
    assert_eq!(broken.failed, 1);
    assert!(dir.path().join("_pending").exists());
    shared.lock().unwrap().broken.clear();
    let restarted = to_dir(run(config).restart(true), dir.path()).await;
    assert!(restarted.is_success() && restarted.complete);
    assert_ne!(restarted.load_id, broken.load_id);
    assert!(!dir.path().join("_pending").exists());
    assert_eq!(loads(dir.path(), "issues").len(), 3);
    assert_eq!(lines(dir.path(), "issues").len(), 27);
}

/// A state file written by a restclient of another version is refused (it would be
/// overwritten with less than it holds), naming the file, before any request.
#[tokio::test]
async fn a_state_file_of_an_unknown_version_is_refused() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("state.json"),
        r#"{"version": 7, "resources": {}}"#,
    )
    .unwrap();
    let config = json!({"client": base(&server), "resources": [
        {"name": "issues", "endpoint": {"data_selector": "items"}}]});
    let e = run(config).run_to_dir(dir.path()).await.unwrap_err();
    assert!(e.is_builder(), "{e}");
    assert!(
        e.to_string().contains("state.json") && e.to_string().contains("version 7"),
        "{e}"
    );
    assert_eq!(server.hits(), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state.json")).unwrap(),
        r#"{"version": 7, "resources": {}}"#
    );
}

/// Resources named like restclient's own files cannot clash with them (each resource has a
/// directory of its own in the pending load); a table may not start with `_`.
#[tokio::test]
async fn resource_names_cannot_collide_with_checkpoints_or_spools() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "checkpoint",
        "data",
        "spool",
        "cursors",
        "commits",
        "run",
        "state",
        "summary",
    ];
    let mut resources = vec![json!({"name": "issues", "selected": false,
        "endpoint": {"data_selector": "items"}})];
    for n in names {
        resources.push(
            json!({"name": n, "endpoint": {"path": "echo", "data_selector": "$",
            "params": {"issue": "{resources.issues.id}"}}}),
        );
    }
    // `t`'s walk checkpoint and `t.walk`'s checkpoint were one file in the old layout.
    for n in ["t", "t.walk", "t.records"] {
        resources
            .push(json!({"name": n, "endpoint": {"path": "issues", "data_selector": "items"}}));
    }
    let config = json!({"client": base(&server), "resources": resources});
    let summary = to_dir(run(config.clone()).concurrency(2), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    for n in names.into_iter().chain(["t", "t.walk", "t.records"]) {
        assert_eq!(lines(dir.path(), n).len(), 9, "{n}");
    }
    let mut bad = config;
    bad["resources"][1]["name"] = json!("_pending");
    let e = Run::from_value_with_env(bad, &mut no_env()).unwrap_err();
    assert_eq!(e.path(), "resources[1].name");
}

/// A chain of 50 resources whose root fails: every descendant says it did not run, and the run
/// ends at once.
#[tokio::test]
async fn a_long_chain_under_a_failed_root_reports_every_resource_not_run() {
    let mut d = data();
    d.broken.push("/issues".into());
    let server = tracker(Arc::new(Mutex::new(d)));
    let dir = tempfile::tempdir().unwrap();
    let mut resources =
        vec![json!({"name": "r0", "endpoint": {"path": "issues", "data_selector": "items"}})];
    for i in 1..50 {
        resources.push(json!({"name": format!("r{i}"), "endpoint": {
            "path": "echo", "data_selector": "$",
            "params": {"x": format!("{{resources.r{}.id}}", i - 1)}}}));
    }
    let config = json!({"client": base(&server), "resources": resources});
    let mut once = restclient::config::RuntimeConfig::default();
    once.request_max_attempts = 1;
    let summary = to_dir(run(config).runtime_config(once), dir.path()).await;
    assert_eq!(summary.resources.len(), 50);
    assert_eq!(summary.failed, 1);
    for r in &summary.resources[1..] {
        assert_eq!(r.status, ResourceStatus::Skipped, "{}", r.name);
        assert!(
            r.error
                .as_deref()
                .unwrap()
                .starts_with("not run: its parent"),
            "{:?}",
            r.error
        );
    }
    assert_eq!(server.hits(), 1, "only the root's request");
}

/// Integers beyond 64 bits reach a child's URL and its `_<parent>_<field>` column as the
/// parent's exact text.
#[tokio::test]
async fn big_integers_keep_their_text_in_child_urls_and_included_columns() {
    let server = server::http(|req: RecordedRequest| async move {
        if req.path == "/parents" {
            return (
                [("content-type", "application/json")],
                r#"[{"id":12345678901234567890123,"n":1.50}]"#,
            )
                .into_response();
        }
        Json(json!([{"path": req.path}])).into_response()
    });
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": server.url(), "paginator": "single_page"},
        "resources": [
            {"name": "parents", "endpoint": {"data_selector": "$"}},
            {"name": "kids", "endpoint": {"path": "kids/{resources.parents.id}/{resources.parents.n}",
                "data_selector": "$"}, "include_from_parent": ["id", "n"]},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    assert!(
        server
            .paths()
            .contains(&"/kids/12345678901234567890123/1.50".to_owned()),
        "{:?}",
        server.paths()
    );
    let text = std::fs::read_to_string(&loads(dir.path(), "kids")[0]).unwrap();
    assert_eq!(
        text,
        "{\"path\":\"/kids/12345678901234567890123/1.50\",\"_parents_id\":12345678901234567890123,\"_parents_n\":1.50}\n"
    );
}

/// The summary counts records written apart from records walked, and says when a data
/// selector matched nothing on any page (not an error, as in dlt).
#[tokio::test]
async fn the_summary_separates_written_from_walked_and_warns_of_a_selector_that_never_matched() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": base(&server),
        "resources": [
            {"name": "projects", "selected": false, "endpoint": {"data_selector": "items"}},
            {"name": "issues", "endpoint": {"path": "projects/{resources.projects.id}/issues",
                "data_selector": "items"}},
            {"name": "typo", "endpoint": {"path": "issues", "data_selector": "itemz"}},
        ],
    });
    let summary = to_dir(run(config), dir.path()).await;
    assert!(summary.is_success(), "{summary:?}");
    let projects = summary.resource("projects").unwrap();
    assert_eq!(
        (projects.written, projects.records, projects.walked),
        (false, 0, 3)
    );
    let issues = summary.resource("issues").unwrap();
    assert_eq!((issues.records, issues.walked), (9, 9));
    assert_eq!(summary.records, 9, "records written");
    let typo = summary.resource("typo").unwrap();
    assert_eq!(typo.status, ResourceStatus::Completed);
    assert!(
        typo.warning
            .as_deref()
            .unwrap()
            .contains("`itemz` matched nothing"),
        "{typo:?}"
    );
    assert!(issues.warning.is_none());
}

/// A reader that drops the records stream (it crashed, or stopped early) before reading
/// everything the run sent loses nothing: the state file counts only records the reader took.
/// The run may finish sending into the stream's buffer long before the reader gets there.
#[tokio::test]
async fn a_dropped_records_stream_never_moves_the_cursor_past_what_it_read() {
    let server = tracker(Arc::new(Mutex::new(data())));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let config = json!({
        "client": base(&server),
        "resources": [{"name": "issues", "endpoint": {"data_selector": "items",
            "incremental": {"cursor_path": "id", "initial_value": 0}}}],
    });
    let mut stream = run(config.clone()).state_file(&state).records();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.record["id"], 11);
    // The run has sent every record into the stream's buffer and ended.
    let watchdog = std::time::Instant::now();
    while stream.summary().is_none() {
        assert!(
            watchdog.elapsed() < std::time::Duration::from_secs(30),
            "the run did not end"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    drop(stream);
    // Run again: the eight records the reader never took come.
    let mut again = run(config).state_file(&state).records();
    let mut got = Vec::new();
    while let Some(r) = again.next().await {
        got.push(r.unwrap().record["id"].as_i64().unwrap());
    }
    for id in [12, 13, 21, 22, 23, 31, 32, 33] {
        assert!(
            got.contains(&id),
            "record {id} was never delivered: {got:?}"
        );
    }
}

/// A reader that drops the records stream stops the run: no walk goes on sending requests for
/// nobody, a parent whose records only feed a child included.
#[tokio::test]
async fn dropping_the_records_stream_stops_every_walk() {
    // An endless parent: every page links to the next.
    let server = server::http(|req: RecordedRequest| async move {
        let page: u64 = query(&req, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        if req.path == "/parents" {
            let items: Vec<Value> = (0..2).map(|i| json!({"id": page * 10 + i})).collect();
            Json(json!({"items": items, "next": format!("/parents?page={}", page + 1)}))
                .into_response()
        } else {
            Json(json!({"items": [{"path": req.path}], "next": null})).into_response()
        }
    });
    let config = json!({
        "client": base(&server),
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": [
            {"name": "parents", "selected": false},
            {"name": "kids", "endpoint": "kids/{resources.parents.id}"},
        ],
    });
    let mut stream = run(config).records();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    // The run notices within a few pages, then sends nothing more.
    let watchdog = std::time::Instant::now();
    loop {
        let before = server.hits();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if server.hits() == before {
            break;
        }
        assert!(
            watchdog.elapsed() < std::time::Duration::from_secs(10),
            "the run went on after its reader left: {} requests",
            server.hits()
        );
    }
}
