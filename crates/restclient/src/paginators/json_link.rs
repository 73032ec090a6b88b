//! [`JsonLinkPaginator`].

use serde_json::Value;

use super::{Paginator, PathSetting, StopReason, preview};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;

const CLASS: &str = "JsonLinkPaginator";

/// Follows a next link found in the response body (dlt's `JSONLinkPaginator`).
///
/// The link is read at `next_url_path` (default `"next"`, any dlt JSONPath). A relative link is
/// resolved against the current request URL. The link replaces the original query parameters:
/// it must carry everything the API needs. A missing, null or empty link ends the walk; a link
/// that is not a URL, or not an http(s) one, is an error naming the page that held it.
///
/// ```
/// use restclient::paginators::JsonLinkPaginator;
/// let p = JsonLinkPaginator::new().next_url_path("pagination.next");
/// let graph = JsonLinkPaginator::new().next_url_path("['@odata.nextLink']");
/// ```
#[derive(Debug, Clone)]
pub struct JsonLinkPaginator {
    next_url_path: PathSetting,
    next: Option<String>,
    has_next: bool,
}

impl Default for JsonLinkPaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonLinkPaginator {
    /// A paginator reading the link at `next`.
    #[must_use]
    pub fn new() -> Self {
        JsonLinkPaginator {
            next_url_path: PathSetting::new("next_url_path", "next"),
            next: None,
            has_next: true,
        }
    }

    /// The JSONPath of the next link.
    #[must_use]
    pub fn next_url_path(mut self, path: &str) -> Self {
        self.next_url_path = PathSetting::new("next_url_path", path);
        self
    }
}

impl Paginator for JsonLinkPaginator {
    fn init_request(&mut self, _request: &mut Request) -> Result<()> {
        self.next = None;
        self.has_next = true;
        Ok(())
    }

    fn reads_records(&self) -> bool {
        false
    }

    fn update_state_counted(&mut self, response: &Response, _records: usize) -> Result<()> {
        self.update_state(response, None)
    }

    fn update_state(&mut self, response: &Response, _data: Option<&[Value]>) -> Result<()> {
        let Some(path) = self.next_url_path.get() else {
            return Err(Error::invalid(CLASS, "next_url_path", "is invalid"));
        };
        let found = response.field(path)?;
        self.next = match found.as_deref() {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => {
                let link = s.trim();
                // Checked here, where the response can name the page that held the link.
                let bad = |why: &str| {
                    let shown = response.mask(link);
                    response.unexpected(format!(
                        "expected a next link (a URL) at `{}`, got `{}`: {why}",
                        path.as_str(),
                        crate::redact::clip(&shown, crate::redact::MAX_QUOTED)
                    ))
                };
                let url = response.url().join(link).map_err(|e| bad(&e.to_string()))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(bad("not an http(s) URL"));
                }
                Some(link.to_owned())
            }
            Some(other) => {
                return Err(response.unexpected(format!(
                    "expected a next link (a URL string) at `{}`, got `{}`",
                    path.as_str(),
                    preview(other, &|t| response.mask(t))
                )));
            }
        };
        self.has_next = self.next.is_some();
        Ok(())
    }

    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        if let Some(next) = &self.next {
            let url = request.url().join(next).map_err(|e| {
                // The walk masks what this redactor cannot know (the call's secrets).
                Error::invalid_url(
                    crate::ErrorKind::Request,
                    &crate::redact::Redactor::default().url_str(next),
                    format_args!("next link: {e}"),
                )
            })?;
            request.set_url(url);
            request.clear_params();
        }
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        self.has_next
    }

    fn stop_reason(&self) -> Option<StopReason> {
        (!self.has_next).then_some(StopReason::NoNextLink)
    }

    fn checkpoint(&self) -> Option<Value> {
        Some(serde_json::json!({"next": self.next, "has_next": self.has_next}))
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct State {
            next: Option<String>,
            has_next: bool,
        }
        let s: State = super::read_state("JsonLinkPaginator", state)?;
        self.next = s.next;
        self.has_next = s.has_next;
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        self.next_url_path.check(CLASS)
    }

    fn describe(&self) -> Value {
        serde_json::json!({"type": "json_link", "next_url_path": self.next_url_path.get().map(|s| s.as_str().to_owned())})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::json;

    fn step(p: &mut JsonLinkPaginator, req: &mut Request, body: Value) -> Result<()> {
        let r = Response::from_parts(
            200,
            vec![],
            req.full_url().as_str(),
            body.to_string().into_bytes(),
        )?;
        p.update_state(&r, None)?;
        p.update_request(req)
    }

    #[test]
    fn relative_links_resolve_against_the_request_and_replace_params() {
        let mut p = JsonLinkPaginator::new();
        let mut req = Request::new(Method::GET, "https://h/api/items".parse().unwrap());
        req.set_param("q", "x");
        p.init_request(&mut req).unwrap();
        step(&mut p, &mut req, json!({"next": "?page=2"})).unwrap();
        assert_eq!(req.full_url().as_str(), "https://h/api/items?page=2");
        step(&mut p, &mut req, json!({"next": "other?page=3"})).unwrap();
        assert_eq!(req.full_url().as_str(), "https://h/api/other?page=3");
        step(&mut p, &mut req, json!({"next": "//cdn.example/x"})).unwrap();
        assert_eq!(req.full_url().as_str(), "https://cdn.example/x");
        step(&mut p, &mut req, json!({"next": null})).unwrap();
        assert!(!p.has_next_page());
        assert_eq!(p.stop_reason(), Some(StopReason::NoNextLink));
    }

    #[test]
    fn non_string_link_is_a_clear_error() {
        let mut p = JsonLinkPaginator::new();
        let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
        let e = step(&mut p, &mut req, json!({"next": 5}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected a next link") && e.contains("https://h/"),
            "{e}"
        );
    }
}
