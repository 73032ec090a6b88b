//! Runs of dlt `rest_api` configs: every resource of a config walked with one client, parents
//! before children, incremental state kept between runs.
//!
//! A config is dlt's `rest_api` dict as a file (JSON, TOML or YAML, by extension) or a
//! [`Value`]: `client`, `resource_defaults`, `resources`, with dlt's meanings (the crate's
//! differences page lists where restclient does better). [`Run::from_value`] and
//! [`Run::from_file`] check it whole before any request, and a mistake names its key path:
//!
//! ```
//! use restclient::run::Run;
//! use serde_json::json;
//!
//! let err = Run::from_value(json!({
//!     "client": {"base_url": "https://api.example.com/"},
//!     "resources": [{"name": "issues", "endpoint": {"paginator": {"type": "offset", "limit": "x"}}}],
//! })).unwrap_err();
//! assert_eq!(err.to_string(), "resources[0].endpoint.paginator.limit: expected an integer, got a string");
//!
//! let err = Run::from_value(json!({
//!     "client": {"base_url": "https://api.example.com/"},
//!     "resources": [{"name": "comments", "endpoint": "issues/{resources.issue.id}/comments"}],
//! })).unwrap_err();
//! assert!(err.to_string().contains("parent resource `issue` that does not exist"));
//! ```
//!
//! Then [`Run::run_to_dir`] writes a *load* into the directory, as dlt's filesystem destination
//! lays it out: `DIR/<table>/<load_id>.ndjson` per written resource, `DIR/summary.json`, and
//! the state file; it returns the [`Summary`]. Runs accumulate: a second run adds its own files
//! (or replaces a table's, for `write_disposition: replace`). [`Run::records`] hands every
//! record to a Rust program instead:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use restclient::run::Run;
//! let summary = Run::from_file("github.yaml")?
//!     .select(["issue_comments"])?   // and the parents it needs, not written
//!     .parallel(4)
//!     .run_to_dir("out")
//!     .await?;
//! println!("{} records, {} failed resources", summary.records, summary.failed);
//! # Ok(()) }
//! ```
//!
//! One [`RestClient`] serves the whole run (each resource's auth, headers
//! and paginator are per-call settings), so every resource and child walk shares connections
//! and pacing. Parents are walked once, however many children use them, and their records
//! reach the children as they are saved; a child resource makes one walk per parent record,
//! `concurrency` at once, written page by page in parent order, so memory is bounded by the
//! pages in flight. One failing resource does not stop the others. A top-level resource and
//! its descendants commit together (their files into place, their state) once all of them are
//! written, and a child keeps one incremental cursor per parent record.
//!
//! [`Run::resources`] hands out the same config's resources to walk one at a time instead,
//! for a caller that keeps the records and the state itself (the Python package's dlt source
//! is built on it): see [`Resources`].
//!
#![doc = include_str!("../docs/run.md")]

mod children;
mod emit;
mod engine;
mod feed;
mod incremental;
mod layout;
mod load;
mod plan;
mod request;
mod resource;
mod resources;
mod state;
mod summary;
mod template;
mod top;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::RestClient;
use crate::config::RuntimeConfig;
use crate::error::Error;
use crate::spec::{EnvExpander, SpecError};

pub use incremental::CursorState;
pub use layout::WriteDisposition;
pub use resources::{ParentDone, Resource, ResourcePage, ResourceWalk, Resources, WalkItem};
pub use summary::{ResourceStatus, ResourceSummary, Summary};

use engine::{Delivery, Engine, Sink};
use load::{Load, LoadIdentity, Pending};
use plan::Plan;
use state::StateFile;

/// A progress callback (see [`Run::on_progress`]).
pub(crate) type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What a run reports while it goes, for progress displays.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Progress {
    /// A resource started walking.
    Started {
        /// The resource.
        resource: String,
    },
    /// A page arrived.
    Page {
        /// The resource.
        resource: String,
        /// Pages so far (of this walk).
        pages: u64,
        /// Records delivered so far (of this walk).
        records: u64,
    },
    /// A resource ended.
    Finished {
        /// The resource.
        resource: String,
        /// Whether it completed.
        ok: bool,
    },
}

