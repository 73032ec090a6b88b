//! A child resource: one walk per parent record, `concurrency` walks in flight, written in
//! parent order, memory bounded by the pages in flight.
//!
//! The oldest walk (the *head*) writes each page as it arrives. A walk behind it keeps at most
//! [`BUFFERED`] pages and is then not polled, so it sends no request (a `Pages` stream only
//! works when polled) until it becomes the head and writes what it holds. Parent records come
//! from the parent's durable output ([`Feed`]), one at a time as a walk slot frees up.
//!
//! Because the output is in parent order, the parent records whose walks are all written form a
//! prefix, and the resource's checkpoint is O(1) whatever the number of parents:
//! `{parents_done, parent_offset, output_len, the head walk's position and cursor, journal_len}`.
//! Each finished walk's incremental cursor goes to an append-only journal (`cursors.ndjson`),
//! folded into the state when the resource completes. A resume cuts the output and the journal
//! back to the checkpoint, reads the parent's output from `parent_offset`, and continues the
//! head walk from its saved page.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};

use super::Progress;
use super::emit::{self, Include};
use super::engine::{Engine, cancelled};
use super::feed::{End, Feed, Item, ParentLine};
use super::incremental::{Cursor, CursorSnapshot, CursorState};
use super::plan::ResourcePlan;
use super::request::{self, Scope};
use super::resource::{Fail, Out, io_fail};
use super::state::{ResourceCheckpoint, ResourceState};
use crate::durable::{AppendFile, Target};
use crate::error::Error;
use crate::{Page, Pages, StopReason};

/// Pages a walk behind the head holds before it stops being polled.
const BUFFERED: usize = 2;

/// Walks `r` for every record of its parent from `feed`, into `out`, from `cp`.
pub(crate) async fn walk<'e>(
    e: &'e Engine,
    r: &'e ResourcePlan,
    cp: &mut ResourceCheckpoint,
    out: &mut Out<'_>,
    mut feed: Feed,
    journal: Option<(PathBuf, bool)>,
) -> Result<(), Fail> {
    let journal = Journal::open(journal, cp.journal_len)?;
    feed.skip_to(cp.parents_done, cp.parent_offset);
    let mut runner = Runner {
        e,
        r,
        parent: r.parent.as_deref().unwrap_or_default(),
        prior: e.prior_state(r).map(|s| &s.parents),
        resume_head: cp.walk.take().map(|w| (w, cp.cursor.take())),
        cp,
        journal,
        window: VecDeque::new(),
        buf: Vec::new(),
    };
    match runner.run(out, feed).await {
        Ok(()) => runner.complete(out).await,
        Err(f) => {
            // What is written stays counted: a resume goes on from there.
            if out.deadline().is_some() {
                out.save(runner.cp).await?;
            }
            Err(f)
        }
    }
}

/// One walk, for one parent record (also the unit of [`Resource::walk_parents`]'s window).
///
/// [`Resource::walk_parents`]: super::Resource::walk_parents
pub(crate) struct ChildWalk<'s> {
    pub(crate) index: u64,
    pub(crate) next_offset: u64,
    pub(crate) key: String,
    pub(crate) pages: Pages,
    pub(crate) cursor: Option<Cursor<'s>>,
    pub(crate) include: Vec<Include>,
    pub(crate) buffered: VecDeque<Page>,
    pub(crate) ended: Option<Result<(), Error>>,
}

pub(crate) enum Event {
    Page(usize, Box<Page>),
    Ended(usize, Result<(), Error>),
    Parent(Feed, Result<Item, Error>),
    Save,
    Cancelled,
}

struct Runner<'e, 'c> {
    e: &'e Engine,
    r: &'e ResourcePlan,
    parent: &'e str,
    /// The cursors the state held when the run started, one per parent key.
    prior: Option<&'e BTreeMap<String, CursorState>>,
    /// A resumed head walk's saved position and cursor.
    resume_head: Option<(Value, Option<CursorSnapshot>)>,
    cp: &'c mut ResourceCheckpoint,
    journal: Journal,
    window: VecDeque<ChildWalk<'e>>,
    buf: Vec<u8>,
}

