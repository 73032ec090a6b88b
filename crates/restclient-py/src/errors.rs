//! Engine errors as Python exceptions.
//!
//! The exception classes live in `restclient/exceptions.py` (their bases depend on whether
//! `requests` is importable); [`to_py_err`] asks its `_from_native` for the right one. An
//! exception raised by the user's own Python code (a paginator, an auth, a hook) travels
//! through the engine inside the error's `source()` chain and comes out as itself.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use restclient::{Error, ErrorKind};

use crate::response::NativeResponse;

/// An exception from Python code the engine called, kept until the walk can raise it (for
/// callbacks that have no error channel: `has_next_page`, hooks).
#[derive(Clone, Default)]
pub(crate) struct Raised(Arc<Mutex<Option<PyErr>>>);

impl Raised {
    /// Keeps `err` unless an earlier one is kept already (the first cause is the one to show).
    pub(crate) fn keep(&self, py: Python<'_>, err: PyErr) {
        let err = no_stop_iteration(py, err);
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(err);
    }

    /// The kept exception, once.
    pub(crate) fn take(&self) -> Option<PyErr> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// Wraps an exception of Python code so that it can cross the engine as an [`Error`].
pub(crate) fn from_py(err: PyErr) -> Error {
    Error::custom(err)
}

/// PEP 479 for the walk: a `StopIteration` (or `StopAsyncIteration`) escaping the user's code
/// would come out of the page iterator's `__next__` and end the caller's `for` loop as if the
/// walk were over, every later page missing without a word. As a dlt generator does, it
/// becomes a `RuntimeError` whose `__cause__` is the original.
pub(crate) fn no_stop_iteration(py: Python<'_>, err: PyErr) -> PyErr {
    use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration, PyStopIteration};
    if !err.is_instance_of::<PyStopIteration>(py) && !err.is_instance_of::<PyStopAsyncIteration>(py)
    {
        return err;
    }
    let name = err
        .get_type(py)
        .name()
        .map_or_else(|_| "StopIteration".to_owned(), |n| n.to_string());
    let wrapped = PyRuntimeError::new_err(format!(
        "{name} raised by Python code the walk called (a paginator, an auth or a hook); \
         it would have ended the iteration as if the walk were over"
    ));
    wrapped.set_cause(py, Some(err));
    wrapped
}

/// Runs Python code the engine calls (a paginator's, an auth's, a hook's) with the GIL, from
/// whatever thread the engine is on; an exception comes back as an [`Error`] holding it. While
/// the interpreter shuts down nothing runs, and that is an error too (never a panic).
pub(crate) fn call_python<R>(f: impl FnOnce(Python<'_>) -> PyResult<R>) -> restclient::Result<R> {
    match Python::try_attach(|py| f(py).map_err(|e| no_stop_iteration(py, e))) {
        Some(result) => result.map_err(from_py),
        None => Err(Error::custom(
            "the Python interpreter is shutting down: Python code cannot run",
        )),
    }
}

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A `restclient.exceptions.DecodeError` about a response, for failures found in Python.
pub(crate) fn decode_error(py: Python<'_>, message: String, url: &str) -> PyErr {
    raise(py, "decode", message, Some(url.to_owned()), None, None)
}

/// The exception of `kind` made by `restclient.exceptions._from_native`.
fn raise(
    py: Python<'_>,
    kind: &str,
    message: String,
    url: Option<String>,
    status: Option<u16>,
    response: Option<NativeResponse>,
) -> PyErr {
    let built = FROM_NATIVE
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("restclient.exceptions")?
                .getattr("_from_native")?
                .unbind())
        })
        .and_then(|f| f.bind(py).call1((kind, message, url, status, response)));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        // The exceptions module itself failed: still say what happened.
        Err(e) => e,
    }
}

/// The user's own exception an engine error carries, at any depth: `Error::custom` holds it
/// as its [`get_ref`](Error::get_ref) (not its `source()`), and a run's error may wrap one.
fn python_cause(err: &Error) -> Option<&PyErr> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(py_err) = e.downcast_ref::<PyErr>() {
            return Some(py_err);
        }
        if let Some(inner) = e.downcast_ref::<Error>().and_then(Error::get_ref)
            && let Some(py_err) = inner.downcast_ref::<PyErr>()
        {
            return Some(py_err);
        }
        cause = e.source();
    }
    None
}

/// The Python exception for an engine error: the user's own exception if one caused it, else
/// the `restclient.exceptions` class of its kind (an `HTTPError` carries `response`, the
/// response that failed, when the caller kept it).
pub(crate) fn to_py_err(py: Python<'_>, err: &Error, response: Option<NativeResponse>) -> PyErr {
    if let Some(py_err) = python_cause(err) {
        return py_err.clone_ref(py);
    }
    // A timeout or a connection failure anywhere in the chain (a token fetch that timed out)
    // is that kind for Python too, so that `except requests.Timeout` catches it.
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_connect() {
        ErrorKind::Connect
    } else {
        err.kind()
    };
    raise(
        py,
        kind.as_str(),
        err.to_string(),
        err.url().map(|u| u.as_str().to_owned()),
        err.status().map(|s| s.as_u16()),
        response,
    )
}
