//! The example configs of `examples/run/` (dlt `rest_api` dicts) run by the real binary against
//! the demo API's tracker, GitHub-like and PokeAPI-like routes (DESIGN §3, §8).
//!
//! The configs name `http://127.0.0.1:8080` (the demo API started with `--port 8080`); each
//! test copies a config with that replaced by its own server's URL, the only change a port of
//! a dlt config needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use demo_api::{BackgroundServer, DemoServer};
use restclient::spec::{AuthSpec, EndpointSpec, PaginatorSpec};
use serde_json::Value;

/// The base URL the example configs are written for.
const EXAMPLE_ORIGIN: &str = "http://127.0.0.1:8080";

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/run")
}

fn read_example(name: &str) -> String {
    let path = examples_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A config file as a JSON value, read by its extension as `restclient run` reads it.
fn parse_config(name: &str, text: &str) -> Value {
    let parsed: Result<Value, String> = match Path::new(name).extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(text).map_err(|e| e.to_string()),
        Some("toml") => toml::from_str(text).map_err(|e| e.to_string()),
        Some("yaml" | "yml") => serde_saphyr::from_str(text).map_err(|e| e.to_string()),
        other => Err(format!("unknown extension {other:?}")),
    };
    parsed.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Checks a config's shape the way dlt's validator does (unknown keys at every level are
/// errors) and reads every paginator, auth and endpoint with the library's typed forms.
fn check_config(name: &str, config: &Value) {
    let object = config
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not an object"));
    for key in object.keys() {
        assert!(
            ["client", "resource_defaults", "resources"].contains(&key.as_str()),
            "{name}: unknown top-level key {key}"
        );
    }
    let client = &config["client"];
    assert!(
        client["base_url"]
            .as_str()
            .is_some_and(|url| url.starts_with(EXAMPLE_ORIGIN)),
        "{name}: base_url"
    );
    for key in client.as_object().into_iter().flat_map(|c| c.keys()) {
        assert!(
            ["base_url", "headers", "auth", "paginator"].contains(&key.as_str()),
            "{name}: unknown client key {key}"
        );
    }
    if let Some(paginator) = client.get("paginator") {
        PaginatorSpec::from_value(paginator)
            .unwrap_or_else(|e| panic!("{name}: client.paginator: {e}"));
    }
    if let Some(auth) = client.get("auth") {
        AuthSpec::from_value(auth).unwrap_or_else(|e| panic!("{name}: client.auth: {e}"));
    }
    if let Some(endpoint) = config["resource_defaults"].get("endpoint") {
        EndpointSpec::from_value(endpoint)
            .unwrap_or_else(|e| panic!("{name}: resource_defaults.endpoint: {e}"));
    }
    let resources = config["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: resources is not a list"));
    assert!(!resources.is_empty(), "{name}: no resources");
    for (i, resource) in resources.iter().enumerate() {
        if resource.is_string() {
            continue;
        }
        let keys = resource
            .as_object()
            .unwrap_or_else(|| panic!("{name}: resources[{i}] is neither a name nor an object"));
        assert!(resource["name"].is_string(), "{name}: resources[{i}].name");
        for key in keys.keys() {
            assert!(
                [
                    "name",
                    "endpoint",
                    "include_from_parent",
                    "selected",
                    "primary_key",
                    "write_disposition",
                    "table_name",
                ]
                .contains(&key.as_str()),
                "{name}: resources[{i}]: unexpected key {key}"
            );
        }
        if let Some(endpoint) = resource.get("endpoint") {
            EndpointSpec::from_value(endpoint)
                .unwrap_or_else(|e| panic!("{name}: resources[{i}].endpoint: {e}"));
        }
    }
}

#[test]
fn example_configs_parse_and_mean_the_same_in_every_format() {
    for base in ["github", "pokeapi"] {
        let mut values = Vec::new();
        for ext in ["json", "toml", "yaml"] {
            let name = format!("{base}.{ext}");
            let value = parse_config(&name, &read_example(&name));
            check_config(&name, &value);
            values.push((name, value));
        }
        let (first_name, first) = &values[0];
        for (name, value) in &values[1..] {
            assert_eq!(value, first, "{name} and {first_name} differ");
        }
    }
    let tracker = parse_config("tracker.yaml", &read_example("tracker.yaml"));
    check_config("tracker.yaml", &tracker);
    let names: Vec<&str> = tracker["resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["projects", "issues", "comments", "users", "events"]);
}

/// A demo API on its own runtime, so tests can block on the binary.
struct Demo {
    url: String,
    server: BackgroundServer,
}

impl Demo {
    fn start() -> Demo {
        let server = DemoServer::builder().spawn().expect("demo server");
        Demo {
            url: server.url(),
            server,
        }
    }

    /// Writes example `name` into `dir` with its base URL pointed at this server.
    fn config(&self, dir: &Path, name: &str) -> PathBuf {
        let text = read_example(name).replace(EXAMPLE_ORIGIN, &self.url);
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write config");
        path
    }
}

fn restclient() -> Command {
    let mut cmd = Command::cargo_bin("restclient").expect("binary");
    cmd.env_remove("RUNTIME__LOG_LEVEL");
    cmd
}

/// `restclient run CONFIG -o OUT --no-progress [extra...]`: its exit code and stderr.
fn run(config: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let output = restclient()
        .arg("run")
        .arg(config)
        .arg("-o")
        .arg(out)
        .arg("--no-progress")
        .args(extra)
        .env("GITHUB_TOKEN", "demo-github-token")
        .output()
        .expect("run the binary");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The records of a table over its loads (`DIR/<table>/<load_id>.ndjson`, oldest first), each
/// line checked to be one JSON value.
fn records(dir: &Path, table: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(table))
        .unwrap_or_else(|e| panic!("{}/{table}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{table}: partial line"
        );
        out.extend(text.lines().map(|line| {
            serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{table}: {line}: {e}"))
        }));
    }
    out
}

fn summary(dir: &Path) -> Value {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// The summary entry of `resource`.
fn resource_summary<'a>(summary: &'a Value, resource: &str) -> &'a Value {
    summary["resources"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == resource))
        .unwrap_or_else(|| panic!("no {resource} in {summary}"))
}

