//! SPEC arguments in dlt's `rest_api` form, and `${NAME}` expansion.

use anyhow::{Context, Result, anyhow, bail};
use std::time::Duration;

use restclient::auth::{
    ApiKeyAuth, ApiKeyLocation, Auth, BearerTokenAuth, ClientAuthMethod, HttpBasicAuth,
    OAuth2ClientCredentials,
};
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

/// `--auth SPEC` (dlt's auth config; the type defaults to `bearer`, as in dlt):
/// `bearer` (`token`), `api_key` (`api_key`, `name`, `location`), `http_basic` (`username`,
/// `password`), `oauth2_client_credentials` (`access_token_url`, `client_id`, `client_secret`,
/// `access_token_request_data`, `default_token_expiration`, `client_auth_method`).
pub(crate) fn auth(text: &str) -> Result<Box<dyn Auth>> {
    let spec = parse_spec(text, "--auth")?;
    let empty = serde_json::Map::new();
    let (kind, params) = match &spec {
        Value::String(s) => (s.as_str(), &empty),
        Value::Object(map) => match map.get("type") {
            None => ("bearer", map),
            Some(Value::String(s)) => (s.as_str(), map),
            Some(other) => bail!("--auth: `type` must be a string, got {other}"),
        },
        _ => bail!("--auth: expected a type name or a JSON object"),
    };
    let known: &[&str] = match kind {
        "bearer" => &["type", "token"],
        "api_key" => &["type", "api_key", "name", "location"],
        "http_basic" => &["type", "username", "password"],
        "oauth2_client_credentials" => &[
            "type",
            "access_token_url",
            "client_id",
            "client_secret",
            "access_token_request_data",
            "default_token_expiration",
            "client_auth_method",
        ],
        other => bail!(
            "--auth: unknown auth type `{other}` (expected bearer, api_key, http_basic or oauth2_client_credentials)"
        ),
    };
    if let Some(unknown) = params.keys().find(|k| !known.contains(&k.as_str())) {
        bail!("--auth: unknown key `{unknown}` for type `{kind}`");
    }
    let string = |key: &str| -> Result<Option<String>> {
        match params.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => bail!("--auth: `{key}` must be a string, got {other}"),
        }
    };
    let required = |key: &str| -> Result<String> {
        string(key)?.ok_or_else(|| anyhow!("--auth: `{key}` is required for type `{kind}`"))
    };
    let auth: Box<dyn Auth> = match kind {
        "bearer" => Box::new(BearerTokenAuth::new(required("token")?)),
        "api_key" => {
            let mut a = ApiKeyAuth::new(required("api_key")?);
            if let Some(name) = string("name")? {
                a = a.name(name);
            }
            if let Some(location) = string("location")? {
                a = a.location(
                    location
                        .parse::<ApiKeyLocation>()
                        .map_err(|e| anyhow!("--auth: {e}"))?,
                );
            }
            Box::new(a)
        }
        "http_basic" => Box::new(HttpBasicAuth::new(
            required("username")?,
            required("password")?,
        )),
        _ => {
            let mut b = OAuth2ClientCredentials::builder(
                &required("access_token_url")?,
                required("client_id")?,
                required("client_secret")?,
            );
            match params.get("access_token_request_data") {
                None => {}
                Some(Value::Object(data)) => {
                    let fields: Vec<(String, String)> = data
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                            )
                        })
                        .collect();
                    b = b.access_token_request_data(fields);
                }
                Some(other) => {
                    bail!("--auth: `access_token_request_data` must be an object, got {other}")
                }
            }
            match params.get("default_token_expiration") {
                None => {}
                Some(Value::Number(n)) if n.as_u64().is_some() => {
                    b = b.default_token_expiration(Duration::from_secs(n.as_u64().unwrap_or(3600)));
                }
                Some(other) => {
                    bail!("--auth: `default_token_expiration` must be whole seconds, got {other}")
                }
            }
            match string("client_auth_method")?.as_deref() {
                None | Some("client_secret_post") => {}
                Some("client_secret_basic") => {
                    b = b.client_auth_method(ClientAuthMethod::ClientSecretBasic)
                }
                Some(other) => bail!(
                    "--auth: `client_auth_method` must be client_secret_post or client_secret_basic, got `{other}`"
                ),
            }
            Box::new(b.build().map_err(|e| anyhow!("--auth: {e}"))?)
        }
    };
    Ok(auth)
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
