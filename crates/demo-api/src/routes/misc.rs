//! Non-paginated helpers: `/posts/{id}`, `/single`, `/echo`, `/status/{code}`,
//! `/redirect` and the JSON 404 fallback.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{error::ApiError, pages::Window, params::Ctx, state::AppState};

/// `GET /posts/{id}` → the record, or 404 `{"error": "not found"}`.
pub(crate) async fn post_by_id(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = id
        .ok()
        .and_then(|Path(id)| id.parse::<u64>().ok())
        .filter(|id| (1..=state.records).contains(id))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(crate::record(id)))
}

/// `GET /single` → `{"data": [first page]}`.
pub(crate) async fn single(State(state): State<AppState>) -> Json<Value> {
    let window = Window::new(state.records, 0, state.page_size);
    Json(json!({ "data": window.items() }))
}

/// Decodes `application/x-www-form-urlencoded` text into ordered pairs.
fn pairs(encoded: &[u8]) -> Value {
    form_urlencoded::parse(encoded)
        .map(|(key, value)| json!([key, value]))
        .collect()
}

/// `ANY /echo[/...]` → a JSON description of the request.
pub(crate) async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Json<Value> {
    let mut header_object = Map::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        match header_object.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                header_object.insert(name.as_str().to_owned(), Value::String(value.into_owned()));
            }
        }
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": pairs(uri.query().unwrap_or_default().as_bytes()),
        "headers": header_object,
        "json": serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
        "form": if is_form { pairs(&body) } else { Value::Null },
        "body": String::from_utf8_lossy(&body),
    }))
}

/// `ANY /status/{code}` → that status with `{"status": code}`; 400 outside `100..=599`.
///
/// hyper cannot send a 1xx code as a final response: clients see 500 instead
/// (except 101, which is sent as-is).
pub(crate) async fn status(
    code: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let status = code
        .ok()
        .and_then(|Path(code)| code.parse::<u16>().ok())
        .filter(|code| (100..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| ApiError::bad_request("status code must be an integer in 100..=599"))?;
    Ok((status, Json(json!({ "status": status.as_u16() }))).into_response())
}

/// `GET /redirect?to=URL&status=302` → that 3xx status with `Location: URL`.
pub(crate) async fn redirect(ctx: Ctx) -> Result<Response, ApiError> {
    let to = ctx
        .params
        .string("to")
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::bad_request("missing 'to' parameter"))?;
    let code = ctx.params.u64("status")?.unwrap_or(302);
    let status = u16::try_from(code)
        .ok()
        .filter(|code| (300..=399).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| ApiError::bad_request("redirect status must be in 300..=399"))?;
    let location = HeaderValue::try_from(to.as_str())
        .map_err(|_| ApiError::bad_request("'to' is not a valid header value"))?;
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(json!({ "status": status.as_u16(), "location": to })),
    )
        .into_response())
}

/// Fallback for unknown paths: 404 `{"error": "not found"}`.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}
