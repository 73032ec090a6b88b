//! [`PaginatorSpec`]: dlt's paginator dict.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{SpecError, deserialize_via_from_value, from_value, split_type};
use crate::error::Result;
use crate::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator, SinglePagePaginator,
};

/// The type names dlt's `rest_api` knows, as listed in errors.
const TYPES: &str = "auto, single_page, json_link, json_response, header_link, header_cursor, offset, page_number, cursor";

/// A paginator in dlt's `rest_api` form: a type name alone (`"header_link"`) or a dict with
/// `type` (default `auto`) and the constructor's keyword arguments, with dlt's names.
///
/// ```
/// use restclient::spec::PaginatorSpec;
/// let spec: PaginatorSpec = serde_json::from_str(r#"{"type": "cursor", "cursor_path": "next"}"#)?;
/// assert!(matches!(spec, PaginatorSpec::Cursor(_)));
/// assert!(PaginatorSpec::from_value(&"auto".into())?.build()?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PaginatorSpec {
    /// `auto`: no paginator; the walk detects one from the first response.
    Auto,
    /// `single_page`.
    SinglePage,
    /// `json_link` (also dlt's deprecated `json_response`).
    JsonLink(JsonLinkSpec),
    /// `header_link`.
    HeaderLink(HeaderLinkSpec),
    /// `offset`.
    Offset(OffsetSpec),
    /// `page_number`.
    PageNumber(PageNumberSpec),
    /// `cursor` (dlt's `JSONResponseCursorPaginator`).
    Cursor(CursorSpec),
    /// `header_cursor`.
    HeaderCursor(HeaderCursorSpec),
}

/// The keys of `json_link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JsonLinkSpec {
    /// JSONPath of the next URL (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_url_path: Option<String>,
}

/// The keys of `header_link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HeaderLinkSpec {
    /// The `rel` of the next link (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_next_key: Option<String>,
}

/// The keys of `header_cursor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HeaderCursorSpec {
    /// The response header holding the cursor (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_key: Option<String>,
    /// The query parameter the cursor is sent in (default `cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
}

/// The keys of `cursor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CursorSpec {
    /// JSONPath of the cursor in the response (default `cursors.next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_path: Option<String>,
    /// The query parameter the cursor is sent in (default `cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
    /// A dot path in the JSON body to send the cursor in instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_body_path: Option<String>,
    /// Stop on an empty page (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a has-more flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
    /// JSONPath of a flag that is true on the last page (not in dlt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_stream_path: Option<String>,
    /// The cursor sent with the first request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_cursor: Option<Value>,
}

/// The keys of `offset`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OffsetSpec {
    /// Records per page (required).
    pub limit: i64,
    /// The first offset (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// The offset's query parameter (default `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_param: Option<String>,
    /// The limit's query parameter (default `limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_param: Option<String>,
    /// A dot path in the JSON body for the offset instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_body_path: Option<String>,
    /// A dot path in the JSON body for the limit instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_body_path: Option<String>,
    /// JSONPath of the total; `null` or `""` means the API reports none (default `total`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_path: Option<Option<String>>,
    /// Stop before this offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_offset: Option<i64>,
    /// Stop on an empty page (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a has-more flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
}

/// The keys of `page_number`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PageNumberSpec {
    /// The number of the first page of the API (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_page: Option<i64>,
    /// The page to start at (default `base_page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// The page's query parameter (default `page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_param: Option<String>,
    /// A dot path in the JSON body for the page instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_body_path: Option<String>,
    /// JSONPath of the number of pages; `null` or `""` means the API reports none (default
    /// `total`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_path: Option<Option<String>>,
    /// Stop before this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_page: Option<i64>,
    /// Stop on an empty page (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a has-more flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
}

