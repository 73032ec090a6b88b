//! Paginators for Python: the built-in ones ([`NativePaginator`], whose state Python sees as
//! the walk goes) and Python's own ([`PyPaginator`], a `BasePaginator` subclass whose three
//! methods the engine calls once per page).

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use restclient::paginators::Paginator;
use restclient::{Request, Response, StopReason, Value};

use crate::convert::{py_to_value, request_from_py, request_to_py, response_to_py, value_to_py};
use crate::errors::{Raised, call_python};
use crate::response::NativeResponse;

/// A built-in paginator shared by its Python object and the walk it drives, so that
/// `page.paginator` shows the walk's state (`has_next_page`, ...).
#[derive(Debug)]
pub(crate) struct SharedPaginator(Arc<Mutex<Box<dyn Paginator>>>);

impl SharedPaginator {
    fn lock(&self) -> MutexGuard<'_, Box<dyn Paginator>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A copy is a new paginator with the same state (a concurrent walk speculates on one), never
/// a second handle on this one.
impl Clone for SharedPaginator {
    fn clone(&self) -> Self {
        SharedPaginator(Arc::new(Mutex::new(self.lock().clone())))
    }
}

impl Paginator for SharedPaginator {
    fn init_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.lock().init_request(request)
    }
    fn update_state(
        &mut self,
        response: &Response,
        data: Option<&[Value]>,
    ) -> restclient::Result<()> {
        self.lock().update_state(response, data)
    }
    fn update_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.lock().update_request(request)
    }
    fn has_next_page(&self) -> bool {
        self.lock().has_next_page()
    }
    fn reads_records(&self) -> bool {
        self.lock().reads_records()
    }
    fn update_state_counted(
        &mut self,
        response: &Response,
        records: usize,
    ) -> restclient::Result<()> {
        self.lock().update_state_counted(response, records)
    }
    fn stop_reason(&self) -> Option<StopReason> {
        self.lock().stop_reason()
    }
    fn validate(&self) -> restclient::Result<()> {
        self.lock().validate()
    }
    fn describe(&self) -> Value {
        self.lock().describe()
    }
    fn is_computable(&self) -> bool {
        self.lock().is_computable()
    }
    fn speculate(&mut self, request: &mut Request) -> restclient::Result<bool> {
        self.lock().speculate(request)
    }
}

/// A built-in paginator, for `restclient.paginators`' classes to hold.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativePaginator {
    inner: Arc<Mutex<Box<dyn Paginator>>>,
}

impl NativePaginator {
    /// The paginator a walk drives: this one, shared.
    pub(crate) fn shared(&self) -> SharedPaginator {
        SharedPaginator(Arc::clone(&self.inner))
    }

    fn lock(&self) -> MutexGuard<'_, Box<dyn Paginator>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Runs a step of a built-in paginator on a Python request, writing the result back.
fn on_py_request(
    request: &Bound<'_, PyAny>,
    step: impl FnOnce(&mut Request) -> restclient::Result<()>,
) -> PyResult<()> {
    let mut native = Request::new(
        restclient::Method::GET,
        crate::convert::parse_url("http://request.invalid/", "request.url")?,
    );
    request_from_py(request, &mut native)?;
    step(&mut native).map_err(|e| crate::errors::to_py_err(request.py(), &e, None))?;
    crate::convert::write_request_to_py(request, &native)
}

#[pymethods]
impl NativePaginator {
    /// A built-in paginator from dlt's `rest_api` form (`{"type": "offset", "limit": 100}`);
    /// an invalid setting raises `ValueError` naming it.
    #[staticmethod]
    fn from_config(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let config = py_to_value(config, "paginator")?;
        let built = restclient::spec::paginator(&config)
            .and_then(|p| {
                if let Some(p) = &p {
                    p.validate()?;
                }
                Ok(p)
            })
            .map_err(|e| crate::errors::to_py_err(py, &e, None))?;
        let paginator = built.ok_or_else(|| {
            PyValueError::new_err(
                "paginator: `auto` is no paginator; pass paginator=None to detect one",
            )
        })?;
        Ok(NativePaginator {
            inner: Arc::new(Mutex::new(paginator)),
        })
    }

    /// dlt's `init_request(request)`.
    fn init_request(&self, request: &Bound<'_, PyAny>) -> PyResult<()> {
        on_py_request(request, |r| self.lock().init_request(r))
    }

    /// dlt's `update_state(response, data=None)`.
    #[pyo3(signature = (response, data=None))]
    fn update_state(
        &self,
        response: &Bound<'_, PyAny>,
        data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = response.py();
        let native = response
            .getattr("_native")
            .ok()
            .unwrap_or_else(|| response.clone());
        let native = native.cast::<NativeResponse>().map_err(|_| {
            PyTypeError::new_err("update_state: `response` must be a restclient.Response")
        })?;
        let response = native
            .get()
            .to_response()
            .map_err(|e| crate::errors::to_py_err(py, &e, None))?;
        let values = match data.filter(|d| !d.is_none()) {
            Some(d) => match py_to_value(d, "data")? {
                Value::Array(items) => Some(items),
                _ => {
                    return Err(PyTypeError::new_err(
                        "update_state: `data` must be a list of records",
                    ));
                }
            },
            None => None,
        };
        self.lock()
            .update_state(&response, values.as_deref())
            .map_err(|e| crate::errors::to_py_err(py, &e, None))
    }

