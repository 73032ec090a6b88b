//! The `restclient` command-line tool: `get`, `paginate`, `inspect`, `run` and `demo`.
//!
//! `main` parses (clap, typed: a bad flag exits 2 before anything else), `run` does the work
//! and returns an error, and [`exit_code`] alone turns an error into the exit status.

mod args;
mod cli;
mod commands;
#[cfg(feature = "demo")]
mod demo;
mod malloc;
mod output;
mod run_cmd;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use restclient::config::RuntimeConfig;

use cli::{Cli, Command, RuntimeArgs};
use output::{Closed, stderr_line};
use restclient::Method;

fn main() -> ExitCode {
    malloc::tune();
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

/// The error, its contexts and its causes, each said once: a restclient error's message does
/// not repeat its causes (they are its `source()`), but other crates' errors may quote theirs.
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<restclient::Error>() {
            Some(err) => in_cli_words(err),
            None => cause.to_string(),
        };
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// The library names a setting as Rust code does (`invalid `concurrency` for Paginate: ...`);
/// on the command line it is the flag that set it.
fn in_cli_words(err: &restclient::Error) -> String {
    const FLAGS: [(&str, &str); 5] = [
        ("concurrency", "--concurrency"),
        ("checkpoint", "--checkpoint"),
        ("requests_per_second", "--rate"),
        ("request_timeout", "--timeout"),
        ("timeout", "--timeout"),
    ];
    let text = err.to_string();
    if !err.is_builder() {
        return text;
    }
    match args::split_setting(&text) {
        Some((key, reason)) => match FLAGS.iter().find(|(k, _)| *k == key) {
            Some((_, flag)) => format!("{flag}: {reason}"),
            None => format!("{key}: {reason}"),
        },
        None => text,
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn run(cli: Cli) -> Result<()> {
    let config = load_config(cli.command.runtime())?;
    init_logging(&cli, &config);
    let show_progress = cli.command.progress().is_some_and(|p| {
        output::progress_enabled(
            p.progress || cli.progress.progress,
            p.no_progress || cli.progress.no_progress,
        )
    });
    // One thread: a walk and its connection live on the same thread, so a serial walk pays no
    // cross-thread wake-up per request; concurrent pages still overlap (they wait on the
    // network, and finding records costs little).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        match cli.command {
            Command::Get {
                url,
                method,
                request,
                ..
            } => commands::get(&url, method, &request, config).await,
            Command::Post(m) => commands::get(&m.url, Method::POST, &m.request, config).await,
            Command::Put(m) => commands::get(&m.url, Method::PUT, &m.request, config).await,
            Command::Patch(m) => commands::get(&m.url, Method::PATCH, &m.request, config).await,
            Command::Delete(m) => commands::get(&m.url, Method::DELETE, &m.request, config).await,
            Command::Paginate {
                url,
                method,
                request,
                walk,
                limits,
                output,
                checkpoint,
                ..
            } => {
                let walk = commands::WalkPlan {
                    method,
                    request: &request,
                    walk: &walk,
                    limits: Some(&limits),
                };
                commands::paginate(
                    &url,
                    &walk,
                    config,
                    output.as_deref(),
                    checkpoint.as_deref(),
                    show_progress,
                )
                .await
            }
            Command::Inspect {
                url,
                method,
                request,
                walk,
                no_probe,
                ..
            } => {
                let walk = commands::WalkPlan {
                    method,
                    request: &request,
                    walk: &walk,
                    limits: None,
                };
                commands::inspect(&url, &walk, config, !no_probe).await
            }
            Command::Run { args, .. } => run_cmd::run(&args, config, show_progress).await,
            #[cfg(feature = "demo")]
            Command::Demo {
                output,
                records,
                page_size,
                ..
            } => demo::run(&output, records, page_size, show_progress).await,
        }
    })
}

/// Defaults, then `--config FILE` (or RESTCLIENT_CONFIG, or .restclient/config.toml), then
/// RUNTIME__* variables, then `--retries`. A bad file or variable is a usage error naming the
/// key.
fn load_config(args: Option<&RuntimeArgs>) -> Result<RuntimeConfig> {
    let mut loader = RuntimeConfig::loader();
    if let Some(file) = args.and_then(|a| a.config.as_ref()) {
        loader = loader.file(file);
    }
    let mut config = loader.load()?;
    if let Some(retries) = args.and_then(|a| a.retries) {
        config.request_max_attempts = retries.saturating_add(1);
    }
    Ok(config)
}

fn init_logging(cli: &Cli, config: &RuntimeConfig) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let level = cli.log_level.unwrap_or(config.log_level);
    let mut filter = level.as_str().to_ascii_lowercase();
    if level == tracing::Level::WARN {
        // A retry is news at the default level, as curl's `Warning: ... Will retry` is: a
        // refused connection says so at once, not after the last attempt's backoff.
        filter.push_str(",restclient::exec=info");
        // `inspect` reports detection itself (the paginator, how sure, the alternatives and
        // what the second request confirmed): the walk's own "guessed"/"no pagination found"
        // warning would repeat that report, and contradict a confirmation printed after it.
        if matches!(cli.command, Command::Inspect { .. }) {
            filter.push_str(",restclient::detect=error");
        }
    }
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
