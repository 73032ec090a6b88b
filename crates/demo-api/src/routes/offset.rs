//! Offset/limit styles: `/offset`, `/offset/no-total`, `/offset/null-total`, `/offset/has-more`.

use axum::Json;
use serde_json::{Value, json};

use crate::{
    error::ApiError,
    pages::{JsonObject, Window},
    params::Ctx,
};

/// Reads `offset` (default 0) and `limit` (default: configured page size).
fn window(ctx: &Ctx) -> Result<Window, ApiError> {
    let offset = ctx.params.u64("offset")?.unwrap_or(0);
    let limit = ctx.size("limit")?;
    Ok(Window::new(ctx.state.records, offset, limit))
}

/// `GET|POST /offset` → `{"items", "total", "offset", "limit"}`.
pub(crate) async fn offset(ctx: Ctx) -> Result<JsonObject, ApiError> {
    let window = window(&ctx)?;
    Ok(JsonObject::new()
        .field("items", &window.items())
        .field("total", &window.total)
        .field("offset", &window.start)
        .field("limit", &window.len))
}

/// `GET /offset/no-total` → `{"items"}`.
pub(crate) async fn no_total(ctx: Ctx) -> Result<JsonObject, ApiError> {
    let window = window(&ctx)?;
    Ok(JsonObject::new().field("items", &window.items()))
}

/// `GET /offset/null-total` → `{"items", "total": null}`.
pub(crate) async fn null_total(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let window = window(&ctx)?;
    Ok(Json(json!({ "items": window.items(), "total": null })))
}

/// `GET /offset/has-more` → `{"items", "has_more"}`.
pub(crate) async fn has_more(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let window = window(&ctx)?;
    Ok(Json(
        json!({ "items": window.items(), "has_more": window.has_more() }),
    ))
}
