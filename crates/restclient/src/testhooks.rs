//! Pause points for the crash tests, compiled only with the `test-hooks` feature (which only
//! the CLI's dev-dependency turns on: a release binary holds none of this).
//!
//! `RESTCLIENT_TEST_PAUSE_AT=<point>:<page>` stops the process for good at that point of that
//! page (`page`: received, nothing written; `write`: half the page's lines in the output;
//! `checkpoint`: the new checkpoint on disk, not yet renamed into place; `saved`: checkpoint in
//! place), and `RESTCLIENT_TEST_PAUSE_AT=step:<k>` at the k-th point of any kind (commit steps
//! included), so a test can kill a run at every step in turn. On pausing, the process prints
//! `RESTCLIENT_TEST_PAUSED <what>` on stderr; the test then kills it.

#[cfg(feature = "test-hooks")]
mod imp {
    use std::io::Write;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    static STEP: AtomicU64 = AtomicU64::new(0);
    static PAGE: AtomicU64 = AtomicU64::new(0);

    fn wanted() -> Option<&'static (String, u64)> {
        static SPEC: OnceLock<Option<(String, u64)>> = OnceLock::new();
        SPEC.get_or_init(|| {
            let v = std::env::var("RESTCLIENT_TEST_PAUSE_AT").ok()?;
            let (point, n) = v.split_once(':')?;
            Some((point.to_owned(), n.parse().ok()?))
        })
        .as_ref()
    }

    /// The page the next points belong to (the CLI's `paginate` sets it per page).
    pub(crate) fn set_page(n: u64) {
        PAGE.store(n, Ordering::SeqCst);
    }

    /// Whether `point` of the current page may be where the test wants the pause (in `step`
    /// mode, every point may be).
    pub(crate) fn wants(point: &str) -> bool {
        wanted()
            .is_some_and(|(p, n)| p == "step" || (p == point && *n == PAGE.load(Ordering::SeqCst)))
    }

    pub(crate) fn point(point: &str) {
        let step = STEP.fetch_add(1, Ordering::SeqCst) + 1;
        let Some((p, n)) = wanted() else { return };
        let label = if p == "step" && *n == step {
            format!("step:{step} {point}")
        } else if p == point && *n == PAGE.load(Ordering::SeqCst) {
            format!("{point}:{n}")
        } else {
            return;
        };
        let _ = writeln!(std::io::stderr(), "RESTCLIENT_TEST_PAUSED {label}");
        loop {
            std::thread::park();
        }
    }
}

#[cfg(feature = "test-hooks")]
pub(crate) use imp::{point, set_page, wants};

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn point(_: &str) {}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn set_page(_: u64) {}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn wants(_: &str) -> bool {
    false
}
