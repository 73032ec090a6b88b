//! [`EndpointSpec`]: dlt's endpoint dict.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AuthSpec, PaginatorSpec, SpecError, deserialize_via_from_value, from_value, kind_of};

/// An endpoint in dlt's `rest_api` form: a path alone, or a dict with dlt's keys.
///
/// `incremental` is kept as JSON: runs give it its type (it is their cursor's settings).
///
/// ```
/// use restclient::spec::{EndpointSpec, PaginatorSpec};
/// let e = EndpointSpec::from_value(&serde_json::json!({
///     "path": "issues", "params": {"per_page": 100},
///     "paginator": {"type": "header_link"}, "auth": null,
/// }))?;
/// assert_eq!(e.path.as_deref(), Some("issues"));
/// assert!(matches!(e.paginator, Some(PaginatorSpec::HeaderLink(_))));
/// assert_eq!(e.auth, Some(None)); // `"auth": null` turns the client's auth off
///
/// let err = EndpointSpec::from_value(&serde_json::json!({"paginator": {"type": "offset", "limit": "x"}}));
/// assert_eq!(err.unwrap_err().to_string(), "paginator.limit: expected an integer, got a string");
/// # Ok::<(), restclient::spec::SpecError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EndpointSpec {
    /// Relative to the base URL, or an absolute URL (default: the resource's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `GET` or `POST`, exactly as dlt accepts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<EndpointMethod>,
    /// Query parameters (values may be `resolve`/`incremental` bindings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Map<String, Value>>,
    /// A JSON body (an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Map<String, Value>>,
    /// A form (object) or raw (string) body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Headers merged over the client's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// The auth; `Some(None)` (`"auth": null`) disables the client's.
    #[serde(
        default,
        deserialize_with = "nullable_auth",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth: Option<Option<AuthSpec>>,
    /// The paginator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginator: Option<PaginatorSpec>,
    /// JSONPath of the records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_selector: Option<String>,
    /// dlt's response actions: what to do with a response of a given status or content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_actions: Option<Vec<ResponseActionSpec>>,
    /// dlt's incremental settings, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Value>,
}

/// The methods dlt's endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EndpointMethod {
    /// `GET`.
    #[serde(rename = "GET")]
    Get,
    /// `POST`.
    #[serde(rename = "POST")]
    Post,
}

/// One of dlt's `response_actions`, in the form a file can hold: `ignore` a response whose
/// status is `status_code` and/or whose body contains `content` (a callable `action` is
/// Python's).
///
/// ```
/// use restclient::spec::ResponseActionSpec;
/// let a = ResponseActionSpec::from_value(&serde_json::json!({"status_code": 404, "action": "ignore"}))?;
/// assert_eq!(a.status_code, Some(404));
/// let e = ResponseActionSpec::from_value(&serde_json::json!({"status_code": "404", "action": "ignore"}));
/// assert!(e.unwrap_err().to_string().starts_with("status_code: expected an integer, got a string"));
/// # Ok::<(), restclient::spec::SpecError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ResponseActionSpec {
    /// The status it applies to (100-599).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Text the body must contain for it to apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// What to do: `ignore`, the only action a file can name.
    pub action: ResponseAction,
}

/// The action of a [`ResponseActionSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ResponseAction {
    /// End the walk here (a parent record's 404, say), without an error.
    Ignore,
}

impl ResponseActionSpec {
    /// Reads dlt's dict; errors name the key.
    ///
    /// # Errors
    /// A [`SpecError`] for an unknown key, a status that is not an integer in 100-599, an
    /// action other than `ignore`, or an action with neither `status_code` nor `content`.
    pub fn from_value(value: &Value) -> Result<Self, SpecError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            status_code: Option<Value>,
            #[serde(default)]
            content: Option<String>,
            action: Value,
        }
        let raw: Raw = from_value(value.clone())?;
        let status_code = match raw.status_code {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(
                n.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| (100..=599).contains(n))
                    .ok_or_else(|| {
                        SpecError::new("status_code", "expected an HTTP status (100-599)")
                    })?,
            ),
            Some(other) => {
                return Err(SpecError::new(
                    "status_code",
                    format!(
                        "expected an integer, got {} (dlt compares it with the status number, so a string never matches)",
                        kind_of(&other)
                    ),
                ));
            }
        };
        let action = match raw.action {
            Value::String(s) if s == "ignore" => ResponseAction::Ignore,
            Value::String(_) => {
                return Err(SpecError::new(
                    "action",
                    "unknown action; a file can only say `ignore`",
                ));
            }
            other => {
                return Err(SpecError::new(
                    "action",
                    format!(
                        "expected `ignore`, got {} (callables have no place in a file)",
                        kind_of(&other)
                    ),
                ));
            }
        };
        if status_code.is_none() && raw.content.is_none() {
            return Err(SpecError::new(
                "",
                "an action needs `status_code` or `content` (without one it would never apply)",
            ));
        }
        Ok(ResponseActionSpec {
            status_code,
            content: raw.content,
            action,
        })
    }
}

deserialize_via_from_value!(ResponseActionSpec);

fn nullable_auth<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<AuthSpec>>, D::Error> {
    Option::<AuthSpec>::deserialize(d).map(Some)
}

impl EndpointSpec {
    /// Reads dlt's form: a string is the path; a dict has dlt's endpoint keys.
    ///
    /// # Errors
    /// A [`SpecError`] with the full key path (`paginator.limit`, `auth.token`, ...).
    pub fn from_value(value: &Value) -> Result<Self, SpecError> {
        match value {
            Value::String(path) => Ok(EndpointSpec {
                path: Some(path.clone()),
                ..EndpointSpec::default()
            }),
            other => from_value(other.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_errors_carry_the_full_path() {
        let bad = [
            (
                json!({"paginator": {"type": "offset"}}),
                "paginator.limit: is required",
            ),
            (
                json!({"auth": {"type": "bearer", "token": 5}}),
                "auth.token: expected a string, got an integer",
            ),
            (
                json!({"method": "PUT"}),
                "method: unexpected value; expected `GET` or `POST`",
            ),
            (json!({"pth": "x"}), "pth: unknown key; expected one of"),
            (
                json!({"json": [1]}),
                "json: expected an object, got an array",
            ),
            (
                json!({"headers": {"X-A": 1}}),
                "headers.X-A: expected a string, got an integer",
            ),
            (json!(3), "expected an object, got an integer"),
        ];
        for (c, want) in bad {
            let e = EndpointSpec::from_value(&c).unwrap_err().to_string();
            assert!(e.starts_with(want), "{c}: got `{e}`, want `{want}…`");
        }
    }

    #[test]
    fn every_key_reads() {
        let e = EndpointSpec::from_value(&json!({
            "path": "p", "method": "POST", "params": {"a": 1}, "json": {"q": "x"},
            "headers": {"X-A": "b"}, "auth": {"token": "t"}, "paginator": "header_link",
            "data_selector": "items", "response_actions": [{"status_code": 404, "action": "ignore"}],
            "incremental": {"cursor_path": "updated_at"}, "data": "raw",
        }))
        .unwrap();
        assert_eq!(e.method, Some(EndpointMethod::Post));
        assert!(matches!(e.auth, Some(Some(AuthSpec::Bearer(_)))));
        assert_eq!(
            EndpointSpec::from_value(&json!("posts"))
                .unwrap()
                .path
                .as_deref(),
            Some("posts")
        );
    }
}
