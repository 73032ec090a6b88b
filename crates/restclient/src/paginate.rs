//! [`Paginate`], the builder of a walk, and the streams it gives: [`Pages`] and [`Records`].

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::CallParts;
use crate::checkpoint::{Checkpoint, Identity};
use crate::client::RestClient;
use crate::error::{Error, Result};
use crate::hooks::{Hook, HookAction};
use crate::page::Page;
use crate::paginators::Paginator;
use crate::request::Body;
use crate::response::Response;
use crate::selector::Selector;
use crate::stop::StopReason;
use crate::walk::Walk;

/// A walk over every page of one endpoint, with per-call overrides of the client's settings.
/// Nothing is sent until the stream from [`pages`](Self::pages) or [`records`](Self::records)
/// is polled.
///
/// The loop is dlt's: `init_request` → send → hooks and status check → select records →
/// `update_state` → `update_request` → yield the page → `has_next_page`. Without a paginator
/// (on the call or the client) the first request is sent as given and the paginator is detected
/// from its response ([`detect::paginator_for`](crate::detect::paginator_for)); it continues the
/// walk from the second request on. Without a data selector, the records are detected from the
/// first response ([`detect::records`](crate::detect::records): the body when it is a list, else
/// the list under a usual key such as `data`, `items` or `results`) and that selector is kept.
///
///
#[doc = include_str!("docs/paginate.md")]
#[doc = include_str!("docs/long-walks.md")]
#[must_use]
#[derive(Debug)]
pub struct Paginate {
    client: Result<RestClient>,
    parts: CallParts,
    paginator: Option<Box<dyn Paginator>>,
    data_selector: Option<Result<Selector>>,
    hooks: Vec<Hook>,
    max_pages: Option<usize>,
    max_records: Option<usize>,
    concurrency: usize,
    checkpoint: Option<CheckpointSetting>,
    /// Detect the paginator even when the client has one.
    detect: bool,
}

/// How a checkpoint was asked for.
#[derive(Debug)]
enum CheckpointSetting {
    /// A file: saved by the walk itself (`auto`, `Paginate::checkpoint`) or by the caller
    /// after each page it wrote (`paginate --checkpoint`).
    File {
        path: PathBuf,
        auto: bool,
        identity_extra: Value,
    },
    /// Kept inside the caller's own file (a run's checkpoint): `saved` is the position to
    /// resume from, `name` says where it is kept.
    Caller {
        name: String,
        identity_extra: Value,
        saved: Option<Value>,
    },
}

impl Paginate {
    pub(crate) fn new(client: RestClient, path: &str) -> Self {
        Paginate {
            client: Ok(client),
            parts: CallParts::new(Method::GET, path),
            paginator: None,
            data_selector: None,
            hooks: Vec::new(),
            max_pages: None,
            max_records: None,
            concurrency: 1,
            checkpoint: None,
            detect: false,
        }
    }

    /// A walk whose first poll yields `error`.
    pub(crate) fn failed(error: Error, path: &str) -> Self {
        Paginate {
            client: Err(error),
            parts: CallParts::new(Method::GET, path),
            paginator: None,
            data_selector: None,
            hooks: Vec::new(),
            max_pages: None,
            max_records: None,
            concurrency: 1,
            checkpoint: None,
            detect: false,
        }
    }

    /// The HTTP method (default `GET`).
    pub fn method(mut self, method: Method) -> Self {
        self.parts.method = method;
        self
    }

    crate::call::call_setters!("walk");

    /// Detects the paginator from the first response even when the client has one (a run's
    /// endpoint `paginator: auto` means detection, not the client's paginator).
    #[cfg(feature = "run")]
    pub(crate) fn detect_paginator(mut self) -> Self {
        self.paginator = None;
        self.detect = true;
        self
    }

    /// Uses this paginator instead of the client's. A boxed paginator chosen at run time
    /// (`Box<dyn Paginator>`) is accepted too.
    pub fn paginator(mut self, paginator: impl Paginator) -> Self {
        self.paginator = Some(Box::new(paginator));
        self
    }

