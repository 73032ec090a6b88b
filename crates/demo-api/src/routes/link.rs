//! Next-link styles: `/json-link`, `/json-link/absolute`, `/json-link/nested`, `/header-link`.

use axum::{
    Json,
    http::{HeaderName, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::page::PageRequest;
use crate::{error::ApiError, pages::JsonObject, params::Ctx};

/// `GET /json-link` → `{"data", "next": relative link | null}`.
pub(crate) async fn json_link(ctx: Ctx) -> Result<JsonObject, ApiError> {
    let request = PageRequest::one_based(&ctx)?;
    Ok(JsonObject::new()
        .field("data", &request.window.items())
        .field("next", &request.next_link("/json-link")))
}

/// `GET /json-link/absolute` → `{"data", "next": absolute link | null}`.
pub(crate) async fn json_link_absolute(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::one_based(&ctx)?;
    let next = request
        .next_link("/json-link/absolute")
        .map(|link| format!("{}{link}", ctx.base_url));
    Ok(Json(
        json!({ "data": request.window.items(), "next": next }),
    ))
}

/// `GET /json-link/nested` → `{"results": {"posts"}, "pagination": {"next", "total"}}`.
pub(crate) async fn json_link_nested(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::one_based(&ctx)?;
    Ok(Json(json!({
        "results": { "posts": request.window.items() },
        "pagination": {
            "next": request.next_link("/json-link/nested"),
            "total": request.window.total,
        },
    })))
}

/// `GET /header-link` → bare array; `Link` header with `rel="next"` (not on the
/// last page) and `rel="last"`, plus `X-Total-Count`.
pub(crate) async fn header_link(ctx: Ctx) -> Result<Response, ApiError> {
    const PATH: &str = "/header-link";
    let request = PageRequest::one_based(&ctx)?;
    let base = &ctx.base_url;
    let mut links = Vec::with_capacity(2);
    if let Some(next) = request.next_link(PATH) {
        links.push(format!("<{base}{next}>; rel=\"next\""));
    }
    let last = request.link(PATH, request.total_pages().max(1));
    links.push(format!("<{base}{last}>; rel=\"last\""));
    let link = HeaderValue::try_from(links.join(", "))
        .map_err(|_| ApiError::bad_request("invalid Host header"))?;
    let headers = [
        (header::LINK, link),
        (
            HeaderName::from_static("x-total-count"),
            HeaderValue::from(request.window.total),
        ),
    ];
    Ok((headers, Json(request.window.items())).into_response())
}
