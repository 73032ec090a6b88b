//! The `restclient` command-line tool: `get`, `paginate`, `inspect`, `run` and `demo`.
//!
//! `main` parses (clap, typed: a bad flag exits 2 before anything else), `run` does the work
//! and returns an error, and [`exit_code`] alone turns an error into the exit status.

mod args;
mod cli;
mod commands;
#[cfg(feature = "demo")]
mod demo;
mod output;
mod run_cmd;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use restclient::config::RuntimeConfig;

use cli::{Cli, Command};
use output::{Closed, stderr_line};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// A usage error found after parsing (a value out of range for the config in force): exit 2.
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The walk was stopped by a signal after writing what had arrived: exit 128 + signal.
#[derive(Debug)]
pub(crate) struct Interrupted {
    pub(crate) signal: u8,
    pub(crate) name: &'static str,
    /// How to continue, if there is a way.
    pub(crate) next: &'static str,
}

impl Interrupted {
    pub(crate) fn new(signal: u8, name: &'static str, next: &'static str) -> Self {
        Interrupted { signal, name, next }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted by {}; the records of the pages received were written",
            self.name
        )?;
        if !self.next.is_empty() {
            write!(f, "; {}", self.next)?;
        }
        Ok(())
    }
}

impl std::error::Error for Interrupted {}

/// A failure already shown to the user (the status line and body of `get`): exit 1, say
/// nothing more.
#[derive(Debug)]
pub(crate) struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Reported {}

/// The one place an error becomes an exit status: 0 for a closed stdout (the reader had
/// enough), 2 for usage errors (the command line, the config file), 130/143 after
/// SIGINT/SIGTERM, 1 for everything that went wrong at run time.
fn exit_code(e: &anyhow::Error) -> u8 {
    if e.is::<Closed>() {
        return 0;
    }
    if e.is::<Usage>() {
        return 2;
    }
    if let Some(i) = e.downcast_ref::<Interrupted>() {
        return 128 + i.signal;
    }
    match e
        .chain()
        .find_map(|c| c.downcast_ref::<restclient::Error>())
    {
        Some(err) if is_usage(err) => 2,
        _ => 1,
    }
}

/// Errors that are about what the user asked for (a setting or a config value), not about
/// what happened at run time.
fn is_usage(err: &restclient::Error) -> bool {
    err.is_builder()
}

/// Errors are one line on stderr; a response body in an HTTP error keeps its own lines out.
fn report(e: &anyhow::Error) {
    if e.is::<Closed>() || e.is::<Reported>() {
        return;
    }
    stderr_line(&format!("error: {}", one_line(&chain(e))));
}

/// The error and its contexts, down to the first restclient error: its message already says
/// what happened and why, so its own causes are not repeated.
fn chain(e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        parts.push(cause.to_string());
        if cause.is::<restclient::Error>() {
            break;
        }
    }
    parts.join(": ")
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn run(cli: Cli) -> Result<()> {
    let config = load_config(&cli)?;
    init_logging(&cli, &config);
    let show_progress = output::progress_enabled(cli.progress, cli.no_progress);
    // One thread: a walk and its connection live on the same thread, so a serial walk pays no
    // cross-thread wake-up per request; concurrent pages still overlap (they wait on the
    // network, and finding records costs little).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        match cli.command {
            Command::Get { url, request } => commands::get(&url, &request, config).await,
            Command::Paginate {
                url,
                request,
                walk,
                output,
                checkpoint,
            } => {
                commands::paginate(
                    &url,
                    &request,
                    &walk,
                    config,
                    output.as_deref(),
                    checkpoint.as_deref(),
                    show_progress,
                )
                .await
            }
            Command::Inspect { url, request, walk } => {
                commands::inspect(&url, &request, &walk, config).await
            }
            Command::Run(args) => run_cmd::run(&args, config, show_progress).await,
            #[cfg(feature = "demo")]
            Command::Demo {
                out,
                records,
                page_size,
            } => demo::run(&out, records, page_size, show_progress).await,
        }
    })
}

/// Defaults, then `--config FILE` (or RESTCLIENT_CONFIG, or .restclient/config.toml), then
/// RUNTIME__* variables. A bad file or variable is a usage error naming the key.
fn load_config(cli: &Cli) -> Result<RuntimeConfig> {
    let mut loader = RuntimeConfig::loader();
    if let Some(file) = &cli.config {
        loader = loader.file(file);
    }
    Ok(loader.load()?)
}

fn init_logging(cli: &Cli, config: &RuntimeConfig) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let level = cli.log_level.unwrap_or(config.log_level);
    let filter = level.as_str().to_ascii_lowercase();
    let stderr = std::io::stderr;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A closed stderr must not turn into an `eprintln!` panic inside the subscriber.
        .log_internal_errors(false)
        .with_filter(tracing_subscriber::EnvFilter::new(format!(
            "{filter},hyper=warn,reqwest=warn,h2=warn,rustls=warn"
        )));
    // Rate-limit waits reach the progress bar whatever the log level.
    let pacing = output::pacing::Layer.with_filter(
        tracing_subscriber::filter::Targets::new()
            .with_target("restclient::ratelimit", tracing::Level::INFO),
    );
    tracing_subscriber::registry().with(fmt).with(pacing).init();
}
