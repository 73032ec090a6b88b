#![doc = include_str!("docs/overview.md")]
#![doc = include_str!("docs/troubleshooting.md")]
#![doc = include_str!("docs/differences.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Values from servers, files and users must never panic the library (SECURITY.md): no
// `expect` or `panic!` outside tests. Not enabled (too many findings for a safe mechanical fix):
// `clippy::indexing_slicing` (35) and `clippy::arithmetic_side_effects` (47); most index
// bounds and sums there are checked a line earlier.
#![cfg_attr(not(test), warn(clippy::expect_used, clippy::panic))]

// Layers (ARCHITECTURE.md): facade → walk → exec → pieces → ground; imports point down.
// facade
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod call;
mod client;
mod paginate;
#[cfg(feature = "run")]
#[cfg_attr(docsrs, doc(cfg(feature = "run")))]
pub mod run;
// walk
mod checkpoint;
mod durable;
mod walk;
// exec
mod exec;
mod ratelimit;
pub mod retry;
// pieces
pub mod auth;
pub mod config;
pub mod detect;
mod hooks;
mod page;
pub mod paginators;
mod records;
mod request;
mod response;
pub mod selector;
pub mod spec;
mod stop;
// ground
mod civil;
mod error;
mod files;
mod redact;
mod testhooks;

pub use call::RequestBuilder;
pub use client::{RestClient, RestClientBuilder};
pub use error::{Error, ErrorKind, Result};
pub use exec::http_client_builder;
pub use hooks::HookAction;
pub use page::Page;
pub use paginate::{NdjsonWalk, Pages, Paginate, Records, RecordsAs};
pub use request::{Body, Request};
pub use response::Response;
pub use stop::StopReason;

/// The `reqwest` restclient is built with, for [`RestClientBuilder::http_client`]: a client
/// builder made with this path has the right version whatever else the program depends on.
pub use reqwest;
pub use reqwest::{Method, StatusCode, header};
pub use serde_json::Value;
pub use url::Url;

#[doc = include_str!("docs/shortcut.md")]
pub fn paginate(url: &str) -> Paginate {
    match RestClient::builder(url).build() {
        Ok(client) => client.paginate(""),
        // The error surfaces when the stream is polled, as every walk error does.
        Err(e) => Paginate::failed(e, ""),
    }
}

/// Internals for the fuzz targets in `fuzz/` (built by `cargo fuzz`, with `--cfg fuzzing`):
/// not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
#[allow(missing_docs)]
pub mod fuzzing {
    /// dlt's `join_url`.
    pub fn join_url(base: &str, path: &str) -> String {
        crate::request::join_url(base, path)
    }

    /// An OAuth2 token endpoint's response body, through the parser and the lifetime clamp.
    pub fn oauth2_token_response(body: &[u8]) {
        crate::auth::fuzz_token_response(body);
    }

    /// A `Retry-After` value: parsed, and turned into a wait after every attempt number.
    pub fn retry_after(value: &str, attempt: u32) {
        let now = std::time::SystemTime::now();
        let _ = crate::retry::parse_retry_after(value, now);
        let policy = crate::retry::RetryPolicy::default();
        let wait = policy.wait(attempt, Some(value));
        assert!(wait <= crate::config::RuntimeConfig::default().request_max_retry_delay);
    }

    /// Rate-limit headers from a server (`RateLimit`, `RateLimit-Policy`, `RateLimit-*`,
    /// `X-RateLimit-*`): parsed without a panic, and what is read stays within the clamps.
    pub fn ratelimit_headers(pairs: &[(&str, &str)]) {
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        let now = std::time::SystemTime::now();
        if let Some(a) = crate::ratelimit::parse_headers(&headers, now) {
            assert!(a.reset <= std::time::Duration::from_secs(366 * 24 * 3600));
        }
        for (_, value) in pairs {
            let _ = crate::ratelimit::parse_reset(value, now);
        }
    }

    /// A header from outside (a `-H` argument, a config file): parsed as a client default and
    /// as a request header, and both must agree on whether it is valid.
    pub fn header(name: &str, value: &str) {
        let parsed = crate::request::parse_header(name, value);
        let Ok(url) = url::Url::parse("https://h.example/") else {
            return;
        };
        let mut request = crate::Request::new(reqwest::Method::GET, url);
        assert_eq!(parsed.is_ok(), request.set_header(name, value).is_ok());
        let _ = crate::RestClient::builder("https://h.example")
            .header(name, value)
            .build();
    }

    /// The record ranges a walk would find in `body` with `selector`, checked against a full
    /// parse: both must agree on whether the body is JSON, and on the records when it is.
    pub fn record_spans(body: &str, selector: &str) {
        let Ok(sel) = crate::selector::Selector::new(selector) else {
            return;
        };
        let scanned = crate::records::spans(body, &sel, None);
        if let Some(steps) = sel.key_steps() {
            crate::records::check_halved(body, &steps);
        }
        let parsed = serde_json::from_str::<serde_json::Value>(body);
        if let (Ok(spans), Ok(value)) = (&scanned, &parsed) {
            let found: Vec<serde_json::Value> = spans
                .iter()
                .filter_map(|r| serde_json::from_str(body.get(r.clone())?).ok())
                .collect();
            assert_eq!(found, sel.records(value), "scan and parse disagree");
        }
        if parsed.is_ok() {
            assert!(scanned.is_ok(), "a valid body failed the scan");
        }
        let mut out = Vec::new();
        for r in scanned.unwrap_or_default() {
            crate::records::write_compact(body.as_bytes().get(r).unwrap_or_default(), &mut out);
        }
    }
}

// The README's examples are compiled as doc tests, so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
