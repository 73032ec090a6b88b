//! [`NativePages`]: a walk as a Python iterator of `(records, page)` pairs, the records built
//! straight from the response text.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use pyo3::exceptions::{PyRecursionError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use restclient::{Page, Pages};

use crate::convert::request_to_py;
use crate::errors::{Raised, to_py_err};
use crate::records::{KeyCache, records_to_py};
use crate::response::NativeResponse;

/// The last response of a walk with an error status, for the `HTTPError` it ends with.
#[derive(Clone, Default)]
pub(crate) struct FailedResponse(Arc<Mutex<Option<(NativeResponse, restclient::Request)>>>);

impl FailedResponse {
    /// The response of an error status, and the request it answers.
    pub(crate) fn set(&self, response: NativeResponse, request: restclient::Request) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((response, request));
    }

    fn take(&self) -> Option<(NativeResponse, restclient::Request)> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

struct State {
    /// The walk, until a driver task takes it (`ahead`).
    pages: Option<Pages>,
    /// The walk driven one page ahead by a task, once started.
    ahead: Option<Ahead>,
    /// Whether to drive the walk one page ahead (no Python code runs in it).
    prefetch: bool,
    keys: KeyCache,
    done: bool,
}

/// A walk driven by a task on the runtime, one page ahead of the caller: the next page is
/// fetched while Python handles this one, and the walk's requests and their connection stay
/// on the runtime's threads (no hop to the caller's thread per request).
struct Ahead {
    pages: tokio::sync::mpsc::Receiver<restclient::Result<Page>>,
    stop: Arc<Mutex<Option<String>>>,
}

impl Ahead {
    fn start(mut walk: Pages) -> PyResult<Ahead> {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let stop = Arc::new(Mutex::new(None));
        let stop_slot = Arc::clone(&stop);
        crate::runtime::runtime()?.spawn(async move {
            while let Some(item) = walk.next().await {
                let failed = item.is_err();
                // The caller dropped the walk: stop (dropping it aborts what is in flight).
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
            *stop_slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                walk.stop_reason().map(|r| r.to_string());
        });
        Ok(Ahead { pages: rx, stop })
    }
}

/// The pages of one walk. Iterating yields `(records, page)`: the records as a list of
/// Python objects and the page's [`NativePage`].
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativePages {
    state: Mutex<State>,
    raised: Raised,
    failed: FailedResponse,
}

impl NativePages {
    /// `prefetch`: drive the walk one page ahead on the runtime; only for walks that call no
    /// Python code (a Python paginator, auth or hook would run off the caller's thread, and
    /// see the walk one page ahead of the loop).
    pub(crate) fn new(
        pages: Pages,
        raised: Raised,
        failed: FailedResponse,
        prefetch: bool,
    ) -> Self {
        NativePages {
            state: Mutex::new(State {
                pages: Some(pages),
                ahead: None,
                prefetch,
                keys: KeyCache::default(),
                done: false,
            }),
            raised,
            failed,
        }
    }
}

#[pymethods]
impl NativePages {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<(Bound<'py, PyList>, NativePage)>> {
        // Another thread iterating this walk holds the state while it waits on the network.
        let Ok(mut state) = self.state.try_lock() else {
            return Err(PyRuntimeError::new_err(
                "this walk is already being iterated by another thread",
            ));
        };
        if state.done {
            return Ok(None);
        }
        let next = if state.prefetch {
            if state.ahead.is_none() {
                // Started by the first `next`: nothing is sent before the first page is asked for.
                let Some(walk) = state.pages.take() else {
                    return Ok(None);
                };
                state.ahead = Some(Ahead::start(walk)?);
            }
            match state.ahead.as_mut() {
                Some(ahead) => crate::runtime::wait(py, ahead.pages.recv())?,
                None => None,
            }
        } else {
            match state.pages.as_mut() {
                Some(walk) => crate::runtime::wait(py, walk.next())?,
                None => None,
            }
        };
        match next {
            Some(Ok(page)) => {
                // An exception of `has_next_page` (which ended the walk after this page) is
                // raised by the next call, as a dlt generator would.
                let State { keys, .. } = &mut *state;
                let records = records_to_py(py, page.record_texts(), keys)
                    .map_err(|e| too_deep(py, e, &page))?;
                Ok(Some((records, NativePage { page })))
            }
            Some(Err(e)) => {
                state.done = true;
                Err(match self.raised.take() {
                    Some(raised) => raised,
                    None => match self.failed.take().filter(|_| e.is_status()) {
                        Some((response, request)) => {
                            let err = to_py_err(py, &e, Some(response));
                            with_request(py, &err, &request);
                            err
                        }
                        None => to_py_err(py, &e, None),
                    },
                })
            }
            None => {
                state.done = true;
                match self.raised.take() {
                    Some(raised) => Err(raised),
                    None => Ok(None),
                }
            }
        }
    }

    /// Why the walk ended, once it has ended without an error (`"total reached (100)"`).
    #[getter]
    fn stop_reason(&self) -> Option<String> {
        let state = self.state.try_lock().ok()?;
        // Known once the caller has had the last page (a walk driven ahead ends earlier).
        if !state.done {
            return None;
        }
        match (&state.ahead, &state.pages) {
            (Some(ahead), _) => ahead
                .stop
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            (None, Some(walk)) => walk.stop_reason().map(|r| r.to_string()),
            (None, None) => None,
        }
    }
}

/// A record nested deeper than Python can build (`json.loads` raised `RecursionError`) is a
/// decode error about the page, as any other record that cannot be read.
fn too_deep(py: Python<'_>, e: PyErr, page: &Page) -> PyErr {
    if !e.is_instance_of::<PyRecursionError>(py) {
        return e;
    }
    let url = page.response().redacted_url();
    crate::errors::decode_error(
        py,
        format!(
            "unexpected response from {url}: a record of page {} is nested too deeply to be a Python object",
            page.number()
        ),
        &url,
    )
}

/// One page of a walk: what Python's `PageData` reads lazily (`.request`, `.response`).
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativePage {
    page: Page,
}

#[pymethods]
impl NativePage {
    /// The request that got this page, as a `restclient.Request`.
    fn request<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        request_to_py(py, self.page.request())
    }

    /// The response, as a `NativeResponse`.
    fn response(&self) -> NativeResponse {
        NativeResponse::new(self.page.response())
    }

    /// The position of the page in its walk, from 1.
    #[getter]
    fn number(&self) -> usize {
        self.page.number()
    }

    /// The data selector that picked the records (given or detected).
    #[getter]
    fn data_selector(&self) -> String {
        self.page.data_selector().as_str().to_owned()
    }

    /// The paginator in dlt's `rest_api` form, as it was when the walk started or detected it.
    fn paginator<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::value_to_py(py, self.page.paginator())
    }
}

/// Sets `request` on an HTTP error and on its response, as requests does (handlers read
/// `e.request.url`); best effort: the error is raised whatever happens here.
fn with_request(py: Python<'_>, err: &PyErr, request: &restclient::Request) {
    let Ok(py_request) = request_to_py(py, request) else {
        return;
    };
    let value = err.value(py);
    let _ = value.setattr("request", &py_request);
    if let Ok(response) = value.getattr("response")
        && !response.is_none()
    {
        let _ = response.setattr("request", &py_request);
    }
}
