//! A custom paginator (the seed's `QueryParamPaginator`): it sends `?page=1`, `?page=2`, ... and
//! stops when the API answers with an empty list.
//!
//! Writing one takes the three steps of the [`Paginator`] trait plus `has_next_page`, and
//! `#[derive(Debug, Clone)]` (a paginator set on a client is a template, copied for every walk).
//!
//! ```text
//! cargo run -p restclient --example query_param_paginator                         # own demo API
//! cargo run -p restclient --example query_param_paginator -- http://127.0.0.1:8000
//! RESTCLIENT_DEMO_URL=http://127.0.0.1:8000 cargo run -p restclient --example query_param_paginator
//! ```
//!
//! It walks `GET /posts?page=P` (a bare JSON list per page) and prints every record as one JSON
//! line on stdout, then a summary on stderr.

use std::io::Write;

use futures::TryStreamExt;
use restclient::paginators::Paginator;
use restclient::{Pages, Request, Response, RestClient, Result, Value};

/// Sends the page number in the query parameter `page_param`, starting at `initial_page`, until
/// the response body is an empty list.
#[derive(Debug, Clone)]
pub(crate) struct QueryParamPaginator {
    page_param: String,
    page: u64,
    has_next: bool,
}

impl QueryParamPaginator {
    pub(crate) fn new(page_param: &str, initial_page: u64) -> Self {
        QueryParamPaginator {
            page_param: page_param.to_owned(),
            page: initial_page,
            has_next: true,
        }
    }
}

impl Paginator for QueryParamPaginator {
    /// Step 1, before the first request: set the initial page number (`page=1`).
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        self.update_request(request)
    }

    /// Step 2, after each response: an empty list means there is no more data.
    fn update_state(&mut self, response: &Response, _data: Option<&[Value]>) -> Result<()> {
        let empty = match response.json()? {
            Value::Array(items) => items.is_empty(),
            Value::Null => true,
            _ => false,
        };
        if empty {
            self.has_next = false;
        } else {
            self.page += 1;
        }
        Ok(())
    }

    /// Step 3, before the next request: send the new page number.
    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        request.set_param(self.page_param.clone(), self.page);
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        self.has_next
    }
}

/// Every page of `/posts` of the API at `base_url`, driven by [`QueryParamPaginator`].
pub(crate) fn walk(base_url: &str) -> Result<Pages> {
    let client = RestClient::builder(base_url)
        .paginator(QueryParamPaginator::new("page", 1))
        .build()?;
    Ok(client.paginate("/posts").pages())
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

    let mut pages = walk(&base_url)?;
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
        "{record_count} records in {page_count} pages from {base_url}/posts (stopped: {stop})"
    );
    Ok(())
}
