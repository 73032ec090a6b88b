//! Typed forms of dlt's `rest_api` dicts: the paginator, the auth, the endpoint and its
//! response actions (and, for runs, the rest of a config: the client, resources, names,
//! param bindings). `spec` builds paginators and auths; they know nothing of it.
//!
//! A dlt user writes `{"type": "offset", "limit": 100, "total_path": "total"}`; these types read
//! exactly that (from JSON, or from any [`Value`] a TOML or YAML file was turned into), refuse
//! unknown keys and types, and say which key is wrong without echoing its value, since a
//! value may be a secret:
//!
//! ```
//! use restclient::spec::{AuthSpec, PaginatorSpec};
//! use serde_json::json;
//!
//! let spec = PaginatorSpec::from_value(&json!({"type": "offset", "limit": 100}))?;
//! let paginator = spec.build()?.expect("offset is not auto");
//! assert_eq!(paginator.describe()["limit"], 100);
//!
//! let err = PaginatorSpec::from_value(&json!({"type": "offset", "limit": "ten"})).unwrap_err();
//! assert_eq!(err.to_string(), "limit: expected an integer, got a string");
//!
//! let err = AuthSpec::from_value(&json!({"type": "bearer", "token": 42})).unwrap_err();
//! assert_eq!(err.to_string(), "token: expected a string, got an integer");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What a paginator's [`describe`](crate::paginators::Paginator::describe) prints (and
//! `restclient inspect` shows) parses back into the same paginator.
//!
//! `${NAME}` placeholders are not part of dlt's form; [`EnvExpander`] replaces them with
//! environment variables before the value is read, and remembers every value it put in, so
//! that the caller can treat them as secrets.

mod auth;
mod endpoint;
mod env;
mod paginator;
#[cfg(feature = "run")]
mod resource;

pub use auth::{
    ApiKeySpec, AuthSpec, BearerSpec, ClientAuthMethodSpec, HttpBasicSpec, KeyLocationSpec,
    OAuth2ClientCredentialsSpec,
};
pub use endpoint::{EndpointMethod, EndpointSpec, ResponseAction, ResponseActionSpec};
pub use env::{CREDENTIAL_KEYS, EnvExpander};
pub use paginator::{
    CursorSpec, HeaderCursorSpec, HeaderLinkSpec, JsonLinkSpec, OffsetSpec, PageNumberSpec,
    PaginatorSpec,
};
#[cfg(feature = "run")]
pub(crate) use resource::{ClientSpec, ParamSpec, ResourceSpec, RestApiSpec};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::paginators::Paginator;

/// Builds a paginator from dlt's `rest_api` form: a type name alone (`"header_link"`,
/// `"json_link"`, `"single_page"`, ...) or an object with `"type"` and the constructor's
/// parameters, e.g. `{"type": "offset", "limit": 100, "total_path": "total"}`.
///
/// Returns `None` for `"auto"` (no paginator: the walk decides from the first response).
/// This is [`PaginatorSpec::from_value`] followed by [`PaginatorSpec::build`]; use those to
/// keep the typed form or the [`SpecError`] with its key path.
///
/// ```
/// use restclient::spec;
/// use serde_json::json;
/// let p = spec::paginator(&json!({"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "after"}))?;
/// assert_eq!(p.unwrap().describe()["cursor_param"], "after");
/// assert!(spec::paginator(&json!({"type": "offset"})).unwrap_err().to_string().contains("limit"));
/// # Ok::<(), restclient::Error>(())
/// ```
///
/// # Errors
/// A [builder error](Error::is_builder) naming the unknown type, the unknown or mistyped key, or
/// the invalid setting.
pub fn paginator(config: &Value) -> crate::Result<Option<Box<dyn Paginator>>> {
    PaginatorSpec::from_value(config)
        .map_err(|e| {
            let key = if e.path().is_empty() {
                "type"
            } else {
                e.path()
            };
            Error::invalid("paginator", key, e.message())
        })?
        .build()
}

