//! [`Response`]: status, headers, final URL and body of one HTTP exchange.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::redact::Redactor;
use crate::selector::Selector;

/// A complete HTTP response: the body is read in full, and parsed as JSON at most once.
///
/// A non-2xx status is not an error here; `paginate` checks the status, `get`/`post` do not.
///
/// ```no_run
/// # async fn run() -> restclient::Result<()> {
/// let client = restclient::RestClient::builder("https://api.example.com").build()?;
/// let response = client.get("/posts/1").await?;
/// if response.status().is_success() {
///     println!("{}", response.json()?["title"]);
/// }
/// # Ok(()) }
/// ```
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    body: Bytes,
    json: OnceLock<std::result::Result<Value, String>>,
    /// The top-level members a record scan skipped on the way, by name (ranges in `body`), so
    /// that a paginator's field is read without scanning the body again.
    siblings: OnceLock<Vec<(String, Range<usize>)>>,
    redactor: Redactor,
    attempts: u32,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.redactor.url(&self.url))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        url: Url,
        body: Bytes,
        redactor: Redactor,
    ) -> Self {
        Response {
            status,
            headers,
            url,
            body,
            json: OnceLock::new(),
            siblings: OnceLock::new(),
            redactor,
            attempts: 1,
        }
    }

    /// A response built by hand, e.g. to unit-test a [`Paginator`](crate::paginators::Paginator).
    ///
    /// ```
    /// use restclient::Response;
    /// let r = Response::from_parts(200, vec![("Link", "<https://h/?p=2>; rel=\"next\"")],
    ///                              "https://h/", br#"{"items":[1]}"#.to_vec()).unwrap();
    /// assert_eq!(r.json().unwrap()["items"][0], 1);
    /// ```
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) for an invalid status, URL or header.
    pub fn from_parts(
        status: u16,
        headers: Vec<(&str, &str)>,
        url: &str,
        body: Vec<u8>,
    ) -> Result<Self> {
        let status = StatusCode::from_u16(status)
            .map_err(|e| Error::invalid("Response", "status", format_args!("{status}: {e}")))?;
        let url = Url::parse(url).map_err(|e| Error::invalid_url(ErrorKind::Builder, url, e))?;
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            let (n, v) = crate::request::parse_header(n, v)?;
            map.append(n, v);
        }
        Ok(Response::new(
            status,
            map,
            url,
            Bytes::from(body),
            Redactor::default(),
        ))
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name` as text, if present and valid UTF-8.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The URL the response came from (after redirects).
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL as text with secrets masked, for messages.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        self.redactor.url(&self.url)
    }

    /// How many attempts it took to get this response: 1 unless earlier attempts were retried
    /// (see [`RetryPolicy`](crate::retry::RetryPolicy)). A final 503 after five attempts says 5.
    ///
    /// ```
    /// # let r = restclient::Response::from_parts(200, vec![], "https://h/", vec![]).unwrap();
    /// assert_eq!(r.attempts(), 1);
    /// ```
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// The body for an error message: redacted, then cut to `max_chars` characters followed by
    /// `… (truncated)`; `None` when the body is empty.
    pub(crate) fn error_body(&self, max_chars: usize) -> Option<String> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        // Redact first: cutting first could leave half a secret that no longer matches.
        let text = self.redactor.text(&self.text());
        Some(match text.char_indices().nth(max_chars) {
            Some((cut, _)) => format!("{}… (truncated)", &text[..cut]),
            None => text,
        })
    }

    /// The raw body.
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body, taking the response.
    pub(crate) fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    #[must_use]
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON (UTF-8; a byte order mark is skipped). Parsed on first call, then
    /// cached.
    ///
    /// # Numbers and key order
    ///
    /// Objects keep the API's key order. A `Value` holds a number as an `i64`, `u64` or `f64`,
    /// so ids beyond `u64` and decimals with more than 17 digits are rounded, and a number
    /// beyond `f64` (`1e400`) makes the body fail to parse. Records keep their exact text
    /// through [`Page::raw_records`](crate::Page::raw_records) and
    /// [`Page::write_ndjson`](crate::Page::write_ndjson), and typed records through
    /// [`json_as`](Self::json_as) and [`Page::deserialize`](crate::Page::deserialize) read
    /// the text straight into your types.
    ///
    /// # Errors
    /// A [decode error](Error::is_decode) naming the URL when the body is not JSON (an empty body, an
    /// HTML page, invalid UTF-8). The message says what was found, with the status and the
    /// `Content-Type`, e.g. `expected a JSON body, got an empty body (204 No Content)`.
    ///
    /// ```
    /// use restclient::Response;
    /// let html = Response::from_parts(200, vec![("Content-Type", "text/html")], "https://h/x",
    ///                                 b"<html>busy</html>".to_vec()).unwrap();
    /// let e = html.json().unwrap_err().to_string();
    /// assert!(e.starts_with("unexpected response from https://h/x: expected a JSON body"));
    /// assert!(e.ends_with("starting with `<html>busy</html>` (200 OK, Content-Type: text/html)"));
    /// ```
    pub fn json(&self) -> Result<&Value> {
        match self.json.get_or_init(|| parse_json(&self.body)) {
            Ok(v) => Ok(v),
            Err(reason) => Err(self.unexpected(format!("{reason} ({})", self.status_and_type()))),
        }
    }

    /// `200 OK, Content-Type: text/html`, or `204 No Content` without a `Content-Type`: what an
    /// error about the body shows of the answer, so that an HTML page or a 204 is recognised.
    fn status_and_type(&self) -> String {
        let status = format!(
            "{} {}",
            self.status.as_str(),
            self.status.canonical_reason().unwrap_or("")
        );
        let status = status.trim_end();
        match self.header("content-type") {
            Some(t) => format!("{status}, Content-Type: {t}"),
            None => status.to_owned(),
        }
    }

    /// The body deserialized straight into `T` (no `Value` in between).
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Post { id: u64, title: String }
    /// let r = restclient::Response::from_parts(200, vec![], "https://h/posts/1",
    ///     br#"{"id": 1, "title": "Hello", "extra": true}"#.to_vec()).unwrap();
    /// let post: Post = r.json_as()?;
    /// assert_eq!((post.id, post.title.as_str()), (1, "Hello"));
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [decode error](Error::is_decode) naming the URL and what did not fit.
    pub fn json_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let text = self.json_text()?;
        serde_json::from_str(text).map_err(|e| {
            // serde's text quotes the value at fault: masked and clipped with the message,
            // rather than kept as a source nobody masks.
            self.unexpected(format!(
                "the body does not fit the requested type: {}",
                crate::redact::clip(&e.to_string(), crate::redact::MAX_QUOTED)
            ))
        })
    }

    /// The body as JSON text (a UTF-8 byte order mark skipped), checked to be UTF-8.
    pub(crate) fn json_text(&self) -> Result<&str> {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        simdutf8::basic::from_utf8(body).map_err(|_| self.parse_error())
    }

    /// Where the JSON text starts in [`bytes`](Self::bytes) (after a byte order mark).
    pub(crate) fn json_offset(&self) -> usize {
        if self.body.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        }
    }

    /// The error that parsing the body gives, for a body a scan found invalid.
    pub(crate) fn parse_error(&self) -> Error {
        match self.json() {
            Err(e) => e,
            Ok(_) => self.unexpected("expected a JSON body".into()),
        }
    }

    /// The first value `selector` finds in the body, without parsing the whole body when the
    /// selector is a plain dotted path (what paginators read: a total, a next link, a cursor).
    pub(crate) fn field(&self, selector: &Selector) -> Result<Option<Cow<'_, Value>>> {
        if let Some(Ok(parsed)) = self.json.get() {
            return Ok(selector.first(parsed).map(Cow::Borrowed));
        }
        let Some(steps) = selector.key_steps() else {
            return Ok(selector.first(self.json()?).map(Cow::Borrowed));
        };
        // A member the record scan already passed: read it from its own (small) text.
        if let (Some(siblings), Some(crate::records::Step::Key(first))) =
            (self.siblings.get(), steps.first())
            && let Some((_, range)) = siblings.iter().rev().find(|(name, _)| name == first)
            && let Some(text) = self
                .body
                .get(range.clone())
                .and_then(|b| std::str::from_utf8(b).ok())
        {
            return match crate::records::find_value(text, &steps[1..]) {
                Ok(None) => Ok(None),
                Ok(Some(raw)) => serde_json::from_str::<Value>(raw)
                    .map(|v| Some(Cow::Owned(v)))
                    .map_err(|_| self.parse_error()),
                Err(_) => Err(self.parse_error()),
            };
        }
        let text = self.json_text()?;
        match crate::records::find_value(text, &steps) {
            Ok(None) => Ok(None),
            Ok(Some(raw)) => match serde_json::from_str::<Value>(raw) {
                Ok(v) => Ok(Some(Cow::Owned(v))),
                // A number beyond f64: let the full parse say so.
                Err(_) => Err(self.parse_error()),
            },
            Err(_) => Err(self.parse_error()),
        }
    }

    /// Where the records `selector` picks lie in [`bytes`](Self::bytes), and whether they are
    /// compact (see `records::Spans::compact`).
    pub(crate) fn record_spans(&self, selector: &Selector) -> Result<(Vec<Range<usize>>, bool)> {
        let text = self.json_text()?;
        let parsed = match selector.key_steps() {
            Some(_) => None,
            None => Some(self.json()?),
        };
        let offset = self.json_offset();
        // Only a body big enough to be scanned in two parts is shared with the scan's helper
        // (sharing a `Vec`-backed body allocates once).
        let shared =
            (self.body.len() >= crate::records::SPLIT_MIN).then(|| self.body.slice(offset..));
        let crate::records::Spans {
            mut ranges,
            mut siblings,
            compact,
        } = crate::records::spans_and_siblings(text, selector, parsed, shared.as_ref())
            .map_err(|_| self.parse_error())?;
        if offset > 0 {
            for r in ranges.iter_mut().chain(siblings.iter_mut().map(|(_, r)| r)) {
                *r = r.start + offset..r.end + offset;
            }
        }
        let _ = self.siblings.set(siblings);
        Ok((ranges, compact))
    }

    /// Drops the cached parse once the walk is done with it, so that a page does not hold a
    /// tree of its body; a later [`json`](Self::json) parses again.
    pub(crate) fn forget_json(&mut self) {
        self.json = OnceLock::new();
    }

    /// A [decode error](Error::is_decode) about this response: `unexpected response from
    /// <url>: <message>`, with the URL and the message masked. For paginators that find the
    /// response lacking.
    ///
    /// ```
    /// use restclient::Response;
    /// let r = Response::from_parts(200, vec![], "https://h/x", b"{}".to_vec()).unwrap();
    /// let e = r.unexpected("expected a `next` key".into());
    /// assert!(e.is_decode());
    /// assert_eq!(e.to_string(), "unexpected response from https://h/x: expected a `next` key");
    /// ```
    #[must_use]
    pub fn unexpected(&self, message: String) -> Error {
        Error::unexpected(&self.redacted_url(), self.redactor.text(&message))
    }

    /// `text` with every secret this response's call knows masked.
    pub(crate) fn mask(&self, text: &str) -> String {
        self.redactor.text(text)
    }
}

