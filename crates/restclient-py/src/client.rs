//! [`NativeClient`]: one `restclient::RestClient`, with the two calls Python makes of it:
//! `request` (one response) and `paginate` (a [`NativePages`] walk).

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use restclient::auth::Auth;
use restclient::config::RuntimeConfig;
use restclient::reqwest::{Certificate, Proxy};
use restclient::{Body, Method, RestClient};

use crate::auth::{NativeAuth, PyAuth};
use crate::convert::{py_to_body, py_to_headers, py_to_pairs};
use crate::errors::{Raised, to_py_err};
use crate::pages::{FailedResponse, NativePages};
use crate::paginator::{NativePaginator, PyPaginator};
use crate::response::NativeResponse;

/// An auth from Python: a built-in one (`NativeAuth`), or any callable taking a request.
pub(crate) fn to_auth(auth: &Bound<'_, PyAny>) -> PyResult<Arc<dyn Auth>> {
    if let Ok(native) = auth.cast::<NativeAuth>() {
        return Ok(Arc::clone(&native.get().auth));
    }
    if !auth.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "auth: expected an auth (an AuthConfigBase subclass or a callable taking a request), not {}",
            auth.get_type().name()?
        )));
    }
    Ok(Arc::new(PyAuth::new(auth)?))
}

/// A timeout in seconds from Python, checked.
fn timeout(seconds: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s.min(1e9)))),
        Some(s) => Err(PyValueError::new_err(format!(
            "{what}: must be a number of seconds greater than 0, not {s}"
        ))),
    }
}

/// The HTTP client's builder for a session's `proxies` and `verify`, when they ask for anything.
fn http_client(
    proxies: Vec<(String, String)>,
    verify: Option<&Bound<'_, PyAny>>,
    trust_env: bool,
) -> PyResult<Option<restclient::reqwest::ClientBuilder>> {
    let verify_default =
        verify.is_none_or(|v| v.is_truthy().unwrap_or(true) && v.extract::<String>().is_err());
    if proxies.is_empty() && verify_default && trust_env {
        return Ok(None);
    }
    let mut builder = restclient::http_client_builder();
    if !trust_env {
        // requests' trust_env=False: no proxy from the environment.
        builder = builder.no_proxy();
    }
    for (scheme, url) in proxies {
        let proxy = match scheme.as_str() {
            "http" => Proxy::http(&url),
            "https" => Proxy::https(&url),
            "all" => Proxy::all(&url),
            other => {
                return Err(PyValueError::new_err(format!(
                    "session.proxies: the key `{other}` is not supported; use `http`, `https` or `all`"
                )));
            }
        }
        .map_err(|e| PyValueError::new_err(format!("session.proxies[{scheme:?}]: {e}")))?;
        builder = builder.proxy(proxy);
    }
    if let Some(v) = verify {
        if let Ok(path) = v.extract::<String>() {
            let pem = std::fs::read(&path).map_err(|e| {
                PyValueError::new_err(format!("session.verify: cannot read `{path}`: {e}"))
            })?;
            let certs = Certificate::from_pem_bundle(&pem).map_err(|e| {
                PyValueError::new_err(format!(
                    "session.verify: `{path}` holds no PEM certificate: {e}"
                ))
            })?;
            builder = builder.tls_certs_only(certs);
        } else if !v.is_truthy()? {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
    }
    Ok(Some(builder))
}

/// One API client; `restclient.RESTClient` holds it.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeClient {
    client: RestClient,
}

