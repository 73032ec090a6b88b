//! The engine behind [`Paginate`](crate::Paginate): drives a paginator from page to page,
//! serially or with several requests in flight. It knows nothing of the client or the builder:
//! it gets a [`Walk`] (the first request, the executor and the pieces) and yields pages.
//!
//! Serial walks follow dlt's loop: send → hooks and status check → select records →
//! `update_state` → `update_request` → yield → `has_next_page`.
//!
//! Concurrent walks (`concurrency(n)` with n > 1) apply only to paginators whose next requests
//! can be computed without the previous body (offset and page number). After the first page,
//! a copy of the paginator *speculates* the following requests and up to n are in flight at once;
//! responses are still processed strictly in order by the real paginator, which alone decides
//! where the walk ends, so every stop rule works as in a serial walk. A speculated request that
//! differs from the one the real paginator asks for is never used: the walk drops the window
//! and goes on serially. Pages past the end (an empty page when the total is unknown) are
//! discarded; dropping the window aborts the requests still in flight.

use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use futures::Stream;
use serde_json::Value;

use crate::checkpoint::{Checkpoint, Position, SavedPaginator, Secrets};
use crate::detect;
use crate::error::{Error, ErrorKind, Result};
use crate::exec::{CallContext, Executor};
use crate::hooks::{Hook, HookAction};
use crate::page::{Page, WalkInfo};
use crate::paginators::{Paginator, SinglePagePaginator};
use crate::request::{Body, Request};
use crate::response::Response;
use crate::selector::Selector;
use crate::stop::StopReason;

/// Everything one walk needs, prepared by the facade.
pub(crate) struct Walk {
    pub(crate) exec: Executor,
    pub(crate) ctx: CallContext,
    /// The first request, before the paginator's `init_request`.
    pub(crate) request: Request,
    /// `None`: detect it from the first response.
    pub(crate) paginator: Option<Box<dyn Paginator>>,
    /// `None`: detect it from the first response.
    pub(crate) selector: Option<Arc<Selector>>,
    pub(crate) hooks: Vec<Hook>,
    pub(crate) max_pages: Option<usize>,
    pub(crate) max_records: Option<usize>,
    pub(crate) concurrency: usize,
    /// Where the walk saves its position, and the saved position it resumes from.
    pub(crate) checkpoint: Option<Arc<Checkpoint>>,
}

/// How many request and page fingerprints a walk remembers to notice a loop; older ones are
/// forgotten, so memory stays bounded on endless walks (a loop longer than this goes unnoticed
/// until `max_pages`).
const LOOP_MEMORY: usize = 100_000;

/// What a walk has seen, to notice a paginator asking for the same thing twice.
#[derive(Debug, Default)]
struct LoopGuard {
    seen: HashSet<u64>,
    order: VecDeque<u64>,
}

impl LoopGuard {
    /// Remembers `key`; false when it was already there.
    fn insert(&mut self, key: u64) -> bool {
        if !self.seen.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > LOOP_MEMORY
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

/// A fingerprint of what a request asks for.
fn request_key(request: &Request) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    0u8.hash(&mut h);
    request.method().as_str().hash(&mut h);
    request.full_url().as_str().hash(&mut h);
    match request.body() {
        Some(Body::Json(v)) => v.to_string().hash(&mut h),
        Some(Body::Form(f)) => f.hash(&mut h),
        None => {}
    }
    h.finish()
}

/// The bytes from the first record's start to the last one's end (the whole body if the
/// spans do not fit it, which a scan never produces).
fn records_stretch<'a>(body: &'a [u8], spans: &[std::ops::Range<usize>]) -> &'a [u8] {
    let start = spans.iter().map(|r| r.start).min().unwrap_or(0);
    let end = spans.iter().map(|r| r.end).max().unwrap_or(body.len());
    body.get(start..end).unwrap_or(body)
}

/// A fingerprint of a page body: 64 bits over every byte, four words at a time. Not SipHash
/// (`DefaultHasher`): every body is hashed whole, and SipHash cost a tenth of a fast walk's
/// instructions. Neither is keyed; a collision would only end a walk with a loop error.
fn body_key(body: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(29);
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    // Seeds unlike a request key's hasher, so that the two kinds stay apart in the guard.
    let mut lanes = [0x5eed_0001_u64, 0x5eed_0002, 0x5eed_0003, 0x5eed_0004];
    let mut blocks = body.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = mix(*lane, word(w));
        }
    }
    let mut h = mix(body.len() as u64, 0);
    for lane in lanes {
        h = mix(h, lane);
    }
    for w in blocks.remainder().chunks(8) {
        h = mix(h, word(w));
    }
    mix(h, 0)
}