    /// Uses this data selector (JSONPath, dlt syntax) instead of the client's.
    pub fn data_selector(mut self, selector: &str) -> Self {
        self.data_selector = Some(Selector::new(selector));
        self
    }

    /// Adds a response hook; hooks run in order on the final response of every request of the
    /// walk (after its retries), before the status is checked.
    ///
    /// ```no_run
    /// use restclient::{HookAction, StatusCode};
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// // A 404 means "no data here", not an error.
    /// let pages = client.paginate("/maybe").hook(|r| {
    ///     if r.status() == StatusCode::NOT_FOUND { HookAction::Ignore } else { HookAction::Continue }
    /// });
    /// # Ok(()) }
    /// ```
    pub fn hook(mut self, hook: impl Fn(&Response) -> HookAction + Send + Sync + 'static) -> Self {
        self.hooks.push(Hook::new(hook));
        self
    }

    /// As [`hook`](Self::hook), for a hook that also reads the request that got the response
    /// (as it was sent, before auth signed it): for bindings whose hooks see
    /// `response.request`, as requests' do (the Python package).
    ///
    /// ```no_run
    /// use restclient::HookAction;
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// let pages = client.paginate("/posts").hook_with_request(|response, request| {
    ///     println!("{} {} -> {}", request.method(), request.full_url(), response.status());
    ///     HookAction::Continue
    /// });
    /// # Ok(()) }
    /// ```
    pub fn hook_with_request(
        mut self,
        hook: impl Fn(&Response, &crate::Request) -> HookAction + Send + Sync + 'static,
    ) -> Self {
        self.hooks.push(Hook::with_request(hook));
        self
    }

