//! Every built-in paginator, each against the demo API route that speaks its style.
//!
//! ```text
//! cargo run -p restclient --example paginators                 # starts a demo API in-process
//! cargo run -p restclient --example paginators -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. For each paginator the example prints the
//! route, the number of pages and records, and why the walk stopped.

use futures::TryStreamExt;
use restclient::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator, SinglePagePaginator,
};
use restclient::{RestClient, Result, StopReason, Value};

/// One walk to run: a route, its paginator and where its records are.
#[derive(Debug)]
pub struct Style {
    /// The paginator's name.
    pub name: &'static str,
    /// The demo route.
    pub path: &'static str,
    /// The paginator, configured for that route.
    pub paginator: Box<dyn Paginator>,
    /// The data selector (`$` = the body is the list).
    pub data_selector: &'static str,
}

/// The paginators, configured for the demo API's routes. The routes send pages of the server's
/// page size, except `/offset`, which sends the `limit` the paginator asks for.
pub fn styles() -> Vec<Style> {
    let style = |name, path, paginator: Box<dyn Paginator>, data_selector| Style {
        name,
        path,
        paginator,
        data_selector,
    };
    vec![
        // {"data": [...], "next": "/json-link?page=2"}: follow the link in the body.
        style(
            "JsonLinkPaginator",
            "/json-link",
            Box::new(JsonLinkPaginator::new().next_url_path("next")),
            "data",
        ),
        // A bare list, with `Link: <...>; rel="next"`: follow the link in the header.
        style(
            "HeaderLinkPaginator",
            "/header-link",
            Box::new(HeaderLinkPaginator::new()),
            "$",
        ),
        // ?offset=0&limit=L → {"items": [...], "total": N}: step the offset until the total.
        style(
            "OffsetPaginator",
            "/offset",
            Box::new(OffsetPaginator::new(10).total_path("total")),
            "items",
        ),
        // ?page=1 → {"data": [...], "total_pages": P}: 1-based page numbers until the total.
        style(
            "PageNumberPaginator",
            "/page",
            Box::new(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            ),
            "data",
        ),
        // {"items": [...], "cursors": {"next": "c..."}}: send the cursor back as ?cursor=.
        style(
            "JsonResponseCursorPaginator",
            "/cursor",
            Box::new(
                JsonResponseCursorPaginator::new()
                    .cursor_path("cursors.next")
                    .cursor_param("cursor"),
            ),
            "items",
        ),
        // A bare list, with a `next: c...` header: send it back as ?cursor=.
        style(
            "HeaderCursorPaginator",
            "/header-cursor",
            Box::new(
                HeaderCursorPaginator::new()
                    .cursor_key("next")
                    .cursor_param("cursor"),
            ),
            "$",
        ),
        // An endpoint that is not paginated: one request, one page.
        style(
            "SinglePagePaginator",
            "/single",
            Box::new(SinglePagePaginator::new()),
            "data",
        ),
    ]
}

/// What one walk produced.
#[derive(Debug)]
pub struct Walked {
    /// The paginator's name.
    pub name: &'static str,
    /// The route walked.
    pub path: &'static str,
    /// How many pages.
    pub pages: usize,
    /// Every record, in order.
    pub records: Vec<Value>,
    /// Why the walk ended.
    pub stop: Option<StopReason>,
}

/// Walks every style of the demo API at `base_url`.
pub async fn run(base_url: &str) -> Result<Vec<Walked>> {
    let client = RestClient::builder(base_url).build()?;
    let mut walked = Vec::new();
    for style in styles() {
        let mut pages = client
            .paginate(style.path)
            .paginator(style.paginator) // a Box<dyn Paginator> is a paginator too
            .data_selector(style.data_selector)
            .pages();
        let (mut count, mut records) = (0, Vec::new());
        while let Some(page) = pages.try_next().await? {
            count += 1;
            records.extend(page.into_records());
        }
        walked.push(Walked {
            name: style.name,
            path: style.path,
            pages: count,
            records,
            stop: pages.stop_reason(),
        });
    }
    Ok(walked)
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(42)
        .start_unless_given()
        .await?;
    for w in run(&url).await? {
        let stop = w.stop.map_or_else(|| "?".to_owned(), |s| s.to_string());
        println!(
            "{:<28} {:<15} {:>2} pages {:>3} records  (stopped: {stop})",
            w.name,
            w.path,
            w.pages,
            w.records.len()
        );
    }
    Ok(())
}
