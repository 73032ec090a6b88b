//! A custom paginator (the seed's `PostBodyPaginator`): it keeps a cursor in the JSON body of a
//! `POST` search, reads the next one from `next_page_cursor`, and stops when that is null.
//!
//! Writing one takes the steps of the [`Paginator`] trait plus `has_next_page`, and
//! `#[derive(Debug, Clone)]`. This one needs no `init_request`: the first request is the
//! search body as the caller wrote it.
//!
//! ```text
//! cargo run -p restclient --example post_body_paginator                           # own demo API
//! cargo run -p restclient --example post_body_paginator -- http://127.0.0.1:8000
//! RESTCLIENT_DEMO_URL=http://127.0.0.1:8000 cargo run -p restclient --example post_body_paginator
//! ```
//!
//! It walks `POST /search` with `{"query": "awesome product"}` and prints every record as one
//! JSON line on stdout, then a summary on stderr.

use std::io::Write;

use futures::TryStreamExt;
use restclient::paginators::Paginator;
use restclient::{Method, Pages, Request, Response, RestClient, Result, Value};
use serde_json::json;

/// Sends the cursor of the previous response as `cursor` in the JSON body of the next request.
#[derive(Debug, Clone)]
pub(crate) struct PostBodyPaginator {
    cursor: Option<Value>,
    has_next: bool,
}

impl PostBodyPaginator {
    pub(crate) fn new() -> Self {
        PostBodyPaginator {
            cursor: None,
            has_next: true,
        }
    }
}

impl Paginator for PostBodyPaginator {
    /// After each response: read the next cursor; a missing or null one ends the walk.
    fn update_state(&mut self, response: &Response, _data: Option<&[Value]>) -> Result<()> {
        self.cursor = response
            .json()?
            .get("next_page_cursor")
            .filter(|cursor| !cursor.is_null())
            .cloned();
        self.has_next = self.cursor.is_some();
        Ok(())
    }

    /// Before the next request: put the cursor into the body, next to the search query.
    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        if let Some(cursor) = &self.cursor {
            request.set_json_path(&["cursor".to_owned()], cursor.clone())?;
        }
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        self.has_next
    }
}

/// Every page of the search for `query` at the API at `base_url`, driven by
/// [`PostBodyPaginator`].
pub(crate) fn walk(base_url: &str, query: &str) -> Result<Pages> {
    let client = RestClient::builder(base_url)
        .paginator(PostBodyPaginator::new())
        .build()?;
    Ok(client
        .paginate("/search")
        .method(Method::POST)
        .json(&json!({ "query": query }))
        .data_selector("results")
        .pages())
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API to walk: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started
    // here (kept alive until the end of `main`).
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (base_url, _server) = demo_api::DemoServer::builder()
        .records(25)
        .start_unless_given()
        .await?;

    let mut pages = walk(&base_url, "awesome product")?;
    let mut out = std::io::stdout().lock();
    let (mut page_count, mut record_count) = (0, 0);
    while let Some(page) = pages.try_next().await? {
        page_count += 1;
        for record in &page {
            writeln!(out, "{record}")?;
            record_count += 1;
        }
    }
    out.flush()?;
    let stop = pages
        .stop_reason()
        .map_or_else(|| "unknown".to_owned(), |reason| reason.to_string());
    eprintln!(
        "{record_count} records in {page_count} pages from POST {base_url}/search (stopped: {stop})"
    );
    Ok(())
}
