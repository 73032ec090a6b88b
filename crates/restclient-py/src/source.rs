//! The native side of `restclient.dlt`: a `rest_api` config's resources walked one at a time
//! by the run engine ([`restclient::run::Resources`]), for the dlt resources Python builds.
//!
//! [`NativeSource`] checks the config as `restclient run` does (a bad key raises
//! `ConfigurationError`, a `ValueError`, naming its key path) and hands out [`NativeResource`]s
//! with the Python objects a config may hold (paginator and auth instances, response-action
//! callables, `processing_steps`, `incremental.convert`) in place of the config's settings.
//! A resource's walk is a [`NativeWalk`]: driven on the runtime, two pages ahead of Python,
//! yielding each page's records as Python objects with the cursor after it.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use restclient::config::RuntimeConfig;
use restclient::paginators::Paginator;
use restclient::run::{CursorState, Resource, ResourceWalk, Resources, Run, WalkItem};
use restclient::{Request, Response, StopReason, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::convert::{py_to_value, value_to_py};
use crate::errors::{Raised, call_python, to_py_err};
use crate::paginator::{NativePaginator, PyPaginator};
use crate::records::{KeyCache, json_to_py, records_to_py};

/// A checked config and its resources.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeSource {
    resources: Resources,
}

/// A config error as Python's `ConfigurationError` (a `ValueError`), its key path in `.path`.
fn config_error(py: Python<'_>, e: &restclient::spec::SpecError) -> PyErr {
    let made = py
        .import("restclient.exceptions")
        .and_then(|m| m.getattr("_from_native"))
        .and_then(|f| {
            f.call1((
                "config",
                e.to_string(),
                None::<String>,
                None::<u16>,
                py.None(),
            ))
        });
    match made {
        Ok(exc) => {
            // The key path, for code that wants it apart from the message.
            let _ = exc.setattr("path", e.path());
            PyErr::from_value(exc)
        }
        // The exceptions module itself failed: still say what happened.
        Err(_) => PyValueError::new_err(e.to_string()),
    }
}

#[pymethods]
impl NativeSource {
    /// `config`: the `rest_api` dict with Python objects taken out; `runtime_config`: read
    /// dlt's `[runtime]` keys from the environment (as `RESTClient` does).
    #[new]
    #[pyo3(signature = (config, concurrency=4, runtime_config=true))]
    fn new(
        py: Python<'_>,
        config: &Bound<'_, PyAny>,
        concurrency: usize,
        runtime_config: bool,
    ) -> PyResult<Self> {
        let value = py_to_value(config, "config")?;
        let mut run = Run::from_value(value)
            .map_err(|e| config_error(py, &e))?
            .concurrency(concurrency);
        if runtime_config {
            let config = RuntimeConfig::from_env().map_err(|e| to_py_err(py, &e, None))?;
            run = run.runtime_config(config);
        }
        let resources = run.resources().map_err(|e| to_py_err(py, &e, None))?;
        Ok(NativeSource { resources })
    }

