//! `restclient run CONFIG`: a thin layer over [`restclient::run::Run`] — usage errors (exit 2),
//! signals (130/143), one progress line per running resource, the summary table on stderr.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use restclient::config::RuntimeConfig;
use restclient::run::{Progress, ResourceStatus, Run, Summary};
use tokio::signal::unix::{SignalKind, signal};

use crate::output::stderr_line;
use crate::{Interrupted, Reported, Usage};

/// The options of `run`.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The dlt rest_api config: .json, .toml, .yaml or .yml.
    #[arg(value_name = "CONFIG")]
    pub(crate) config_file: PathBuf,
    /// Where the loads go: DIR/<table>/<load_id>.ndjson per written resource, summary.json,
    /// state.json (runs accumulate; see the run guide).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "restclient-output"
    )]
    pub(crate) output: PathBuf,
    /// Run only this resource (repeatable), plus the parents it needs (walked, not written).
    #[arg(long = "resource", value_name = "NAME")]
    pub(crate) resources: Vec<String>,
    /// The incremental state file (default DIR/state.json).
    #[arg(long = "state", value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Continue an interrupted run from its checkpoints (every record ends up in the output
    /// exactly once); with nothing to continue, a fresh run.
    #[arg(long, conflicts_with = "restart")]
    pub(crate) resume: bool,
    /// Discard an interrupted run's checkpoints and the data it has not committed, then run
    /// afresh.
    #[arg(long)]
    pub(crate) restart: bool,
    /// Check the config (keys, placeholders, environment variables, parents) and list the
    /// resources with their parents, paginators and incremental cursors; send no request.
    #[arg(long)]
    pub(crate) check: bool,
    /// Top-level resources walked at once, each with its descendants.
    #[arg(long = "parallel", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) parallel: u16,
    /// Child walks (one per parent record) in flight at once per resource.
    #[arg(long = "concurrency", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
    /// At most N requests start per second to each origin, spaced evenly and shared by every
    /// resource and child walk of the run (fractions allowed; 0 = unlimited; default:
    /// requests_per_second, 0). Rate-limit headers of the API are obeyed either way.
    #[arg(long = "rate", value_name = "N", value_parser = crate::args::typed("--rate", crate::args::rate))]
    pub(crate) rate: Option<f64>,
    /// How often a resource's checkpoint is saved at most, in seconds (default 0.05; 0 = after
    /// every page and child walk). A crash repeats at most this much work, never a record.
    #[arg(long = "checkpoint-interval", value_name = "SECONDS",
          value_parser = crate::args::typed("--checkpoint-interval", interval))]
    pub(crate) checkpoint_interval: Option<Duration>,
}

/// `--checkpoint-interval SECONDS`: a finite number >= 0.
fn interval(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a number of seconds >= 0".to_owned())
}