impl<'e> Runner<'e, '_> {
    async fn run(&mut self, out: &mut Out<'_>, feed: Feed) -> Result<(), Fail> {
        let mut feed_next: Option<NextRecord> = Some(next_record(feed));
        let mut parent_end = None;
        let mut rx = self.e.cancel.clone();
        let mut cancel = Box::pin(async move { cancelled(&mut rx).await });
        let mut timer = Box::pin(tokio::time::sleep(std::time::Duration::from_secs(3600)));
        let mut armed = None;
        loop {
            self.drain_head(out).await?;
            if self.window.is_empty() && parent_end.is_some() {
                break;
            }
            let deadline = out.deadline();
            if deadline != armed {
                if let Some(d) = deadline {
                    timer.as_mut().reset(d.into());
                }
                armed = deadline;
            }
            let want_parent = self.window.len() < self.e.concurrency && parent_end.is_none();
            let event = std::future::poll_fn(|cx| {
                poll_event(
                    cx,
                    &mut self.window,
                    want_parent.then_some(&mut feed_next),
                    cancel.as_mut(),
                    armed.is_some().then_some(timer.as_mut()),
                )
            })
            .await;
            match event {
                Event::Cancelled => return Err(Fail::Cancelled),
                Event::Save => out.save(self.cp).await?,
                Event::Page(i, page) => {
                    if let Some(w) = self.window.get_mut(i) {
                        w.buffered.push_back(*page);
                    }
                }
                Event::Ended(i, result) => {
                    if let Some(w) = self.window.get_mut(i) {
                        w.ended = Some(result);
                    }
                }
                Event::Parent(feed, item) => match item? {
                    Item::Record(line) => {
                        let walk = self.start(line)?;
                        self.window.push_back(walk);
                        feed_next = Some(next_record(feed));
                    }
                    Item::Done => parent_end = Some(End::Done),
                    Item::Stopped => parent_end = Some(End::Stopped),
                },
            }
        }
        if parent_end == Some(End::Stopped) {
            return Err(Fail::ParentStopped);
        }
        Ok(())
    }

    /// The walk for one parent record, not started.
    fn start(&mut self, line: ParentLine) -> Result<ChildWalk<'e>, Fail> {
        let r = self.r;
        let key = request::parent_key(r, &line)?;
        let include = emit::includes(r, &line)?;
        let mut cursor = r
            .incremental
            .as_ref()
            .map(|spec| Cursor::new(spec, self.prior.and_then(|p| p.get(&key)), r.primary_key()));
        let mut saved = None;
        if line.index == self.cp.parents_done
            && let Some((walk, snapshot)) = self.resume_head.take()
        {
            saved = Some(walk);
            if let (Some(c), Some(s)) = (cursor.as_mut(), snapshot) {
                c.restore(s);
            }
        }
        let context = |e: Error| e.context(format!("`{}` record {}", self.parent, line.index));
        let scope = Scope::new(r, Some(&line), cursor.as_ref());
        let mut p = request::paginate(
            &self.e.client,
            r,
            self.e.auths.get(&r.name),
            &scope,
            cursor.as_ref(),
        )
        .map_err(context)?;
        if self.e.has_dir() {
            p = p.checkpoint_in_caller(
                format!("of resource `{}`", r.name),
                json!({"resource": r.name, "parent": line.index}),
                saved,
            );
        }
        let pages = p.try_pages().map_err(context)?;
        let done = cursor.as_ref().is_some_and(|c| c.done);
        Ok(ChildWalk {
            index: line.index,
            next_offset: line.next_offset,
            key,
            pages,
            cursor,
            include,
            buffered: VecDeque::new(),
            ended: done.then_some(Ok(())),
        })
    }

    /// Writes what the head walk holds; a head walk that ended makes way for the next.
    async fn drain_head(&mut self, out: &mut Out<'_>) -> Result<(), Fail> {
        loop {
            let Some(head) = self.window.front_mut() else {
                return Ok(());
            };
            let (parent, index) = (self.parent, head.index);
            let context = |e: Error| e.context(format!("`{parent}` record {index}"));
            while let Some(page) = head.buffered.pop_front() {
                self.buf.clear();
                let emitted = emit::page_lines(
                    self.r,
                    &page,
                    head.cursor.as_mut(),
                    &head.include,
                    &mut self.buf,
                )
                .map_err(context)?;
                out.page(&self.buf).await?;
                self.cp.counters.pages += 1;
                self.cp.counters.records += emitted.kept;
                self.cp.counters.unmatched_pages += u64::from(emitted.unmatched);
                self.cp.walk = page.checkpoint().cloned();
                self.cp.cursor = head.cursor.as_ref().map(Cursor::snapshot);
                self.e.report(Progress::Page {
                    resource: self.r.name.clone(),
                    pages: self.cp.counters.pages,
                    records: self.cp.counters.records,
                });
                if head.cursor.as_ref().is_some_and(|c| c.done) {
                    // `row_order`: no later page of this walk holds a wanted record.
                    head.buffered.clear();
                    head.ended = Some(Ok(()));
                }
                if out.due() {
                    out.save(self.cp).await?;
                }
            }
            match head.ended.take() {
                None => return Ok(()),
                Some(Err(e)) => return Err(context(e).into()),
                Some(Ok(())) => self.finish_head(out).await?,
            }
        }
    }

    /// The head walk is written whole: its parent record is done.
    async fn finish_head(&mut self, out: &mut Out<'_>) -> Result<(), Fail> {
        let Some(head) = self.window.pop_front() else {
            return Ok(());
        };
        if let Some(c) = head.cursor {
            self.journal.record(&head.key, c.finish())?;
        }
        self.cp.counters.walks += 1;
        self.cp.counters.ignored_walks +=
            u64::from(head.pages.stop_reason() == Some(StopReason::IgnoredByHook));
        self.cp.parents_done = head.index + 1;
        self.cp.parent_offset = head.next_offset;
        self.cp.journal_len = self.journal.len();
        self.cp.walk = None;
        self.cp.cursor = None;
        out.touch();
        if out.due() {
            out.save(self.cp).await?;
        }
        Ok(())
    }

    /// Every walk is written: the checkpoint says complete, with the resource's new state.
    async fn complete(self, out: &mut Out<'_>) -> Result<(), Fail> {
        let cp = self.cp;
        cp.complete = true;
        cp.walk = None;
        cp.cursor = None;
        if let Some(spec) = &self.r.incremental {
            let mut parents = self.prior.cloned().unwrap_or_default();
            parents.extend(self.journal.entries()?);
            cp.incremental = Some(json!({"cursors": parents.len()}));
            cp.state = spec.end_value.is_none().then(|| ResourceState {
                cursor_path: spec.cursor_path.clone(),
                cursor: None,
                parents,
            });
        }
        out.sync()?;
        out.save(cp).await?;
        out.end(End::Done, out.len()).await;
        Ok(())
    }
}

