//! The auth-protected routes and the OAuth2 token endpoint, over real HTTP.

use demo_api::{DemoCredentials, DemoServer};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Basic credentials, form fields, and the expected status and OAuth2 error.
type TokenCase<'a> = (
    Option<(&'a str, &'a str)>,
    Vec<(&'a str, &'a str)>,
    StatusCode,
    &'a str,
);

/// Sends `request` and returns the status, the `WWW-Authenticate` header and the JSON body.
async fn send(
    request: RequestBuilder,
) -> Result<(StatusCode, Option<String>, Value), reqwest::Error> {
    let response = request.send().await?;
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((status, challenge, response.json().await?))
}

/// Asks the token endpoint with form `fields` (and Basic credentials when given).
async fn token(
    server: &DemoServer,
    basic: Option<(&str, &str)>,
    fields: &[(&str, &str)],
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut request = Client::new()
        .post(format!("{}/oauth/token", server.url()))
        .form(fields);
    if let Some((user, password)) = basic {
        request = request.basic_auth(user, Some(password));
    }
    let (status, _, body) = send(request).await?;
    Ok((status, body))
}

const POST_FIELDS: [(&str, &str); 3] = [
    ("client_id", "demo-client"),
    ("client_secret", "demo-client-secret"),
    ("grant_type", "client_credentials"),
];

#[tokio::test]
async fn each_protected_route_needs_its_credentials() -> TestResult {
    let server = DemoServer::builder()
        .records(25)
        .page_size(10)
        .start()
        .await?;
    let c = DemoCredentials::default();
    let url = server.url();
    let client = Client::new();
    let cases: Vec<(&str, RequestBuilder, RequestBuilder)> = vec![
        (
            "/auth/bearer",
            client
                .get(format!("{url}/auth/bearer/offset"))
                .bearer_auth(&c.bearer_token),
            client
                .get(format!("{url}/auth/bearer/offset"))
                .bearer_auth("nope"),
        ),
        (
            "/auth/api-key/header",
            client
                .get(format!("{url}/auth/api-key/header/offset"))
                .header("X-API-Key", &c.api_key),
            client
                .get(format!("{url}/auth/api-key/header/offset"))
                .header("Authorization", &c.api_key),
        ),
        (
            "/auth/api-key/query",
            client.get(format!(
                "{url}/auth/api-key/query/offset?offset=10&api_key={}",
                c.api_key
            )),
            client.get(format!(
                "{url}/auth/api-key/query/offset?offset=10&api_key=nope"
            )),
        ),
        (
            "/auth/api-key/cookie",
            client
                .get(format!("{url}/auth/api-key/cookie/offset"))
                .header("Cookie", format!("a=1; api_key={}", c.api_key)),
            client
                .get(format!("{url}/auth/api-key/cookie/offset"))
                .header("Cookie", "a=1"),
        ),
        (
            "/auth/basic",
            client
                .get(format!("{url}/auth/basic/offset"))
                .basic_auth(&c.username, Some(&c.password)),
            client
                .get(format!("{url}/auth/basic/offset"))
                .basic_auth(&c.username, Some("nope")),
        ),
    ];
    for (prefix, good, bad) in cases {
        let (status, _, body) = send(good).await?;
        assert_eq!(status, StatusCode::OK, "{prefix}: {body}");
        assert_eq!(body["total"], 25, "{prefix}: offset style with a total");
        assert!(body["items"].is_array(), "{prefix}");
        let (status, challenge, body) = send(bad).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{prefix}");
        assert!(challenge.is_some(), "{prefix}: WWW-Authenticate");
        assert!(body["error"].is_string(), "{prefix}: {body}");
        let (status, _, _) = send(client.get(format!("{url}{prefix}/offset"))).await?;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{prefix} without credentials"
        );
    }

    // `/link` points the next link wherever it is told.
    let (status, _, body) = send(
        client
            .get(format!("{url}/auth/bearer/link?next=http://elsewhere/x"))
            .bearer_auth(&c.bearer_token),
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["next"], "http://elsewhere/x");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(10));
    Ok(())
}

