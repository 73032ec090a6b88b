//! A load: one run of a config into an output directory, staged under `DIR/_pending/<load_id>/`
//! and committed subtree by subtree (see [`layout`](super::layout)).
//!
//! A subtree (a top-level resource and the descendants the run needs) commits when all of it
//! is written: its commit record (files to move, new states, summaries) is written atomically
//! first, then applied: staged files renamed to `DIR/<table>/<load_id>.ndjson`, a `replace`
//! table's older files removed, the state file updated. Applying is idempotent, so after a
//! crash at any step the next start applies every record found again ([`recover`]), before
//! anything else, `--restart` included. A load that ends with every subtree committed writes
//! its summary to `DIR/_loads/<load_id>.json` and `DIR/summary.json` and removes its pending
//! directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::layout::{Layout, new_load_id};
use super::state::{CommitRecord, StateFile};
use crate::error::{Error, ErrorKind};
use crate::files::{self, Lock};
use crate::testhooks;

/// What to do with an interrupted load found in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    /// Refuse to start (a usage error naming `--resume` and `--restart`).
    Refuse,
    /// Continue it; with none, start a new load.
    Resume,
    /// Discard its checkpoints and uncommitted data, then start a new load.
    Restart,
}

/// What a load is: a resumed load must be the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoadIdentity {
    /// The config as written (before `${NAME}`).
    pub(crate) config: String,
    /// The resources written.
    pub(crate) written: Vec<String>,
    /// The state file.
    pub(crate) state: PathBuf,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Other,
        format!("cannot {what} {}: {e}", path.display()),
    )
    .with_source(e)
}

/// The load a run writes, with the directory's lock.
#[derive(Debug)]
pub(crate) struct Load {
    pub(crate) layout: Layout,
    pub(crate) id: String,
    /// It continues an interrupted load.
    pub(crate) resumed: bool,
    _lock: Lock,
}

impl Load {
    /// Locks `dir`, applies the commits a crash left half done, then starts a new load or
    /// continues the interrupted one, as `pending` says.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) when the directory is locked by another process,
    /// when an interrupted load is found and `pending` is `Refuse`, or when the interrupted
    /// load is of another config, selection or state file; an error of kind `Other` when the
    /// directory cannot be used.
    pub(crate) fn open(
        dir: &Path,
        identity: &LoadIdentity,
        pending: Pending,
    ) -> Result<Load, Error> {
        let layout = Layout {
            root: dir.to_path_buf(),
        };
        files::ensure_dir(dir).map_err(|e| io("use the output directory", dir, e))?;
        let lock = Lock::acquire(
            &layout.lock(),
            &format!("the output directory {}", dir.display()),
            false,
        )?;
        recover(&layout)?;
        // Temporary files of a run killed while it replaced one (the lock says it is dead).
        files::remove_stale_temps_in(dir, None);
        files::remove_stale_temps_in(&layout.loads(), None);
        remove_discarded(&layout);
        files::remove_stale_temps(&identity.state);
        let found = pending_loads(&layout)?;
        let resume = match (found.last(), pending) {
            (None, _) => None,
            (Some(id), Pending::Refuse) => {
                return Err(Error::new(
                    ErrorKind::Builder,
                    format!(
                        "{} holds an interrupted run (load {id}); run again with --resume to continue it, or with --restart to discard its checkpoints and the data it has not committed ({})",
                        dir.display(),
                        layout.pending(id).display()
                    ),
                ));
            }
            (Some(id), Pending::Resume) => {
                let saved = read_identity(&layout, id)?;
                if saved.as_ref() != Some(identity) {
                    return Err(Error::new(
                        ErrorKind::Builder,
                        format!(
                            "the interrupted run in {} (load {id}) was of a different config, resource selection or state file; run it as it was with --resume, or use --restart to discard it",
                            dir.display()
                        ),
                    ));
                }
                Some(id.clone())
            }
            (Some(_), Pending::Restart) => {
                for id in &found {
                    discard(&layout, id)?;
                }
                None
            }
        };
        let (id, resumed) = match resume {
            Some(id) => (id, true),
            None => {
                let id = new_load_id();
                let pending = layout.pending(&id);
                files::ensure_dir_under(dir, &pending).map_err(|e| io("create", &pending, e))?;
                let text = serde_json::to_vec_pretty(identity).unwrap_or_default();
                let path = pending.join("run.json");
                files::write_atomic(&path, &text).map_err(|e| io("write", &path, e))?;
                (id, false)
            }
        };
        Ok(Load {
            layout,
            id,
            resumed,
            _lock: lock,
        })
    }

