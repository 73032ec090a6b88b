//! Creating a client: a base URL plus the defaults every request shares, namely headers, auth,
//! a paginator, a data selector and, if you want one, your own `reqwest::Client` (dlt's
//! `session`).
//!
//! ```text
//! cargo run -p restclient --example create_client                 # starts a demo API in-process
//! cargo run -p restclient --example create_client -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`; the server must be a demo-api
//! (`cargo run -p demo-api`) with its default credentials. The example walks the bearer-protected
//! `/auth/bearer/offset` route and asks `/echo` which headers arrived.

use std::time::Duration;

use futures::TryStreamExt;
use restclient::auth::BearerTokenAuth;
use restclient::paginators::OffsetPaginator;
use restclient::{RestClient, Result, Value};

/// The bearer token demo-api accepts by default.
pub const DEMO_TOKEN: &str = "demo-bearer-token";

/// A client for the API at `base_url` with every default the seed documentation shows.
pub fn create_client(base_url: &str, token: &str) -> Result<RestClient> {
    // Your own HTTP client, e.g. for a proxy, custom TLS roots or a connection pool limit.
    // restclient follows redirects itself (to keep credentials on their origin), so turn
    // reqwest's own redirect handling off.
    // `restclient::reqwest` is the reqwest restclient is built with, so the versions match.
    // restclient builds it, with redirects off: it follows them itself, so that credentials
    // stay on their origin.
    let http = restclient::reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(30));

    RestClient::builder(base_url)
        .header("User-Agent", "MyApp/1.0")
        .header("Accept", "application/json")
        .auth(BearerTokenAuth::new(token))
        .paginator(OffsetPaginator::new(25).total_path("total"))
        .data_selector("items")
        .http_client(http)
        .build() // invalid settings fail here, with an error naming the parameter
}

/// What the example found out.
#[derive(Debug)]
pub struct Created {
    /// Every record of `/auth/bearer/offset`.
    pub records: Vec<Value>,
    /// The `User-Agent` the server received.
    pub user_agent: Option<String>,
}

/// Walks the bearer-protected offset route of the demo API at `base_url` with the client, then
/// asks `/auth/bearer/echo` which `User-Agent` it received.
pub async fn run(base_url: &str) -> Result<Created> {
    let client = create_client(base_url, DEMO_TOKEN)?;
    // The client's paginator and data selector are used by `paginate`, not by `get`.
    let records: Vec<Value> = client
        .paginate("/auth/bearer/offset")
        .records()
        .try_collect()
        .await?;
    let echoed = client.get("/auth/bearer/echo").await?;
    let user_agent = echoed.json()?["headers"]["user-agent"]
        .as_str()
        .map(str::to_owned);
    Ok(Created {
        records,
        user_agent,
    })
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder().start_unless_given().await?;
    let created = run(&url).await?;
    println!(
        "{} records from {url}/auth/bearer/offset; the server saw User-Agent {:?}",
        created.records.len(),
        created.user_agent
    );
    Ok(())
}
