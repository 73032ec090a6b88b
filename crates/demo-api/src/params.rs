//! Request parameters (query string, or JSON body for POST) and the request context extractor.

use axum::{
    body::to_bytes,
    extract::{FromRequest, Request},
    http::{Method, header},
};
use serde_json::{Map, Value};

use crate::{error::ApiError, log::MAX_BODY, pages::clamp_size, state::AppState};

/// Everything a paginated handler needs from a request.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The request parameters.
    pub(crate) params: Params,
    /// `http://{host}` for absolute links.
    pub(crate) base_url: String,
    /// The server state.
    pub(crate) state: AppState,
}

impl Ctx {
    /// A page-size parameter (clamped), or the configured default.
    pub(crate) fn size(&self, name: &str) -> Result<u64, ApiError> {
        Ok(self
            .params
            .u64(name)?
            .map_or(self.state.page_size, clamp_size))
    }
}

impl FromRequest<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let authority = parts
            .uri
            .authority()
            .map(|authority| authority.as_str().to_owned())
            .or_else(|| {
                parts
                    .headers
                    .get(header::HOST)
                    .and_then(|host| host.to_str().ok())
                    .filter(|host| !host.is_empty())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| state.addr.to_string());
        let body = if parts.method == Method::POST {
            to_bytes(body, MAX_BODY)
                .await
                .map_err(|_| ApiError::bad_request("unreadable request body"))?
        } else {
            Default::default()
        };
        Ok(Self {
            params: Params::parse(parts.uri.query(), &body)?,
            base_url: format!("http://{authority}"),
            state: state.clone(),
        })
    }
}

/// Named parameters: the JSON object body (if any) takes precedence over the query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    query: Vec<(String, String)>,
    body: Map<String, Value>,
}

impl Params {
    /// Parses a raw query string and an optional JSON object body (empty = none).
    pub(crate) fn parse(query: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        let query = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice(body) {
                Ok(Value::Object(map)) => map,
                _ => return Err(ApiError::bad_request("request body must be a JSON object")),
            }
        };
        Ok(Self { query, body })
    }

    /// Whether the parameter was given (a JSON `null` counts as absent).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.body.get(name).is_some_and(|value| !value.is_null())
            || self.query.iter().any(|(key, _)| key == name)
    }

    /// A non-negative integer parameter; 400 when it is not one.
    pub(crate) fn u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        let invalid = || {
            ApiError::bad_request(format!(
                "invalid value for '{name}': expected a non-negative integer"
            ))
        };
        match self.body.get(name) {
            Some(Value::Null) | None => {}
            Some(Value::Number(number)) => return number.as_u64().map(Some).ok_or_else(invalid),
            Some(Value::String(text)) => {
                return text.trim().parse().map(Some).map_err(|_| invalid());
            }
            Some(_) => return Err(invalid()),
        }
        self.query_value(name)
            .map(|text| text.trim().parse().map_err(|_| invalid()))
            .transpose()
    }

    /// A string parameter; `Err(())` when the body holds a non-string for it.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, ()> {
        match self.body.get(name) {
            Some(Value::Null) | None => Ok(self.query_value(name).map(str::to_owned)),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(()),
        }
    }

    /// The first query value called `name`.
    fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_wins_over_query() -> Result<(), ApiError> {
        let params = Params::parse(Some("offset=5&limit=7"), br#"{"offset": "3"}"#)?;
        assert_eq!(params.u64("offset")?, Some(3));
        assert_eq!(params.u64("limit")?, Some(7));
        assert_eq!(params.u64("page")?, None);
        Ok(())
    }

    #[test]
    fn rejects_bad_values() -> Result<(), ApiError> {
        assert!(
            Params::parse(Some("offset=abc"), b"")?
                .u64("offset")
                .is_err()
        );
        assert!(
            Params::parse(Some("offset=-1"), b"")?
                .u64("offset")
                .is_err()
        );
        assert!(
            Params::parse(None, br#"{"offset": -1}"#)?
                .u64("offset")
                .is_err()
        );
        assert!(
            Params::parse(None, br#"{"offset": [1]}"#)?
                .u64("offset")
                .is_err()
        );
        assert!(Params::parse(None, b"[1]").is_err());
        assert!(Params::parse(None, b"{").is_err());
        Ok(())
    }

    #[test]
    fn null_is_absent() -> Result<(), ApiError> {
        let params = Params::parse(Some("cursor=q"), br#"{"cursor": null, "limit": null}"#)?;
        assert_eq!(params.string("cursor"), Ok(Some("q".to_owned())));
        assert_eq!(params.u64("limit")?, None);
        assert!(!params.has("limit"));
        Ok(())
    }
}
