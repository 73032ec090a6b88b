//! Running a planned config: one [`RestClient`] for every resource (so pacing and connections
//! are shared), resources in dependency order with at most `parallel` walking at once, and per
//! parent record one child walk, `concurrency` of them in flight and their output appended in
//! parent order, each walk whole.
//!
//! Exactly-once with `--resume` (DESIGN §9): a child resource's output grows only by whole
//! child walks, and after each one its checkpoint records the output length and the parent
//! keys done; a resumed run cuts the output back to that length and skips those walks. A
//! written top-level resource has a walk checkpoint saved after each page (see
//! [`Engine::walk_top`]): resumed, it goes on after the last saved page. A completed
//! resource's checkpoint holds its state, so a crash between the checkpoint and the state file
//! loses nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use tokio::sync::{Semaphore, mpsc, watch};

use super::config::{Plan, ResourcePlan};
use super::incremental::{Cursor, CursorState, Verdict};
use super::state::{Checkpoint, ResourceState, StateFile};
use super::summary::{ResourceStatus, ResourceSummary, Summary};
use super::template::{self, Expr};
use super::{Progress, ProgressFn, RunRecord};
use crate::error::{Error, ErrorKind};
use crate::hooks::HookAction;
use crate::spec::EndpointMethod;
use crate::{Method, RestClient};

/// Where records go.
pub(crate) enum Sink {
    /// `DIR/<resource>.ndjson`, checkpoints in `DIR/.checkpoints`.
    Dir(PathBuf),
    /// One channel for every resource's records.
    Channel(mpsc::Sender<Result<RunRecord, Error>>),
}

/// Why a walk ended early.
enum Fail {
    Cancelled,
    Error(String),
}

impl From<String> for Fail {
    fn from(s: String) -> Self {
        Fail::Error(s)
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        // With its causes: a summary is read by people, and the causes are not in Display.
        Fail::Error(format!("{e:#}"))
    }
}

pub(crate) struct Engine {
    pub(crate) plan: Plan,
    pub(crate) client: RestClient,
    pub(crate) sink: Sink,
    pub(crate) written: BTreeSet<String>,
    pub(crate) needed: BTreeSet<String>,
    pub(crate) parallel: Arc<Semaphore>,
    pub(crate) concurrency: usize,
    pub(crate) state_path: Option<PathBuf>,
    pub(crate) state: Mutex<StateFile>,
    pub(crate) resume: bool,
    pub(crate) cancel: watch::Receiver<bool>,
    pub(crate) progress: Option<ProgressFn>,
    /// Each resource's own auth, built once (an OAuth2 token is fetched once per resource, not
    /// once per child walk).
    pub(crate) auths: BTreeMap<String, Arc<dyn crate::auth::Auth>>,
}

/// What one walk produced.
#[derive(Default)]
struct WalkOut {
    bytes: Vec<u8>,
    values: Vec<Value>,
    pages: u64,
    records: u64,
    ignored: bool,
    stop: Option<String>,
    cursor: Option<CursorState>,
}

/// The values a request is rendered with.
struct Scope<'a> {
    parent_name: Option<&'a str>,
    parent: Option<&'a Value>,
    incremental: Map<String, Value>,
}

impl Scope<'_> {
    fn lookup(&self, e: &Expr) -> Result<Value, String> {
        match e {
            Expr::Resource { field, .. } => {
                let record = self.parent.ok_or("no parent record")?;
                parent_field(record, field)
                    .ok_or_else(|| format!("the parent record has no field `{field}`"))
            }
            Expr::Incremental(attr) => {
                Ok(self.incremental.get(attr).cloned().unwrap_or(Value::Null))
            }
            Expr::Name(n) => Err(format!("unbound placeholder `{n}`")),
        }
    }
}

fn parent_field(record: &Value, field: &str) -> Option<Value> {
    if let Some(v) = record.get(field) {
        return Some(v.clone());
    }
    crate::selector::Selector::new(field)
        .ok()?
        .first(record)
        .cloned()
}

async fn cancelled(rx: &mut watch::Receiver<bool>) {
    // A closed sender means nobody can cancel: wait forever.
    if rx.wait_for(|c| *c).await.is_err() {
        futures::future::pending::<()>().await;
    }
}

