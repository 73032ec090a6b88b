//! [`Page`]: the records of one response, with what produced them.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::auth::Auth;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::response::Response;
use crate::selector::Selector;

/// The records of one response (dlt's `PageData`).
///
/// A page keeps the response body and where each record lies in it. The records come as the
/// API's own text ([`raw_records`](Self::raw_records), [`write_ndjson`](Self::write_ndjson)),
/// as your own types ([`deserialize`](Self::deserialize)), or as `serde_json::Value`s built on
/// first use, with the API's key order: a page derefs to `[Value]`, so `&page[0]` and
/// `for record in &page` work. It also gives the request that produced it (not the next one,
/// unlike dlt), the response, and a description of the paginator that ran.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn run() -> restclient::Result<()> {
/// let client = restclient::RestClient::builder("https://api.example.com").build()?;
/// let mut pages = client.paginate("/posts").pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} records from {}", page.len(), page.request().full_url());
///     for record in &page {
///         println!("{}", record["id"]);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Page {
    /// Where each record lies in the response body.
    spans: Vec<Range<usize>>,
    /// The records hold no whitespace and are one comma apart (`records::Spans::compact`).
    compact: bool,
    /// The records as `Value`s, built on first use.
    values: OnceLock<Vec<Value>>,
    request: Request,
    response: Response,
    paginator: Arc<Value>,
    data_selector: Arc<Selector>,
    auth: Option<Arc<dyn Auth>>,
    number: usize,
    /// Where the walk stands after this page, encoded, when the caller saves the checkpoint
    /// (see `checkpoint::Checkpoint`).
    checkpoint: Option<Value>,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A custom auth's derived Debug may print what it holds: mask what it declares secret.
        let auth = self.auth.as_ref().map(|a| {
            crate::redact::Shown(
                crate::redact::Redactor::default()
                    .with_secrets(a.secrets())
                    .text(&format!("{a:?}")),
            )
        });
        f.debug_struct("Page")
            .field("number", &self.number)
            .field("records", &self.spans.len())
            .field("request", &self.request)
            .field("response", &self.response)
            .field("paginator", &self.paginator)
            .field("data_selector", &self.data_selector)
            .field("auth", &auth)
            .finish()
    }
}

/// What a page shares with the other pages of its walk.
#[derive(Clone)]
pub(crate) struct WalkInfo {
    /// The paginator in dlt's `rest_api` form.
    pub(crate) paginator: Arc<Value>,
    pub(crate) data_selector: Arc<Selector>,
    pub(crate) auth: Option<Arc<dyn Auth>>,
}

impl Page {
    pub(crate) fn new(
        (spans, compact): (Vec<Range<usize>>, bool),
        values: Option<Vec<Value>>,
        request: Request,
        response: Response,
        info: WalkInfo,
        number: usize,
    ) -> Self {
        let WalkInfo {
            paginator,
            data_selector,
            auth,
        } = info;
        let built = OnceLock::new();
        if let Some(v) = values {
            let _ = built.set(v);
        }
        Page {
            spans,
            compact,
            values: built,
            request,
            response,
            paginator,
            data_selector,
            auth,
            number,
            checkpoint: None,
        }
    }

    /// The walk's checkpoint after this page, for a caller that saves it itself.
    pub(crate) fn checkpoint(&self) -> Option<&Value> {
        self.checkpoint.as_ref()
    }

    pub(crate) fn set_checkpoint(&mut self, checkpoint: Value) {
        self.checkpoint = Some(checkpoint);
    }

    /// The auth that signed the request of this page (dlt's `page.auth`), if any.
    #[must_use]
    pub fn auth(&self) -> Option<&dyn Auth> {
        self.auth.as_deref()
    }

    /// The data selector that picked the records (given, or detected from the first response).
    #[must_use]
    pub fn data_selector(&self) -> &Selector {
        &self.data_selector
    }

    /// How many records the page holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the page holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The records as `Value`s (built on first use, keys in the API's order).
    ///
    /// A `Value` cannot hold a number beyond `f64` (`1e400`); a record with one is given as
    /// `null` here, with a WARN. [`raw_records`](Self::raw_records) has it as sent.
    #[must_use]
    pub fn records(&self) -> &[Value] {
        self.values.get_or_init(|| self.build_values())
    }

