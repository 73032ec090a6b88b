//! A real HTTP server (axum) that speaks every pagination style of the
//! `restclient` crate, for integration tests, benchmarks and `restclient demo`.
//!
//! Start it in-process with [`DemoServer::start`] or [`DemoServer::builder`]; it
//! binds `127.0.0.1` on an ephemeral port and stops when the [`DemoServer`] is
//! dropped. Every request is recorded (see [`DemoServer::requests`]) before it is
//! handled, and [`DemoConfig::latency`] is applied to each one.
//!
//! # Data
//!
//! Paginated routes serve the records `record(1) ..= record(N)` in order, where
//! `N` is [`DemoConfig::records`] and [`record`] builds
//! `{"id": id, "name": "record-<id>", "score": id % 97}`.
//! Page sizes (`limit`, `page_size`) default to [`DemoConfig::page_size`] and are
//! clamped to `1..=10_000`. Malformed numbers and cursors answer
//! `400 {"error": "..."}`. Pages past the end are empty.
//!
//! # Routes
//!
//! | Route | Response |
//! |---|---|
//! | `GET\|POST /offset?offset=O&limit=L` | `{"items", "total", "offset", "limit"}` |
//! | `GET /offset/no-total` | `{"items"}` |
//! | `GET /offset/null-total` | `{"items", "total": null}` |
//! | `GET /offset/has-more` | `{"items", "has_more"}` |
//! | `GET /bench/offset?offset=O&limit=L&shape=wide\|small` | as `/offset`, pages rendered once and served from memory (for the benchmark) |
//! | `GET\|POST /page?page=P&page_size=S` (1-based) | `{"data", "page", "page_size", "total_pages", "total"}` |
//! | `GET /page0?page=P&page_size=S` (0-based) | same as `/page` |
//! | `GET /page/no-total` (1-based) | `{"data"}` |
//! | `GET /posts?page=P&page_size=S` (1-based) | bare array of records |
//! | `GET /json-link?page=P&page_size=S` | `{"data", "next": "/json-link?page=P+1[&page_size=S]" \| null}` |
//! | `GET /json-link/absolute` | same, `next` is `http://{host}/json-link/absolute?...` |
//! | `GET /json-link/nested` | `{"results": {"posts"}, "pagination": {"next", "total"}}` |
//! | `GET /json-link/pagination` | `{"data", "pagination": {"next": absolute link \| null}}` |
//! | `GET /header-link?page=P&page_size=S` | bare array; `Link: <..>; rel="next", <..>; rel="last"`, `X-Total-Count` |
//! | `GET /cursor?cursor=C&limit=L` | `{"items", "cursors": {"next": C2 \| null}}` |
//! | `GET /cursor/has-more` | `{"items", "next_cursor" (always set), "has_more"}` |
//! | `GET /header-cursor?cursor=C&limit=L` | bare array; `next: C2` header except on the last page |
//! | `POST /search` `{"query", "cursor", "limit"}` | `{"results", "next_page_cursor": C2 \| null}` |
//! | `ANY /body-cursor` `{"cursor"}` (GET too) | `{"items", "next_page_cursor": C2}` on every page; `{}` past the last |
//! | `GET /posts/{id}` | the record, or `404 {"error": "not found"}` |
//! | `GET /single` | `{"data": [first page]}` |
//! | `ANY /echo`, `ANY /echo/{*rest}` | `{"method", "path", "query", "headers", "json", "form", "body"}` |
//! | `ANY /status/{code}` | that status with `{"status": code}` (`100..=599`, else 400; hyper turns 1xx other than 101 into 500) |
//! | `GET /redirect?to=URL&status=302` | that 3xx status with `Location: URL` |
//! | `GET /` | this list as JSON ([`ROUTES`]), each paginated route with the restclient `--paginator` and `--data-selector` that walk it |
//!
//! # Faults
//!
//! [`Faults`] (in [`DemoConfig::faults`], or the builder's `unavailable_every`,
//! `rate_limit_every`, `truncate_every`, `stall_every`, `reset_every`, `malformed_json_every`,
//! `html_every` and `empty_204_every`) make every k-th request to a paginated route answer 503,
//! answer 429 with `Retry-After`, send its body cut short, stall before answering, close the
//! connection without an answer, answer 200 with JSON cut off, answer 200 with an HTML page, or
//! answer 204 without a body. Requests are counted, never drawn at random, so tests are exact.
//!
//! The POST variants of `/offset` and `/page` read their parameters from a JSON
//! object body (`{"offset": 0, "limit": 10}`, `{"page": 2, "page_size": 10}`);
//! query parameters are used for anything the body does not set. Cursors are
//! opaque; a missing, `null` or empty cursor means the first page. Absolute links
//! are built from the request's `Host` header. Unknown paths answer
//! `404 {"error": "not found"}`.
//!
//! # Rate-limited mode
//!
//! With [`DemoConfig::rate_limit`] (or the builder's `rate_limit`), the paginated routes and the tracker API accept
//! a budget of requests per window, shared by every connection, and answer
//! `429 {"error": "rate limit exceeded"}` past it. Every answer advertises the budget in the
//! chosen [`RateLimitStyle`] (IETF separate or structured fields, `X-RateLimit-*` with an epoch
//! or a delta reset, `Retry-After` on the 429s only, or nothing). [`DemoServer::rate_limit_log`]
//! tells when each request was counted and which got a 429.
//!
//! # Auth-protected routes
//!
//! Each prefix below serves `GET /offset` (the offset style with a total, as above),
//! `GET /link?next=URL` (`{"data": first page, "next": URL}`, to point a next link
//! anywhere), `ANY /echo` and `GET /redirect?to=URL&status=302`, but only with the
//! right credentials ([`DemoConfig::credentials`], defaults in [`DemoCredentials`]);
//! otherwise `401 {"error": "..."}` with a `WWW-Authenticate` header.
//!
//! | Prefix | Credentials |
//! |---|---|
//! | `/auth/bearer` | `Authorization: Bearer <bearer_token>` |
//! | `/auth/api-key/header` | `X-API-Key: <api_key>` |
//! | `/auth/api-key/query` | query parameter `api_key=<api_key>` |
//! | `/auth/api-key/cookie` | cookie `api_key=<api_key>` (other cookies may come along) |
//! | `/auth/basic` | `Authorization: Basic base64(<username>:<password>)` |
//! | `/auth/oauth2` | `Authorization: Bearer <token>` with a token from `POST /oauth/token` that has neither expired nor been revoked |
//!
//! `POST /oauth/token` takes a form body and answers
//! `{"access_token", "token_type": "bearer", "expires_in"}` with a fresh token that lives
//! [`DemoConfig::token_expires_in`] seconds (default 3600; see also
//! [`DemoServer::set_token_expires_in`], [`DemoServer::revoke_tokens`] and
//! [`DemoServer::tokens_issued`]). The client authenticates with `client_id` and
//! `client_secret` form fields (client_secret_post) or a `Basic` header
//! (client_secret_basic), not both. Grants: `grant_type=client_credentials`, and Zoom's
//! `grant_type=account_credentials` with `account_id=<account_id>`. Errors, as OAuth2 words
//! them: `401 {"error": "invalid_client"}` for wrong or missing client credentials,
//! `400` with `invalid_request`, `invalid_grant` or `unsupported_grant_type`. Query
//! parameters of the token URL inject faults: `fault=server_error` answers 503,
//! `fault=no_access_token` answers 200 without `access_token`, and
//! `expires_in_format=string` sends `expires_in` as a string (`"3600"`).
//!
//! # Tracker API
//!
//! A small parent/child API for `restclient run` (dlt `rest_api` configs): projects → issues →
//! comments, plus users and events, sized by [`DemoConfig::tracker`] ([`TrackerConfig`];
//! default 5 projects × 30 issues × 0–5 comments). Data is a pure function of the sizes and a
//! *generation*: [`DemoServer::advance_tracker`] or `POST /tracker/_advance` moves it on (about
//! a quarter of the issues get a later `updated_at`, each project gets new issues), so a
//! second incremental run has exactly something new to find. Timestamps are RFC 3339 written
//! with `Z`, `+05:30` or `-08:00`, so their text order is not their time order.
//!
//! | Route | Response |
//! |---|---|
//! | `GET /tracker/projects?page=P&page_size=S` | `{"projects", "page", "page_size", "total_pages", "total"}` |
//! | `GET /tracker/projects/{id}` | the project, or 404 |
//! | `GET /tracker/projects/{id}/issues?page&per_page&state&since&sort&direction` | bare array; `Link` (`next`, `last`) keeping the filters, `X-Total-Count` |
//! | `GET /tracker/issues?...` | the same over every project |
//! | `GET /tracker/projects/{id}/issues/{number}` | the issue, or 404 |
//! | `GET /tracker/projects/{id}/issues/{number}/comments?offset=O&limit=L` | `{"items", "total", "offset", "limit"}`; `404 {"error": "issue deleted"}` for issues with `"deleted": true` |
//! | `GET /tracker/users?cursor=C&limit=L` | `{"users", "next_cursor": C2 \| null}` |
//! | `GET /tracker/events?offset=O&limit=L` | `{"events", "total", "offset", "limit"}` |
//! | `POST /tracker/_advance` | `{"generation": g}` |
//! | `GET /github/repos/{owner}/{repo}/issues` | project 1's issues GitHub-shaped (default `state=open`, `direction=desc`) |
//! | `GET /github/repos/{owner}/{repo}/issues/{number}/comments?page&per_page` | bare array with `Link` |
//! | `GET /pokeapi/api/v2/{pokemon,berry,location}?offset&limit` | `{"count", "next": absolute URL \| null, "previous", "results": [{"name", "url"}]}` |
//! | `GET /pokeapi/api/v2/{kind}/{name}` | the entity, or 404 |
//!
//! Issue lists filter on `since` by instant (updated at or after it), `state`
//! (`open|closed|all`; default `all` under `/tracker`), and sort by `created` or `updated`,
//! `asc` (default under `/tracker`) or `desc`.

mod bench;
mod config;
mod error;
mod faults;
mod log;
mod pages;
mod params;
mod ratelimit;
mod routes;
mod server;
mod state;

pub use bench::BenchListener;
pub use config::{DemoConfig, DemoCredentials};
pub use faults::{FAULTED_PATHS, Faults, HTML_PAGE, MALFORMED_JSON};
pub use log::RecordedRequest;
pub use pages::record;
pub use ratelimit::{RateLimit, RateLimitLog, RateLimitStyle};
pub use routes::{ROUTES, Route, TrackerConfig};
pub use server::{BackgroundServer, DemoServer, DemoServerBuilder};