    /// Stops after this many pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.max_pages = Some(n);
        self
    }

    /// Stops after this many records (the last page is cut to fit).
    pub fn max_records(mut self, n: usize) -> Self {
        self.max_records = Some(n);
        self
    }

    /// Fetches up to `n` pages at once where the paginator allows it (offset and page-number
    /// walks, whose next requests do not depend on the previous body); pages are still yielded
    /// in order, with no record lost or duplicated, and every stop rule applies as in a serial
    /// walk. When the total is unknown and the walk ends on an empty page, up to `n − 1`
    /// requests past the end are sent and their pages discarded. Link and cursor walks cannot
    /// be parallelised (each request needs the previous response) and stay serial. Default 1;
    /// 0 counts as 1; more than the client's `max_concurrency` (default 64) fails the walk
    /// before its first request.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Saves where the walk stands in the file at `path`, so that the same walk started again
    /// after a crash continues after the last saved page instead of from the start.
    ///
    /// A page's position is saved when the caller asks for the next page: the walk cannot know
    /// when the caller has *handled* a page any earlier. So a crash while the caller handles
    /// page k yields page k again after the resume (at-least-once for that page; every page
    /// before it exactly once). When the walk ends (its last page handed out and the next one
    /// asked for, or a stop rule), the file is removed; after an error it stays, at the last
    /// page handed out. A walk started with an existing file continues from it without sending
    /// the first request again; a file of another walk (URL, method, paginator, data selector)
    /// fails the walk with a [builder error](Error::is_builder) saying what differs, before any
    /// request. The paginator must support checkpoints (every built-in one does; a custom one
    /// implements [`Paginator::checkpoint`] and [`Paginator::restore`]).
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// let mut pages = client.paginate("/events").checkpoint("events.checkpoint").pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     // store the page; if the process dies here, this page comes again on the next run
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// What exactly-once means and when it holds, the file, and signals: the guide's
    /// [Checkpoints](Paginate#checkpoints) section.
    pub fn checkpoint(mut self, path: impl AsRef<Path>) -> Self {
        self.checkpoint = Some(CheckpointSetting::File {
            path: path.as_ref().to_path_buf(),
            auto: true,
            identity_extra: Value::Null,
        });
        self
    }

    /// A checkpoint kept by the caller inside its own file: each page carries the walk's
    /// position, and `saved` (identity checked against this walk and `identity_extra`) is where
    /// a resumed walk starts.
    pub(crate) fn checkpoint_in_caller(
        mut self,
        name: String,
        identity_extra: Value,
        saved: Option<Value>,
    ) -> Self {
        self.checkpoint = Some(CheckpointSetting::Caller {
            name,
            identity_extra,
            saved,
        });
        self
    }

    /// For the CLI's `paginate --checkpoint`: every page's records written to `output` (stdout
    /// when `None`) as NDJSON, exactly once across crashes and resumes (see
    /// [`NdjsonWalk`]). The checkpoint file is locked while the walk runs; a checkpoint of
    /// another walk (the output file is part of what names it) fails here, before any
    /// request, with a [builder error](Error::is_builder).
    ///
    /// # Errors
    /// A builder error for a checkpoint of another walk or a lock held by another process; an
    /// error of kind `Other` when the output cannot be opened or cut back.
    #[doc(hidden)]
    pub fn ndjson_checkpointed(
        mut self,
        checkpoint: impl AsRef<Path>,
        output: Option<&Path>,
    ) -> Result<NdjsonWalk> {
        let checkpoint = checkpoint.as_ref().to_path_buf();
        let lock_path = {
            let mut name = checkpoint.file_name().unwrap_or_default().to_os_string();
            name.push(".lock");
            checkpoint.with_file_name(name)
        };
        let lock = crate::files::Lock::acquire(
            &lock_path,
            &format!("the checkpoint `{}`", checkpoint.display()),
            true,
        )?;
        crate::files::remove_stale_temps(&checkpoint);
        // The output file is part of the walk's identity: resuming into another file would
        // cut the wrong file.
        let shown = output.map_or_else(
            || Value::from("-"),
            |p| {
                Value::from(
                    std::path::absolute(p)
                        .unwrap_or_else(|_| p.to_path_buf())
                        .display()
                        .to_string(),
                )
            },
        );
        self.checkpoint = Some(CheckpointSetting::File {
            path: checkpoint.clone(),
            auto: false,
            identity_extra: serde_json::json!({ "output": shown }),
        });
        let pages = self.try_pages()?;
        let resumed = pages
            .checkpoint
            .as_ref()
            .and_then(|c| c.resume.as_ref())
            .map(|s| {
                s.extra
                    .get("output_len")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            });
        let target = match output {
            Some(p) => crate::durable::Target::File(p.to_path_buf()),
            None => crate::durable::Target::Stream(Box::new(std::io::stdout())),
        };
        let ledger = crate::durable::Ledger::open(
            target,
            checkpoint,
            resumed,
            std::time::Duration::ZERO,
            crate::files::Durability::Disk,
        )
        .map_err(|e| output_error(output, "resume the output", e))?;
        Ok(NdjsonWalk {
            pages,
            ledger,
            to_file: output.is_some(),
            buf: Vec::new(),
            _lock: lock,
        })
    }

    /// The pages, in order. The stream ends after the last page, or with the first error.
    pub fn pages(self) -> Pages {
        match self.try_pages() {
            Ok(pages) => pages,
            // The error surfaces when the stream is polled, as every walk error does.
            Err(e) => Pages {
                inner: Box::pin(futures::stream::once(std::future::ready(Err(e)))),
                stop: Arc::new(Mutex::new(None)),
                checkpoint: None,
            },
        }
    }

    /// As [`pages`](Self::pages), with a setting error (a checkpoint of another walk) at once.
    pub(crate) fn try_pages(self) -> Result<Pages> {
        let stop = Arc::new(Mutex::new(None));
        let walk = self.plan()?;
        let checkpoint = walk.checkpoint.clone();
        let inner: Pin<Box<dyn Stream<Item = Result<Page>> + Send>> =
            Box::pin(crate::walk::walk(walk, Arc::clone(&stop)));
        Ok(Pages {
            inner,
            stop,
            checkpoint,
        })
    }

    /// Everything the walk engine needs: the client's defaults overridden by this call's.
    fn plan(self) -> Result<Walk> {
        let client = self.client?;
        if self.concurrency > client.inner.max_concurrency {
            return Err(Error::invalid(
                "Paginate",
                "concurrency",
                format!(
                    "{} is more than max_concurrency ({}); raise max_concurrency in the runtime config to allow it",
                    self.concurrency, client.inner.max_concurrency
                ),
            ));
        }
        let selector = match self.data_selector {
            Some(s) => Some(Arc::new(s?)),
            None => client.inner.data_selector.clone().map(Arc::new),
        };
        let paginator = if self.detect {
            None
        } else {
            self.paginator.or_else(|| client.inner.paginator.clone())
        };
        let (request, ctx) = self.parts.prepare(&client)?;
        let checkpoint = match self.checkpoint {
            None => None,
            Some(setting) => {
                let identity_extra = match &setting {
                    CheckpointSetting::File { identity_extra, .. }
                    | CheckpointSetting::Caller { identity_extra, .. } => identity_extra.clone(),
                };
                let identity = Identity {
                    method: request.method().as_str().to_owned(),
                    url: ctx.redactor.url(&request.full_url()),
                    paginator: paginator
                        .as_ref()
                        .map_or_else(|| Value::from("auto"), |p| p.describe()),
                    data_selector: selector.as_ref().map(|s| s.as_str().to_owned()),
                    body: request.body().map(|b| {
                        ctx.redactor.text(&match b {
                            Body::Json(v) => v.to_string(),
                            Body::Form(f) => Value::from(
                                f.iter()
                                    .map(|(k, v)| Value::from(vec![k.as_str(), v.as_str()]))
                                    .collect::<Vec<_>>(),
                            )
                            .to_string(),
                        })
                    }),
                    extra: identity_extra,
                };
                Some(Arc::new(match setting {
                    CheckpointSetting::File { path, auto, .. } => {
                        Checkpoint::from_file(path, auto, identity)?
                    }
                    CheckpointSetting::Caller { name, saved, .. } => {
                        Checkpoint::from_value(name, saved, identity)?
                    }
                }))
            }
        };
        Ok(Walk {
            exec: client.inner.exec.clone(),
            ctx,
            request,
            paginator,
            selector,
            hooks: self.hooks,
            max_pages: self.max_pages,
            max_records: self.max_records,
            concurrency: self.concurrency,
            checkpoint,
        })
    }

    /// Every record of every page, in order, as `serde_json::Value`s.
    pub fn records(self) -> Records {
        Records {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }

    /// Every record of every page, in order, deserialized straight from the response text
    /// into `T` (no `Value` in between). A record that does not fit `T` ends the stream with a
    /// [decode error](Error::is_decode) naming the URL, the page number and the record index.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run() -> restclient::Result<()> {
    /// # let client = restclient::RestClient::builder("https://api.example.com").build()?;
    /// #[derive(serde::Deserialize)]
    /// struct Issue { number: u64, title: String }
    ///
    /// let issues: Vec<Issue> = client.paginate("/issues").records_as::<Issue>().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn records_as<T: DeserializeOwned>(self) -> RecordsAs<T> {
        RecordsAs {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }
}

