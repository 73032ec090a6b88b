//! `RuntimeConfig`: config.toml, `RUNTIME__*` variables, precedence, errors, and the wiring into
//! `RestClientBuilder`. The environment is injected; the two tests that need the real process
//! environment or working directory run this test binary again as a child process.

use crate::support::quick_config;
use demo_api::DemoServer;
use restclient::config::RuntimeConfig;
use restclient::retry::RetryPolicy;
use restclient::{Error, RestClient, StatusCode};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The seed's config.toml, as written.
const SEED: &str = "\
[runtime]
request_max_attempts = 10  # Stop after 10 retry attempts instead of 5
request_backoff_factor = 1.5  # Multiplier applied to the exponential delays. Default is 1
request_timeout = 120  # Timeout in seconds
request_max_retry_delay = 30  # Cap exponential delay to 30 seconds
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The parts of a config error, read back from its message:
/// `invalid configuration in <origin>[, key `<key>`]: <reason>`.
fn config_error(e: Error) -> (String, Option<String>, String) {
    assert_eq!(e.kind(), restclient::ErrorKind::Config, "{e:?}");
    let text = e.to_string();
    let rest = text
        .strip_prefix("invalid configuration in ")
        .unwrap_or_else(|| panic!("{text}"));
    let (head, reason) = rest.split_once(": ").unwrap_or_else(|| panic!("{text}"));
    match head.split_once(", key `") {
        Some((origin, key)) => (
            origin.to_owned(),
            Some(key.trim_end_matches('`').to_owned()),
            reason.to_owned(),
        ),
        None => (head.to_owned(), None, reason.to_owned()),
    }
}

#[test]
fn the_seed_config_file_works_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "config.toml", SEED);
    let c = RuntimeConfig::load_from(Some(&file), vars(&[])).unwrap();
    assert_eq!(c, {
        let mut c = RuntimeConfig::default();
        c.request_max_attempts = 10;
        c.request_backoff_factor = 1.5;
        c.request_timeout = Duration::from_secs(120);
        c.request_max_retry_delay = Duration::from_secs(30);
        c
    });
}

#[test]
fn environment_wins_over_the_file_and_the_file_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "config.toml", SEED);
    let env = vars(&[
        ("RUNTIME__REQUEST_MAX_ATTEMPTS", "3"),
        ("RUNTIME__LOG_LEVEL", "info"),
        ("PATH", "/usr/bin"),
    ]);
    let c = RuntimeConfig::load_from(Some(&file), env).unwrap();
    assert_eq!(c.request_max_attempts, 3, "env wins");
    assert_eq!(c.request_timeout, Duration::from_secs(120), "file wins");
    assert_eq!(c.log_level, tracing::Level::INFO);
    assert_eq!(c.http_max_error_body_length, 8192, "default");
}

#[test]
fn the_file_is_explicit_else_restclient_config_else_the_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let explicit = write(
        dir.path(),
        "a.toml",
        "[runtime]\nrequest_max_attempts = 1\n",
    );
    let named = write(
        dir.path(),
        "b.toml",
        "[runtime]\nrequest_max_attempts = 2\n",
    );
    write(
        dir.path(),
        ".restclient/config.toml",
        "[runtime]\nrequest_max_attempts = 3\n",
    );
    let named_env = vars(&[("RESTCLIENT_CONFIG", named.to_str().unwrap())]);
    let load = |file: Option<&Path>, env: Vec<(String, String)>| {
        let mut l = RuntimeConfig::loader().env(env).working_dir(dir.path());
        if let Some(f) = file {
            l = l.file(f);
        }
        l.load().unwrap().request_max_attempts
    };
    assert_eq!(load(Some(&explicit), named_env.clone()), 1);
    assert_eq!(load(None, named_env), 2);
    assert_eq!(load(None, vars(&[])), 3);

    // No default file: the defaults.
    let empty = tempfile::tempdir().unwrap();
    let c = RuntimeConfig::loader()
        .env(vars(&[]))
        .working_dir(empty.path())
        .load()
        .unwrap();
    assert_eq!(c, RuntimeConfig::default());
}