/// Runs a config; the summary table goes to stderr.
pub(crate) async fn run(args: &RunArgs, config: RuntimeConfig, show_progress: bool) -> Result<()> {
    let usage = |e: restclient::spec::SpecError| {
        let at = args.config_file.display();
        anyhow::Error::new(Usage(if e.path().is_empty() {
            format!("{at}: {}", e.message())
        } else {
            format!("{at}: {e}")
        }))
    };
    let mut config = config;
    if let Some(rate) = args.rate {
        config.requests_per_second = rate;
    }
    let mut run = Run::from_file(&args.config_file)
        .map_err(usage)?
        .select(args.resources.iter().cloned())
        .map_err(|e| anyhow::Error::new(Usage(format!("--resource: {}", e.message()))))?
        .parallel(usize::from(args.parallel))
        .concurrency(usize::from(args.concurrency))
        .runtime_config(config)
        .resume(args.resume)
        .restart(args.restart);
    if let Some(every) = args.checkpoint_interval {
        run = run.checkpoint_interval(every);
    }
    if args.check {
        for line in check_table(&run) {
            crate::output::stdout_line(&line)?;
        }
        return Ok(());
    }
    if let Some(state) = &args.state {
        run = run.state_file(state);
    }
    let bars = Bars::new(show_progress);
    if bars.multi.is_some() {
        let bars = bars.clone();
        run = run.on_progress(move |p| bars.update(p));
    }
    let which: Arc<Mutex<Option<(u8, &'static str)>>> = Arc::default();
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let which2 = Arc::clone(&which);
    let signalled = async move {
        let got = tokio::select! {
            _ = sigint.recv() => (2, "SIGINT"),
            _ = sigterm.recv() => (15, "SIGTERM"),
        };
        *which2.lock().unwrap_or_else(PoisonError::into_inner) = Some(got);
    };
    // A locked directory, an interrupted run without --resume/--restart, or a state file of
    // an unknown version are builder errors: exit 2, before any request.
    let summary = run.shutdown(signalled).run_to_dir(&args.output).await?;
    bars.clear();
    for line in table(&summary) {
        stderr_line(&line);
    }
    if summary.interrupted {
        let (signal, name) = which
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or((2, "SIGINT"));
        return Err(Interrupted::new(
            signal,
            name,
            "run the same command with --resume to continue (or --restart to start over)",
        )
        .into());
    }
    if summary.failed > 0 {
        return Err(Reported.into());
    }
    Ok(())
}

/// The summary as a table (`run` prints it on stderr, `demo` on stdout): records written, and
/// for a parent walked only for its children (in parentheses) the records walked.
pub(crate) fn table(s: &Summary) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<24} {:<18} {:>10} {:>8} {:>7} {:>8}",
        "resource", "status", "records", "pages", "walks", "seconds"
    )];
    for r in &s.resources {
        let status = match r.status {
            ResourceStatus::Completed => "completed",
            ResourceStatus::AlreadyCompleted => "already completed",
            ResourceStatus::Failed => "FAILED",
            ResourceStatus::Skipped => "skipped",
            ResourceStatus::Interrupted => "interrupted",
            _ => "other",
        };
        let (name, records) = if r.written {
            (r.name.clone(), r.records.to_string())
        } else {
            (format!("({})", r.name), format!("{} walked", r.walked))
        };
        lines.push(format!(
            "{name:<24} {status:<18} {records:>10} {:>8} {:>7} {:>8.2}",
            r.pages, r.walks, r.seconds
        ));
        if let Some(e) = &r.error {
            lines.push(format!("  error: {e}"));
        }
        if let Some(w) = &r.warning {
            lines.push(format!("  WARN: {w}"));
        }
    }
    let load = s
        .load_id
        .as_ref()
        .map(|id| format!(" (load {id})"))
        .unwrap_or_default();
    lines.push(format!(
        "{} records written, {} pages, {} failed, {:.2}s{load}",
        s.records, s.pages, s.failed, s.seconds
    ));
    lines
}

/// `--check`: every resource, its parent, table, paginator and incremental cursor.
fn check_table(run: &Run) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<20} {:<16} {:<9} {:<28} {:<40} cursor",
        "resource", "parent", "written", "table", "paginator"
    )];
    for r in run.describe() {
        let written = match (r.written, r.walked) {
            (true, _) => "yes",
            (false, true) => "walked",
            (false, false) => "no",
        };
        let paginator = match &r.paginator {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let cursor = r.incremental.as_ref().map_or_else(
            || "-".to_owned(),
            |inc| {
                let path = inc["cursor_path"].as_str().unwrap_or_default();
                match &inc["initial_value"] {
                    serde_json::Value::Null => path.to_owned(),
                    v => format!("{path} from {v}"),
                }
            },
        );
        let disposition = serde_json::to_value(r.write_disposition).unwrap_or_default();
        let table = format!("{} ({})", r.table, disposition.as_str().unwrap_or_default());
        lines.push(format!(
            "{:<20} {:<16} {:<9} {:<28} {:<40} {cursor}",
            r.name,
            r.parent.as_deref().unwrap_or("-"),
            written,
            table,
            paginator,
        ));
    }
    lines.push(format!(
        "{} resources; the config checks (no request was sent)",
        run.resource_names().len()
    ));
    lines
}

/// One progress line per running resource.
#[derive(Clone)]
struct Bars {
    multi: Option<MultiProgress>,
    bars: Arc<Mutex<HashMap<String, ProgressBar>>>,
}

impl Bars {
    fn new(enabled: bool) -> Self {
        Bars {
            multi: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            bars: Arc::default(),
        }
    }

    fn update(&self, p: &Progress) {
        let Some(multi) = &self.multi else { return };
        let mut bars = self.bars.lock().unwrap_or_else(PoisonError::into_inner);
        match p {
            Progress::Started { resource } => {
                let bar = multi.add(ProgressBar::new_spinner());
                if let Ok(style) =
                    ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed_precise}]")
                {
                    bar.set_style(style);
                }
                bar.set_prefix(resource.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(resource.clone(), bar);
            }
            Progress::Page {
                resource,
                pages,
                records,
            } => {
                if let Some(bar) = bars.get(resource) {
                    bar.set_message(format!("{pages} pages, {records} records"));
                }
            }
            Progress::Finished { resource, .. } => {
                if let Some(bar) = bars.remove(resource) {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
            }
            _ => {}
        }
    }

    fn clear(&self) {
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }
}