impl Engine {
    fn dir(&self) -> Option<&Path> {
        match &self.sink {
            Sink::Dir(d) => Some(d),
            Sink::Channel(_) => None,
        }
    }

    fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(&p);
        }
    }

    fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Runs every needed resource; returns the summary.
    pub(crate) async fn run(self: Arc<Self>) -> Summary {
        let started = Instant::now();
        let roots: Vec<usize> = self
            .plan
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.parent.is_none() && self.needed.contains(&r.name))
            .map(|(i, _)| i)
            .collect();
        let all =
            futures::future::join_all(roots.into_iter().map(|i| Arc::clone(&self).tree(i, None)))
                .await;
        let mut by_name: BTreeMap<String, ResourceSummary> = all
            .into_iter()
            .flatten()
            .map(|s| (s.name.clone(), s))
            .collect();
        let resources = self
            .plan
            .resources
            .iter()
            .filter_map(|r| by_name.remove(&r.name))
            .collect();
        let interrupted = self.is_cancelled();
        let summary = Summary::new(resources, started.elapsed().as_secs_f64(), interrupted);
        if let Some(dir) = self.dir()
            && let Ok(text) = serde_json::to_vec_pretty(&summary)
            && let Err(e) = super::state::write_atomic(&dir.join("summary.json"), &text)
        {
            tracing::warn!("cannot write {}: {e}", dir.join("summary.json").display());
        }
        summary
    }

    /// One resource, then its needed children (all at once) once it completed.
    fn tree(
        self: Arc<Self>,
        index: usize,
        parent_records: Option<Arc<Vec<Value>>>,
    ) -> BoxFuture<'static, Vec<ResourceSummary>> {
        async move {
            let Some(r) = self.plan.resources.get(index) else {
                return Vec::new();
            };
            let children: Vec<usize> = self
                .plan
                .resources
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.parent.as_deref() == Some(&r.name) && self.needed.contains(&c.name)
                })
                .map(|(i, _)| i)
                .collect();
            let (summary, records) = {
                let _permit = self.parallel.acquire().await;
                self.resource(r, parent_records, !children.is_empty()).await
            };
            let mut out = vec![summary];
            let ok = matches!(
                out[0].status,
                ResourceStatus::Completed | ResourceStatus::AlreadyCompleted
            );
            if !ok {
                let why = format!("not run: its parent `{}` did not complete", r.name);
                let mut stack = children;
                while let Some(c) = stack.pop() {
                    if let Some(cr) = self.plan.resources.get(c) {
                        let mut s = ResourceSummary::new(
                            &cr.name,
                            cr.parent.clone(),
                            self.written.contains(&cr.name),
                        );
                        s.error = Some(why.clone());
                        s.hints = cr.hints.clone();
                        out.push(s);
                        stack.extend(
                            self.plan
                                .resources
                                .iter()
                                .enumerate()
                                .filter(|(_, x)| {
                                    x.parent.as_deref() == Some(&cr.name)
                                        && self.needed.contains(&x.name)
                                })
                                .map(|(i, _)| i),
                        );
                    }
                }
                return out;
            }
            let records = records.unwrap_or_default();
            let results = futures::future::join_all(
                children
                    .into_iter()
                    .map(|c| Arc::clone(&self).tree(c, Some(Arc::clone(&records)))),
            )
            .await;
            out.extend(results.into_iter().flatten());
            out
        }
        .boxed()
    }

    /// Runs one resource; returns its summary and (when it has children) its records.
    async fn resource(
        &self,
        r: &ResourcePlan,
        parent_records: Option<Arc<Vec<Value>>>,
        keep: bool,
    ) -> (ResourceSummary, Option<Arc<Vec<Value>>>) {
        let started = Instant::now();
        let written = self.written.contains(&r.name);
        let mut summary = ResourceSummary::new(&r.name, r.parent.clone(), written);
        summary.hints = r.hints.clone();
        if self.is_cancelled() {
            return (summary, None);
        }
        // Resumed: a completed resource is not walked again.
        let checkpoint = match self.dir() {
            Some(dir) if self.resume => Checkpoint::load(dir, &r.name),
            _ => None,
        };
        if let Some(cp) = checkpoint.as_ref().filter(|c| c.complete) {
            if let Some(state) = &cp.state
                && let Err(e) = self.commit_state(&r.name, state.clone())
            {
                summary.status = ResourceStatus::Failed;
                summary.error = Some(e.to_string());
                return (summary, None);
            }
            if let Some(s) = cp
                .summary
                .clone()
                .and_then(|v| restore_summary(v, &summary))
            {
                summary = s;
            }
            summary.status = ResourceStatus::AlreadyCompleted;
            let records = if keep {
                self.load_kept(r).map(Arc::new)
            } else {
                None
            };
            if keep && records.is_none() {
                summary.status = ResourceStatus::Failed;
                summary.error = Some("cannot read the records of the interrupted run back".into());
            }
            return (summary, records);
        }
        self.report(Progress::Started {
            resource: r.name.clone(),
        });
        let state = self.resource_state(r);
        let result = match &parent_records {
            None => self.walk_top(r, state.as_ref(), keep, &mut summary).await,
            Some(parents) => {
                self.walk_children(r, parents, state.as_ref(), checkpoint, keep, &mut summary)
                    .await
            }
        };
        summary.seconds = started.elapsed().as_secs_f64();
        let records = match result {
            Ok((new_state, values)) => {
                summary.status = ResourceStatus::Completed;
                if let Some(ns) = &new_state {
                    summary.incremental = Some(match &ns.cursor {
                        Some(c) => {
                            serde_json::json!({"start_value": c.start_value, "end_value": c.last_value})
                        }
                        None => serde_json::json!({"cursors": ns.parents.len()}),
                    });
                }
                if let Err(e) = self.complete(r, new_state, &summary, keep.then_some(&values)) {
                    summary.status = ResourceStatus::Failed;
                    summary.error = Some(format!("cannot save the run's progress: {e}"));
                }
                keep.then(|| Arc::new(values))
            }
            Err(Fail::Cancelled) => {
                summary.status = ResourceStatus::Interrupted;
                None
            }
            Err(Fail::Error(e)) => {
                summary.status = ResourceStatus::Failed;
                if let Sink::Channel(tx) = &self.sink {
                    let _ = tx
                        .send(Err(Error::new(
                            ErrorKind::Custom,
                            format!("resource `{}`: {e}", r.name),
                        )))
                        .await;
                }
                summary.error = Some(e);
                None
            }
        };
        self.report(Progress::Finished {
            resource: r.name.clone(),
            ok: summary.status == ResourceStatus::Completed,
        });
        (summary, records)
    }

    /// The resource's stored incremental state (none when stateless or not incremental).
    fn resource_state(&self, r: &ResourcePlan) -> Option<ResourceState> {
        let inc = r.incremental.as_ref()?;
        let st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.resources
            .get(&r.name)
            .filter(|s| s.cursor_path == inc.cursor_path)
            .cloned()
    }

    /// Stores a completed resource's state and replaces the state file. A failure fails the
    /// resource: reporting it completed would let the run drop its checkpoints, and the next
    /// run would deliver its records again.
    fn commit_state(&self, name: &str, state: ResourceState) -> std::io::Result<()> {
        let Some(path) = &self.state_path else {
            return Ok(());
        };
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.resources.insert(name.to_owned(), state);
        st.save(path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot save the state file {}: {e}", path.display()),
            )
        })
    }

    /// A completed resource: checkpoint (with its state and summary), then the state file.
    fn complete(
        &self,
        r: &ResourcePlan,
        state: Option<ResourceState>,
        summary: &ResourceSummary,
        kept: Option<&Vec<Value>>,
    ) -> std::io::Result<()> {
        let stateful = r
            .incremental
            .as_ref()
            .is_some_and(|i| i.end_value.is_none());
        if let Some(dir) = self.dir() {
            if let Some(values) = kept.filter(|_| !self.written.contains(&r.name)) {
                let mut text = Vec::new();
                for v in values {
                    serde_json::to_writer(&mut text, v).map_err(std::io::Error::other)?;
                    text.push(b'\n');
                }
                super::state::write_atomic(&kept_path(dir, &r.name), &text)?;
            }
            let cp = Checkpoint {
                complete: true,
                state: state.clone().filter(|_| stateful),
                summary: serde_json::to_value(summary).ok(),
                ..Checkpoint::default()
            };
            cp.save(dir, &r.name)?;
        }
        if let Some(s) = state.filter(|_| stateful) {
            self.commit_state(&r.name, s)?;
        }
        Ok(())
    }

    /// The records of a completed parent, read back from the interrupted run's files.
    fn load_kept(&self, r: &ResourcePlan) -> Option<Vec<Value>> {
        let dir = self.dir()?;
        let path = if self.written.contains(&r.name) {
            dir.join(format!("{}.ndjson", r.name))
        } else {
            kept_path(dir, &r.name)
        };
        read_ndjson(&path)
    }

    /// A top-level resource: one walk, its pages written as they arrive.
    ///
    /// A written resource's walk has a checkpoint, `DIR/.checkpoints/<resource>.walk.json`,
    /// saved after each page is in the output with the output's length, the cursor's mid-walk
    /// fields and the counters. A resumed run (`--resume`; a fresh run has cleared
    /// `.checkpoints`) cuts the output back to that length, puts the cursor back and continues
    /// the walk after the last saved page. A resource that is only walked for its children
    /// (not written) has no file to cut and no walk checkpoint: it starts again.
    async fn walk_top(
        &self,
        r: &ResourcePlan,
        state: Option<&ResourceState>,
        keep: bool,
        summary: &mut ResourceSummary,
    ) -> Result<(Option<ResourceState>, Vec<Value>), Fail> {
        let walk_cp = self
            .dir()
            .filter(|_| self.written.contains(&r.name))
            .map(|dir| {
                let output = dir.join(format!("{}.ndjson", r.name));
                let shown = std::path::absolute(&output).unwrap_or_else(|_| output.clone());
                WalkCheckpoint {
                    path: walk_checkpoint_path(dir, &r.name),
                    identity: serde_json::json!({
                        "resource": r.name,
                        "output": shown.display().to_string(),
                    }),
                    output,
                }
            });
        // Not cut yet: the walk checkpoint (if any) says to what length.
        let len = walk_cp
            .as_ref()
            .and_then(|c| std::fs::metadata(&c.output).ok())
            .map_or(0, |m| m.len());
        let mut file = self.open_output(r, len)?;
        let mut cursor = r
            .incremental
            .as_ref()
            .map(|spec| Cursor::new(spec, state.and_then(|s| s.cursor.as_ref()), r.primary_key()));
        let scope = self.scope(r, None, cursor.as_ref());
        let mut out = WalkOut::default();
        let walk_cp = walk_cp.filter(|_| file.is_some());
        let res = self
            .walk(
                r,
                &scope,
                cursor.as_mut(),
                keep,
                &mut out,
                file.as_mut(),
                walk_cp.as_ref(),
            )
            .await;
        summary.pages = out.pages;
        summary.records = out.records;
        summary.walks = 1;
        summary.stop_reason = out.stop.clone();
        res?;
        if let Some(cp) = &walk_cp {
            // The walk removes it when its stream ends; not when the cursor ended it early.
            match std::fs::remove_file(&cp.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Fail::Error(format!(
                        "cannot remove the walk checkpoint {}: {e}",
                        cp.path.display()
                    )));
                }
                _ => {}
            }
        }
        let new_state = r
            .incremental
            .as_ref()
            .zip(cursor)
            .map(|(spec, c)| ResourceState {
                cursor_path: spec.cursor_path.clone(),
                cursor: Some(c.finish()),
                parents: BTreeMap::new(),
            });
        Ok((new_state, out.values))
    }

    /// The output file of a written resource, cut to `len` (created when missing).
    fn open_output(&self, r: &ResourcePlan, len: u64) -> Result<Option<std::fs::File>, Fail> {
        let Some(dir) = self.dir() else {
            return Ok(None);
        };
        if !self.written.contains(&r.name) {
            return Ok(None);
        }
        let path = dir.join(format!("{}.ndjson", r.name));
        let open = || -> std::io::Result<std::fs::File> {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            // Cutting back is the resume; growing would pad the output with NULs.
            let have = f.metadata()?.len();
            if have < len {
                return Err(std::io::Error::other(format!(
                    "it is shorter ({have} bytes) than its checkpoint says ({len}); run without --resume to start over"
                )));
            }
            f.set_len(len)?;
            let mut f = f;
            std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(len))?;
            Ok(f)
        };
        open()
            .map(Some)
            .map_err(|e| Fail::Error(format!("cannot write {}: {e}", path.display())))
    }

    fn scope<'a>(
        &self,
        r: &ResourcePlan,
        parent: Option<&'a Value>,
        cursor: Option<&Cursor<'_>>,
    ) -> Scope<'a> {
        let mut incremental = Map::new();
        if let (Some(spec), Some(c)) = (&r.incremental, cursor) {
            incremental.insert("start_value".into(), c.start.clone());
            incremental.insert("last_value".into(), c.start.clone());
            incremental.insert(
                "initial_value".into(),
                spec.initial_value.clone().unwrap_or(Value::Null),
            );
            incremental.insert(
                "end_value".into(),
                spec.end_value.clone().unwrap_or(Value::Null),
            );
        }
        Scope {
            parent_name: None,
            parent,
            incremental,
        }
    }

    /// One walk: renders the request, walks every page, filters and writes the records.
    #[allow(clippy::too_many_arguments)]
    async fn walk(
        &self,
        r: &ResourcePlan,
        scope: &Scope<'_>,
        mut cursor: Option<&mut Cursor<'_>>,
        keep: bool,
        out: &mut WalkOut,
        mut file: Option<&mut std::fs::File>,
        walk_cp: Option<&WalkCheckpoint>,
    ) -> Result<(), Fail> {
        let lookup = |e: &Expr| scope.lookup(e);
        let path = template::render(&r.path, &lookup, true)?;
        let mut p = self.client.paginate(&path);
        if r.method == EndpointMethod::Post {
            p = p.method(Method::POST);
        }
        for (k, v) in &r.params {
            for value in param_values(v, &lookup).map_err(|e| format!("param `{k}`: {e}"))? {
                p = p.param(k.clone(), value);
            }
        }
        if let (Some(spec), Some(c)) = (&r.incremental, cursor.as_deref()) {
            if let Some(sp) = &spec.start_param
                && !c.start.is_null()
            {
                p = p.param(sp.clone(), template::scalar_text(&c.start, sp)?);
            }
            if let (Some(ep), Some(end)) = (&spec.end_param, &spec.end_value) {
                p = p.param(ep.clone(), template::scalar_text(end, ep)?);
            }
        }
        if let Some(j) = &r.json {
            p = p.json(&template::render_json(j, &lookup)?);
        }
        if let Some(d) = &r.data {
            match template::render_json(d, &lookup)? {
                Value::Object(m) => {
                    let fields: Vec<(String, String)> = m
                        .into_iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                        .collect();
                    p = p.form(fields);
                }
                _ => return Err(Fail::Error("`data` must be an object (a form)".into())),
            }
        }
        for (k, v) in &r.headers {
            let pieces = template::parse(v).map_err(|e| e.to_string())?;
            p = p.header(k, &template::render(&pieces, &lookup, false)?);
        }
        match &r.auth {
            Some(None) => p = p.without_auth(),
            Some(Some(spec)) => match self.auths.get(&r.name) {
                Some(a) => p = p.auth(Arc::clone(a)),
                None => p = p.auth(spec.build()?),
            },
            None => {}
        }
        if let Some(spec) = &r.paginator {
            p = match spec.build()? {
                Some(pg) => p.paginator(pg),
                // `auto` on the endpoint means detection, not the client's paginator (dlt
                // falls back to the client's: reference §7.2).
                None => p.detect_paginator(),
            };
        }
        if let Some(s) = &r.data_selector {
            p = p.data_selector(s);
        }
        if !r.response_actions.is_empty() {
            let actions = r.response_actions.clone();
            p = p.hook(move |resp| {
                for a in &actions {
                    let status_ok = a.status_code.is_none_or(|s| resp.status().as_u16() == s);
                    let content_ok = a
                        .content
                        .as_ref()
                        .is_none_or(|c| resp.text().contains(c.as_str()));
                    if status_ok && content_ok {
                        return HookAction::Ignore;
                    }
                }
                HookAction::Continue
            });
        }
        let mut pages = match walk_cp {
            Some(cp) => p
                .checkpoint_saved_by_caller(&cp.path, cp.identity.clone())
                .try_pages()?,
            None => p.pages(),
        };
        // The output's length, as the walk checkpoint saves it.
        let mut written: u64 = 0;
        if let (Some(cp), Some(f)) = (walk_cp, file.as_deref_mut()) {
            let resumed = pages.resumed_extra().cloned();
            written = resumed
                .as_ref()
                .and_then(|e| e.get("output_len"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let have = f.metadata().map_or(0, |m| m.len());
            if have < written {
                return Err(Fail::Error(format!(
                    "{} is shorter ({have} bytes) than its walk checkpoint {} says ({written}); run without --resume to start over",
                    cp.output.display(),
                    cp.path.display()
                )));
            }
            let mut cut = || -> std::io::Result<()> {
                f.set_len(written)?;
                std::io::Seek::seek(f, std::io::SeekFrom::Start(written)).map(|_| ())
            };
            cut().map_err(|e| format!("cannot cut {}: {e}", cp.output.display()))?;
            if let Some(extra) = resumed {
                let count = |k: &str| extra.get(k).and_then(Value::as_u64).unwrap_or(0);
                out.pages = count("pages");
                out.records = count("records");
                if let (Some(c), Some(saved)) = (cursor.as_deref_mut(), extra.get("cursor")) {
                    let snap = serde_json::from_value(saved.clone()).map_err(|e| {
                        format!(
                            "the walk checkpoint {} has no valid cursor ({e}); delete it to start over",
                            cp.path.display()
                        )
                    })?;
                    c.restore(snap);
                }
                if keep {
                    // The children need every record: the saved part is read back.
                    out.values = read_ndjson(&cp.output).ok_or_else(|| {
                        format!(
                            "cannot read the records of the interrupted run back from {}",
                            cp.output.display()
                        )
                    })?;
                }
                if cursor.as_deref().is_some_and(|c| c.done) {
                    out.stop = Some("incremental row_order: the rest is out of range".into());
                    return Ok(());
                }
            }
        }
        let mut cancel = self.cancel.clone();
        loop {
            let next = tokio::select! {
                biased;
                () = cancelled(&mut cancel) => return Err(Fail::Cancelled),
                next = pages.next() => next,
            };
            let Some(page) = next else { break };
            let page = page?;
            out.pages += 1;
            let mut buf = Vec::new();
            let values = page.records();
            for (value, raw) in values.iter().zip(page.raw_records()) {
                if let Some(c) = cursor.as_deref_mut()
                    && matches!(c.check(value)?, Verdict::Drop)
                {
                    continue;
                }
                let mut value_out = None;
                if !r.include_from_parent.is_empty() {
                    value_out = Some(with_parent_fields(r, scope, value)?);
                }
                match (&value_out, &self.sink) {
                    (_, Sink::Channel(tx)) => {
                        if self.written.contains(&r.name) {
                            let record = value_out.clone().unwrap_or_else(|| value.clone());
                            let item = RunRecord {
                                resource: r.name.clone(),
                                record,
                            };
                            if tx.send(Ok(item)).await.is_err() {
                                return Err(Fail::Cancelled);
                            }
                        }
                    }
                    (Some(v), Sink::Dir(_)) => {
                        serde_json::to_writer(&mut buf, v).map_err(|e| e.to_string())?;
                        buf.push(b'\n');
                    }
                    (None, Sink::Dir(_)) => {
                        crate::records::write_compact(raw.get().as_bytes(), &mut buf);
                        buf.push(b'\n');
                    }
                }
                out.records += 1;
                if keep {
                    out.values.push(value_out.unwrap_or_else(|| value.clone()));
                }
            }
            match file.as_deref_mut() {
                Some(f) => f
                    .write_all(&buf)
                    .and_then(|()| f.flush())
                    .map_err(|e| format!("cannot write the output: {e}"))?,
                None => out.bytes.extend_from_slice(&buf),
            }
            if walk_cp.is_some() {
                // The page is in the output before the checkpoint says so.
                written += buf.len() as u64;
                let extra = serde_json::json!({
                    "output_len": written,
                    "pages": out.pages,
                    "records": out.records,
                    "cursor": cursor.as_deref().map(Cursor::snapshot),
                });
                pages.save_checkpoint(extra, &mut |_| {})?;
            }
            if scope.parent.is_none() {
                self.report(Progress::Page {
                    resource: r.name.clone(),
                    pages: out.pages,
                    records: out.records,
                });
            }
            if cursor.as_deref().is_some_and(|c| c.done) {
                out.stop = Some("incremental row_order: the rest is out of range".into());
                return Ok(());
            }
        }
        out.stop = pages.stop_reason().map(|s| s.to_string());
        out.ignored = matches!(pages.stop_reason(), Some(crate::StopReason::IgnoredByHook));
        Ok(())
    }

    /// A child resource: one walk per parent record, `concurrency` at once, appended whole in
    /// parent order; a checkpoint after each.
    async fn walk_children(
        &self,
        r: &ResourcePlan,
        parents: &[Value],
        state: Option<&ResourceState>,
        checkpoint: Option<Checkpoint>,
        keep: bool,
        summary: &mut ResourceSummary,
    ) -> Result<(Option<ResourceState>, Vec<Value>), Fail> {
        let parent_name: &str = r.parent.as_deref().unwrap_or_default();
        let mut cp = checkpoint.unwrap_or_default();
        let mut file = self.open_output(r, cp.output_len)?;
        if file.is_none() {
            cp = Checkpoint::default();
        }
        summary.records = cp.records;
        summary.pages = cp.pages;
        summary.walks = cp.walks;
        let mut cursors: BTreeMap<String, CursorState> =
            state.map(|s| s.parents.clone()).unwrap_or_default();
        for (k, c) in &cp.done_parents {
            if let (Some(c), Some(plain)) = (c, k.rsplit_once('#')) {
                cursors.insert(plain.0.to_owned(), c.clone());
            }
        }
        // Keys first: a parent without a field fails the resource before any child request.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut jobs = Vec::new();
        for (i, rec) in parents.iter().enumerate() {
            let key = parent_key(r, parent_name, i, rec)?;
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            let done_key = format!("{key}#{n}");
            if cp.done_parents.contains_key(&done_key) {
                continue;
            }
            let prior = cursors.get(&key).cloned();
            jobs.push((key, done_key, i, prior));
        }
        let mut values = Vec::new();
        let results = futures::stream::iter(jobs.into_iter().map(|(key, done_key, i, prior)| {
            self.child_walk(r, parent_name, key, done_key, parents.get(i), prior, keep)
        }))
        .buffered(self.concurrency.max(1));
        futures::pin_mut!(results);
        while let Some((key, done_key, res)) = results.next().await {
            let out = match res {
                Ok(out) => out,
                Err(Fail::Error(e)) => {
                    return Err(Fail::Error(format!("{parent_name} record {key}: {e}")));
                }
                Err(c) => return Err(c),
            };
            if let Some(f) = file.as_mut() {
                f.write_all(&out.bytes)
                    .and_then(|()| f.flush())
                    .map_err(|e| format!("cannot write the output: {e}"))?;
                cp.output_len += out.bytes.len() as u64;
            }
            summary.pages += out.pages;
            summary.records += out.records;
            summary.walks += 1;
            summary.ignored_walks += u64::from(out.ignored);
            cp.pages = summary.pages;
            cp.records = summary.records;
            cp.walks = summary.walks;
            if let Some(c) = &out.cursor {
                cursors.insert(key.clone(), c.clone());
            }
            cp.done_parents.insert(done_key, out.cursor.clone());
            if let Some(dir) = self.dir().filter(|_| file.is_some()) {
                cp.save(dir, &r.name)
                    .map_err(|e| format!("cannot save the checkpoint: {e}"))?;
            }
            values.extend(out.values);
            self.report(Progress::Page {
                resource: r.name.clone(),
                pages: summary.pages,
                records: summary.records,
            });
        }
        let new_state = r.incremental.as_ref().map(|spec| ResourceState {
            cursor_path: spec.cursor_path.clone(),
            cursor: None,
            parents: cursors,
        });
        Ok((new_state, values))
    }
}

impl Engine {
    /// One child walk, for one parent record.
    #[allow(clippy::too_many_arguments)]
    async fn child_walk(
        &self,
        r: &ResourcePlan,
        parent_name: &str,
        key: String,
        done_key: String,
        rec: Option<&Value>,
        prior: Option<CursorState>,
        keep: bool,
    ) -> (String, String, Result<WalkOut, Fail>) {
        let mut cursor = r
            .incremental
            .as_ref()
            .map(|spec| Cursor::new(spec, prior.as_ref(), r.primary_key()));
        let mut scope = self.scope(r, rec, cursor.as_ref());
        scope.parent_name = Some(parent_name);
        let mut out = WalkOut::default();
        let res = self
            .walk(r, &scope, cursor.as_mut(), keep, &mut out, None, None)
            .await;
        out.cursor = cursor.map(Cursor::finish);
        (key, done_key, res.map(|()| out))
    }
}

/// A top-level walk's checkpoint: where it is, what names the walk, the output it measures.
struct WalkCheckpoint {
    path: PathBuf,
    identity: Value,
    output: PathBuf,
}

fn walk_checkpoint_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(".checkpoints").join(format!("{name}.walk.json"))
}

