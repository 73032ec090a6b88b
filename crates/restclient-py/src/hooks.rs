//! Python response hooks (`hooks={"response": [f, ...]}`) as one engine hook.
//!
//! Each hook is called as `f(response)` with a `restclient.Response` (its `.request` the
//! request that got it), once per page. `IgnoreResponseException` ends the walk quietly (dlt);
//! a hook that sets `response.status_code` to a success accepts an error status; one that
//! rewrites the body raises `NotImplementedError` (the records come from the body as received);
//! any other exception ends the walk and is raised as itself.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use restclient::{HookAction, Request, Response};

use crate::convert::{request_to_py, response_to_py};
use crate::errors::Raised;
use crate::response::NativeResponse;

static IGNORE: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();

/// `restclient.exceptions.IgnoreResponseException`.
fn ignore_class(py: Python<'_>) -> PyResult<&Bound<'_, pyo3::types::PyType>> {
    IGNORE
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py
                .import("restclient.exceptions")?
                .getattr("IgnoreResponseException")?
                .cast_into::<pyo3::types::PyType>()?
                .unbind())
        })
        .map(|c| c.bind(py))
}

/// The engine hook that runs `hooks` in order; an exception other than
/// `IgnoreResponseException` is kept in `raised` and ends the walk.
pub(crate) fn python_hooks(
    hooks: Vec<Py<PyAny>>,
    raised: Raised,
) -> impl Fn(&Response, &Request) -> HookAction + Send + Sync + 'static {
    move |response, request| {
        // While the interpreter shuts down no hook can run: the walk ends.
        Python::try_attach(|py| match run(py, &hooks, response, request) {
            Ok(action) => action,
            Err(e) => {
                let ignored = ignore_class(py).is_ok_and(|c| e.is_instance(py, c));
                if !ignored {
                    raised.keep(py, e);
                }
                HookAction::Ignore
            }
        })
        .unwrap_or(HookAction::Ignore)
    }
}

fn run(
    py: Python<'_>,
    hooks: &[Py<PyAny>],
    response: &Response,
    request: &Request,
) -> PyResult<HookAction> {
    let py_request = request_to_py(py, request)?;
    let mut py_response = response_to_py(py, NativeResponse::new(response), Some(py_request))?;
    let status = response.status().as_u16();
    for hook in hooks {
        let returned = hook.bind(py).call1((&py_response,))?;
        // requests: a hook that returns something replaces the response for those after it.
        if !returned.is_none() && returned.hasattr("status_code")? {
            py_response = returned;
        }
    }
    refuse_new_body(&py_response)?;
    let now: u16 = py_response
        .getattr("status_code")?
        .extract()
        .unwrap_or(status);
    Ok(if status >= 400 && now < 400 {
        HookAction::Accept
    } else {
        HookAction::Continue
    })
}

/// A hook that rewrote the body (`response._content = ...`, as dlt's docs do to drop a field)
/// would see its change silently lost: the records are read from the body as it came, and a
/// field meant to be removed (an email) would be loaded. It is an error instead, saying what
/// to do. `_content` is set only once a hook read or wrote the body, so the comparison costs
/// nothing on the common path.
fn refuse_new_body(py_response: &Bound<'_, PyAny>) -> PyResult<()> {
    let Ok(content) = py_response.getattr("_content") else {
        return Ok(());
    };
    if content.is_none() {
        return Ok(());
    }
    let native = py_response.getattr("_native")?;
    if content.eq(native.getattr("content")?)? {
        return Ok(());
    }
    Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
        "a response hook changed the body of the response from {}: restclient reads the \
         records from the body as it was received, so the change would be lost; change the \
         records with a `map` in `processing_steps` (a dlt source) or after the walk instead",
        native
            .getattr("redacted_url")
            .and_then(|u| u.extract::<String>())
            .unwrap_or_default()
    )))
}
