//! `GET /bench/offset`: the benchmark's pre-rendered offset pages (see `crate::bench`) on the
//! demo server itself. `bench/run.py` uses the [`BenchListener`](crate::BenchListener)
//! instead, which serves the same pages without hyper and tokio.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::bench::{self, PageQuery};
use crate::error::ApiError;
use crate::state::AppState;

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
    let query = PageQuery::parse(query.as_deref().unwrap_or(""), state.page_size)
        .map_err(ApiError::bad_request)?;
    let records = state.records;
    let stored = match query.aligned_index(records) {
        None => None,
        Some(index) => {
            let (limit, shape) = (query.limit, query.shape);
            let all = match bench::rendered(records, limit, shape) {
                Some(all) => all,
                None => tokio::task::spawn_blocking(move || bench::pages(records, limit, shape))
                    .await
                    .map_err(|_| ApiError::bad_request("rendering failed"))?,
            };
            all.get(index).map(bench::Wire::body)
        }
    };
    let body = stored.unwrap_or_else(|| bench::render(records, &query).body());
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