/// One record of a run, from [`Run::records`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunRecord {
    /// The resource it belongs to.
    pub resource: String,
    /// The record (with `_<parent>_<field>` keys for `include_from_parent`).
    pub record: Value,
}

/// A checked `rest_api` config and how to run it.
#[must_use]
pub struct Run {
    plan: Plan,
    selected: Option<BTreeSet<String>>,
    parallel: usize,
    concurrency: usize,
    runtime: RuntimeConfig,
    state_file: Option<PathBuf>,
    pending: Pending,
    checkpoint_interval: Duration,
    progress: Option<ProgressFn>,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// Identifies the config, so that checkpoints of another config are not resumed.
    fingerprint: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field(
                "resources",
                &self
                    .plan
                    .resources
                    .iter()
                    .map(|r| &r.name)
                    .collect::<Vec<_>>(),
            )
            .field("selected", &self.selected)
            .field("parallel", &self.parallel)
            .field("concurrency", &self.concurrency)
            .field("state_file", &self.state_file)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// Checks a config given as a value; `${NAME}` reads the process environment.
    ///
    /// # Errors
    /// A [`SpecError`] naming the key path of the first problem (unknown keys, wrong types,
    /// unknown paginator or auth types, a missing parent, a cycle, `processing_steps`, ...).
    pub fn from_value(config: Value) -> Result<Run, SpecError> {
        Run::from_value_with_env(config, &mut EnvExpander::from_process())
    }