#[test]
fn a_missing_named_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let (origin, key, reason) =
        config_error(RuntimeConfig::load_from(Some(&missing), vars(&[])).unwrap_err());
    assert!(origin.contains("nope.toml"), "{origin}");
    assert_eq!(key, None);
    assert!(reason.contains("cannot read"), "{reason}");

    let env = vars(&[("RESTCLIENT_CONFIG", missing.to_str().unwrap())]);
    let e = RuntimeConfig::loader()
        .env(env)
        .working_dir(dir.path())
        .load()
        .unwrap_err();
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

#[test]
fn bad_values_in_the_file_name_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "request_max_attempts = \"ten\"",
            "runtime.request_max_attempts",
            "expected a whole number, found the string \"ten\"",
        ),
        (
            "request_timeout = -5",
            "runtime.request_timeout",
            "must not be negative",
        ),
        (
            "request_max_retry_delay = -0.5",
            "runtime.request_max_retry_delay",
            "must not be negative",
        ),
        (
            "http_show_error_body = \"yes\"",
            "runtime.http_show_error_body",
            "expected true or false",
        ),
        (
            "http_max_error_body_length = -1",
            "runtime.http_max_error_body_length",
            "must not be negative",
        ),
        (
            "request_max_attempt = 3",
            "runtime.request_max_attempt",
            "unknown key",
        ),
        ("log_level = 3", "runtime.log_level", "expected a string"),
    ];
    for (line, want_key, want_reason) in cases {
        let file = write(dir.path(), "c.toml", &format!("[runtime]\n{line}\n"));
        let err = RuntimeConfig::load_from(Some(&file), vars(&[])).unwrap_err();
        let text = err.to_string();
        let (origin, key, reason) = config_error(err);
        assert_eq!(origin, format!("file {}", file.display()), "{line}");
        assert_eq!(key.as_deref(), Some(want_key), "{line}");
        assert!(reason.contains(want_reason), "{line}: {reason}");
        assert!(
            text.contains(&file.display().to_string()) && text.contains(want_key),
            "{text}"
        );
    }
}

#[test]
fn bad_environment_values_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value, reason) in [
        (
            "RUNTIME__REQUEST_MAX_ATTEMPTS",
            "many",
            "expected a whole number",
        ),
        (
            "RUNTIME__REQUEST_BACKOFF_FACTOR",
            "-1",
            "must not be negative",
        ),
        ("RUNTIME__LOG_LEVEL", "chatty", "unknown log level"),
        ("RUNTIME__REQUEST_TIMEOUT", "0", "greater than 0"),
        ("RUNTIME__RETRIES", "3", "unknown key"),
    ] {
        let e = RuntimeConfig::loader()
            .env(vars(&[(name, value)]))
            .working_dir(dir.path())
            .load()
            .unwrap_err();
        let text = e.to_string();
        let (origin, _, got) = config_error(e);
        assert_eq!(origin, format!("environment variable {name}"));
        assert!(got.contains(reason), "{name}: {got}");
        assert!(text.contains(name), "{text}");
    }
}

#[test]
fn other_sections_and_dlt_only_runtime_keys_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config.toml",
        "[sources.github]\naccess_token = 1\n\n[runtime]\nlog_format = \"{message}\"\n\
         dlthub_telemetry = false\nrequest_max_attempts = 2\n\n[destination.duckdb]\nx = [1]\n",
    );
    let env = vars(&[("RUNTIME__SENTRY_DSN", "https://x"), ("SOURCES__X", "1")]);
    let c = RuntimeConfig::load_from(Some(&file), env).unwrap();
    assert_eq!(c.request_max_attempts, 2);
}

