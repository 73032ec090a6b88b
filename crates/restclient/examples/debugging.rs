//! Troubleshooting a walk: every page carries the request that produced it and the response
//! it came from, and restclient logs each request through `tracing`.
//!
//! ```text
//! cargo run -p restclient --example debugging                 # starts a demo API in-process
//! cargo run -p restclient --example debugging -- http://127.0.0.1:8080   # or uses this one
//! RUST_LOG=restclient=debug cargo run -p restclient --example debugging  # more detail
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. Unlike dlt, `page.request()` is the request
//! that produced the page, not the next one. Secrets in URLs and headers are masked in the logs
//! and in `Debug` output.

use futures::TryStreamExt;
use restclient::paginators::OffsetPaginator;
use restclient::{RestClient, Result, Value};

/// What one page says about how it was fetched.
#[derive(Debug)]
pub struct PageInfo {
    /// The page's position in the walk, from 1.
    pub number: usize,
    /// The request's method.
    pub method: String,
    /// The URL that went on the wire (path, query and the paginator's parameters).
    pub url: String,
    /// The response status.
    pub status: u16,
    /// The response's `Content-Type`.
    pub content_type: Option<String>,
    /// How many attempts the response took (1 = no retry).
    pub attempts: u32,
    /// The `total` the response body reported.
    pub total: Value,
    /// The paginator that ran, in dlt's `rest_api` form.
    pub paginator: Value,
    /// The selector that picked the records, and how many it picked.
    pub selected: (String, usize),
}

/// Walks `/offset` of the API at `base_url` and describes each page.
pub async fn run(base_url: &str) -> Result<Vec<PageInfo>> {
    let client = RestClient::builder(base_url)
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()?;
    let mut pages = client.paginate("/offset").param("sort", "id").pages();
    let mut infos = Vec::new();
    while let Some(page) = pages.try_next().await? {
        let request = page.request();
        let response = page.response();
        infos.push(PageInfo {
            number: page.number(),
            method: request.method().to_string(),
            url: request.full_url().to_string(),
            status: response.status().as_u16(),
            content_type: response.header("content-type").map(str::to_owned),
            attempts: response.attempts(),
            total: response.json()?["total"].clone(),
            paginator: page.paginator().clone(),
            selected: (page.data_selector().to_string(), page.len()),
        });
    }
    // Why the walk ended (also logged at INFO).
    if let Some(reason) = pages.stop_reason() {
        tracing::info!("the walk ended: {reason}");
    }
    Ok(infos)
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // restclient logs with `tracing`: install a subscriber to see each request (INFO), each
    // retry (WARN) and why the walk ended (INFO). RUST_LOG overrides the default filter.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("restclient=info,debugging=info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();

    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(25)
        .start_unless_given()
        .await?;
    for info in run(&url).await? {
        println!(
            "page {}: {} {} -> {} {:?} (attempts {}, total {}), {} records at `{}`",
            info.number,
            info.method,
            info.url,
            info.status,
            info.content_type.unwrap_or_default(),
            info.attempts,
            info.total,
            info.selected.1,
            info.selected.0
        );
    }
    Ok(())
}
