//! Where text goes: NDJSON records, messages on stderr, progress. A closed stdout or stderr
//! (`| head`, `2>&-`) is never a panic: writes go through helpers that treat `BrokenPipe` as
//! "stop", and nothing here uses `println!`/`eprintln!`.

use std::fs::File;
use std::io::{self, IoSlice, IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
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

/// Records as NDJSON, one page at a time. The file of `-o` is created (and an existing one
/// emptied) only when the first page arrives, so a walk that fails at its first request leaves
/// an existing file alone. Pages are written whole, so the file only ever grows by whole
/// lines and the output never ends inside a line.
///
/// A page's lines are made in its own body where they can be
/// ([`Page::into_ndjson`](restclient::Page::into_ndjson): no copy). A file is written by a
/// thread of its own ([`FileLines`]), so that the walk asks for its next page while the kernel
/// copies the last ones into the page cache; pages go to it once [`NdjsonWriter::BATCH`]
/// bytes are gathered, or [`NdjsonWriter::LATEST`] after the oldest arrived. The first batch
/// is written on the walk's thread, and the thread started only for a second one. Stdout is
/// written in place and flushed after every page.
pub(crate) struct NdjsonWriter {
    target: Option<PathBuf>,
    out: Option<Sink>,
    /// Pages' lines not yet handed on, in order.
    pending: Vec<Bytes>,
    /// Their length in bytes.
    pending_len: usize,
    /// When the first of them arrived.
    oldest: Option<Instant>,
    /// A write failed and the caller was told: nothing more is written.
    failed: bool,
}

/// Where the lines go.
enum Sink {
    /// A file whose first batch, if any, was written on the walk's thread: a walk of one batch
    /// (most short walks) never starts a thread, whose start and join cost more than the write
    /// (~0.7 ms against ~50 µs for a page of a thousand records).
    FirstBatch {
        file: File,
        written: bool,
    },
    /// A file written by a thread of its own, from the second batch on.
    File(FileLines),
    Stdout(io::Stdout),
}

impl NdjsonWriter {
    /// Lines gathered before they are handed to the file's thread: small pages go several at a
    /// time (waking the thread costs the walk ~10 µs on a virtual machine, as much as scanning
    /// 16 KB), a page of a thousand records by itself. Gathering more saves little and keeps
    /// more bodies alive: each pending page holds its body, which later pages cannot reuse
    /// (256 KiB: +0.5 MiB peak RSS at a thousand records a page, for no measurable gain).
    const BATCH: usize = 128 * 1024;

    /// Pages handed on at once at most (each is one slice of one `writev`).
    const MAX_PAGES: usize = 256;

    /// How long lines wait for more before they are handed on anyway, checked as each page
    /// arrives: on a slow API records reach the file about a page after they arrived.
    const LATEST: Duration = Duration::from_millis(20);

    /// To `path`, or to stdout when `None`. Nothing is opened yet.
    pub(crate) fn new(path: Option<&Path>) -> Self {
        NdjsonWriter {
            target: path.map(Path::to_path_buf),
            out: None,
            pending: Vec::new(),
            pending_len: 0,
            oldest: None,
            failed: false,
        }
    }

    fn sink(&mut self) -> anyhow::Result<&mut Sink> {
        if self.out.is_none() {
            let sink = match &self.target {
                Some(p) => {
                    let file = File::create(p).map_err(|e| {
                        anyhow::Error::new(e).context(format!("cannot create `{}`", p.display()))
                    })?;
                    Sink::FirstBatch {
                        file,
                        written: false,
                    }
                }
                None => Sink::Stdout(io::stdout()),
            };
            self.out = Some(sink);
        }
        self.out
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("the output is not open"))
    }

    fn what(&self) -> String {
        describe(self.target.as_deref())
    }

    /// Writes the records of one page as whole lines, each the API's own text (whitespace
    /// outside strings removed, nothing else changed). A write to the file that has failed
    /// (a full disk) is the error of the next call, or of [`finish`](Self::finish).
    pub(crate) fn page(&mut self, page: restclient::Page) -> anyhow::Result<()> {
        if self.failed {
            anyhow::bail!("cannot write {}: an earlier write failed", self.what());
        }
        let written = self.add(page);
        self.failed = written.is_err();
        written
    }

    fn add(&mut self, page: restclient::Page) -> anyhow::Result<()> {
        // The output is created when the first page arrives, even an empty one.
        let lines = page.into_ndjson();
        match self.sink()? {
            Sink::FirstBatch { .. } => {}
            Sink::File(file) => file
                .check()
                .map_err(|e| closed_is_stop(e, &describe(self.target.as_deref())))?,
            // Stdout is flushed after every page: a reader (`| head`, `| jq`) sees records as
            // they come, and a closed pipe is noticed at once instead of after many requests.
            Sink::Stdout(out) => {
                return out
                    .write_all(&lines)
                    .and_then(|()| out.flush())
                    .map_err(|e| closed_is_stop(e, "to stdout"));
            }
        }
        if !lines.is_empty() {
            self.pending_len += lines.len();
            self.pending.push(lines);
        }
        if self.due(Instant::now()) {
            return self.hand_on();
        }
        Ok(())
    }

    /// Whether the pending lines are to be handed on now (noting when the first arrived).
    fn due(&mut self, now: Instant) -> bool {
        let since = *self.oldest.get_or_insert(now);
        self.pending_len >= Self::BATCH
            || self.pending.len() >= Self::MAX_PAGES
            || now.duration_since(since) >= Self::LATEST
    }

    /// Hands the pending lines to the file's thread (the first batch: writes them).
    fn hand_on(&mut self) -> anyhow::Result<()> {
        self.oldest = None;
        self.pending_len = 0;
        if self.pending.is_empty() {
            return Ok(());
        }
        let result = match self.out.take() {
            Some(Sink::FirstBatch {
                file,
                written: false,
            }) => self.write_here(file),
            Some(Sink::FirstBatch { file, .. }) => {
                match file.try_clone().and_then(FileLines::start) {
                    Ok(mut lines) => {
                        let sent = lines.send(&mut self.pending);
                        self.out = Some(Sink::File(lines));
                        sent
                    }
                    // No thread to be had (a process limit): the walk writes on its own.
                    Err(_) => self.write_here(file),
                }
            }
            Some(Sink::File(mut lines)) => {
                let sent = lines.send(&mut self.pending);
                self.out = Some(Sink::File(lines));
                sent
            }
            other => {
                self.out = other;
                Ok(())
            }
        };
        result.map_err(|e| closed_is_stop(e, &self.what()))
    }

    /// Writes the pending lines on the walk's thread; the file stays without a thread of its
    /// own.
    fn write_here(&mut self, mut file: File) -> io::Result<()> {
        let at = file.stream_position().ok();
        let written = write_lines(&mut file, at, &self.pending).map(drop);
        self.pending.clear();
        self.out = Some(Sink::FirstBatch {
            file,
            written: true,
        });
        written
    }

    /// Writes what was gathered and waits until the file has all of it (stdout: flushes).
    /// Nothing is opened when no page came; nothing is written after a failed write (its
    /// error was the caller's already).
    pub(crate) fn finish(&mut self) -> anyhow::Result<()> {
        if self.failed || self.out.is_none() {
            return Ok(());
        }
        // No thread yet: the last lines too are written here rather than start one for them.
        if let Some(Sink::FirstBatch { file, .. }) = self
            .out
            .take_if(|out| matches!(out, Sink::FirstBatch { .. }))
        {
            return self
                .write_here(file)
                .map_err(|e| closed_is_stop(e, &self.what()));
        }
        self.hand_on()?;
        match self.out.take() {
            Some(Sink::File(lines)) => lines.finish().map_err(|e| closed_is_stop(e, &self.what())),
            _ => Ok(()),
        }
    }
}