/// The next parent record, as a future that owns the feed and gives it back.
pub(crate) type NextRecord = BoxFuture<'static, (Feed, Result<Item, Error>)>;

/// The next record of `feed`.
fn next_record(mut feed: Feed) -> NextRecord {
    async move {
        let item = feed.next().await;
        (feed, item)
    }
    .boxed()
}

/// What happens next: the run stops, a walk yields a page or ends (the head first; a walk
/// behind it only while it holds fewer than [`BUFFERED`] pages), a parent record comes (when a
/// slot is free), or a save falls due.
pub(crate) fn poll_event(
    cx: &mut Context<'_>,
    window: &mut VecDeque<ChildWalk<'_>>,
    feed: Option<&mut Option<NextRecord>>,
    cancel: Pin<&mut (dyn Future<Output = ()> + Send)>,
    timer: Option<Pin<&mut tokio::time::Sleep>>,
) -> Poll<Event> {
    if cancel.poll(cx).is_ready() {
        return Poll::Ready(Event::Cancelled);
    }
    for (i, w) in window.iter_mut().enumerate() {
        let room = if i == 0 { 1 } else { BUFFERED };
        if w.ended.is_some() || w.buffered.len() >= room {
            continue;
        }
        match w.pages.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(page))) => return Poll::Ready(Event::Page(i, Box::new(page))),
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Event::Ended(i, Err(e))),
            Poll::Ready(None) => return Poll::Ready(Event::Ended(i, Ok(()))),
            Poll::Pending => {}
        }
    }
    if let Some(slot) = feed
        && let Some(next) = slot.as_mut()
        && let Poll::Ready((feed, item)) = next.poll_unpin(cx)
    {
        *slot = None;
        return Poll::Ready(Event::Parent(feed, item));
    }
    if let Some(t) = timer
        && t.poll(cx).is_ready()
    {
        return Poll::Ready(Event::Save);
    }
    Poll::Pending
}

/// A child resource's incremental cursors, one per finished walk.
enum Journal {
    /// With an output directory: `cursors.ndjson`, cut back with the checkpoint on resume.
    File(AppendFile, PathBuf),
    /// Without one.
    Memory(BTreeMap<String, CursorState>),
}

impl Journal {
    /// `path`: the journal file and whether the resource resumes; `None`: in memory (without
    /// an output directory, or for a resource without a cursor, which records nothing).
    fn open(path: Option<(PathBuf, bool)>, len: u64) -> Result<Journal, Fail> {
        match path {
            Some((path, resumed)) => {
                let file = AppendFile::open(Target::File(path.clone()), resumed.then_some(len))
                    .map_err(|e| io_fail("resume the cursor journal", &path, e))?;
                Ok(Journal::File(file, path))
            }
            None => Ok(Journal::Memory(BTreeMap::new())),
        }
    }

    fn record(&mut self, key: &str, state: CursorState) -> Result<(), Fail> {
        match self {
            Journal::Memory(m) => {
                m.insert(key.to_owned(), state);
                Ok(())
            }
            Journal::File(f, path) => {
                let mut line =
                    serde_json::to_vec(&json!({"key": key, "cursor": state})).unwrap_or_default();
                line.push(b'\n');
                f.append(&line).map_err(|e| io_fail("write", path, e))
            }
        }
    }

    fn len(&self) -> u64 {
        match self {
            Journal::File(f, _) => f.len(),
            Journal::Memory(_) => 0,
        }
    }

    /// Every recorded cursor, the latest for a key winning.
    fn entries(&self) -> Result<BTreeMap<String, CursorState>, Fail> {
        match self {
            Journal::Memory(m) => Ok(m.clone()),
            Journal::File(f, path) => {
                let text = std::fs::read(path).map_err(|e| io_fail("read", path, e))?;
                let text = text
                    .get(..usize::try_from(f.len()).unwrap_or(usize::MAX))
                    .unwrap_or(&text);
                let mut out = BTreeMap::new();
                for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    #[derive(serde::Deserialize)]
                    struct Entry {
                        key: String,
                        cursor: CursorState,
                    }
                    let entry: Entry = serde_json::from_slice(line)
                        .map_err(|e| io_fail("read", path, std::io::Error::other(e)))?;
                    out.insert(entry.key, entry.cursor);
                }
                Ok(out)
            }
        }
    }
}
