//! Python response hooks (`hooks={"response": [f, ...]}`) as one engine hook.
//!
//! Each hook is called as `f(response)` with a `restclient.Response` (its `.request` the
//! request that got it), once per page. `IgnoreResponseException` ends the walk quietly (dlt);
//! a hook that sets `response.status_code` to a success accepts an error status; any other
//! exception ends the walk and is raised as itself.

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