/// Every record of a `Link`-header walk, fetched with `restclient paginate` (the expectation
/// of a test, computed from the API itself).
fn paginate(url: &str) -> Vec<Value> {
    let output = restclient()
        .args([
            "paginate",
            url,
            "--paginator",
            "header_link",
            "--data-selector",
            "$",
        ])
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "paginate {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("NDJSON"))
        .collect()
}

fn ids(records: &[Value], key: &str) -> BTreeSet<u64> {
    records.iter().filter_map(|r| r[key].as_u64()).collect()
}

#[test]
fn github_port_runs_issues_and_their_comments_in_every_format() {
    let demo = Demo::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    // What dlt would load: open issues updated since the initial value (the API filters by
    // instant), and every comment of those.
    let expected = paginate(&format!(
        "{}/github/repos/dlt-hub/dlt/issues?state=open&per_page=100&since=2024-01-25T11:21:28Z",
        demo.url
    ));
    assert!(!expected.is_empty());
    let expected_comments: u64 = expected.iter().filter_map(|i| i["comments"].as_u64()).sum();
    for ext in ["json", "toml", "yaml"] {
        let config = demo.config(tmp.path(), &format!("github.{ext}"));
        let out = tmp.path().join(format!("out-{ext}"));
        let (code, stderr) = run(&config, &out, &[]);
        assert_eq!(code, Some(0), "github.{ext}: {stderr}");
        let issues = records(&out, "issues");
        assert_eq!(ids(&issues, "id"), ids(&expected, "id"), "github.{ext}");
        assert_eq!(issues.len(), expected.len(), "github.{ext}: duplicates");
        let comments = records(&out, "issue_comments");
        assert_eq!(comments.len() as u64, expected_comments, "github.{ext}");
        for comment in &comments {
            assert_eq!(comment["_issues_id"], comment["issue_id"], "{comment}");
        }
        let summary = summary(&out);
        assert_eq!(summary["failed"], 0);
        assert_eq!(
            resource_summary(&summary, "issues")["hints"]["write_disposition"],
            "merge"
        );
    }
    // The token came from the environment and was sent as a bearer token.
    assert!(demo.server.requests().iter().any(|r| {
        r.headers
            .iter()
            .any(|(n, v)| n == "authorization" && v == "Bearer demo-github-token")
    }));
}

#[test]
fn pokeapi_port_runs_lists_and_one_detail_per_pokemon_in_every_format() {
    let demo = Demo::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    for ext in ["json", "toml", "yaml"] {
        let config = demo.config(tmp.path(), &format!("pokeapi.{ext}"));
        let out = tmp.path().join(format!("out-{ext}"));
        let (code, stderr) = run(&config, &out, &[]);
        assert_eq!(code, Some(0), "pokeapi.{ext}: {stderr}");
        for (resource, count) in [("pokemon", 151), ("berry", 64), ("location", 40)] {
            let list = records(&out, resource);
            assert_eq!(list.len(), count, "pokeapi.{ext}: {resource}");
            assert!(
                list.iter()
                    .all(|r| r["name"].is_string() && r["url"].is_string())
            );
        }
        let details = records(&out, "pokemon_details");
        assert_eq!(details.len(), 151, "pokeapi.{ext}");
        let names: BTreeSet<String> = details
            .iter()
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(names.len(), 151);
        for detail in &details {
            let url = detail["_pokemon_url"].as_str().expect("_pokemon_url");
            assert!(
                url.ends_with(&format!("/pokemon/{}/", detail["id"])),
                "{detail}"
            );
        }
    }
}

