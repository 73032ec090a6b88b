//! Cursor styles: `/cursor`, `/cursor/has-more`, `/header-cursor`, `POST /search`.

use axum::{
    Json,
    http::{HeaderName, HeaderValue},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    error::ApiError,
    pages::{JsonObject, Window},
    params::Ctx,
};

/// Scrambles offsets so cursors are opaque rather than obviously numeric.
const CURSOR_KEY: u64 = 0x5eed_c0de;

/// The opaque cursor pointing at 0-based `offset`: `c<lower-hex(offset ^ key)>z`.
pub(super) fn encode_cursor(offset: u64) -> String {
    format!("c{:x}z", offset ^ CURSOR_KEY)
}

/// Decodes a cursor made by [`encode_cursor`]; `None` when it is not one.
pub(super) fn decode_cursor(cursor: &str) -> Option<u64> {
    let hex = cursor.strip_prefix('c')?.strip_suffix('z')?;
    let canonical = !hex.is_empty()
        && hex
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !canonical {
        return None;
    }
    u64::from_str_radix(hex, 16)
        .ok()
        .map(|value| value ^ CURSOR_KEY)
}

/// Reads `cursor` (absent, null or empty = first page) and `limit`.
fn window(ctx: &Ctx) -> Result<Window, ApiError> {
    let invalid = || ApiError::bad_request("invalid cursor");
    let start = match ctx.params.string("cursor").map_err(|()| invalid())? {
        None => 0,
        Some(cursor) if cursor.is_empty() => 0,
        Some(cursor) => decode_cursor(&cursor).ok_or_else(invalid)?,
    };
    Ok(Window::new(ctx.state.records, start, ctx.size("limit")?))
}

/// The cursor of the next page, or `None` on the last page.
fn next_cursor(window: &Window) -> Option<String> {
    window
        .has_more()
        .then(|| encode_cursor(window.next_start()))
}

/// `GET /cursor` → `{"items", "cursors": {"next": cursor | null}}`.
pub(crate) async fn cursor(ctx: Ctx) -> Result<JsonObject, ApiError> {
    let window = window(&ctx)?;
    Ok(JsonObject::new()
        .field("items", &window.items())
        .field("cursors", &json!({ "next": next_cursor(&window) })))
}

/// `GET /cursor/has-more` → `{"items", "next_cursor" (always), "has_more"}`.
pub(crate) async fn has_more(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let window = window(&ctx)?;
    Ok(Json(json!({
        "items": window.items(),
        "next_cursor": encode_cursor(window.next_start()),
        "has_more": window.has_more(),
    })))
}

/// `GET /header-cursor` → bare array; `next: <cursor>` header except on the last page.
pub(crate) async fn header_cursor(ctx: Ctx) -> Result<Response, ApiError> {
    let window = window(&ctx)?;
    let body = Json(window.items());
    Ok(match next_cursor(&window) {
        Some(next) => {
            // A cursor is ASCII letters and digits, always a valid header value.
            let value =
                HeaderValue::try_from(next).map_err(|_| ApiError::bad_request("invalid cursor"))?;
            ([(HeaderName::from_static("next"), value)], body).into_response()
        }
        None => body.into_response(),
    })
}

/// `POST /search` with `{"query", "cursor", "limit"}` → `{"results", "next_page_cursor"}`.
pub(crate) async fn search(ctx: Ctx) -> Result<JsonObject, ApiError> {
    let window = window(&ctx)?;
    Ok(JsonObject::new()
        .field("results", &window.items())
        .field("next_page_cursor", &next_cursor(&window)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for offset in [0, 1, 10, 99, 1 << 40, u64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(offset)), Some(offset));
        }
        assert_ne!(encode_cursor(10), "ca");
    }

    #[test]
    fn rejects_foreign_cursors() {
        for bad in [
            "",
            "c",
            "cz",
            "10",
            "c10",
            "10z",
            "cXz",
            "c+1z",
            "cABz",
            "c11111111111111111z",
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