    /// As [`from_value`](Self::from_value), with `${NAME}` read through `env`.
    ///
    /// # Errors
    /// As [`from_value`](Self::from_value).
    pub fn from_value_with_env(config: Value, env: &mut EnvExpander<'_>) -> Result<Run, SpecError> {
        // Of the config as written (before `${NAME}`): a rotated token does not stop a resume.
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            config.to_string().hash(&mut h);
            format!("{:016x}", h.finish())
        };
        let as_written = config.clone();
        let plan = plan::plan(config, env)?;
        layout::check(&plan, &as_written)?;
        // Build the client once now, so that a bad header or auth is a config error.
        build_client(&plan, &RuntimeConfig::default())
            .map_err(|e| SpecError::new("client", e.to_string()))?;
        for (i, r) in plan.resources.iter().enumerate() {
            if let Some(Some(a)) = &r.auth {
                a.build().map_err(|e| {
                    SpecError::new(format!("resources[{i}].endpoint.auth"), e.to_string())
                })?;
            }
        }
        Ok(Run {
            plan,
            selected: None,
            parallel: 4,
            concurrency: 4,
            runtime: RuntimeConfig::default(),
            state_file: None,
            pending: Pending::Refuse,
            checkpoint_interval: Duration::from_millis(50),
            progress: None,
            shutdown: None,
            fingerprint,
        })
    }

    /// Reads and checks a config file: `.json`, `.toml`, `.yaml` or `.yml`.
    ///
    /// # Errors
    /// As [`from_value`](Self::from_value); a file that cannot be read or parsed has an empty
    /// key path and says where it went wrong (never what the file says: it may hold secrets).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Run, SpecError> {
        Run::from_value(plan::read_file(path.as_ref())?)
    }

    /// The names of the config's resources, parents before children.
    #[must_use]
    pub fn resource_names(&self) -> Vec<&str> {
        self.plan
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .collect()
    }

    /// Runs only these resources, plus the parents they need (walked, not written).
    ///
    /// # Errors
    /// A [`SpecError`] for a name that is not a resource of the config.
    pub fn select<I, S>(mut self, names: I) -> Result<Run, SpecError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set = BTreeSet::new();
        for n in names {
            let n = n.into();
            if !self.plan.resources.iter().any(|r| r.name == n) {
                return Err(SpecError::new(
                    "",
                    format!(
                        "no resource named `{n}` (the config has: {})",
                        self.resource_names().join(", ")
                    ),
                ));
            }
            set.insert(n);
        }
        self.selected = (!set.is_empty()).then_some(set);
        Ok(self)
    }

    /// How many top-level resources walk at once, each with the descendants the run needs
    /// (default 4; at least 1). A parent and its children always walk together: the children
    /// take the parent's records as they are saved.
    pub fn parallel(mut self, n: usize) -> Run {
        self.parallel = n.max(1);
        self
    }

    /// How many child walks (one per parent record) of one resource are in flight at once
    /// (default 4; at least 1, at most the runtime config's `max_concurrency`). Their output is
    /// still written in parent order: the oldest walk writes its pages as they come, the others
    /// hold at most two pages each and then wait.
    pub fn concurrency(mut self, n: usize) -> Run {
        self.concurrency = n.max(1);
        self
    }

    /// The runtime settings of the run's one client (timeouts, retries, limits, pacing).
    pub fn runtime_config(mut self, config: RuntimeConfig) -> Run {
        self.runtime = config;
        self
    }

    /// Where the incremental state lives (default `DIR/state.json` for
    /// [`run_to_dir`](Self::run_to_dir); no state for [`records`](Self::records) unless set).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Run {
        self.state_file = Some(path.into());
        self
    }

    /// Continue an interrupted (or partly failed) [`run_to_dir`](Self::run_to_dir) from its
    /// checkpoints, or start afresh when there is nothing to continue (so a scheduled job can
    /// always ask for it). Committed subtrees are not walked again, a resource goes on after
    /// the last page and parent record it saved, and every record ends up in the output
    /// exactly once. Without `resume` (or [`restart`](Self::restart)), a directory holding an
    /// interrupted run is refused, before any request.
    pub fn resume(mut self, resume: bool) -> Run {
        if resume {
            self.pending = Pending::Resume;
        } else if self.pending == Pending::Resume {
            self.pending = Pending::Refuse;
        }
        self
    }

    /// Discard an interrupted run found in the directory (its checkpoints and the data it has
    /// not committed, under `DIR/_pending/`) and start afresh. What it committed stays.
    pub fn restart(mut self, restart: bool) -> Run {
        if restart {
            self.pending = Pending::Restart;
        } else if self.pending == Pending::Restart {
            self.pending = Pending::Refuse;
        }
        self
    }

    /// How often a resource's checkpoint is saved at most (default 50 ms): a parent's records
    /// reach its children as its checkpoint counts them, and a fast API would spend more time
    /// saving than walking if every page and child walk saved. A crash repeats at most this
    /// much work (never a record twice); a stop (a signal, an error, the end) always saves.
    /// `Duration::ZERO` saves after every page and child walk.
    pub fn checkpoint_interval(mut self, interval: Duration) -> Run {
        self.checkpoint_interval = interval;
        self
    }

    /// Called as resources start, receive pages and end.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Run {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Stops the run when `signal` completes (as axum's graceful shutdown does): no new
    /// requests, whole lines kept, checkpoints saved, [`Summary::interrupted`] set.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let summary = restclient::run::Run::from_file("tracker.yaml")?
    ///     .shutdown(async { tokio::signal::ctrl_c().await.ok(); })
    ///     .run_to_dir("out")
    ///     .await?;
    /// if summary.interrupted {
    ///     eprintln!("interrupted: run again with resume(true) to continue");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn shutdown(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Run {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// What the run would do, resource by resource (parents before children), without a
    /// request: what `restclient run --check` lists.
    #[must_use]
    pub fn describe(&self) -> Vec<ResourceInfo> {
        let (written, needed) = self.written_and_needed();
        let client_paginator = self.plan.client.paginator.as_ref().map(describe_paginator);
        self.plan
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| ResourceInfo {
                name: r.name.clone(),
                parent: r.parent.clone(),
                written: written[i],
                walked: needed[i],
                table: r.table_name().to_owned(),
                write_disposition: r.write_disposition(),
                paginator: r
                    .paginator
                    .as_ref()
                    .map(describe_paginator)
                    .or_else(|| client_paginator.clone())
                    .unwrap_or_else(|| Value::from("auto")),
                data_selector: r.data_selector.clone(),
                incremental: r.incremental.as_ref().map(|inc| {
                    serde_json::json!({
                        "cursor_path": inc.cursor_path,
                        "initial_value": inc.initial_value,
                        "end_value": inc.end_value,
                    })
                }),
                primary_key: r.primary_key().cloned(),
            })
            .collect()
    }

    fn engine(mut self, sink: Sink, state_path: Option<PathBuf>) -> Result<Engine, Error> {
        let client = build_client(&self.plan, &self.runtime)?;
        let (written, needed) = self.written_and_needed();
        let state = match &state_path {
            Some(p) => StateFile::load(p)?,
            None => StateFile::default(),
        };
        let (stop, cancel) = watch::channel(false);
        if let Some(signal) = self.shutdown.take() {
            // Lives as long as the run: it ends when the signal fires or the engine (holding
            // every receiver) is dropped.
            tokio::spawn(async move {
                tokio::select! {
                    () = signal => { let _ = stop.send(true); }
                    () = stop.closed() => {}
                }
            });
        }
        let mut auths = std::collections::BTreeMap::new();
        for r in &self.plan.resources {
            if let Some(Some(spec)) = &r.auth {
                auths.insert(r.name.clone(), spec.build()?);
            }
        }
        let children = self
            .plan
            .resources
            .iter()
            .map(|p| {
                self.plan
                    .resources
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| needed[*i] && c.parent.as_deref() == Some(p.name.as_str()))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        Ok(Engine {
            plan: self.plan,
            client,
            auths,
            written,
            needed,
            children,
            parallel: self.parallel,
            concurrency: self.concurrency.min(self.runtime.max_concurrency.max(1)),
            checkpoint_interval: self.checkpoint_interval,
            cancel,
            progress: self.progress,
            sink,
            state,
            state_path,
            commit_lock: Mutex::new(()),
        })
    }

    /// Per resource: whether its records are written, and whether it is walked (written, or a
    /// parent of a walked resource).
    fn written_and_needed(&self) -> (Vec<bool>, Vec<bool>) {
        let written: Vec<bool> = self
            .plan
            .resources
            .iter()
            .map(|r| {
                let chosen = match &self.selected {
                    Some(s) => s.contains(&r.name),
                    None => r.selected,
                };
                chosen && r.write_disposition() != WriteDisposition::Skip
            })
            .collect();
        let mut needed = written.clone();
        // Children come after their parents: one pass from the end reaches every ancestor.
        for i in (0..self.plan.resources.len()).rev() {
            if needed[i]
                && let Some(p) = &self.plan.resources[i].parent
                && let Some(j) = self.plan.resources.iter().position(|x| &x.name == p)
            {
                needed[j] = true;
            }
        }
        (written, needed)
    }

    /// Runs the config as one load into `dir` (see the [module docs](self) and the guide):
    /// `DIR/<table>/<load_id>.ndjson` for each written resource, `DIR/summary.json`, and the
    /// state file (default `DIR/state.json`).
    ///
    /// A failing resource does not stop the others: it is marked in the summary (check
    /// [`Summary::is_success`]), and its subtree is left to [`resume`](Self::resume).
    ///
    /// # Errors
    /// Only for what stops the whole run, before any request: the directory cannot be used or
    /// is locked by another run, it holds an interrupted run and neither `resume` nor
    /// `restart` was asked for (a [builder error](Error::is_builder)), the state file cannot be
    /// read or is of an unknown version, or the client cannot be built.
    pub async fn run_to_dir(self, dir: impl AsRef<Path>) -> Result<Summary, Error> {
        let dir = dir.as_ref().to_path_buf();
        let state_path = self
            .state_file
            .clone()
            .unwrap_or_else(|| dir.join("state.json"));
        let (written, _) = self.written_and_needed();
        let identity = LoadIdentity {
            config: self.fingerprint.clone(),
            written: self
                .plan
                .resources
                .iter()
                .zip(written)
                .filter(|(_, w)| *w)
                .map(|(r, _)| r.name.clone())
                .collect(),
            state: std::path::absolute(&state_path).unwrap_or_else(|_| state_path.clone()),
        };
        // The state file is checked before the directory is touched.
        StateFile::load(&state_path)?;
        let load = Load::open(&dir, &identity, self.pending)?;
        let engine = self.engine(Sink::Dir(load), Some(state_path))?;
        Ok(engine.run().await)
    }

    /// Runs the config and yields every written resource's records as they arrive: a
    /// resource's records in order (a child's in parent order), records of different resources
    /// interleaved; each record names its resource, and `include_from_parent` names its parent.
    /// A failing resource yields one error and the others go on. Memory stays bounded: a
    /// parent waits for its slowest child, and the run for this stream's reader. Dropping the
    /// stream stops the run (as [`shutdown`](Self::shutdown) does).
    ///
    /// Nothing is written but the state file, if one is set: a top-level resource and its
    /// descendants commit their states once all of them are through *and* this stream's reader
    /// has taken every one of their records and asks for the next item. A reader that stops
    /// earlier (drops the stream, crashes) leaves the state where it was, and the next run
    /// delivers those records again: at least once, never lost. Exactly once across a crash
    /// is the caller's to build (store the records before asking for more).
    /// Needs a Tokio runtime (the run is spawned on it).
    pub fn records(mut self) -> RunRecords {
        let (tx, rx) = mpsc::channel(256);
        // A reader that drops the stream stops the run, as a shutdown signal does: a parent
        // that only feeds children would otherwise walk on for nobody.
        let gone = tx.clone();
        let user = self.shutdown.take();
        self.shutdown = Some(Box::pin(async move {
            match user {
                Some(signal) => tokio::select! {
                    () = signal => {}
                    () = gone.closed() => {}
                },
                None => gone.closed().await,
            }
        }));
        let summary = Arc::new(Mutex::new(None));
        let state_path = self.state_file.clone();
        match self.engine(Sink::Channel(tx.clone()), state_path.clone()) {
            Ok(engine) => {
                let slot = Arc::clone(&summary);
                tokio::spawn(async move {
                    let s = engine.run().await;
                    *slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(s);
                    drop(tx);
                });
            }
            Err(e) => {
                let _ = tx.try_send(Delivery::Record(Err(e)));
            }
        }
        RunRecords {
            rx,
            summary,
            state_path,
        }
    }
}

