//! [`HeaderCursorPaginator`].

use serde_json::Value;

use super::{Paginator, StopReason};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;

/// Sends the cursor found in a response header with the next request (dlt's
/// `HeaderCursorPaginator`): header `cursor_key` (default `next`) becomes query parameter
/// `cursor_param` (default `cursor`). Other query parameters are kept. A missing or empty header
/// ends the walk.
///
/// ```
/// use restclient::paginators::HeaderCursorPaginator;
/// let p = HeaderCursorPaginator::new().cursor_key("X-Next-Cursor").cursor_param("after");
/// ```
#[derive(Debug, Clone)]
pub struct HeaderCursorPaginator {
    cursor_key: String,
    cursor_param: String,
    cursor: Option<String>,
    has_next: bool,
}

impl Default for HeaderCursorPaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl HeaderCursorPaginator {
    /// Header `next`, parameter `cursor`.
    #[must_use]
    pub fn new() -> Self {
        HeaderCursorPaginator {
            cursor_key: "next".into(),
            cursor_param: "cursor".into(),
            cursor: None,
            has_next: true,
        }
    }

    /// The response header that carries the cursor (matched case-insensitively).
    #[must_use]
    pub fn cursor_key(mut self, key: impl Into<String>) -> Self {
        self.cursor_key = key.into();
        self
    }

    /// The query parameter the cursor is sent in.
    #[must_use]
    pub fn cursor_param(mut self, param: impl Into<String>) -> Self {
        self.cursor_param = param.into();
        self
    }
}

impl Paginator for HeaderCursorPaginator {
    fn init_request(&mut self, _request: &mut Request) -> Result<()> {
        self.cursor = None;
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
        self.cursor = match response.headers().get(self.cursor_key.as_str()) {
            None => None,
            Some(v) => {
                let s = v.to_str().map_err(|_| {
                    response.unexpected(format!(
                        "the `{}` header is not valid text",
                        self.cursor_key
                    ))
                })?;
                Some(s.trim().to_owned()).filter(|s| !s.is_empty())
            }
        };
        self.has_next = self.cursor.is_some();
        Ok(())
    }

    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        if let Some(c) = &self.cursor {
            request.set_param(self.cursor_param.clone(), c);
        }
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        self.has_next
    }

    fn stop_reason(&self) -> Option<StopReason> {
        (!self.has_next).then_some(StopReason::NoCursor)
    }

    fn checkpoint(&self) -> Option<Value> {
        Some(serde_json::json!({"cursor": self.cursor, "has_next": self.has_next}))
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct State {
            cursor: Option<String>,
            has_next: bool,
        }
        let s: State = super::read_state("HeaderCursorPaginator", state)?;
        self.cursor = s.cursor;
        self.has_next = s.has_next;
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        if reqwest::header::HeaderName::from_bytes(self.cursor_key.as_bytes()).is_err() {
            return Err(Error::invalid(
                "HeaderCursorPaginator",
                "cursor_key",
                format!("`{}` is not a header name", self.cursor_key),
            ));
        }
        if self.cursor_param.is_empty() {
            return Err(Error::invalid(
                "HeaderCursorPaginator",
                "cursor_param",
                "must not be empty",
            ));
        }
        Ok(())
    }

    fn describe(&self) -> Value {
        serde_json::json!({"type": "header_cursor", "cursor_key": self.cursor_key, "cursor_param": self.cursor_param})
    }
}
