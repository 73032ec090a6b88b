//! The benchmark's offset pages (`bench/run.py`): rendered once, served from memory.
//!
//! A benchmark of a client must not measure the server. `/offset` renders its JSON per request
//! on the same cores as the client; here every page of a `(records, limit, shape)` is rendered
//! once, on the first request that asks for it, and from then on each aligned page is a
//! reference-counted copy of bytes already in memory. Each page is kept as a whole HTTP/1.1
//! answer (head and body in one buffer): demo-api's `/bench/offset` route sends the body, the
//! plain blocking [`BenchListener`] sends the whole buffer with one `write`.
//!
//! Shapes (`shape=`): `wide` (default, about 150 bytes a record, strings, a float, a bool, an
//! array, an object: the size of the records of issue #24's rig) and `small` (the demo's own
//! `{"id","name","score"}`, about 40 bytes: many small fields per byte). Both are compact, as
//! most APIs send them.

mod listener;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::Bytes;

use crate::pages::{Window, clamp_size};

pub use listener::BenchListener;

/// The record shapes of the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    Wide,
    Small,
}

impl Shape {
    fn parse(text: &str) -> Result<Shape, String> {
        match text {
            "wide" => Ok(Shape::Wide),
            "small" => Ok(Shape::Small),
            other => Err(format!("shape: `{other}` is not one of wide, small")),
        }
    }

    /// Appends record `id` in this shape.
    fn write(self, id: u64, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = match self {
            Shape::Small => write!(
                out,
                r#"{{"id":{id},"name":"record-{id}","score":{}}}"#,
                id % 97
            ),
            Shape::Wide => write!(
                out,
                r#"{{"id":{id},"name":"record-{id}","active":{},"score":{}.{},"tags":["red","blue"],"created_at":"2024-01-{:02}T12:{:02}:00Z","owner":{{"login":"owner-{}","admin":false}}}}"#,
                id.is_multiple_of(3),
                id % 97,
                id % 10,
                id % 28 + 1,
                id % 60,
                id % 1000,
            ),
        };
    }
}

/// What a request to `/bench/offset` asks for: `offset`, `limit` (clamped) and `shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageQuery {
    pub(crate) offset: u64,
    pub(crate) limit: u64,
    pub(crate) shape: Shape,
}

impl PageQuery {
    /// Parses a raw query string; `limit` defaults to `default_limit`, unknown keys are
    /// ignored. Borrows the text (no allocation) unless a key or value is percent-encoded.
    pub(crate) fn parse(query: &str, default_limit: u64) -> Result<PageQuery, String> {
        let mut page = PageQuery {
            offset: 0,
            limit: clamp_size(default_limit),
            shape: Shape::Wide,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{key}: `{value}` is not a number"))
            };
            match &*key {
                "offset" => page.offset = number()?,
                "limit" => page.limit = clamp_size(number()?),
                "shape" => page.shape = Shape::parse(&value)?,
                _ => {}
            }
        }
        Ok(page)
    }

    /// The index of the page among `records`' pages, when the offset is on a page boundary
    /// inside the collection (the pages that are rendered once).
    pub(crate) fn aligned_index(&self, records: u64) -> Option<usize> {
        if self.offset.is_multiple_of(self.limit) && self.offset < records {
            usize::try_from(self.offset / self.limit).ok()
        } else {
            None
        }
    }
}

/// One page as a whole HTTP/1.1 `200` answer: the head, then the JSON body, in one buffer.
#[derive(Debug, Clone)]
pub(crate) struct Wire {
    bytes: Bytes,
    head: usize,
}