/// Every line of an NDJSON file as a value; `None` when it cannot be read or a line is not JSON.
fn read_ndjson(path: &Path) -> Option<Vec<Value>> {
    let file = std::fs::File::open(path).ok()?;
    std::io::BufReader::new(file)
        .lines()
        .map(|l| l.ok().and_then(|l| serde_json::from_str(&l).ok()))
        .collect()
}

fn kept_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(".checkpoints")
        .join(format!("{name}.records.ndjson"))
}

fn restore_summary(v: Value, base: &ResourceSummary) -> Option<ResourceSummary> {
    let mut s = base.clone();
    s.pages = v.get("pages")?.as_u64()?;
    s.records = v.get("records")?.as_u64()?;
    s.walks = v.get("walks")?.as_u64()?;
    s.ignored_walks = v.get("ignored_walks")?.as_u64()?;
    s.stop_reason = v.get("stop_reason")?.as_str().map(str::to_owned);
    s.incremental = v.get("incremental").cloned().filter(|v| !v.is_null());
    Some(s)
}

/// The values of a query param: a list repeats the key, `null` (or a placeholder that renders
/// null, alone in the value) leaves it out.
fn param_values(
    v: &Value,
    lookup: &dyn Fn(&Expr) -> Result<Value, String>,
) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => {
            let pieces = template::parse(s).map_err(|e| e.to_string())?;
            if let Some(e) = template::whole(&pieces) {
                let value = lookup(e)?;
                return match value {
                    Value::Null => Ok(Vec::new()),
                    other => Ok(vec![template::scalar_text(&other, &e.text())?]),
                };
            }
            Ok(vec![template::render(&pieces, lookup, false)?])
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(param_values(i, lookup)?);
            }
            Ok(out)
        }
        other => Ok(vec![other.to_string()]),
    }
}

