//! restclient pulls records out of REST APIs: it walks every page, selects the records from each
//! response with a JSONPath selector, signs and retries requests, and streams pages to the
//! caller. Its model is dlt's Python `RESTClient`.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use restclient::{RestClient, Value, paginators::OffsetPaginator};
//!
//! # async fn run() -> restclient::Result<()> {
//! let client = RestClient::builder("https://api.example.com")
//!     .paginator(OffsetPaginator::new(100).total_path("total"))
//!     .data_selector("items")
//!     .build()?;
//!
//! // Page by page:
//! let mut pages = client.paginate("/posts").pages();
//! while let Some(page) = pages.try_next().await? {
//!     for record in &page {
//!         println!("{}", record["id"]);
//!     }
//! }
//!
//! // Or every record at once:
//! let all: Vec<Value> = client.paginate("/posts").records().try_collect().await?;
//!
//! // Or without a client:
//! let first = restclient::paginate("https://api.example.com/posts").pages().try_next().await?;
//! # Ok(()) }
//! ```
//!
//! Without a paginator, the walk detects one from the first response (a `Link` header, a next
//! link or cursor in the body, page numbers, offsets; see [`detect`]) and continues from the
//! second request on: a 1-based page API is not asked for page 1 twice, and its last page is
//! fetched. Without a data selector, the records are found the same way. Each decision is logged
//! at INFO; a list response with no pagination is fetched as one page with a WARN.

#![cfg_attr(not(test), warn(missing_docs))]

pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
pub mod config;
pub mod detect;
mod error;
pub mod hooks;
mod page;
mod paginate;
pub mod paginators;
mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod selector;
mod walk;

pub use client::{RequestBuilder, RestClient, RestClientBuilder};
pub use error::{Error, Result, TransportKind};
pub use page::Page;
pub use paginate::{Pages, Paginate, Records};
pub use request::Request;
pub use response::Response;

pub use reqwest::{Method, StatusCode, header};
pub use serde_json::Value;
pub use url::Url;

/// Walks every page of `url` with default settings (dlt's `paginate()` shortcut): the URL is used
/// exactly, and the options of [`Paginate`] (paginator, selector, params, ...) can be set on the
/// result.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use restclient::paginators::HeaderLinkPaginator;
/// # async fn run() -> restclient::Result<()> {
/// let issues: Vec<_> = restclient::paginate("https://api.github.com/repos/dlt-hub/dlt/issues")
///     .paginator(HeaderLinkPaginator::new())
///     .max_pages(3)
///     .records()
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
pub fn paginate(url: &str) -> Paginate {
    match RestClient::builder(url).build() {
        Ok(client) => client.paginate(""),
        // The error surfaces when the stream is polled, as every walk error does.
        Err(e) => Paginate::failed(e, ""),
    }
}
