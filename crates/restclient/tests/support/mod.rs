//! Helpers shared by the integration tests: quick retry settings, log capture, a scripted
//! server for responses the demo API does not give, and record-id checks.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restclient::Value;
use restclient::config::RuntimeConfig;

/// dlt's settings with waits shrunk to milliseconds, so that retry tests are fast: a backoff
/// factor of 0.001 s, waits capped at 20 ms, a 5 s timeout, 5 attempts.
pub fn quick_config() -> RuntimeConfig {
    RuntimeConfig {
        request_backoff_factor: 0.001,
        request_max_retry_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
        ..RuntimeConfig::default()
    }
}

/// The `id` of every record.
pub fn ids(records: &[Value]) -> Vec<u64> {
    records.iter().filter_map(|r| r["id"].as_u64()).collect()
}

/// Captured log output of the current thread (use with a current-thread runtime, which is
/// `#[tokio::test]`'s default).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures restclient's events at `level` and above on this thread until the guard drops.
pub fn capture_logs(level: &str) -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "restclient={level}"
        )))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// A server on 127.0.0.1 that answers its n-th request with the n-th scripted response
/// (status, JSON body), repeating the last one; it counts the requests it got.
pub struct Scripted {
    pub url: String,
    hits: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Scripted {
    pub async fn start(script: Vec<(u16, Value)>) -> Scripted {
        use axum::{Json, Router, http::StatusCode, routing::any};
        let hits = Arc::new(Mutex::new(0usize));
        let counter = Arc::clone(&hits);
        let script = Arc::new(script);
        let app = Router::new().fallback(any(move || {
            let counter = Arc::clone(&counter);
            let script = Arc::clone(&script);
            async move {
                let n = {
                    let mut c = counter.lock().unwrap();
                    *c += 1;
                    *c
                };
                let (status, body) = script[(n - 1).min(script.len() - 1)].clone();
                (StatusCode::from_u16(status).unwrap(), Json(body))
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scripted { url, hits, task }
    }

    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL on 127.0.0.1 where nothing listens (the port was bound, then released).
pub async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
