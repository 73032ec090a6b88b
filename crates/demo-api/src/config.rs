//! Server configuration.

use std::time::Duration;

use crate::faults::Faults;
use crate::ratelimit::RateLimit;
use crate::routes::TrackerConfig;

/// Configuration of a [`DemoServer`](crate::DemoServer).
///
/// The server exposes `records` deterministic records (ids `1..=records`, see
/// [`record`](crate::record)), pages of `page_size` records when a request does
/// not say otherwise, and waits `latency` before handling every request. `faults` injects
/// errors into the paginated routes (all off by default; see [`Faults`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Number of records served by every paginated route (ids `1..=records`). Default 100.
    pub records: u64,
    /// Page size used when a request gives none (clamped to `1..=10_000`). Default 10.
    pub page_size: u64,
    /// Artificial delay applied to every request before it is handled. Default zero.
    pub latency: Duration,
    /// A random extra delay in `[0, latency_jitter)` added to each request (from a seeded
    /// generator, so runs repeat), to shuffle the order in which concurrent responses finish.
    /// Default zero.
    pub latency_jitter: Duration,
    /// Injected faults (503, 429, bodies cut short, stalls, resets, malformed JSON, HTML, empty
    /// 204s). Default: none.
    pub faults: Faults,
    /// The credentials the `/auth/...` routes and `POST /oauth/token` accept.
    /// Default [`DemoCredentials::default`].
    pub credentials: DemoCredentials,
    /// Lifetime in seconds of the access tokens issued by `POST /oauth/token` (the
    /// `expires_in` of the token response; `0` gives tokens that are already expired).
    /// Default 3600.
    pub token_expires_in: u64,
    /// The size of the tracker API's data (`/tracker`, `/github`, `/pokeapi`).
    /// Default [`TrackerConfig::default`].
    pub tracker: TrackerConfig,
    /// The rate-limited mode: a budget of requests per window on the paginated routes, shared
    /// by every connection, advertised in a header style, 429 past it. Default `None` (off).
    pub rate_limit: Option<RateLimit>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            records: 100,
            page_size: 10,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            faults: Faults::default(),
            credentials: DemoCredentials::default(),
            token_expires_in: 3600,
            tracker: TrackerConfig::default(),
            rate_limit: None,
        }
    }
}

/// The credentials accepted by the auth-protected routes (see the crate docs).
///
/// | field | default | used by |
/// |---|---|---|
/// | `bearer_token` | `demo-bearer-token` | `/auth/bearer/...` |
/// | `api_key` | `demo-api-key` | `/auth/api-key/{header,query,cookie}/...` |
/// | `username`, `password` | `demo-user`, `demo-password` | `/auth/basic/...` |
/// | `client_id`, `client_secret` | `demo-client`, `demo-client-secret` | `POST /oauth/token` |
/// | `account_id` | `demo-account` | `POST /oauth/token` with `grant_type=account_credentials` |
///
/// `Debug` masks every value but the user name and client id.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoCredentials {
    /// The token `/auth/bearer/...` expects after `Bearer `.
    pub bearer_token: String,
    /// The key `/auth/api-key/...` expects (header `X-API-Key`, query or cookie `api_key`).
    pub api_key: String,
    /// The user name of `/auth/basic/...`.
    pub username: String,
    /// The password of `/auth/basic/...`.
    pub password: String,
    /// The OAuth2 client id accepted by `POST /oauth/token`.
    pub client_id: String,
    /// The OAuth2 client secret accepted by `POST /oauth/token`.
    pub client_secret: String,
    /// The `account_id` the Zoom-style `account_credentials` grant must send.
    pub account_id: String,
}

impl Default for DemoCredentials {
    fn default() -> Self {
        Self {
            bearer_token: "demo-bearer-token".into(),
            api_key: "demo-api-key".into(),
            username: "demo-user".into(),
            password: "demo-password".into(),
            client_id: "demo-client".into(),
            client_secret: "demo-client-secret".into(),
            account_id: "demo-account".into(),
        }
    }
}

impl std::fmt::Debug for DemoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoCredentials")
            .field("bearer_token", &"***")
            .field("api_key", &"***")
            .field("username", &self.username)
            .field("password", &"***")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("account_id", &self.account_id)
            .finish()
    }
}