    /// The records, owned.
    #[must_use]
    pub fn into_records(mut self) -> Vec<Value> {
        match self.values.take() {
            Some(v) => v,
            None => self.build_values(),
        }
    }

    /// Each record's exact JSON text as the API sent it: key order, number text (`1.50`,
    /// `1e3`, `12345678901234567890123`), escapes and whitespace inside the record untouched.
    ///
    /// ```no_run
    /// # fn page() -> restclient::Page { unimplemented!() }
    /// let page = page();
    /// for record in page.raw_records() {
    ///     println!("{}", record.get()); // e.g. {"zeta":1,"alpha":2}
    /// }
    /// ```
    pub fn raw_records(&self) -> impl ExactSizeIterator<Item = &RawValue> + '_ {
        self.spans.iter().map(|r| {
            // Every span is a whole JSON value found by a validating scan; this check is that
            // scan's again, and never fails in practice.
            serde_json::from_slice::<&RawValue>(&self.response.bytes()[r.clone()])
                .unwrap_or_else(|_| null_raw())
        })
    }

    /// Each record's JSON text as bytes: what [`raw_records`](Self::raw_records) gives, without
    /// checking the text again (the walk's validating scan found each record). For code that
    /// parses the records itself, as the Python package does to build its dicts.
    ///
    /// ```no_run
    /// # fn page() -> restclient::Page { unimplemented!() }
    /// let page = page();
    /// let sizes: Vec<usize> = page.record_texts().map(<[u8]>::len).collect();
    /// ```
    pub fn record_texts(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let body = self.response.bytes();
        self.spans
            .iter()
            .map(move |r| body.get(r.clone()).unwrap_or(b"null"))
    }

    /// Appends each record to `out` as one NDJSON line: the API's text with the whitespace
    /// outside its strings removed, and nothing else changed (key order, number text,
    /// escapes, raw UTF-8). The fastest way to write records out.
    ///
    /// ```no_run
    /// # fn page() -> restclient::Page { unimplemented!() }
    /// # fn run() -> std::io::Result<()> {
    /// use std::io::Write;
    /// let mut out = Vec::new();
    /// page().write_ndjson(&mut out);
    /// std::io::stdout().write_all(&out)?;
    /// # Ok(()) }
    /// ```
    pub fn write_ndjson(&self, out: &mut Vec<u8>) {
        crate::records::write_ndjson(self.response.bytes(), &self.spans, self.compact, out);
    }

    /// The records as NDJSON lines, as [`write_ndjson`](Self::write_ndjson) makes them, taking
    /// the page. When the body is this page's alone, its records are compact (no whitespace,
    /// one comma apart: what most APIs send) and they are at least half of it, the lines are
    /// made in the body itself, each comma between two records becoming a line feed: no copy.
    /// Otherwise they are written to a new buffer (so lines kept never keep a big body).
    ///
    /// ```
    /// # use restclient::Page;
    /// # fn lines(page: Page) {
    /// let lines = page.into_ndjson(); // e.g. b"{\"id\":1}\n{\"id\":2}\n"
    /// # let _ = lines;
    /// # }
    /// ```
    #[must_use]
    pub fn into_ndjson(self) -> Bytes {
        crate::records::into_ndjson(self.response.into_body(), &self.spans, self.compact)
    }

    /// The records deserialized straight from the body into `T` (no `Value` in between).
    ///
    /// # Errors
    /// A [decode error](Error::is_decode) naming the URL, the page number and the index of the
    /// first record that does not fit `T`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        let body = self.response.bytes();
        self.spans
            .iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::from_slice::<T>(&body[r.clone()]).map_err(|e| self.decode_error(i, e))
            })
            .collect()
    }

    /// The error for record `index` of this page not fitting the requested type.
    pub(crate) fn decode_error(&self, index: usize, e: serde_json::Error) -> Error {
        let url = self.response.redacted_url();
        // serde's text quotes the value at fault (a record's, so maybe a secret an API
        // echoed, maybe megabytes): masked and clipped in the message, not kept as a source.
        let detail = self.response.mask(&e.to_string());
        Error::new(
            ErrorKind::Decode,
            format!(
                "record {index} of page {} from {} does not fit the requested type: {}",
                self.number,
                crate::redact::clip(&url, crate::redact::MAX_URL_SHOWN),
                crate::redact::clip(&detail, crate::redact::MAX_QUOTED)
            ),
        )
        .with_url(&url)
    }

    fn build_values(&self) -> Vec<Value> {
        let body = self.response.bytes();
        self.spans
            .iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::from_slice::<Value>(&body[r.clone()]).unwrap_or_else(|e| {
                    tracing::warn!(
                        url = %self.response.redacted_url(), page = self.number, record = i,
                        "record {i} of page {} cannot be a serde_json::Value ({e}); it is given as null: read it with raw_records()",
                        self.number
                    );
                    Value::Null
                })
            })
            .collect()
    }

    /// The request that produced this page.
    #[must_use]
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The response this page was selected from. Its [`json`](Response::json) is parsed again
    /// from the body on demand, since the records were moved out of the first parse.
    #[must_use]
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The paginator that ran, in dlt's `rest_api` form (e.g. `{"type": "offset", ...}`).
    #[must_use]
    pub fn paginator(&self) -> &Value {
        &self.paginator
    }

    /// The position of this page in its walk, from 1.
    #[must_use]
    pub fn number(&self) -> usize {
        self.number
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.spans.truncate(len);
        if let Some(v) = self.values.get_mut() {
            v.truncate(len);
        }
    }
}

