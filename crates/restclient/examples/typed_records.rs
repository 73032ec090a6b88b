//! Typed records, a per-request timeout, several walks at once on one client, and restclient
//! inside an axum handler.
//!
//! ```text
//! cargo run -p restclient --example typed_records                 # starts a demo API in-process
//! cargo run -p restclient --example typed_records -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. The demo API's records look like
//! `{"id": 1, "name": "record-1", "score": 1}`.

use std::time::Duration;

use futures::TryStreamExt;
use restclient::paginators::{JsonLinkPaginator, OffsetPaginator};
use restclient::{RestClient, Result};
use serde::Deserialize;

/// A record of the demo API, as your program wants it: fields it does not name are skipped,
/// and a record that does not fit is an error naming its page and index.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Record {
    /// The record's id.
    pub id: u64,
    /// Its name.
    pub name: String,
}

/// A client for the demo API: offset pages of 10 under `items`.
pub fn client(base_url: &str) -> Result<RestClient> {
    RestClient::builder(base_url)
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()
}

/// Every record of `/offset` as a [`Record`], deserialized straight from the response text.
pub async fn typed(client: &RestClient) -> Result<Vec<Record>> {
    client
        .paginate("/offset")
        .records_as::<Record>()
        .try_collect()
        .await
}

/// One record with a timeout of its own, shorter than the client's.
pub async fn one_quickly(client: &RestClient, id: u64) -> Result<Record> {
    client
        .get(&format!("/posts/{id}"))
        .timeout(Duration::from_secs(2))
        .await?
        .json_as()
}

/// Two walks at once on one client (one connection pool): the offset records and the json-link
/// records, fetched concurrently.
pub async fn two_at_once(client: &RestClient) -> Result<(Vec<Record>, Vec<Record>)> {
    let offsets = client
        .paginate("/offset")
        .records_as::<Record>()
        .try_collect();
    let links = client
        .paginate("/json-link")
        .paginator(JsonLinkPaginator::new().next_url_path("next"))
        .data_selector("data")
        .records_as::<Record>()
        .try_collect();
    futures::try_join!(offsets, links)
}

/// An axum app whose `/names` handler walks the API with a shared client and answers with the
/// record names. A `RestClient` is cheap to clone and safe to share between requests.
pub fn app(client: RestClient) -> axum::Router {
    use axum::{Json, extract::State, http::StatusCode, routing::get};

    async fn names(
        State(client): State<RestClient>,
    ) -> std::result::Result<Json<Vec<String>>, (StatusCode, String)> {
        let records = typed(&client)
            .await
            .map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()))?;
        Ok(Json(records.into_iter().map(|r| r.name).collect()))
    }

    axum::Router::new()
        .route("/names", get(names))
        .with_state(client)
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(25)
        .start_unless_given()
        .await?;
    let client = client(&url)?;
    let records = typed(&client).await?;
    println!(
        "{} typed records, the first: {:?}",
        records.len(),
        records[0]
    );
    println!("record 3: {:?}", one_quickly(&client, 3).await?);
    let (a, b) = two_at_once(&client).await?;
    println!("two walks at once: {} and {} records", a.len(), b.len());

    // The axum app on an ephemeral port, asked once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app(client)).await });
    let names = RestClient::builder(format!("http://{addr}"))
        .build()?
        .get("/names")
        .await?
        .json_as::<Vec<String>>()?;
    println!(
        "GET /names -> {} names, the first {:?}",
        names.len(),
        names[0]
    );
    Ok(())
}
