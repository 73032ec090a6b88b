//! The rest of dlt's `rest_api` dict, for runs: the config's top level, the client, a resource
//! (and `resource_defaults`), a resource's name and the bindings of its params.
//!
//! These read and check what a file says, key by key, with the same key-path errors as the
//! paginator and auth forms. What the keys *mean* together (the defaults merge, placeholders,
//! parents, incremental) is `run`'s: these forms know nothing of it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::{
    AuthSpec, EndpointSpec, PaginatorSpec, SpecError, deserialize_via_from_value, from_value,
    kind_of,
};

/// The top level: `client`, `resource_defaults`, `resources`. Resources stay JSON here: each
/// is merged with the defaults before it is read as a [`ResourceSpec`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestApiSpec {
    pub(crate) client: ClientSpec,
    #[serde(default)]
    pub(crate) resource_defaults: Option<Map<String, Value>>,
    pub(crate) resources: Vec<Value>,
}

impl RestApiSpec {
    pub(crate) fn from_value(value: &Value) -> Result<Self, SpecError> {
        let spec: RestApiSpec = from_value(value.clone())?;
        if spec.resources.is_empty() {
            return Err(SpecError::new("resources", "is empty"));
        }
        Ok(spec)
    }
}

/// `client`: the base URL, headers (never interpolated, as in dlt), auth and paginator.
#[derive(Debug, Clone)]
pub(crate) struct ClientSpec {
    pub(crate) base_url: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) auth: Option<AuthSpec>,
    pub(crate) paginator: Option<PaginatorSpec>,
}

impl ClientSpec {
    pub(crate) fn from_value(value: &Value) -> Result<Self, SpecError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            base_url: String,
            #[serde(default)]
            headers: Option<BTreeMap<String, String>>,
            #[serde(default)]
            auth: Option<AuthSpec>,
            #[serde(default)]
            paginator: Option<PaginatorSpec>,
            #[serde(default)]
            session: Option<IgnoredAny>,
        }
        let raw: Raw = from_value(value.clone())?;
        if raw.session.is_some() {
            return Err(SpecError::new(
                "session",
                "is a Python requests session and has no place in a file",
            ));
        }
        url::Url::parse(&raw.base_url)
            .map_err(|_| SpecError::new("base_url", "not a valid absolute URL"))?;
        if let Some(p) = &raw.paginator {
            p.build()
                .map_err(|e| SpecError::new("paginator", e.to_string()))?;
        }
        Ok(ClientSpec {
            base_url: raw.base_url,
            headers: raw.headers.unwrap_or_default(),
            auth: raw.auth,
            paginator: raw.paginator,
        })
    }
}

deserialize_via_from_value!(ClientSpec);

/// One resource (or `resource_defaults`), as a file can write it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceSpec {
    /// `None` only in `resource_defaults`.
    pub(crate) name: Option<ResourceName>,
    /// With `path` (the merge sets it) in a resource; without in `resource_defaults`.
    pub(crate) endpoint: Option<EndpointSpec>,
    pub(crate) include_from_parent: Vec<String>,
    pub(crate) selected: bool,
    /// `primary_key`, `write_disposition` and `table_name` as written.
    pub(crate) hints: Map<String, Value>,
    /// The keys given that only matter to a dlt destination, accepted and ignored.
    pub(crate) ignored: Vec<&'static str>,
}

/// The resource keys dlt takes that an extract-only tool accepts and ignores (with a warning:
/// they only matter to a dlt destination).
const IGNORED: &[&str] = &[
    "max_table_nesting",
    "columns",
    "merge_key",
    "schema_contract",
    "table_format",
    "file_format",
    "references",
    "nested_hints",
    "parent_table_name",
];

impl ResourceSpec {
    /// A resource, after the defaults merge: `name` is required.
    pub(crate) fn resource(value: &Value) -> Result<Self, SpecError> {
        let spec = Self::read(value)?;
        if spec.name.is_none() {
            return Err(SpecError::new("name", "is required"));
        }
        Ok(spec)
    }

    /// `resource_defaults`: no `name`, no `include_from_parent`.
    pub(crate) fn defaults(value: &Value) -> Result<Self, SpecError> {
        if let Some(map) = value.as_object() {
            if map.contains_key("name") {
                return Err(SpecError::new(
                    "name",
                    "unknown key; defaults apply to every resource and cannot name one",
                ));
            }
            if map.contains_key("include_from_parent") {
                return Err(SpecError::new(
                    "include_from_parent",
                    "would make every resource a child; set it on the child resources",
                ));
            }
        }
        Self::read(value)
    }

