//! `restclient demo`: the bundled demo API, walked in every pagination style.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use demo_api::DemoServer;
use futures::TryStreamExt;
use restclient::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator,
};
use restclient::run::Run;
use restclient::{Method, RestClient};
use serde_json::json;

use crate::output::{NdjsonWriter, Progress, stdout_line};

struct Style {
    name: &'static str,
    path: &'static str,
    method: Method,
    paginator: Box<dyn Paginator>,
    selector: &'static str,
    body: Option<serde_json::Value>,
    concurrency: usize,
}

fn styles(page_size: u64) -> Vec<Style> {
    let limit = i64::try_from(page_size).unwrap_or(50);
    vec![
        Style {
            name: "offset",
            path: "/offset",
            method: Method::GET,
            paginator: Box::new(OffsetPaginator::new(limit)),
            selector: "items",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "offset_concurrent",
            path: "/offset",
            method: Method::GET,
            paginator: Box::new(OffsetPaginator::new(limit)),
            selector: "items",
            body: None,
            concurrency: 8,
        },
        Style {
            name: "offset_no_total",
            path: "/offset/no-total",
            method: Method::GET,
            paginator: Box::new(OffsetPaginator::new(limit).without_total()),
            selector: "items",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "page_number",
            path: "/page",
            method: Method::GET,
            paginator: Box::new(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            ),
            selector: "data",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "json_link",
            path: "/json-link",
            method: Method::GET,
            paginator: Box::new(JsonLinkPaginator::new()),
            selector: "data",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "header_link",
            path: "/header-link",
            method: Method::GET,
            paginator: Box::new(HeaderLinkPaginator::new()),
            selector: "$",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "cursor",
            path: "/cursor",
            method: Method::GET,
            paginator: Box::new(JsonResponseCursorPaginator::new()),
            selector: "items",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "header_cursor",
            path: "/header-cursor",
            method: Method::GET,
            paginator: Box::new(HeaderCursorPaginator::new()),
            selector: "$",
            body: None,
            concurrency: 1,
        },
        Style {
            name: "post_body_cursor",
            path: "/search",
            method: Method::POST,
            paginator: Box::new(
                JsonResponseCursorPaginator::new()
                    .cursor_path("next_page_cursor")
                    .cursor_body_path("cursor"),
            ),
            selector: "results",
            body: Some(json!({"query": "demo"})),
            concurrency: 1,
        },
    ]
}

pub(crate) async fn run(
    out: &Path,
    records: u64,
    page_size: u64,
    show_progress: bool,
) -> Result<()> {
    let server = DemoServer::builder()
        .records(records)
        .page_size(page_size)
        .start()
        .await
        .context("cannot start the demo API")?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let client = RestClient::builder(server.url()).build()?;
    stdout_line(&format!(
        "demo API listening on {} ({records} records, {page_size} per page)",
        server.url()
    ))?;
    stdout_line(&format!("writing records to {}/", out.display()))?;
    let mut rows = Vec::new();
    for style in styles(page_size) {
        let file = out.join(format!("{}.ndjson", style.name));
        let mut walk = client
            .paginate(style.path)
            .method(style.method)
            .paginator(style.paginator)
            .data_selector(style.selector)
            .concurrency(style.concurrency);
        if let Some(body) = style.body {
            walk = walk.json(&body);
        }
        let mut pages = walk.pages();
        let mut writer = NdjsonWriter::new(Some(&file));
        let mut progress = Progress::new(show_progress, style.name);
        let mut seen = vec![false; usize::try_from(records).unwrap_or(0)];
        let mut duplicates = 0u64;
        while let Some(page) = pages
            .try_next()
            .await
            .with_context(|| format!("style {}", style.name))?
        {
            progress.page(page.len());
            for record in &page {
                let id = record["id"]
                    .as_u64()
                    .and_then(|i| usize::try_from(i).ok())
                    .unwrap_or(0);
                match seen.get_mut(id.wrapping_sub(1)) {
                    Some(slot) if !*slot => *slot = true,
                    _ => duplicates = duplicates.saturating_add(1),
                }
            }
            writer.page(page)?;
        }
        writer.finish()?;
        progress.finish();
        let complete = duplicates == 0 && seen.iter().all(|s| *s);
        let reason = pages
            .stop_reason()
            .map_or_else(String::new, |r| r.to_string());
        rows.push((
            style.name,
            progress.pages(),
            progress.records(),
            progress.elapsed(),
            complete,
            reason,
        ));
    }
    stdout_line("")?;
    stdout_line(&format!(
        "{:<18} {:>6} {:>8} {:>10}  {:<8} stopped because",
        "style", "pages", "records", "time", "complete"
    ))?;
    for (name, pages, n, elapsed, complete, reason) in &rows {
        stdout_line(&format!(
            "{name:<18} {pages:>6} {n:>8} {:>10}  {:<8} {reason}",
            format_duration(*elapsed),
            if *complete { "yes" } else { "NO" }
        ))?;
    }
    let first = std::fs::read_to_string(out.join("offset.ndjson")).unwrap_or_default();
    if let Some(line) = first.lines().next() {
        stdout_line(&format!("\nfirst record of offset.ndjson: {line}"))?;
    }
    if rows.iter().any(|r| !r.4) {
        bail!("a walk did not deliver every record exactly once");
    }
    run_tracker(&server, out).await
}

