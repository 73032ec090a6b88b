//! [`NativeResponse`]: what Python's `restclient.Response` reads of a response.

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use restclient::Response;

use crate::records::{KeyCache, json_to_py};

/// The status, headers, URL and body of one response, copied out of the engine's `Response`
/// (the body is shared, not copied). Python's `restclient.Response` wraps it.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeResponse {
    status: u16,
    headers: Vec<(String, String)>,
    url: String,
    redacted_url: String,
    body: Bytes,
    attempts: u32,
}

impl NativeResponse {
    pub(crate) fn new(response: &Response) -> Self {
        NativeResponse {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            url: response.url().as_str().to_owned(),
            redacted_url: response.redacted_url(),
            body: response.bytes().clone(),
            attempts: response.attempts(),
        }
    }

    /// The engine's response again, for a built-in paginator called from Python.
    pub(crate) fn to_response(&self) -> restclient::Result<Response> {
        let headers = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Response::from_parts(self.status, headers, &self.url, self.body.to_vec())
    }
}

#[pymethods]
impl NativeResponse {
    /// The HTTP status code.
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// The standard reason phrase of the status (`Not Found`), empty when it has none.
    #[getter]
    fn reason(&self) -> &'static str {
        restclient::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
    }

    /// The headers as (name, value) pairs, in the order received (names lower-case).
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// The URL the response came from.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The URL with secrets masked, for messages.
    #[getter]
    fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// How many attempts it took (retries included).
    #[getter]
    fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The body.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    /// The body parsed as JSON into Python objects (as `json.loads` would: key order kept,
    /// integers of any size exact). A body that is not JSON raises `json.JSONDecodeError`.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        json_to_py(py, body, &mut KeyCache::default())
    }

    /// The first value the JSONPath `path` (dlt's syntax) finds in the body, or `None`.
    fn select_first<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        let selector = restclient::selector::Selector::new(path)
            .map_err(|e| crate::errors::to_py_err(py, &e, None))?;
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        let value: restclient::Value = serde_json::from_slice(body).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "the response from {} is not JSON: {e}",
                self.redacted_url
            ))
        })?;
        match selector.first(&value) {
            Some(v) => crate::convert::value_to_py(py, v),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn __repr__(&self) -> String {
        format!("<NativeResponse [{}]>", self.status)
    }
}
