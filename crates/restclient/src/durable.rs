//! An NDJSON file and a checkpoint that describes it, exactly once: the one component behind
//! `paginate --checkpoint`, a run's top-level resources and its child resources.
//!
//! The rule it keeps: the output only grows by whole lines that are written (to the OS) before
//! the checkpoint that counts them is saved, and a checkpoint records the output's length. So
//! whatever instant a process dies at, the checkpoint on disk never describes more than the file
//! holds, and a resume cuts the file back to the saved length (dropping a page written after
//! the last save, or half of one) and goes on from the saved position: every line once.
//!
//! The caller decides what the checkpoint says (a walk position, a child resource's progress);
//! [`Ledger::save`] hands it the output length to put in it.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::files::{self, Durability};
use crate::testhooks;

/// Where the lines go.
pub(crate) enum Target {
    /// A file: cut back on resume, never written through a symlink.
    File(PathBuf),
    /// A stream (stdout): written on, nothing to cut.
    Stream(Box<dyn Write + Send>),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::File(p) => f.debug_tuple("File").field(p).finish(),
            Target::Stream(_) => f.write_str("Stream"),
        }
    }
}

enum Out {
    /// A fresh file, created (emptied) by the first write only: a walk that fails at its
    /// first request leaves an existing file alone.
    Unopened(PathBuf),
    File(File),
    Stream(Box<dyn Write + Send>),
}

/// An append-only file of whole lines, cut back to a saved length on resume.
pub(crate) struct AppendFile {
    out: Out,
    /// Bytes in the output: what a resume kept plus what was appended since.
    len: u64,
}

impl AppendFile {
    /// The output `target`; `resume`: the length a checkpoint saw written (the file is cut
    /// back to it; `None` for a fresh file, created by the first append).
    ///
    /// # Errors
    /// The file cannot be opened or cut, or it is shorter than `resume` (it was changed since:
    /// padding it would put NULs in the output).
    pub(crate) fn open(target: Target, resume: Option<u64>) -> io::Result<AppendFile> {
        let (out, len) = match (target, resume) {
            (Target::File(path), None) => (Out::Unopened(path), 0),
            (Target::File(path), Some(len)) => {
                let mut file = files::open_write(&path, len == 0)?;
                let have = file.metadata()?.len();
                if have < len {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} has {have} bytes, fewer than the {len} its checkpoint saw written; it was changed since",
                            path.display()
                        ),
                    ));
                }
                file.set_len(len)?;
                file.seek(SeekFrom::Start(len))?;
                (Out::File(file), len)
            }
            (Target::Stream(w), _) => (Out::Stream(w), 0),
        };
        Ok(AppendFile { out, len })
    }

    /// Bytes in the file.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends whole lines (`bytes` ends with a newline, or is empty) and hands them to the OS.
    /// A failed write (a full disk) is undone: the file keeps ending with a whole line.
    ///
    /// # Errors
    /// The write failed (the file is cut back to its length before it).
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if let Out::Unopened(path) = &self.out {
            self.out = Out::File(files::create(path)?);
        }
        let before = self.len;
        let written = match &mut self.out {
            Out::File(f) => write_lines(f, bytes),
            Out::Stream(w) => write_lines(w, bytes).and_then(|()| w.flush()),
            Out::Unopened(_) => Ok(()),
        };
        if let Err(e) = written {
            if let Out::File(f) = &mut self.out {
                // Undo a partial write, so the file still ends with a whole line.
                let _ = f.set_len(before);
                let _ = f.seek(SeekFrom::Start(before));
            }
            return Err(e);
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Flushes the file to disk (before a run commits it); creates it, empty, if nothing was
    /// appended yet.
    ///
    /// # Errors
    /// The file cannot be created or flushed.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        if let Out::Unopened(path) = &self.out {
            self.out = Out::File(files::create(path)?);
        }
        match &mut self.out {
            Out::File(f) => f.sync_all(),
            Out::Stream(w) => w.flush(),
            Out::Unopened(_) => Ok(()),
        }
    }
}