/// What the lines are written to, for messages.
fn describe(target: Option<&Path>) -> String {
    target.map_or_else(|| "to stdout".to_owned(), |p| format!("`{}`", p.display()))
}

/// Whole lines written to a file by a thread of its own, in the order they are sent.
///
/// Pages' lines go to the thread a batch at a time, each batch one `writev`, through a channel
/// of one (so at most two batches are in flight: one being written, one waiting); the batch's
/// list comes back emptied, to be filled again. A write that fails part-way (a full disk) is
/// cut back to the last whole line that made it, so the file keeps every line that fitted and
/// still ends with a whole one; the thread then stops and its error is what the next
/// [`send`](FileLines::send) or [`finish`](FileLines::finish) returns. Dropped without
/// `finish` (a walk that ended in an error), it still waits for what it was sent to be
/// written.
struct FileLines {
    to_writer: Option<mpsc::SyncSender<Vec<Bytes>>>,
    emptied: mpsc::Receiver<Vec<Bytes>>,
    writer: Option<thread::JoinHandle<io::Result<()>>>,
}

impl FileLines {
    fn start(mut file: File) -> io::Result<FileLines> {
        let (to_writer, batches) = mpsc::sync_channel::<Vec<Bytes>>(1);
        let (give_back, emptied) = mpsc::channel();
        let writer = thread::Builder::new()
            .name("output".into())
            .spawn(move || {
                // Unknown for what cannot seek (`-o /dev/stdout` into a pipe, a FIFO).
                let mut written = file.stream_position().ok();
                for mut batch in batches {
                    let n = write_lines(&mut file, written, &batch)?;
                    written = written.map(|at| at + n);
                    batch.clear();
                    // The sender may be gone (finishing): the list is simply freed.
                    let _ = give_back.send(batch);
                }
                Ok(())
            })?;
        Ok(FileLines {
            to_writer: Some(to_writer),
            emptied,
            writer: Some(writer),
        })
    }