/// A present key whose value may be `null` (`Some(None)`), as `total_path: null` in dlt.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl PaginatorSpec {
    /// Reads dlt's form from a JSON value; errors name the key path.
    ///
    /// # Errors
    /// A [`SpecError`] for an unknown type (listing the known ones), an unknown key, a
    /// missing required key (`limit` of `offset`) or a value of the wrong type.
    pub fn from_value(value: &Value) -> Result<Self, SpecError> {
        let (kind, rest) = split_type(value, "auto")?;
        let rest = Value::Object(rest);
        let no_keys = |rest: &Value, kind: &str| -> Result<(), SpecError> {
            match rest.as_object().and_then(|m| m.keys().next()) {
                Some(k) => Err(SpecError::new(
                    k.clone(),
                    format!("unknown key; type `{kind}` takes no keys"),
                )),
                None => Ok(()),
            }
        };
        Ok(match kind.as_str() {
            "auto" => {
                no_keys(&rest, "auto")?;
                PaginatorSpec::Auto
            }
            "single_page" => {
                no_keys(&rest, "single_page")?;
                PaginatorSpec::SinglePage
            }
            "json_link" | "json_response" => PaginatorSpec::JsonLink(from_value(rest)?),
            "header_link" => PaginatorSpec::HeaderLink(from_value(rest)?),
            "header_cursor" => PaginatorSpec::HeaderCursor(from_value(rest)?),
            "cursor" => PaginatorSpec::Cursor(from_value(rest)?),
            "offset" => PaginatorSpec::Offset(from_value(rest)?),
            "page_number" => PaginatorSpec::PageNumber(from_value(rest)?),
            other => {
                return Err(SpecError::new(
                    "type",
                    format!("unknown paginator type `{other}`; expected one of {TYPES}"),
                ));
            }
        })
    }

    /// The type name, as dlt spells it.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            PaginatorSpec::Auto => "auto",
            PaginatorSpec::SinglePage => "single_page",
            PaginatorSpec::JsonLink(_) => "json_link",
            PaginatorSpec::HeaderLink(_) => "header_link",
            PaginatorSpec::Offset(_) => "offset",
            PaginatorSpec::PageNumber(_) => "page_number",
            PaginatorSpec::Cursor(_) => "cursor",
            PaginatorSpec::HeaderCursor(_) => "header_cursor",
        }
    }

    /// Back to dlt's form: a type name alone when no key is set, else a dict with `type`.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let keys = match self {
            PaginatorSpec::Auto | PaginatorSpec::SinglePage => Ok(Value::Null),
            PaginatorSpec::JsonLink(s) => serde_json::to_value(s),
            PaginatorSpec::HeaderLink(s) => serde_json::to_value(s),
            PaginatorSpec::Offset(s) => serde_json::to_value(s),
            PaginatorSpec::PageNumber(s) => serde_json::to_value(s),
            PaginatorSpec::Cursor(s) => serde_json::to_value(s),
            PaginatorSpec::HeaderCursor(s) => serde_json::to_value(s),
        };
        match keys {
            Ok(Value::Object(map)) if !map.is_empty() => {
                let mut out = serde_json::Map::new();
                out.insert("type".into(), self.type_name().into());
                out.extend(map);
                Value::Object(out)
            }
            _ => Value::from(self.type_name()),
        }
    }

    /// Builds the paginator; `None` for `auto` (the walk detects one).
    ///
    /// # Errors
    /// The paginator's own validation, naming the parameter (e.g. both `cursor_param` and
    /// `cursor_body_path`).
    pub fn build(&self) -> Result<Option<Box<dyn Paginator>>> {
        let paginator: Box<dyn Paginator> = match self {
            PaginatorSpec::Auto => return Ok(None),
            PaginatorSpec::SinglePage => Box::new(SinglePagePaginator::new()),
            PaginatorSpec::JsonLink(s) => {
                let mut p = JsonLinkPaginator::new();
                if let Some(v) = &s.next_url_path {
                    p = p.next_url_path(v);
                }
                Box::new(p)
            }
            PaginatorSpec::HeaderLink(s) => {
                let mut p = HeaderLinkPaginator::new();
                if let Some(v) = &s.links_next_key {
                    p = p.links_next_key(v.clone());
                }
                Box::new(p)
            }
            PaginatorSpec::HeaderCursor(s) => {
                let mut p = HeaderCursorPaginator::new();
                if let Some(v) = &s.cursor_key {
                    p = p.cursor_key(v.clone());
                }
                if let Some(v) = &s.cursor_param {
                    p = p.cursor_param(v.clone());
                }
                Box::new(p)
            }
            PaginatorSpec::Cursor(s) => {
                let mut p = JsonResponseCursorPaginator::new();
                if let Some(v) = &s.cursor_path {
                    p = p.cursor_path(v);
                }
                if let Some(v) = &s.cursor_param {
                    p = p.cursor_param(v.clone());
                }
                if let Some(v) = &s.cursor_body_path {
                    p = p.cursor_body_path(v.clone());
                }
                if let Some(v) = s.stop_after_empty_page {
                    p = p.stop_after_empty_page(v);
                }
                if let Some(v) = &s.has_more_path {
                    p = p.has_more_path(v);
                }
                if let Some(v) = &s.end_of_stream_path {
                    p = p.end_of_stream_path(v);
                }
                if let Some(v) = &s.initial_cursor {
                    p = p.initial_cursor(v.clone());
                }
                Box::new(p)
            }
            PaginatorSpec::Offset(s) => {
                let mut p = OffsetPaginator::new(s.limit);
                if let Some(v) = s.offset {
                    p = p.offset(v);
                }
                if let Some(v) = &s.offset_param {
                    p = p.offset_param(v.clone());
                }
                if let Some(v) = &s.limit_param {
                    p = p.limit_param(v.clone());
                }
                if let Some(v) = &s.offset_body_path {
                    p = p.offset_body_path(v.clone());
                }
                if let Some(v) = &s.limit_body_path {
                    p = p.limit_body_path(v.clone());
                }
                match s.total_path.as_ref().map(|v| v.as_deref().unwrap_or("")) {
                    // `""` is what dlt's OpenAPI generator writes; dlt reads it as no total.
                    Some("") => p = p.without_total(),
                    Some(v) => p = p.total_path(v),
                    None => {}
                }
                if let Some(v) = s.maximum_offset {
                    p = p.maximum_offset(v);
                }
                if let Some(v) = s.stop_after_empty_page {
                    p = p.stop_after_empty_page(v);
                }
                if let Some(v) = &s.has_more_path {
                    p = p.has_more_path(v);
                }
                Box::new(p)
            }
            PaginatorSpec::PageNumber(s) => {
                let mut p = PageNumberPaginator::new();
                if let Some(v) = s.base_page {
                    p = p.base_page(v);
                }
                if let Some(v) = s.page {
                    p = p.page(v);
                }
                if let Some(v) = &s.page_param {
                    p = p.page_param(v.clone());
                }
                if let Some(v) = &s.page_body_path {
                    p = p.page_body_path(v.clone());
                }
                match s.total_path.as_ref().map(|v| v.as_deref().unwrap_or("")) {
                    // `""` is what dlt's OpenAPI generator writes; dlt reads it as no total.
                    Some("") => p = p.without_total(),
                    Some(v) => p = p.total_path(v),
                    None => {}
                }
                if let Some(v) = s.maximum_page {
                    p = p.maximum_page(v);
                }
                if let Some(v) = s.stop_after_empty_page {
                    p = p.stop_after_empty_page(v);
                }
                if let Some(v) = &s.has_more_path {
                    p = p.has_more_path(v);
                }
                Box::new(p)
            }
        };
        paginator.validate()?;
        Ok(Some(paginator))
    }
}