/// What processing one response led to: a page and the reason to stop after it, if any; or
/// `None` when a hook ended the walk.
type Step = Option<(Page, Option<StopReason>)>;

/// The state of one walk.
struct Walker {
    exec: Executor,
    ctx: CallContext,
    hooks: Vec<Hook>,
    selector: Option<Arc<Selector>>,
    paginator: Box<dyn Paginator>,
    detect_paginator: bool,
    description: Arc<Value>,
    /// The next request the paginator asks for.
    request: Request,
    guard: LoopGuard,
    pages: usize,
    records: usize,
    max_pages: Option<usize>,
    max_records: Option<usize>,
}

impl Walker {
    fn loop_error(&self, request: &Request, what: &str) -> Error {
        let url = self.ctx.redactor.url(&request.full_url());
        // A cursor in a JSON body does not show in the URL: name the body too.
        let body = match request.body() {
            Some(Body::Json(v)) => {
                let text = crate::paginators::preview(v, &|t| self.ctx.redactor.text(t));
                format!(" with body {text}")
            }
            _ => String::new(),
        };
        let shown = crate::redact::clip(&url, crate::redact::MAX_URL_SHOWN);
        Error::new(
            ErrorKind::PaginationLoop,
            format!(
                "pagination loop at {shown}: {what} {} {shown}{body} was already requested in this walk",
                request.method()
            ),
        )
        .with_url(&url)
    }

    /// Checks that `request` was not sent before in this walk.
    fn check_request(&mut self, request: &Request, key: u64) -> Result<()> {
        if self.guard.insert(key) {
            Ok(())
        } else {
            Err(self.loop_error(request, "the request"))
        }
    }

    /// Everything that follows a response: hooks, status, records, the paginator's steps, the
    /// limits. `sent` is the request that produced `response`.
    fn process(&mut self, sent: Request, mut response: Response) -> Result<Step> {
        let mut accepted = false;
        for hook in &self.hooks {
            match hook.call(&response, &sent) {
                HookAction::Continue => {}
                HookAction::Accept => accepted = true,
                HookAction::Ignore => return Ok(None),
            }
        }
        let status = response.status();
        if !accepted && (status.is_client_error() || status.is_server_error()) {
            return Err(self.exec.status_error(&response));
        }
        let sel = match &self.selector {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(detect::records(response.json()?));
                tracing::info!(
                    data_selector = s.as_str(),
                    "detected the records at `{}`",
                    s.as_str()
                );
                self.selector = Some(Arc::clone(&s));
                s
            }
        };
        if self.detect_paginator {
            self.detect_paginator = false;
            self.paginator = detect::for_walk(&self.request, &response, &sel);
            // Sets the paginator's state from the request that was sent (e.g. `page=1` as the
            // body reported it), so that `update_state` continues from there.
            self.paginator.init_request(&mut self.request)?;
            self.description = Arc::new(self.paginator.describe());
        }
        // Where the records lie in the body: a scan, no tree (a JSONPath with filters or
        // wildcards parses the body once to know where its matches are).
        let (spans, compact) = response.record_spans(&sel)?;
        // A range API that ignores its page parameter answers the same page forever: the
        // same non-empty records twice are a loop, not data. The records' stretch of the body,
        // not the whole body: an API that stamps every answer (a request id, a time, its
        // echo of the page asked for) still repeats its records.
        if self.paginator.is_computable()
            && !spans.is_empty()
            && !self
                .guard
                .insert(body_key(records_stretch(response.bytes(), &spans)))
        {
            return Err(self.loop_error(&sent, "the same page of records came back for"));
        }
        let values = if self.paginator.reads_records() {
            // A paginator of the user's that looks at the records: build them once, for it
            // and for the page.
            let page_values = build_values(&response, &spans);
            self.paginator
                .update_state(&response, Some(&page_values))
                .map_err(|e| e.masked(&self.ctx.redactor))?;
            Some(page_values)
        } else {
            self.paginator
                .update_state_counted(&response, spans.len())
                .map_err(|e| e.masked(&self.ctx.redactor))?;
            None
        };
        // A tree parsed for detection or a JSONPath is not kept with the page.
        response.forget_json();
        // A paginator knows no secret of the call: its errors are masked here.
        self.paginator
            .update_request(&mut self.request)
            .map_err(|e| e.masked(&self.ctx.redactor))?;
        self.pages += 1;
        let mut page = Page::new(
            (spans, compact),
            values,
            sent,
            response,
            WalkInfo {
                paginator: Arc::clone(&self.description),
                data_selector: sel,
                auth: self.ctx.auth.clone(),
            },
            self.pages,
        );
        let mut stop = None;
        if let Some(max) = self.max_records
            && self.records + page.len() >= max
        {
            page.truncate(max - self.records);
            stop = Some(StopReason::MaxRecords(max));
        }
        self.records += page.len();
        if stop.is_none()
            && let Some(max) = self.max_pages
            && self.pages >= max
        {
            stop = Some(StopReason::MaxPages(max));
        }
        if !self.paginator.has_next_page() {
            // The paginator's own reason wins over a limit reached on the same page.
            stop = Some(
                self.paginator
                    .stop_reason()
                    .unwrap_or(StopReason::PaginatorDone),
            );
        }
        Ok(Some((page, stop)))
    }
}

