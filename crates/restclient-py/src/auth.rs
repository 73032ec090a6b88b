//! Auth for Python: the built-in auths ([`NativeAuth`]) and Python's own ([`PyAuth`], an
//! `AuthConfigBase` subclass whose `__call__(request)` the engine calls for every request it
//! signs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use restclient::auth::{
    ApiKeyAuth, ApiKeyLocation, Auth, BearerTokenAuth, HttpBasicAuth, OAuth2ClientCredentials,
};
use restclient::{Method, Request};

use crate::convert::{parse_url, request_from_py, request_to_py, write_request_to_py};
use crate::errors::{call_python, to_py_err};

/// A built-in auth, for `restclient.auth`'s classes to hold.
#[pyclass(frozen, module = "restclient._restclient")]
pub(crate) struct NativeAuth {
    pub(crate) auth: Arc<dyn Auth>,
}

fn builder_error(py: Python<'_>, e: &restclient::Error) -> PyErr {
    to_py_err(py, e, None)
}

#[pymethods]
impl NativeAuth {
    /// `Authorization: Bearer <token>`.
    #[staticmethod]
    fn bearer(token: &str) -> Self {
        NativeAuth {
            auth: Arc::new(BearerTokenAuth::new(token)),
        }
    }

    /// An API key in a header, a query parameter (`query`/`param`) or a cookie.
    #[staticmethod]
    fn api_key(name: &str, api_key: &str, location: &str) -> PyResult<Self> {
        let location: ApiKeyLocation = location
            .parse()
            .map_err(|e: restclient::Error| PyValueError::new_err(e.to_string()))?;
        Ok(NativeAuth {
            auth: Arc::new(ApiKeyAuth::new(api_key).name(name).location(location)),
        })
    }

    /// `Authorization: Basic base64(username:password)`.
    #[staticmethod]
    fn basic(username: &str, password: &str) -> Self {
        NativeAuth {
            auth: Arc::new(HttpBasicAuth::new(username, password)),
        }
    }

    /// OAuth2 client credentials. `token_headers`/`token_form`, when given, replace what the
    /// token request sends (a `build_access_token_request()` override).
    #[staticmethod]
    #[pyo3(signature = (access_token_url, client_id, client_secret, request_data, default_token_expiration, token_headers=None, token_form=None))]
    #[allow(clippy::too_many_arguments)]
    fn oauth2(
        py: Python<'_>,
        access_token_url: &str,
        client_id: &str,
        client_secret: &str,
        request_data: Vec<(String, String)>,
        default_token_expiration: f64,
        token_headers: Option<Vec<(String, String)>>,
        token_form: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        if !(default_token_expiration.is_finite() && default_token_expiration >= 0.0) {
            return Err(PyValueError::new_err(format!(
                "default_token_expiration: must be a number of seconds >= 0, not {default_token_expiration}"
            )));
        }
        let mut builder =
            OAuth2ClientCredentials::builder(access_token_url, client_id, client_secret)
                .access_token_request_data(request_data)
                .default_token_expiration(Duration::from_secs_f64(
                    default_token_expiration.min(1e9),
                ));
        if token_headers.is_some() || token_form.is_some() {
            builder = builder.token_request(move |req| {
                if let Some(form) = &token_form {
                    req.clear_form();
                    for (k, v) in form {
                        req.set_form(k.clone(), v.clone());
                    }
                }
                for (k, v) in token_headers.iter().flatten() {
                    req.set_header(k, v);
                }
            });
        }
        let auth = builder.build().map_err(|e| builder_error(py, &e))?;
        Ok(NativeAuth {
            auth: Arc::new(auth),
        })
    }

    /// Signs a Python request as the engine would (requests' `auth(request)`): for a subclass
    /// that calls `super().__call__(request)`.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        request: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut native = Request::new(
            Method::GET,
            parse_url("http://request.invalid/", "request.url")?,
        );
        request_from_py(&request, &mut native)?;
        let auth = Arc::clone(&self.auth);
        crate::runtime::wait(py, async move { auth.prepare().await })?
            .map_err(|e| to_py_err(py, &e, None))?;
        self.auth
            .apply(&mut native)
            .map_err(|e| to_py_err(py, &e, None))?;
        write_request_to_py(&request, &native)?;
        Ok(request)
    }

    fn __repr__(&self) -> String {
        // Debug of every built-in auth masks its secret.
        format!("<NativeAuth {:?}>", self.auth)
    }
}

/// Attribute names whose string values a Python auth is taken to hold secrets in.
const SECRET_WORDS: [&str; 6] = ["token", "secret", "password", "passwd", "key", "credential"];

/// An auth written in Python: `auth(request)` gets a `restclient.Request` (method, full URL,
/// headers) for every request sent to the credentials' origin, and sets headers or query
/// parameters on it (or returns a request that has them).
pub(crate) struct PyAuth {
    auth: Py<PyAny>,
    class: String,
    /// Values the auth has set: masked from then on.
    learned: Mutex<Vec<String>>,
}

impl std::fmt::Debug for PyAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyAuth({})", self.class)
    }
}

impl PyAuth {
    pub(crate) fn new(auth: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyAuth {
            auth: auth.clone().unbind(),
            class: auth.get_type().name()?.to_string(),
            learned: Mutex::new(Vec::new()),
        })
    }

    fn learn(&self, values: impl IntoIterator<Item = String>) {
        let mut learned = self
            .learned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for v in values {
            if v.len() >= 4 && !learned.contains(&v) {
                learned.push(v);
            }
        }
    }
}

impl Auth for PyAuth {
    fn apply(&self, request: &mut Request) -> restclient::Result<()> {
        call_python(|py| {
            let py_request = request_to_py(py, request)?;
            let returned = self.auth.bind(py).call1((&py_request,))?;
            let signed = if returned.is_none() {
                py_request
            } else {
                returned
            };
            let mut after = request.clone();
            request_from_py(&signed, &mut after)?;
            // Query parameters the auth added to the URL itself (requests' `prepare_url`).
            let before: Vec<(String, String)> = request.url().query_pairs().into_owned().collect();
            let now: Vec<(String, String)> = after.url().query_pairs().into_owned().collect();
            let added: Vec<(String, String)> = match now.strip_prefix(before.as_slice()) {
                Some(rest) => rest.to_vec(),
                None => now.into_iter().filter(|p| !before.contains(p)).collect(),
            };
            let mut learned = Vec::new();
            for (k, v) in added.iter().chain(after.params()) {
                learned.push(v.clone());
                request.append_param(k.clone(), v);
            }
            for (name, value) in after.headers() {
                if request.headers().get(name) != Some(value) {
                    learned.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
                }
            }
            *request.headers_mut() = after.headers().clone();
            self.learn(learned);
            Ok(())
        })
    }

    /// The values the auth has set so far, and the string attributes whose names say they
    /// hold a secret (`token`, `api_key`, `password`, ...).
    fn secrets(&self) -> Vec<String> {
        let mut out = self
            .learned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Python::try_attach(|py| {
            let Ok(vars) = self.auth.bind(py).getattr("__dict__") else {
                return;
            };
            let Ok(items) = vars.call_method0("items") else {
                return;
            };
            let Ok(iter) = items.try_iter() else {
                return;
            };
            for item in iter.flatten() {
                let Ok((name, value)) = item.extract::<(String, String)>() else {
                    continue;
                };
                let name = name.to_ascii_lowercase();
                if value.len() >= 4 && SECRET_WORDS.iter().any(|w| name.contains(w)) {
                    out.push(value);
                }
            }
        });
        out
    }
}