    /// Hands `pages` (each whole lines) to the thread and leaves an empty list in their place.
    fn send(&mut self, pages: &mut Vec<Bytes>) -> io::Result<()> {
        self.check()?;
        if pages.is_empty() {
            return Ok(());
        }
        let spare = self.emptied.try_recv().unwrap_or_default();
        let batch = std::mem::replace(pages, spare);
        let sent = self
            .to_writer
            .as_ref()
            .is_some_and(|to_writer| to_writer.send(batch).is_ok());
        if sent {
            Ok(())
        } else {
            // The thread stopped: it says why.
            self.join()
        }
    }

    /// The error of a write that failed, once the thread has stopped for it; `Ok` while it
    /// runs (a look at a flag, no system call).
    fn check(&mut self) -> io::Result<()> {
        if self
            .writer
            .as_ref()
            .is_none_or(thread::JoinHandle::is_finished)
        {
            self.join()
        } else {
            Ok(())
        }
    }

    /// Waits until everything sent is in the file.
    fn finish(mut self) -> io::Result<()> {
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        self.to_writer = None;
        match self.writer.take() {
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the output's writer thread panicked"))),
            None => Err(io::Error::other("the output's writer thread has stopped")),
        }
    }
}

impl Drop for FileLines {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.join();
        }
    }
}

/// Appends `pages` (whole lines) to `file`, which is `at` bytes long (`None`: a pipe or
/// anything else that cannot seek); how many bytes that was. A write that fails part-way (a
/// full disk) is cut back to the last whole line that made it, so the file keeps every line
/// that fitted and never ends inside one.
fn write_lines(file: &mut File, at: Option<u64>, pages: &[Bytes]) -> io::Result<u64> {
    write_all_vectored(file, pages).map_err(|(e, written)| {
        if let Some(at) = at {
            // Best effort: the walk ends with this error whatever happens here.
            let _ = file.set_len(at + whole_lines(pages, written));
        }
        e
    })
}

/// Writes every byte of `chunks`, in order, in as few `writev` calls as the kernel allows;
/// how many bytes that was, or the error and how many were written before it.
fn write_all_vectored(file: &mut File, chunks: &[Bytes]) -> Result<u64, (io::Error, u64)> {
    let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    let mut rest = &mut slices[..];
    // Drops empty slices up front, so that a zero-byte write means the file took nothing.
    IoSlice::advance_slices(&mut rest, 0);
    let mut total = 0u64;
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err((io::ErrorKind::WriteZero.into(), total)),
            Ok(n) => {
                total += n as u64;
                IoSlice::advance_slices(&mut rest, n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((e, total)),
        }
    }
    Ok(total)
}

