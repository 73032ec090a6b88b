//! Paginators from dlt's `rest_api` configuration form: a thin door to [`crate::spec`].

use serde_json::Value;

use super::Paginator;
use crate::error::{Error, Result};
use crate::spec::PaginatorSpec;

/// Builds a paginator from dlt's `rest_api` form: a type name alone (`"header_link"`,
/// `"json_link"`, `"single_page"`, ...) or an object with `"type"` and the constructor's
/// parameters, e.g. `{"type": "offset", "limit": 100, "total_path": "total"}`.
///
/// Returns `None` for `"auto"` (no paginator: the walk decides from the first response).
/// This is [`PaginatorSpec::from_value`] followed by [`PaginatorSpec::build`]; use those to
/// keep the typed form or the [`SpecError`](crate::spec::SpecError) with its key path.
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
    let spec = PaginatorSpec::from_value(config).map_err(|e| {
        let key = if e.path().is_empty() {
            "type"
        } else {
            e.path()
        };
        Error::invalid("paginator", key, e.message())
    })?;
    spec.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
