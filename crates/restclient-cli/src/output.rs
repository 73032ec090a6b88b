//! Where text goes: NDJSON records, messages on stderr, progress. A closed stdout or stderr
//! (`| head`, `2>&-`) is never a panic: writes go through helpers that treat `BrokenPipe` as
//! "stop", and nothing here uses `println!`/`eprintln!`.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The reader of stdout went away (`| head`): the command stops quietly, successfully.
#[derive(Debug)]
pub(crate) struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the output was closed")
    }
}

impl std::error::Error for Closed {}

/// Maps a write error: a closed pipe becomes [`Closed`], anything else stays an error.
pub(crate) fn closed_is_stop(e: io::Error, what: &str) -> anyhow::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Closed.into()
    } else {
        anyhow::Error::new(e).context(format!("cannot write {what}"))
    }
}

/// Writes `bytes` to stdout and flushes.
pub(crate) fn stdout_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| closed_is_stop(e, "to stdout"))
}

/// Writes one line to stdout.
pub(crate) fn stdout_line(line: &str) -> anyhow::Result<()> {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    stdout_bytes(text.as_bytes())
}

/// Writes one line to stderr; a closed stderr is ignored (there is nowhere left to say it).
/// What goes there may quote a server (an error body, a value in an error), so control
/// characters are escaped: see [`terminal_safe`].
pub(crate) fn stderr_line(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", terminal_safe(line));
}

/// `text` with every control character a terminal would act on written out as an escape
/// (`\u{1b}` for ESC, `\r`, `\u{7}` for BEL, C1 controls, bidi overrides), so that a server
/// cannot move the cursor, rewrite what was printed, retitle the window or ring the bell.
/// Kept: tabs, and line breaks (a CRLF becomes a plain LF), so that a body keeps its lines:
/// a line feed alone only starts a new line below.
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Records as NDJSON, one page at a time, through a buffer. The file of `-o` is created (and
/// an existing one emptied) only when the first page arrives, so a walk that fails at its
/// first request leaves an existing file alone. Pages are written whole, so the buffer reaches
/// the file at line boundaries and the output never ends inside a line.
///
/// Each page's lines are made in the buffer itself and written from there with one `write`
/// once it holds [`NdjsonWriter::BATCH`] bytes (no second copy through a `BufWriter`).
pub(crate) struct NdjsonWriter {
    target: Option<PathBuf>,
    out: Option<Sink>,
    /// Whole lines not yet written.
    pending: Vec<u8>,
    /// Bytes in the file: where a failed write is cut back to.
    written: u64,
}

/// Where the lines go: a file can be cut back after a failed write, stdout cannot.
enum Sink {
    File(File),
    Stdout(io::Stdout),
}

impl Sink {
    fn write_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(lines),
            Sink::Stdout(s) => s.write_all(lines).and_then(|()| s.flush()),
        }
    }
}

impl NdjsonWriter {
    /// Lines gathered before a write: fewer system calls for small pages; a larger page is
    /// written as soon as it is made.
    const BATCH: usize = 64 * 1024;

    /// To `path`, or to stdout when `None`. Nothing is opened yet.
    pub(crate) fn new(path: Option<&Path>) -> Self {
        NdjsonWriter {
            target: path.map(Path::to_path_buf),
            out: None,
            pending: Vec::new(),
            written: 0,
        }
    }

    fn sink(&mut self) -> anyhow::Result<&mut Sink> {
        if self.out.is_none() {
            let sink = match &self.target {
                Some(p) => Sink::File(File::create(p).map_err(|e| {
                    anyhow::Error::new(e).context(format!("cannot create `{}`", p.display()))
                })?),
                None => Sink::Stdout(io::stdout()),
            };
            self.out = Some(sink);
        }
        self.out
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("the output is not open"))
    }

    fn what(&self) -> String {
        self.target
            .as_ref()
            .map_or_else(|| "to stdout".to_owned(), |p| format!("`{}`", p.display()))
    }

    /// Writes the records of one page as whole lines, each the API's own text (whitespace
    /// outside strings removed, nothing else changed).
    pub(crate) fn page(&mut self, page: &restclient::Page) -> anyhow::Result<()> {
        // The output is created when the first page arrives, even an empty one.
        self.sink()?;
        page.write_ndjson(&mut self.pending);
        // Stdout is flushed after every page: a reader (`| head`, `| jq`) sees records as they
        // come, and a closed pipe is noticed at once instead of after a buffer of requests.
        if self.target.is_some() && self.pending.len() < Self::BATCH {
            return Ok(());
        }
        self.write_pending()
    }

    /// Writes the gathered lines (and flushes stdout). A write that fails part-way (a full
    /// disk) is cut back, so that the file still ends with a whole line.
    fn write_pending(&mut self) -> anyhow::Result<()> {
        let what = self.what();
        let pending = std::mem::take(&mut self.pending);
        let before = self.written;
        let sink = self.sink()?;
        let result = match sink.write_lines(&pending) {
            Ok(()) => {
                self.written += pending.len() as u64;
                Ok(())
            }
            Err(e) => {
                if let Sink::File(f) = sink {
                    // Best effort: the walk ends with this error whatever happens here.
                    let _ = f.set_len(before);
                }
                Err(closed_is_stop(e, &what))
            }
        };
        self.pending = pending;
        self.pending.clear();
        result
    }

    /// Writes and flushes what was gathered (nothing is opened when no page came).
    pub(crate) fn finish(&mut self) -> anyhow::Result<()> {
        if self.pending.is_empty() && self.out.is_none() {
            return Ok(());
        }
        self.write_pending()
    }
}