    fn read(value: &Value) -> Result<Self, SpecError> {
        // Some keys are read only to be accepted (`parallelized`, the IGNORED ones).
        #[allow(dead_code)]
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            name: Option<ResourceName>,
            #[serde(default)]
            endpoint: Option<EndpointSpec>,
            #[serde(default)]
            include_from_parent: Option<Vec<String>>,
            #[serde(default)]
            selected: Option<bool>,
            #[serde(default)]
            processing_steps: Option<Vec<Value>>,
            #[serde(default)]
            parallelized: Option<bool>,
            #[serde(default)]
            primary_key: Option<Value>,
            #[serde(default)]
            write_disposition: Option<Value>,
            #[serde(default)]
            table_name: Option<ResourceName>,
            // IGNORED, read to be accepted.
            #[serde(default)]
            max_table_nesting: Option<IgnoredAny>,
            #[serde(default)]
            columns: Option<IgnoredAny>,
            #[serde(default)]
            merge_key: Option<IgnoredAny>,
            #[serde(default)]
            schema_contract: Option<IgnoredAny>,
            #[serde(default)]
            table_format: Option<IgnoredAny>,
            #[serde(default)]
            file_format: Option<IgnoredAny>,
            #[serde(default)]
            references: Option<IgnoredAny>,
            #[serde(default)]
            nested_hints: Option<IgnoredAny>,
            #[serde(default)]
            parent_table_name: Option<IgnoredAny>,
        }
        let raw: Raw = from_value(value.clone())?;
        if raw.processing_steps.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(SpecError::new(
                "processing_steps",
                "are Python callables and have no place in a file; filter with `data_selector` \
                 (e.g. `data[?(@.id < 10)]`) or after the run (an empty list is accepted)",
            ));
        }
        if let Some(wd) = &raw.write_disposition {
            let ok = match wd {
                Value::String(s) => ["skip", "append", "replace", "merge"].contains(&s.as_str()),
                Value::Object(_) => true,
                _ => false,
            };
            if !ok {
                return Err(SpecError::new(
                    "write_disposition",
                    "expected one of skip, append, replace, merge, or an object",
                ));
            }
        }
        let mut hints = Map::new();
        if let Some(v) = raw.primary_key {
            hints.insert("primary_key".into(), v);
        }
        if let Some(v) = raw.write_disposition {
            hints.insert("write_disposition".into(), v);
        }
        if let Some(v) = raw.table_name {
            hints.insert("table_name".into(), Value::String(v.0));
        }
        Ok(ResourceSpec {
            name: raw.name,
            endpoint: raw.endpoint,
            include_from_parent: raw.include_from_parent.unwrap_or_default(),
            selected: raw.selected.unwrap_or(true),
            hints,
            ignored: IGNORED
                .iter()
                .copied()
                .filter(|k| value.get(k).is_some())
                .collect(),
        })
    }
}

/// The longest resource or table name, in bytes. It names files (`<name>.ndjson`, and in
/// `.checkpoints/` `<name>.records.ndjson`, `<name>.walk.json` and their temporary
/// siblings): file systems take 255 bytes per name, and what restclient adds stays well
/// under the other 55.
pub(crate) const MAX_NAME_BYTES: usize = 200;

/// A resource's (or table's) name: it names output files, so it is a file name on every
/// system: not empty, no `/` or `\`, no leading `.`, no control character (NUL included), at
/// most [`MAX_NAME_BYTES`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceName(pub(crate) String);

impl ResourceName {
    pub(crate) fn from_value(value: &Value) -> Result<Self, SpecError> {
        let name = match value {
            Value::String(s) if !s.is_empty() => s,
            other => {
                return Err(SpecError::new(
                    "",
                    format!("expected a non-empty string, got {}", kind_of(other)),
                ));
            }
        };
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(SpecError::new(
                "",
                "must not contain `/` or `\\` or start with `.` (it names an output file)",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(SpecError::new(
                "",
                "must not contain a control character (NUL, a line break, ...): it names an output file",
            ));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(SpecError::new(
                "",
                format!(
                    "is {} bytes long; at most {MAX_NAME_BYTES} (it names output files, and file names stop at 255)",
                    name.len()
                ),
            ));
        }
        Ok(ResourceName(name.clone()))
    }
}

deserialize_via_from_value!(ResourceName);

/// A query param's value: plain, or one of dlt's bindings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ParamSpec {
    /// Sent as it is (strings may hold placeholders).
    Value(Value),
    /// `{"type": "resolve", "resource": ..., "field": ...}`: a field of each parent record.
    Resolve { resource: String, field: String },
    /// `{"type": "incremental", "cursor_path": ..., "initial_value": ...}`: the incremental
    /// cursor's start, as a param (the rest of the dict, as written).
    Incremental(Value),
}

