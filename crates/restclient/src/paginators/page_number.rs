//! [`PageNumberPaginator`].

use serde_json::Value;

use super::range::{self, Range};
use super::{Paginator, StopReason, Target, choose_target};
use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

const CLASS: &str = "PageNumberPaginator";

/// Pages through `?page=0`, `?page=1`, ... (dlt's `PageNumberPaginator`).
///
/// `base_page` is the number of the first page the API knows (0 by default, often 1); `page`
/// is where the walk starts (default `base_page`). It stops when the page number reaches
/// `total + base_page`, where the total is the number of **pages** read from `total_path`
/// (default `"total"`), when it reaches `maximum_page` (exclusive), when a page comes back empty,
/// or when `has_more_path` reads false.
///
/// ```
/// use restclient::paginators::PageNumberPaginator;
/// let p = PageNumberPaginator::new().base_page(1).total_path("total_pages");
/// let q = PageNumberPaginator::new().base_page(1).without_total(); // until an empty page
/// ```
#[derive(Debug, Clone)]
pub struct PageNumberPaginator {
    range: Range,
    page: Option<i64>,
    page_param: Option<String>,
    page_body_path: Option<String>,
}

impl Default for PageNumberPaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl PageNumberPaginator {
    /// A paginator starting at page 0 with parameter `page` and total path `"total"`.
    #[must_use]
    pub fn new() -> Self {
        PageNumberPaginator {
            range: Range::new(
                CLASS,
                "pages",
                "maximum_page",
                0,
                1,
                Target::Query("page".into()),
            ),
            page: None,
            page_param: None,
            page_body_path: None,
        }
    }

    /// The number of the API's first page (default 0).
    #[must_use]
    pub fn base_page(mut self, base_page: i64) -> Self {
        self.range.base_index = base_page;
        self.sync_initial();
        self
    }

    /// The page to start at (default `base_page`).
    #[must_use]
    pub fn page(mut self, page: i64) -> Self {
        self.page = Some(page);
        self.sync_initial();
        self
    }

    fn sync_initial(&mut self) {
        self.range.initial = self.page.unwrap_or(self.range.base_index);
        self.range.current = self.range.initial;
    }

    /// The query parameter for the page number (default `page`).
    #[must_use]
    pub fn page_param(mut self, name: impl Into<String>) -> Self {
        self.page_param = Some(name.into());
        self
    }

    /// A dot path in the JSON body for the page number, instead of a query parameter.
    #[must_use]
    pub fn page_body_path(mut self, path: impl Into<String>) -> Self {
        self.page_body_path = Some(path.into());
        self
    }

    range::range_setters!("pages", maximum_page, "page number");

    fn target(&self) -> Result<Target> {
        choose_target(
            CLASS,
            "page_param",
            self.page_param.as_deref(),
            "page_body_path",
            self.page_body_path.as_deref(),
            "page",
        )
    }

    /// The page number the next request asks for.
    #[must_use]
    pub fn current_page(&self) -> i64 {
        self.range.current
    }

    /// The total number of pages the API reported, once a page has been read.
    #[must_use]
    pub fn total(&self) -> Option<i64> {
        self.range.total()
    }
}

impl Paginator for PageNumberPaginator {
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        self.range.target = self.target()?;
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
        self.range.write(request)
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
        self.target()?;
        self.range.validate()
    }

    fn describe(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("type".into(), "page_number".into());
        map.insert("base_page".into(), self.range.base_index.into());
        if let Some(p) = self.page {
            map.insert("page".into(), p.into());
        }
        if let Ok(t) = self.target() {
            let (kind, value) = t.describe();
            map.insert(format!("page_{kind}"), value);
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
        Response::from_parts(200, vec![], "https://h/", body.to_string().into_bytes()).unwrap()
    }

    fn walk(mut p: PageNumberPaginator, total: i64) -> Vec<String> {
        let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        let mut pages = vec![req.param("page").unwrap().to_owned()];
        for _ in 0..20 {
            p.update_state(&resp(json!({"total": total})), Some(&[json!(1)]))
                .unwrap();
            p.update_request(&mut req).unwrap();
            if !p.has_next_page() {
                break;
            }
            pages.push(req.param("page").unwrap().to_owned());
        }
        pages
    }

    #[test]
    fn one_based_pages_stop_at_total_plus_base() {
        assert_eq!(
            walk(PageNumberPaginator::new().base_page(1).page(1), 3),
            ["1", "2", "3"]
        );
        assert_eq!(walk(PageNumberPaginator::new(), 3), ["0", "1", "2"]);
    }

    #[test]
    fn maximum_page_is_exclusive() {
        let p = PageNumberPaginator::new()
            .base_page(1)
            .without_total()
            .maximum_page(3);
        assert_eq!(walk(p, 0), ["1", "2"]);
    }

    #[test]
    fn validation() {
        let e = PageNumberPaginator::new()
            .page_param("p")
            .page_body_path("b")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("Either 'page_param' or 'page_body_path'"), "{e}");
        let e = PageNumberPaginator::new()
            .without_total()
            .stop_after_empty_page(false)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("maximum_page"), "{e}");
    }
}