/// A dict that does not fit its type is a [builder error](Error::is_builder) with the same
/// text, so that `?` works in functions that return [`restclient::Result`](crate::Result).
impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::new(ErrorKind::Builder, e.to_string())
    }
}

/// A `rest_api` dict that does not fit its type: the key path at fault and what is wrong.
///
/// Its text never holds the offending value (only its JSON kind), so it can be shown even when
/// the value was a credential: `limit: expected an integer, got a string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    path: String,
    message: String,
}

impl SpecError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The key path, e.g. `paginator.limit` or `params[2]`; empty for the value as a whole.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, without the key path.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error seen from one level up: `limit` within `paginator` is `paginator.limit`.
    #[must_use]
    pub fn within(self, key: &str) -> Self {
        SpecError {
            path: join(key, &self.path),
            message: self.message,
        }
    }

    /// The form a nested `Deserialize` impl hands to serde, so that the outer path can be
    /// joined with the inner one ([`from_serde`] decodes it).
    fn encode(&self) -> String {
        format!("{NESTED}{}{NESTED}{}", self.path, self.message)
    }
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

/// Marks a nested [`SpecError`] carried through serde's string-only custom errors.
const NESTED: char = '\u{1}';

/// Joins two key paths: `a` + `b` = `a.b`, `a` + `[2]` = `a[2]`.
pub(crate) fn join(outer: &str, inner: &str) -> String {
    match (outer.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_owned(),
        (false, true) => outer.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{outer}{inner}"),
        (false, false) => format!("{outer}.{inner}"),
    }
}

/// Deserializes `T` from `value`, turning serde's error into a [`SpecError`] with the key path.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, SpecError> {
    serde_path_to_error::deserialize(&value).map_err(|e| from_serde(e, &value))
}

/// The value at a serde path, to name its JSON kind in a message.
fn at_path<'v>(root: &'v Value, path: &serde_path_to_error::Path) -> Option<&'v Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(root, |v, seg| match seg {
        Segment::Map { key } => v.get(key.as_str()),
        Segment::Seq { index } => v.get(*index),
        _ => None,
    })
}

/// The key path of a serde error and a message that names what was expected and the JSON kind
/// that was found, never the value itself.
fn from_serde(err: serde_path_to_error::Error<serde_json::Error>, root: &Value) -> SpecError {
    let found = at_path(root, err.path()).map_or("another type", kind_of);
    let outer = err.path().to_string();
    let outer = if outer == "." { String::new() } else { outer };
    let message = err.inner().to_string();
    if let Some(rest) = message.strip_prefix(NESTED)
        && let Some((inner, msg)) = rest.split_once(NESTED)
    {
        return SpecError::new(join(&outer, inner), msg);
    }
    let (key, message) = clean(&message, found);
    let path = match key {
        // serde_path_to_error already names an unknown key as the last step of the path.
        Some(k) if !(outer == k || outer.ends_with(&format!(".{k}"))) => join(&outer, &k),
        _ => outer,
    };
    SpecError::new(path, message)
}

/// Rewrites serde's messages into ones that hold no user value; returns the key they name.
fn clean(message: &str, found: &str) -> (Option<String>, String) {
    let backticked = |s: &str| -> Option<String> {
        let start = s.find('`')?;
        let end = s[start + 1..].find('`')?;
        Some(s[start + 1..start + 1 + end].to_owned())
    };
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (backticked(rest), "is required".to_owned());
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let expected = match rest.split_once(", expected ") {
            Some((_, e)) => format!("unknown key; expected {e}"),
            None => "unknown key; this type takes no keys".to_owned(),
        };
        return (backticked(rest), expected);
    }
    if message == "invalid number" {
        // serde_json (arbitrary_precision) when a number does not fit the integer type.
        return match found {
            "an integer" => (None, "integer out of range".to_owned()),
            other => (None, format!("expected an integer, got {other}")),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let got = found;
        let expected = rest
            .split_once(", expected ")
            .map_or("another type", |(_, e)| e);
        return (None, format!("expected {}, got {got}", nice(expected)));
    }
    if message.starts_with("invalid value: ")
        || message.starts_with("unknown variant ")
        || message.starts_with("invalid length ")
    {
        let expected = message
            .split_once(", expected ")
            .map_or("another value", |(_, e)| e);
        return (
            None,
            format!("unexpected value; expected {}", nice(expected)),
        );
    }
    (None, message.to_owned())
}