#[pymethods]
impl NativeClient {
    /// `runtime_config`: read dlt's `[runtime]` keys from `RUNTIME__*` variables and
    /// `.restclient/config.toml` (as `restclient::config::RuntimeConfig::from_env`).
    /// `proxies`, `verify` and `trust_env` are a `requests.Session`'s.
    #[new]
    #[pyo3(signature = (base_url, headers=None, auth=None, data_selector=None, timeout=None, proxies=Vec::new(), verify=None, trust_env=true, runtime_config=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: &str,
        headers: Option<&Bound<'_, PyAny>>,
        auth: Option<&Bound<'_, PyAny>>,
        data_selector: Option<&str>,
        timeout: Option<f64>,
        proxies: Vec<(String, String)>,
        verify: Option<&Bound<'_, PyAny>>,
        trust_env: bool,
        runtime_config: bool,
    ) -> PyResult<Self> {
        let mut builder = RestClient::builder(base_url);
        for (k, v) in py_to_headers(headers, "headers")? {
            builder = builder.header(&k, &v);
        }
        if let Some(a) = auth.filter(|a| !a.is_none()) {
            builder = builder.auth(to_auth(a)?);
        }
        if let Some(s) = data_selector {
            builder = builder.data_selector(s);
        }
        if runtime_config {
            let config = RuntimeConfig::from_env().map_err(|e| to_py_err(py, &e, None))?;
            builder = builder.runtime_config(config);
        }
        if let Some(t) = self::timeout(timeout, "timeout")? {
            builder = builder.timeout(t);
        }
        if let Some(http) = http_client(proxies, verify, trust_env)? {
            builder = builder.http_client(http);
        }
        let client = builder.build().map_err(|e| to_py_err(py, &e, None))?;
        Ok(NativeClient { client })
    }

    /// One request; the status is not checked (a 404 is a response).
    #[pyo3(signature = (method, path, params=None, headers=None, json=None, data=None, auth=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        auth: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<NativeResponse> {
        let method = parse_method(method)?;
        let mut call = self
            .client
            .request(method, path)
            .params(py_to_pairs(params, "params")?);
        for (k, v) in py_to_headers(headers, "headers")? {
            call = call.header(&k, &v);
        }
        match py_to_body(json, data)? {
            Some(Body::Json(v)) => call = call.json(&v),
            Some(Body::Form(f)) => call = call.form(f),
            _ => {}
        }
        if let Some(a) = auth.filter(|a| !a.is_none()) {
            call = call.auth(to_auth(a)?);
        }
        if let Some(t) = self::timeout(timeout, "timeout")? {
            call = call.timeout(t);
        }
        match crate::runtime::wait(py, call.send())? {
            Ok(r) => Ok(NativeResponse::new(&r)),
            Err(e) => Err(to_py_err(py, &e, None)),
        }
    }

    /// A walk over every page of `path`.
    #[pyo3(signature = (path, method="GET", params=None, headers=None, json=None, data=None, auth=None, paginator=None, data_selector=None, hooks=Vec::new(), concurrency=1, max_pages=None, max_records=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn paginate(
        &self,
        path: &str,
        method: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        auth: Option<&Bound<'_, PyAny>>,
        paginator: Option<&Bound<'_, PyAny>>,
        data_selector: Option<&str>,
        hooks: Vec<Py<PyAny>>,
        concurrency: usize,
        max_pages: Option<usize>,
        max_records: Option<usize>,
        timeout: Option<f64>,
    ) -> PyResult<NativePages> {
        let method = parse_method(method)?;
        let raised = Raised::default();
        // Whether any Python code runs in the walk (then it is driven by the caller's thread).
        let python_free = hooks.is_empty()
            && auth.is_none_or(|a| a.is_none() || a.cast::<NativeAuth>().is_ok())
            && paginator.is_none_or(|p| p.is_none() || p.cast::<NativePaginator>().is_ok());
        let mut walk = self
            .client
            .paginate(path)
            .method(method)
            .params(py_to_pairs(params, "params")?)
            .concurrency(concurrency);
        for (k, v) in py_to_headers(headers, "headers")? {
            walk = walk.header(&k, &v);
        }
        match py_to_body(json, data)? {
            Some(Body::Json(v)) => walk = walk.json(&v),
            Some(Body::Form(f)) => walk = walk.form(f),
            _ => {}
        }
        if let Some(a) = auth.filter(|a| !a.is_none()) {
            walk = walk.auth(to_auth(a)?);
        }
        if let Some(p) = paginator.filter(|p| !p.is_none()) {
            walk = match p.cast::<NativePaginator>() {
                Ok(native) => walk.paginator(native.get().shared()),
                Err(_) => walk.paginator(PyPaginator::new(p, raised.clone())?),
            };
        }
        if let Some(s) = data_selector {
            walk = walk.data_selector(s);
        }
        if !hooks.is_empty() {
            walk = walk.hook_with_request(crate::hooks::python_hooks(hooks, raised.clone()));
        }
        if let Some(n) = max_pages {
            walk = walk.max_pages(n);
        }
        if let Some(n) = max_records {
            walk = walk.max_records(n);
        }
        if let Some(t) = self::timeout(timeout, "timeout")? {
            walk = walk.timeout(t);
        }
        // The response of an error status, for the HTTPError's `.response`.
        let failed = FailedResponse::default();
        let keep = failed.clone();
        walk = walk.hook_with_request(move |response, request| {
            if response.status().as_u16() >= 400 {
                keep.set(NativeResponse::new(response), request.clone());
            }
            restclient::HookAction::Continue
        });
        Ok(NativePages::new(walk.pages(), raised, failed, python_free))
    }

    fn __repr__(&self) -> String {
        format!("<NativeClient {:?}>", self.client)
    }
}

fn parse_method(method: &str) -> PyResult<Method> {
    Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| PyValueError::new_err(format!("method: `{method}` is not an HTTP method")))
}
