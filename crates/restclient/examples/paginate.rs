//! Paginating: `client.paginate(path)` walks every page, as a stream of pages or of records.
//!
//! ```text
//! cargo run -p restclient --example paginate                 # starts a demo API in-process
//! cargo run -p restclient --example paginate -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. The example walks `/json-link` (each body
//! holds `data` and a `next` link) three ways: page by page, every record at once, and capped
//! at two pages with a per-call parameter.

use futures::TryStreamExt;
use restclient::StopReason;
use restclient::paginators::JsonLinkPaginator;
use restclient::{RestClient, Result, Value};

/// What the three walks produced.
#[derive(Debug)]
pub struct Walked {
    /// The number of records on each page of the first walk.
    pub page_sizes: Vec<usize>,
    /// Why the first walk ended.
    pub stop: Option<StopReason>,
    /// Every record of the second walk.
    pub records: Vec<Value>,
    /// The records of the third walk (two pages of `page_size` records).
    pub capped: Vec<Value>,
}

/// Walks `/json-link` of the demo API at `base_url`.
pub async fn run(base_url: &str, page_size: u64) -> Result<Walked> {
    let client = RestClient::builder(base_url)
        .paginator(JsonLinkPaginator::new().next_url_path("next"))
        .data_selector("data")
        .build()?;

    // Page by page. Each page derefs to the records (`&[Value]`) and knows the request and the
    // response it came from.
    let mut pages = client.paginate("/json-link").pages();
    let mut page_sizes = Vec::new();
    while let Some(page) = pages.try_next().await? {
        page_sizes.push(page.len());
    }
    let stop = pages.stop_reason(); // known once the stream has ended

    // Every record at once.
    let records: Vec<Value> = client
        .paginate("/json-link")
        .records()
        .try_collect()
        .await?;

    // Per-call settings: a query parameter for the first request, and a cap.
    let capped: Vec<Value> = client
        .paginate("/json-link")
        .param("page_size", page_size)
        .max_pages(2)
        .records()
        .try_collect()
        .await?;

    Ok(Walked {
        page_sizes,
        stop,
        records,
        capped,
    })
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(42)
        .page_size(10)
        .start_unless_given()
        .await?;
    let walked = run(&url, 5).await?;
    println!("page sizes: {:?}", walked.page_sizes);
    if let Some(stop) = &walked.stop {
        println!("stopped because: {stop}");
    }
    println!("{} records in all", walked.records.len());
    println!(
        "two pages of 5: ids {:?}",
        walked
            .capped
            .iter()
            .filter_map(|r| r["id"].as_u64())
            .collect::<Vec<_>>()
    );
    Ok(())
}
