//! Data selectors: a JSONPath (dlt's syntax) that picks the records out of each response.
//!
//! ```text
//! cargo run -p restclient --example data_selector                 # starts a demo API in-process
//! cargo run -p restclient --example data_selector -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. `/json-link/nested` answers
//!
//! ```json
//! {"results": {"posts": [{"id": 1, ...}, ...]}, "pagination": {"next": "/json-link/nested?page=2", "total": 42}}
//! ```
//!
//! so the records are at `results.posts` and the next link at `pagination.next`.

use futures::TryStreamExt;
use restclient::paginators::JsonLinkPaginator;
use restclient::{RestClient, Result, Value};

/// What the walks selected.
#[derive(Debug)]
pub struct Selected {
    /// Every post, selected with `results.posts`.
    pub posts: Vec<Value>,
    /// Only the ids, selected with `results.posts[*].id`.
    pub ids: Vec<Value>,
    /// The selector a walk without one used, as the first page reports it.
    pub found_selector: Option<String>,
}

/// Walks `/json-link/nested` of the demo API at `base_url` with three selectors.
pub async fn run(base_url: &str) -> Result<Selected> {
    let client = RestClient::builder(base_url)
        .paginator(JsonLinkPaginator::new().next_url_path("pagination.next"))
        .data_selector("results.posts")
        .build()?;
    let posts: Vec<Value> = client
        .paginate("/json-link/nested")
        .records()
        .try_collect()
        .await?;

    // Any JSONPath works, and a call can override the client's selector.
    let ids: Vec<Value> = client
        .paginate("/json-link/nested")
        .data_selector("results.posts[*].id")
        .records()
        .try_collect()
        .await?;

    // Without a selector, the records are found as dlt finds them (the first list, preferring
    // keys such as `data`, `items` or `results`); each page says which selector it used.
    let unselected = RestClient::builder(base_url)
        .paginator(JsonLinkPaginator::new().next_url_path("pagination.next"))
        .build()?;
    let first = unselected
        .paginate("/json-link/nested")
        .max_pages(1)
        .pages()
        .try_next()
        .await?;
    let found_selector = first.map(|page| page.data_selector().to_string());

    Ok(Selected {
        posts,
        ids,
        found_selector,
    })
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(42)
        .start_unless_given()
        .await?;
    let selected = run(&url).await?;
    println!("results.posts        -> {} posts", selected.posts.len());
    let ids: Vec<String> = selected.ids.iter().map(Value::to_string).collect();
    println!("results.posts[*].id  -> [{}]", ids.join(", "));
    println!(
        "no selector          -> found {:?}",
        selected.found_selector
    );
    Ok(())
}