    /// The resources' names, parents before children.
    fn names(&self) -> Vec<String> {
        self.resources
            .names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// The resource `name`, with Python objects in place of the config's settings:
    /// `paginator` (a paginator instance), `auth` (an auth instance; `no_auth`: none), `hooks`
    /// (response hooks, each called with the response), `transform` (called with each page's
    /// records, returns the records to keep), `convert` (dlt's `incremental.convert`).
    #[pyo3(signature = (name, paginator=None, auth=None, no_auth=false, hooks=Vec::new(), transform=None, convert=None))]
    #[allow(clippy::too_many_arguments)]
    fn resource(
        &self,
        name: &str,
        paginator: Option<&Bound<'_, PyAny>>,
        auth: Option<&Bound<'_, PyAny>>,
        no_auth: bool,
        hooks: Vec<Py<PyAny>>,
        transform: Option<Py<PyAny>>,
        convert: Option<Py<PyAny>>,
    ) -> PyResult<NativeResource> {
        let mut resource = self.resources.get(name).ok_or_else(|| {
            PyValueError::new_err(format!("the config has no resource named `{name}`"))
        })?;
        let raised = Raised::default();
        if let Some(p) = paginator.filter(|p| !p.is_none()) {
            resource = match p.cast::<NativePaginator>() {
                Ok(native) => resource.with_paginator(native.get().shared()),
                Err(_) => resource.with_paginator(FreshPaginator::new(p, raised.clone())?),
            };
        }
        if no_auth {
            resource = resource.with_auth(None);
        } else if let Some(a) = auth.filter(|a| !a.is_none()) {
            resource = resource.with_auth(Some(crate::client::to_auth(a)?));
        }
        if !hooks.is_empty() {
            resource = resource.with_hook(crate::hooks::python_hooks(hooks, raised.clone()));
        }
        if let Some(f) = transform {
            resource = resource.with_transform(transform_fn(f));
        }
        if let Some(f) = convert {
            resource = resource.with_convert(move |v| {
                call_python(|py| {
                    let out = f.bind(py).call1((value_to_py(py, v)?,))?;
                    py_to_value(&out, "incremental.convert's result")
                })
            });
        }
        Ok(NativeResource { resource, raised })
    }
}

/// dlt's `processing_steps` for a page: its records as Python objects, through `f`, back as
/// values for the incremental filter.
fn transform_fn(
    f: Py<PyAny>,
) -> impl Fn(&[&[u8]]) -> restclient::Result<Vec<Value>> + Send + Sync + 'static {
    let keys = Mutex::new(KeyCache::default());
    move |texts| {
        call_python(|py| {
            let mut keys = keys
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let records = records_to_py(py, texts.iter().copied(), &mut keys)?;
            let out = f.bind(py).call1((records,))?;
            out.try_iter()?
                .map(|r| py_to_value(&r?, "a processing step's record"))
                .collect()
        })
    }
}

/// One resource, ready to walk.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeResource {
    resource: Resource,
    /// An exception of Python code the walks call that could not end them itself.
    raised: Raised,
}

#[pymethods]
impl NativeResource {
    #[getter]
    fn name(&self) -> &str {
        self.resource.name()
    }

    #[getter]
    fn parent(&self) -> Option<&str> {
        self.resource.parent()
    }

    /// The parent fields its records include (`include_from_parent`).
    #[getter]
    fn include_from_parent(&self) -> Vec<String> {
        self.resource.include_from_parent().to_vec()
    }

    #[getter]
    fn cursor_path(&self) -> Option<&str> {
        self.resource.cursor_path()
    }

    #[getter]
    fn initial_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, self.resource.initial_value().unwrap_or(&Value::Null))
    }

    /// Whether the cursor is kept between runs (incremental, no `end_value`).
    #[getter]
    fn keeps_state(&self) -> bool {
        self.resource.keeps_state()
    }

    /// Whether the walks use the client's paginator (the resource has none of its own).
    #[getter]
    fn uses_client_paginator(&self) -> bool {
        self.resource.uses_client_paginator()
    }

    /// Whether the walks use the client's auth (the endpoint sets none, nor `auth: null`).
    #[getter]
    fn uses_client_auth(&self) -> bool {
        self.resource.uses_client_auth()
    }

    /// Walks a top-level resource from `state` (`{"last_value", "boundary", "start_value"}`).
    #[pyo3(signature = (state=None))]
    fn walk(&self, state: Option<&Bound<'_, PyAny>>) -> PyResult<NativeWalk> {
        let state = match state.filter(|s| !s.is_none()) {
            Some(s) => Some(cursor_from_py(s)?),
            None => None,
        };
        NativeWalk::start(self.resource.walk(state), self.raised.clone())
    }

    /// Walks a child for `parents` (a list of records), each from its cursor in `cursors`
    /// (a dict: parent key → cursor dict).
    fn walk_parents(
        &self,
        parents: &Bound<'_, PyAny>,
        cursors: &Bound<'_, PyDict>,
    ) -> PyResult<NativeWalk> {
        let parents = match py_to_value(parents, "the parent records")? {
            Value::Array(items) => items,
            one => vec![one],
        };
        let mut bad = None;
        let walk = self
            .resource
            .walk_parents(parents, |key| match cursors.get_item(key) {
                Ok(Some(c)) if !c.is_none() => match cursor_from_py(&c) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        bad.get_or_insert(e);
                        None
                    }
                },
                _ => None,
            });
        if let Some(e) = bad {
            return Err(e);
        }
        NativeWalk::start(walk, self.raised.clone())
    }

    fn __repr__(&self) -> String {
        format!("<NativeResource {}>", self.resource.name())
    }
}