    /// The directory of a resource's staged files and checkpoint.
    pub(crate) fn resource_dir(&self, resource: &str) -> PathBuf {
        self.layout.resource_dir(&self.id, resource)
    }

    /// Creates the resource's directory (every level a real directory).
    pub(crate) fn create_resource_dir(&self, resource: &str) -> Result<PathBuf, Error> {
        let dir = self.resource_dir(resource);
        files::ensure_dir_under(&self.layout.root, &dir).map_err(|e| io("create", &dir, e))?;
        Ok(dir)
    }

    /// The commit record of the subtree of `root`, if it committed in this load already.
    pub(crate) fn committed(&self, root: &str) -> Option<CommitRecord> {
        let bytes = std::fs::read(self.layout.commit_record(&self.id, root)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Commits a subtree: its record, then the record applied.
    ///
    /// # Errors
    /// A file could not be written, moved or removed (the record, once written, is applied
    /// again by the next start).
    pub(crate) fn commit(&self, record: &CommitRecord) -> Result<(), Error> {
        let path = self.layout.commit_record(&self.id, &record.root);
        let dir = files::parent_dir(&path);
        files::ensure_dir_under(&self.layout.root, &dir).map_err(|e| io("create", &dir, e))?;
        let text = serde_json::to_vec(record).unwrap_or_default();
        files::write_atomic_at(&path, &text, "commit").map_err(|e| io("write", &path, e))?;
        apply(&self.layout, record)?;
        for r in &record.summaries {
            if let Some(name) = r.get("name").and_then(Value::as_str) {
                // Spools and checkpoints of a committed subtree are not needed any more.
                let _ = std::fs::remove_dir_all(self.resource_dir(name));
            }
        }
        Ok(())
    }

    /// Writes the run's summary as the load's and the latest; a load whose every subtree
    /// committed (`complete`) then removes its pending directory.
    ///
    /// # Errors
    /// The summary could not be written.
    pub(crate) fn finish(&self, summary: &Value, complete: bool) -> Result<(), Error> {
        let text = serde_json::to_vec_pretty(summary).unwrap_or_default();
        let latest = self.layout.summary();
        files::write_atomic_at(&latest, &text, "summary").map_err(|e| io("write", &latest, e))?;
        // The load's own summary last: once it says complete, a restart only tidies up.
        let loads = self.layout.loads();
        files::ensure_dir(&loads).map_err(|e| io("create", &loads, e))?;
        let own = self.layout.load_summary(&self.id);
        files::write_atomic_at(&own, &text, "summary").map_err(|e| io("write", &own, e))?;
        if complete {
            let pending = self.layout.pending(&self.id);
            std::fs::remove_dir_all(&pending).map_err(|e| io("remove", &pending, e))?;
            // Gone when nothing else is pending.
            let _ = std::fs::remove_dir(self.layout.pending_root());
        }
        Ok(())
    }
}

/// The ids of the interrupted loads in the directory, oldest first.
fn pending_loads(layout: &Layout) -> Result<Vec<String>, Error> {
    let root = layout.pending_root();
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", &root, e)),
    };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // `.discarded-<id>`: a load on its way out (see `discard`).
        .filter(|name| !name.starts_with('.'))
        .collect();
    ids.sort();
    Ok(ids)
}

fn read_identity(layout: &Layout, id: &str) -> Result<Option<LoadIdentity>, Error> {
    let path = layout.pending(id).join("run.json");
    match std::fs::read(&path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("read", &path, e)),
    }
}

