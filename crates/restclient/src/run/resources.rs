//! A config's resources walked one at a time, under a caller's control: what a dlt source on
//! the engine needs (the Python package's `restclient.dlt`), where dlt drives the extraction,
//! feeds each child its parent's records and keeps the incremental state.
//!
//! [`Run::resources`] checks and plans the config exactly as a run does and builds its one
//! client; each [`Resource`] then walks on demand, with the run's own pieces (request
//! rendering, paginators, `response_actions`, the incremental filter, `include_from_parent`):
//!
//! - a top-level resource from a cursor state ([`Resource::walk`]): its pages, fetched
//!   `concurrency` at once where the paginator allows it;
//! - a child for a batch of its parent's records ([`Resource::walk_parents`]): one walk per
//!   parent record, `concurrency` at once, delivered in parent order, each with the cursor
//!   that parent record had (one per parent, as in a run).
//!
//! Both yield [`WalkItem`]s: pages of the records that passed the filter, as NDJSON lines of
//! the API's text, each with the cursor as it stands after it; and for a child, the end of
//! each parent's walk with that parent's new cursor. Nothing is written: storing the records
//! and then the state is the caller's. Memory is bounded by the pages in flight.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::children::{self, ChildWalk, Event};
use super::emit;
use super::feed::ParentLine;
use super::incremental::{Cursor, CursorState};
use super::plan::ResourcePlan;
use super::request::{self, Scope};
use super::{Run, build_client};
use crate::auth::Auth;
use crate::error::{Error, ErrorKind};
use crate::paginators::Paginator;
use crate::{HookAction, Page, Paginate, Request, Response, RestClient};

/// A response hook of a caller (see [`Resource::with_hook`]).
type HookFn = Arc<dyn Fn(&Response, &Request) -> HookAction + Send + Sync>;
/// A page's records remade by a caller (see [`Resource::with_transform`]).
type TransformFn = Arc<dyn Fn(&[&[u8]]) -> Result<Vec<Value>, Error> + Send + Sync>;
/// dlt's `incremental.convert` (see [`Resource::with_convert`]).
type ConvertFn = Arc<dyn Fn(&Value) -> Result<Value, Error> + Send + Sync>;

/// Pages a walk holds for its reader before it waits.
const AHEAD: usize = 2;

/// The resources of a checked config, to walk one at a time (from [`Run::resources`]).
#[derive(Clone)]
pub struct Resources {
    shared: Arc<Shared>,
}

/// What every walk of the config shares.
struct Shared {
    plan: super::plan::Plan,
    client: RestClient,
    /// Each resource's own auth, built once (an OAuth2 token is fetched once per resource).
    auths: BTreeMap<String, Arc<dyn Auth>>,
    concurrency: usize,
    /// Per resource: its child walks in flight, across every batch walked at once, at most
    /// `concurrency` (a caller may walk many batches at once: a dlt transformer per page).
    child_slots: Vec<Arc<Semaphore>>,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources")
            .field("names", &self.names())
            .field("concurrency", &self.shared.concurrency)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// The config's resources, to walk one at a time under the caller's control instead of as
    /// one run: the pieces a dlt source built on this engine needs (see [`Resource`]). The
    /// run's runtime settings and `concurrency` apply; its selection, state file and output
    /// settings do not (the caller keeps the records and the state).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::TryStreamExt;
    /// use restclient::run::{Run, WalkItem};
    ///
    /// let resources = Run::from_file("tracker.yaml")?.concurrency(8).resources()?;
    /// let users = resources.get("users").expect("the config has it");
    /// let mut walk = users.walk(None);
    /// while let Some(item) = walk.try_next().await? {
    ///     if let WalkItem::Page(page) = item {
    ///         println!("{} records", page.len());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The client cannot be built (a [builder error](Error::is_builder)).
    pub fn resources(self) -> Result<Resources, Error> {
        let client = build_client(&self.plan, &self.runtime)?;
        let mut auths = BTreeMap::new();
        for r in &self.plan.resources {
            if let Some(Some(spec)) = &r.auth {
                auths.insert(r.name.clone(), spec.build()?);
            }
        }
        let concurrency = self.concurrency.min(self.runtime.max_concurrency.max(1));
        let child_slots = self
            .plan
            .resources
            .iter()
            .map(|_| Arc::new(Semaphore::new(concurrency)))
            .collect();
        Ok(Resources {
            shared: Arc::new(Shared {
                plan: self.plan,
                client,
                auths,
                concurrency,
                child_slots,
            }),
        })
    }
}