/// A cursor state from its dict.
fn cursor_from_py(obj: &Bound<'_, PyAny>) -> PyResult<CursorState> {
    let Value::Object(mut map) = py_to_value(obj, "a cursor state")? else {
        return Err(PyValueError::new_err("a cursor state: expected a dict"));
    };
    let last = map.remove("last_value").unwrap_or(Value::Null);
    let mut state = CursorState::new(last);
    if let Some(Value::Array(keys)) = map.remove("boundary") {
        state = state.with_boundary(
            keys.into_iter()
                .filter_map(|k| k.as_str().map(str::to_owned)),
        );
    }
    if let Some(start) = map.remove("start_value") {
        state = state.with_start_value(start);
    }
    Ok(state)
}

/// A cursor state as a dict.
fn cursor_to_py<'py>(py: Python<'py>, state: Option<&CursorState>) -> PyResult<Bound<'py, PyAny>> {
    let Some(state) = state else {
        return Ok(py.None().into_bound(py));
    };
    let dict = PyDict::new(py);
    dict.set_item("last_value", value_to_py(py, state.last_value())?)?;
    dict.set_item("boundary", PyList::new(py, state.boundary())?)?;
    dict.set_item("start_value", value_to_py(py, state.start_value())?)?;
    Ok(dict.into_any())
}

/// A resource walk for Python: driven by a task on the runtime (two pages ahead), read by
/// `__next__` with the GIL released while it waits.
///
/// `__next__` gives `("page", records, cursor, parent)` for a page (`cursor` after it, for a
/// top-level walk; `parent` the index of the parent record in the batch, for a child) and
/// `("done", parent, key, cursor)` when a child walk ended.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeWalk {
    rx: Mutex<Option<mpsc::Receiver<restclient::Result<WalkItem>>>>,
    task: JoinHandle<()>,
    raised: Raised,
    keys: Mutex<KeyCache>,
}

impl Drop for NativeWalk {
    fn drop(&mut self) {
        // Whatever the walk has in flight is cancelled with it.
        self.task.abort();
    }
}

impl NativeWalk {
    fn start(mut walk: ResourceWalk, raised: Raised) -> PyResult<NativeWalk> {
        let (tx, rx) = mpsc::channel(1);
        let task = crate::runtime::runtime()?.spawn(async move {
            while let Some(item) = walk.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        });
        Ok(NativeWalk {
            rx: Mutex::new(Some(rx)),
            task,
            raised,
            keys: Mutex::new(KeyCache::default()),
        })
    }
}

#[pymethods]
impl NativeWalk {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.next_item(py, true)
    }

    /// The next item if it is there, without waiting: `None` when the walk has nothing yet,
    /// `("end",)` when it has ended (a dlt generator yields `None` meanwhile, and dlt's
    /// extraction turns to its other resources instead of waiting on this one).
    fn poll<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        match self.next_item(py, false)? {
            Some(item) => Ok(Some(item)),
            None if self.ended() => Ok(Some(PyTuple::new(py, ["end"])?)),
            None => Ok(None),
        }
    }
}

impl NativeWalk {
    fn ended(&self) -> bool {
        self.rx.try_lock().is_ok_and(|slot| slot.is_none())
    }