impl Walker {
    /// Where the walk stands now (after the page just processed), for a checkpoint.
    fn position(&self, finished: Option<&StopReason>) -> Result<Position> {
        let state = self
            .paginator
            .checkpoint()
            .ok_or_else(|| no_checkpoint(&self.description))?;
        Ok(Position {
            next: self.request.clone(),
            paginator: SavedPaginator {
                description: self.paginator.describe(),
                state,
            },
            data_selector: self
                .selector
                .as_ref()
                .map_or_else(String::new, |s| s.as_str().to_owned()),
            pages: self.pages,
            records: self.records,
            finished: finished.cloned(),
        })
    }
}

/// The error of a checkpointed walk whose paginator cannot save its state.
fn no_checkpoint(description: &Value) -> Error {
    Error::invalid(
        "Paginate",
        "checkpoint",
        format!(
            "the paginator {description} cannot resume (its checkpoint() returns None); implement Paginator::checkpoint and restore to use checkpoints"
        ),
    )
}

/// Puts a walk back where its checkpoint says it stood. `None` when it may start; a stop
/// reason when the saved walk had already ended.
fn resume(cp: &Checkpoint, w: &mut Walker) -> Result<Option<StopReason>> {
    let Some(saved) = &cp.resume else {
        return Ok(None);
    };
    let secrets = Secrets::clone(&lock(&cp.secrets));
    if w.detect_paginator {
        // The detected paginator is built again from its description.
        w.paginator = crate::spec::paginator(&saved.paginator.description)?.ok_or_else(|| {
            Error::invalid(
                "Paginate",
                "checkpoint",
                "the saved paginator description names no paginator",
            )
        })?;
        w.detect_paginator = false;
        w.paginator.init_request(&mut w.request.clone())?;
        w.description = Arc::new(w.paginator.describe());
    }
    w.paginator.restore(&saved.paginator_state(&secrets)?)?;
    w.request = saved.next_request(&w.request, &secrets)?;
    if w.selector.is_none() && !saved.data_selector.is_empty() {
        w.selector = Some(Arc::new(Selector::new(&saved.data_selector)?));
    }
    w.pages = saved.pages;
    w.records = saved.records;
    tracing::info!(
        checkpoint = %cp.name,
        pages = saved.pages,
        records = saved.records,
        "resuming from the checkpoint {} after {} pages and {} records",
        cp.name,
        saved.pages,
        saved.records
    );
    Ok(saved.finished())
}

/// The mutex's content even if a panic elsewhere poisoned it (the data stays consistent: plain values).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The records at `spans` as `Value`s, for a paginator that reads them (a number beyond `f64`
/// becomes `null`, as in [`Page::records`]).
fn build_values(response: &Response, spans: &[std::ops::Range<usize>]) -> Vec<Value> {
    let body = response.bytes();
    spans
        .iter()
        .map(|r| serde_json::from_slice(&body[r.clone()]).unwrap_or(Value::Null))
        .collect()
}

/// A request sent on its own task, so that it progresses while the consumer holds a page; the
/// task is aborted when this is dropped.
struct InFlight {
    /// The fingerprint of the request, to match it with the one the paginator asks for.
    key: u64,
    task: tokio::task::JoinHandle<Result<Response>>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl InFlight {
    fn spawn(exec: &Executor, ctx: &CallContext, request: Request) -> InFlight {
        let key = request_key(&request);
        let (exec, ctx) = (exec.clone(), ctx.clone());
        // Bodies stay raw bytes until their page is processed: parsing here would run in
        // parallel, but would hold up to n parsed pages (several times their size) at once.
        let task = tokio::spawn(async move { exec.execute(&request, &ctx).await });
        InFlight { key, task }
    }

    async fn finish(mut self) -> Result<Response> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => {
                Err(Error::new(ErrorKind::Other, "a concurrent request task failed").with_source(e))
            }
        }
    }
}

