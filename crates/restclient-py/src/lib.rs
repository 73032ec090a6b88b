//! `restclient._restclient`: the native half of the Python package `restclient`.
//!
//! The package's Python modules (`python/restclient/`) hold dlt's surface (`RESTClient`,
//! paginators, auths, exceptions, `Request`/`Response`); this module holds the engine side of
//! it, thin over the one engine in `restclient`:
//!
//! | module | holds |
//! |---|---|
//! | `client` | `NativeClient`: one `RestClient`; `request` and `paginate` |
//! | `pages` | `NativePages`, the walk as an iterator; `NativePage` |
//! | `records` | records as Python objects, built from the response text (the hot path) |
//! | `paginator` | built-in paginators shared with Python; Python paginators driven per page |
//! | `auth` | built-in auths; Python auths called per signed request |
//! | `hooks` | Python response hooks as one engine hook |
//! | `response` | `NativeResponse`: what Python's `Response` reads |
//! | `convert` | Python objects ↔ JSON values, parameters, headers, requests |
//! | `errors` | engine errors → Python exceptions; Python exceptions through the engine |
//! | `runtime` | the tokio runtime; waiting with the GIL released and signals checked |
//! | `log` | the engine's log lines into Python's `logging` (logger `restclient`) |
//! | `source` | `NativeSource`: a `rest_api` config's resources walked by the run engine, for `restclient.dlt` |
//!
//! Python code the engine calls (a paginator, an auth, a hook) runs once per page or per
//! signed request, never per record.

use pyo3::prelude::*;

mod auth;
mod client;
mod convert;
mod errors;
mod hooks;
mod log;
mod pages;
mod paginator;
mod records;
mod response;
mod runtime;
mod source;

#[pymodule]
fn _restclient(m: &Bound<'_, PyModule>) -> PyResult<()> {
    log::install();
    m.add_class::<client::NativeClient>()?;
    m.add_class::<pages::NativePages>()?;
    m.add_class::<pages::NativePage>()?;
    m.add_class::<paginator::NativePaginator>()?;
    m.add_class::<auth::NativeAuth>()?;
    m.add_class::<response::NativeResponse>()?;
    m.add_class::<source::NativeSource>()?;
    m.add_class::<source::NativeResource>()?;
    m.add_class::<source::NativeWalk>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
