//! `/bench/offset`: offset pages served from memory, for the benchmark (`bench/run.py`).
//!
//! A benchmark of a client must not measure the server. `/offset` renders its JSON per request
//! on the same cores as the client; this route renders every page of a `(records, limit, shape)`
//! once, on the first request that asks for it, and from then on answers each aligned page
//! with a reference-counted copy of bytes already in memory. `bench/run.py` asks once before it
//! starts the clock, and prints the server's CPU share of every walk.
//!
//! Shapes (`shape=`): `wide` (default, about 150 bytes a record, strings, a float, a bool, an
//! array, an object: the size of the records of issue #24's rig) and `small` (the demo's own
//! `{"id","name","score"}`, about 40 bytes: many small fields per byte). Both are compact, as
//! most APIs send them.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use axum::extract::{RawQuery, State};

use crate::error::ApiError;
use crate::pages::{Window, clamp_size};
use crate::state::AppState;

/// The record shapes of the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    Wide,
    Small,
}

impl Shape {
    fn parse(text: Option<&str>) -> Result<Shape, ApiError> {
        match text {
            None | Some("wide") => Ok(Shape::Wide),
            Some("small") => Ok(Shape::Small),
            Some(other) => Err(ApiError::bad_request(format!(
                "shape: `{other}` is not one of wide, small"
            ))),
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

/// The pages of one `(records, limit, shape)`, rendered once.
type Pages = Arc<Vec<Bytes>>;

/// What a rendering is of: records, limit, shape.
type Key = (u64, u64, Shape);

/// Every rendering asked for so far. A benchmark asks for a handful.
static RENDERED: Mutex<Vec<(Key, Arc<OnceLock<Pages>>)>> = Mutex::new(Vec::new());

fn render_page(window: &Window, shape: Shape) -> Bytes {
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
    Bytes::from(out)
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
fn pages(records: u64, limit: u64, shape: Shape) -> Pages {
    Arc::clone(cell(records, limit, shape).get_or_init(|| {
        let count = records.div_ceil(limit);
        Arc::new(
            (0..count)
                .map(|i| render_page(&Window::page(records, i, limit), shape))
                .collect(),
        )
    }))
}

/// `GET /bench/offset?offset=O&limit=L&shape=S` → `{"items", "total", "offset", "limit"}`, as
/// `/offset`; aligned pages come from memory, others are rendered on the spot.
///
/// The route is outside the request log, faults and rate limits (the server must cost the
/// client's walk as little as it can); it applies the configured latency itself.
pub(crate) async fn offset(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let delay = state.next_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // The query alone (no `Ctx`): this route answers thousands of requests a second.
    let (mut offset, mut limit, mut shape) = (0, state.page_size, None);
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("{key}: `{value}` is not a number")))
        };
        match &*key {
            "offset" => offset = number()?,
            "limit" => limit = clamp_size(number()?),
            "shape" => shape = Some(value.into_owned()),
            _ => {}
        }
    }
    let shape = Shape::parse(shape.as_deref())?;
    let records = state.records;
    let body = if offset % limit == 0 && offset < records {
        let index = usize::try_from(offset / limit).unwrap_or(usize::MAX);
        let all = match cell(records, limit, shape).get() {
            Some(all) => Arc::clone(all),
            // Rendering a million records takes a moment: not on the async workers.
            None => tokio::task::spawn_blocking(move || pages(records, limit, shape))
                .await
                .map_err(|_| ApiError::bad_request("rendering failed"))?,
        };
        all.get(index).cloned().unwrap_or_default()
    } else {
        render_page(&Window::new(records, offset, limit), shape)
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(bytes: &Bytes) -> Value {
        serde_json::from_slice(bytes).unwrap_or_default()
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
        let per_record = page.len() / 1000;
        assert!((130..=170).contains(&per_record), "{per_record}");
        assert_eq!(
            render_page(&Window::new(5, 0, 1), Shape::Small),
            r#"{"items":[{"id":1,"name":"record-1","score":1}],"total":5,"offset":0,"limit":1}"#
        );
    }
}
