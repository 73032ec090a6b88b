//! Running a planned config: one [`RestClient`] for every resource (so pacing and connections
//! are shared); per top-level resource a *subtree* (it and the descendants the run needs), at
//! most `parallel` subtrees at once; inside a subtree every resource at once, records flowing
//! from a parent to its children as they become durable ([`feed`](super::feed)); a subtree
//! commits when all of it is written ([`load`](super::load)).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::feed::{End, Feed, Publisher};
use super::layout::Layout;
use super::load::Load;
use super::plan::Plan;
use super::resource::{Fail, Out};
use super::state::{CommitFile, CommitRecord, ResourceCheckpoint, ResourceState, StateFile};
use super::summary::{ResourceStatus, ResourceSummary, Summary};
use super::{Progress, ProgressFn, RunRecord, children, top};
use crate::RestClient;
use crate::error::{Error, ErrorKind};

/// Where records go.
pub(crate) enum Sink {
    /// An output directory: the load staged and committed there.
    Dir(Load),
    /// One channel for every written resource's records.
    Channel(mpsc::Sender<Delivery>),
}

/// What the engine hands [`RunRecords`](super::RunRecords).
#[derive(Debug)]
pub(crate) enum Delivery {
    Record(Result<RunRecord, Error>),
    /// Every record of a subtree was sent before this: its new states, committed by the
    /// stream once its reader has taken all of them and asks for more (a reader that stops
    /// earlier gets them again next run, instead of a cursor past records it never had).
    Commit(BTreeMap<String, ResourceState>),
}

pub(crate) struct Engine {
    pub(crate) plan: Plan,
    pub(crate) client: RestClient,
    /// Each resource's own auth, built once (an OAuth2 token is fetched once per resource, not
    /// once per child walk).
    pub(crate) auths: BTreeMap<String, Arc<dyn crate::auth::Auth>>,
    /// Per resource (by index): its records are written; it is walked.
    pub(crate) written: Vec<bool>,
    pub(crate) needed: Vec<bool>,
    /// Per resource: its children the run needs.
    pub(crate) children: Vec<Vec<usize>>,
    pub(crate) parallel: usize,
    pub(crate) concurrency: usize,
    pub(crate) checkpoint_interval: Duration,
    pub(crate) cancel: watch::Receiver<bool>,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) sink: Sink,
    /// The state as the run started: every walk starts from it.
    pub(crate) state: StateFile,
    pub(crate) state_path: Option<PathBuf>,
    /// Subtrees commit one at a time (each rewrites the state file).
    pub(crate) commit_lock: Mutex<()>,
}

/// Waits until the run is stopped (forever when nobody can stop it).
pub(crate) async fn cancelled(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|c| *c).await.is_err() {
        futures::future::pending::<()>().await;
    }
}

/// What one resource's part of a run came to.
struct Outcome {
    summary: ResourceSummary,
    /// Its checkpoint once complete (the state to commit).
    checkpoint: ResourceCheckpoint,
}