    /// dlt's `update_request(request)`.
    fn update_request(&self, request: &Bound<'_, PyAny>) -> PyResult<()> {
        on_py_request(request, |r| self.lock().update_request(r))
    }

    /// Whether another page will be requested.
    #[getter]
    fn has_next_page(&self) -> bool {
        self.lock().has_next_page()
    }

    /// Why there is no next page, once there is none (`"total reached (100)"`).
    #[getter]
    fn stop_reason(&self) -> Option<String> {
        self.lock().stop_reason().map(|r| r.to_string())
    }

    /// The paginator in dlt's `rest_api` form.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.lock().describe())
    }

    /// A new paginator with the same settings and state.
    fn copy(&self) -> Self {
        NativePaginator {
            inner: Arc::new(Mutex::new(self.lock().clone())),
        }
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy()
    }

    fn __copy__(&self) -> Self {
        self.copy()
    }

    fn __repr__(&self) -> String {
        format!("<NativePaginator {}>", self.lock().describe())
    }
}

/// A paginator written in Python (a `BasePaginator` subclass): the engine calls its
/// `init_request`, `update_state` and `update_request` once per page, on a Python request that
/// lives as long as the walk (so that the values it puts in `request.params` stay its own),
/// and writes that request back into the engine's after each step.
#[derive(Clone)]
pub(crate) struct PyPaginator(Arc<PyPaginatorInner>);

struct PyPaginatorInner {
    paginator: Py<PyAny>,
    /// The walk's request as Python sees it.
    request: Mutex<Option<Py<PyAny>>>,
    /// An exception of `has_next_page`, which cannot return one.
    raised: Raised,
    class: String,
}

impl std::fmt::Debug for PyPaginator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyPaginator({})", self.0.class)
    }
}

impl PyPaginator {
    pub(crate) fn new(paginator: &Bound<'_, PyAny>, raised: Raised) -> PyResult<Self> {
        let class = paginator.get_type().name()?.to_string();
        Ok(PyPaginator(Arc::new(PyPaginatorInner {
            paginator: paginator.clone().unbind(),
            request: Mutex::new(None),
            raised,
            class,
        })))
    }

    fn slot(&self) -> MutexGuard<'_, Option<Py<PyAny>>> {
        self.0
            .request
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The walk's Python request (made from `request` the first time).
    fn py_request<'py>(&self, py: Python<'py>, request: &Request) -> PyResult<Bound<'py, PyAny>> {
        let mut slot = self.slot();
        if let Some(r) = slot.as_ref() {
            return Ok(r.bind(py).clone());
        }
        let r = request_to_py(py, request)?;
        *slot = Some(r.clone().unbind());
        Ok(r)
    }

    /// Calls `method(request)` and writes the request back.
    fn step(&self, method: &str, request: &mut Request, fresh: bool) -> restclient::Result<()> {
        call_python(|py| {
            if fresh {
                *self.slot() = None;
            }
            let py_request = self.py_request(py, request)?;
            self.0
                .paginator
                .bind(py)
                .call_method1(method, (&py_request,))?;
            request_from_py(&py_request, request)
        })
    }
}

impl Paginator for PyPaginator {
    fn init_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.step("init_request", request, true)
    }

    fn update_state(
        &mut self,
        response: &Response,
        data: Option<&[Value]>,
    ) -> restclient::Result<()> {
        call_python(|py| {
            let py_request = self.slot().as_ref().map(|r| r.bind(py).clone());
            let py_response = response_to_py(py, NativeResponse::new(response), py_request)?;
            let py_data = match data {
                Some(records) => {
                    let list = PyList::empty(py);
                    for r in records {
                        list.append(value_to_py(py, r)?)?;
                    }
                    list.into_any()
                }
                None => py.None().into_bound(py),
            };
            self.0
                .paginator
                .bind(py)
                .call_method1("update_state", (py_response, py_data))?;
            Ok(())
        })
    }

    fn update_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.step("update_request", request, false)
    }

    fn has_next_page(&self) -> bool {
        // While the interpreter shuts down, there is no next page.
        Python::try_attach(|py| {
            match self
                .0
                .paginator
                .bind(py)
                .getattr("has_next_page")
                .and_then(|v| v.is_truthy())
            {
                Ok(b) => b,
                Err(e) => {
                    self.0.raised.keep(py, e);
                    false
                }
            }
        })
        .unwrap_or(false)
    }

    fn describe(&self) -> Value {
        serde_json::json!({"type": "custom", "name": self.0.class})
    }
}