/// serde's expectation text in words a config author uses.
fn nice(expected: &str) -> String {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            "an integer".to_owned()
        }
        "f32" | "f64" => "a number".to_owned(),
        "a map" => "an object".to_owned(),
        "a sequence" => "an array".to_owned(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "an object".to_owned(),
        e => e.to_owned(),
    }
}

/// Splits a dict into its `type` and the rest; a bare string is a type name with no keys.
/// `default` is the type of a dict without `type` (`auto` for paginators, `bearer` for auth).
pub(crate) fn split_type(
    value: &Value,
    default: &'static str,
) -> Result<(String, serde_json::Map<String, Value>), SpecError> {
    match value {
        Value::String(s) => Ok((s.trim().to_owned(), serde_json::Map::new())),
        Value::Object(map) => {
            let mut rest = map.clone();
            let kind = match rest.remove("type") {
                None | Some(Value::Null) => default.to_owned(),
                Some(Value::String(s)) => s,
                Some(other) => {
                    return Err(SpecError::new(
                        "type",
                        format!("expected a string, got {}", kind_of(&other)),
                    ));
                }
            };
            Ok((kind, rest))
        }
        other => Err(SpecError::new(
            "",
            format!("expected a type name or an object, got {}", kind_of(other)),
        )),
    }
}

/// Reads a SPEC argument: a JSON dict (or string or array) when it starts like one, else a bare
/// type name. A syntax error says where (`not valid JSON at line 1 column 30`), never what was
/// written, since the text may hold a credential.
///
/// # Errors
/// A [`SpecError`] with an empty path for text that starts like JSON but is not.
pub fn parse_text(text: &str) -> Result<Value, SpecError> {
    let t = text.trim();
    if t.starts_with('{') || t.starts_with('"') || t.starts_with('[') {
        parse_json(t)
    } else {
        Ok(Value::String(t.to_owned()))
    }
}

/// Parses JSON text; a syntax error says where, never what was written. An object that
/// repeats a key is refused, as TOML and YAML refuse it (`serde_json` would keep the last
/// value and lose the first without a word).
///
/// ```
/// let e = restclient::spec::parse_json(r#"{"a": {"limit": 1, "limit": 2}}"#).unwrap_err();
/// assert_eq!(e.to_string(), "a.limit: the key appears twice in one object (line 1 column 26)");
/// ```
///
/// # Errors
/// A [`SpecError`]: with an empty path, `not valid JSON at line 1 column 30`; with the key
/// path of a repeated key.
pub fn parse_json(text: &str) -> Result<Value, SpecError> {
    let path = std::cell::RefCell::new(Vec::new());
    let repeated = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde::de::DeserializeSeed::deserialize(
        unique::Keys {
            path: &path,
            repeated: &repeated,
        },
        &mut de,
    )
    .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match repeated.into_inner() {
        Some(at) => SpecError::new(
            at,
            format!(
                "the key appears twice in one object (line {} column {})",
                e.line(),
                e.column()
            ),
        ),
        None => SpecError::new(
            "",
            format!("not valid JSON at line {} column {}", e.line(), e.column()),
        ),
    })
}

/// A JSON value read with every object's keys checked for repeats.
mod unique {
    use std::cell::RefCell;
    use std::fmt;

