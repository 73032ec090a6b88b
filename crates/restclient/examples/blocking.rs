//! The blocking API: the same client with iterators instead of streams, for programs without
//! async code (feature `blocking`, on by default).
//!
//! ```text
//! cargo run -p restclient --example blocking                 # starts a demo API in the background
//! cargo run -p restclient --example blocking -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. A blocking client drives a small runtime
//! of its own on a thread of its own, so it also works inside `tokio::task::spawn_blocking`.

use restclient::blocking::RestClient;
use restclient::paginators::PageNumberPaginator;
use restclient::{Result, StopReason, Value};

/// What the blocking calls returned.
#[derive(Debug)]
pub struct Fetched {
    /// `GET /posts/1`.
    pub post: Value,
    /// The number of records on each page of `/page`.
    pub page_sizes: Vec<usize>,
    /// Why that walk ended.
    pub stop: Option<StopReason>,
    /// Every record of `/page`, from the record iterator.
    pub records: Vec<Value>,
}

/// Fetches from the demo API at `base_url` without any async code.
pub fn run(base_url: &str) -> Result<Fetched> {
    let client = RestClient::builder(base_url)
        .paginator(
            PageNumberPaginator::new()
                .base_page(1)
                .total_path("total_pages"),
        )
        .data_selector("data")
        .build()?;

    let post = client.get("/posts/1").send()?.json()?.clone();

    // Pages: an iterator of `Result<Page>` that ends after the last page or the first error.
    let mut pages = client.paginate("/page").pages();
    let mut page_sizes = Vec::new();
    for page in pages.by_ref() {
        page_sizes.push(page?.len());
    }
    let stop = pages.stop_reason();

    // Records: an iterator of `Result<Value>`; collect stops at the first error.
    let records = client
        .paginate("/page")
        .records()
        .collect::<Result<Vec<Value>>>()?;

    Ok(Fetched {
        post,
        page_sizes,
        stop,
        records,
    })
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(25)
        .spawn_unless_given()?;
    let fetched = run(&url)?;
    println!("GET /posts/1 -> {}", fetched.post);
    println!("/page sizes: {:?}", fetched.page_sizes);
    if let Some(stop) = &fetched.stop {
        println!("stopped because: {stop}");
    }
    println!("{} records in all", fetched.records.len());
    Ok(())
}
