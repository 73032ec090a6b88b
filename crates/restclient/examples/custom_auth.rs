//! A custom auth in a few lines: `Authorization: Custom <token>`.
//!
//! ```text
//! cargo run -p restclient --example custom_auth                 # starts a demo API in-process
//! cargo run -p restclient --example custom_auth -- http://127.0.0.1:8080   # or uses this one
//! ```
//!
//! The URL may also come from `RESTCLIENT_DEMO_URL`. The demo API's `/echo` route answers with
//! the request it received, so the example can show what the server got.

use restclient::auth::{Auth, Secret};
use restclient::{Request, RestClient, Result};

/// Sends `Authorization: Custom <token>`.
#[derive(Debug)]
pub struct CustomAuth {
    token: Secret,
}

impl CustomAuth {
    /// An auth sending `token`.
    pub fn new(token: &str) -> Self {
        CustomAuth {
            token: Secret::new(token),
        }
    }
}

impl Auth for CustomAuth {
    fn apply(&self, request: &mut Request) -> Result<()> {
        request.set_header("Authorization", &format!("Custom {}", self.token.expose()))
    }

    /// So that restclient masks the token in its logs and errors.
    fn secrets(&self) -> Vec<String> {
        vec![self.token.expose().to_owned()]
    }
}

/// Sends one request to the demo API at `base_url` and returns the `Authorization` header the
/// server received.
pub async fn run(base_url: &str, token: &str) -> Result<Option<String>> {
    let client = RestClient::builder(base_url)
        .auth(CustomAuth::new(token))
        .build()?;
    let echoed = client.get("/echo").await?;
    Ok(echoed.json()?["headers"]["authorization"]
        .as_str()
        .map(str::to_owned))
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The API: the first argument, else RESTCLIENT_DEMO_URL, else a demo API started here.
    let (url, _server) = demo_api::DemoServer::builder().start_unless_given().await?;
    let received = run(&url, "my-custom-token").await?;
    let scheme = received
        .as_deref()
        .and_then(|v| v.split_once(' '))
        .map(|(scheme, _)| scheme);
    println!("the server at {url} received an Authorization header with scheme {scheme:?}");
    Ok(())
}
