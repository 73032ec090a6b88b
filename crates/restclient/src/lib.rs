#![doc = include_str!("docs/overview.md")]
#![doc = include_str!("docs/troubleshooting.md")]
#![doc = include_str!("docs/differences.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Layers (ARCHITECTURE.md): facade → walk → exec → pieces → ground; imports point down.
// facade
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod call;
mod client;
mod paginate;
// walk
mod walk;
// exec
mod exec;
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
mod stop;
// ground
mod error;
mod redact;

pub use call::RequestBuilder;
pub use client::{RestClient, RestClientBuilder};
pub use error::{Error, ErrorKind, Result};
pub use hooks::HookAction;
pub use page::Page;
pub use paginate::{Pages, Paginate, Records, RecordsAs};
pub use request::{Body, Request};
pub use response::Response;
pub use stop::StopReason;

/// The `reqwest` restclient is built with, for [`RestClientBuilder::http_client`]: a client
/// built with this path has the right version whatever else the program depends on.
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

// The README's examples are compiled as doc tests, so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