impl std::ops::Deref for Page {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        self.records()
    }
}

impl IntoIterator for Page {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_records().into_iter()
    }
}

impl<'a> IntoIterator for &'a Page {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.records().iter()
    }
}

/// `null` as a raw value, for the never-taken failure branch of `raw_records`.
fn null_raw() -> &'static RawValue {
    static NULL: OnceLock<Box<RawValue>> = OnceLock::new();
    NULL.get_or_init(|| {
        RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A custom auth whose derived Debug shows its key.
    #[derive(Debug)]
    struct HeaderKey {
        key: String,
    }

    impl Auth for HeaderKey {
        fn apply(&self, request: &mut Request) -> crate::Result<()> {
            request.set_header("X-Key", &self.key)
        }
        fn secrets(&self) -> Vec<String> {
            vec![self.key.clone()]
        }
    }

    #[test]
    fn record_texts_are_the_raw_records() {
        let body = br#"{"items": [{"b": 1, "a": 2}, 12345678901234567890123, "x\u00e9"]}"#;
        let response = Response::from_parts(200, vec![], "https://h/x", body.to_vec()).unwrap();
        let selector = Selector::new("items").unwrap();
        let spans = response.record_spans(&selector).unwrap();
        let page = Page::new(
            spans,
            None,
            Request::new(reqwest::Method::GET, "https://h/x".parse().unwrap()),
            response,
            WalkInfo {
                paginator: Arc::new(Value::Null),
                data_selector: Arc::new(selector),
                auth: None,
            },
            1,
        );
        let texts: Vec<&[u8]> = page.record_texts().collect();
        let raw: Vec<&[u8]> = page.raw_records().map(|r| r.get().as_bytes()).collect();
        assert_eq!(texts, raw);
        assert_eq!(
            texts,
            [
                &br#"{"b": 1, "a": 2}"#[..],
                b"12345678901234567890123",
                br#""x\u00e9""#
            ]
        );
    }

    #[test]
    fn debug_masks_a_custom_auths_secrets() {
        let url = "https://h/x".parse().unwrap();
        let page = Page::new(
            (vec![std::ops::Range { start: 1, end: 2 }], true),
            None,
            Request::new(reqwest::Method::GET, url),
            Response::from_parts(200, vec![], "https://h/x", b"[1]".to_vec()).unwrap(),
            WalkInfo {
                paginator: Arc::new(Value::Null),
                data_selector: Arc::new(Selector::new("$").unwrap()),
                auth: Some(Arc::new(HeaderKey {
                    key: "k3y-s3cr3t".into(),
                })),
            },
            1,
        );
        let shown = format!("{page:?}");
        assert!(!shown.contains("k3y-s3cr3t"), "{shown}");
        assert!(shown.contains("HeaderKey"), "{shown}");
    }
}
