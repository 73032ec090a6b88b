//! Routes shaped like the examples of dlt's RESTClient guide, so that the Python package runs
//! those examples unchanged but for their URLs: `/json-link/pagination` (the guide's
//! `JSONLinkPaginator(next_url_path="pagination.next")` API) and `/body-cursor` (its
//! `PostBodyPaginator`, which sends the cursor in a JSON body and stops on an empty body).

use axum::{Json, body::Bytes, extract::State};
use serde_json::{Value, json};

use super::cursor::{decode_cursor, encode_cursor};
use super::page::PageRequest;
use crate::{error::ApiError, pages::Window, params::Ctx, params::Params, state::AppState};

/// `GET /json-link/pagination` → `{"data", "pagination": {"next": absolute link | null}}`.
pub(crate) async fn json_link_pagination(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::one_based(&ctx)?;
    let next = request
        .next_link("/json-link/pagination")
        .map(|link| format!("{}{link}", ctx.base_url));
    Ok(Json(json!({
        "data": request.window.items(),
        "pagination": { "next": next },
    })))
}

/// `ANY /body-cursor` with `{"cursor": C}` in a JSON body (any method, GET included; no body,
/// or a null cursor, is the first page) → `{"items", "next_page_cursor"}` with a cursor on
/// every page, the last one included, and `{}` for the cursor past the last page.
pub(crate) async fn body_cursor(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let invalid = || ApiError::bad_request("invalid cursor");
    let params = Params::parse(None, &body)?;
    let start = match params.string("cursor").map_err(|()| invalid())? {
        None => 0,
        Some(cursor) if cursor.is_empty() => 0,
        Some(cursor) => decode_cursor(&cursor).ok_or_else(invalid)?,
    };
    if start >= state.records {
        return Ok(Json(json!({})));
    }
    let window = Window::new(state.records, start, state.page_size);
    Ok(Json(json!({
        "items": window.items(),
        "next_page_cursor": encode_cursor(window.next_start()),
    })))
}