impl Resources {
    /// The resource named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Resource> {
        let index = self
            .shared
            .plan
            .resources
            .iter()
            .position(|r| r.name == name)?;
        Some(Resource {
            shared: Arc::clone(&self.shared),
            index,
            custom: Custom::default(),
        })
    }

    /// The names of the resources, parents before children.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        self.shared
            .plan
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .collect()
    }
}

/// What a caller put in place of the config's settings of one resource.
#[derive(Clone, Default)]
struct Custom {
    paginator: Option<Box<dyn Paginator>>,
    auth: Option<Option<Arc<dyn Auth>>>,
    hooks: Vec<HookFn>,
    transform: Option<TransformFn>,
    convert: Option<ConvertFn>,
}

/// One resource of a config, walked on demand (from [`Resources::get`]).
///
/// A top-level resource walks with [`walk`](Self::walk), a child for a batch of its parent's
/// records with [`walk_parents`](Self::walk_parents). The `with_*` methods put what a config
/// in a file cannot hold (dlt's Python objects) in place of the config's settings, for the
/// walks of this handle.
#[derive(Clone)]
pub struct Resource {
    shared: Arc<Shared>,
    index: usize,
    custom: Custom,
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("name", &self.name())
            .field("parent", &self.parent())
            .finish_non_exhaustive()
    }
}

impl Resource {
    fn plan(&self) -> &ResourcePlan {
        &self.shared.plan.resources[self.index]
    }