/// Applies every commit record of every interrupted load again, and removes the pending
/// directory of a load whose summary says it completed (a crash between the two).
pub(crate) fn recover(layout: &Layout) -> Result<(), Error> {
    for id in pending_loads(layout)? {
        if !layout.pending(&id).join("run.json").exists() {
            // Killed while it was being created: it holds nothing yet.
            let pending = layout.pending(&id);
            std::fs::remove_dir_all(&pending).map_err(|e| io("remove", &pending, e))?;
            continue;
        }
        for record in records(layout, &id)? {
            apply(layout, &record)?;
        }
        let done = std::fs::read(layout.load_summary(&id))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|s| s.get("complete") == Some(&Value::Bool(true)));
        if done {
            let pending = layout.pending(&id);
            std::fs::remove_dir_all(&pending).map_err(|e| io("remove", &pending, e))?;
        }
    }
    Ok(())
}

/// The commit records of a load.
fn records(layout: &Layout, id: &str) -> Result<Vec<CommitRecord>, Error> {
    let dir = layout.pending(id).join("commits");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", &dir, e)),
    };
    let mut out = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| io("read", &path, e))?;
        let record = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Builder,
                format!(
                    "the commit record {} is not valid ({e}); it was changed by hand",
                    path.display()
                ),
            )
        })?;
        out.push(record);
    }
    Ok(out)
}

/// Applies a commit record; every step can be done again.
fn apply(layout: &Layout, record: &CommitRecord) -> Result<(), Error> {
    for f in &record.files {
        let table = layout.table_dir(&f.table);
        files::ensure_dir(&table).map_err(|e| io("create", &table, e))?;
        let staged = layout.root.join(&f.staged);
        let dest = layout.root.join(&f.file);
        match std::fs::rename(&staged, &dest) {
            Ok(()) => testhooks::point("moved"),
            // Moved by an earlier attempt.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && dest.exists() => {}
            Err(e) => return Err(io("move the staged records to", &dest, e)),
        }
        if f.replace {
            let keep = dest.file_name();
            let entries = std::fs::read_dir(&table).map_err(|e| io("read", &table, e))?;
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name();
                let old = Path::new(&name).extension().is_some_and(|x| x == "ndjson");
                if old && Some(name.as_os_str()) != keep {
                    let path = e.path();
                    files::remove_if_exists(&path).map_err(|e| io("remove", &path, e))?;
                    testhooks::point("replaced");
                }
            }
        }
        files::sync_dir(&table);
    }
    if !record.states.is_empty() {
        let mut state = StateFile::load(&record.state_path)?;
        for (name, s) in &record.states {
            state.resources.insert(name.clone(), s.clone());
        }
        state
            .save(&record.state_path)
            .map_err(|e| io("save the state file", &record.state_path, e))?;
    }
    Ok(())
}

/// Discards an interrupted load: what it committed stays (listed in `_loads/<id>.json`), the
/// rest goes.
fn discard(layout: &Layout, id: &str) -> Result<(), Error> {
    let committed = records(layout, id)?;
    if !committed.is_empty() {
        let summary = serde_json::json!({
            "load_id": id,
            "complete": false,
            "discarded": true,
            "resources": committed.iter().flat_map(|r| r.summaries.clone()).collect::<Vec<_>>(),
        });
        let loads = layout.loads();
        files::ensure_dir(&loads).map_err(|e| io("create", &loads, e))?;
        let path = layout.load_summary(id);
        let text = serde_json::to_vec_pretty(&summary).unwrap_or_default();
        files::write_atomic(&path, &text).map_err(|e| io("write", &path, e))?;
    }
    // Out of sight in one step, then removed: a crash while removing a big directory must not
    // leave a load that has lost its commit records but still has its `run.json`, which a
    // `--resume` would take up and walk its committed subtrees again.
    let pending = layout.pending(id);
    let gone = layout.pending_root().join(format!(".discarded-{id}"));
    std::fs::rename(&pending, &gone).map_err(|e| io("discard", &pending, e))?;
    files::sync_dir(&layout.pending_root());
    testhooks::point("discarded");
    std::fs::remove_dir_all(&gone).map_err(|e| io("remove", &gone, e))
}

/// Removes what a crash left of discarded loads (`_pending/.discarded-<id>`).
fn remove_discarded(layout: &Layout) {
    let Ok(entries) = std::fs::read_dir(layout.pending_root()) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        if e.file_name().to_string_lossy().starts_with(".discarded-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
