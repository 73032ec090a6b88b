//! [`Summary`]: what a run did, per resource and in total (written as `DIR/summary.json`).

use serde::Serialize;
use serde_json::{Map, Value};

/// How a resource's part of a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourceStatus {
    /// Every walk ended normally.
    Completed,
    /// Completed by an earlier, interrupted run (`--resume`); not walked again.
    AlreadyCompleted,
    /// A walk failed; [`ResourceSummary::error`] says why. The other resources went on.
    Failed,
    /// Not run: its parent failed (or the run was stopped before it started).
    Skipped,
    /// Stopped by [`Run::shutdown`](super::Run) (a signal): what arrived is written.
    Interrupted,
}

/// One resource of a run.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResourceSummary {
    /// The resource's name.
    pub name: String,
    /// Its parent, for a child resource.
    pub parent: Option<String>,
    /// Whether its records were delivered (a parent walked only for its children is not).
    pub written: bool,
    /// How it ended.
    pub status: ResourceStatus,
    /// Pages received (every walk).
    pub pages: u64,
    /// Records delivered (after the incremental filter).
    pub records: u64,
    /// Walks made: 1 for a top-level resource, one per parent record for a child.
    pub walks: u64,
    /// Child walks a `response_actions` `ignore` ended (a parent record's 404, say).
    pub ignored_walks: u64,
    /// Why the walk ended (top-level resources).
    pub stop_reason: Option<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Incremental start and end values (top-level) or the number of cursors (children).
    pub incremental: Option<Value>,
    /// What went wrong, for a failed resource (secrets masked).
    pub error: Option<String>,
    /// `primary_key`, `write_disposition` and `table_name` as the config gave them: they mean
    /// something to a dlt destination, not to the extraction.
    pub hints: Map<String, Value>,
}

impl ResourceSummary {
    pub(crate) fn new(name: &str, parent: Option<String>, written: bool) -> Self {
        ResourceSummary {
            name: name.to_owned(),
            parent,
            written,
            status: ResourceStatus::Skipped,
            pages: 0,
            records: 0,
            walks: 0,
            ignored_walks: 0,
            stop_reason: None,
            seconds: 0.0,
            incremental: None,
            error: None,
            hints: Map::new(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Every resource the run needed, in dependency order.
    pub resources: Vec<ResourceSummary>,
    /// Pages over all resources.
    pub pages: u64,
    /// Records delivered over all resources.
    pub records: u64,
    /// Resources that failed.
    pub failed: usize,
    /// Whether the run was stopped early.
    pub interrupted: bool,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl Summary {
    pub(crate) fn new(resources: Vec<ResourceSummary>, seconds: f64, interrupted: bool) -> Self {
        Summary {
            pages: resources.iter().map(|r| r.pages).sum(),
            records: resources.iter().map(|r| r.records).sum(),
            failed: resources
                .iter()
                .filter(|r| r.status == ResourceStatus::Failed)
                .count(),
            interrupted,
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