    /// The resource's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.plan().name
    }

    /// Its parent, for a child resource.
    #[must_use]
    pub fn parent(&self) -> Option<&str> {
        self.plan().parent.as_deref()
    }

    /// The parent fields its records include (`include_from_parent`), each as
    /// `_<parent>_<field>`.
    #[must_use]
    pub fn include_from_parent(&self) -> &[String] {
        &self.plan().include_from_parent
    }

    /// The `cursor_path` of its `incremental`, if it has one.
    #[must_use]
    pub fn cursor_path(&self) -> Option<&str> {
        self.plan()
            .incremental
            .as_ref()
            .map(|i| i.cursor_path.as_str())
    }

    /// The `initial_value` of its `incremental`.
    #[must_use]
    pub fn initial_value(&self) -> Option<&Value> {
        self.plan().incremental.as_ref()?.initial_value.as_ref()
    }

    /// Whether its cursor is kept between walks: it is incremental without an `end_value` (a
    /// walk with one starts at `initial_value` whatever the state, as in dlt).
    #[must_use]
    pub fn keeps_state(&self) -> bool {
        self.plan()
            .incremental
            .as_ref()
            .is_some_and(|i| i.end_value.is_none())
    }

    /// Whether its walks use the client's paginator: the config gives it none of its own
    /// (a single-entity path has one: `single_page`).
    #[must_use]
    pub fn uses_client_paginator(&self) -> bool {
        self.plan().paginator.is_none()
    }

    /// Whether its walks use the client's auth: its endpoint sets none (nor `auth: null`).
    #[must_use]
    pub fn uses_client_auth(&self) -> bool {
        self.plan().auth.is_none()
    }

    /// Walks with this paginator instead of the config's (a fresh copy per walk).
    #[must_use]
    pub fn with_paginator(mut self, paginator: impl Paginator) -> Resource {
        self.custom.paginator = Some(Box::new(paginator));
        self
    }

    /// Walks with this auth (`None`: none) instead of the config's.
    #[must_use]
    pub fn with_auth(mut self, auth: Option<Arc<dyn Auth>>) -> Resource {
        self.custom.auth = Some(auth);
        self
    }

    /// Adds a response hook, run after the config's `response_actions` on every response of
    /// every walk (see [`Paginate::hook_with_request`]).
    #[must_use]
    pub fn with_hook(
        mut self,
        hook: impl Fn(&Response, &Request) -> HookAction + Send + Sync + 'static,
    ) -> Resource {
        self.custom.hooks.push(Arc::new(hook));
        self
    }

    /// Remakes each page's records before the incremental filter (dlt's `processing_steps`:
    /// maps and filters of a caller's). `transform` gets each record's JSON text, with its
    /// `include_from_parent` members (as dlt's steps see them); the filter and the output see
    /// the values it returns, in their order.
    #[must_use]
    pub fn with_transform(
        mut self,
        transform: impl Fn(&[&[u8]]) -> Result<Vec<Value>, Error> + Send + Sync + 'static,
    ) -> Resource {
        self.custom.transform = Some(Arc::new(transform));
        self
    }

    /// Converts the incremental values the requests send (`{incremental.start_value}` and
    /// the other placeholders, `start_param`, `end_param`): dlt's `incremental.convert`. The
    /// filter still compares the records' own values.
    #[must_use]
    pub fn with_convert(
        mut self,
        convert: impl Fn(&Value) -> Result<Value, Error> + Send + Sync + 'static,
    ) -> Resource {
        self.custom.convert = Some(Arc::new(convert));
        self
    }

    /// Walks a top-level resource from `state` (a previous walk's cursor, as its last page
    /// gave it; `None`: from `initial_value`). Each page of records that passed the filter is
    /// a [`WalkItem::Page`] carrying the cursor as it stands after it. Nothing is sent until
    /// the stream is polled; the walk fetches at most two pages ahead of its reader.
    ///
    /// A child resource's walk yields one error: walk it with
    /// [`walk_parents`](Self::walk_parents).
    pub fn walk(&self, state: Option<CursorState>) -> ResourceWalk {
        let this = self.clone();
        ResourceWalk::new(move |tx| async move { this.top(state, &tx).await })
    }

    /// Walks a child resource for a batch of its parent's records (as the parent delivered
    /// them): one walk per record, pages delivered in parent order; at most `concurrency`
    /// walks of the resource in flight, whatever the number of batches walked at once,
    /// each parent's walk ending with a [`WalkItem::ParentDone`] that carries its new cursor.
    /// `prior` gives the cursor a parent record had (by [`ParentDone::key`]); it is asked for
    /// each record before this returns.
    ///
    /// A top-level resource's walk yields one error.
    pub fn walk_parents(
        &self,
        parents: Vec<Value>,
        mut prior: impl FnMut(&str) -> Option<CursorState>,
    ) -> ResourceWalk {
        let r = self.plan();
        let slots: Vec<Result<Slot, Error>> = parents
            .into_iter()
            .zip(0u64..)
            .map(|(value, index)| {
                let line = ParentLine {
                    index,
                    next_offset: 0,
                    text: value.to_string(),
                    value,
                };
                let key = request::parent_key(r, &line)?;
                let cursor = if r.incremental.is_some() {
                    prior(&key)
                } else {
                    None
                };
                Ok(Slot { line, key, cursor })
            })
            .collect();
        let this = self.clone();
        ResourceWalk::new(move |tx| async move { this.children(slots, &tx).await })
    }

    fn misuse(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Builder,
            format!("resource `{}` {what}", self.name()),
        )
    }

    /// One walk of `r` (for `line`'s record, if a child) from `cursor`, with the caller's
    /// settings in place of the config's.
    fn paginate(
        &self,
        r: &ResourcePlan,
        line: Option<&ParentLine>,
        cursor: Option<&Cursor<'_>>,
    ) -> Result<Paginate, Error> {
        let mut scope = Scope::new(r, line, cursor);
        if let Some(convert) = &self.custom.convert {
            scope.convert(convert.as_ref())?;
        }
        let mut p = request::paginate(
            &self.shared.client,
            r,
            self.shared.auths.get(&r.name),
            &scope,
            cursor,
        )?;
        if let Some(paginator) = &self.custom.paginator {
            p = p.paginator(paginator.clone());
        }
        match &self.custom.auth {
            Some(Some(auth)) => p = p.auth(Arc::clone(auth)),
            Some(None) => p = p.without_auth(),
            None => {}
        }
        for hook in &self.custom.hooks {
            let hook = Arc::clone(hook);
            p = p.hook_with_request(move |response, request| hook(response, request));
        }
        Ok(p)
    }

    /// A page's records that pass `cursor`, as lines: the page's own text, or what the
    /// caller's transform made of it. Returns how many.
    fn emit(
        &self,
        r: &ResourcePlan,
        page: &Page,
        cursor: Option<&mut Cursor<'_>>,
        include: &[emit::Include],
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        let emitted = match &self.custom.transform {
            None => emit::page_lines(r, page, cursor, include, out)?,
            Some(transform) => {
                let values = if include.is_empty() {
                    transform(&page.record_texts().collect::<Vec<_>>())?
                } else {
                    // Every record with its included members, unfiltered.
                    let mut with = Vec::new();
                    emit::page_lines(r, page, None, include, &mut with)?;
                    let texts: Vec<&[u8]> = with
                        .split(|b| *b == b'\n')
                        .filter(|line| !line.is_empty())
                        .collect();
                    transform(&texts)?
                };
                emit::value_lines(r, page, &values, cursor, &[], out)?
            }
        };
        Ok(usize::try_from(emitted.kept).unwrap_or(usize::MAX))
    }

    async fn top(&self, state: Option<CursorState>, tx: &Sender) -> Result<(), Error> {
        let r = self.plan();
        if let Some(parent) = &r.parent {
            return Err(self.misuse(&format!(
                "is a child of `{parent}`: walk it for its parent's records (walk_parents)"
            )));
        }
        let mut cursor = r
            .incremental
            .as_ref()
            .map(|spec| Cursor::new(spec, state.as_ref(), r.primary_key()));
        let mut pages = self
            .paginate(r, None, cursor.as_ref())?
            .concurrency(self.shared.concurrency)
            .try_pages()?;
        while let Some(page) = pages.next().await {
            let page = page?;
            let mut lines = Vec::new();
            let records = self.emit(r, &page, cursor.as_mut(), &[], &mut lines)?;
            let item = ResourcePage {
                parent: None,
                lines,
                records,
                number: page.number(),
                cursor: cursor.as_ref().map(Cursor::current),
            };
            if tx.send(Ok(WalkItem::Page(item))).await.is_err() {
                return Ok(());
            }
            // `row_order`: no later page holds a wanted record.
            if cursor.as_ref().is_some_and(|c| c.done) {
                break;
            }
        }
        Ok(())
    }

    /// The walk for one parent record, not started.
    fn start_child<'s>(&self, r: &'s ResourcePlan, slot: Slot) -> Result<ChildWalk<'s>, Error> {
        let include = emit::includes(r, &slot.line)?;
        let cursor = r
            .incremental
            .as_ref()
            .map(|spec| Cursor::new(spec, slot.cursor.as_ref(), r.primary_key()));
        let pages = self
            .paginate(r, Some(&slot.line), cursor.as_ref())?
            .try_pages()?;
        let done = cursor.as_ref().is_some_and(|c| c.done);
        Ok(ChildWalk {
            index: slot.line.index,
            next_offset: 0,
            key: slot.key,
            pages,
            cursor,
            include,
            buffered: VecDeque::new(),
            ended: done.then_some(Ok(())),
        })
    }

    /// The child walks of a batch: the oldest (the head) delivers each page as it comes, the
    /// others hold at most two pages and then wait, as in a run (`children::poll_event`).
    async fn children(&self, slots: Vec<Result<Slot, Error>>, tx: &Sender) -> Result<(), Error> {
        let r = self.plan();
        let Some(parent) = r.parent.as_deref() else {
            return Err(self.misuse(
                "has no parent: walk it from its cursor state (walk), not for parent records",
            ));
        };
        let context = |key: &str, e: Error| e.context(format!("`{parent}` record {key}"));
        let mut slots = slots.into_iter().peekable();
        let mut window: VecDeque<ChildWalk<'_>> = VecDeque::new();
        // One per walk of the window, in its order: the resource's slots this batch holds.
        let mut held: VecDeque<OwnedSemaphorePermit> = VecDeque::new();
        let free = &self.shared.child_slots[self.index];
        let mut never: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(std::future::pending());
        loop {
            while window.len() < self.shared.concurrency && slots.peek().is_some() {
                // An empty window waits for a slot (its head must run); the others only take
                // a free one, so that a batch never waits holding slots it does not use.
                let permit = if window.is_empty() {
                    Arc::clone(free).acquire_owned().await.ok()
                } else {
                    Arc::clone(free).try_acquire_owned().ok()
                };
                let Some(permit) = permit else { break };
                let Some(slot) = slots.next() else { break };
                let slot = slot?;
                let key = slot.key.clone();
                window.push_back(self.start_child(r, slot).map_err(|e| context(&key, e))?);
                held.push_back(permit);
            }
            let Some(head) = window.front_mut() else {
                return Ok(());
            };
            while let Some(page) = head.buffered.pop_front() {
                let mut lines = Vec::new();
                let records = self
                    .emit(r, &page, head.cursor.as_mut(), &head.include, &mut lines)
                    .map_err(|e| context(&head.key, e))?;
                let item = ResourcePage {
                    parent: usize::try_from(head.index).ok(),
                    lines,
                    records,
                    number: page.number(),
                    cursor: None,
                };
                if tx.send(Ok(WalkItem::Page(item))).await.is_err() {
                    return Ok(());
                }
                if head.cursor.as_ref().is_some_and(|c| c.done) {
                    // `row_order`: no later page of this walk holds a wanted record.
                    head.buffered.clear();
                    head.ended = Some(Ok(()));
                }
            }
            match head.ended.take() {
                Some(Err(e)) => return Err(context(&head.key, e)),
                Some(Ok(())) => {
                    let Some(done) = window.pop_front() else {
                        continue;
                    };
                    held.pop_front();
                    let item = ParentDone {
                        parent: usize::try_from(done.index).unwrap_or(usize::MAX),
                        key: done.key,
                        cursor: done.cursor.map(Cursor::finish),
                    };
                    if tx.send(Ok(WalkItem::ParentDone(item))).await.is_err() {
                        return Ok(());
                    }
                    continue;
                }
                None => {}
            }
            let event = std::future::poll_fn(|cx| {
                children::poll_event(cx, &mut window, None, never.as_mut(), None)
            })
            .await;
            match event {
                Event::Page(i, page) => {
                    if let Some(w) = window.get_mut(i) {
                        w.buffered.push_back(*page);
                    }
                }
                Event::Ended(i, result) => {
                    if let Some(w) = window.get_mut(i) {
                        w.ended = Some(result);
                    }
                }
                Event::Parent(..) | Event::Save | Event::Cancelled => {}
            }
        }
    }
}

