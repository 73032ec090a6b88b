//! The files the crate writes, written one way: whole-file replacement through a unique
//! temporary name, outputs that never follow a symlink planted at their name, directories that
//! must really be directories, and the lock that keeps a second process out.
//!
//! Everything that replaces a file (walk checkpoints, run checkpoints, the state file, the
//! summary, commit records) goes through [`write_atomic_at`]: the bytes go to a new file beside
//! the target (`O_EXCL`, a name no one can predict), are flushed to disk, the file is renamed
//! over the target and the directory is flushed, so the rename survives a power loss. A failure
//! at any step removes the temporary file. A reader (or a process started after `kill -9`) sees
//! the old content or the new one, never a mix.
//!
//! A run's in-progress checkpoints skip the two flushes ([`Durability::Process`]): they must
//! survive the process (the rename does that), and the staged data they describe is not
//! flushed either until its commit, which flushes everything; measured on the development VM,
//! a save costs 11.6 ms with the flushes and 0.4 ms without.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind};

/// Opens without following a symlink at the last component (`O_NOFOLLOW`): a symlink planted
/// at an output's name makes the open fail instead of writing through it.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Before an open on platforms without `O_NOFOLLOW`: refuse a symlink at `path`.
fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; refusing to write through it",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Explains the error of an open that met a symlink (`ELOOP` under `O_NOFOLLOW`).
fn explain(path: &Path, e: io::Error) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return io::Error::new(
            e.kind(),
            format!(
                "{} is a symbolic link; refusing to write through it",
                path.display()
            ),
        );
    }
    let _ = path;
    e
}

/// Opens `path` for writing at its end, creating it when missing, never through a symlink.
pub(crate) fn open_write(path: &Path, create: bool) -> io::Result<File> {
    refuse_symlink(path)?;
    no_follow(
        OpenOptions::new()
            .write(true)
            .create(create)
            .truncate(false),
    )
    .open(path)
    .map_err(|e| explain(path, e))
}

/// Creates `path` empty (an existing file is emptied), never through a symlink.
pub(crate) fn create(path: &Path) -> io::Result<File> {
    refuse_symlink(path)?;
    no_follow(OpenOptions::new().write(true).create(true).truncate(true))
        .open(path)
        .map_err(|e| explain(path, e))
}

/// Makes sure `path` is a directory (creating it and its parents when missing) and not a
/// symlink to one elsewhere.
pub(crate) fn ensure_dir(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)?;
    let m = std::fs::symlink_metadata(path)?;
    if m.file_type().is_symlink() || !m.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a directory of its own (a symbolic link or a file); refusing to write into it",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// [`ensure_dir`] for `path` and every directory between `root` and it: a symlink planted at
/// any level under `root` is refused, not followed.
pub(crate) fn ensure_dir_under(root: &Path, path: &Path) -> io::Result<()> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        ensure_dir(&at)?;
    }
    Ok(())
}

/// The directory a file lives in (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Flushes a directory, so that a rename or a new name in it reaches the disk.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A temporary name beside `path` that nothing else uses: pid, a counter and the time.
fn temp_name(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(
        ".{name}.{}-{n}-{nanos:08x}.tmp",
        std::process::id()
    ))
}

/// What a replaced file must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// A power loss: the file and its directory are flushed to disk.
    Disk,
    /// The process dying (`kill -9`), not the machine: no flush.
    Process,
}

/// Replaces `path` with `bytes` atomically and durably (see the module docs). `point` names the
/// step for the crash tests' pause hook (run with the new file written, before the rename).
pub(crate) fn write_atomic_at(path: &Path, bytes: &[u8], point: &'static str) -> io::Result<()> {
    write_atomic_with(path, bytes, point, Durability::Disk)
}

