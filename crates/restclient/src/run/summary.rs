//! [`Summary`]: what a run did, per resource and in total (written as `DIR/summary.json` and
//! `DIR/_loads/<load_id>.json`).

use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};

/// How a resource's part of a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourceStatus {
    /// Every walk ended normally.
    Completed,
    /// Completed by an earlier, interrupted run (`--resume`); not walked again.
    AlreadyCompleted,
    /// A walk failed; [`ResourceSummary::failure`] says why. The other resources went on.
    Failed,
    /// Not run to its end: its parent did not complete (or the run was stopped before it
    /// started).
    Skipped,
    /// Stopped by [`Run::shutdown`](super::Run::shutdown) (a signal): what arrived is saved.
    Interrupted,
}

fn kind_as_name<S: Serializer>(kind: &Option<ErrorKind>, s: S) -> Result<S::Ok, S::Error> {
    match kind {
        Some(k) => s.serialize_str(k.as_str()),
        None => s.serialize_none(),
    }
}

/// One resource of a run.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResourceSummary {
    /// The resource's name.
    pub name: String,
    /// Its parent, for a child resource.
    pub parent: Option<String>,
    /// Whether its records are written (a parent walked only for its children is not).
    pub written: bool,
    /// The table it writes (`table_name`, else its name), when written.
    pub table: Option<String>,
    /// How it ended.
    pub status: ResourceStatus,
    /// Pages received (every walk).
    pub pages: u64,
    /// Records written (after the incremental filter); 0 for a resource that is not written.
    pub records: u64,
    /// Records walked (after the incremental filter), written or not: a parent walked only for
    /// its children counts its records here.
    pub walked: u64,
    /// Walks made: 1 for a top-level resource, one per parent record for a child.
    pub walks: u64,
    /// Child walks a `response_actions` `ignore` ended (a parent record's 404, say).
    pub ignored_walks: u64,
    /// Why the walk ended (top-level resources).
    pub stop_reason: Option<String>,
    /// Wall-clock seconds (of this run; a resumed run counts its own).
    pub seconds: f64,
    /// Incremental start and end values (top-level) or the number of cursors (children).
    pub incremental: Option<Value>,
    /// The committed file of this load, relative to the output directory
    /// (`<table>/<load_id>.ndjson`), once its subtree committed; none when nothing was written.
    pub file: Option<String>,
    /// What went wrong, for a failed or skipped resource (secrets masked).
    pub error: Option<String>,
    /// The kind of the error of a failed resource (`summary.json`: `"status"`, `"timeout"`,
    /// ... as snake_case names).
    #[serde(serialize_with = "kind_as_name")]
    pub error_kind: Option<ErrorKind>,
    /// Something worth knowing that did not fail the resource: a data selector that matched
    /// nothing on any page (dlt does not fail there either).
    pub warning: Option<String>,
    /// `primary_key`, `write_disposition` and `table_name` as the config gave them.
    pub hints: Map<String, Value>,
    /// The error itself, with its kind, status, URL and `source()` chain.
    #[serde(skip)]
    failure: Option<Arc<Error>>,
}

impl ResourceSummary {
    pub(crate) fn new(name: &str, parent: Option<String>, table: Option<String>) -> Self {
        ResourceSummary {
            name: name.to_owned(),
            parent,
            written: table.is_some(),
            table,
            status: ResourceStatus::Skipped,
            pages: 0,
            records: 0,
            walked: 0,
            walks: 0,
            ignored_walks: 0,
            stop_reason: None,
            seconds: 0.0,
            incremental: None,
            file: None,
            error: None,
            error_kind: None,
            warning: None,
            hints: Map::new(),
            failure: None,
        }
    }

    /// The error of a failed resource, typed: ask it [`is_timeout`](Error::is_timeout),
    /// [`status`](Error::status), [`source`](std::error::Error::source)...
    #[must_use]
    pub fn failure(&self) -> Option<&Error> {
        self.failure.as_deref()
    }

    /// Marks the resource failed with `error`.
    pub(crate) fn fail(&mut self, error: Error) {
        self.status = ResourceStatus::Failed;
        self.error = Some(error.to_string());
        self.error_kind = Some(error.kind());
        self.failure = Some(Arc::new(error));
    }

    /// What a committed subtree's record kept of this summary, for a resumed run's report.
    pub(crate) fn restore(&mut self, saved: &Value) {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Saved {
            pages: u64,
            records: u64,
            walked: u64,
            walks: u64,
            ignored_walks: u64,
            stop_reason: Option<String>,
            incremental: Option<Value>,
            file: Option<String>,
            warning: Option<String>,
        }
        let s: Saved = serde_json::from_value(saved.clone()).unwrap_or_default();
        self.pages = s.pages;
        self.records = s.records;
        self.walked = s.walked;
        self.walks = s.walks;
        self.ignored_walks = s.ignored_walks;
        self.stop_reason = s.stop_reason;
        self.incremental = s.incremental;
        self.file = s.file;
        self.warning = s.warning;
    }
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The load the run wrote (with an output directory): `DIR/<table>/<load_id>.ndjson`.
    pub load_id: Option<String>,
    /// Every resource the run needed, in dependency order.
    pub resources: Vec<ResourceSummary>,
    /// Pages over all resources.
    pub pages: u64,
    /// Records written over all resources.
    pub records: u64,
    /// Resources that failed.
    pub failed: usize,
    /// Whether the run was stopped early.
    pub interrupted: bool,
    /// Every subtree of the load committed: nothing is left to resume.
    pub complete: bool,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl Summary {
    pub(crate) fn new(
        resources: Vec<ResourceSummary>,
        seconds: f64,
        interrupted: bool,
        load_id: Option<String>,
        complete: bool,
    ) -> Self {
        Summary {
            load_id,
            pages: resources.iter().map(|r| r.pages).sum(),
            records: resources.iter().map(|r| r.records).sum(),
            failed: resources
                .iter()
                .filter(|r| r.status == ResourceStatus::Failed)
                .count(),
            interrupted,
            complete,
            resources,
            seconds,
        }
    }

    /// Every resource completed.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.failed == 0 && !self.interrupted
    }

    /// The summary of one resource.
    #[must_use]
    pub fn resource(&self, name: &str) -> Option<&ResourceSummary> {
        self.resources.iter().find(|r| r.name == name)
    }
}
