//! dlt `rest_api` configs as people write them, read by `restclient::run`: what dlt accepts is
//! accepted and sends the requests dlt sends, `${NAME}` values are data, names are file names,
//! and a mistake names its key path before any request. Each run talks to a closure server
//! on 127.0.0.1 and the tests assert on the requests it received.

use futures::StreamExt;
use restclient::Value;
use restclient::run::Run;
use restclient::spec::EnvExpander;
use serde_json::json;

use crate::support::server::{self, RecordedRequest, Server};

/// A server that answers every request with one page: `{"items": [{"id": 1}]}`.
fn one_page_server() -> Server {
    server::http(|_req| async { server::ok(json!({"items": [{"id": 1}]})) })
}

/// `${NAME}` read from `vars` only.
fn env(vars: &'static [(&'static str, &'static str)]) -> EnvExpander<'static> {
    EnvExpander::new(move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).into())
    })
}

/// A config for `server` with one client paginator (`single_page`) and `resources`.
fn config(server: &Server, resources: Value) -> Value {
    json!({
        "client": {"base_url": server.url(), "paginator": "single_page"},
        "resource_defaults": {"endpoint": {"data_selector": "items"}},
        "resources": resources,
    })
}

/// Runs `run` to its end; every record, and no error.
async fn records(run: Run) -> Vec<Value> {
    let mut stream = run.records();
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(
            item.unwrap_or_else(|e| panic!("the run failed: {e:#}"))
                .record,
        );
    }
    out
}

