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
//! Then [`Run::run_to_dir`] writes `DIR/<resource>.ndjson` per resource, `DIR/summary.json`
//! and the state file, and returns the [`Summary`]; [`Run::records`] hands every record to a
//! Rust program instead:
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
//! and pacing. Parents are walked once, however many children use them; a child resource makes
//! one walk per parent record, `concurrency` at once, and writes each walk whole, in parent
//! order. One failing resource does not stop the others. State is saved per resource as it
//! completes, and a child keeps one incremental cursor per parent record.
//!
#![doc = include_str!("../docs/run.md")]

mod config;
mod engine;
mod incremental;
mod state;
mod summary;
mod template;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::Stream;
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::RestClient;
use crate::config::RuntimeConfig;
use crate::error::{Error, ErrorKind};
use crate::spec::{EnvExpander, SpecError};

pub use summary::{ResourceStatus, ResourceSummary, Summary};

use config::Plan;
use engine::{Engine, Sink};
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
    resume: bool,
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
            .field("resume", &self.resume)
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
        let plan = config::plan(config, env)?;
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
            resume: false,
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
        Run::from_value(config::read_file(path.as_ref())?)
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

    /// How many resources walk at once (default 4; at least 1).
    pub fn parallel(mut self, n: usize) -> Run {
        self.parallel = n.max(1);
        self
    }

    /// How many child walks (one per parent record) of one resource are in flight at once
    /// (default 4; at least 1, at most the runtime config's `max_concurrency`). Their output is
    /// still written in parent order.
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
    /// checkpoints: completed resources are skipped, a child resource skips the parent records
    /// it finished, a written top-level resource continues its walk after the last page it
    /// saved (`DIR/.checkpoints/<resource>.walk.json`, with its incremental cursor as it stood),
    /// and every record ends up in the output exactly once. A run that succeeded
    /// leaves no checkpoints, so resuming it starts afresh.
    pub fn resume(mut self, resume: bool) -> Run {
        self.resume = resume;
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

    fn engine(mut self, sink: Sink, state_path: Option<PathBuf>) -> Result<Engine, Error> {
        let client = build_client(&self.plan, &self.runtime)?;
        let (written, needed) = self.written_and_needed();
        let state = match &state_path {
            Some(p) => StateFile::load(p).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot read the state file: {e}"),
                )
            })?,
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
        Ok(Engine {
            plan: self.plan,
            client,
            sink,
            written,
            needed,
            parallel: Arc::new(Semaphore::new(self.parallel)),
            concurrency: self.concurrency.min(self.runtime.max_concurrency.max(1)),
            state_path,
            state: Mutex::new(state),
            resume: self.resume,
            cancel,
            progress: self.progress,
            auths,
        })
    }

    /// The resources whose records are delivered, and those that must be walked.
    fn written_and_needed(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let written: BTreeSet<String> = self
            .plan
            .resources
            .iter()
            .filter(|r| match &self.selected {
                Some(s) => s.contains(&r.name),
                None => r.selected,
            })
            .map(|r| r.name.clone())
            .collect();
        let mut needed = written.clone();
        for r in self.plan.resources.iter().rev() {
            if needed.contains(&r.name)
                && let Some(p) = &r.parent
            {
                needed.insert(p.clone());
            }
        }
        (written, needed)
    }

    /// Runs the config, writing `DIR/<resource>.ndjson` for each written resource,
    /// `DIR/summary.json` and the state file (default `DIR/state.json`).
    ///
    /// A failing resource does not stop the others: it is marked in the summary (check
    /// [`Summary::is_success`]).
    ///
    /// # Errors
    /// Only for what stops the whole run: the directory or the state file cannot be used, or
    /// the client cannot be built.
    pub async fn run_to_dir(self, dir: impl AsRef<Path>) -> Result<Summary, Error> {
        let dir = dir.as_ref().to_path_buf();
        let io = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Config,
                format!("cannot {what} {}: {e}", dir.display()),
            )
        };
        std::fs::create_dir_all(&dir).map_err(|e| io("create", e))?;
        if !self.resume {
            match std::fs::remove_dir_all(dir.join(".checkpoints")) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("clear the checkpoints of", e)),
            }
            // Each written resource's output is emptied when it starts.
        }
        let marker = dir.join(".checkpoints").join("run.json");
        let mark = serde_json::json!({"config": self.fingerprint}).to_string();
        if self.resume
            && let Ok(found) = std::fs::read_to_string(&marker)
            && found != mark
        {
            return Err(Error::new(
                ErrorKind::Builder,
                format!(
                    "the checkpoints in {} are from a different config; run without resume to start afresh",
                    dir.display()
                ),
            ));
        }
        state::write_atomic(&marker, mark.as_bytes())
            .map_err(|e| io("write the checkpoints of", e))?;
        let state_path = self
            .state_file
            .clone()
            .unwrap_or_else(|| dir.join("state.json"));
        let engine = Arc::new(self.engine(Sink::Dir(dir.clone()), Some(state_path))?);
        let summary = engine.run().await;
        if summary.is_success() {
            // Nothing to resume: a later `resume(true)` run starts afresh (its incremental state
            // keeps it from fetching again what this one delivered).
            let _ = std::fs::remove_dir_all(dir.join(".checkpoints"));
        }
        Ok(summary)
    }

    /// Runs the config and yields every written resource's records as they arrive: each walk's
    /// records in the API's order, but the records of child walks that run at once (see
    /// [`concurrency`](Run::concurrency)) interleave, unlike in [`run_to_dir`](Run::run_to_dir)'s
    /// files; each record names its resource, and `include_from_parent` names its parent. A
    /// failing resource yields one error and the others go on.
    /// Needs a Tokio runtime (the run is spawned on it).
    pub fn records(self) -> RunRecords {
        let (tx, rx) = mpsc::channel(256);
        let summary = Arc::new(Mutex::new(None));
        let state_path = self.state_file.clone();
        match self.engine(Sink::Channel(tx.clone()), state_path) {
            Ok(engine) => {
                let slot = Arc::clone(&summary);
                tokio::spawn(async move {
                    let s = Arc::new(engine).run().await;
                    *slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(s);
                    drop(tx);
                });
            }
            Err(e) => {
                let _ = tx.try_send(Err(e));
            }
        }
        RunRecords { rx, summary }
    }
}

/// The records of a run, from [`Run::records`].
#[derive(Debug)]
pub struct RunRecords {
    rx: mpsc::Receiver<Result<RunRecord, Error>>,
    summary: Arc<Mutex<Option<Summary>>>,
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
        self.rx.poll_recv(cx)
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
