//! One helper thread for the scan: the second half of a big records array is scanned there
//! while the walk's thread scans the first (see `scan::Scanner::elements`).
//!
//! A serial walk leaves the machine's other cores idle while it scans a page; a page of a
//! thousand records takes about 90 µs to scan on this project's bench machine, and waking a
//! parked thread 5–15 µs, so a page of 64 KiB or more is worth halving. One thread for the
//! whole process, started at its second big page (a process that walks one page never has
//! one), parked on a channel between jobs: no thread per page (spawning one costs 30–100 µs
//! before it runs), and no pool to size. One job at a time: a caller that finds the helper
//! busy (another walk's page, or a job whose result was not needed after all) scans on its
//! own thread, as it would without the helper.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, TryLockError, mpsc};
use std::thread;

type Job = Box<dyn FnOnce() + Send>;

/// The helper's queue and the process it was started in (`None`: its thread could not be
/// started). A child forked after it started (Python's `multiprocessing`) has the queue but
/// not the thread: it starts its own.
///
/// Only ever `try_lock`ed, and held for no more than a look or a swap: a child forked while
/// another thread held it finds it locked for good, and simply never halves.
static HELPER: Mutex<Option<(u32, Option<mpsc::Sender<Job>>)>> = Mutex::new(None);

/// The process whose job is queued or running; 0 when the helper is idle. A child forked
/// while its parent's job ran inherits that pid, not a job: it takes the flag over.
static BUSY: AtomicU32 = AtomicU32::new(0);

/// The process that has asked for the helper at least once. The first ask of a process is
/// answered `None`, so that the thread starts at its second big page: a process that walks
/// one page (a `get`, an `inspect`, a short script's call) does not pay for a thread it cannot
/// use —
/// starting one costs the caller about what it would save on one page, and the new thread
/// is rarely running before the caller has scanned most of that page.
static ASKED: AtomicU32 = AtomicU32::new(0);

/// Runs `work` on the helper thread if it is idle, and hands back where its result will
/// arrive; `None` (and `work` dropped, not run) when the helper is busy or cannot run, and
/// at the first ask of a process.
pub(super) fn try_run<R: Send + 'static>(
    work: impl FnOnce() -> R + Send + 'static,
) -> Option<mpsc::Receiver<R>> {
    let pid = std::process::id();
    if ASKED.swap(pid, Ordering::Relaxed) != pid {
        return None;
    }
    let busy = BUSY.load(Ordering::Acquire);
    if busy == pid
        || BUSY
            .compare_exchange(busy, pid, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
    {
        return None;
    }
    let (reply, result) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let done = work();
        // Idle again before the answer is out, so that the caller's next page finds it free.
        BUSY.store(0, Ordering::Release);
        // The caller may have stopped waiting (it found the result was not needed).
        let _ = reply.send(done);
    });
    if queue(pid).is_some_and(|jobs| jobs.send(job).is_ok()) {
        Some(result)
    } else {
        BUSY.store(0, Ordering::Release);
        None
    }
}

/// This process's helper queue (started if there is none yet), or `None`.
fn queue(pid: u32) -> Option<mpsc::Sender<Job>> {
    let mut helper = match HELPER.try_lock() {
        Ok(helper) => helper,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return None,
    };
    if let Some((owner, jobs)) = &*helper
        && *owner == pid
    {
        return jobs.clone();
    }
    // A parent's queue in a forked child: not dropped (that would touch the channel's state as
    // the parent's threads left it), forgotten.
    if let Some((_, stale)) = helper.take() {
        std::mem::forget(stale);
    }
    helper.insert((pid, start())).1.clone()
}

fn start() -> Option<mpsc::Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    thread::Builder::new()
        .name("restclient-scan".into())
        .spawn(move || {
            for job in queue {
                job();
            }
        })
        .ok()?;
    Some(jobs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn runs_a_job_and_hands_back_its_answer() {
        // Other tests may hold the helper for a moment: ask until it takes the job.
        let answer = (0..1_000_000)
            .find_map(|_| {
                try_run(|| 6 * 7).or_else(|| {
                    thread::yield_now();
                    None
                })
            })
            .expect("the helper stayed busy");
        assert_eq!(answer.recv().unwrap(), 42);
    }
}
