//! [`OffsetPaginator`].

use serde_json::Value;

use super::range::{self, Range};
use super::{Paginator, StopReason, Target, choose_target};
use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

const CLASS: &str = "OffsetPaginator";

/// Pages through `?offset=0&limit=L`, `?offset=L&limit=L`, ... (dlt's `OffsetPaginator`).
///
/// It stops when `offset + limit` reaches the total (read from `total_path`, default `"total"`),
/// or `maximum_offset`, when a page comes back empty (`stop_after_empty_page`, on by default),
/// or when `has_more_path` reads false. Unlike dlt, a missing or null total is not an error while
/// one of the other rules can still end the walk.
///
/// ```
/// use restclient::paginators::OffsetPaginator;
/// let p = OffsetPaginator::new(100).total_path("meta.total").maximum_offset(10_000);
/// // Offsets and limits can also travel in a POST body:
/// let q = OffsetPaginator::new(50).offset_body_path("page.offset").limit_body_path("page.limit");
/// ```
#[derive(Debug, Clone)]
pub struct OffsetPaginator {
    range: Range,
    limit: i64,
    offset_param: Option<String>,
    offset_body_path: Option<String>,
    limit_param: Option<String>,
    limit_body_path: Option<String>,
    limit_target: Target,
}

impl OffsetPaginator {
    /// A paginator fetching `limit` items per request, starting at offset 0.
    #[must_use]
    pub fn new(limit: i64) -> Self {
        OffsetPaginator {
            range: Range::new(
                CLASS,
                "items",
                "maximum_offset",
                0,
                limit,
                Target::Query("offset".into()),
            ),
            limit,
            offset_param: None,
            offset_body_path: None,
            limit_param: None,
            limit_body_path: None,
            limit_target: Target::Query("limit".into()),
        }
    }

    /// The first offset (default 0).
    #[must_use]
    pub fn offset(mut self, offset: i64) -> Self {
        self.range.initial = offset;
        self.range.current = offset;
        self
    }

    /// The query parameter for the offset (default `offset`).
    #[must_use]
    pub fn offset_param(mut self, name: impl Into<String>) -> Self {
        self.offset_param = Some(name.into());
        self
    }

    /// A dot path in the JSON body for the offset, instead of a query parameter.
    #[must_use]
    pub fn offset_body_path(mut self, path: impl Into<String>) -> Self {
        self.offset_body_path = Some(path.into());
        self
    }

    /// The query parameter for the limit (default `limit`).
    #[must_use]
    pub fn limit_param(mut self, name: impl Into<String>) -> Self {
        self.limit_param = Some(name.into());
        self
    }

    /// A dot path in the JSON body for the limit, instead of a query parameter.
    #[must_use]
    pub fn limit_body_path(mut self, path: impl Into<String>) -> Self {
        self.limit_body_path = Some(path.into());
        self
    }

    range::range_setters!("items", maximum_offset, "offset");

    fn targets(&self) -> Result<(Target, Target)> {
        let offset = choose_target(
            CLASS,
            "offset_param",
            self.offset_param.as_deref(),
            "offset_body_path",
            self.offset_body_path.as_deref(),
            "offset",
        )?;
        let limit = choose_target(
            CLASS,
            "limit_param",
            self.limit_param.as_deref(),
            "limit_body_path",
            self.limit_body_path.as_deref(),
            "limit",
        )?;
        Ok((offset, limit))
    }

    /// The total number of items the API reported, once a page has been read.
    #[must_use]
    pub fn total(&self) -> Option<i64> {
        self.range.total()
    }
}