deserialize_via_from_value!(PaginatorSpec);

impl Serialize for PaginatorSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl std::str::FromStr for PaginatorSpec {
    type Err = SpecError;

    /// A type name alone (`header_link`) or a JSON dict. A JSON syntax error says where, not
    /// what was written.
    fn from_str(text: &str) -> Result<Self, SpecError> {
        PaginatorSpec::from_value(&super::parse_text(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_dicts_build_and_round_trip_through_describe() {
        let good = [
            json!({"type": "offset", "limit": 100, "total_path": null, "maximum_offset": 1000}),
            json!({"type": "offset", "limit": 100, "total_path": ""}),
            json!({"type": "page_number", "base_page": 1, "total_path": ""}),
            json!({"type": "offset", "limit": 5, "offset_body_path": "p.o", "limit_body_path": "p.l"}),
            json!({"type": "offset", "limit": 5, "has_more_path": "more", "stop_after_empty_page": false}),
            json!({"type": "page_number", "base_page": 1, "total_path": "total_pages"}),
            json!({"type": "page_number", "page_body_path": "page", "maximum_page": 9, "total_path": null}),
            json!({"type": "cursor", "cursor_path": "next", "cursor_body_path": "cursor", "has_more_path": "more"}),
            json!({"type": "cursor", "cursor_param": "after", "initial_cursor": "x", "stop_after_empty_page": true}),
            json!({"type": "cursor", "cursor_path": "after_cursor", "end_of_stream_path": "end_of_stream"}),
            json!({"type": "json_link", "next_url_path": "pagination.next"}),
            json!({"type": "json_response"}),
            json!("header_link"),
            json!({"type": "header_link", "links_next_key": "Next"}),
            json!({"type": "header_cursor", "cursor_key": "X-Next"}),
            json!("single_page"),
        ];
        for c in good {
            let spec = PaginatorSpec::from_value(&c).unwrap_or_else(|e| panic!("{c}: {e}"));
            let p = spec.build().unwrap().unwrap();
            let described = p.describe();
            let again = PaginatorSpec::from_value(&described)
                .unwrap_or_else(|e| panic!("describe of {c} = {described} does not parse: {e}"));
            assert_eq!(again.build().unwrap().unwrap().describe(), described, "{c}");
            // And the spec's own form parses back to the same spec.
            assert_eq!(PaginatorSpec::from_value(&spec.to_value()).unwrap(), spec);
        }
        assert!(
            PaginatorSpec::from_value(&json!("auto"))
                .unwrap()
                .build()
                .unwrap()
                .is_none()
        );
        assert!(
            PaginatorSpec::from_value(&json!({}))
                .unwrap()
                .build()
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_dicts_name_the_key() {
        let bad = [
            (json!({"type": "offset"}), "limit: is required"),
            (json!("offset"), "limit: is required"),
            (
                json!({"type": "offset", "limit": "ten"}),
                "limit: expected an integer, got a string",
            ),
            (
                json!({"type": "offset", "limit": 1.5}),
                "limit: expected an integer, got a number",
            ),
            (
                json!({"type": "offset", "limit": 10, "totl_path": "x"}),
                "totl_path: unknown key; expected one of",
            ),
            (
                json!({"type": "bogus"}),
                "type: unknown paginator type `bogus`; expected one of auto, single_page",
            ),
            (
                json!({"type": 7}),
                "type: expected a string, got an integer",
            ),
            (
                json!({"type": "single_page", "limit": 1}),
                "limit: unknown key; type `single_page` takes no keys",
            ),
            (
                json!({"type": "cursor", "stop_after_empty_page": "yes"}),
                "stop_after_empty_page: expected a boolean, got a string",
            ),
            (
                json!({"type": "page_number", "total_path": 3}),
                "total_path: expected a string, got an integer",
            ),
            (
                json!(5),
                "expected a type name or an object, got an integer",
            ),
        ];
        for (c, want) in bad {
            let e = PaginatorSpec::from_value(&c).unwrap_err().to_string();
            assert!(e.starts_with(want), "{c}: got `{e}`, want `{want}…`");
        }
        // Parsed, but the paginator refuses the combination: a restclient::Error naming it.
        let spec = PaginatorSpec::from_value(
            &json!({"type": "cursor", "cursor_param": "a", "cursor_body_path": "b"}),
        )
        .unwrap();
        let e = spec.build().unwrap_err().to_string();
        assert!(e.contains("cursor_body_path"), "{e}");
    }

    #[test]
    fn values_never_appear_in_errors() {
        let e = PaginatorSpec::from_value(&json!({"type": "offset", "limit": "s3cr3t-value"}))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        let e = "{\"type\":\"offset\",\"limit\":\"s3cr3t\""
            .parse::<PaginatorSpec>()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cr3t") && e.contains("line 1 column"), "{e}");
    }
}
