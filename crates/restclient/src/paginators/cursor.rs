//! [`JsonResponseCursorPaginator`].

use serde_json::Value;

use super::{Paginator, PathSetting, StopReason, Target, choose_target, read_has_more};
use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

const CLASS: &str = "JsonResponseCursorPaginator";

/// Sends the cursor found in each response with the next request (dlt's
/// `JSONResponseCursorPaginator`), as a query parameter or in a JSON body.
///
/// The cursor is read at `cursor_path` (default `"cursors.next"`); a missing, null, empty, `0` or
/// `false` cursor ends the walk, and so does the cursor the request sent coming back unchanged
/// (Solr's `cursorMark` and Elasticsearch's scroll end so; dlt would call it a loop), and so can
/// `has_more_path`, `end_of_stream_path` and `stop_after_empty_page`. The
/// original query parameters are kept. Unlike dlt, an `initial_cursor` can be sent with the first
/// request, for APIs that need `cursor=*` to start (dlt#4428).
///
/// ```
/// use restclient::paginators::JsonResponseCursorPaginator;
/// let slack = JsonResponseCursorPaginator::new().cursor_path("response_metadata.next_cursor");
/// let in_body = JsonResponseCursorPaginator::new().cursor_path("next_page_cursor").cursor_body_path("cursor");
/// let solr = JsonResponseCursorPaginator::new().cursor_path("nextCursorMark")
///     .cursor_param("cursorMark").initial_cursor("*");
/// ```
#[derive(Debug, Clone)]
pub struct JsonResponseCursorPaginator {
    cursor_path: PathSetting,
    cursor_param: Option<String>,
    cursor_body_path: Option<String>,
    stop_after_empty_page: bool,
    has_more_path: PathSetting,
    end_of_stream_path: PathSetting,
    initial_cursor: Option<Value>,
    target: Target,
    cursor: Option<Value>,
    has_next: bool,
    stop: Option<StopReason>,
}

impl Default for JsonResponseCursorPaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonResponseCursorPaginator {
    /// A paginator reading `cursors.next` and sending `?cursor=`.
    #[must_use]
    pub fn new() -> Self {
        JsonResponseCursorPaginator {
            cursor_path: PathSetting::new("cursor_path", "cursors.next"),
            cursor_param: None,
            cursor_body_path: None,
            stop_after_empty_page: false,
            has_more_path: PathSetting::Unset,
            end_of_stream_path: PathSetting::Unset,
            initial_cursor: None,
            target: Target::Query("cursor".into()),
            cursor: None,
            has_next: true,
            stop: None,
        }
    }

    /// The JSONPath of the cursor in the response.
    #[must_use]
    pub fn cursor_path(mut self, path: &str) -> Self {
        self.cursor_path = PathSetting::new("cursor_path", path);
        self
    }

    /// The query parameter that carries the cursor (default `cursor`).
    #[must_use]
    pub fn cursor_param(mut self, name: impl Into<String>) -> Self {
        self.cursor_param = Some(name.into());
        self
    }

    /// A dot path in the JSON body for the cursor, instead of a query parameter.
    #[must_use]
    pub fn cursor_body_path(mut self, path: impl Into<String>) -> Self {
        self.cursor_body_path = Some(path.into());
        self
    }

    /// Stop when a page has no records (default false).
    #[must_use]
    pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
        self.stop_after_empty_page = stop;
        self
    }

    /// JSONPath of a boolean that is false on the last page.
    #[must_use]
    pub fn has_more_path(mut self, path: &str) -> Self {
        self.has_more_path = PathSetting::new("has_more_path", path);
        self
    }

    /// JSONPath of a boolean that is true on the last page: the inverse of `has_more_path`,
    /// for incremental exports whose cursor stays set at the end (Zendesk's `end_of_stream`).
    /// A missing or non-boolean flag does not stop the walk. Not in dlt.
    #[must_use]
    pub fn end_of_stream_path(mut self, path: &str) -> Self {
        self.end_of_stream_path = PathSetting::new("end_of_stream_path", path);
        self
    }

    /// A cursor to send with the first request.
    #[must_use]
    pub fn initial_cursor(mut self, cursor: impl Into<Value>) -> Self {
        self.initial_cursor = Some(cursor.into());
        self
    }

    fn resolve_target(&self) -> Result<Target> {
        choose_target(
            CLASS,
            "cursor_param",
            self.cursor_param.as_deref(),
            "cursor_body_path",
            self.cursor_body_path.as_deref(),
            "cursor",
        )
    }

    fn finish(&mut self, reason: StopReason) {
        if self.has_next {
            self.has_next = false;
            self.stop = Some(reason);
        }
    }
}

