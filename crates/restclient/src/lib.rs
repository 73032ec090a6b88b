#![doc = include_str!("docs/overview.md")]
#![doc = include_str!("docs/client.md")]
#![doc = include_str!("docs/paginating.md")]
#![doc = include_str!("docs/auth.md")]
#![doc = include_str!("docs/advanced.md")]
#![doc = include_str!("docs/differences.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
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
pub mod spec;
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
