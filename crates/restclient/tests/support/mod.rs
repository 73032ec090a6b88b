//! Helpers shared by the integration tests (each test file uses only some of them).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io;
use std::sync::{Arc, Mutex};

use demo_api::DemoServer;
use tracing::dispatcher::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// A demo server with `records` records in pages of `page_size`.
pub async fn demo(records: u64, page_size: u64) -> DemoServer {
    DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .start()
        .await
        .unwrap()
}

/// The ids of a list of records.
pub fn ids(records: &[serde_json::Value]) -> Vec<u64> {
    records.iter().filter_map(|r| r["id"].as_u64()).collect()
}

/// Everything the tracing events of a test wrote, as text.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// The captured text so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures every tracing event (at TRACE, from every crate, `log` records included) on the
/// current thread until the guard is dropped. Use it in a current-thread runtime (the default
/// of `#[tokio::test]`), so that the servers' tasks run on the same thread.
pub fn capture_logs() -> (LogBuffer, DefaultGuard) {
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let guard = subscriber.set_default();
    (buffer, guard)
}
