//! [`HeaderLinkPaginator`].

use serde_json::Value;

use super::{Paginator, StopReason};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;

/// Follows the `Link: <url>; rel="next"` response header (RFC 8288; dlt's `HeaderLinkPaginator`),
/// as GitHub and many others send it.
///
/// Relations match case-insensitively, one link may carry several (`rel="next last"`), and
/// relative targets are resolved against the response URL. The link replaces the original query
/// parameters.
///
/// ```
/// use restclient::paginators::HeaderLinkPaginator;
/// let p = HeaderLinkPaginator::new();
/// let q = HeaderLinkPaginator::new().links_next_key("nextpage");
/// ```
#[derive(Debug, Clone)]
pub struct HeaderLinkPaginator {
    links_next_key: String,
    next: Option<url::Url>,
    has_next: bool,
}

impl Default for HeaderLinkPaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl HeaderLinkPaginator {
    /// A paginator following `rel="next"`.
    #[must_use]
    pub fn new() -> Self {
        HeaderLinkPaginator {
            links_next_key: "next".into(),
            next: None,
            has_next: true,
        }
    }

    /// The relation to follow (default `next`).
    #[must_use]
    pub fn links_next_key(mut self, rel: impl Into<String>) -> Self {
        self.links_next_key = rel.into();
        self
    }
}

/// The target of the first link with relation `rel` in the response's `Link` headers.
///
/// An empty `Link` header holds no link (as in requests, which dlt uses); a header that does not
/// parse, or a target that is not an http(s) URL, is an error naming the response URL.
pub(crate) fn find_link(response: &Response, rel: &str) -> Result<Option<url::Url>> {
    for value in response.headers().get_all(reqwest::header::LINK) {
        let text = value
            .to_str()
            .map_err(|_| response.unexpected("the Link header is not valid text".into()))?;
        if text.trim().is_empty() {
            continue;
        }
        let links = http_link::parse_link_header(text, response.url()).map_err(|e| {
            let shown = response.mask(text);
            response.unexpected(format!(
                "could not parse the Link header `{}`: {e}",
                crate::redact::clip(&shown, crate::redact::MAX_QUOTED)
            ))
        })?;
        // RFC 8288 quotes with `"`, but some servers send `rel='next'` (BSPK): the parser keeps
        // the single quotes in the relation (`'next'`, or `'prev` and `next'` for two), so they
        // are ignored when comparing.
        if let Some(link) = links
            .into_iter()
            .find(|l| l.rel.trim_matches('\'').eq_ignore_ascii_case(rel))
        {
            if !matches!(link.target.scheme(), "http" | "https") {
                let shown = response.mask(link.target.as_str());
                return Err(response.unexpected(format!(
                    "expected an http(s) URL as the `{rel}` link of the Link header, got `{}`",
                    crate::redact::clip(&shown, crate::redact::MAX_QUOTED)
                )));
            }
            return Ok(Some(link.target));
        }
    }
    Ok(None)
}

impl Paginator for HeaderLinkPaginator {
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
        self.next = find_link(response, &self.links_next_key)?;
        self.has_next = self.next.is_some();
        Ok(())
    }

    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        if let Some(next) = &self.next {
            request.set_url(next.clone());
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
        Some(
            serde_json::json!({"next": self.next.as_ref().map(url::Url::as_str), "has_next": self.has_next}),
        )
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct State {
            next: Option<String>,
            has_next: bool,
        }
        let s: State = super::read_state("HeaderLinkPaginator", state)?;
        self.next = match s.next {
            None => None,
            Some(text) => Some(url::Url::parse(&text).map_err(|e| {
                crate::Error::invalid(
                    "HeaderLinkPaginator",
                    "checkpoint state",
                    format!("the saved next link is not a URL: {e}"),
                )
            })?),
        };
        self.has_next = s.has_next;
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        if self.links_next_key.trim().is_empty() {
            return Err(Error::invalid(
                "HeaderLinkPaginator",
                "links_next_key",
                "must not be empty",
            ));
        }
        Ok(())
    }

    fn describe(&self) -> Value {
        serde_json::json!({"type": "header_link", "links_next_key": self.links_next_key})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(header: &str) -> Result<Option<url::Url>> {
        let r = Response::from_parts(
            200,
            vec![("Link", header)],
            "https://api.example.com/items?page=1",
            b"[]".to_vec(),
        )?;
        find_link(&r, "next")
    }

    #[test]
    fn parses_real_world_link_headers() {
        let gh = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(
            link(gh).unwrap().unwrap().as_str(),
            "https://api.github.com/repositories/1/issues?page=2"
        );
        assert_eq!(
            link(r#"</items?page=2>; rel="NEXT""#)
                .unwrap()
                .unwrap()
                .as_str(),
            "https://api.example.com/items?page=2"
        );
        assert_eq!(
            link(r#"<?page=3>; rel="prev next""#)
                .unwrap()
                .unwrap()
                .as_str(),
            "https://api.example.com/items?page=3"
        );
        assert_eq!(
            link(r#"</a,b?x=1>; rel="next"; title="a, b""#)
                .unwrap()
                .unwrap()
                .as_str(),
            "https://api.example.com/a,b?x=1"
        );
        assert_eq!(link(r#"</p?page=0>; rel="prev""#).unwrap(), None);
    }

    #[test]
    fn single_quoted_relations_are_read() {
        let bspk = "<https://h/emails.json?page=2>; rel='next', <https://h/emails.json?page=18>; rel='last'";
        assert_eq!(
            link(bspk).unwrap().unwrap().as_str(),
            "https://h/emails.json?page=2"
        );
        assert_eq!(
            link("</x?page=3>; rel='prev next'")
                .unwrap()
                .unwrap()
                .as_str(),
            "https://api.example.com/x?page=3"
        );
        assert_eq!(link("</x?page=1>; rel='prev'").unwrap(), None);
    }

    #[test]
    fn an_empty_header_holds_no_link_and_other_schemes_are_refused() {
        assert_eq!(link("").unwrap(), None);
        assert_eq!(link(" ").unwrap(), None);
        let e = link(r#"<ftp://h/x>; rel="next""#).unwrap_err().to_string();
        assert!(
            e.contains(
                "expected an http(s) URL as the `next` link of the Link header, got `ftp://h/x`"
            ),
            "{e}"
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = link("this is not a link").unwrap_err().to_string();
        assert!(
            e.contains("Link header") && e.contains("api.example.com"),
            "{e}"
        );
    }
}