#[tokio::test]
async fn the_configs_attempts_reach_the_client_and_an_explicit_policy_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config.toml",
        "[runtime]\nrequest_max_attempts = 2\nrequest_backoff_factor = 0.001\n",
    );
    let config = RuntimeConfig::load_from(Some(&file), vars(&[])).unwrap();
    let server = DemoServer::start(Default::default()).await.unwrap();
    let client = RestClient::builder(server.url())
        .runtime_config(config.clone())
        .build()
        .unwrap();
    assert_eq!(
        client.get("/status/503").await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(server.requests().len(), 2);

    server.clear_requests();
    let explicit = RestClient::builder(server.url())
        .runtime_config(config)
        .retry(RetryPolicy::default().max_attempts(4).backoff_factor(0.001))
        .build()
        .unwrap();
    explicit.get("/status/503").await.unwrap();
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn the_configs_timeout_applies_and_an_explicit_timeout_wins() {
    let server = DemoServer::builder()
        .stall_every(1, Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let config = {
        let mut c = quick_config();
        c.request_timeout = Duration::from_millis(50);
        c.request_max_attempts = 1;
        c
    };
    let short = RestClient::builder(server.url())
        .runtime_config(config.clone())
        .build()
        .unwrap();
    let err = short.get("/page").await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    let patient = RestClient::builder(server.url())
        .runtime_config(config)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert_eq!(patient.get("/page").await.unwrap().status(), StatusCode::OK);
}

#[test]
fn invalid_explicit_settings_fail_build() {
    let bad = [
        {
            let mut c = RuntimeConfig::default();
            c.request_max_attempts = 0;
            c
        },
        {
            let mut c = RuntimeConfig::default();
            c.request_backoff_factor = -1.0;
            c
        },
        {
            let mut c = RuntimeConfig::default();
            c.request_timeout = Duration::ZERO;
            c
        },
    ];
    for (config, key) in bad.into_iter().zip([
        "request_max_attempts",
        "request_backoff_factor",
        "request_timeout",
    ]) {
        let e = RestClient::builder("http://127.0.0.1:9")
            .runtime_config(config)
            .build()
            .unwrap_err();
        assert!(
            e.is_builder() && e.to_string().contains(&format!("`runtime.{key}`")),
            "{e:?}"
        );
    }
}

// --- The process environment and working directory, in a child process. ---

/// Set in the child: the test body runs the child half.
const CHILD: &str = "RESTCLIENT_CONFIG_TEST_CHILD";

/// Runs test `name` of this module again in `dir`, in a child process of this binary, with
/// `env` and no inherited restclient settings, and checks that it ran and passed. The child is
/// its own process so that the environment and working directory it needs never leak into the
/// other tests of this binary, which run in parallel threads.
fn run_child(name: &str, dir: &Path, env: &[(&str, &str)]) {
    // Test names are paths inside the binary, without the crate: `config::NAME`.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let test = format!("{module}::{name}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .current_dir(dir)
        .env(CHILD, "1")
        .env_remove("RESTCLIENT_CONFIG");
    for (k, _) in std::env::vars() {
        if k.starts_with("RUNTIME__") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name} failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn from_env_fails_on_a_bad_file_named_by_restclient_config_and_build_reads_nothing() {
    if std::env::var_os(CHILD).is_some() {
        // Built without a config, a client reads nothing; the config is read when asked.
        assert!(RestClient::builder("http://127.0.0.1:9").build().is_ok());
        let err = RuntimeConfig::from_env().unwrap_err();
        let (origin, key, reason) = config_error(err);
        assert!(origin.ends_with("bad.toml"), "{origin}");
        assert_eq!(key.as_deref(), Some("runtime.request_timeout"));
        assert!(reason.contains("a number of seconds"), "{reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.toml",
        "[runtime]\nrequest_timeout = \"1m\"\n",
    );
    run_child(
        "from_env_fails_on_a_bad_file_named_by_restclient_config_and_build_reads_nothing",
        dir.path(),
        &[("RESTCLIENT_CONFIG", bad.to_str().unwrap())],
    );
}

#[test]
fn the_default_file_and_the_environment_apply_only_when_asked() {
    if std::env::var_os(CHILD).is_some() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = DemoServer::start(Default::default()).await.unwrap();
            // Without a config, a client reads neither the file nor the environment: dlt's
            // defaults (5 attempts; a tiny backoff keeps the test fast).
            let client = RestClient::builder(server.url())
                .retry(restclient::retry::RetryPolicy::default().backoff_factor(0.001))
                .build()
                .unwrap();
            let r = client.get("/status/502").await.unwrap();
            assert_eq!(r.attempts(), 5);
            // Asked for, the file in the working directory says 2 attempts, the environment 3.
            server.clear_requests();
            let client = RestClient::builder(server.url())
                .runtime_config(RuntimeConfig::from_env().unwrap())
                .build()
                .unwrap();
            let r = client.get("/status/502").await.unwrap();
            assert_eq!(r.attempts(), 3);
            assert_eq!(server.requests().len(), 3);
        });
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".restclient/config.toml",
        "[runtime]\nrequest_max_attempts = 2\nrequest_backoff_factor = 0.001\n",
    );
    run_child(
        "the_default_file_and_the_environment_apply_only_when_asked",
        dir.path(),
        &[("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")],
    );
}