// The walk constructor lives with the builder it makes (see `call.rs`).
impl RestClient {
    /// Walks every page of `path`. See [`Paginate`].
    pub fn paginate(&self, path: &str) -> Paginate {
        Paginate::new(self.clone(), path)
    }
}

/// The stream of pages of a walk; after it ends, [`stop_reason`](Self::stop_reason) says why.
#[must_use = "streams do nothing unless polled"]
pub struct Pages {
    inner: Pin<Box<dyn Stream<Item = Result<Page>> + Send>>,
    stop: Arc<Mutex<Option<StopReason>>>,
    checkpoint: Option<Arc<Checkpoint>>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("stop_reason", &self.stop_reason())
            .finish_non_exhaustive()
    }
}

impl Pages {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A walk written to an NDJSON file (or stdout) with a checkpoint, exactly once across crashes:
/// after each page, its records are written as whole lines and handed to the OS, and only then
/// is the checkpoint saved with the output's length. Started again after a crash, the walk
/// cuts the file back to the saved length and continues after the last saved page. Made by
/// [`Paginate::ndjson_checkpointed`] (the CLI's `paginate --checkpoint`).
#[doc(hidden)]
pub struct NdjsonWalk {
    pages: Pages,
    ledger: crate::durable::Ledger,
    to_file: bool,
    buf: Vec<u8>,
    _lock: crate::files::Lock,
}

impl std::fmt::Debug for NdjsonWalk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdjsonWalk")
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl NdjsonWalk {
    /// Receives the next page, writes its records and saves the checkpoint; the number of
    /// records written, or `None` once the walk has ended (its checkpoint removed). Dropping
    /// the future while it waits for the page (a signal) loses nothing: the writing and the
    /// saving happen after the page arrived, without a pause.
    ///
    /// # Errors
    /// The walk's error, or a write error of the output or the checkpoint (its `source()` is
    /// the `std::io::Error`: a closed stdout is `BrokenPipe`).
    pub async fn next_page(&mut self) -> Result<Option<usize>> {
        use futures::StreamExt;
        let Some(page) = self.pages.next().await else {
            self.ledger
                .remove_checkpoint()
                .map_err(|e| output_error(None, "remove the checkpoint", e))?;
            return Ok(None);
        };
        let page = page?;
        crate::testhooks::set_page(page.number() as u64);
        crate::testhooks::point("page");
        self.buf.clear();
        page.write_ndjson(&mut self.buf);
        self.ledger
            .append(&self.buf)
            .map_err(|e| output_error(None, "write the output", e))?;
        if let Some(saved) = page.checkpoint() {
            let mut saved = saved.clone();
            let to_file = self.to_file;
            self.ledger
                .save(|len| {
                    saved["extra"] = if to_file {
                        serde_json::json!({ "output_len": len })
                    } else {
                        serde_json::json!({})
                    };
                    let mut bytes = serde_json::to_vec_pretty(&saved).unwrap_or_default();
                    bytes.push(b'\n');
                    bytes
                })
                .map_err(|e| output_error(None, "save the checkpoint", e))?;
        }
        Ok(Some(page.len()))
    }

    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.pages.stop_reason()
    }
}

