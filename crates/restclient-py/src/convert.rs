//! Conversions between Python objects and the engine's types: JSON values, query parameters,
//! headers, and requests (Python's `restclient.Request` ↔ `restclient::Request`).
//!
//! The rules are requests' where dlt code relies on them: a parameter value is sent as
//! `str(value)` (so `True` is `True`), `None` drops it and a list repeats it; header values are
//! `str` or `bytes`; a JSON body follows `json.dumps` (non-string keys become strings, NaN is
//! refused).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use restclient::reqwest::Method;
use restclient::{Body, Request, Url, Value};

/// How deep a JSON body may nest: deeper is refused (it is almost surely a cycle).
const MAX_DEPTH: usize = 256;

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python object as a JSON value, as `json.dumps` would write it; `what` names the argument
/// in errors (`json`).
pub(crate) fn py_to_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_value(obj, what, 0)
}

fn to_value(obj: &Bound<'_, PyAny>, what: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "{what}: nested more than {MAX_DEPTH} levels deep (a circular reference?)"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(PyValueError::new_err(format!(
            "{what}: the integer {} does not fit in 64 bits, which a JSON body here cannot carry exactly; send it as a string",
            i.str()?
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{what}: {v} is not a JSON number (NaN or infinity)"
                ))
            });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            map.insert(json_key(&k, what)?, to_value(&v, what, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(to_value(&item?, what, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = serde_json::Map::new();
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            map.insert(json_key(&k, what)?, to_value(&v, what, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: object of type {} is not JSON serializable",
        obj.get_type().name()?
    )))
}

/// A dict key as `json.dumps` writes it.
fn json_key(key: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if key.is_none() {
        return Ok("null".into());
    }
    if let Ok(b) = key.cast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.into());
    }
    if key.cast::<PyInt>().is_ok() || key.cast::<PyFloat>().is_ok() {
        return Ok(key.str()?.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "{what}: keys must be str, int, float, bool or None, not {}",
        key.get_type().name()?
    )))
}

/// Text of a parameter or form value, as requests sends it: `str(value)`, bytes as UTF-8.
fn param_text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec())
            .map_err(|_| PyValueError::new_err(format!("{what}: bytes that are not UTF-8")));
    }
    Ok(value.str()?.to_cow()?.into_owned())
}

/// Appends one `name=value` (a list or tuple value repeats the name; `None` is skipped).
fn push_param(
    out: &mut Vec<(String, String)>,
    name: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<()> {
    if value.is_none() {
        return Ok(());
    }
    let name = param_text(name, what)?;
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        for item in value.try_iter()? {
            let item = item?;
            if !item.is_none() {
                out.push((name.clone(), param_text(&item, what)?));
            }
        }
    } else {
        out.push((name, param_text(value, what)?));
    }
    Ok(())
}

/// Query parameters (or form fields) from a dict, a mapping, a list of pairs or a query string.
pub(crate) fn py_to_pairs(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(out);
    };
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        out.extend(
            url::form_urlencoded::parse(text.trim_start_matches('?').as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        return Ok(out);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, v) in d.iter() {
            push_param(&mut out, &k, &v, what)?;
        }
        return Ok(out);
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            push_param(&mut out, &k, &v, what)?;
        }
        return Ok(out);
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        for item in obj.try_iter()? {
            let item = item?;
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(|_| {
                PyTypeError::new_err(format!("{what}: a list must hold (name, value) pairs"))
            })?;
            push_param(&mut out, &k, &v, what)?;
        }
        return Ok(out);
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected a dict, a list of (name, value) pairs or a query string, not {}",
        obj.get_type().name()?
    )))
}

/// Headers from a mapping (`None` values are dropped, as requests does); values must be
/// `str` or `bytes`.
pub(crate) fn py_to_headers(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(out);
    };
    let items = match obj.cast::<PyMapping>() {
        Ok(m) => m.items()?.into_any(),
        Err(_) => {
            if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
                obj.clone()
            } else {
                return Err(PyTypeError::new_err(format!(
                    "{what}: expected a dict of header names to values, not {}",
                    obj.get_type().name()?
                )));
            }
        }
    };
    for item in items.try_iter()? {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("{what}: expected (name, value) pairs")))?;
        if v.is_none() {
            continue;
        }
        let name = param_text(&k, what)?;
        let value = if v.cast::<PyString>().is_ok() || v.cast::<PyBytes>().is_ok() {
            param_text(&v, what)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "{what}: the value of header `{name}` must be str or bytes, not {}",
                v.get_type().name()?
            )));
        };
        out.push((name, value));
    }
    Ok(out)
}

