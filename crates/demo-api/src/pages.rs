//! The records and the page-slicing logic shared by every pagination style.

use serde_json::{Value, json};

/// Largest page size any request may ask for; larger values are clamped.
pub(crate) const MAX_PAGE_SIZE: u64 = 10_000;

/// The deterministic record with the given id:
/// `{"id": id, "name": "record-<id>", "score": id % 97}`.
///
/// Every paginated route serves `record(1)..=record(records)` in order.
pub fn record(id: u64) -> Value {
    json!({ "id": id, "name": format!("record-{id}"), "score": id % 97 })
}

/// Clamps a requested page size to `1..=MAX_PAGE_SIZE`.
pub(crate) fn clamp_size(size: u64) -> u64 {
    size.clamp(1, MAX_PAGE_SIZE)
}

/// Number of pages of `size` records needed for `total` records.
pub(crate) fn total_pages(total: u64, size: u64) -> u64 {
    total.div_ceil(size.max(1))
}

/// The records `start+1 ..= start+len` (0-based offset `start`) out of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Number of records in the whole collection.
    pub(crate) total: u64,
    /// 0-based offset of the first record of the window.
    pub(crate) start: u64,
    /// Requested length (already clamped); the window may hold fewer records.
    pub(crate) len: u64,
}

impl Window {
    /// The window at offset `start` of `len` records (`len` is clamped).
    pub(crate) fn new(total: u64, start: u64, len: u64) -> Self {
        Self {
            total,
            start,
            len: clamp_size(len),
        }
    }

    /// The 0-based page `index` of `size` records.
    pub(crate) fn page(total: u64, index: u64, size: u64) -> Self {
        let size = clamp_size(size);
        Self::new(total, index.saturating_mul(size), size)
    }

    /// Offset just past the window (the start of the next one).
    pub(crate) fn next_start(&self) -> u64 {
        self.start.saturating_add(self.len)
    }

    /// Whether records remain after this window.
    pub(crate) fn has_more(&self) -> bool {
        self.next_start() < self.total
    }

    /// The records in the window (empty past the end), serialised straight to JSON without
    /// building a `Value` per record: the server must not be the bottleneck of a benchmark.
    pub(crate) fn items(&self) -> Items {
        Items {
            first: self.start.saturating_add(1),
            last: self.next_start().min(self.total),
        }
    }
}

/// The records `first..=last` as a JSON array (see [`record`] for their shape).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Items {
    first: u64,
    last: u64,
}

impl Items {
    /// The ids in the window.
    pub(crate) fn ids(&self) -> std::ops::RangeInclusive<u64> {
        self.first..=self.last
    }
}

impl serde::Serialize for Items {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let len = usize::try_from(self.last.saturating_add(1).saturating_sub(self.first)).ok();
        let mut seq = serializer.serialize_seq(len)?;
        for id in self.ids() {
            seq.serialize_element(&Record(id))?;
        }
        seq.end()
    }
}

/// One record, serialised as `{"id": id, "name": "record-<id>", "score": id % 97}`.
struct Record(u64);

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Name(u64);
        impl serde::Serialize for Name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&format_args!("record-{}", self.0))
            }
        }
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("id", &self.0)?;
        map.serialize_entry("name", &Name(self.0))?;
        map.serialize_entry("score", &(self.0 % 97))?;
        map.end()
    }
}

/// A JSON object written field by field straight into the response body, so that pages are
/// never built as `Value` trees first.
#[derive(Debug)]
pub(crate) struct JsonObject {
    buf: Vec<u8>,
}

impl JsonObject {
    pub(crate) fn new() -> Self {
        let mut buf = Vec::with_capacity(4096);
        buf.push(b'{');
        Self { buf }
    }

    /// Appends `"key": value`.
    pub(crate) fn field<T: serde::Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        if self.buf.len() > 1 {
            self.buf.push(b',');
        }
        // Writing to a Vec fails only for values whose Serialize impl fails; ours do not.
        if serde_json::to_writer(&mut self.buf, key).is_err() || {
            self.buf.push(b':');
            serde_json::to_writer(&mut self.buf, value).is_err()
        } {
            self.buf.extend_from_slice(b"null");
        }
        self
    }
}

impl axum::response::IntoResponse for JsonObject {
    fn into_response(mut self) -> axum::response::Response {
        self.buf.push(b'}');
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.buf,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(window: Window) -> Vec<u64> {
        let items = serde_json::to_value(window.items()).unwrap_or_default();
        let ids: Vec<u64> = items
            .as_array()
            .map(|a| a.iter().filter_map(|item| item["id"].as_u64()).collect())
            .unwrap_or_default();
        assert_eq!(ids, window.items().ids().collect::<Vec<_>>());
        ids
    }

    #[test]
    fn windows_slice_records() {
        assert_eq!(ids(Window::new(5, 0, 2)), [1, 2]);
        assert_eq!(ids(Window::new(5, 4, 2)), [5]);
        assert!(ids(Window::new(5, 5, 2)).is_empty());
        assert!(ids(Window::new(5, u64::MAX, 2)).is_empty());
        assert_eq!(ids(Window::page(5, 1, 2)), [3, 4]);
        assert!(ids(Window::page(5, u64::MAX, 10_000)).is_empty());
        assert!(Window::new(5, 0, 4).has_more());
        assert!(!Window::new(5, 0, 5).has_more());
        assert_eq!(Window::new(5, 0, 0).len, 1);
        assert_eq!(Window::new(5, 0, 1 << 40).len, MAX_PAGE_SIZE);
    }

    #[test]
    fn page_counts() {
        assert_eq!(total_pages(0, 10), 0);
        assert_eq!(total_pages(10, 10), 1);
        assert_eq!(total_pages(11, 10), 2);
    }

    #[test]
    fn record_shape() {
        assert_eq!(
            record(98),
            json!({"id": 98, "name": "record-98", "score": 1})
        );
        // The streaming serialiser writes exactly `record`.
        let streamed = serde_json::to_value(Window::new(100, 97, 1).items()).unwrap_or_default();
        assert_eq!(streamed, json!([record(98)]));
    }
}