/// A parent record of a batch, ready for its walk.
struct Slot {
    line: ParentLine,
    key: String,
    cursor: Option<CursorState>,
}

type Sender = mpsc::Sender<Result<WalkItem, Error>>;

/// What a resource walk yields.
#[derive(Debug)]
#[non_exhaustive]
pub enum WalkItem {
    /// A page's records that passed the filter.
    Page(ResourcePage),
    /// A child walk (the one for one parent record) ended.
    ParentDone(ParentDone),
}

/// The records of one page that passed the incremental filter, as NDJSON lines.
#[derive(Debug, Clone)]
pub struct ResourcePage {
    parent: Option<usize>,
    lines: Vec<u8>,
    records: usize,
    number: usize,
    cursor: Option<CursorState>,
}

impl ResourcePage {
    /// For a child walk: the position of its parent record in the batch.
    #[must_use]
    pub fn parent(&self) -> Option<usize> {
        self.parent
    }

    /// The page's position in its walk, from 1.
    #[must_use]
    pub fn number(&self) -> usize {
        self.number
    }

    /// How many records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether no record of the page passed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The records, one compact JSON text per line, each line ending in `\n`: the API's text
    /// (or what a transform made), with the `include_from_parent` members.
    #[must_use]
    pub fn lines(&self) -> &[u8] {
        &self.lines
    }

