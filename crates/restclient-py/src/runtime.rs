//! The tokio runtime the bindings share, and waiting on it from Python.
//!
//! Every wait on the network goes through [`wait`]: the GIL is released while the future
//! runs, and every [`TICK`] the thread takes the GIL back to run Python's signal handlers, so
//! that Ctrl-C raises `KeyboardInterrupt` promptly. The future is kept between ticks, so a
//! tick never cancels a request.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

/// How often a wait checks for signals.
const TICK: Duration = Duration::from_millis(100);

/// The runtime and the process it was started in: a child made by `os.fork()` has none of
/// the parent's threads, so it starts its own.
static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// The shared multi-thread runtime (connection tasks and concurrent pages run on its workers).
pub(crate) fn runtime() -> PyResult<&'static Runtime> {
    let mut slot = RUNTIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pid = std::process::id();
    if let Some((owner, rt)) = *slot
        && owner == pid
    {
        return Ok(rt);
    }
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("restclient")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("could not start the tokio runtime: {e}")))?;
    // Leaked on purpose: it lives as long as the process (and a forked child must not drop
    // its parent's runtime, whose threads it does not have).
    let rt: &'static Runtime = Box::leak(Box::new(rt));
    *slot = Some((pid, rt));
    Ok(rt)
}

/// Runs `fut` to completion with the GIL released, checking signals every [`TICK`]. A signal
/// handler that raises (Ctrl-C: `KeyboardInterrupt`) ends the wait with that exception; the
/// future is dropped, which cancels what it was doing.
///
/// Called from a Python callback that runs inside another wait (a hook that makes a request
/// of its own), the future runs on a thread of its own: a thread cannot block on the runtime
/// it is already inside.
pub(crate) fn wait<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    let mut fut = std::pin::pin!(fut);
    loop {
        let nested = tokio::runtime::Handle::try_current().is_ok();
        let polled = py.detach(|| {
            let tick = async { tokio::time::timeout(TICK, fut.as_mut()).await.ok() };
            if nested {
                std::thread::scope(|s| s.spawn(|| rt.block_on(tick)).join())
                    .map_err(|_| "a request thread panicked")
            } else {
                Ok(rt.block_on(tick))
            }
        });
        match polled {
            Ok(Some(out)) => return Ok(out),
            Ok(None) => py.check_signals()?,
            Err(msg) => return Err(PyRuntimeError::new_err(msg)),
        }
    }
}
