//! Auth-protected routes (`/auth/{kind}/...`) and the OAuth2 token endpoint
//! (`POST /oauth/token`).
//!
//! Every kind serves the same sub-routes, only with the right credentials; anything
//! else answers `401 {"error": "..."}` with a `WWW-Authenticate` header.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher},
    sync::{
        Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, get, post},
};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::{Value, json};

use super::{misc, offset};
use crate::{
    config::{DemoConfig, DemoCredentials},
    error::ApiError,
    pages::Window,
    params::Ctx,
    state::AppState,
};

/// The header `/auth/api-key/header/...` reads.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// The query parameter and cookie name `/auth/api-key/{query,cookie}/...` read.
pub(crate) const API_KEY_PARAM: &str = "api_key";

/// Credentials, issued tokens and counters of one server.
#[derive(Debug)]
pub(crate) struct AuthState {
    credentials: DemoCredentials,
    /// `expires_in` of the next tokens, in seconds.
    expires_in: AtomicU64,
    /// Valid tokens and when each expires.
    tokens: Mutex<HashMap<String, Instant>>,
    /// How many tokens were issued.
    issued: AtomicU64,
}

impl AuthState {
    pub(crate) fn new(config: &DemoConfig) -> Self {
        Self {
            credentials: config.credentials.clone(),
            expires_in: AtomicU64::new(config.token_expires_in),
            tokens: Mutex::new(HashMap::new()),
            issued: AtomicU64::new(0),
        }
    }

    /// Locks the token table; it is only inserted into or cleared, so a poisoned lock is fine.
    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of tokens issued so far.
    pub(crate) fn issued(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
    }

    /// Makes every token issued so far invalid.
    pub(crate) fn revoke(&self) {
        self.tokens().clear();
    }

    /// Sets the lifetime of the tokens issued from now on.
    pub(crate) fn set_expires_in(&self, seconds: u64) {
        self.expires_in.store(seconds, Ordering::SeqCst);
    }

    /// Issues a fresh token; returns it and its lifetime in seconds.
    fn issue(&self) -> (String, u64) {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let token = format!("demo-access-{n}-{random:016x}");
        let expires_in = self.expires_in.load(Ordering::SeqCst);
        let expires_at = Instant::now() + Duration::from_secs(expires_in);
        self.tokens().insert(token.clone(), expires_at);
        (token, expires_in)
    }

    /// Why `token` is not accepted, or `None` when it is.
    fn check_token(&self, token: &str) -> Option<&'static str> {
        match self.tokens().get(token) {
            None => Some("invalid or revoked access token"),
            Some(expires_at) if Instant::now() >= *expires_at => Some("access token expired"),
            Some(_) => None,
        }
    }
}

/// The kinds of credentials the protected routes check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bearer,
    ApiKeyHeader,
    ApiKeyQuery,
    ApiKeyCookie,
    Basic,
    OAuth2,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Bearer,
        Kind::ApiKeyHeader,
        Kind::ApiKeyQuery,
        Kind::ApiKeyCookie,
        Kind::Basic,
        Kind::OAuth2,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Bearer => "/auth/bearer",
            Kind::ApiKeyHeader => "/auth/api-key/header",
            Kind::ApiKeyQuery => "/auth/api-key/query",
            Kind::ApiKeyCookie => "/auth/api-key/cookie",
            Kind::Basic => "/auth/basic",
            Kind::OAuth2 => "/auth/oauth2",
        }
    }

    fn challenge(self) -> &'static str {
        match self {
            Kind::Bearer | Kind::OAuth2 => "Bearer realm=\"demo\"",
            Kind::Basic => "Basic realm=\"demo\"",
            Kind::ApiKeyHeader | Kind::ApiKeyQuery | Kind::ApiKeyCookie => "ApiKey realm=\"demo\"",
        }
    }
}

/// The protected routes of every kind, and the token endpoint.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new().route("/oauth/token", post(token));
    for kind in Kind::ALL {
        let protected = Router::new()
            .route("/offset", get(offset::offset))
            .route("/link", get(link))
            .route("/echo", any(misc::echo))
            .route("/redirect", get(misc::redirect))
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), kind),
                require,
            ));
        router = router.nest(kind.prefix(), protected);
    }
    router
}

/// `401 {"error": message}` with a `WWW-Authenticate` challenge.
fn unauthorized(kind: Kind, message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(kind.challenge()),
        )],
        Json(json!({ "error": message })),
    )
        .into_response()
}

/// Middleware: lets the request through only with the right credentials of `kind`.
async fn require(
    State((state, kind)): State<(AppState, Kind)>,
    request: Request,
    next: Next,
) -> Response {
    match check(&state, kind, request.headers(), request.uri()) {
        Ok(()) => next.run(request).await,
        Err(message) => unauthorized(kind, message),
    }
}