    /// Each record's JSON text.
    pub fn records(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.lines
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
    }

    /// For a top-level walk with an incremental cursor: the cursor after this page (what to
    /// keep once the page's records are stored).
    #[must_use]
    pub fn cursor(&self) -> Option<&CursorState> {
        self.cursor.as_ref()
    }
}

/// The end of a child walk: its parent record and the cursor to keep for it.
#[derive(Debug, Clone)]
pub struct ParentDone {
    parent: usize,
    key: String,
    cursor: Option<CursorState>,
}

impl ParentDone {
    /// The position of the parent record in the batch.
    #[must_use]
    pub fn parent(&self) -> usize {
        self.parent
    }

    /// The parent record's key among the child's cursors: the JSON text of the parent
    /// fields its requests use (`{"id":5}`), as a run's state file keys them.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The cursor to keep for the parent record, if the resource is incremental.
    #[must_use]
    pub fn cursor(&self) -> Option<&CursorState> {
        self.cursor.as_ref()
    }
}

/// A walk of [`Resource::walk`] or [`Resource::walk_parents`]: a stream of [`WalkItem`]s. The
/// walk runs while the stream is polled (from any runtime, or a task the caller spawns to
/// read ahead) and stops when it is dropped. An error ends it.
#[must_use = "a walk does nothing unless polled"]
pub struct ResourceWalk {
    producer: Option<BoxFuture<'static, ()>>,
    rx: mpsc::Receiver<Result<WalkItem, Error>>,
}

impl std::fmt::Debug for ResourceWalk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceWalk")
            .field("running", &self.producer.is_some())
            .finish_non_exhaustive()
    }
}

impl ResourceWalk {
    /// A stream of what `produce` sends, `produce` running as the stream is polled; its error
    /// is the stream's last item.
    fn new<F, Fut>(produce: F) -> ResourceWalk
    where
        F: FnOnce(Sender) -> Fut,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(AHEAD);
        let errors = tx.clone();
        let run = produce(tx);
        let producer = async move {
            if let Err(e) = run.await {
                let _ = errors.send(Err(e)).await;
            }
        }
        .boxed();
        ResourceWalk {
            producer: Some(producer),
            rx,
        }
    }
}

impl Stream for ResourceWalk {
    type Item = Result<WalkItem, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(producer) = self.producer.as_mut()
            && producer.as_mut().poll(cx).is_ready()
        {
            // Its senders are gone: the receiver ends after what they sent.
            self.producer = None;
        }
        self.rx.poll_recv(cx)
    }
}
