//! The `restclient` command-line tool: `get`, `paginate`, `inspect` and `demo`.

mod cli;
mod demo;
mod output;
mod spec;

use std::io;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use futures::TryStreamExt;
use restclient::config::{LogLevel, RuntimeConfig};
use restclient::{Method, Paginate, RestClient};

use cli::{Cli, Command, CommonArgs, RequestArgs, WalkArgs};
use output::{NdjsonWriter, Progress};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let common = match &cli.command {
        Command::Get { common, .. }
        | Command::Paginate { common, .. }
        | Command::Inspect { common, .. }
        | Command::Demo { common, .. } => common,
    };
    let config = match load_config(common) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = init_logging(common, &config) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Defaults, then `--config FILE` (or RESTCLIENT_CONFIG, or .restclient/config.toml), then
/// RUNTIME__* variables.
fn load_config(common: &CommonArgs) -> Result<RuntimeConfig> {
    let mut loader = RuntimeConfig::loader();
    if let Some(file) = &common.config {
        loader = loader.file(file);
    }
    Ok(loader.load()?)
}

/// Errors are one line on stderr; a response body in an HTTP error keeps its own lines out.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn init_logging(common: &CommonArgs, config: &RuntimeConfig) -> Result<()> {
    let level = match &common.log_level {
        Some(l) => l
            .parse::<LogLevel>()
            .map_err(|e| anyhow!("--log-level: {e}"))?,
        None => config.log_level,
    };
    let filter = tracing::Level::from(level).as_str().to_ascii_lowercase();
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "{filter},hyper=warn,reqwest=warn,h2=warn,rustls=warn"
        )))
        .with_target(false)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .init();
    Ok(())
}

async fn run(command: Command, config: RuntimeConfig) -> Result<ExitCode> {
    match command {
        Command::Get { url, request, .. } => get(&url, &request, config).await,
        Command::Paginate {
            url,
            request,
            walk,
            output,
            progress,
            no_progress,
            ..
        } => {
            paginate(
                &url,
                &request,
                &walk,
                config,
                output.as_deref(),
                output::progress_enabled(progress, no_progress),
            )
            .await
        }
        Command::Inspect {
            url, request, walk, ..
        } => inspect(&url, &request, &walk, config).await,
        Command::Demo {
            out,
            records,
            page_size,
            progress,
            no_progress,
            ..
        } => {
            demo::run(
                &out,
                records,
                page_size,
                output::progress_enabled(progress, no_progress),
            )
            .await
        }
    }
}

fn method(request: &RequestArgs) -> Result<Method> {
    Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| anyhow!("-X/--method: invalid method `{}`", request.method))
}

/// A client whose base URL is the URL itself, as dlt's `paginate()` shortcut does.
fn client(url: &str, request: &RequestArgs, config: RuntimeConfig) -> Result<RestClient> {
    let mut builder = RestClient::builder(url).config(config);
    for h in &request.headers {
        let (name, value) = spec::header(h)?;
        builder = builder.header(&name, &value);
    }
    if let Some(a) = &request.auth {
        builder = builder.auth(spec::auth(a)?);
    }
    Ok(builder.build()?)
}

async fn get(url: &str, request: &RequestArgs, config: RuntimeConfig) -> Result<ExitCode> {
    let client = client(url, request, config)?;
    let mut call = client.request(method(request)?, "");
    for p in &request.params {
        let (k, v) = spec::param(p)?;
        call = call.param(k, v);
    }
    if let Some(j) = &request.json {
        call = call.json(spec::json_body(j)?);
    }
    let response = call.send().await?;
    if response.status().is_success() {
        let mut out = io::stdout().lock();
        ignore_broken_pipe(
            io::Write::write_all(&mut out, response.bytes())
                .and_then(|()| io::Write::flush(&mut out)),
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        let status = response.status();
        eprintln!(
            "{} {} for url: {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            response.redacted_url()
        );
        eprintln!("{}", response.text());
        Ok(ExitCode::FAILURE)
    }
}

fn walk(
    url: &str,
    request: &RequestArgs,
    walk: &WalkArgs,
    config: RuntimeConfig,
) -> Result<Paginate> {
    let client = client(url, request, config)?;
    let mut p = client.paginate("").method(method(request)?);
    for param in &request.params {
        let (k, v) = spec::param(param)?;
        p = p.param(k, v);
    }
    if let Some(j) = &request.json {
        p = p.json(spec::json_body(j)?);
    }
    if let Some(spec) = &walk.paginator
        && let Some(paginator) = spec::paginator(spec)?
    {
        p = p.boxed_paginator(paginator);
    }
    if let Some(s) = &walk.data_selector {
        restclient::selector::Selector::new(s).map_err(|e| anyhow!("--data-selector: {e}"))?;
        p = p.data_selector(s);
    }
    if let Some(n) = walk.max_pages {
        p = p.max_pages(n);
    }
    if let Some(n) = walk.max_records {
        p = p.max_records(n);
    }
    Ok(p.concurrency(usize::from(walk.concurrency)))
}

async fn paginate(
    url: &str,
    request: &RequestArgs,
    walk_args: &WalkArgs,
    config: RuntimeConfig,
    output: Option<&std::path::Path>,
    show: bool,
) -> Result<ExitCode> {
    let mut pages = walk(url, request, walk_args, config)?.pages();
    let mut writer = NdjsonWriter::create(output)?;
    let mut progress = Progress::new(show, "paginate");
    let result: Result<()> = async {
        while let Some(page) = pages.try_next().await? {
            progress.page(page.len());
            for record in &page {
                if ignore_broken_pipe(writer.write(record))?.is_none() {
                    return Err(BrokenPipe.into());
                }
            }
        }
        if ignore_broken_pipe(writer.finish())?.is_none() {
            return Err(BrokenPipe.into());
        }
        Ok(())
    }
    .await;
    progress.finish();
    match result {
        Err(e) if e.is::<BrokenPipe>() => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    let reason = pages
        .stop_reason()
        .map_or_else(|| "unknown".to_owned(), |r| r.to_string());
    let summary = format!(
        "{} pages, {} records in {:.2?}; stopped: {reason}",
        progress.pages(),
        progress.records(),
        progress.elapsed()
    );
    if progress.shown() {
        eprintln!("{summary}");
    } else {
        tracing::info!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The reader went away (`| head`): a normal end, not an error.
#[derive(Debug)]
struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken pipe")
    }
}

impl std::error::Error for BrokenPipe {}

/// `Ok(None)` when the write failed because the reader closed the pipe.
fn ignore_broken_pipe<T>(r: io::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(None),
        Err(e) => Err(e).context("cannot write the output"),
    }
}

async fn inspect(
    url: &str,
    request: &RequestArgs,
    walk_args: &WalkArgs,
    config: RuntimeConfig,
) -> Result<ExitCode> {
    let mut pages = walk(url, request, walk_args, config)?.max_pages(1).pages();
    let Some(page) = pages.try_next().await? else {
        return Err(anyhow!(
            "the first response was ignored by a hook; nothing to inspect"
        ));
    };
    let report = serde_json::json!({
        "paginator": page.paginator(),
        "data_selector": page.data_selector().as_str(),
        "records": page.len(),
    });
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}
