//! Typed values of the command line: each flag is parsed (and `${NAME}` expanded) by clap, so a
//! malformed one is a usage error (exit 2) before any request. Messages name the flag and
//! never repeat what was typed, which may be a credential.

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use restclient::Method;
use restclient::auth::Auth;
use restclient::header::{HeaderName, HeaderValue};
use restclient::paginators::Paginator;
use restclient::spec::{AuthSpec, CREDENTIAL_KEYS, EnvExpander, PaginatorSpec, SpecError};
use serde_json::Value;

/// A clap value parser from a plain function; its error is shown as `FLAG: message` without
/// the value (clap's own "invalid value 'xyz' for ..." would echo a secret).
#[derive(Clone)]
pub(crate) struct Typed<T> {
    flag: &'static str,
    parse: fn(&str) -> Result<T, String>,
}

pub(crate) fn typed<T>(flag: &'static str, parse: fn(&str) -> Result<T, String>) -> Typed<T> {
    Typed { flag, parse }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Typed<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let fail = |message: String| {
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("{}: {message}\n", self.flag),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| fail("not valid UTF-8".to_owned()))?;
        (self.parse)(text).map_err(fail)
    }
}

fn spec_error(e: &SpecError) -> String {
    e.to_string()
}

/// `-H 'Name: value'`. A value with `${NAME}` in it is marked sensitive: masked in logs and
/// errors, and not sent to another origin.
#[derive(Clone)]
pub(crate) struct HeaderArg {
    pub(crate) name: HeaderName,
    pub(crate) value: HeaderValue,
}

pub(crate) fn header(text: &str) -> Result<HeaderArg, String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected `Name: value`".to_owned())?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| "not a valid header name before the `:`".to_owned())?;
    let mut env = EnvExpander::from_process();
    // A header filled from the environment carries a credential: an empty one is a mistake.
    let expanded = env.expand(value.trim(), true).map_err(|e| spec_error(&e))?;
    let mut value = HeaderValue::from_str(&expanded)
        .map_err(|_| format!("the value of `{name}` is not a valid header value"))?;
    if !env.secrets().is_empty() {
        value.set_sensitive(true);
    }
    Ok(HeaderArg { name, value })
}

/// `-p key=value`; `${NAME}` values are secrets.
#[derive(Clone)]
pub(crate) struct ParamArg {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) secrets: Vec<String>,
}

pub(crate) fn param(text: &str) -> Result<ParamArg, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| "expected `key=value`".to_owned())?;
    if key.is_empty() {
        return Err("empty parameter name before the `=`".to_owned());
    }
    let mut env = EnvExpander::from_process();
    let value = env.expand(value, true).map_err(|e| spec_error(&e))?;
    Ok(ParamArg {
        key: key.to_owned(),
        value,
        secrets: env.into_secrets().into_iter().collect(),
    })
}

/// `--json BODY|@FILE`; `${NAME}` in its strings is expanded, and those values are secrets.
#[derive(Clone)]
pub(crate) struct JsonArg {
    pub(crate) value: Value,
    pub(crate) secrets: Vec<String>,
}

pub(crate) fn json(text: &str) -> Result<JsonArg, String> {
    let raw = match text.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?
        }
        None => text.to_owned(),
    };
    let mut value = restclient::spec::parse_json(&raw).map_err(|e| spec_error(&e))?;
    let mut env = EnvExpander::from_process();
    env.expand_value(&mut value, CREDENTIAL_KEYS)
        .map_err(|e| spec_error(&e))?;
    Ok(JsonArg {
        value,
        secrets: env.into_secrets().into_iter().collect(),
    })
}

/// `--auth SPEC`, built: its credentials and every `${NAME}` value are secrets.
#[derive(Clone)]
pub(crate) struct AuthArg {
    pub(crate) auth: Arc<dyn Auth>,
    pub(crate) secrets: Vec<String>,
}

pub(crate) fn auth(text: &str) -> Result<AuthArg, String> {
    let mut value = restclient::spec::parse_text(text).map_err(|e| spec_error(&e))?;
    let mut env = EnvExpander::from_process();
    env.expand_value(&mut value, CREDENTIAL_KEYS)
        .map_err(|e| spec_error(&e))?;
    let spec = AuthSpec::from_value(&value).map_err(|e| spec_error(&e))?;
    let auth = spec.build().map_err(|e| e.to_string())?;
    let mut secrets: Vec<String> = env.into_secrets().into_iter().collect();
    secrets.extend(spec.secrets());
    Ok(AuthArg { auth, secrets })
}