/// The key of a parent record: the values the child's requests use, as JSON. A missing or null
/// field is an error naming the resource and the record.
fn parent_key(
    r: &ResourcePlan,
    parent: &str,
    index: usize,
    record: &Value,
) -> Result<String, Fail> {
    let mut key = Map::new();
    for e in &r.parent_exprs {
        if let Expr::Resource { field, .. } = e {
            match parent_field(record, field) {
                Some(Value::Null) | None => {
                    let fields: Vec<&String> = record
                        .as_object()
                        .map(|m| m.keys().collect())
                        .unwrap_or_default();
                    return Err(Fail::Error(format!(
                        "resource `{}` needs the field `{field}` of each `{parent}` record, but record {index} of `{parent}` has {} (its fields: {fields:?})",
                        r.name,
                        if record.get(field).is_some_and(Value::is_null) {
                            "it null"
                        } else {
                            "none"
                        },
                    )));
                }
                Some(v) => {
                    key.insert(field.clone(), v);
                }
            }
        }
    }
    for f in &r.include_from_parent {
        if record.get(f).is_none() {
            return Err(Fail::Error(format!(
                "resource `{}` includes `{f}` from each `{parent}` record (as `_{parent}_{f}`), but record {index} has no such field",
                r.name
            )));
        }
    }
    Ok(serde_json::to_string(&key).unwrap_or_default())
}

/// The child record with `_<parent>_<field>` added for each `include_from_parent` field.
fn with_parent_fields(r: &ResourcePlan, scope: &Scope<'_>, value: &Value) -> Result<Value, String> {
    let parent = r
        .parent
        .as_deref()
        .or(scope.parent_name)
        .unwrap_or_default();
    let Some(record) = scope.parent else {
        return Ok(value.clone());
    };
    let Value::Object(map) = value else {
        return Err(format!(
            "`include_from_parent` needs object records, got {}",
            crate::spec::kind_of(value)
        ));
    };
    let mut map = map.clone();
    for f in &r.include_from_parent {
        let v = record.get(f).cloned().unwrap_or(Value::Null);
        map.insert(format!("_{parent}_{f}"), v);
    }
    Ok(Value::Object(map))
}