    /// The next item, waiting for it (`wait`) or not; `None` at the end, or when not waiting
    /// and nothing is there yet.
    fn next_item<'py>(&self, py: Python<'py>, wait: bool) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Ok(mut slot) = self.rx.try_lock() else {
            return Err(PyRuntimeError::new_err(
                "this walk is already being iterated by another thread",
            ));
        };
        let Some(rx) = slot.as_mut() else {
            return Ok(None);
        };
        let next = if wait {
            crate::runtime::wait(py, rx.recv())?
        } else {
            match rx.try_recv() {
                Ok(item) => Some(item),
                Err(mpsc::error::TryRecvError::Empty) => return Ok(None),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        };
        match next {
            Some(Ok(WalkItem::Page(page))) => {
                let mut keys = self
                    .keys
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut items = Vec::with_capacity(page.len());
                for text in page.records() {
                    items.push(json_to_py(py, text, &mut keys)?);
                }
                let records = PyList::new(py, items)?;
                let tuple = PyTuple::new(
                    py,
                    [
                        "page".into_pyobject(py)?.into_any(),
                        records.into_any(),
                        cursor_to_py(py, page.cursor())?,
                        page.parent().into_pyobject(py)?.into_any(),
                    ],
                )?;
                Ok(Some(tuple))
            }
            Some(Ok(WalkItem::ParentDone(done))) => {
                let tuple = PyTuple::new(
                    py,
                    [
                        "done".into_pyobject(py)?.into_any(),
                        done.parent().into_pyobject(py)?.into_any(),
                        done.key().into_pyobject(py)?.into_any(),
                        cursor_to_py(py, done.cursor())?,
                    ],
                )?;
                Ok(Some(tuple))
            }
            Some(Ok(_)) => Err(PyRuntimeError::new_err("an unknown walk item")),
            Some(Err(e)) => {
                *slot = None;
                Err(self
                    .raised
                    .take()
                    .unwrap_or_else(|| to_py_err(py, &e, None)))
            }
            None => {
                *slot = None;
                match self.raised.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                }
            }
        }
    }
}

/// A Python paginator that a walk gets a deep copy of (as dlt deep-copies a paginator for each
/// child walk): walks at once never share one object's state.
struct FreshPaginator {
    template: Arc<Py<PyAny>>,
    raised: Raised,
    live: PyPaginator,
}

impl std::fmt::Debug for FreshPaginator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.live.fmt(f)
    }
}

impl FreshPaginator {
    fn new(paginator: &Bound<'_, PyAny>, raised: Raised) -> PyResult<Self> {
        let live = PyPaginator::new(&deepcopy(paginator)?, raised.clone())?;
        Ok(FreshPaginator {
            template: Arc::new(paginator.clone().unbind()),
            raised,
            live,
        })
    }
}

fn deepcopy<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    obj.py().import("copy")?.getattr("deepcopy")?.call1((obj,))
}

impl Clone for FreshPaginator {
    fn clone(&self) -> Self {
        let copied = Python::try_attach(|py| {
            let template = self.template.bind(py);
            deepcopy(template)
                .and_then(|copy| PyPaginator::new(&copy, self.raised.clone()))
                .map_err(|e| {
                    // The walk ends with this exception at its first step.
                    self.raised.keep(py, e);
                })
        });
        let live = match copied {
            Some(Ok(p)) => p,
            Some(Err(())) => self.live.clone(),
            // The interpreter is shutting down: no Python paginator runs anyway.
            None => self.live.clone(),
        };
        FreshPaginator {
            template: Arc::clone(&self.template),
            raised: self.raised.clone(),
            live,
        }
    }
}

impl Paginator for FreshPaginator {
    fn init_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.live.init_request(request)
    }
    fn update_state(
        &mut self,
        response: &Response,
        data: Option<&[Value]>,
    ) -> restclient::Result<()> {
        self.live.update_state(response, data)
    }
    fn update_request(&mut self, request: &mut Request) -> restclient::Result<()> {
        self.live.update_request(request)
    }
    fn has_next_page(&self) -> bool {
        self.live.has_next_page()
    }
    fn reads_records(&self) -> bool {
        self.live.reads_records()
    }
    fn update_state_counted(
        &mut self,
        response: &Response,
        records: usize,
    ) -> restclient::Result<()> {
        self.live.update_state_counted(response, records)
    }
    fn stop_reason(&self) -> Option<StopReason> {
        self.live.stop_reason()
    }
    fn validate(&self) -> restclient::Result<()> {
        self.live.validate()
    }
    fn describe(&self) -> Value {
        self.live.describe()
    }
    fn is_computable(&self) -> bool {
        self.live.is_computable()
    }
    fn speculate(&mut self, request: &mut Request) -> restclient::Result<bool> {
        self.live.speculate(request)
    }
    fn checkpoint(&self) -> Option<Value> {
        self.live.checkpoint()
    }
    fn restore(&mut self, state: &Value) -> restclient::Result<()> {
        self.live.restore(state)
    }
}