/// The percent-decoded text of a path or query value.
fn decoded(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A value read from the environment that looks like placeholders of both kinds.
const TRICKY: &str = "{resources.issues.id}-{incremental.start_value}-${HOME}-}{";

#[tokio::test]
async fn environment_values_are_data_in_paths_params_bodies_and_headers() {
    let server = one_page_server();
    let resources = json!([{
        "name": "search",
        "endpoint": {
            "path": "search/${V}",
            "method": "POST",
            "params": {"q": "${V}", "both": "a ${V} b"},
            "json": {"filter": "${V}", "nested": ["x${V}"]},
            "headers": {"X-Value": "${V}"},
        },
    }]);
    let run = Run::from_value_with_env(config(&server, resources), &mut env(&[("V", TRICKY)]))
        .unwrap_or_else(|e| panic!("a value was read as a placeholder: {e}"));
    assert_eq!(records(run).await, [json!({"id": 1})]);

    let sent: Vec<RecordedRequest> = server.requests();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(
        decoded(r.path.trim_start_matches("/search/")),
        TRICKY,
        "{}",
        r.path
    );
    assert_eq!(
        crate::support::server::query_param(r, "q").as_deref(),
        Some(TRICKY)
    );
    assert_eq!(
        crate::support::server::query_param(r, "both"),
        Some(format!("a {TRICKY} b"))
    );
    assert_eq!(
        r.json(),
        Some(json!({"filter": TRICKY, "nested": [format!("x{TRICKY}")]}))
    );
    assert_eq!(r.header("x-value"), Some(TRICKY));
}

#[tokio::test]
async fn an_environment_value_never_shows_in_a_config_error() {
    let server = one_page_server();
    // The variable's value is fine; the mistake is elsewhere in the same string.
    let resources = json!([{"name": "a", "endpoint": {"path": "x/${V}/{oops}"}}]);
    let e = Run::from_value_with_env(config(&server, resources), &mut env(&[("V", TRICKY)]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a param named `oops`"), "{e}");
    assert!(
        !e.contains("resources.issues.id") && !e.contains("HOME"),
        "{e}"
    );
    // A variable that is not set is named, not quoted.
    let resources = json!([{"name": "a", "endpoint": {"params": {"q": "${NOT_SET}"}}}]);
    let e = Run::from_value_with_env(config(&server, resources), &mut env(&[]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "resources[0].endpoint.params.q: environment variable `NOT_SET` is not set"
    );
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn names_that_cannot_name_a_file_are_refused_naming_the_key() {
    let server = one_page_server();
    let long = "n".repeat(201);
    let cases = [
        (
            json!([{"name": "nul\u{0}name"}]),
            "resources[0].name: must not contain a control character",
        ),
        (
            json!(["line\nbreak"]),
            "resources[0].name: must not contain a control character",
        ),
        (
            json!([{"name": long}]),
            "resources[0].name: is 201 bytes long; at most 200",
        ),
        (
            json!(["ok", {"name": "b", "table_name": "t\u{0}"}]),
            "resources[1].table_name: must not contain a control character",
        ),
        (
            json!([{"name": "../up"}]),
            "resources[0].name: must not contain `/`",
        ),
    ];
    for (resources, want) in cases {
        let e = Run::from_value_with_env(config(&server, resources.clone()), &mut env(&[]))
            .expect_err(&resources.to_string())
            .to_string();
        assert!(
            e.starts_with(want),
            "{resources}: got `{e}`, want `{want}…`"
        );
    }
    // 200 bytes is a name.
    let fine = "n".repeat(200);
    let run = Run::from_value_with_env(config(&server, json!([fine])), &mut env(&[])).unwrap();
    assert_eq!(run.resource_names(), [fine.as_str()]);
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn an_empty_processing_steps_is_accepted_and_the_resource_runs() {
    let server = one_page_server();
    let resources = json!([{"name": "items", "processing_steps": []}]);
    let run = Run::from_value_with_env(config(&server, resources), &mut env(&[])).unwrap();
    assert_eq!(records(run).await, [json!({"id": 1})]);
    assert_eq!(server.paths(), ["/items"]);
    // Steps that would do something are Python callables: refused, with what to do instead.
    let resources = json!([{"name": "items", "processing_steps": [{"filter": "lambda r: r"}]}]);
    let e = Run::from_value_with_env(config(&server, resources), &mut env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("resources[0].processing_steps: are Python callables")
            && e.contains("data_selector"),
        "{e}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn convert_is_refused_alike_in_both_incremental_forms() {
    let server = one_page_server();
    let message = "is a Python callable in dlt and has no place in a file";
    let cases = [
        (
            json!({"since": {"type": "incremental", "cursor_path": "updated_at", "convert": "f"}}),
            json!(null),
            "resources[0].endpoint.params.since.convert",
        ),
        (
            json!({}),
            json!({"cursor_path": "updated_at", "convert": "f"}),
            "resources[0].endpoint.incremental.convert",
        ),
    ];
    for (params, incremental, at) in cases {
        let mut endpoint = json!({"path": "items", "params": params});
        if !incremental.is_null() {
            endpoint["incremental"] = incremental;
        }
        let resources = json!([{"name": "items", "endpoint": endpoint}]);
        let e = Run::from_value_with_env(config(&server, resources), &mut env(&[]))
            .unwrap_err()
            .to_string();
        assert_eq!(e, format!("{at}: {message}"));
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn a_json_config_that_repeats_a_key_is_refused_as_toml_and_yaml_are() {
    let server = one_page_server();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "c.json",
            format!(
                r#"{{"client": {{"base_url": "{}"}},
                    "resources": [{{"name": "a", "endpoint": {{"params": {{"limit": 10, "limit": 20}}}}}}]}}"#,
                server.url()
            ),
            "resources[0].endpoint.params.limit: the key appears twice in one object",
        ),
        (
            "c.toml",
            format!(
                "[client]\nbase_url = \"{}\"\nbase_url = \"x\"\n[[resources]]\nname = \"a\"\n",
                server.url()
            ),
            "not valid TOML",
        ),
        (
            "c.yaml",
            format!(
                "client:\n  base_url: {}\n  base_url: x\nresources: [a]\n",
                server.url()
            ),
            "not valid YAML",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let e = Run::from_file(&path).unwrap_err().to_string();
        assert!(e.starts_with(want), "{name}: got `{e}`, want `{want}…`");
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn http_basic_with_an_empty_password_sends_the_key_as_the_user_name() {
    // Freshdesk and Chargebee take the API key as the user name and no password.
    let server = one_page_server();
    let mut config = config(&server, json!(["tickets"]));
    config["client"]["auth"] =
        json!({"type": "http_basic", "username": "fd-k3y-as-user", "password": ""});
    let run = Run::from_value_with_env(config, &mut env(&[])).unwrap();
    assert!(!format!("{run:?}").contains("fd-k3y-as-user"));
    assert_eq!(records(run).await, [json!({"id": 1})]);
    let sent = server.requests();
    use base64::prelude::{BASE64_STANDARD, Engine as _};
    let want = format!("Basic {}", BASE64_STANDARD.encode("fd-k3y-as-user:"));
    assert_eq!(sent[0].header("authorization"), Some(want.as_str()));
}

#[tokio::test]
async fn an_empty_total_path_means_no_total_as_in_dlt() {
    // What dlt's OpenAPI generator writes for an API that reports no total; the walk ends
    // at the first empty page instead of failing on a missing `total`.
    let server = server::http(|req| async move {
        let offset = crate::support::server::query_u64(&req, "offset").unwrap_or(0);
        let items: Vec<Value> = (offset..5).take(2).map(|id| json!({"id": id})).collect();
        server::ok(json!({"items": items}))
    });
    let resources = json!([{"name": "items", "endpoint": {
        "paginator": {"type": "offset", "limit": 2, "total_path": ""},
    }}]);
    let run = Run::from_value_with_env(config(&server, resources), &mut env(&[])).unwrap();
    let got = records(run).await;
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(
        server.paths(),
        [
            "/items?offset=0&limit=2",
            "/items?offset=2&limit=2",
            "/items?offset=4&limit=2",
            "/items?offset=6&limit=2",
        ]
    );
}

#[tokio::test]
async fn a_parent_value_never_steps_out_of_the_childs_path() {
    // Parent ids a hostile or careless API could send; `..` last, so that every other child
    // walk has run (one at a time) before it fails the resource.
    let server = server::http(|req| async move {
        if req.path == "/parents" {
            server::ok(json!({"items": [
                {"id": 1}, {"id": "..."}, {"id": "a/b"}, {"id": "%2E%2E"}, {"id": ".."},
            ]}))
        } else {
            server::ok(json!({"items": [{"child_of": req.path}]}))
        }
    });
    let resources = json!([
        {"name": "parents", "selected": false},
        {"name": "children", "endpoint": {"path": "items/{resources.parents.id}"}},
    ]);
    let run = Run::from_value_with_env(config(&server, resources), &mut env(&[]))
        .unwrap()
        .concurrency(1);
    let mut stream = run.records();
    let (mut got, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = stream.next().await {
        match item {
            Ok(r) => got.push(r.record),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    let paths = server.paths();
    assert_eq!(
        paths,
        [
            "/parents",
            "/items/1",
            "/items/...",
            "/items/a%2Fb",
            "/items/%252E%252E"
        ],
        "every request stayed under /items/"
    );
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("`{resources.parents.id}` makes the path segment `..`"),
        "{}",
        errors[0]
    );
    // A static param that would do the same is a config error.
    let resources =
        json!([{"name": "x", "endpoint": {"path": "items/{id}", "params": {"id": ".."}}}]);
    let e = Run::from_value_with_env(config(&server, resources), &mut env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("resources[0].endpoint.params.id: `..` as a whole path segment"),
        "{e}"
    );
}