#[tokio::test]
async fn token_endpoint_grants_and_errors() -> TestResult {
    let server = DemoServer::builder().token_expires_in(120).start().await?;

    // client_secret_post
    let (status, body) = token(&server, None, &POST_FIELDS).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 120);
    let first = body["access_token"].as_str().unwrap_or_default().to_owned();
    assert!(!first.is_empty());

    // client_secret_basic, and Zoom's account_credentials grant
    let basic = Some(("demo-client", "demo-client-secret"));
    let (status, body) = token(&server, basic, &[("grant_type", "client_credentials")]).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["access_token"], first.as_str(), "every token is fresh");
    let zoom = [
        ("grant_type", "account_credentials"),
        ("account_id", "demo-account"),
    ];
    let (status, body) = token(&server, basic, &zoom).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(server.tokens_issued(), 3);

    let errors: Vec<TokenCase<'_>> = vec![
        (
            None,
            vec![
                ("client_id", "demo-client"),
                ("client_secret", "wrong"),
                ("grant_type", "client_credentials"),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(("demo-client", "wrong")),
            vec![("grant_type", "client_credentials")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            None,
            vec![("grant_type", "client_credentials")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            basic,
            POST_FIELDS.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (basic, vec![], StatusCode::BAD_REQUEST, "invalid_request"),
        (
            basic,
            vec![("grant_type", "password")],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            basic,
            vec![
                ("grant_type", "account_credentials"),
                ("account_id", "other"),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
    ];
    for (basic, fields, want_status, want_error) in errors {
        let (status, body) = token(&server, basic, &fields).await?;
        assert_eq!(
            (status, body["error"].as_str()),
            (want_status, Some(want_error)),
            "{fields:?}"
        );
    }
    assert_eq!(server.tokens_issued(), 3, "errors issue no token");
    Ok(())
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() -> TestResult {
    let server = DemoServer::builder().token_expires_in(0).start().await?;
    let protected = format!("{}/auth/oauth2/offset", server.url());
    let client = Client::new();

    let (_, body) = token(&server, None, &POST_FIELDS).await?;
    assert_eq!(body["expires_in"], 0);
    let expired = body["access_token"].as_str().unwrap_or_default().to_owned();
    let (status, _, body) = send(client.get(&protected).bearer_auth(&expired)).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "access token expired");

    server.set_token_expires_in(3600);
    let (_, body) = token(&server, None, &POST_FIELDS).await?;
    let fresh = body["access_token"].as_str().unwrap_or_default().to_owned();
    let (status, _, _) = send(client.get(&protected).bearer_auth(&fresh)).await?;
    assert_eq!(status, StatusCode::OK);

    server.revoke_tokens();
    let (status, _, body) = send(client.get(&protected).bearer_auth(&fresh)).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid or revoked access token");
    let (status, _, _) = send(client.get(&protected).bearer_auth("made-up")).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.tokens_issued(), 2);
    Ok(())
}

#[tokio::test]
async fn token_endpoint_faults() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let client = Client::new();
    let url = |query: &str| format!("{}/oauth/token?{query}", server.url());

    let (status, _, _) = send(client.post(url("fault=server_error")).form(&POST_FIELDS)).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, body) =
        send(client.post(url("fault=no_access_token")).form(&POST_FIELDS)).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("access_token").is_none(), "{body}");
    let (status, _, body) = send(
        client
            .post(url("expires_in_format=string"))
            .form(&POST_FIELDS),
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["expires_in"], "3600");
    Ok(())
}

#[tokio::test]
async fn credentials_are_configurable_and_masked_in_debug() -> TestResult {
    let credentials = DemoCredentials {
        bearer_token: "custom-bearer-value".into(),
        ..DemoCredentials::default()
    };
    let server = DemoServer::builder()
        .credentials(credentials.clone())
        .start()
        .await?;
    let client = Client::new();
    let url = format!("{}/auth/bearer/offset", server.url());
    let (status, _, _) = send(client.get(&url).bearer_auth("custom-bearer-value")).await?;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(client.get(&url).bearer_auth("demo-bearer-token")).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let shown = format!("{credentials:?}");
    for secret in [
        "custom-bearer-value",
        "demo-api-key",
        "demo-password",
        "demo-client-secret",
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    Ok(())
}