/// Checks the credentials of `kind`; the error is the message of the 401.
fn check(state: &AppState, kind: Kind, headers: &HeaderMap, uri: &Uri) -> Result<(), &'static str> {
    let creds = &state.auth.credentials;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let bearer = || {
        authorization
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("missing bearer token")
    };
    match kind {
        Kind::Bearer => (bearer()? == creds.bearer_token)
            .then_some(())
            .ok_or("invalid bearer token"),
        Kind::OAuth2 => state.auth.check_token(bearer()?).map_or(Ok(()), Err),
        Kind::Basic => {
            let (user, password) = authorization
                .and_then(decode_basic)
                .ok_or("missing basic credentials")?;
            (user == creds.username && password == creds.password)
                .then_some(())
                .ok_or("invalid user name or password")
        }
        Kind::ApiKeyHeader => {
            let key = headers
                .get(API_KEY_HEADER)
                .and_then(|v| v.to_str().ok())
                .ok_or("missing X-API-Key header")?;
            (key == creds.api_key)
                .then_some(())
                .ok_or("invalid API key")
        }
        Kind::ApiKeyQuery => {
            let key = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .find(|(k, _)| k == API_KEY_PARAM)
                .map(|(_, v)| v.into_owned())
                .ok_or("missing api_key query parameter")?;
            (key == creds.api_key)
                .then_some(())
                .ok_or("invalid API key")
        }
        Kind::ApiKeyCookie => {
            let key = headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(k, _)| *k == API_KEY_PARAM)
                .map(|(_, v)| v.to_owned())
                .ok_or("missing api_key cookie")?;
            (key == creds.api_key)
                .then_some(())
                .ok_or("invalid API key")
        }
    }
}

/// `Basic base64(user:password)` → `(user, password)`.
fn decode_basic(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = BASE64_STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `GET /auth/{kind}/link?next=URL` → `{"data": first page, "next": URL | null}`.
async fn link(ctx: Ctx) -> Json<Value> {
    let window = Window::new(ctx.state.records, 0, ctx.state.page_size);
    let next = ctx.params.string("next").ok().flatten();
    Json(json!({ "data": window.items(), "next": next }))
}

/// An OAuth2 error answer (`{"error": code}`).
fn oauth_error(status: StatusCode, code: &str) -> Response {
    ApiError::new(status, code).into_response()
}

/// `POST /oauth/token`: the client credentials grant (client_secret_post or
/// client_secret_basic) and Zoom's `account_credentials` grant.
async fn token(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: HashMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if query.get("fault").map(String::as_str) == Some("server_error") {
        return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let creds = &state.auth.credentials;
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| decode_basic(v).ok_or(()));
    let (client_id, client_secret) = match (basic, form.get("client_secret")) {
        (Some(_), Some(_)) => {
            // RFC 6749 §2.3: a client must not use more than one authentication method.
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        }
        (Some(Ok((id, secret))), None) => (id, secret),
        (Some(Err(())), None) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
        (None, Some(secret)) => (
            form.get("client_id").cloned().unwrap_or_default(),
            secret.clone(),
        ),
        (None, None) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
    };
    if client_id != creds.client_id || client_secret != creds.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some("account_credentials") => {
            if form.get("account_id") != Some(&creds.account_id) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
        }
        Some(_) => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request"),
    }
    if query.get("fault").map(String::as_str) == Some("no_access_token") {
        return Json(json!({ "token_type": "bearer", "expires_in": 3600 })).into_response();
    }
    let (token, expires_in) = state.auth.issue();
    let expires_in = if query.get("expires_in_format").map(String::as_str) == Some("string") {
        Value::String(expires_in.to_string())
    } else {
        Value::from(expires_in)
    };
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_credentials() {
        assert_eq!(
            decode_basic("Basic dXNlcjpwYXNzd29yZA=="),
            Some(("user".to_owned(), "password".to_owned()))
        );
        assert_eq!(decode_basic("Basic !!!"), None);
        assert_eq!(decode_basic("Bearer dXNlcjpwYXNzd29yZA=="), None);
    }

    #[test]
    fn tokens_expire_and_are_revoked() {
        let state = AuthState::new(&DemoConfig {
            token_expires_in: 0,
            ..DemoConfig::default()
        });
        let (expired, _) = state.issue();
        assert_eq!(state.check_token(&expired), Some("access token expired"));
        state.set_expires_in(3600);
        let (fresh, lifetime) = state.issue();
        assert_eq!(lifetime, 3600);
        assert_eq!(state.check_token(&fresh), None);
        assert_eq!(state.issued(), 2);
        state.revoke();
        assert_eq!(
            state.check_token(&fresh),
            Some("invalid or revoked access token")
        );
        assert_eq!(
            state.check_token("made-up"),
            Some("invalid or revoked access token")
        );
    }
}
