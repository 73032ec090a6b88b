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
    /// Where the records (DIR/<resource>.ndjson), summary.json and the state go.
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
    /// Continue an interrupted run from its checkpoints: every record ends up in the output
    /// exactly once.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Resources walked at once.
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
        .resume(args.resume);
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
        return Err(Interrupted { signal, name }.into());
    }
    if summary.failed > 0 {
        return Err(Reported.into());
    }
    Ok(())
}

/// The summary as a table (`run` prints it on stderr, `demo` on stdout).
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
        let name = if r.written {
            r.name.clone()
        } else {
            format!("({})", r.name)
        };
        lines.push(format!(
            "{name:<24} {status:<18} {:>10} {:>8} {:>7} {:>8.2}",
            r.records, r.pages, r.walks, r.seconds
        ));
        if let Some(e) = &r.error {
            lines.push(format!("  error: {e}"));
        }
    }
    lines.push(format!(
        "{} records, {} pages, {} failed, {:.2}s",
        s.records, s.pages, s.failed, s.seconds
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