/// The bundled extraction, `examples/run/tracker.yaml`: the config dlt's `rest_api` source would
/// take (projects → issues → comments, incremental issues, a 404 child, independent users and
/// events), run as `restclient run` runs it.
const TRACKER_CONFIG: &str = include_str!("../../../examples/run/tracker.yaml");

/// Writes the bundled config as it is to `OUT/tracker.yaml` (it runs against
/// `demo-api --port 8080`, as its first lines say), runs a copy pointed at this server into
/// `OUT/tracker/` from a fresh state, then moves the tracker's data on by a day and runs it
/// again: the second run delivers only the new and changed issues (and their comments), as an
/// incremental extraction does.
async fn run_tracker(server: &DemoServer, out: &Path) -> Result<()> {
    let config = out.join("tracker.yaml");
    std::fs::write(&config, TRACKER_CONFIG)
        .with_context(|| format!("cannot write `{}`", config.display()))?;
    // This server's port is random: the runs here read a copy that names it, removed after.
    let this_server = out.join(".tracker.this-demo.yaml");
    let base = server.url();
    let text = TRACKER_CONFIG.replace("http://127.0.0.1:8080", base.trim_end_matches('/'));
    std::fs::write(&this_server, text)
        .with_context(|| format!("cannot write `{}`", this_server.display()))?;
    let dir = out.join("tracker");
    // The demo API's data is the same on every start: an old state would find nothing new.
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot clear `{}`", dir.display()));
        }
        _ => {}
    }
    stdout_line(&format!(
        "\nrunning {} (a dlt rest_api config) into {}/",
        config.display(),
        dir.display()
    ))?;
    let runs = async {
        run_once(&this_server, &dir).await?;
        server.advance_tracker();
        stdout_line(
            "\na day of activity later (issues updated, new ones opened), the same command again: \
             only the new and changed issues, and their comments",
        )?;
        run_once(&this_server, &dir).await
    }
    .await;
    let _ = std::fs::remove_file(&this_server);
    runs?;
    stdout_line(&format!(
        "\nto run it yourself: `demo-api --port 8080` (cargo run -p demo-api -- --port 8080), \
         then `restclient run {} -o tracker-out`",
        config.display()
    ))
}

async fn run_once(config: &Path, dir: &Path) -> Result<()> {
    let summary = Run::from_file(config)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.display()))?
        .run_to_dir(dir)
        .await?;
    for line in crate::run_cmd::table(&summary) {
        stdout_line(&line)?;
    }
    if !summary.is_success() {
        bail!("the bundled run had a failing resource (see the table above)");
    }
    Ok(())
}

fn format_duration(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
