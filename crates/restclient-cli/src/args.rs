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

/// What kind of SPEC a flag takes, for messages: `an offset paginator needs "limit"`.
#[derive(Clone, Copy)]
enum SpecKind {
    Paginator,
    Auth,
}

impl SpecKind {
    fn noun(self) -> &'static str {
        match self {
            SpecKind::Paginator => "paginator",
            SpecKind::Auth => "auth",
        }
    }
}

/// A SPEC's type name as the user wrote it, when showing it can hold no secret: a name read
/// from `${NAME}` is not shown, nor one that does not look like a type name — type names are
/// short lowercase words (`kerberos`, `oauth2`, `aws_sigv4`), tokens are long or full of
/// digits or capitals, and `--auth "$TOKEN"` is a common slip.
fn type_name<'a>(value: &'a Value, secrets: &[String]) -> Option<&'a str> {
    let name = match value {
        Value::String(s) => s.as_str(),
        Value::Object(map) => map.get("type")?.as_str()?,
        _ => return None,
    };
    let looks_like_a_type = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
        && name.chars().filter(char::is_ascii_digit).count() <= 3;
    (looks_like_a_type && !secrets.iter().any(|s| s.contains(name))).then_some(name)
}

/// A SPEC's error in the words of the command line: what is missing where (`an offset
/// paginator needs "limit"`), the unknown type named (a type name is no secret; values never
/// appear), and the option's key instead of the Rust type that refused it.
fn spec_message(kind: SpecKind, value: &Value, secrets: &[String], e: &SpecError) -> String {
    let name = type_name(value, secrets);
    if e.message() == "is required" && !e.path().is_empty() {
        let key = e.path();
        return match name {
            Some(t) if key != "type" => {
                let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) || t.starts_with("http") {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {t} {} needs \"{key}\"", kind.noun())
            }
            _ => format!("the {} needs \"{key}\"", kind.noun()),
        };
    }
    let unknown = format!("unknown {} type", kind.noun());
    if e.path() == "type"
        && let Some(rest) = e.message().strip_prefix(&unknown)
        && !rest.starts_with(" `")
        && let Some(t) = name
    {
        return format!("type: {unknown} `{t}`{rest}");
    }
    spec_error(e)
}

/// A library error about a setting, in the words of the command line: `invalid `limit` for
/// OffsetPaginator: must be ...` names a Rust type; the flag already says which SPEC it is.
fn setting_message(e: &restclient::Error) -> String {
    let text = e.to_string();
    match split_setting(&text) {
        Some((key, reason)) => format!("{key}: {reason}"),
        None => text,
    }
}

/// The setting and the reason of a library message `invalid `{setting}` for {RustType}:
/// {reason}`.
pub(crate) fn split_setting(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix("invalid `")?;
    let (key, rest) = rest.split_once("` for ")?;
    let (_rust_type, reason) = rest.split_once(": ")?;
    Some((key, reason))
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
    let mut secrets: Vec<String> = env.into_secrets().into_iter().collect();
    let spec = AuthSpec::from_value(&value)
        .map_err(|e| spec_message(SpecKind::Auth, &value, &secrets, &e))?;
    let auth = spec.build().map_err(|e| setting_message(&e))?;
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
    let secrets: Vec<String> = env.into_secrets().into_iter().collect();
    let spec = PaginatorSpec::from_value(&value)
        .map_err(|e| spec_message(SpecKind::Paginator, &value, &secrets, &e))?;
    let paginator = spec.build().map_err(|e| setting_message(&e))?;
    Ok(PaginatorArg { paginator, secrets })
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

/// `<URL>`: an http(s) URL. Without a scheme, as xh and HTTPie read it: `http://` for
/// localhost and loopback addresses, `https://` for any other host, and `:8080/x` is
/// `http://localhost:8080/x`. The message never shows the URL (it may carry a password).
pub(crate) fn url(text: &str) -> Result<String, String> {
    let full = with_scheme(text);
    match restclient::Url::parse(&full) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(full),
        Ok(_) => Err("expected an http or https URL".to_owned()),
        Err(e) => Err(format!("not a URL ({e})")),
    }
}

/// `text` with a scheme: its own if it has one (`scheme://`), else the one xh would pick.
fn with_scheme(text: &str) -> String {
    let has_scheme = text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme {
        return text.to_owned();
    }
    if text.starts_with(':') {
        return format!("http://localhost{text}");
    }
    let local = restclient::Url::parse(&format!("http://{text}"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            host == "localhost"
                || host.ends_with(".localhost")
                || bare
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
    format!("{}://{text}", if local { "http" } else { "https" })
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
    fn urls_without_a_scheme_get_the_one_xh_would_pick() {
        for (typed, full) in [
            ("localhost:8080/x", "http://localhost:8080/x"),
            ("LocalHost/x", "http://LocalHost/x"),
            ("api.localhost:3000", "http://api.localhost:3000"),
            ("127.0.0.1:8080/x?a=1", "http://127.0.0.1:8080/x?a=1"),
            ("127.1.2.3", "http://127.1.2.3"),
            ("[::1]:8080/x", "http://[::1]:8080/x"),
            (":8080/x", "http://localhost:8080/x"),
            (":/x", "http://localhost:/x"),
            ("example.com/x", "https://example.com/x"),
            ("localhost.example.com/x", "https://localhost.example.com/x"),
            ("10.0.0.1/x", "https://10.0.0.1/x"),
            ("user:pw@example.com/x", "https://user:pw@example.com/x"),
            ("http://example.com/x", "http://example.com/x"),
            ("HTTPS://example.com", "HTTPS://example.com"),
        ] {
            assert_eq!(with_scheme(typed), full, "{typed}");
        }
        assert_eq!(
            url("localhost:8080/x").as_deref(),
            Ok("http://localhost:8080/x")
        );
        assert!(url("ftp://example.com/x").is_err());
        assert!(url("example.com:99999").is_err());
        let e = url("user:s3cr3t@example.com:99999")
            .err()
            .unwrap_or_default();
        assert!(!e.contains("s3cr3t"), "{e}");
    }

    #[test]
    fn type_names_are_shown_tokens_are_not() {
        let none: &[String] = &[];
        for shown in ["kerberos", "oauth2", "aws_sigv4", "hmac-sha256"] {
            assert_eq!(type_name(&Value::from(shown), none), Some(shown));
            let object = serde_json::json!({ "type": shown });
            assert_eq!(type_name(&object, none), Some(shown));
        }
        for hidden in [
            "ghp_Zq8sS3cr3tT0ken0123456789abcdefABCD",
            "d41d8cd98f00b204e9800998ecf8427e",
            "Kerberos",
            "a b",
            "",
        ] {
            assert_eq!(type_name(&Value::from(hidden), none), None, "{hidden}");
        }
        let from_env = ["kerberos".to_owned()];
        assert_eq!(type_name(&Value::from("kerberos"), &from_env), None);
    }

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