impl Wire {
    fn new(body: &str) -> Wire {
        let mut bytes = String::with_capacity(80 + body.len());
        let _ = write!(
            bytes,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let head = bytes.len();
        bytes.push_str(body);
        Wire {
            bytes: Bytes::from(bytes),
            head,
        }
    }

    /// The head and body, as sent on the wire.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The JSON body alone (a reference-counted slice: no copy).
    pub(crate) fn body(&self) -> Bytes {
        self.bytes.slice(self.head..)
    }
}

/// The pages of one `(records, limit, shape)`, rendered once.
pub(crate) type Pages = Arc<Vec<Wire>>;

/// What a rendering is of: records, limit, shape.
type Key = (u64, u64, Shape);

/// Every rendering asked for so far. A benchmark asks for a handful.
static RENDERED: Mutex<Vec<(Key, Arc<OnceLock<Pages>>)>> = Mutex::new(Vec::new());

fn render_page(window: &Window, shape: Shape) -> Wire {
    let ids = window.items().ids();
    let mut out = String::with_capacity(64 + 160 * ids.clone().count());
    out.push_str(r#"{"items":["#);
    for (i, id) in ids.enumerate() {
        if i > 0 {
            out.push(',');
        }
        shape.write(id, &mut out);
    }
    let _ = write!(
        out,
        r#"],"total":{},"offset":{},"limit":{}}}"#,
        window.total, window.start, window.len
    );
    Wire::new(&out)
}

/// The slot of `(records, limit, shape)`'s pages, rendered or not.
fn cell(records: u64, limit: u64, shape: Shape) -> Arc<OnceLock<Pages>> {
    let key = (records, limit, shape);
    let mut all = RENDERED.lock().unwrap_or_else(PoisonError::into_inner);
    match all.iter().find(|(k, _)| *k == key) {
        Some((_, cell)) => Arc::clone(cell),
        None => {
            let cell = Arc::new(OnceLock::new());
            all.push((key, Arc::clone(&cell)));
            cell
        }
    }
}

/// The pages of `records` records by `limit`, rendered by whoever asks first (others wait).
/// Rendering a million records takes a moment: not on an async worker (see [`rendered`]).
pub(crate) fn pages(records: u64, limit: u64, shape: Shape) -> Pages {
    Arc::clone(cell(records, limit, shape).get_or_init(|| {
        let count = records.div_ceil(limit);
        Arc::new(
            (0..count)
                .map(|i| render_page(&Window::page(records, i, limit), shape))
                .collect(),
        )
    }))
}

/// `records`' pages by `(limit, shape)` if they are rendered already, without waiting.
pub(crate) fn rendered(records: u64, limit: u64, shape: Shape) -> Option<Pages> {
    cell(records, limit, shape).get().map(Arc::clone)
}

/// The page `query` asks for out of `records` records, rendered now: for the windows that are
/// not stored (see [`PageQuery::aligned_index`]).
pub(crate) fn render(records: u64, query: &PageQuery) -> Wire {
    render_page(
        &Window::new(records, query.offset, query.limit),
        query.shape,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(wire: &Wire) -> Value {
        serde_json::from_slice(&wire.body()).unwrap_or_default()
    }

    #[test]
    fn pages_hold_every_record_once_in_order() {
        for shape in [Shape::Wide, Shape::Small] {
            let all = pages(25, 10, shape);
            assert_eq!(all.len(), 3);
            let ids: Vec<u64> = all
                .iter()
                .flat_map(|p| {
                    let page = parse(p);
                    assert_eq!(page["total"], 25);
                    page["items"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|r| r["id"].as_u64())
                })
                .collect();
            assert_eq!(ids, (1..=25).collect::<Vec<_>>());
        }
    }

    #[test]
    fn wide_records_are_about_150_bytes() {
        let page = render_page(&Window::new(100_000, 50_000, 1000), Shape::Wide);
        let per_record = page.body().len() / 1000;
        assert!((130..=170).contains(&per_record), "{per_record}");
        assert_eq!(
            render_page(&Window::new(5, 0, 1), Shape::Small).body(),
            r#"{"items":[{"id":1,"name":"record-1","score":1}],"total":5,"offset":0,"limit":1}"#
        );
    }

    #[test]
    fn a_wire_page_is_a_whole_answer_whose_length_is_its_body() {
        let page = render_page(&Window::new(5, 0, 2), Shape::Small);
        let text = std::str::from_utf8(page.as_bytes()).unwrap_or_default();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert_eq!(body.as_bytes(), &page.body()[..]);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}", body.len())),
            "{head}"
        );
    }

    #[test]
    fn queries_parse_as_the_route_documents() {
        let q = PageQuery::parse("offset=20&limit=10&shape=small&x=1", 5);
        assert_eq!(
            q,
            Ok(PageQuery {
                offset: 20,
                limit: 10,
                shape: Shape::Small
            })
        );
        let q = PageQuery::parse("", 5).map(|q| (q.offset, q.limit, q.shape));
        assert_eq!(q, Ok((0, 5, Shape::Wide)));
        assert_eq!(
            PageQuery::parse("limit=0", 5).map(|q| q.limit),
            Ok(1),
            "limits are clamped like /offset's"
        );
        assert_eq!(
            PageQuery::parse("offset=x", 5),
            Err("offset: `x` is not a number".to_owned())
        );
        assert_eq!(
            PageQuery::parse("shape=tall", 5),
            Err("shape: `tall` is not one of wide, small".to_owned())
        );
    }

    #[test]
    fn only_aligned_offsets_inside_the_collection_are_stored() {
        let q = |offset| PageQuery {
            offset,
            limit: 10,
            shape: Shape::Wide,
        };
        assert_eq!(q(20).aligned_index(25), Some(2));
        assert_eq!(q(25).aligned_index(100), None);
        assert_eq!(q(30).aligned_index(25), None);
    }
}