/// The issues of every project, keyed by id, as the API serves them now.
fn all_issues(demo: &Demo) -> BTreeMap<u64, Value> {
    paginate(&format!("{}/tracker/issues?per_page=100", demo.url))
        .into_iter()
        .filter_map(|issue| Some((issue["id"].as_u64()?, issue)))
        .collect()
}

#[test]
fn tracker_second_run_delivers_only_new_and_changed_issues() {
    let demo = Demo::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = demo.config(tmp.path(), "tracker.yaml");
    let state = tmp.path().join("state.json");
    let state_arg = state.to_str().expect("utf-8 path");

    let before = all_issues(&demo);
    let first = tmp.path().join("first");
    let (code, stderr) = run(&config, &first, &["--state", state_arg]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(records(&first, "projects").len(), 5);
    assert_eq!(records(&first, "users").len(), 20);
    assert_eq!(ids(&records(&first, "events"), "id"), (1..=100).collect());
    let issues = records(&first, "issues");
    assert_eq!(ids(&issues, "id"), before.keys().copied().collect());
    assert_eq!(issues.len(), before.len());
    for issue in &issues {
        assert_eq!(issue["_projects_key"], format!("P{}", issue["project_id"]));
    }
    // Comments of every issue but the deleted ones, whose 404 ended only their own walk.
    let deleted: Vec<&Value> = before.values().filter(|i| i["deleted"] == true).collect();
    assert!(!deleted.is_empty());
    let expected_comments: u64 = before
        .values()
        .filter(|i| i["deleted"] == false)
        .filter_map(|i| i["comments"].as_u64())
        .sum();
    let comments = records(&first, "comments");
    assert_eq!(comments.len() as u64, expected_comments);
    for comment in &comments {
        assert_eq!(comment["_issues_id"], comment["issue_id"]);
    }
    let summary1 = summary(&first);
    assert_eq!(summary1["failed"], 0);
    assert_eq!(
        resource_summary(&summary1, "comments")["ignored_walks"],
        deleted.len()
    );

    // A day of activity: some issues updated, new ones in every project.
    demo.server.advance_tracker();
    let after = all_issues(&demo);
    let changed: BTreeSet<u64> = after
        .iter()
        .filter(|(id, issue)| before.get(id) != Some(issue))
        .map(|(id, _)| *id)
        .collect();
    assert!(changed.len() > 15, "new and updated issues");

    demo.server.clear_requests();
    let second = tmp.path().join("second");
    let (code, stderr) = run(&config, &second, &["--state", state_arg]);
    assert_eq!(code, Some(0), "{stderr}");
    let issues = records(&second, "issues");
    assert_eq!(
        ids(&issues, "id"),
        changed,
        "only the new and changed issues"
    );
    assert_eq!(issues.len(), changed.len());
    // Their comments only.
    let comments = records(&second, "comments");
    let expected_comments: u64 = changed
        .iter()
        .filter_map(|id| after.get(id))
        .filter(|i| i["deleted"] == false)
        .filter_map(|i| i["comments"].as_u64())
        .sum();
    assert_eq!(comments.len() as u64, expected_comments);
    assert!(comments.iter().all(|c| {
        c["_issues_id"]
            .as_u64()
            .is_some_and(|id| changed.contains(&id))
    }));
    // Each project's first issues request started from that project's own cursor, not from
    // the initial value.
    let first_pages: Vec<String> = demo
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/issues"))
        .filter_map(|r| r.query)
        .filter(|q| !q.split('&').any(|pair| pair.starts_with("page=")))
        .collect();
    assert_eq!(first_pages.len(), 5, "{first_pages:?}");
    for query in &first_pages {
        assert!(
            query.contains("since=") && !query.contains("since=2024-01-01T00"),
            "{query}"
        );
    }
}

#[test]
fn a_failing_resource_fails_the_run_but_not_the_others() {
    let demo = Demo::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("failing.yaml");
    std::fs::write(
        &config,
        format!(
            r#"
client:
  base_url: "{}/tracker/"
resources:
  - name: users
    endpoint:
      path: users
      data_selector: users
      paginator: {{type: cursor, cursor_path: next_cursor, cursor_param: cursor}}
  - name: missing
    endpoint:
      path: projects/999/issues
      paginator: header_link
  - name: events
    endpoint:
      path: events
      data_selector: events
      paginator: {{type: offset, limit: 30, total_path: total}}
"#,
            demo.url
        ),
    )
    .expect("write config");
    let out = tmp.path().join("out");
    let (code, stderr) = run(&config, &out, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");
    assert_eq!(records(&out, "users").len(), 20);
    assert_eq!(ids(&records(&out, "events"), "id"), (1..=100).collect());
    let summary = summary(&out);
    assert_eq!(summary["failed"], 1);
    let missing = resource_summary(&summary, "missing");
    assert_eq!(missing["status"], "failed");
    assert_eq!(missing["error_kind"], "status", "{missing}");
    assert_eq!(resource_summary(&summary, "users")["status"], "completed");
}