/// Walks the pages of one call.
pub(crate) fn walk(
    walk: Walk,
    stop_slot: Arc<Mutex<Option<StopReason>>>,
) -> impl Stream<Item = Result<Page>> + Send {
    async_stream::try_stream! {
        let Walk { exec, ctx, mut request, paginator, selector, hooks, max_pages, max_records, concurrency, checkpoint } = walk;
        // Without a paginator, a placeholder sends the first request as given; the real one is
        // detected from the first response.
        let (mut paginator, detect_paginator): (Box<dyn Paginator>, bool) = match paginator {
            Some(p) => (p, false),
            None => (Box::new(SinglePagePaginator::new()), true),
        };
        paginator.validate()?;
        if let Some(cp) = &checkpoint {
            // The secrets of the command as given: a resumed walk puts them back in the saved
            // request, and a saved request holds placeholders instead of them.
            *lock(&cp.secrets) = Secrets::new(ctx.redactor.secrets(), &request);
            if !detect_paginator && paginator.checkpoint().is_none() {
                Err(no_checkpoint(&paginator.describe()))?;
            }
        }
        paginator.init_request(&mut request)?;
        let start_url = ctx.redactor.url(&request.full_url());
        let description = Arc::new(paginator.describe());
        let mut w = Walker {
            exec,
            ctx,
            hooks,
            selector,
            paginator,
            detect_paginator,
            description,
            request,
            guard: LoopGuard::default(),
            pages: 0,
            records: 0,
            max_pages,
            max_records,
        };
        // The window of speculated requests, oldest first, and the paginator copy that
        // speculates them (once the first page has set its state).
        let mut window: VecDeque<InFlight> = VecDeque::new();
        let mut speculator: Option<(Box<dyn Paginator>, Request)> = None;
        // Pages of this run (a resumed walk counts on from the saved pages).
        let mut run_pages = 0usize;
        let resumed_end = match &checkpoint {
            Some(cp) => resume(cp, &mut w)?,
            None => None,
        };
        let reason = 'walk: loop {
            if let Some(reason) = &resumed_end {
                break reason.clone();
            }
            if max_pages == Some(0) {
                break StopReason::MaxPages(0);
            }
            if max_records == Some(0) {
                break StopReason::MaxRecords(0);
            }
            let key = request_key(&w.request);
            let (sent, response) = match window.pop_front() {
                Some(next) if next.key == key => {
                    let sent = w.request.clone();
                    w.check_request(&sent, key)?;
                    let response = next.finish().await?;
                    (sent, response)
                }
                other => {
                    if other.is_some() {
                        tracing::debug!("the paginator asked for another request than speculated; going on serially");
                        window.clear();
                        speculator = None;
                    }
                    let sent = w.request.clone();
                    w.check_request(&sent, key)?;
                    let response = w.exec.execute(&sent, &w.ctx).await?;
                    (sent, response)
                }
            };
            let step = w.process(sent, response)?;
            let Some((page, stop)) = step else {
                break StopReason::IgnoredByHook;
            };
            run_pages += 1;
            let mut page = page;
            if let Some(cp) = &checkpoint {
                let position = w.position(stop.as_ref())?;
                if cp.auto_path.is_some() {
                    cp.record(position);
                } else {
                    // The caller saves it once it has written the page.
                    page.set_checkpoint(cp.encode(&position, Value::Null));
                }
            }
            if stop.is_none() && concurrency > 1 && w.paginator.is_computable() {
                if speculator.is_none() && run_pages == 1 {
                    speculator = Some((w.paginator.clone(), w.request.clone()));
                    window.push_back(InFlight::spawn(&w.exec, &w.ctx, w.request.clone()));
                }
                if let Some((spec, spec_request)) = &mut speculator {
                    while window.len() < concurrency {
                        match spec.speculate(spec_request) {
                            Ok(true) => window.push_back(InFlight::spawn(&w.exec, &w.ctx, spec_request.clone())),
                            _ => break,
                        }
                    }
                }
            }
            yield page;
            if let Some(cp) = &checkpoint {
                // The caller asked for the next page: it has handled this one (the library's
                // mode; nothing to do when the caller saves).
                cp.save()?;
            }
            if let Some(reason) = stop {
                break 'walk reason;
            }
        };
        if let Some(cp) = &checkpoint {
            cp.remove()?;
        }
        // Requests past the end are abandoned.
        drop(window);
        tracing::info!(url = %start_url, pages = w.pages, records = w.records, reason = %reason, "pagination of {start_url} stopped after {} pages and {} records: {reason}", w.pages, w.records);
        *stop_slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_key_sees_every_byte() {
        let body: Vec<u8> = (0..200u8).collect();
        let key = body_key(&body);
        assert_eq!(key, body_key(&body.clone()));
        for at in 0..body.len() {
            let mut changed = body.clone();
            changed[at] ^= 1;
            assert_ne!(body_key(&changed), key, "a change at byte {at}");
        }
        for len in 0..body.len() {
            assert_ne!(body_key(&body[..len]), key, "a prefix of {len} bytes");
        }
    }
}
