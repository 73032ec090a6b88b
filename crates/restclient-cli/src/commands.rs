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
    let (client, _) = client(url, request, Some(walk), rate, config)?;
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
        return Ok(p);
    };
    if let Some(n) = limits.max_pages {
        p = p.max_pages(n);
    }
    if let Some(n) = limits.max_records {
        p = p.max_records(n);
    }
    Ok(p.concurrency(usize::from(limits.concurrency)))
}

/// Walks every page to NDJSON. SIGINT or SIGTERM stops the walk between pages: the records of
/// the pages already received are written as whole lines and flushed, the checkpoint (if any)
/// is saved, then the exit status is 130 / 143.
///
/// With `--checkpoint`, each page is written, flushed, and only then the checkpoint saved with
/// the output's length: a crash at any instant leaves a checkpoint no newer than the output,
/// and a resume cuts the output back to the checkpoint's length before going on.
pub(crate) async fn paginate(
    url: &str,
    plan: &WalkPlan<'_>,
    config: RuntimeConfig,
    output: Option<&Path>,
    checkpoint: Option<&Path>,
    show: bool,
) -> Result<()> {
    let mut paginate = walk(url, plan, config)?;
    if let Some(file) = checkpoint {
        // The output file is part of the walk's identity: resuming into another file would
        // cut the wrong file.
        let out = match output {
            Some(p) => serde_json::Value::from(
                std::path::absolute(p)
                    .unwrap_or_else(|_| p.to_path_buf())
                    .display()
                    .to_string(),
            ),
            None => serde_json::Value::from("-"),
        };
        paginate = paginate.checkpoint_saved_by_caller(file, serde_json::json!({ "output": out }));
    }
    let pause = PauseAt::from_env();
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    // A checkpoint of another walk fails here, before any request and before the output is
    // touched.
    let mut pages = paginate.try_pages()?;
    let mut writer = NdjsonWriter::new(output);
    if let Some(len) = pages
        .resumed_extra()
        .and_then(|e| e.get("output_len"))
        .and_then(serde_json::Value::as_u64)
    {
        writer.resume_at(len)?;
    }
    let mut progress = Progress::new(show, "paginate");
    let save = |pages: &restclient::Pages, writer: &NdjsonWriter, number: usize| {
        let extra = match output {
            Some(_) => serde_json::json!({ "output_len": writer.len() }),
            None => serde_json::json!({}),
        };
        pages.save_checkpoint(extra, &mut |_| pause.at("checkpoint", number))
    };
    let outcome: Result<()> = loop {
        let page = tokio::select! {
            biased;
            _ = sigint.recv() => break Err(Interrupted { signal: 2, name: "SIGINT" }.into()),
            _ = sigterm.recv() => break Err(Interrupted { signal: 15, name: "SIGTERM" }.into()),
            page = pages.try_next() => page,
        };
        match page {
            Ok(Some(page)) => {
                let number = page.number();
                pause.at("page", number);
                progress.page(page.len());
                let midway = || pause.at("write", number);
                if let Err(e) = writer.page(
                    &page,
                    pause.wants("write", number).then_some(&midway as &dyn Fn()),
                ) {
                    break Err(e);
                }
                if checkpoint.is_some() {
                    // The page is in the output (flushed) before the checkpoint says so.
                    if let Err(e) = writer.finish() {
                        break Err(e);
                    }
                    if let Err(e) = save(&pages, &writer, number) {
                        break Err(e.into());
                    }
                    pause.at("saved", number);
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e.into()),
        }
    };
    progress.finish();
    // Whatever ended the walk, what arrived is kept (a closed stdout has nothing to keep).
    let flushed = writer.finish();
    let interrupted = matches!(&outcome, Err(e) if e.is::<Interrupted>());
    if checkpoint.is_some() && flushed.is_ok() && interrupted {
        // After a signal: the position after the last page written (saved after that page
        // already; saved again so that a signal never leaves it behind). Not after a failed
        // write: the position would then be past a page the output does not hold.
        if let Err(e) = save(&pages, &writer, 0) {
            stderr_line(&format!("error: {e:#}"));
        }
    }
    outcome?;
    flushed?;
    let reason = pages
        .stop_reason()
        .map_or_else(|| "unknown".to_owned(), |r| r.to_string());
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

/// A test hook for the crash test (`tests/crash.rs`): `RESTCLIENT_TEST_PAUSE_AT=<point>:<page>`
/// makes the binary print `RESTCLIENT_TEST_PAUSED <point>:<page>` on stderr and stop for good
/// at that point, so that the test can `kill -9` it exactly there. Points: `page` (received,
/// nothing written), `write` (half the page's lines in the output file), `checkpoint` (the new
/// checkpoint on disk, not yet renamed into place), `saved` (checkpoint in place, before the
/// next request). Not a user setting.
struct PauseAt(Option<(String, usize)>);

impl PauseAt {
    fn from_env() -> Self {
        let parsed = std::env::var("RESTCLIENT_TEST_PAUSE_AT")
            .ok()
            .and_then(|v| {
                let (point, n) = v.split_once(':')?;
                Some((point.to_owned(), n.parse().ok()?))
            });
        PauseAt(parsed)
    }

    fn wants(&self, point: &str, page: usize) -> bool {
        self.0
            .as_ref()
            .is_some_and(|(p, n)| p == point && *n == page)
    }

    fn at(&self, point: &str, page: usize) {
        if self.wants(point, page) {
            stderr_line(&format!("RESTCLIENT_TEST_PAUSED {point}:{page}"));
            loop {
                std::thread::park();
            }
        }
    }
}

pub(crate) async fn inspect(url: &str, plan: &WalkPlan<'_>, config: RuntimeConfig) -> Result<()> {
    let mut pages = walk(url, plan, config)?.max_pages(1).pages();
    let Some(page) = pages.try_next().await? else {
        anyhow::bail!("the first response was ignored by a hook; nothing to inspect");
    };
    let mut report = serde_json::json!({
        "paginator": page.paginator(),
        "data_selector": page.data_selector().as_str(),
        "records": page.len(),
    });
    // Without a paginator given, say how sure detection is and what else it considered, so
    // that a user can copy the right SPEC.
    if plan.walk.paginator.is_none()
        && let Some(found) = restclient::detect::paginator_for(page.request(), page.response())
    {
        let alternatives: Vec<serde_json::Value> = found
            .alternatives
            .iter()
            .map(|a| {
                serde_json::json!({
                    "paginator": a.paginator,
                    "confidence": for_people(a.confidence),
                    "rule": a.rule,
                    "source": a.source,
                })
            })
            .collect();
        report["detection"] = serde_json::json!({
            "rule": found.rule,
            "confidence": for_people(found.confidence),
            "source": found.source,
            "alternatives": alternatives,
        });
    }
    stdout_line(&report.to_string())
}

/// A confidence as people read it: two decimals (0.9, not the f32's 0.8999999761581421).
fn for_people(confidence: f32) -> f64 {
    (f64::from(confidence) * 100.0).round() / 100.0
}