    use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    /// Reads one value; on a repeated key, records its path in `repeated` and fails.
    #[derive(Clone, Copy)]
    pub(super) struct Keys<'a> {
        /// The key path of the value being read, one step per level.
        pub(super) path: &'a RefCell<Vec<String>>,
        pub(super) repeated: &'a RefCell<Option<String>>,
    }

    impl<'de> DeserializeSeed<'de> for Keys<'_> {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl Keys<'_> {
        fn at<T, E>(self, step: String, read: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
            self.path.borrow_mut().push(step);
            let out = read();
            self.path.borrow_mut().pop();
            out
        }
    }

    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            loop {
                let step = format!("[{}]", items.len());
                match self.at(step, || seq.next_element_seed(self))? {
                    Some(v) => items.push(v),
                    None => return Ok(Value::Array(items)),
                }
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    let mut path = String::new();
                    for step in self.path.borrow().iter().chain(std::iter::once(&key)) {
                        path = super::join(&path, step);
                    }
                    *self.repeated.borrow_mut() = Some(path);
                    return Err(A::Error::custom("a repeated key"));
                }
                let value = self.at(key.clone(), || map.next_value_seed(self))?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
}

/// The JSON kind of a value, for messages that must not show the value.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Implements `Deserialize` through `from_value`, so that a spec nested in a larger dict (an
/// endpoint, a run config) reports the full key path.
macro_rules! deserialize_via_from_value {
    ($ty:ty) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                <$ty>::from_value(&value).map_err(|e| serde::de::Error::custom(e.encode()))
            }
        }
    };
}
pub(crate) use deserialize_via_from_value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginator_errors_name_the_key() {
        use serde_json::json;
        let cases = [
            (json!({"type": "offset"}), "limit"),
            (json!({"type": "offset", "limit": "ten"}), "limit"),
            (
                json!({"type": "offset", "limit": 10, "totl_path": "x"}),
                "totl_path",
            ),
            (json!({"type": "bogus"}), "bogus"),
            (
                json!({"type": "cursor", "cursor_param": "a", "cursor_body_path": "b"}),
                "cursor_body_path",
            ),
            (json!(5), "type"),
        ];
        for (c, key) in cases {
            let e = paginator(&c).unwrap_err();
            assert!(e.is_builder() && e.to_string().contains(key), "{c}: {e}");
        }
        assert!(paginator(&json!("auto")).unwrap().is_none());
    }

    #[test]
    fn json_with_a_repeated_key_is_refused_naming_its_path() {
        let cases = [
            (r#"{"a": 1, "a": 2}"#, "a"),
            (
                r#"{"resources": [{"name": "x"}, {"name": "y", "name": "z"}]}"#,
                "resources[1].name",
            ),
            (r#"[[{"k": {"deep": 1, "deep": 1}}]]"#, "[0][0].k.deep"),
        ];
        for (text, at) in cases {
            let e = parse_json(text).unwrap_err();
            assert_eq!(e.path(), at, "{text}: {e}");
            assert!(e.message().starts_with("the key appears twice"), "{e}");
        }
        // The same key in two objects is fine, and values come out as serde_json reads them.
        let text =
            r#"{"a": {"k": 1.5e3, "n": null}, "b": {"k": [true, "s", -7, 18446744073709551615]}}"#;
        assert_eq!(
            parse_json(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(
            parse_json("{\"a\": 1} x").unwrap_err().to_string(),
            "not valid JSON at line 1 column 10"
        );
    }

    #[test]
    fn paths_join() {
        assert_eq!(join("", "limit"), "limit");
        assert_eq!(join("paginator", "limit"), "paginator.limit");
        assert_eq!(join("params", "[2]"), "params[2]");
        assert_eq!(join("auth", ""), "auth");
    }

    #[test]
    fn cleaned_messages_hold_no_value() {
        let (k, m) = clean("invalid type: string \"s3cr3t\", expected u64", "a string");
        assert_eq!((k, m.as_str()), (None, "expected an integer, got a string"));
        let (k, m) = clean(
            "unknown variant `s3cr3t`, expected `header` or `query`",
            "a string",
        );
        assert_eq!(k, None);
        assert!(!m.contains("s3cr3t") && m.contains("`header`"), "{m}");
        let (k, m) = clean("missing field `limit`", "an object");
        assert_eq!((k.as_deref(), m.as_str()), (Some("limit"), "is required"));
    }
}
