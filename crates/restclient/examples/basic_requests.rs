//! Basic requests: `get`, `post` and `request` with a method, parameters, headers and a body.
//!
//! ```text
//! cargo run -p restclient --example basic_requests                 # starts a demo API in-process
//! cargo run -p restclient --example basic_requests -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. Like dlt's `get()` and `post()`, these
//! calls do not check the status: a 404 is a response, not an error (only `paginate` turns an
//! error status into an error). The client's paginator and data selector play no part here.

use restclient::{Method, RestClient, Result, StatusCode, Value};
use serde_json::json;

/// What the requests returned.
#[derive(Debug)]
pub struct Answers {
    /// `GET /posts/1`: the record.
    pub post: Value,
    /// `GET /posts/999`: the status of a missing record.
    pub missing_status: StatusCode,
    /// `POST /echo` with a JSON body: what the server received.
    pub posted: Value,
    /// `PUT /echo?page=2` with a header and a form body: what the server received.
    pub put: Value,
}

/// Sends the four requests to the demo API at `base_url`.
pub async fn run(base_url: &str) -> Result<Answers> {
    let client = RestClient::builder(base_url).build()?;

    // GET; the response's JSON is parsed once and cached.
    let response = client.get("/posts/1").await?;
    let post = response.json()?.clone();

    // A 404 comes back as a response.
    let missing_status = client.get("/posts/999").await?.status();

    // POST with a JSON body: anything that serializes, e.g. a `json!` value or your own struct.
    let posted = client
        .post("/echo", &json!({"title": "Hello", "body": "World"}))
        .await?
        .json()?
        .clone();

    // Any method, with query parameters, a header and a form body.
    let put = client
        .request(Method::PUT, "/echo")
        .param("page", 2)
        .header("X-Request-Id", "42")
        .form([("title", "Hello")])
        .timeout(std::time::Duration::from_secs(10))
        .await?
        .json()?
        .clone();

    Ok(Answers {
        post,
        missing_status,
        posted,
        put,
    })
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder().start_unless_given().await?;
    let answers = run(&url).await?;
    println!("GET /posts/1       -> {}", answers.post);
    println!("GET /posts/999     -> {}", answers.missing_status);
    println!(
        "POST /echo         -> the server got {}",
        answers.posted["json"]
    );
    println!(
        "PUT /echo?page=2   -> the server got query {} and form {}",
        answers.put["query"], answers.put["form"]
    );
    Ok(())
}