/// An output file and its checkpoint (see the module docs).
pub(crate) struct Ledger {
    file: AppendFile,
    checkpoint: PathBuf,
    durability: Durability,
    /// At most one save per `interval` when the caller asks [`Ledger::due`] (a save is an
    /// fsync; a checkpoint per child walk would cost more than the walk).
    interval: Duration,
    last_save: Option<Instant>,
    /// Bytes appended since the last save.
    unsaved: bool,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("len", &self.file.len)
            .field("checkpoint", &self.checkpoint)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// The output `target` and the checkpoint file at `checkpoint`, saved with `durability`.
    /// `resume`: the output length the checkpoint found there records (the file is cut back to
    /// it); `None` for a fresh walk.
    ///
    /// # Errors
    /// As [`AppendFile::open`].
    pub(crate) fn open(
        target: Target,
        checkpoint: PathBuf,
        resume: Option<u64>,
        interval: Duration,
        durability: Durability,
    ) -> io::Result<Ledger> {
        let file = AppendFile::open(target, resume).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{e} (checkpoint {})", checkpoint.display()),
            )
        })?;
        Ok(Ledger {
            file,
            checkpoint,
            durability,
            interval,
            last_save: None,
            unsaved: false,
        })
    }

    /// Bytes in the output.
    pub(crate) fn len(&self) -> u64 {
        self.file.len()
    }

    /// The checkpoint file.
    pub(crate) fn checkpoint(&self) -> &Path {
        &self.checkpoint
    }

    /// Appends whole lines: see [`AppendFile::append`].
    ///
    /// # Errors
    /// The write failed (undone).
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.append(bytes)?;
        self.unsaved |= !bytes.is_empty();
        Ok(())
    }

    /// Something the checkpoint records changed without the output growing: a save is
    /// waiting all the same.
    pub(crate) fn touch(&mut self) {
        self.unsaved = true;
    }

    /// Whether a save is due: the last save is at least the interval old (or there was none).
    pub(crate) fn due(&self) -> bool {
        self.last_save.is_none_or(|t| t.elapsed() >= self.interval)
    }

    /// When the next save is due, if something is waiting for one.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.unsaved.then(|| {
            self.last_save
                .map_or_else(Instant::now, |t| t + self.interval)
        })
    }

    /// Saves the checkpoint `content(output length)` atomically. Call it only after the
    /// lines it counts were [appended](Self::append).
    ///
    /// # Errors
    /// The checkpoint could not be written (the old one stays).
    pub(crate) fn save(&mut self, content: impl FnOnce(u64) -> Vec<u8>) -> io::Result<()> {
        let bytes = content(self.file.len());
        files::write_atomic_with(&self.checkpoint, &bytes, "checkpoint", self.durability)?;
        testhooks::point("saved");
        self.last_save = Some(Instant::now());
        self.unsaved = false;
        Ok(())
    }

    /// Flushes the output to disk (before a run commits it).
    ///
    /// # Errors
    /// The flush failed.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.file.sync()
    }

    /// The walk is over: its checkpoint has served its purpose.
    ///
    /// # Errors
    /// The checkpoint exists and cannot be removed.
    pub(crate) fn remove_checkpoint(&self) -> io::Result<()> {
        files::remove_if_exists(&self.checkpoint)
    }
}

/// Writes `bytes`; with the crash tests' hook, half of the lines first, then the pause point
/// `write`, then the rest.
fn write_lines(w: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    if testhooks::wants("write") {
        let half = bytes
            .iter()
            .take(bytes.len() / 2)
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let (head, tail) = bytes.split_at(half);
        w.write_all(head)?;
        w.flush()?;
        testhooks::point("write");
        return w.write_all(tail);
    }
    w.write_all(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_resume_cuts_the_output_back_to_what_the_checkpoint_counts() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.ndjson");
        let cp = dir.path().join("cp.json");
        let mut l = Ledger::open(
            Target::File(out.clone()),
            cp.clone(),
            None,
            Duration::ZERO,
            Durability::Disk,
        )
        .unwrap();
        assert!(!out.exists(), "created by the first write only");
        l.append(b"{\"a\":1}\n").unwrap();
        l.save(|len| len.to_string().into_bytes()).unwrap();
        l.append(b"{\"a\":2}\n").unwrap();
        drop(l);
        let saved: u64 = std::fs::read_to_string(&cp).unwrap().parse().unwrap();
        let mut l = Ledger::open(
            Target::File(out.clone()),
            cp.clone(),
            Some(saved),
            Duration::ZERO,
            Durability::Process,
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"a\":1}\n");
        l.append(b"{\"a\":3}\n").unwrap();
        assert_eq!(l.len(), 16);
        std::fs::write(&out, "x").unwrap();
        let e = Ledger::open(
            Target::File(out),
            cp,
            Some(16),
            Duration::ZERO,
            Durability::Disk,
        )
        .unwrap_err();
        assert!(e.to_string().contains("cp.json"), "{e}");
        assert!(e.to_string().contains("fewer than the 16"), "{e}");
    }

    #[test]
    fn saves_are_spaced_by_the_interval() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(
            Target::File(dir.path().join("o")),
            dir.path().join("c"),
            None,
            Duration::from_secs(3600),
            Durability::Process,
        )
        .unwrap();
        assert!(l.due() && l.deadline().is_none());
        l.append(b"1\n").unwrap();
        l.save(|_| Vec::new()).unwrap();
        l.append(b"2\n").unwrap();
        assert!(!l.due(), "an hour has not passed");
        assert!(l.deadline().is_some());
    }
}
