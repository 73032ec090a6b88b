//! Paginators from dlt's `rest_api` configuration form.

use serde_json::Value;

use super::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator, SinglePagePaginator,
};
use crate::error::{Error, Result};

const COMPONENT: &str = "paginator";

/// Builds a paginator from dlt's `rest_api` form: a type name alone (`"header_link"`,
/// `"json_link"`, `"single_page"`, ...) or an object with `"type"` and the constructor's
/// parameters, e.g. `{"type": "offset", "limit": 100, "total_path": "total"}`.
///
/// Returns `None` for `"auto"` (no paginator: the walk decides from the first response).
/// `null` for `total_path` means "no total", as in dlt. Unknown keys and wrong types are errors
/// naming the key.
///
/// ```
/// use restclient::paginators::from_config;
/// use serde_json::json;
/// let p = from_config(&json!({"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "after"}))?;
/// assert_eq!(p.unwrap().describe()["cursor_param"], "after");
/// assert!(from_config(&json!({"type": "offset"})).unwrap_err().to_string().contains("limit"));
/// # Ok::<(), restclient::Error>(())
/// ```
///
/// # Errors
/// A [builder error](Error::is_builder) naming the unknown type, the unknown or mistyped key, or the
/// invalid setting.
pub fn from_config(config: &Value) -> Result<Option<Box<dyn Paginator>>> {
    let empty = serde_json::Map::new();
    let (kind, params) = match config {
        Value::String(s) => (s.as_str(), &empty),
        Value::Object(map) => {
            let kind = match map.get("type") {
                None => "auto",
                Some(Value::String(s)) => s.as_str(),
                Some(other) => {
                    return Err(Error::invalid(
                        COMPONENT,
                        "type",
                        format!("expected a string, got {other}"),
                    ));
                }
            };
            (kind, map)
        }
        other => {
            return Err(Error::invalid(
                COMPONENT,
                "type",
                format!("expected a type name or an object, got {other}"),
            ));
        }
    };
    let mut args = Args {
        kind,
        params,
        used: vec!["type"],
    };
    let paginator: Option<Box<dyn Paginator>> = match kind {
        "auto" => None,
        "single_page" => Some(Box::new(SinglePagePaginator::new())),
        "json_link" | "json_response" => {
            let mut p = JsonLinkPaginator::new();
            if let Some(s) = args.string("next_url_path")? {
                p = p.next_url_path(&s);
            }
            Some(Box::new(p))
        }
        "header_link" => {
            let mut p = HeaderLinkPaginator::new();
            if let Some(s) = args.string("links_next_key")? {
                p = p.links_next_key(s);
            }
            Some(Box::new(p))
        }
        "header_cursor" => {
            let mut p = HeaderCursorPaginator::new();
            if let Some(s) = args.string("cursor_key")? {
                p = p.cursor_key(s);
            }
            if let Some(s) = args.string("cursor_param")? {
                p = p.cursor_param(s);
            }
            Some(Box::new(p))
        }
        "cursor" => {
            let mut p = JsonResponseCursorPaginator::new();
            if let Some(s) = args.string("cursor_path")? {
                p = p.cursor_path(&s);
            }
            if let Some(s) = args.string("cursor_param")? {
                p = p.cursor_param(s);
            }
            if let Some(s) = args.string("cursor_body_path")? {
                p = p.cursor_body_path(s);
            }
            if let Some(b) = args.bool("stop_after_empty_page")? {
                p = p.stop_after_empty_page(b);
            }
            if let Some(s) = args.string("has_more_path")? {
                p = p.has_more_path(&s);
            }
            if let Some(v) = args.raw("initial_cursor") {
                p = p.initial_cursor(v.clone());
            }
            Some(Box::new(p))
        }
        "offset" => {
            let limit = args.int("limit")?.ok_or_else(|| {
                Error::invalid(COMPONENT, "limit", "is required for type `offset`")
            })?;
            let mut p = OffsetPaginator::new(limit);
            if let Some(n) = args.int("offset")? {
                p = p.offset(n);
            }
            if let Some(s) = args.string("offset_param")? {
                p = p.offset_param(s);
            }
            if let Some(s) = args.string("limit_param")? {
                p = p.limit_param(s);
            }
            if let Some(s) = args.string("offset_body_path")? {
                p = p.offset_body_path(s);
            }
            if let Some(s) = args.string("limit_body_path")? {
                p = p.limit_body_path(s);
            }
            match args.nullable_string("total_path")? {
                Some(Some(s)) => p = p.total_path(&s),
                Some(None) => p = p.without_total(),
                None => {}
            }
            if let Some(n) = args.int("maximum_offset")? {
                p = p.maximum_offset(n);
            }
            if let Some(b) = args.bool("stop_after_empty_page")? {
                p = p.stop_after_empty_page(b);
            }
            if let Some(s) = args.string("has_more_path")? {
                p = p.has_more_path(&s);
            }
            Some(Box::new(p))
        }
        "page_number" => {
            let mut p = PageNumberPaginator::new();
            if let Some(n) = args.int("base_page")? {
                p = p.base_page(n);
            }
            if let Some(n) = args.int("page")? {
                p = p.page(n);
            }
            if let Some(s) = args.string("page_param")? {
                p = p.page_param(s);
            }
            if let Some(s) = args.string("page_body_path")? {
                p = p.page_body_path(s);
            }
            match args.nullable_string("total_path")? {
                Some(Some(s)) => p = p.total_path(&s),
                Some(None) => p = p.without_total(),
                None => {}
            }
            if let Some(n) = args.int("maximum_page")? {
                p = p.maximum_page(n);
            }
            if let Some(b) = args.bool("stop_after_empty_page")? {
                p = p.stop_after_empty_page(b);
            }
            if let Some(s) = args.string("has_more_path")? {
                p = p.has_more_path(&s);
            }
            Some(Box::new(p))
        }
        other => {
            return Err(Error::invalid(
                COMPONENT,
                "type",
                format!(
                    "unknown paginator type `{other}`; expected one of auto, single_page, json_link, header_link, offset, page_number, cursor, header_cursor"
                ),
            ));
        }
    };
    args.finish()?;
    if let Some(p) = &paginator {
        p.validate()?;
    }
    Ok(paginator)
}