impl Paginator for OffsetPaginator {
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        let (offset, limit) = self.targets()?;
        self.range.target = offset;
        self.limit_target = limit;
        self.range.init();
        self.update_request(request)
    }

    fn update_state(&mut self, response: &Response, data: Option<&[Value]>) -> Result<()> {
        self.range
            .update_state(response, data.map_or(0, <[Value]>::len))
    }

    fn reads_records(&self) -> bool {
        false
    }

    fn update_state_counted(&mut self, response: &Response, records: usize) -> Result<()> {
        self.range.update_state(response, records)
    }

    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        self.range.write(request)?;
        self.limit_target.write(request, Value::from(self.limit))
    }

    fn has_next_page(&self) -> bool {
        self.range.has_next()
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.range.stop_reason()
    }

    fn checkpoint(&self) -> Option<Value> {
        self.range.checkpoint()
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        self.range.restore(state)
    }

    fn validate(&self) -> Result<()> {
        self.targets()?;
        if self.limit <= 0 {
            return Err(crate::Error::invalid(
                CLASS,
                "limit",
                format!("must be greater than zero, got {}", self.limit),
            ));
        }
        if self.range.initial < 0 {
            return Err(crate::Error::invalid(
                CLASS,
                "offset",
                format!("must not be negative, got {}", self.range.initial),
            ));
        }
        self.range.validate()
    }

    fn describe(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("type".into(), "offset".into());
        map.insert("limit".into(), self.limit.into());
        map.insert("offset".into(), self.range.initial.into());
        if let Ok((o, l)) = self.targets() {
            for (target, name) in [(o, "offset"), (l, "limit")] {
                let (kind, value) = target.describe();
                map.insert(format!("{name}_{kind}"), value);
            }
        }
        self.range.describe_into(&mut map);
        Value::Object(map)
    }

    fn is_computable(&self) -> bool {
        true
    }

    fn speculate(&mut self, request: &mut Request) -> Result<bool> {
        if !self.range.speculate() {
            return Ok(false);
        }
        self.update_request(request)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::json;

    fn resp(body: Value) -> Response {
        Response::from_parts(
            200,
            vec![],
            "https://h/items",
            body.to_string().into_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn dlt_example_offset_123_limit_42() {
        let mut p = OffsetPaginator::new(42).offset(123);
        let mut req = Request::new(Method::GET, "https://h/items".parse().unwrap());
        p.init_request(&mut req).unwrap();
        assert_eq!(
            req.params(),
            &[
                ("offset".into(), "123".into()),
                ("limit".into(), "42".into())
            ]
        );
        p.update_state(&resp(json!({"total": 200})), Some(&[json!(1)]))
            .unwrap();
        p.update_request(&mut req).unwrap();
        assert_eq!(req.param("offset"), Some("165"));
        assert!(p.has_next_page());
        p.update_state(&resp(json!({"total": 200})), Some(&[json!(1)]))
            .unwrap();
        assert!(!p.has_next_page());
        assert_eq!(
            p.stop_reason(),
            Some(StopReason::TotalReached { total: 200 })
        );
    }

    #[test]
    fn validation_names_the_parameter() {
        let e = OffsetPaginator::new(10)
            .offset_param("o")
            .offset_body_path("b.o")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("offset_param") && e.contains("offset_body_path"),
            "{e}"
        );
        let e = OffsetPaginator::new(10)
            .without_total()
            .stop_after_empty_page(false)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("maximum_offset"), "{e}");
        let e = OffsetPaginator::new(0).validate().unwrap_err().to_string();
        assert!(e.contains("`limit`"), "{e}");
        let e = OffsetPaginator::new(5)
            .limit_param("")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("limit_param"), "{e}");
        let e = OffsetPaginator::new(5)
            .total_path("a[")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("total_path"), "{e}");
        OffsetPaginator::new(10)
            .without_total()
            .maximum_offset(100)
            .stop_after_empty_page(false)
            .validate()
            .unwrap();
    }

    #[test]
    fn missing_total_is_an_error_only_without_another_stop_rule() {
        let mut p = OffsetPaginator::new(10).stop_after_empty_page(false);
        let mut req = Request::new(
            Method::GET,
            "https://h/items?api_key=SECRET".parse().unwrap(),
        );
        p.init_request(&mut req).unwrap();
        let e = p
            .update_state(&resp(json!({"items": [1]})), Some(&[json!(1)]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Total `items` not found") && e.contains("`total`"),
            "{e}"
        );

        let mut p = OffsetPaginator::new(10);
        p.init_request(&mut req).unwrap();
        p.update_state(&resp(json!({"total": null})), Some(&[json!(1)]))
            .unwrap();
        assert!(p.has_next_page());
        p.update_state(&resp(json!({"total": null})), Some(&[]))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(StopReason::EmptyPage));
    }

    #[test]
    fn total_seen_once_is_kept_and_strings_convert() {
        let mut p = OffsetPaginator::new(10).stop_after_empty_page(false);
        let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        p.update_state(&resp(json!({"total": "25"})), Some(&[json!(1)]))
            .unwrap();
        p.update_state(&resp(json!({})), Some(&[json!(1)])).unwrap();
        assert!(p.has_next_page());
        p.update_state(&resp(json!({})), Some(&[json!(1)])).unwrap();
        assert!(!p.has_next_page());
        let e = p
            .update_state(&resp(json!({"total": [1]})), Some(&[json!(1)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not an `int`"), "{e}");
    }

    #[test]
    fn has_more_can_only_stop() {
        let mut p = OffsetPaginator::new(10)
            .without_total()
            .has_more_path("has_more")
            .maximum_offset(10);
        let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        p.update_state(&resp(json!({"has_more": "TRUE"})), Some(&[json!(1)]))
            .unwrap();
        assert!(!p.has_next_page(), "maximum wins over has_more=true");
        let mut p = OffsetPaginator::new(10)
            .without_total()
            .has_more_path("has_more");
        p.init_request(&mut req).unwrap();
        p.update_state(&resp(json!({"has_more": false})), Some(&[json!(1)]))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(StopReason::HasMoreFalse));
        let e = p
            .update_state(&resp(json!({"has_more": "on"})), Some(&[json!(1)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a `bool`"), "{e}");
    }

    #[test]
    fn body_paths() {
        let mut p = OffsetPaginator::new(5).offset_body_path("page.offset");
        let mut req = Request::new(Method::POST, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        assert_eq!(req.json(), Some(&json!({"page": {"offset": 0}})));
        assert_eq!(
            req.param("limit"),
            Some("5"),
            "limit stays a query param, as in dlt"
        );
    }
}
