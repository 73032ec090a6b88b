//! The `restclient::paginate` shortcut: walk one URL without building a client first (dlt's
//! `paginate()` function).
//!
//! ```text
//! cargo run -p restclient --example paginate_shortcut                 # starts a demo API in-process
//! cargo run -p restclient --example paginate_shortcut -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. The example walks `/header-link` (a bare
//! list per page, with `Link: <...>; rel="next"`).

use futures::TryStreamExt;
use restclient::paginators::HeaderLinkPaginator;
use restclient::{Result, Value};

/// Every record of `<base_url>/header-link`, through the shortcut. The URL is used exactly as
/// given; every option of a client walk (paginator, selector, params, headers, auth, hooks,
/// limits) can be set on it.
pub async fn run(base_url: &str, page_size: u64) -> Result<Vec<Value>> {
    restclient::paginate(&format!("{base_url}/header-link"))
        .paginator(HeaderLinkPaginator::new())
        .param("page_size", page_size)
        .header("Accept", "application/json")
        .records()
        .try_collect()
        .await
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(23)
        .start_unless_given()
        .await?;
    let records = run(&url, 5).await?;
    println!("{} records from {url}/header-link", records.len());
    Ok(())
}
