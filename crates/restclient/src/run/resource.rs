//! One resource's outputs during a run: where its records go (the staged data file or a spool
//! with an output directory; the records channel and its children's channels without one), its
//! checkpoint, and what its children are told.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use super::RunRecord;
use super::engine::Delivery;
use super::feed::{End, Publisher};
use super::state::ResourceCheckpoint;
use crate::durable::{Ledger, Target};
use crate::error::{Error, ErrorKind};

/// Why a resource's walks ended early.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The run was stopped (a signal), or the records' reader went away.
    Cancelled,
    /// Its parent did not complete.
    ParentStopped,
    Error(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Error(e)
    }
}

pub(crate) fn io_fail(what: &str, path: &std::path::Path, e: std::io::Error) -> Fail {
    Fail::Error(
        Error::new(
            ErrorKind::Other,
            format!("cannot {what} {}: {e}", path.display()),
        )
        .with_source(e),
    )
}

/// Where a resource's records go.
pub(crate) struct Out<'e> {
    resource: &'e str,
    /// With an output directory: the staged data or the spool, and the checkpoint.
    ledger: Option<(Ledger, PathBuf)>,
    /// Without one, for a written resource: the run's records channel.
    records: Option<mpsc::Sender<Delivery>>,
    children: Option<Publisher>,
    /// Without a directory: lines for the children since they were last handed on.
    lines: Vec<String>,
}

impl std::fmt::Debug for Out<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out")
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl<'e> Out<'e> {
    /// The output file `path` with its checkpoint `checkpoint` (resumed at `resume` bytes).
    pub(crate) fn file(
        resource: &'e str,
        path: PathBuf,
        checkpoint: PathBuf,
        resume: Option<u64>,
        interval: Duration,
        children: Option<Publisher>,
    ) -> Result<Out<'e>, Fail> {
        // In-progress checkpoints need to survive the process only: the commit flushes.
        let ledger = Ledger::open(
            Target::File(path.clone()),
            checkpoint,
            resume,
            interval,
            crate::files::Durability::Process,
        )
            .map_err(|e| {
                Fail::Error(
                    Error::new(
                        ErrorKind::Other,
                        format!(
                            "cannot resume the output of resource `{resource}`: {e}; run with --restart to discard the interrupted run"
                        ),
                    )
                    .with_source(e),
                )
            })?;
        Ok(Out {
            resource,
            ledger: Some((ledger, path)),
            records: None,
            children,
            lines: Vec::new(),
        })
    }

    /// Records to the run's channel (when written) and lines to the children.
    pub(crate) fn channel(
        resource: &'e str,
        records: Option<mpsc::Sender<Delivery>>,
        children: Option<Publisher>,
    ) -> Out<'e> {
        Out {
            resource,
            ledger: None,
            records,
            children,
            lines: Vec::new(),
        }
    }

    /// Whether the output is a file with a checkpoint.
    pub(crate) fn is_file(&self) -> bool {
        self.ledger.is_some()
    }

    /// Hands on a page's lines (whole NDJSON lines).
    pub(crate) async fn page(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        if let Some((ledger, path)) = &mut self.ledger {
            return ledger.append(bytes).map_err(|e| io_fail("write", path, e));
        }
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines() {
            if let Some(tx) = &self.records {
                let record: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                let item = RunRecord {
                    resource: self.resource.to_owned(),
                    record,
                };
                if tx.send(Delivery::Record(Ok(item))).await.is_err() {
                    return Err(Fail::Cancelled);
                }
            }
            if self.children.is_some() {
                self.lines.push(line.to_owned());
            }
        }
        Ok(())
    }

    /// Whether the checkpoint should be saved now (see [`Ledger::due`]).
    pub(crate) fn due(&self) -> bool {
        self.ledger.as_ref().is_none_or(|(l, _)| l.due())
    }

    /// The checkpoint changed without the output growing (a walk without records ended):
    /// a save is waiting.
    pub(crate) fn touch(&mut self) {
        if let Some((l, _)) = &mut self.ledger {
            l.touch();
        }
    }

    /// When a save is due, if one is waiting.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.ledger.as_ref().and_then(|(l, _)| l.deadline())
    }

    /// Saves `cp` (with the output's length), then tells the children how far the output
    /// goes: they never see a record the checkpoint does not count.
    pub(crate) async fn save(&mut self, cp: &mut ResourceCheckpoint) -> Result<(), Fail> {
        let len = match &mut self.ledger {
            Some((ledger, _)) => {
                let path = ledger.checkpoint().to_path_buf();
                ledger
                    .save(|len| {
                        cp.output_len = len;
                        cp.to_bytes()
                    })
                    .map_err(|e| io_fail("save the checkpoint of", &path, e))?;
                cp.output_len
            }
            None => 0,
        };
        if let Some(p) = &mut self.children {
            p.publish(len, std::mem::take(&mut self.lines)).await;
        }
        Ok(())
    }

    /// A resumed resource's children may read what its checkpoint counts (`len`) at once.
    pub(crate) async fn announce(&mut self, len: u64) {
        if let Some(p) = &mut self.children
            && len > 0
        {
            p.publish(len, Vec::new()).await;
        }
    }

    /// Flushes the output to disk, before its subtree commits.
    pub(crate) fn sync(&mut self) -> Result<(), Fail> {
        match &mut self.ledger {
            Some((ledger, path)) => ledger.sync().map_err(|e| io_fail("flush", path, e)),
            None => Ok(()),
        }
    }

    /// Tells the children the output ended (`Done`) or stopped early.
    pub(crate) async fn end(&mut self, end: End, len: u64) {
        if let Some(p) = &mut self.children {
            p.end(len, end).await;
        }
    }

    /// Bytes in the output file (0 without one).
    pub(crate) fn len(&self) -> u64 {
        self.ledger.as_ref().map_or(0, |(l, _)| l.len())
    }
}