/// How many of the first `written` bytes of `pages` (laid end to end) are whole lines.
fn whole_lines(pages: &[Bytes], written: u64) -> u64 {
    let mut start = 0u64;
    let mut whole = 0u64;
    for page in pages {
        let len = page.len() as u64;
        let inside = written.saturating_sub(start).min(len);
        let cut = usize::try_from(inside).unwrap_or(page.len());
        if let Some(end) = page
            .get(..cut)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        {
            whole = start + end as u64 + 1;
        }
        if written <= start + len {
            break;
        }
        start += len;
    }
    whole
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

    fn lines(from: usize, to: usize) -> Vec<u8> {
        (from..to)
            .flat_map(|i| format!("{{\"id\":{i}}}\n").into_bytes())
            .collect()
    }

    /// The lines `from..to` as pages of `per_page` lines (the way pages reach the thread).
    fn pages(from: usize, to: usize, per_page: usize) -> Vec<Bytes> {
        (from..to)
            .step_by(per_page)
            .map(|start| Bytes::from(lines(start, (start + per_page).min(to))))
            .collect()
    }

    #[test]
    fn the_writer_thread_writes_every_batch_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut writer = FileLines::start(File::create(&path).unwrap()).unwrap();
        for n in 0..200 {
            let mut batch = pages(n * 10, n * 10 + 10, 3);
            // An empty page's lines are no slice of their own.
            batch.insert(1, Bytes::new());
            writer.send(&mut batch).unwrap();
            assert!(batch.is_empty(), "a sent batch leaves an empty list behind");
        }
        writer.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), lines(0, 2000));
    }

    /// More pages than one `writev` takes (IOV_MAX is 1024 on Linux): every byte still
    /// reaches the file, in order.
    #[test]
    fn a_batch_of_more_slices_than_one_writev_takes_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut file = File::create(&path).unwrap();
        let batch = pages(0, 3000, 1);
        let written = write_all_vectored(&mut file, &batch)
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!(written, lines(0, 3000).len() as u64);
        assert_eq!(std::fs::read(&path).unwrap(), lines(0, 3000));
    }

    #[test]
    fn what_was_sent_is_written_even_when_the_writer_is_dropped_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut writer = FileLines::start(File::create(&path).unwrap()).unwrap();
        writer.send(&mut pages(0, 5000, 100)).unwrap();
        drop(writer);
        assert_eq!(std::fs::read(&path).unwrap(), lines(0, 5000));
    }

    /// `/dev/full` fails every write with ENOSPC: the error reaches the walk (at a later send
    /// or at the end), never an `Ok` for lines that were not written.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_is_the_error_of_a_later_send_or_of_finish() {
        let full = File::options().write(true).open("/dev/full").unwrap();
        let mut writer = FileLines::start(full).unwrap();
        let mut failed = None;
        for _ in 0..3 {
            if let Err(e) = writer.send(&mut pages(0, 10, 5)) {
                failed = Some(e);
                break;
            }
        }
        let error = match failed {
            Some(e) => e,
            None => writer.finish().unwrap_err(),
        };
        assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{error}");
    }

    #[test]
    fn a_write_cut_short_keeps_the_whole_lines_it_wrote() {
        let pages = [
            Bytes::from_static(b"a\nbc\n"),
            Bytes::new(),
            Bytes::from_static(b"d\ne\n"),
        ];
        let kept: Vec<u64> = (0..=10).map(|n| whole_lines(&pages, n)).collect();
        assert_eq!(kept, [0, 0, 2, 2, 2, 5, 5, 7, 7, 9, 9]);
    }

    /// Pages are handed on once enough bytes or pages are gathered, or once the first has
    /// waited long enough; not before.
    #[test]
    fn pending_lines_are_due_by_size_by_count_or_by_age() {
        let start = Instant::now();
        let mut writer = NdjsonWriter::new(None);
        writer.pending_len = NdjsonWriter::BATCH - 1;
        writer.pending = vec![Bytes::new(); NdjsonWriter::MAX_PAGES - 1];
        assert!(!writer.due(start), "neither size, count nor age reached");
        assert!(!writer.due(start + NdjsonWriter::LATEST / 2));
        assert!(
            writer.due(start + NdjsonWriter::LATEST),
            "the first page has waited LATEST"
        );
        writer.oldest = None;
        writer.pending_len += 1;
        assert!(writer.due(start), "BATCH bytes gathered");
        writer.pending_len -= 1;
        writer.pending.push(Bytes::new());
        assert!(writer.due(start), "MAX_PAGES pages gathered");
    }

    /// Through the page writer: no page, no file; the first batch is written in place and is
    /// in the file at once; the second starts the file's thread; `finish` waits for it.
    #[test]
    fn ndjson_writer_writes_its_first_batch_itself_and_then_hands_on_to_a_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut writer = NdjsonWriter::new(Some(&path));
        writer.finish().unwrap();
        assert!(!path.exists(), "no page, no file");
        writer.sink().unwrap();
        writer.pending = pages(0, 20_000, 1000);
        writer.hand_on().unwrap();
        assert!(matches!(writer.out, Some(Sink::FirstBatch { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), lines(0, 20_000));
        writer.pending = pages(20_000, 30_000, 1000);
        writer.hand_on().unwrap();
        assert!(
            matches!(writer.out, Some(Sink::File(_))),
            "a thread from the second batch"
        );
        writer.pending = pages(30_000, 30_001, 1);
        writer.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), lines(0, 30_001));
    }
}