/// `--paginator SPEC`, built (`None` for `auto`).
#[derive(Clone)]
pub(crate) struct PaginatorArg {
    pub(crate) paginator: Option<Box<dyn Paginator>>,
    pub(crate) secrets: Vec<String>,
}

pub(crate) fn paginator(text: &str) -> Result<PaginatorArg, String> {
    let mut value = restclient::spec::parse_text(text).map_err(|e| spec_error(&e))?;
    let mut env = EnvExpander::from_process();
    env.expand_value(&mut value, &[])
        .map_err(|e| spec_error(&e))?;
    let spec = PaginatorSpec::from_value(&value).map_err(|e| spec_error(&e))?;
    let paginator = spec.build().map_err(|e| e.to_string())?;
    Ok(PaginatorArg {
        paginator,
        secrets: env.into_secrets().into_iter().collect(),
    })
}

/// `-X/--method`.
pub(crate) fn method(text: &str) -> Result<Method, String> {
    Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map_err(|_| "not an HTTP method".to_owned())
}

/// `--timeout SECONDS` (fractions allowed).
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a positive number of seconds".to_owned())
}

/// `--rate N`: requests per second, a finite number >= 0 (fractions allowed, 0 = unlimited).
pub(crate) fn rate(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r >= 0.0)
        .ok_or_else(|| {
            "expected requests per second, a number >= 0 (0 = unlimited, 0.5 = one every 2 s)"
                .to_owned()
        })
}

/// `--log-level`: Rust's names and dlt's (`WARNING`, `CRITICAL`).
pub(crate) fn log_level(text: &str) -> Result<tracing::Level, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "error" | "critical" => Ok(tracing::Level::ERROR),
        "warn" | "warning" => Ok(tracing::Level::WARN),
        "info" => Ok(tracing::Level::INFO),
        "debug" => Ok(tracing::Level::DEBUG),
        "trace" => Ok(tracing::Level::TRACE),
        _ => Err("expected one of error, warn, info, debug, trace".to_owned()),
    }
}

/// `<URL>`: an absolute http(s) URL. The message never shows it (it may carry a password).
pub(crate) fn url(text: &str) -> Result<String, String> {
    match restclient::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(text.to_owned()),
        Ok(_) => Err("expected an http or https URL".to_owned()),
        Err(e) => Err(format!("not an absolute URL ({e})")),
    }
}

/// `--data-selector`: checked here so a bad JSONPath is a usage error.
pub(crate) fn selector(text: &str) -> Result<String, String> {
    restclient::selector::Selector::new(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_params() {
        let h = header("X-A:  b c ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (h.name.as_str(), h.value.to_str().ok()),
            ("x-a", Some("b c"))
        );
        assert!(!h.value.is_sensitive());
        assert_eq!(
            header("nocolon").err().as_deref(),
            Some("expected `Name: value`")
        );
        let p = param("q=a=b").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.key.as_str(), p.value.as_str()), ("q", "a=b"));
        assert!(param("=v").is_err());
    }

    #[test]
    fn bad_values_are_not_echoed() {
        for (f, text) in [
            (
                json as fn(&str) -> Result<JsonArg, String>,
                r#"{"token": "s3cr3t"#,
            ),
            (json, "s3cr3t"),
        ] {
            let e = f(text).err().unwrap_or_default();
            assert!(e.starts_with("not valid JSON at line 1"), "{e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
        let e = auth(r#"{"type":"bearer","token":"s3cr3t""#)
            .err()
            .unwrap_or_default();
        assert_eq!(e, "not valid JSON at line 1 column 33");
        let e = auth(r#"{"type":"bearer","tokn":"s3cr3t"}"#)
            .err()
            .unwrap_or_default();
        assert!(
            e.starts_with("tokn: unknown key") && !e.contains("s3cr3t"),
            "{e}"
        );
        let e = url("http://user:s3cr3t@[::1").err().unwrap_or_default();
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(seconds("0").is_err() && seconds("1e400").is_err() && seconds("x").is_err());
        assert_eq!(seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(rate("10"), Ok(10.0));
        assert_eq!(rate("0.5"), Ok(0.5));
        assert_eq!(rate("0"), Ok(0.0));
        for bad in ["-1", "x", "inf", "NaN", "1e400", ""] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        assert!(log_level("WARNING").is_ok() && log_level("loud").is_err());
    }
}
