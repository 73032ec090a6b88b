//! The C allocator's settings for this process (glibc on Linux only; elsewhere nothing).
//!
//! glibc serves an allocation of 128 KiB or more with its own `mmap` and returns it with
//! `munmap` when freed; its threshold adapts upward only in some patterns, and the part of the
//! heap freed at its top goes back to the kernel past 128 KiB. A walk allocates and frees
//! page-sized buffers (the body, the client's read buffer, the output batch) on every page, so
//! with pages of ~100 KiB and more each page faulted its buffers in afresh: ~13 faults a page at
//! 160 KiB, ~30 at 800 KiB, each a zeroed page from the kernel. Measured on a serial walk of
//! 100k records (`perf stat -r 11`, 2026-12-07): page 1000, 1,766 → 564 faults, 41 → 35 ms;
//! page 5000, 3,286 → 1,303 faults, 29.4 → 26.3 ms; page 100 unchanged (its buffers are small).
//!
//! The settings keep buffers up to 32 MiB on the heap and let up to 64 MiB of freed heap stay
//! mapped for the next page. Peak memory is unchanged (it is what the largest page needs); what
//! changes is that memory freed after the peak stays with the process until it exits, which for
//! a command that walks and ends is what it will need again. The library does not do this:
//! the allocator belongs to whoever owns the process (the CLI here; a Python or Rust program
//! embedding the library decides for itself).

/// Buffers up to this size come from the heap, not from a mapping of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;
/// Freed memory at the top of the heap is kept up to this size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 64 << 20;

/// Applies the settings; call first thing in `main`, before any thread starts.
pub(crate) fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (param, value) in [
        (libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    ] {
        // SAFETY: `mallopt` takes two integers and touches only the allocator's own parameters
        // (under its arena lock); it has no pointer arguments and no precondition but valid
        // parameter numbers, which these are (glibc's `M_*` constants via `libc`). It returns 0
        // when it refuses a value, which leaves glibc's default in force: a slower walk, never a
        // wrong one, so the result is not checked.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(param, value);
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Mappings glibc holds for single allocations right now.
    fn mapped_blocks() -> usize {
        // SAFETY: `mallinfo2` takes nothing and returns a plain struct of counters.
        #[allow(unsafe_code)]
        let info = unsafe { libc::mallinfo2() };
        info.hblks
    }

    #[test]
    fn a_page_sized_buffer_comes_from_the_heap_after_tuning() {
        super::tune();
        let before = mapped_blocks();
        // Larger than glibc's default threshold (128 KiB), like a page of 1000 wide records.
        let buffer = std::hint::black_box(vec![1u8; 1 << 20]);
        let during = mapped_blocks();
        drop(buffer);
        assert_eq!(
            during, before,
            "a 1 MiB buffer got a mapping of its own: the allocator was not tuned"
        );
    }
}
