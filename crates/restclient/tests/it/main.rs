//! restclient's integration tests: one binary, one module per concept, every test talking HTTP
//! to a real server on 127.0.0.1 (demo-api, or a closure-based [`support::server`]).
//!
//! One binary instead of one per file: the whole stack (reqwest, axum, demo-api) is linked once,
//! and helpers live in one [`support`] module instead of being compiled into each file.
#![allow(clippy::unwrap_used)]

mod support;

mod auth;
mod bad_input;
mod blocking;
mod checkpoint;
mod concurrency;
mod config;
mod detect;
mod examples;
mod origin;
mod pacing;
mod paginators;
mod properties;
mod records;
mod requests;
mod retry_and_faults;
mod run;
mod run_config;
mod run_resources;
mod security;
