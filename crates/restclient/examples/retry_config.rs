//! Retry settings from `config.toml` (dlt's `[runtime]` section), and retries at work against
//! an API that answers 503 to every third request.
//!
//! ```text
//! cargo run -p restclient --example retry_config                 # starts a faulty demo API in-process
//! cargo run -p restclient --example retry_config -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL` (start a faulty one with
//! `cargo run -p demo-api -- --help` to see its fault flags). The example writes a config file
//! to a temporary directory and loads it explicitly. Without an explicit file, a client reads
//! the one named by `RESTCLIENT_CONFIG`, else `.restclient/config.toml` in the working
//! directory; `RUNTIME__REQUEST_MAX_ATTEMPTS=3` style environment variables override the file.

use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use restclient::config::RuntimeConfig;
use restclient::paginators::OffsetPaginator;
use restclient::{RestClient, Result, Value};

/// The settings: dlt's keys, with waits short enough for a demo.
pub const CONFIG_TOML: &str = r#"
[runtime]
request_max_attempts = 3       # attempts in total, the first included (default 5)
request_backoff_factor = 0.05  # waits 0.05 s, then 0.1 s, ... (default 1: 1 s, 2 s, 4 s, ...)
request_max_retry_delay = 1    # no single wait longer than 1 s, Retry-After included (default 300)
request_timeout = 10           # seconds per request (default 60)
"#;

/// Writes [`CONFIG_TOML`] as `config.toml` in `dir`.
pub fn write_config(dir: &Path) -> std::io::Result<PathBuf> {
    let path = dir.join("config.toml");
    std::fs::write(&path, CONFIG_TOML)?;
    Ok(path)
}

/// What the walk produced.
#[derive(Debug)]
pub struct Retried {
    /// The settings loaded from the file.
    pub config: RuntimeConfig,
    /// Every record.
    pub records: Vec<Value>,
    /// How many attempts each page took (1 = no retry).
    pub attempts: Vec<u32>,
}

/// Loads the settings from `config_path` and walks `/offset` of the API at `base_url` with
/// them.
pub async fn run(base_url: &str, config_path: &Path) -> Result<Retried> {
    // The file, then the RUNTIME__* environment variables over it. A bad key or value is an
    // error naming the key and the file.
    let config = RuntimeConfig::loader().file(config_path).load()?;
    let client = RestClient::builder(base_url)
        .runtime_config(config.clone())
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()?;
    let mut pages = client.paginate("/offset").pages();
    let (mut records, mut attempts) = (Vec::new(), Vec::new());
    while let Some(page) = pages.try_next().await? {
        attempts.push(page.response().attempts());
        records.extend(page.into_records());
    }
    Ok(Retried {
        config,
        records,
        attempts,
    })
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(50)
        .unavailable_every(3)
        .start_unless_given()
        .await?;
    let dir = tempfile::tempdir()?;
    let path = write_config(dir.path())?;
    let retried = run(&url, &path).await?;
    println!(
        "{} records; attempts per page {:?} (max {} attempts, backoff factor {})",
        retried.records.len(),
        retried.attempts,
        retried.config.request_max_attempts,
        retried.config.request_backoff_factor
    );
    Ok(())
}