/// [`write_atomic_at`] with the [`Durability`] the file needs.
pub(crate) fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    point: &'static str,
    durability: Durability,
) -> io::Result<()> {
    let dir = parent_dir(path);
    let (tmp, mut file) = loop {
        let tmp = temp_name(path);
        // `create_new` is O_EXCL: it never opens an existing file, nor a symlink's target.
        match no_follow(OpenOptions::new().write(true).create_new(true)).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    };
    let written = file.write_all(bytes).and_then(|()| match durability {
        Durability::Disk => file.sync_all(),
        Durability::Process => Ok(()),
    });
    drop(file);
    let result = written.and_then(|()| {
        crate::testhooks::point(point);
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if durability == Durability::Disk {
        sync_dir(&dir);
    }
    Ok(())
}

/// Removes the temporary files [`write_atomic_with`] left beside `target` when a process was
/// killed between writing one and renaming it (`.<name>.<pid>-<n>-<time>.tmp`), except those
/// of a process still alive (where that can be told: Linux's `/proc`).
pub(crate) fn remove_stale_temps(target: &Path) {
    if let Some(name) = target.file_name() {
        remove_stale_temps_in(&parent_dir(target), Some(&name.to_string_lossy()));
    }
}

/// [`remove_stale_temps`] for every file of `dir` (`name`: only those of that file).
pub(crate) fn remove_stale_temps_in(dir: &Path, name: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix('.').and_then(|f| f.strip_suffix(".tmp")) else {
            continue;
        };
        // `<name>.<pid>-<n>-<time>`: the name may hold dots, the rest does not.
        let Some((of, tail)) = rest.rsplit_once('.') else {
            continue;
        };
        let Some(pid) = tail.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if tail.split('-').count() != 3 || name.is_some_and(|n| n != of) {
            continue;
        }
        if !alive(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether process `pid` may be running: this one, or (where `/proc` tells) a process whose
/// thread group is `pid` (`/proc/<n>` also answers for a thread of another process).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if !Path::new("/proc/self/status").exists() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Tgid:"))
            .is_some_and(|t| t.trim() == pid.to_string())
    })
}

/// [`write_atomic_at`] with the generic pause point `replace`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_at(path, bytes, "replace")
}

/// Removes a file; a missing one is fine.
pub(crate) fn remove_if_exists(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// An exclusive lock on a file, held while this lives: a second process that asks for it fails
/// at once, told the holder's pid. The lock is the OS's (`flock`), so a process that dies, even
/// by `kill -9`, releases it.
#[derive(Debug)]
pub(crate) struct Lock {
    file: File,
    path: PathBuf,
    /// Remove the lock file on release (a walk's lock beside the user's checkpoint); a run
    /// directory keeps its lock file.
    remove: bool,
}

impl Lock {
    /// Takes the lock at `path` for `what` (named in the error, e.g. "the output directory
    /// out/").
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming `what` and the holder's pid when another
    /// process holds it; an error of kind `Other` when the lock file cannot be opened.
    pub(crate) fn acquire(path: &Path, what: &str, remove: bool) -> Result<Lock, Error> {
        let cannot = |e: io::Error| {
            Error::new(
                ErrorKind::Other,
                format!("cannot lock {what} ({}): {e}", path.display()),
            )
            .with_source(e)
        };
        // A lock file removed by its holder between our open and our lock is a stale inode:
        // try again with the file now at the path.
        for _ in 0..8 {
            let mut file = open_write(path, true).map_err(cannot)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let pid = std::fs::read_to_string(path)
                        .ok()
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .map_or_else(|| "unknown pid".to_owned(), |p| format!("pid {p}"));
                    return Err(Error::new(
                        ErrorKind::Builder,
                        format!(
                            "{what} is in use by another restclient process ({pid}, holding {}); wait for it to end or stop it",
                            path.display()
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
            }
            if !same_file(&file, path) {
                continue;
            }
            let pid = std::process::id().to_string();
            file.set_len(0)
                .and_then(|()| file.write_all(pid.as_bytes()))
                .map_err(cannot)?;
            return Ok(Lock {
                file,
                path: path.to_path_buf(),
                remove,
            });
        }
        Err(cannot(io::Error::other(
            "the lock file kept being replaced",
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether the open `file` is the file now at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temps(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file_even_when_the_rename_fails() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("state.json");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert!(temps(dir.path()).is_empty());
        // A non-empty directory at the target: the rename fails, the temp file goes.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("x"), "x").unwrap();
        assert!(write_atomic(&blocked, b"three").is_err());
        assert!(temps(dir.path()).is_empty(), "{:?}", temps(dir.path()));
        // A temp file left by a killed process (pid 0 is never one of ours) is tidied up.
        let stale = dir.path().join(".state.json.0-1-00000000.tmp");
        std::fs::write(&stale, "half").unwrap();
        let ours = temp_name(&target);
        std::fs::write(&ours, "in progress").unwrap();
        remove_stale_temps(&target);
        assert!(!stale.exists());
        assert!(ours.exists(), "a live process's temp file stays");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_never_follow_a_planted_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = dir.path().join("out.ndjson");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let e = open_write(&planted, true).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(create(&planted).is_err());
        let linked_dir = dir.path().join("table");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        assert!(ensure_dir(&linked_dir).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn a_second_lock_fails_at_once_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = Lock::acquire(&path, "the directory", true).unwrap();
        let e = Lock::acquire(&path, "the directory", true).unwrap_err();
        assert!(e.is_builder());
        assert!(
            e.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        drop(held);
        assert!(!path.exists(), "a removable lock file goes with the lock");
        let again = Lock::acquire(&path, "the directory", false).unwrap();
        drop(again);
        assert!(path.exists(), "a kept lock file stays");
    }
}