/// One resource as [`Run::describe`] lists it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResourceInfo {
    /// The resource's name.
    pub name: String,
    /// Its parent, for a child resource.
    pub parent: Option<String>,
    /// Its records are written (selected, and not `write_disposition: skip`).
    pub written: bool,
    /// It is walked: written, or a parent a written resource needs.
    pub walked: bool,
    /// The table it writes: `DIR/<table>/<load_id>.ndjson`.
    pub table: String,
    /// What a load does to the table's earlier files.
    pub write_disposition: WriteDisposition,
    /// The paginator, in dlt's `rest_api` form (`"auto"`: detected from the first response).
    pub paginator: Value,
    /// The data selector given (none: detected).
    pub data_selector: Option<String>,
    /// The incremental cursor: `cursor_path`, `initial_value`, `end_value`.
    pub incremental: Option<Value>,
    /// `primary_key`, as given.
    pub primary_key: Option<Value>,
}

fn describe_paginator(spec: &crate::spec::PaginatorSpec) -> Value {
    match spec.build() {
        Ok(Some(p)) => p.describe(),
        _ => Value::from(spec.type_name()),
    }
}

/// The records of a run, from [`Run::records`].
#[derive(Debug)]
pub struct RunRecords {
    rx: mpsc::Receiver<Delivery>,
    summary: Arc<Mutex<Option<Summary>>>,
    state_path: Option<PathBuf>,
}