struct Args<'a> {
    kind: &'a str,
    params: &'a serde_json::Map<String, Value>,
    used: Vec<&'static str>,
}

impl Args<'_> {
    fn raw(&mut self, key: &'static str) -> Option<&Value> {
        self.used.push(key);
        self.params.get(key)
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> Error {
        Error::invalid(
            COMPONENT,
            key,
            format!("expected {expected} for type `{}`, got {got}", self.kind),
        )
    }

    fn string(&mut self, key: &'static str) -> Result<Option<String>> {
        match self.raw(key).cloned() {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", &other)),
        }
    }

    fn nullable_string(&mut self, key: &'static str) -> Result<Option<Option<String>>> {
        match self.raw(key).cloned() {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s))),
            Some(other) => Err(self.wrong(key, "a string or null", &other)),
        }
    }

    fn int(&mut self, key: &'static str) -> Result<Option<i64>> {
        match self.raw(key).cloned() {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(other) => Err(self.wrong(key, "an integer", &other)),
        }
    }

    fn bool(&mut self, key: &'static str) -> Result<Option<bool>> {
        match self.raw(key).cloned() {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong(key, "true or false", &other)),
        }
    }

    fn finish(self) -> Result<()> {
        if let Some(unknown) = self
            .params
            .keys()
            .find(|k| !self.used.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                COMPONENT,
                unknown.clone(),
                format!("unknown parameter for type `{}`", self.kind),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_round_trips() {
        let configs = [
            json!({"type": "offset", "limit": 100, "total_path": null, "maximum_offset": 1000}),
            json!({"type": "offset", "limit": 5, "offset_body_path": "p.o", "limit_body_path": "p.l"}),
            json!({"type": "page_number", "base_page": 1, "total_path": "total_pages"}),
            json!({"type": "cursor", "cursor_path": "next", "cursor_body_path": "cursor", "has_more_path": "more"}),
            json!({"type": "json_link", "next_url_path": "pagination.next"}),
            json!("header_link"),
            json!({"type": "header_cursor", "cursor_key": "X-Next"}),
            json!("single_page"),
        ];
        for c in configs {
            let p = from_config(&c).unwrap().unwrap();
            let described = p.describe();
            let again = from_config(&described).unwrap().unwrap();
            assert_eq!(again.describe(), described, "{c}");
        }
    }

    #[test]
    fn errors_name_the_key() {
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
            let e = from_config(&c).unwrap_err().to_string();
            assert!(e.contains(key), "{c}: {e}");
        }
        assert!(from_config(&json!("auto")).unwrap().is_none());
    }
}
