//! `get`, `paginate` and `inspect`.

use std::path::Path;

use anyhow::Result;
use futures::TryStreamExt;
use restclient::config::RuntimeConfig;
use restclient::header::HeaderMap;
use restclient::{Method, Paginate, RestClient};
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::{LimitArgs, RequestArgs, WalkArgs};
use crate::output::{Masker, NdjsonWriter, Progress, cap, stderr_line, stdout_bytes, stdout_line};
use crate::{Interrupted, Reported, Usage};

/// Every secret value of the command line: `${NAME}` values, auth credentials and sensitive
/// header values. Registered with the client (masked in its logs and errors) and used to mask
/// what the CLI prints itself.
fn secrets(request: &RequestArgs, walk: Option<&WalkArgs>) -> Vec<String> {
    let mut out = Vec::new();
    for p in &request.params {
        out.extend(p.secrets.iter().cloned());
    }
    if let Some(j) = &request.json {
        out.extend(j.secrets.iter().cloned());
    }
    if let Some(a) = &request.auth {
        out.extend(a.secrets.iter().cloned());
        out.extend(restclient::auth::Auth::secrets(a.auth.as_ref()));
    }
    if let Some(p) = walk.and_then(|w| w.paginator.as_ref()) {
        out.extend(p.secrets.iter().cloned());
    }
    out
}

/// Values of headers that are secrets: filled from `${NAME}` (marked sensitive) or named like
/// a credential; `Bearer abc` also yields `abc`.
fn header_secrets(headers: &HeaderMap) -> Vec<String> {
    const WORDS: [&str; 7] = [
        "auth", "key", "token", "secret", "password", "cookie", "session",
    ];
    let mut out = Vec::new();
    for (name, value) in headers {
        let named = WORDS.iter().any(|w| name.as_str().contains(w));
        if (value.is_sensitive() || named)
            && let Ok(v) = value.to_str()
        {
            out.push(v.to_owned());
            if let Some((_, rest)) = v.split_once(' ') {
                out.push(rest.trim().to_owned());
            }
        }
    }
    out
}

/// What `paginate` and `inspect` walk: the request, how its pages are read, and (`paginate`
/// only) how far and how fast.
pub(crate) struct WalkPlan<'a> {
    pub(crate) method: Method,
    pub(crate) request: &'a RequestArgs,
    pub(crate) walk: &'a WalkArgs,
    pub(crate) limits: Option<&'a LimitArgs>,
}

