//! `bench-rusage`: runs one command and reports that command's own resource usage.
//!
//! The benchmark's orchestrator (`bench/run.py`) is a Python process of about 20 MiB. On Linux a
//! child's `ru_maxrss` is never below the resident size of the process it was spawned from: the
//! kernel carries the parent's high-water mark across `fork`/`vfork` and `exec`. Measured
//! straight from Python, a 10 MiB Rust binary would report Python's 20 MiB. This launcher is
//! small (a couple of MiB resident), so the command it spawns starts from that instead: it runs
//! the command with the inherited stdin, stdout and stderr, waits for it, reads
//! `getrusage(RUSAGE_CHILDREN)` (the command is its only child), writes a one-line JSON report
//! and exits with the command's exit code (128 + signal when the command was killed).
//!
//! ```text
//! bench-rusage REPORT_FILE -- COMMAND [ARGS...]
//! {"code":0,"signal":null,"wall_s":1.2,"user_s":0.9,"sys_s":0.1,"maxrss_kib":9876}
//! ```

use std::{
    ffi::OsString,
    os::unix::process::ExitStatusExt as _,
    process::{Command, ExitCode},
    time::Instant,
};

use nix::sys::{
    resource::{UsageWho, getrusage},
    time::TimeVal,
};

const USAGE: &str = "Usage: bench-rusage REPORT_FILE -- COMMAND [ARGS...]";

/// Exit code when the launcher itself fails (bad usage, cannot spawn, cannot report).
const LAUNCHER_FAILED: u8 = 125;

/// A `timeval` as seconds.
fn seconds(time: TimeVal) -> f64 {
    // Seconds and microseconds of a process's CPU time fit f64 exactly in practice.
    time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6
}

/// Runs the command and writes the report; `Err` is a message for stderr.
fn run(report: &OsString, program: &OsString, args: Vec<OsString>) -> Result<ExitCode, String> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program:?}: {e}"))?;
    let wall_s = started.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    let line = serde_json::json!({
        "code": status.code(),
        "signal": status.signal(),
        "wall_s": wall_s,
        "user_s": seconds(usage.user_time()),
        "sys_s": seconds(usage.system_time()),
        "maxrss_kib": usage.max_rss(), // KiB on Linux
    });
    std::fs::write(report, format!("{line}\n"))
        .map_err(|e| format!("cannot write {report:?}: {e}"))?;
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(LAUNCHER_FAILED),
        (None, None) => LAUNCHER_FAILED,
    };
    Ok(ExitCode::from(code))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(report), Some(separator), Some(program)) = (args.next(), args.next(), args.next())
    else {
        eprintln!("{USAGE}");
        return ExitCode::from(LAUNCHER_FAILED);
    };
    if separator != "--" {
        eprintln!("{USAGE}");
        return ExitCode::from(LAUNCHER_FAILED);
    }
    run(&report, &program, args.collect()).unwrap_or_else(|message| {
        eprintln!("bench-rusage: {message}");
        ExitCode::from(LAUNCHER_FAILED)
    })
}