fn output_error(output: Option<&Path>, what: &str, e: std::io::Error) -> Error {
    let at = output
        .map(|p| format!(" `{}`", p.display()))
        .unwrap_or_default();
    Error::new(crate::ErrorKind::Other, format!("cannot {what}{at}: {e}")).with_source(e)
}

impl Stream for Pages {
    type Item = Result<Page>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The stream of records of a walk.
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Records {
    pages: Pages,
    current: std::vec::IntoIter<Value>,
}

impl Records {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.pages.stop_reason()
    }
}

impl Stream for Records {
    type Item = Result<Value>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(v) = self.current.next() {
                return Poll::Ready(Some(Ok(v)));
            }
            match self.pages.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => self.current = page.into_records().into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The stream of typed records of a walk; see [`Paginate::records_as`].
///
#[doc = include_str!("docs/typed.md")]
#[must_use = "streams do nothing unless polled"]
pub struct RecordsAs<T> {
    pages: Pages,
    current: std::vec::IntoIter<T>,
}

impl<T> std::fmt::Debug for RecordsAs<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordsAs")
            .field("type", &std::any::type_name::<T>())
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

impl<T> RecordsAs<T> {
    /// Why the walk ended, once it has ended without an error.
    #[must_use]
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.pages.stop_reason()
    }
}

// The records are plain data once deserialized; nothing in the stream is pinned.
impl<T> Unpin for RecordsAs<T> {}

impl<T: DeserializeOwned> Stream for RecordsAs<T> {
    type Item = Result<T>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(v) = self.current.next() {
                return Poll::Ready(Some(Ok(v)));
            }
            match self.pages.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => match page.deserialize::<T>() {
                    Ok(records) => self.current = records.into_iter(),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