/// A client whose base URL is the URL itself, as dlt's `paginate()` shortcut does, and the
/// masker for what the CLI prints.
fn client(
    url: &str,
    request: &RequestArgs,
    walk: Option<&WalkArgs>,
    rate: Option<f64>,
    config: RuntimeConfig,
) -> Result<(RestClient, Masker)> {
    let mut headers = HeaderMap::new();
    for h in &request.headers {
        headers.append(h.name.clone(), h.value.clone());
    }
    let mut all = secrets(request, walk);
    // `https://<token>@host/`: the user part of a URL is a credential too.
    if let Ok(u) = restclient::Url::parse(url) {
        all.extend(
            [u.username(), u.password().unwrap_or("")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    let mut builder = RestClient::builder(url).runtime_config(config);
    for s in &all {
        builder = builder.secret(s.clone());
    }
    all.extend(header_secrets(&headers));
    builder = builder.headers(headers);
    if let Some(a) = &request.auth {
        builder = builder.auth(a.auth.clone());
    }
    if let Some(t) = request.timeout {
        builder = builder.timeout(t);
    }
    if let Some(r) = rate {
        builder = builder.requests_per_second(r);
    }
    Ok((builder.build()?, Masker::new(all)))
}

pub(crate) async fn get(
    url: &str,
    method: Method,
    request: &RequestArgs,
    config: RuntimeConfig,
) -> Result<()> {
    let max_body = config.http_max_error_body_length;
    let (client, masker) = client(url, request, None, None, config)?;
    let mut call = client.request(method, "");
    for p in &request.params {
        call = call.param(p.key.clone(), &p.value);
    }
    if let Some(j) = &request.json {
        call = call.json(&j.value);
    }
    let response = call.send().await?;
    if response.status().is_success() {
        return stdout_bytes(response.bytes());
    }
    let status = response.status();
    stderr_line(&format!(
        "{} {} for url: {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        response.redacted_url()
    ));
    // Secrets known only now (an OAuth2 access token fetched for this request) join the
    // masker. Mask first, then cap: a cut cannot leave half a secret behind.
    let masker = match &request.auth {
        Some(a) => masker.with(restclient::auth::Auth::secrets(a.auth.as_ref())),
        None => masker,
    };
    stderr_line(&cap(&masker.mask(&response.text()), max_body));
    Err(Reported.into())
}

fn walk(url: &str, plan: &WalkPlan<'_>, config: RuntimeConfig) -> Result<Paginate> {
    Ok(walk_with(url, plan, config)?.0)
}

/// The walk and the client it runs on (`inspect` sends its probes with the same client).
fn walk_with(
    url: &str,
    plan: &WalkPlan<'_>,
    config: RuntimeConfig,
) -> Result<(Paginate, RestClient, Masker)> {
    let (request, walk) = (plan.request, plan.walk);
    if let Some(limits) = plan.limits
        && usize::from(limits.concurrency) > config.max_concurrency
    {
        return Err(Usage(format!(
            "--concurrency: {} is above the maximum of {} (the runtime setting max_concurrency)",
            limits.concurrency, config.max_concurrency
        ))
        .into());
    }
    let rate = plan.limits.and_then(|l| l.rate);
    let (client, masker) = client(url, request, Some(walk), rate, config)?;
    let mut p = client.paginate("").method(plan.method.clone());
    for param in &request.params {
        p = p.param(param.key.clone(), &param.value);
    }
    if let Some(j) = &request.json {
        p = p.json(&j.value);
    }
    if let Some(paginator) = walk.paginator.as_ref().and_then(|a| a.paginator.clone()) {
        p = p.paginator(paginator);
    }
    if let Some(s) = &walk.data_selector {
        p = p.data_selector(s);
    }
    let Some(limits) = plan.limits else {
        return Ok((p, client, masker));
    };
    if let Some(n) = limits.max_pages {
        p = p.max_pages(n);
    }
    if let Some(n) = limits.max_records {
        p = p.max_records(n);
    }
    Ok((
        p.concurrency(usize::from(limits.concurrency)),
        client,
        masker,
    ))
}

/// Walks every page to NDJSON. SIGINT or SIGTERM stops the walk between pages: the records of
/// the pages already received are written as whole lines and flushed, then the exit status is
/// 130 / 143.
///
/// With `--checkpoint`, the library's exactly-once writer does the writing
/// ([`restclient::Paginate::ndjson_checkpointed`]): each page written and handed to the OS,
/// then the checkpoint saved with the output's length; the same command started again cuts the
/// output back to that length and goes on after the last saved page.
pub(crate) async fn paginate(
    url: &str,
    plan: &WalkPlan<'_>,
    config: RuntimeConfig,
    output: Option<&Path>,
    checkpoint: Option<&Path>,
    show: bool,
) -> Result<()> {
    let paginate = walk(url, plan, config)?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut progress = Progress::new(show, "paginate");
    let (outcome, reason) = match checkpoint {
        Some(file) => {
            // A checkpoint of another walk (or one in use) fails here, before any request and
            // before the output is touched.
            let mut walk = paginate.ndjson_checkpointed(file, output)?;
            let outcome: Result<()> = loop {
                let next = tokio::select! {
                    biased;
                    _ = sigint.recv() => break Err(Interrupted::new(2, "SIGINT", RESUME_WALK).into()),
                    _ = sigterm.recv() => break Err(Interrupted::new(15, "SIGTERM", RESUME_WALK).into()),
                    next = walk.next_page() => next,
                };
                match next {
                    Ok(Some(records)) => progress.page(records),
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(closed_or(e)),
                }
            };
            (outcome, walk.stop_reason())
        }
        None => {
            let mut pages = paginate.pages();
            let mut writer = NdjsonWriter::new(output);
            let outcome: Result<()> = loop {
                let page = tokio::select! {
                    biased;
                    _ = sigint.recv() => break Err(Interrupted::new(2, "SIGINT", "").into()),
                    _ = sigterm.recv() => break Err(Interrupted::new(15, "SIGTERM", "").into()),
                    page = pages.try_next() => page,
                };
                match page {
                    Ok(Some(page)) => {
                        progress.page(page.len());
                        if let Err(e) = writer.page(page) {
                            break Err(e);
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e.into()),
                }
            };
            // Whatever ended the walk, what arrived is kept (a closed stdout has nothing to keep).
            // A write that failed (a full disk) is the error to hear of, even after a signal or
            // a failed request: records the walk received are not in the file.
            let flushed = writer.finish();
            let outcome = match flushed {
                Err(e) if outcome.is_err() && !e.is::<crate::output::Closed>() => Err(e),
                flushed => outcome.and(flushed),
            };
            (outcome, pages.stop_reason())
        }
    };
    progress.finish();
    outcome?;
    let reason = reason.map_or_else(|| "unknown".to_owned(), |r| r.to_string());
    let summary = format!(
        "{} pages, {} records in {:.2?}; stopped: {reason}",
        progress.pages(),
        progress.records(),
        progress.elapsed()
    );
    // With -o FILE nothing else says how the walk went; on stdout the records speak for it.
    if progress.shown() || output.is_some() {
        stderr_line(&summary);
    } else {
        tracing::info!("{summary}");
    }
    Ok(())
}

/// What to do after a signal stopped a checkpointed walk.
const RESUME_WALK: &str = "run the same command again to continue after the last page written";

/// A closed stdout ends the command quietly; anything else is an error.
fn closed_or(e: restclient::Error) -> anyhow::Error {
    let broken = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
    if broken {
        crate::output::Closed.into()
    } else {
        e.into()
    }
}

/// Prints what fits the first page: the paginator, the data selector and the record count;
/// without `--paginator`, how sure detection is, its runner-ups and (`probe`) which of them the
/// API confirmed with a second request.
pub(crate) async fn inspect(
    url: &str,
    plan: &WalkPlan<'_>,
    config: RuntimeConfig,
    probe: bool,
) -> Result<()> {
    let (walk, probes, masker) = walk_with(url, plan, config)?;
    let mut pages = walk.max_pages(1).pages();
    let Some(page) = pages.try_next().await? else {
        anyhow::bail!("the first response was ignored by a hook; nothing to inspect");
    };
    let mut report = serde_json::json!({
        "paginator": page.paginator(),
        "data_selector": page.data_selector().as_str(),
        "records": page.len(),
    });
    let found = restclient::detect::paginator_for(page.request(), page.response());
    // Where the first page cannot decide, the API can: the second request of the best
    // candidates, sent with the walk's own client (auth, retries, pacing).
    if plan.walk.paginator.is_none() && probe {
        let confirmation = restclient::detect::confirm(
            page.request(),
            page.response(),
            page.data_selector(),
            found.as_ref(),
            |second| send_probe(&probes, second),
        )
        .await;
        report_confirmation(&mut report, &confirmation, &masker);
    }
    // Without a paginator given, say how sure detection is and what else it considered, so
    // that a user can copy the right SPEC.
    if plan.walk.paginator.is_none()
        && let Some(found) = found
    {
        // Where the first page cannot decide between conventions, say so: each runner-up with
        // the flag that selects it, in the JSON and as one line per runner-up on stderr.
        let alternatives: Vec<serde_json::Value> = found
            .alternatives
            .iter()
            .map(|a| {
                serde_json::json!({
                    "paginator": a.paginator,
                    "confidence": for_people(a.confidence),
                    "rule": a.rule,
                    "source": a.source,
                    "flag": paginator_flag(&a.paginator),
                })
            })
            .collect();
        for a in &found.alternatives {
            stderr_line(&format!(
                "also possible ({}, confidence {}): {}",
                a.source,
                for_people(a.confidence),
                paginator_flag(&a.paginator)
            ));
        }
        report["detection"] = serde_json::json!({
            "rule": found.rule,
            "confidence": for_people(found.confidence),
            "source": found.source,
            "alternatives": alternatives,
        });
    }
    stdout_line(&report.to_string())
}

/// Sends a candidate's second request with the walk's client: its headers (the walk's own,
/// paginators' included), query and body as the walk would send them.
async fn send_probe(
    client: &RestClient,
    second: restclient::Request,
) -> restclient::Result<restclient::Response> {
    let mut call = client
        .request(second.method().clone(), second.full_url().as_str())
        .headers(second.headers().clone());
    match second.body() {
        Some(restclient::Body::Json(v)) => call = call.json(v),
        Some(restclient::Body::Form(f)) => call = call.form(f.clone()),
        _ => {}
    }
    call.send().await
}

/// Puts what the second requests showed into the report: the confirmed paginator replaces
/// the first page's guess; every probe is listed (URL masked) with what it got back; one line
/// on stderr says which candidate the API confirmed, or why none.
fn report_confirmation(
    report: &mut serde_json::Value,
    confirmation: &restclient::detect::Confirmation,
    masker: &Masker,
) {
    let tried: Vec<serde_json::Value> = confirmation
        .tried
        .iter()
        .map(|p| {
            serde_json::json!({
                "paginator": p.paginator,
                "origin": p.origin,
                "url": masker.mask(&p.url),
                "confirmed": p.outcome.is_confirmed(),
                "outcome": masker.mask(&p.outcome.to_string()),
            })
        })
        .collect();
    let chosen = confirmation.chosen();
    if let Some(p) = chosen {
        report["paginator"] = p.paginator.clone();
    } else if confirmation.refuted() {
        // Recommending the guess would hand the user a walk that loops on page 1.
        report["paginator"] = serde_json::json!({"type": "single_page"});
    }
    report["confirmation"] = serde_json::json!({
        "confirmed": chosen.is_some(),
        "summary": masker.mask(&confirmation.summary()),
        "skipped": confirmation.skipped,
        "tried": tried,
    });
    stderr_line(&masker.mask(&confirmation.summary()));
}

/// The `--paginator` flag that selects `paginator` (dlt's `rest_api` form), quoted for a POSIX
/// shell so that it can be pasted as is.
fn paginator_flag(paginator: &serde_json::Value) -> String {
    format!(
        "--paginator '{}'",
        paginator.to_string().replace('\'', "'\\''")
    )
}

/// A confidence as people read it: two decimals (0.9, not the f32's 0.8999999761581421).
fn for_people(confidence: f32) -> f64 {
    (f64::from(confidence) * 100.0).round() / 100.0
}