impl Engine {
    pub(crate) fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(&p);
        }
    }

    pub(crate) fn has_dir(&self) -> bool {
        matches!(self.sink, Sink::Dir(_))
    }

    fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// The resource's incremental state as the run started (none when it has none, or its
    /// `cursor_path` changed: a new cursor starts fresh, as in dlt).
    pub(crate) fn prior_state(&self, r: &super::plan::ResourcePlan) -> Option<&ResourceState> {
        let inc = r.incremental.as_ref()?;
        self.state
            .resources
            .get(&r.name)
            .filter(|s| s.cursor_path == inc.cursor_path)
    }

    /// Runs every needed subtree; returns the summary (also written to the directory).
    pub(crate) async fn run(&self) -> Summary {
        let started = Instant::now();
        let roots: Vec<usize> = (0..self.plan.resources.len())
            .filter(|&i| self.needed[i] && self.plan.resources[i].parent.is_none())
            .collect();
        let done: Vec<(Vec<(usize, ResourceSummary)>, bool)> = futures::stream::iter(roots)
            .map(|root| self.subtree(root))
            .buffer_unordered(self.parallel.max(1))
            .collect()
            .await;
        let complete = done.iter().all(|(_, committed)| *committed);
        let mut all: Vec<(usize, ResourceSummary)> =
            done.into_iter().flat_map(|(s, _)| s).collect();
        all.sort_by_key(|(i, _)| *i);
        let load_id = match &self.sink {
            Sink::Dir(load) => Some(load.id.clone()),
            Sink::Channel(_) => None,
        };
        let summary = Summary::new(
            all.into_iter().map(|(_, s)| s).collect(),
            started.elapsed().as_secs_f64(),
            self.is_cancelled(),
            load_id,
            complete,
        );
        if let Sink::Dir(load) = &self.sink {
            let value = serde_json::to_value(&summary).unwrap_or(Value::Null);
            if let Err(e) = load.finish(&value, complete) {
                tracing::warn!("{e}");
            }
        }
        summary
    }

    /// The resources of the subtree of `root` the run needs, parents before children.
    fn members(&self, root: usize) -> Vec<usize> {
        let mut out = vec![root];
        let mut i = 0;
        while let Some(&m) = out.get(i) {
            out.extend(self.children[m].iter().copied());
            i += 1;
        }
        out.sort_unstable();
        out
    }

    /// One subtree: every resource at once, then the commit if all of it completed. Returns
    /// the summaries and whether the subtree is committed.
    async fn subtree(&self, root: usize) -> (Vec<(usize, ResourceSummary)>, bool) {
        let members = self.members(root);
        if let Some(done) = self.already_committed(root, &members) {
            return (done, true);
        }
        let mut feeds: BTreeMap<usize, Feed> = BTreeMap::new();
        let mut publishers: BTreeMap<usize, Publisher> = BTreeMap::new();
        for &m in &members {
            let kids = &self.children[m];
            if kids.is_empty() {
                continue;
            }
            let (publisher, list) = match &self.sink {
                Sink::Dir(load) => Publisher::file(
                    self.output_path(load, m),
                    super::feed::Published {
                        len: 0,
                        end: End::Running,
                    },
                    kids.len(),
                ),
                Sink::Channel(_) => Publisher::channel(kids.len()),
            };
            publishers.insert(m, publisher);
            feeds.extend(kids.iter().copied().zip(list));
        }
        let runs = members
            .iter()
            .map(|&m| self.resource(m, feeds.remove(&m), publishers.remove(&m)));
        let mut outcomes: Vec<(usize, Outcome)> = members
            .iter()
            .copied()
            .zip(futures::future::join_all(runs).await)
            .collect();
        let ok = outcomes.iter().all(|(_, o)| {
            matches!(
                o.summary.status,
                ResourceStatus::Completed | ResourceStatus::AlreadyCompleted
            )
        });
        let committed = ok
            && match &self.sink {
                Sink::Dir(load) => self.commit(load, root, &mut outcomes),
                Sink::Channel(tx) => self.hand_over_states(tx, &outcomes).await,
            };
        (
            outcomes.into_iter().map(|(i, o)| (i, o.summary)).collect(),
            committed,
        )
    }

    /// A subtree a resumed load committed already: its summaries, from the commit record.
    fn already_committed(
        &self,
        root: usize,
        members: &[usize],
    ) -> Option<Vec<(usize, ResourceSummary)>> {
        let Sink::Dir(load) = &self.sink else {
            return None;
        };
        let record = load.committed(&self.plan.resources[root].name)?;
        Some(
            members
                .iter()
                .map(|&m| {
                    let mut s = self.new_summary(m);
                    if let Some(saved) = record
                        .summaries
                        .iter()
                        .find(|v| v.get("name").and_then(Value::as_str) == Some(&s.name))
                    {
                        s.restore(saved);
                    }
                    s.status = ResourceStatus::AlreadyCompleted;
                    (m, s)
                })
                .collect(),
        )
    }

    fn new_summary(&self, m: usize) -> ResourceSummary {
        let r = &self.plan.resources[m];
        let mut s = ResourceSummary::new(
            &r.name,
            r.parent.clone(),
            self.written[m].then(|| r.table_name().to_owned()),
        );
        s.hints = r.hints.clone();
        s
    }

    /// The output a resource's records go to in the load: its staged data, or its spool.
    fn output_path(&self, load: &Load, m: usize) -> PathBuf {
        let r = &self.plan.resources[m];
        let name = if self.written[m] {
            "data.ndjson"
        } else {
            "spool.ndjson"
        };
        load.resource_dir(&r.name).join(name)
    }

    /// One resource: its output opened (resumed), its walks, its summary.
    async fn resource(
        &self,
        m: usize,
        feed: Option<Feed>,
        publisher: Option<Publisher>,
    ) -> Outcome {
        let started = Instant::now();
        let r = &self.plan.resources[m];
        let mut summary = self.new_summary(m);
        let mut cp = ResourceCheckpoint::default();
        let result = self.walk_resource(m, feed, publisher, &mut cp).await;
        summary.seconds = started.elapsed().as_secs_f64();
        summary.pages = cp.counters.pages;
        summary.walked = cp.counters.records;
        summary.records = if self.written[m] {
            cp.counters.records
        } else {
            0
        };
        summary.walks = cp.counters.walks;
        summary.ignored_walks = cp.counters.ignored_walks;
        summary.stop_reason = cp.stop_reason.clone();
        summary.incremental = cp.incremental.clone();
        if cp.counters.pages > 0 && cp.counters.unmatched_pages == cp.counters.pages {
            let selector = r.data_selector.as_deref().unwrap_or("(detected)");
            let warning = format!(
                "the data selector `{selector}` matched nothing on any of the {} pages",
                cp.counters.pages
            );
            tracing::warn!("resource `{}`: {warning}", r.name);
            summary.warning = Some(warning);
        }
        match result {
            Ok(already) => {
                summary.status = if already {
                    ResourceStatus::AlreadyCompleted
                } else {
                    ResourceStatus::Completed
                };
            }
            Err(Fail::Cancelled) => summary.status = ResourceStatus::Interrupted,
            Err(Fail::ParentStopped) => {
                let parent = r.parent.as_deref().unwrap_or_default();
                summary.status = ResourceStatus::Skipped;
                summary.error = Some(if cp.counters.walks == 0 && cp.counters.pages == 0 {
                    format!("not run: its parent `{parent}` did not complete")
                } else {
                    format!("stopped: its parent `{parent}` did not complete")
                });
            }
            Err(Fail::Error(e)) => {
                if let Sink::Channel(tx) = &self.sink {
                    let e = e.shallow_copy().context(format!("resource `{}`", r.name));
                    let _ = tx.send(Delivery::Record(Err(e))).await;
                }
                summary.fail(e);
            }
        }
        self.report(Progress::Finished {
            resource: r.name.clone(),
            ok: matches!(
                summary.status,
                ResourceStatus::Completed | ResourceStatus::AlreadyCompleted
            ),
        });
        Outcome {
            summary,
            checkpoint: cp,
        }
    }

    /// Opens the resource's output (cut back to its checkpoint on resume) and runs its walks;
    /// `Ok(true)` when a resumed load had completed it already.
    async fn walk_resource(
        &self,
        m: usize,
        feed: Option<Feed>,
        publisher: Option<Publisher>,
        cp: &mut ResourceCheckpoint,
    ) -> Result<bool, Fail> {
        let r = &self.plan.resources[m];
        let (mut out, journal) = match &self.sink {
            Sink::Dir(load) => {
                let dir = load.create_resource_dir(&r.name)?;
                let checkpoint = dir.join("checkpoint.json");
                let saved = if load.resumed {
                    ResourceCheckpoint::load(&checkpoint)?
                } else {
                    None
                };
                let resumed = saved.is_some();
                if let Some(saved) = saved {
                    *cp = saved;
                }
                let out = Out::file(
                    &r.name,
                    self.output_path(load, m),
                    checkpoint,
                    resumed.then_some(cp.output_len),
                    self.checkpoint_interval,
                    publisher,
                )?;
                let journal = r
                    .incremental
                    .is_some()
                    .then(|| (dir.join("cursors.ndjson"), resumed));
                (out, journal)
            }
            Sink::Channel(tx) => (
                Out::channel(&r.name, self.written[m].then(|| tx.clone()), publisher),
                None,
            ),
        };
        if cp.complete {
            out.end(End::Done, cp.output_len).await;
            return Ok(true);
        }
        // The children may read what the checkpoint counts at once.
        out.announce(cp.output_len).await;
        if self.is_cancelled() {
            return Err(Fail::Cancelled);
        }
        self.report(Progress::Started {
            resource: r.name.clone(),
        });
        let result = match feed {
            None => top::walk(self, r, cp, &mut out).await,
            Some(feed) => children::walk(self, r, cp, &mut out, feed, journal).await,
        };
        if result.is_err() {
            out.end(End::Stopped, cp.output_len).await;
        }
        result.map(|()| false)
    }

    /// Commits a subtree whose every resource completed; false (and the resources marked
    /// failed) when the commit could not be made.
    fn commit(&self, load: &Load, root: usize, outcomes: &mut [(usize, Outcome)]) -> bool {
        let _one_at_a_time = self
            .commit_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match self.commit_load(load, root, outcomes) {
            Ok(()) => true,
            Err(e) => {
                for (_, o) in outcomes.iter_mut() {
                    o.summary.fail(e.shallow_copy());
                }
                false
            }
        }
    }

    /// The new states of the subtree's written resources.
    fn states(&self, outcomes: &[(usize, Outcome)]) -> BTreeMap<String, ResourceState> {
        outcomes
            .iter()
            .filter(|(m, _)| self.written[*m])
            .filter_map(|(m, o)| {
                let s = o.checkpoint.state.clone()?;
                Some((self.plan.resources[*m].name.clone(), s))
            })
            .collect()
    }

    fn commit_load(
        &self,
        load: &Load,
        root: usize,
        outcomes: &mut [(usize, Outcome)],
    ) -> Result<(), Error> {
        let mut files = Vec::new();
        for (m, o) in outcomes.iter_mut() {
            let r = &self.plan.resources[*m];
            if !self.written[*m] {
                continue;
            }
            let replace = r.write_disposition() == super::layout::WriteDisposition::Replace;
            // An empty load of an appended table adds no file; a replaced table's empty load
            // empties it.
            if o.summary.records == 0 && !replace {
                continue;
            }
            let staged = self.output_path(load, *m);
            if !staged.exists() {
                crate::files::create(&staged).map_err(|e| {
                    Error::new(
                        ErrorKind::Other,
                        format!("cannot create {}: {e}", staged.display()),
                    )
                    .with_source(e)
                })?;
            }
            let file = Layout::table_file(r.table_name(), &load.id);
            o.summary.file = Some(file.display().to_string());
            files.push(CommitFile {
                table: r.table_name().to_owned(),
                staged: staged
                    .strip_prefix(&load.layout.root)
                    .unwrap_or(&staged)
                    .to_path_buf(),
                file,
                replace,
            });
        }
        let record = CommitRecord {
            root: self.plan.resources[root].name.clone(),
            files,
            // Absolute: a restart from another directory applies it to the same file.
            state_path: self
                .state_path
                .as_ref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
                .unwrap_or_default(),
            states: self.states(outcomes),
            summaries: outcomes
                .iter()
                .map(|(_, o)| serde_json::to_value(&o.summary).unwrap_or(Value::Null))
                .collect(),
        };
        load.commit(&record)
    }

    /// Without a directory: the subtree's states go to the stream after its records, to be
    /// committed there (when there is a state file); false when the reader has gone.
    async fn hand_over_states(
        &self,
        tx: &mpsc::Sender<Delivery>,
        outcomes: &[(usize, Outcome)],
    ) -> bool {
        if self.state_path.is_none() {
            return true;
        }
        let states = self.states(outcomes);
        states.is_empty() || tx.send(Delivery::Commit(states)).await.is_ok()
    }
}