/// The body of a call from its `json` and `data` arguments (dlt's rule: not both).
pub(crate) fn py_to_body(
    json: Option<&Bound<'_, PyAny>>,
    data: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Body>> {
    let truthy = |o: Option<&Bound<'_, PyAny>>| -> PyResult<bool> {
        match o {
            Some(o) if !o.is_none() => o.is_truthy(),
            _ => Ok(false),
        }
    };
    if truthy(json)? && truthy(data)? {
        return Err(PyValueError::new_err(
            "Cannot use both 'json' and 'data' parameters simultaneously. Use 'json' for JSON payloads or 'data' for form-encoded data.",
        ));
    }
    if let Some(d) = data.filter(|d| !d.is_none())
        && truthy(Some(d))?
    {
        if d.cast::<PyString>().is_ok() || d.cast::<PyBytes>().is_ok() {
            return Err(PyValueError::new_err(
                "data: a raw str or bytes body is not supported; pass a dict or a list of pairs (sent form-encoded), or use json=",
            ));
        }
        return Ok(Some(Body::Form(py_to_pairs(Some(d), "data")?)));
    }
    match json.filter(|j| !j.is_none()) {
        Some(j) => Ok(Some(Body::Json(py_to_value(j, "json")?))),
        None => Ok(None),
    }
}

/// `restclient.models` functions the conversions call.
struct Models {
    request_from_native: Py<PyAny>,
    request_update: Py<PyAny>,
    response_from_native: Py<PyAny>,
}

static MODELS: PyOnceLock<Models> = PyOnceLock::new();

fn models(py: Python<'_>) -> PyResult<&Models> {
    MODELS.get_or_try_init(py, || {
        let m = py.import("restclient.models")?;
        Ok(Models {
            request_from_native: m.getattr("_request_from_native")?.unbind(),
            request_update: m.getattr("_request_update")?.unbind(),
            response_from_native: m.getattr("_response_from_native")?.unbind(),
        })
    })
}

/// A request's parts as Python values: method, URL without the parameters, parameters and
/// headers as lists of pairs, JSON body, form body.
fn request_parts<'py>(py: Python<'py>, request: &Request) -> PyResult<Bound<'py, PyTuple>> {
    let params: Vec<(&str, &str)> = request
        .params()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let headers: Vec<(&str, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let (json, form) = match request.body() {
        Some(Body::Json(v)) => (value_to_py(py, v)?, py.None().into_bound(py)),
        Some(Body::Form(f)) => (
            py.None().into_bound(py),
            f.clone().into_pyobject(py)?.into_any(),
        ),
        _ => (py.None().into_bound(py), py.None().into_bound(py)),
    };
    (
        request.method().as_str(),
        request.url().as_str(),
        params,
        headers,
        json,
        form,
    )
        .into_pyobject(py)
}

/// The request as a Python `restclient.Request`: `url` without the parameters, `params` a
/// dict (a repeated name holds a list), `headers` case-insensitive.
pub(crate) fn request_to_py<'py>(
    py: Python<'py>,
    request: &Request,
) -> PyResult<Bound<'py, PyAny>> {
    let parts = request_parts(py, request)?;
    models(py)?.request_from_native.bind(py).call1(parts)
}

/// Sets the attributes of the Python request `obj` from `request`.
pub(crate) fn write_request_to_py(obj: &Bound<'_, PyAny>, request: &Request) -> PyResult<()> {
    let py = obj.py();
    let parts = request_parts(py, request)?;
    let mut args = vec![obj.clone()];
    args.extend(parts.iter());
    models(py)?
        .request_update
        .bind(py)
        .call1(PyTuple::new(py, args)?)?;
    Ok(())
}

/// The response as a Python `restclient.Response`, with `request` as its `.request`.
pub(crate) fn response_to_py<'py>(
    py: Python<'py>,
    response: crate::response::NativeResponse,
    request: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    models(py)?
        .response_from_native
        .bind(py)
        .call1((response, request))
}

/// Writes a Python request (as a paginator or an auth left it) back into `request`: method,
/// URL (a relative one is resolved against the current URL), parameters, headers and body.
pub(crate) fn request_from_py(obj: &Bound<'_, PyAny>, request: &mut Request) -> PyResult<()> {
    let method: String = obj
        .getattr("method")?
        .extract()
        .unwrap_or_else(|_| "GET".into());
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        PyValueError::new_err(format!("request.method: `{method}` is not an HTTP method"))
    })?;
    request.set_method(method);
    let url = obj.getattr("url")?;
    if !url.is_none() {
        let text: String = url
            .extract()
            .map_err(|_| PyTypeError::new_err("request.url must be a str"))?;
        let parsed = request.url().join(&text).map_err(|e| {
            PyValueError::new_err(format!("request.url: `{text}` is not a URL: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(PyValueError::new_err(format!(
                "request.url: only http and https URLs can be requested, not `{}`",
                parsed.scheme()
            )));
        }
        request.set_url(parsed);
    }
    let params = py_to_pairs(Some(&obj.getattr("params")?), "request.params")?;
    request.clear_params();
    for (k, v) in params {
        request.append_param(k, v);
    }
    let headers = py_to_headers(Some(&obj.getattr("headers")?), "request.headers")?;
    request.headers_mut().clear();
    for (k, v) in headers {
        request
            .set_header(&k, &v)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    let json = obj.getattr("json")?;
    let data = obj.getattr("data")?;
    request.set_body(py_to_body(Some(&json), Some(&data))?);
    Ok(())
}

/// Parses a URL given from Python, naming the argument on failure.
pub(crate) fn parse_url(text: &str, what: &str) -> PyResult<Url> {
    Url::parse(text)
        .map_err(|e| PyValueError::new_err(format!("{what}: `{text}` is not a URL: {e}")))
}
