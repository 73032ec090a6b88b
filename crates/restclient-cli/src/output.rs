//! NDJSON output and progress.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// Writes one JSON value per line through a buffer.
pub(crate) struct NdjsonWriter {
    out: BufWriter<Box<dyn Write + Send>>,
}

impl NdjsonWriter {
    /// To `path`, or to stdout when `None`.
    pub(crate) fn create(path: Option<&Path>) -> Result<Self> {
        let sink: Box<dyn Write + Send> = match path {
            Some(p) => Box::new(
                std::fs::File::create(p)
                    .with_context(|| format!("cannot create `{}`", p.display()))?,
            ),
            None => Box::new(io::stdout()),
        };
        Ok(NdjsonWriter {
            out: BufWriter::with_capacity(256 * 1024, sink),
        })
    }

    pub(crate) fn write(&mut self, value: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::from)?;
        self.out.write_all(b"\n")
    }

    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Whether to draw progress: explicit flags win, else only when stderr is a terminal.
pub(crate) fn progress_enabled(progress: bool, no_progress: bool) -> bool {
    if no_progress {
        false
    } else {
        progress || io::stderr().is_terminal()
    }
}

/// A progress line on stderr: pages, records, records/s, elapsed.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    pages: u64,
    records: u64,
}

impl Progress {
    pub(crate) fn new(enabled: bool, label: &str) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed_precise}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            pages: 0,
            records: 0,
        }
    }

    pub(crate) fn page(&mut self, records: usize) {
        self.pages += 1;
        self.records += records as u64;
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} pages, {} records, {:.0} records/s",
                self.pages,
                self.records,
                self.records as f64 / secs
            ));
        }
    }

    pub(crate) fn pages(&self) -> u64 {
        self.pages
    }

    pub(crate) fn records(&self) -> u64 {
        self.records
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn shown(&self) -> bool {
        self.bar.is_some()
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
