//! What a run keeps on disk: the incremental state file, each resource's checkpoint in the
//! pending load, and a committed subtree's record. All are replaced through
//! [`files::write_atomic`](crate::files), so a crash leaves the old file or the new one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::incremental::{CursorSnapshot, CursorState};
use crate::error::{Error, ErrorKind};

/// The incremental state of one resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ResourceState {
    /// The cursor path the state belongs to: a changed `cursor_path` starts fresh, as in dlt.
    pub(crate) cursor_path: String,
    /// A top-level resource's cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<CursorState>,
    /// A child's cursors, one per parent record (keyed by the parent values it was called with).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) parents: BTreeMap<String, CursorState>,
}

/// The version of the state file this build reads and writes.
const STATE_VERSION: u64 = 1;

/// The state file: `{"version": 1, "resources": {name: ResourceState}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StateFile {
    pub(crate) version: u64,
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, ResourceState>,
}

impl Default for StateFile {
    fn default() -> Self {
        StateFile {
            version: STATE_VERSION,
            resources: BTreeMap::new(),
        }
    }
}

impl StateFile {
    /// Reads the state file; a missing file is an empty state.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming the file when it is not a state file of a
    /// version this build knows (it would be overwritten with less than it holds).
    pub(crate) fn load(path: &Path) -> Result<StateFile, Error> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StateFile::default()),
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Other,
                    format!("cannot read the state file {}: {e}", path.display()),
                )
                .with_source(e));
            }
        };
        let refuse = |why: String| {
            Error::new(
                ErrorKind::Builder,
                format!(
                    "the state file {} {why}; move it away to start without state",
                    path.display()
                ),
            )
        };
        let head: Value =
            serde_json::from_slice(&bytes).map_err(|e| refuse(format!("is not JSON ({e})")))?;
        match head.get("version").and_then(Value::as_u64) {
            Some(STATE_VERSION) => {}
            Some(v) => {
                return Err(refuse(format!(
                    "has version {v}, which this restclient does not know (it reads version {STATE_VERSION})"
                )));
            }
            None => return Err(refuse("has no `version`".into())),
        }
        serde_json::from_value(head).map_err(|e| refuse(format!("is not valid ({e})")))
    }

    /// Replaces the file atomically.
    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::files::write_atomic_at(path, &text, "state")
    }

    /// Puts `states` into the state file at `path` (the other resources' states kept).
    ///
    /// # Errors
    /// As [`load`](Self::load), or the file could not be saved.
    pub(crate) fn commit(
        path: &Path,
        states: BTreeMap<String, ResourceState>,
    ) -> Result<(), Error> {
        let mut state = StateFile::load(path)?;
        state.resources.extend(states);
        state.save(path).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("cannot save the state file {}: {e}", path.display()),
            )
            .with_source(e)
        })
    }
}

/// What a run checkpoint's `format` says.
pub(crate) const CHECKPOINT_FORMAT: &str = "restclient-run-checkpoint";
const CHECKPOINT_VERSION: u64 = 1;

/// Counters a resource keeps across a resume.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Counters {
    pub(crate) pages: u64,
    /// Records kept after the incremental filter (written, or walked for children).
    pub(crate) records: u64,
    pub(crate) walks: u64,
    pub(crate) ignored_walks: u64,
    /// Pages whose data selector matched nothing at all.
    pub(crate) unmatched_pages: u64,
}

/// Where one resource of a pending load stands: saved (through its `Ledger`) after its output
/// grew, so that it never counts more than the output holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ResourceCheckpoint {
    pub(crate) format: String,
    pub(crate) version: u64,
    /// The length of the resource's output (staged data or spool) this checkpoint describes.
    pub(crate) output_len: u64,
    /// Every walk of the resource ended; `state` is its new incremental state.
    pub(crate) complete: bool,
    pub(crate) counters: Counters,
    #[serde(default)]
    pub(crate) stop_reason: Option<String>,
    /// The walk in progress (a top-level resource's, or a child resource's head walk): its
    /// position after its last written page (a walk checkpoint) and its cursor.
    #[serde(default)]
    pub(crate) walk: Option<Value>,
    #[serde(default)]
    pub(crate) cursor: Option<CursorSnapshot>,
    /// Pages and records of the walk in progress.
    #[serde(default)]
    pub(crate) walk_counters: Counters,
    /// A child resource: the parent records whose walks are all in the output, and where the
    /// next one starts in the parent's output.
    #[serde(default)]
    pub(crate) parents_done: u64,
    #[serde(default)]
    pub(crate) parent_offset: u64,
    /// A child resource: the length of its cursor journal.
    #[serde(default)]
    pub(crate) journal_len: u64,
    #[serde(default)]
    pub(crate) state: Option<ResourceState>,
    /// What the summary said of the incremental values, at completion.
    #[serde(default)]
    pub(crate) incremental: Option<Value>,
}

impl Default for ResourceCheckpoint {
    fn default() -> Self {
        ResourceCheckpoint {
            format: CHECKPOINT_FORMAT.into(),
            version: CHECKPOINT_VERSION,
            output_len: 0,
            complete: false,
            counters: Counters::default(),
            stop_reason: None,
            walk: None,
            cursor: None,
            walk_counters: Counters::default(),
            parents_done: 0,
            parent_offset: 0,
            journal_len: 0,
            state: None,
            incremental: None,
        }
    }
}

impl ResourceCheckpoint {
    /// The checkpoint at `path`, if there is one.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming the file when it is not a run checkpoint
    /// this build reads (use `--restart`).
    pub(crate) fn load(path: &Path) -> Result<Option<ResourceCheckpoint>, Error> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Other,
                    format!("cannot read the checkpoint {}: {e}", path.display()),
                )
                .with_source(e));
            }
        };
        let cp: ResourceCheckpoint = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Builder,
                format!(
                    "the checkpoint {} is not valid ({e}); run with --restart to discard the interrupted run",
                    path.display()
                ),
            )
        })?;
        if cp.format != CHECKPOINT_FORMAT || cp.version != CHECKPOINT_VERSION {
            return Err(Error::new(
                ErrorKind::Builder,
                format!(
                    "the checkpoint {} is of another format or version; run with --restart to discard the interrupted run",
                    path.display()
                ),
            ));
        }
        Ok(Some(cp))
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// One file a commit moves into place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CommitFile {
    pub(crate) table: String,
    /// The staged file, relative to the output directory.
    pub(crate) staged: PathBuf,
    /// Where it goes, relative to the output directory.
    pub(crate) file: PathBuf,
    /// Remove the table's other files once this one is in place.
    pub(crate) replace: bool,
}

/// A subtree's commit, written before any of it is applied, so that applying it can be redone
/// after a crash at any step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CommitRecord {
    pub(crate) root: String,
    pub(crate) files: Vec<CommitFile>,
    /// The state file the new states go to, and the states.
    pub(crate) state_path: PathBuf,
    pub(crate) states: BTreeMap<String, ResourceState>,
    /// The summaries of the subtree's resources, for a resumed run's report.
    pub(crate) summaries: Vec<Value>,
}