fn parse_json(body: &[u8]) -> std::result::Result<Value, String> {
    // A UTF-8 byte order mark is skipped, as RFC 8259 allows and requests (dlt) does.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("expected a JSON body, got an empty body".into());
    }
    serde_json::from_slice(body).map_err(|e| {
        let start: String = String::from_utf8_lossy(&body[..body.len().min(60)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        // serde_json calls a stray byte an "invalid unicode code point"; say what it is.
        match std::str::from_utf8(body) {
            Err(bad) => {
                let at = bad.valid_up_to();
                format!(
                    "expected a JSON body, got bytes that are not UTF-8 (byte 0x{:02X} at offset {at}) starting with `{start}`",
                    body[at]
                )
            }
            Ok(_) => format!("expected a JSON body, got invalid JSON ({e}) starting with `{start}`"),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn error_body_is_redacted_then_truncated_by_characters() {
        let r = Response::new(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Url::parse("https://h/").unwrap(),
            Bytes::from("ééé token=SECRET-VALUE tail"),
            Redactor::default().with_secrets(["SECRET-VALUE"]),
        );
        assert_eq!(r.error_body(100).unwrap(), "ééé token=*** tail");
        assert_eq!(r.error_body(2).unwrap(), "éé… (truncated)");
        // A cut inside the secret still never shows its start.
        assert_eq!(r.error_body(12).unwrap(), "ééé token=**… (truncated)");
        let empty = Response::from_parts(500, vec![], "https://h/", b" ".to_vec()).unwrap();
        assert_eq!(empty.error_body(10), None);
    }

    #[test]
    fn json_errors_name_the_url_and_what_was_expected() {
        let r = Response::from_parts(
            200,
            vec![],
            "https://h/x?api_key=SECRET",
            b"<html>oops</html>".to_vec(),
        )
        .unwrap();
        let e = r.json().unwrap_err().to_string();
        assert!(e.contains("https://h/x?api_key=***"), "{e}");
        assert!(e.contains("expected a JSON body"), "{e}");
        assert!(e.contains("<html>"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
        let r = Response::from_parts(204, vec![], "https://h/", vec![]).unwrap();
        assert_eq!(
            r.json().unwrap_err().to_string(),
            "unexpected response from https://h/: expected a JSON body, got an empty body (204 No Content)"
        );
        let r = Response::from_parts(200, vec![], "https://h/", b"\xEF\xBB\xBF ".to_vec()).unwrap();
        assert!(
            r.json()
                .unwrap_err()
                .to_string()
                .contains("got an empty body (200 OK)")
        );
        let r = Response::from_parts(200, vec![], "https://h/", b"[\"\xC3\"]".to_vec()).unwrap();
        assert!(
            r.json()
                .unwrap_err()
                .to_string()
                .contains("got bytes that are not UTF-8 (byte 0xC3 at offset 2)"),
            "a UTF-8 sequence cut short"
        );
        let r = Response::from_parts(
            599,
            vec![("content-type", "text/plain")],
            "https://h/",
            b"x".to_vec(),
        )
        .unwrap();
        assert!(
            r.json()
                .unwrap_err()
                .to_string()
                .ends_with("`x` (599, Content-Type: text/plain)"),
            "an unknown status has no reason phrase"
        );
    }

    #[test]
    fn fields_read_after_a_record_scan_equal_a_full_parse() {
        let body = r#"{"total": 1, "data": [{"id": 1}, {"id": 2}], "meta": {"next": "/p/2", "n": 1e3},
                       "total": 3, "links": null}"#;
        let r = Response::from_parts(200, vec![], "https://h/x", body.as_bytes().to_vec()).unwrap();
        let parsed: Value = serde_json::from_str(body).unwrap();
        let (spans, compact) = r.record_spans(&Selector::new("data").unwrap()).unwrap();
        assert!(!compact, "a record holds a space");
        assert_eq!(spans.len(), 2);
        assert!(r.siblings.get().is_some_and(|s| s.len() == 4));
        for path in [
            "total",
            "meta.next",
            "meta.n",
            "links",
            "meta.missing",
            "data",
            "nope",
        ] {
            let sel = Selector::new(path).unwrap();
            let scanned = r.field(&sel).unwrap().map(std::borrow::Cow::into_owned);
            assert_eq!(scanned.as_ref(), sel.first(&parsed), "{path}");
        }
    }
}
