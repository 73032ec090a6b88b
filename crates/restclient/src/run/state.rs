//! What a run keeps on disk between runs and across a crash: the incremental state file and the
//! per-resource checkpoints. Both are replaced atomically (write a temporary file beside it,
//! flush, rename), so a crash leaves the old file or the new one, never half of one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::incremental::CursorState;

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

/// The state file: `{"version": 1, "resources": {name: ResourceState}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct StateFile {
    #[serde(default = "one")]
    pub(crate) version: u32,
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, ResourceState>,
}

fn one() -> u32 {
    1
}

impl StateFile {
    /// Reads the state file; a missing file is an empty state.
    pub(crate) fn load(path: &Path) -> std::io::Result<StateFile> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the state file {} is not valid: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StateFile {
                version: 1,
                resources: BTreeMap::new(),
            }),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(path, &text)
    }
}

/// Where a resource stands in a run, for `--resume`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    /// The resource finished; its state is in `state` (re-applied to the state file on resume,
    /// in case the run died between the two writes).
    #[serde(default)]
    pub(crate) complete: bool,
    /// The length of the output file that holds whole, completed child walks only.
    #[serde(default)]
    pub(crate) output_len: u64,
    /// The parent keys whose child walks are in the output, with their cursors.
    #[serde(default)]
    pub(crate) done_parents: BTreeMap<String, Option<CursorState>>,
    #[serde(default)]
    pub(crate) records: u64,
    #[serde(default)]
    pub(crate) pages: u64,
    #[serde(default)]
    pub(crate) walks: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<Value>,
}

impl Checkpoint {
    pub(crate) fn path(dir: &Path, resource: &str) -> PathBuf {
        dir.join(".checkpoints").join(format!("{resource}.json"))
    }

    pub(crate) fn load(dir: &Path, resource: &str) -> Option<Checkpoint> {
        let bytes = std::fs::read(Self::path(dir, resource)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub(crate) fn save(&self, dir: &Path, resource: &str) -> std::io::Result<()> {
        let path = Self::path(dir, resource);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        write_atomic(&path, &text)
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
