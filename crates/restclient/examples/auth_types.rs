//! Every built-in auth: a bearer token, an API key in a header, a query parameter or a cookie,
//! HTTP basic, and OAuth2 client credentials.
//!
//! ```text
//! cargo run -p restclient --example auth_types                 # starts a demo API in-process
//! cargo run -p restclient --example auth_types -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`; the server must be a demo-api
//! (`cargo run -p demo-api`) with its default credentials. Each auth walks the protected
//! offset route under its own prefix (`/auth/bearer/offset`, `/auth/basic/offset`, ...), which
//! answers 401 without the right credentials. In real code, read secrets from the environment
//! or a secrets store rather than writing them into the source.

use futures::TryStreamExt;
use restclient::auth::{
    ApiKeyAuth, ApiKeyLocation, Auth, BearerTokenAuth, HttpBasicAuth, OAuth2ClientCredentials,
};
use restclient::paginators::OffsetPaginator;
use restclient::{RestClient, Result, Value};

/// The credentials a demo-api accepts by default (`demo_api::DemoCredentials::default()`).
pub mod demo_credentials {
    /// The bearer token.
    pub const BEARER_TOKEN: &str = "demo-bearer-token";
    /// The API key (header `X-API-Key`, query parameter or cookie `api_key`).
    pub const API_KEY: &str = "demo-api-key";
    /// The basic-auth user.
    pub const USERNAME: &str = "demo-user";
    /// The basic-auth password.
    pub const PASSWORD: &str = "demo-password";
    /// The OAuth2 client id.
    pub const CLIENT_ID: &str = "demo-client";
    /// The OAuth2 client secret.
    pub const CLIENT_SECRET: &str = "demo-client-secret";
}

/// Each auth with the demo route prefix it opens.
pub fn auths(base_url: &str) -> Result<Vec<(&'static str, Box<dyn Auth>)>> {
    use demo_credentials::*;
    Ok(vec![
        // Authorization: Bearer <token>
        ("/auth/bearer", Box::new(BearerTokenAuth::new(BEARER_TOKEN))),
        // X-API-Key: <key> (dlt's default name is `Authorization`, with no prefix)
        (
            "/auth/api-key/header",
            Box::new(ApiKeyAuth::header("X-API-Key", API_KEY)),
        ),
        // ?api_key=<key>, appended to each request's query
        (
            "/auth/api-key/query",
            Box::new(ApiKeyAuth::query("api_key", API_KEY)),
        ),
        // Cookie: api_key=<key> (dlt raises NotImplementedError for this one)
        (
            "/auth/api-key/cookie",
            Box::new(
                ApiKeyAuth::new(API_KEY)
                    .name("api_key")
                    .location(ApiKeyLocation::Cookie),
            ),
        ),
        // Authorization: Basic base64(user:password)
        (
            "/auth/basic",
            Box::new(HttpBasicAuth::new(USERNAME, PASSWORD)),
        ),
        // Authorization: Bearer <token>, the token fetched from the token endpoint with the
        // client credentials grant and renewed before it expires (and once after a 401).
        (
            "/auth/oauth2",
            Box::new(OAuth2ClientCredentials::new(
                &format!("{base_url}/oauth/token"),
                CLIENT_ID,
                CLIENT_SECRET,
            )?),
        ),
    ])
}

/// Walks `<prefix>/offset` of the demo API at `base_url` with each auth; returns the prefix
/// and the records of each walk.
pub async fn run(base_url: &str) -> Result<Vec<(&'static str, Vec<Value>)>> {
    let mut walked = Vec::new();
    for (prefix, auth) in auths(base_url)? {
        // The auth of a client signs every request it sends (a call may override it with
        // `.auth(..)` or `.without_auth()`).
        let client = RestClient::builder(base_url)
            .auth(auth)
            .paginator(OffsetPaginator::new(10).total_path("total"))
            .data_selector("items")
            .build()?;
        let records: Vec<Value> = client
            .paginate(&format!("{prefix}/offset"))
            .records()
            .try_collect()
            .await?;
        walked.push((prefix, records));
    }
    Ok(walked)
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder()
        .records(30)
        .start_unless_given()
        .await?;
    for (prefix, records) in run(&url).await? {
        println!(
            "{:<28} {} records",
            format!("{prefix}/offset"),
            records.len()
        );
    }
    Ok(())
}