impl RunRecords {
    /// The run's summary, once the stream has ended.
    #[must_use]
    pub fn summary(&self) -> Option<Summary> {
        self.summary
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Stream for RunRecords {
    type Item = Result<RunRecord, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match std::task::ready!(self.rx.poll_recv(cx)) {
                None => return Poll::Ready(None),
                Some(Delivery::Record(r)) => return Poll::Ready(Some(r)),
                // The reader took every record of the subtree: its states commit now.
                Some(Delivery::Commit(states)) => {
                    if let Some(path) = &self.state_path
                        && let Err(e) = StateFile::commit(path, states)
                    {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
        }
    }
}

/// The run's one client: base URL, the client headers (never interpolated, as in dlt), auth,
/// paginator, the `${NAME}` values as secrets.
fn build_client(plan: &Plan, runtime: &RuntimeConfig) -> Result<RestClient, Error> {
    let c = &plan.client;
    let mut b = RestClient::builder(c.base_url.clone()).runtime_config(runtime.clone());
    for (k, v) in &c.headers {
        b = b.header(k, v);
    }
    if let Some(a) = &c.auth {
        b = b.auth(a.build()?);
    }
    if let Some(p) = &c.paginator
        && let Some(p) = p.build()?
    {
        b = b.paginator(p);
    }
    for s in &plan.secrets {
        b = b.secret(s.clone());
    }
    b.build()
}
