//! The route table. Each submodule implements one family of pagination styles.

mod auth;
mod bench;
mod cursor;
mod docs;
mod index;
mod link;
mod misc;
mod offset;
mod page;
mod tracker;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{any, get, post},
};

pub(crate) use auth::AuthState;
pub use index::{ROUTES, Route};
pub use tracker::TrackerConfig;
pub(crate) use tracker::TrackerState;

use crate::{
    log::{MAX_BODY, record_request},
    state::AppState,
};

/// Builds the router for `state`, with the request-recording middleware applied to
/// every route (including the 404 fallback).
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index::index))
        .route("/offset", get(offset::offset).post(offset::offset))
        .route("/offset/no-total", get(offset::no_total))
        .route("/offset/null-total", get(offset::null_total))
        .route("/offset/has-more", get(offset::has_more))
        .route(
            "/page",
            get(page::page_one_based).post(page::page_one_based),
        )
        .route("/page0", get(page::page_zero_based))
        .route("/page/no-total", get(page::no_total))
        .route("/posts", get(page::posts))
        .route("/json-link", get(link::json_link))
        .route("/json-link/absolute", get(link::json_link_absolute))
        .route("/json-link/nested", get(link::json_link_nested))
        .route("/json-link/pagination", get(docs::json_link_pagination))
        .route("/header-link", get(link::header_link))
        .route("/cursor", get(cursor::cursor))
        .route("/cursor/has-more", get(cursor::has_more))
        .route("/header-cursor", get(cursor::header_cursor))
        .route("/search", post(cursor::search))
        .route("/body-cursor", any(docs::body_cursor))
        .route("/posts/{id}", get(misc::post_by_id))
        .route("/single", get(misc::single))
        .route("/echo", any(misc::echo))
        .route("/echo/{*rest}", any(misc::echo))
        .route("/status/{code}", any(misc::status))
        .route("/redirect", get(misc::redirect))
        .merge(auth::router(&state))
        .merge(tracker::router())
        .fallback(misc::not_found)
        // Inside the recording layer, so that faulted requests are recorded too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::faults::inject,
        ))
        // Past the budget a request gets its 429 before any fault.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ratelimit::limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // After the layers: the benchmark's route is neither recorded nor faulted.
        .route("/bench/offset", get(bench::offset))
        .with_state(state)
}