/// Masks every secret value in text shown to the user (an error body echoing a token).
#[derive(Default)]
pub(crate) struct Masker {
    /// Longest first, so a secret containing another is masked whole.
    secrets: Vec<String>,
}

impl Masker {
    pub(crate) fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        secrets.dedup();
        Masker { secrets }
    }

    /// The same secrets and `more`.
    pub(crate) fn with(self, more: impl IntoIterator<Item = String>) -> Self {
        Masker::new(self.secrets.into_iter().chain(more))
    }

    pub(crate) fn mask(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// At most `max` characters of `text`, saying how much was left out.
pub(crate) fn cap(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!(
            "{}… ({} more characters)",
            &text[..cut],
            text[cut..].chars().count()
        ),
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
            let style = ProgressStyle::with_template(
                "{spinner} {prefix}: {msg}{pacing} [{elapsed_precise}]",
            )
            .map(|s| s.with_key("pacing", pacing::show))
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
        self.pages = self.pages.saturating_add(1);
        self.records = self.records.saturating_add(records as u64);
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

/// Rate-limit waits on the progress bar: the library logs each wait (target
/// `restclient::ratelimit`, fields `wait_ms` and `cause`); [`pacing::Layer`] keeps the latest,
/// and the bar shows it, counting down, while it lasts.
pub(crate) mod pacing {
    use std::sync::{Mutex, PoisonError};
    use std::time::{Duration, Instant};

    use tracing::field::{Field, Visit};

    /// The wait in progress: until when, and why.
    static WAIT: Mutex<Option<(Instant, String)>> = Mutex::new(None);

    /// Writes ` — waiting 12 s (Retry-After)` while a wait lasts.
    pub(crate) fn show(_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
        let wait = WAIT.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some((until, cause)) = wait {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                let _ = write!(
                    w,
                    " — rate limit: waiting {:.0} s ({cause})",
                    left.as_secs_f64().ceil()
                );
            }
        }
    }

    /// A tracing layer that notes the library's rate-limit waits for the bar.
    pub(crate) struct Layer;

    #[derive(Default)]
    struct Fields {
        wait_ms: Option<u64>,
        cause: Option<String>,
    }

    impl Visit for Fields {
        fn record_u64(&mut self, field: &Field, value: u64) {
            if field.name() == "wait_ms" {
                self.wait_ms = Some(value);
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "cause" {
                self.cause = Some(value.to_owned());
            }
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "cause" {
                self.cause = Some(format!("{value:?}"));
            }
        }
    }

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Layer {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _ctx: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if event.metadata().target() != "restclient::ratelimit" {
                return;
            }
            let mut fields = Fields::default();
            event.record(&mut fields);
            if let (Some(ms), Some(cause)) = (fields.wait_ms, fields.cause) {
                let until = Instant::now() + Duration::from_millis(ms.min(u64::from(u32::MAX)));
                *WAIT.lock().unwrap_or_else(PoisonError::into_inner) = Some((until, cause));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_longest_first_and_caps_on_char_boundaries() {
        let m = Masker::new(["abc".to_owned(), "abcdef".to_owned(), String::new()]);
        assert_eq!(m.mask("x abcdef y abc"), "x *** y ***");
        assert_eq!(cap("héllo", 2), "hé… (3 more characters)");
        assert_eq!(cap("hi", 2), "hi");
    }
}