/// dlt's rule: falsy cursors (`""`, `0`, `false`, `null`) mean there is no next page.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

impl Paginator for JsonResponseCursorPaginator {
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        self.target = self.resolve_target()?;
        self.has_next = true;
        self.stop = None;
        self.cursor = self.initial_cursor.clone();
        self.update_request(request)
    }

    fn update_state(&mut self, response: &Response, data: Option<&[Value]>) -> Result<()> {
        self.update_state_counted(response, data.map_or(0, <[Value]>::len))
    }

    fn reads_records(&self) -> bool {
        false
    }

    fn update_state_counted(&mut self, response: &Response, records: usize) -> Result<()> {
        let Some(path) = self.cursor_path.get() else {
            return Err(crate::Error::invalid(CLASS, "cursor_path", "is invalid"));
        };
        let sent = self.cursor.take();
        self.cursor = response
            .field(path)?
            .filter(|v| truthy(v))
            .map(std::borrow::Cow::into_owned);
        let repeated = self.cursor.is_some() && self.cursor == sent;
        if self.cursor.is_none() {
            self.finish(StopReason::NoCursor);
        }
        if self.stop_after_empty_page && records == 0 {
            self.finish(StopReason::EmptyPage);
            return Ok(());
        }
        let has_more = match self.has_more_path.get() {
            Some(flag) => Some(read_has_more(CLASS, flag, response)?),
            None => None,
        };
        if has_more == Some(false) {
            self.finish(StopReason::HasMoreFalse);
        }
        // Solr's `nextCursorMark` and Elasticsearch's `_scroll_id` end this way: the last page
        // answers with the cursor it was given, and sending it again would fetch that page
        // again. Unless the response says there is more: then the walk goes on, and the loop
        // guard reports the repeated request instead of ending with records missing.
        if repeated && has_more != Some(true) {
            self.finish(StopReason::CursorRepeated);
        }
        if let Some(flag) = self.end_of_stream_path.get()
            && response.field(flag)?.as_deref().and_then(super::parse_bool) == Some(true)
        {
            self.finish(StopReason::EndOfStream);
        }
        Ok(())
    }

    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        if let Some(cursor) = &self.cursor {
            self.target.write(request, cursor.clone())?;
        }
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        self.has_next
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.stop.clone()
    }

    fn checkpoint(&self) -> Option<Value> {
        super::write_state(&serde_json::json!({
            "cursor": self.cursor,
            "has_next": self.has_next,
            "stop": self.stop.as_ref().map(crate::stop::SavedStop::from),
        }))
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct State {
            cursor: Option<Value>,
            has_next: bool,
            stop: Option<crate::stop::SavedStop>,
        }
        let s: State = super::read_state(CLASS, state)?;
        self.cursor = s.cursor;
        self.has_next = s.has_next;
        self.stop = s.stop.map(StopReason::from);
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        self.cursor_path.check(CLASS)?;
        self.has_more_path.check(CLASS)?;
        self.end_of_stream_path.check(CLASS)?;
        self.resolve_target().map(drop)
    }

    fn describe(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("type".into(), "cursor".into());
        map.insert(
            "cursor_path".into(),
            self.cursor_path.get().map(|s| s.as_str().to_owned()).into(),
        );
        if let Ok(t) = self.resolve_target() {
            let (kind, value) = t.describe();
            map.insert(format!("cursor_{kind}"), value);
        }
        if let Some(p) = self.has_more_path.get() {
            map.insert("has_more_path".into(), p.as_str().into());
        }
        if let Some(p) = self.end_of_stream_path.get() {
            map.insert("end_of_stream_path".into(), p.as_str().into());
        }
        if self.stop_after_empty_page {
            map.insert("stop_after_empty_page".into(), true.into());
        }
        if let Some(c) = &self.initial_cursor {
            map.insert("initial_cursor".into(), c.clone());
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::json;

    /// A GET of `https://h/` that `p` has initialised: the first request of a walk.
    fn started(p: &mut JsonResponseCursorPaginator) -> Request {
        let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        req
    }

    fn step(p: &mut JsonResponseCursorPaginator, req: &mut Request, body: Value, data: &[Value]) {
        let r =
            Response::from_parts(200, vec![], "https://h/", body.to_string().into_bytes()).unwrap();
        p.update_state(&r, Some(data)).unwrap();
        p.update_request(req).unwrap();
    }

    #[test]
    fn keeps_params_and_stops_on_falsy_cursors() {
        for falsy in [json!(null), json!(""), json!(0), json!(false)] {
            let mut p = JsonResponseCursorPaginator::new();
            let mut req = Request::new(Method::GET, "https://h/".parse().unwrap());
            req.set_param("q", "x");
            p.init_request(&mut req).unwrap();
            assert_eq!(req.param("cursor"), None);
            step(
                &mut p,
                &mut req,
                json!({"cursors": {"next": "abc"}}),
                &[json!(1)],
            );
            assert_eq!(req.full_url().as_str(), "https://h/?q=x&cursor=abc");
            step(
                &mut p,
                &mut req,
                json!({"cursors": {"next": falsy}}),
                &[json!(1)],
            );
            assert!(!p.has_next_page());
            assert_eq!(p.stop_reason(), Some(StopReason::NoCursor));
        }
    }

    #[test]
    fn the_cursor_sent_coming_back_ends_the_walk() {
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path("nextCursorMark")
            .cursor_param("cursorMark")
            .initial_cursor("*");
        let mut req = started(&mut p);
        step(
            &mut p,
            &mut req,
            json!({"nextCursorMark": "A"}),
            &[json!(1)],
        );
        assert!(p.has_next_page());
        step(
            &mut p,
            &mut req,
            json!({"nextCursorMark": "B"}),
            &[json!(1)],
        );
        assert!(p.has_next_page());
        assert_eq!(req.param("cursorMark"), Some("B"));
        step(&mut p, &mut req, json!({"nextCursorMark": "B"}), &[]);
        assert!(!p.has_next_page());
        assert_eq!(p.stop_reason(), Some(StopReason::CursorRepeated));
        // A response that repeats the cursor but says there is more is no end: the walk goes
        // on, so that the loop guard reports it rather than the walk ending short.
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path("next")
            .has_more_path("has_more");
        let mut req = started(&mut p);
        step(
            &mut p,
            &mut req,
            json!({"next": "A", "has_more": true}),
            &[json!(1)],
        );
        step(
            &mut p,
            &mut req,
            json!({"next": "A", "has_more": true}),
            &[json!(1)],
        );
        assert!(p.has_next_page());
        step(
            &mut p,
            &mut req,
            json!({"next": "A", "has_more": false}),
            &[json!(1)],
        );
        assert!(!p.has_next_page());
        assert_eq!(p.stop_reason(), Some(StopReason::HasMoreFalse));
    }

    #[test]
    fn initial_cursor_and_body_path() {
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_body_path("paging.cursor")
            .initial_cursor("*");
        let mut req = Request::new(Method::POST, "https://h/".parse().unwrap());
        p.init_request(&mut req).unwrap();
        assert_eq!(req.json(), Some(&json!({"paging": {"cursor": "*"}})));
    }

    #[test]
    fn has_more_and_empty_page() {
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path("next")
            .has_more_path("has_more");
        let mut req = started(&mut p);
        step(
            &mut p,
            &mut req,
            json!({"next": "c", "has_more": false}),
            &[json!(1)],
        );
        assert_eq!(p.stop_reason(), Some(StopReason::HasMoreFalse));
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path("next")
            .stop_after_empty_page(true);
        p.init_request(&mut req).unwrap();
        step(&mut p, &mut req, json!({"next": "c"}), &[]);
        assert_eq!(p.stop_reason(), Some(StopReason::EmptyPage));
        let e = JsonResponseCursorPaginator::new()
            .cursor_param("c")
            .cursor_body_path("b")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cursor_param") && e.contains("cursor_body_path"),
            "{e}"
        );
    }

    /// Zendesk's incremental export keeps `after_cursor` set on its last page and says
    /// `end_of_stream: true` instead: the flag ends the walk, a false or missing one does not.
    #[test]
    fn a_true_end_of_stream_flag_ends_the_walk_although_the_cursor_is_set() {
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path("after_cursor")
            .end_of_stream_path("end_of_stream");
        let mut req = started(&mut p);
        step(
            &mut p,
            &mut req,
            json!({"after_cursor": "a", "end_of_stream": false}),
            &[json!(1)],
        );
        assert!(p.has_next_page());
        assert_eq!(req.full_url().as_str(), "https://h/?cursor=a");
        step(&mut p, &mut req, json!({"after_cursor": "b"}), &[json!(1)]);
        assert!(p.has_next_page(), "a missing flag does not stop");
        step(
            &mut p,
            &mut req,
            json!({"after_cursor": "c", "end_of_stream": true}),
            &[json!(1)],
        );
        assert!(!p.has_next_page());
        assert_eq!(p.stop_reason(), Some(StopReason::EndOfStream));
        assert_eq!(p.describe()["end_of_stream_path"], "end_of_stream");
    }
}