impl ParamSpec {
    pub(crate) fn from_value(value: &Value) -> Result<Self, SpecError> {
        let Value::Object(map) = value else {
            return Ok(ParamSpec::Value(value.clone()));
        };
        let mut rest = map.clone();
        match rest.remove("type").as_ref().and_then(Value::as_str) {
            Some("resolve") => {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Raw {
                    resource: String,
                    field: String,
                }
                let raw: Raw = from_value(Value::Object(rest))?;
                for (key, v) in [("resource", &raw.resource), ("field", &raw.field)] {
                    if v.is_empty() {
                        return Err(SpecError::new(key, "must not be empty"));
                    }
                }
                Ok(ParamSpec::Resolve {
                    resource: raw.resource,
                    field: raw.field,
                })
            }
            Some("incremental") => {
                for key in rest.keys() {
                    let message = match key.as_str() {
                        "cursor_path" | "initial_value" => continue,
                        // As in the endpoint's `incremental`.
                        "convert" | "transform" => {
                            "is a Python callable in dlt and has no place in a file"
                        }
                        _ => {
                            "unknown key; an incremental param takes cursor_path and \
                             initial_value (use the endpoint's `incremental` for more)"
                        }
                    };
                    return Err(SpecError::new(key.clone(), message));
                }
                Ok(ParamSpec::Incremental(Value::Object(rest)))
            }
            _ => Err(SpecError::new(
                "type",
                "a param that is an object must have `type` resolve or incremental",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_file_names() {
        for good in ["issues", "a b", "ünïcode", "x.y"] {
            assert!(ResourceName::from_value(&json!(good)).is_ok(), "{good}");
        }
        let long = "n".repeat(MAX_NAME_BYTES + 1);
        for (bad, want) in [
            (json!(""), "expected a non-empty string"),
            (json!(5), "got an integer"),
            (json!("a/b"), "must not contain `/`"),
            (json!(".hidden"), "start with `.`"),
            (json!("nul\u{0}byte"), "control character"),
            (json!("line\nbreak"), "control character"),
            (json!(long), "at most 200"),
        ] {
            let e = ResourceName::from_value(&bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn params_read_their_bindings() {
        assert_eq!(
            ParamSpec::from_value(&json!(5)).unwrap(),
            ParamSpec::Value(json!(5))
        );
        assert_eq!(
            ParamSpec::from_value(&json!({"type": "resolve", "resource": "p", "field": "id"}))
                .unwrap(),
            ParamSpec::Resolve {
                resource: "p".into(),
                field: "id".into()
            }
        );
        let bad = [
            (json!({"type": "what"}), "type: a param that is an object"),
            (
                json!({"type": "resolve", "resource": "p"}),
                "field: is required",
            ),
            (
                json!({"type": "resolve", "resource": "", "field": "id"}),
                "resource: must not be empty",
            ),
            (
                json!({"type": "incremental", "cursor_path": "x", "convert": "f"}),
                "convert: is a Python callable in dlt",
            ),
            (
                json!({"type": "incremental", "cursor_path": "x", "end_value": 3}),
                "end_value: unknown key; an incremental param takes",
            ),
        ];
        for (v, want) in bad {
            let e = ParamSpec::from_value(&v).unwrap_err().to_string();
            assert!(e.starts_with(want), "{v}: {e}");
        }
    }

    #[test]
    fn resources_take_dlts_keys_and_carry_the_hints() {
        let r = ResourceSpec::resource(&json!({
            "name": "issues", "endpoint": {"path": "issues"}, "primary_key": "id",
            "write_disposition": "merge", "table_name": "gh_issues", "processing_steps": [],
            "max_table_nesting": 2, "parallelized": true,
        }))
        .unwrap();
        assert_eq!(r.name, Some(ResourceName("issues".into())));
        assert_eq!(
            Value::Object(r.hints),
            json!({"primary_key": "id", "write_disposition": "merge", "table_name": "gh_issues"})
        );
        let bad = [
            (
                json!({"name": "a", "wat": 1}),
                "wat: unknown key; expected one of `name`",
            ),
            (json!({"endpoint": {"path": "a"}}), "name: is required"),
            (
                json!({"name": "a", "selected": "yes"}),
                "selected: expected a boolean",
            ),
            (
                json!({"name": "a", "processing_steps": [{"map": "f"}]}),
                "processing_steps: are Python callables",
            ),
            (
                json!({"name": "a", "write_disposition": "upsert"}),
                "write_disposition: expected one of",
            ),
            (
                json!({"name": "a", "table_name": "x/y"}),
                "table_name: must not contain",
            ),
        ];
        for (v, want) in bad {
            let e = ResourceSpec::resource(&v).unwrap_err().to_string();
            assert!(e.starts_with(want), "{v}: {e}");
        }
        let e = ResourceSpec::defaults(&json!({"include_from_parent": ["id"]})).unwrap_err();
        assert!(
            e.to_string().starts_with("include_from_parent: would make"),
            "{e}"
        );
    }
}
