//! OAuth2 with a customised token request, as Zoom's Server-to-Server OAuth wants it: the
//! client id and secret in a Basic header, and the form `grant_type=account_credentials&
//! account_id=...` (dlt's test overrides `build_access_token_request()` for this).
//!
//! ```text
//! cargo run -p restclient --example oauth2_zoom                 # starts a demo API in-process
//! cargo run -p restclient --example oauth2_zoom -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! Against a URL given in argv[1] or `RESTCLIENT_DEMO_URL`, the server must be a demo-api
//! (`cargo run -p demo-api`) with its default credentials.

use futures::TryStreamExt;
use restclient::auth::OAuth2ClientCredentials;
use restclient::paginators::OffsetPaginator;
use restclient::{RestClient, Value};

/// The OAuth2 auth of a Zoom-style API: the token request is customised by a hook that runs
/// on every token fetch.
pub fn zoom_auth(
    token_url: &str,
    client_id: &str,
    client_secret: &str,
    account_id: &str,
) -> restclient::Result<OAuth2ClientCredentials> {
    let account_id = account_id.to_owned();
    OAuth2ClientCredentials::builder(token_url, client_id, client_secret)
        .token_request(move |req| {
            // Instead of client_id/client_secret/grant_type=client_credentials in the form:
            req.clear_form();
            req.client_secret_basic(); // Authorization: Basic base64(client_id:client_secret)
            req.set_form("grant_type", "account_credentials");
            req.set_form("account_id", &account_id);
        })
        .build()
}

/// Walks the OAuth2-protected records of the demo API at `base_url` with the Zoom-style auth.
pub async fn run(base_url: &str) -> restclient::Result<Vec<Value>> {
    let auth = zoom_auth(
        &format!("{base_url}/oauth/token"),
        "demo-client",
        "demo-client-secret",
        "demo-account",
    )?;
    let client = RestClient::builder(base_url)
        .auth(auth)
        .paginator(OffsetPaginator::new(25).total_path("total"))
        .data_selector("items")
        .build()?;
    client
        .paginate("/auth/oauth2/offset")
        .records()
        .try_collect()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder().start_unless_given().await?;
    let records = run(&url).await?;
    println!(
        "{} records through Zoom-style OAuth2 from {url}",
        records.len()
    );
    Ok(())
}
