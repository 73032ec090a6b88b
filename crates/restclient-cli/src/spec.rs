//! SPEC arguments in dlt's `rest_api` form, and `${NAME}` expansion.

use anyhow::{Context, Result, anyhow, bail};
use restclient::auth::{Auth, BearerTokenAuth};
use restclient::paginators::Paginator;
use serde_json::Value;

/// Replaces every `${NAME}` in `text` with the environment variable NAME; a missing variable is
/// an error naming it.
pub(crate) fn expand_env(text: &str, what: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| anyhow!("{what}: unclosed `${{` in `{text}`"))?;
        let name = &after[..end];
        if name.is_empty() {
            bail!("{what}: empty variable name `${{}}`");
        }
        let value = std::env::var(name)
            .map_err(|_| anyhow!("{what}: environment variable `{name}` is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands `${NAME}` in every string of a JSON value.
fn expand_value(value: &mut Value, what: &str) -> Result<()> {
    match value {
        Value::String(s) => *s = expand_env(s, what)?,
        Value::Array(items) => items.iter_mut().try_for_each(|v| expand_value(v, what))?,
        Value::Object(map) => map.values_mut().try_for_each(|v| expand_value(v, what))?,
        _ => {}
    }
    Ok(())
}

/// Parses a SPEC: a bare type name or a JSON object; `${NAME}` expanded in its strings.
pub(crate) fn parse_spec(text: &str, what: &str) -> Result<Value> {
    let trimmed = text.trim();
    let mut value = if trimmed.starts_with('{') || trimmed.starts_with('"') {
        serde_json::from_str(trimmed)
            .with_context(|| format!("{what}: not valid JSON: `{trimmed}`"))?
    } else {
        Value::String(trimmed.to_owned())
    };
    expand_value(&mut value, what)?;
    Ok(value)
}

/// `--paginator SPEC`: `None` for `auto`.
pub(crate) fn paginator(text: &str) -> Result<Option<Box<dyn Paginator>>> {
    let spec = parse_spec(text, "--paginator")?;
    restclient::paginators::from_config(&spec).map_err(|e| anyhow!("--paginator: {e}"))
}

/// `--auth SPEC` (dlt's auth config; the type defaults to `bearer`, as in dlt).
pub(crate) fn auth(text: &str) -> Result<BoxedAuth> {
    let spec = parse_spec(text, "--auth")?;
    let empty = serde_json::Map::new();
    let (kind, params) = match &spec {
        Value::String(s) => (s.as_str(), &empty),
        Value::Object(map) => (
            map.get("type").and_then(Value::as_str).unwrap_or("bearer"),
            map,
        ),
        _ => bail!("--auth: expected a type name or a JSON object"),
    };
    let string = |key: &str| -> Result<String> {
        match params.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => bail!("--auth: `{key}` must be a string, got {other}"),
            None => bail!("--auth: `{key}` is required for type `{kind}`"),
        }
    };
    let known: &[&str] = match kind {
        "bearer" => &["type", "token"],
        other => bail!("--auth: auth type `{other}` is not supported yet (supported: bearer)"),
    };
    if let Some(unknown) = params.keys().find(|k| !known.contains(&k.as_str())) {
        bail!("--auth: unknown key `{unknown}` for type `{kind}`");
    }
    Ok(BoxedAuth(Box::new(BearerTokenAuth::new(string("token")?))))
}

/// A boxed auth that can be handed to the builders (which take `impl Auth`).
#[derive(Debug)]
pub(crate) struct BoxedAuth(Box<dyn Auth>);

impl Auth for BoxedAuth {
    fn prepare(&self) -> futures::future::BoxFuture<'_, restclient::Result<()>> {
        self.0.prepare()
    }
    fn apply(&self, request: &mut restclient::Request) -> restclient::Result<()> {
        self.0.apply(request)
    }
    fn on_unauthorized(&self) -> futures::future::BoxFuture<'_, restclient::Result<bool>> {
        self.0.on_unauthorized()
    }
    fn secrets(&self) -> Vec<String> {
        self.0.secrets()
    }
}

/// `-H 'Name: value'`.
pub(crate) fn header(text: &str) -> Result<(String, String)> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| anyhow!("-H/--header: expected `Name: value`, got `{text}`"))?;
    if name.trim().is_empty() {
        bail!("-H/--header: empty header name in `{text}`");
    }
    Ok((
        name.trim().to_owned(),
        expand_env(value.trim(), "-H/--header")?,
    ))
}

/// `-p key=value`.
pub(crate) fn param(text: &str) -> Result<(String, String)> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| anyhow!("-p/--param: expected `key=value`, got `{text}`"))?;
    Ok((key.to_owned(), expand_env(value, "-p/--param")?))
}

/// `--json BODY|@file`.
pub(crate) fn json_body(text: &str) -> Result<Value> {
    let raw = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("--json: cannot read `{path}`"))?,
        None => text.to_owned(),
    };
    serde_json::from_str(&raw).with_context(|| "--json: not valid JSON".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_and_objects() {
        assert_eq!(
            parse_spec("header_link", "x").unwrap(),
            Value::from("header_link")
        );
        assert_eq!(
            parse_spec(r#"{"type":"offset","limit":5}"#, "x").unwrap()["limit"],
            5
        );
        assert!(paginator("auto").unwrap().is_none());
        let e = paginator(r#"{"type":"offset","limit":5,"bogus":1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn missing_variable_is_named() {
        let e = expand_env("a ${RESTCLIENT_TEST_SURELY_UNSET_VAR} b", "--auth")
            .unwrap_err()
            .to_string();
        assert!(e.contains("RESTCLIENT_TEST_SURELY_UNSET_VAR"), "{e}");
        assert_eq!(
            expand_env("plain $HOME {x}", "x").unwrap(),
            "plain $HOME {x}"
        );
    }

    #[test]
    fn headers_and_params() {
        assert_eq!(header("X-A:  b c ").unwrap(), ("X-A".into(), "b c".into()));
        assert!(header("nocolon").is_err());
        assert_eq!(param("q=a=b").unwrap(), ("q".into(), "a=b".into()));
    }
}
