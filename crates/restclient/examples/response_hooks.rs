//! Response hooks: a function that sees every response of a walk and may end it quietly
//! (the seed's `IgnoreResponseException` on a 404) or accept an error status.
//!
//! ```text
//! cargo run -p restclient --example response_hooks                 # starts a demo API in-process
//! cargo run -p restclient --example response_hooks -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. The demo API answers `GET /posts/{id}`
//! with the record, or 404 for an id it does not have.

use futures::TryStreamExt;
use restclient::paginators::SinglePagePaginator;
use restclient::{HookAction, Page, Response, RestClient, Result, StatusCode, StopReason};

/// The seed's handler: a 404 means "no data here", not an error.
pub fn ignore_404(response: &Response) -> HookAction {
    if response.status() == StatusCode::NOT_FOUND {
        HookAction::Ignore // ends the walk quietly, yielding nothing for this response
    } else {
        HookAction::Continue // the usual status check still applies
    }
}

/// Walks `path` with the 404 hook; returns the pages and why the walk ended.
pub async fn walk(base_url: &str, path: &str) -> Result<(Vec<Page>, Option<StopReason>)> {
    let client = RestClient::builder(base_url)
        .paginator(SinglePagePaginator::new())
        .build()?;
    let mut pages = client.paginate(path).hook(ignore_404).pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.try_next().await? {
        seen.push(page);
    }
    Ok((seen, pages.stop_reason()))
}

/// Walks `path` with no hook: an error status ends the walk with a
/// [status error](restclient::Error::is_status).
pub async fn walk_without_hook(base_url: &str, path: &str) -> Result<Vec<Page>> {
    let client = RestClient::builder(base_url)
        .paginator(SinglePagePaginator::new())
        .build()?;
    client.paginate(path).pages().try_collect().await
}

/// A hook can also accept a status the walk would reject: here a 404 body is read as data.
pub async fn accept_404(base_url: &str, path: &str) -> Result<Vec<Page>> {
    let client = RestClient::builder(base_url)
        .paginator(SinglePagePaginator::new())
        .build()?;
    client
        .paginate(path)
        // A plain closure: its argument's type is inferred.
        .hook(|r| {
            if r.status() == StatusCode::NOT_FOUND {
                HookAction::Accept
            } else {
                HookAction::Continue
            }
        })
        .data_selector("$")
        .pages()
        .try_collect()
        .await
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(5)
        .start_unless_given()
        .await?;
    let (pages, stop) = walk(&url, "/posts/1").await?;
    println!(
        "/posts/1 with the hook:      {} page(s), stop {stop:?}",
        pages.len()
    );
    let (pages, stop) = walk(&url, "/posts/999").await?;
    println!(
        "/posts/999 with the hook:    {} page(s), stop {stop:?}",
        pages.len()
    );
    match walk_without_hook(&url, "/posts/999").await {
        Ok(pages) => println!("/posts/999 without it:       {} page(s)", pages.len()),
        Err(e) => println!("/posts/999 without it:       error: {e}"),
    }
    let pages = accept_404(&url, "/posts/999").await?;
    println!(
        "/posts/999 accepting 404s:   {:?}",
        pages.first().map(|p| p.records().to_vec())
    );
    Ok(())
}
