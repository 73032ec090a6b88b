//! Every auth over real walks against the demo API: wire formats, OAuth2 token life cycle,
//! origin binding and secrecy.

use crate::support::{capture_all_logs, dead_url, demo, ids};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use demo_api::{DemoCredentials, DemoServer, RecordedRequest};
use futures::TryStreamExt;
use futures::future::join_all;
use restclient::auth::{
    ApiKeyAuth, Auth, BearerTokenAuth, ClientAuthMethod, HttpBasicAuth, OAuth2ClientCredentials,
};
use restclient::paginators::{JsonLinkPaginator, OffsetPaginator};
use restclient::retry::RetryPolicy;
use restclient::{Method, Page, RestClient, StatusCode, Value};
use std::collections::HashSet;
use std::time::Duration;

#[path = "../../examples/custom_auth.rs"]
#[allow(dead_code, unreachable_pub)]
mod custom_auth;
#[path = "../../examples/oauth2_zoom.rs"]
#[allow(dead_code, unreachable_pub)]
mod oauth2_zoom;

fn creds() -> DemoCredentials {
    DemoCredentials::default()
}

/// The auth styles the demo API protects routes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bearer,
    ApiKeyHeader,
    ApiKeyQuery,
    ApiKeyCookie,
    Basic,
    OAuth2Post,
    OAuth2Basic,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Bearer,
        Kind::ApiKeyHeader,
        Kind::ApiKeyQuery,
        Kind::ApiKeyCookie,
        Kind::Basic,
        Kind::OAuth2Post,
        Kind::OAuth2Basic,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Bearer => "/auth/bearer",
            Kind::ApiKeyHeader => "/auth/api-key/header",
            Kind::ApiKeyQuery => "/auth/api-key/query",
            Kind::ApiKeyCookie => "/auth/api-key/cookie",
            Kind::Basic => "/auth/basic",
            Kind::OAuth2Post | Kind::OAuth2Basic => "/auth/oauth2",
        }
    }

    fn is_oauth2(self) -> bool {
        matches!(self, Kind::OAuth2Post | Kind::OAuth2Basic)
    }

    /// The right credentials for the demo server at `url`.
    fn auth(self, url: &str) -> Box<dyn Auth> {
        let c = creds();
        match self {
            Kind::Bearer => Box::new(BearerTokenAuth::new(c.bearer_token)),
            Kind::ApiKeyHeader => Box::new(ApiKeyAuth::header("X-API-Key", c.api_key)),
            Kind::ApiKeyQuery => Box::new(ApiKeyAuth::query("api_key", c.api_key)),
            Kind::ApiKeyCookie => Box::new(ApiKeyAuth::cookie("api_key", c.api_key)),
            Kind::Basic => Box::new(HttpBasicAuth::new(c.username, c.password)),
            Kind::OAuth2Post => Box::new(oauth2(url, &c.client_secret)),
            Kind::OAuth2Basic => Box::new(
                OAuth2ClientCredentials::builder(
                    &format!("{url}/oauth/token"),
                    c.client_id,
                    c.client_secret,
                )
                .client_auth_method(ClientAuthMethod::ClientSecretBasic)
                .build()
                .unwrap(),
            ),
        }
    }

    /// Credentials of the right shape with a wrong secret (`wrong`).
    fn wrong_auth(self, url: &str, wrong: &str) -> Box<dyn Auth> {
        let c = creds();
        match self {
            Kind::Bearer => Box::new(BearerTokenAuth::new(wrong)),
            Kind::ApiKeyHeader => Box::new(ApiKeyAuth::header("X-API-Key", wrong)),
            Kind::ApiKeyQuery => Box::new(ApiKeyAuth::query("api_key", wrong)),
            Kind::ApiKeyCookie => Box::new(ApiKeyAuth::cookie("api_key", wrong)),
            Kind::Basic => Box::new(HttpBasicAuth::new(c.username, wrong)),
            Kind::OAuth2Post | Kind::OAuth2Basic => Box::new(oauth2(url, wrong)),
        }
    }
}

/// OAuth2 client credentials (client_secret_post) against the demo server at `url`.
fn oauth2(url: &str, client_secret: &str) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(
        &format!("{url}/oauth/token"),
        creds().client_id,
        client_secret,
    )
    .unwrap()
}

/// A client for the offset routes (pages of 10, total known).
fn offset_client(server: &DemoServer, auth: impl Auth) -> RestClient {
    RestClient::builder(server.url())
        .auth(auth)
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .data_selector("items")
        .build()
        .unwrap()
}

/// The requests the server received under `prefix`.
fn requests_under(server: &DemoServer, prefix: &str) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect()
}

fn token_requests(server: &DemoServer) -> Vec<RecordedRequest> {
    requests_under(server, "/oauth/token")
}

/// The form fields of a recorded request body.
fn form(request: &RecordedRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The bearer tokens the server received.
fn bearer_tokens(server: &DemoServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization"))
        .filter_map(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .collect()
}

async fn walk(client: &RestClient, path: &str) -> restclient::Result<Vec<Value>> {
    client.paginate(path).records().try_collect().await
}

#[tokio::test]
async fn every_auth_walks_every_page_and_nothing_without_it() {
    for kind in Kind::ALL {
        let server = demo(95, 10).await;
        let client = offset_client(&server, kind.auth(&server.url()));
        let path = format!("{}/offset", kind.prefix());
        let records = walk(&client, &path).await.unwrap();
        assert_eq!(ids(&records), (1..=95).collect::<Vec<_>>(), "{kind:?}");
        assert_eq!(requests_under(&server, "/auth/").len(), 10, "{kind:?}");
        if kind.is_oauth2() {
            assert_eq!(
                server.tokens_issued(),
                1,
                "{kind:?}: one token for the walk"
            );
        }

        // The same walk without credentials is refused, with the status in the error.
        let err = client
            .paginate(&path)
            .without_auth()
            .records()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(StatusCode::UNAUTHORIZED),
            "{kind:?}: {err}"
        );
        assert!(err.to_string().contains("401"), "{err}");
    }
}

#[tokio::test]
async fn auth_set_per_call_overrides_the_client_auth() {
    let server = demo(30, 10).await;
    let c = creds();
    let client = offset_client(&server, BearerTokenAuth::new("not-the-token"));
    let refused = client.get("/auth/bearer/offset").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json().unwrap()["error"], "invalid bearer token");

    let ok = client
        .request(Method::GET, "/auth/bearer/offset")
        .auth(BearerTokenAuth::new(c.bearer_token.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let records: Vec<Value> = client
        .paginate("/auth/basic/offset")
        .auth(HttpBasicAuth::new(c.username, c.password))
        .records()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 30);
    let posted = client
        .request(Method::POST, "/auth/api-key/header/echo")
        .auth(ApiKeyAuth::header("X-API-Key", c.api_key))
        .json(&serde_json::json!({"q": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
}

#[tokio::test]
async fn wire_formats() {
    let server = demo(10, 10).await;
    let c = creds();
    let client = RestClient::builder(server.url())
        .header("Cookie", "theme=dark")
        .build()
        .unwrap();
    let server = &server;
    let echo = |auth: Box<dyn Auth>, path: &'static str| {
        let client = client.clone();
        async move {
            server.clear_requests();
            let r = client
                .request(Method::GET, path)
                .auth(auth)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}: {:?}", r.json());
            server.requests().pop().unwrap()
        }
    };

    let seen = echo(
        Box::new(BearerTokenAuth::new(c.bearer_token.as_str())),
        "/auth/bearer/echo",
    )
    .await;
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer demo-bearer-token")
    );

    // dlt's defaults: header `Authorization`, the key with no prefix.
    let seen = echo(Box::new(ApiKeyAuth::new("raw-key")), "/echo").await;
    assert_eq!(seen.header("authorization"), Some("raw-key"));
    let seen = echo(
        Box::new(ApiKeyAuth::header("X-API-Key", c.api_key.as_str())),
        "/auth/api-key/header/echo",
    )
    .await;
    assert_eq!(seen.header("x-api-key"), Some("demo-api-key"));

    // Query: appended after the parameters already there.
    let seen = echo(
        Box::new(ApiKeyAuth::query("api_key", c.api_key.as_str())),
        "/auth/api-key/query/echo?a=1&b=2",
    )
    .await;
    assert_eq!(seen.query.as_deref(), Some("a=1&b=2&api_key=demo-api-key"));

    // Cookie: merged with the Cookie header the client already sends.
    let seen = echo(
        Box::new(ApiKeyAuth::cookie("api_key", c.api_key.as_str())),
        "/auth/api-key/cookie/echo",
    )
    .await;
    assert_eq!(
        seen.header("cookie"),
        Some("theme=dark; api_key=demo-api-key")
    );

    let seen = echo(Box::new(HttpBasicAuth::new("user", "password")), "/echo").await;
    assert_eq!(
        seen.header("authorization"),
        Some("Basic dXNlcjpwYXNzd29yZA==")
    );
    let seen = echo(
        Box::new(HttpBasicAuth::new(c.username, c.password)),
        "/auth/basic/echo",
    )
    .await;
    assert!(seen.header("authorization").unwrap().starts_with("Basic "));
}

#[tokio::test]
async fn oauth2_token_requests_for_post_basic_and_extra_data() {
    let server = demo(10, 10).await;
    let c = creds();
    let client = RestClient::builder(server.url()).build().unwrap();

    let post = OAuth2ClientCredentials::builder(
        &format!("{}/oauth/token", server.url()),
        c.client_id.as_str(),
        c.client_secret.as_str(),
    )
    .access_token_request_data([("scope", "read")])
    .build()
    .unwrap();
    let r = client
        .request(Method::GET, "/auth/oauth2/echo")
        .auth(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token_request = token_requests(&server).pop().unwrap();
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.header("authorization"), None);
    assert!(
        token_request
            .header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form(&token_request),
        pairs(&[
            ("client_id", "demo-client"),
            ("client_secret", "demo-client-secret"),
            ("grant_type", "client_credentials"),
            ("scope", "read"),
        ])
    );
    let sent = requests_under(&server, "/auth/oauth2").pop().unwrap();
    assert!(
        sent.header("authorization")
            .unwrap()
            .starts_with("Bearer demo-access-1-")
    );

    let basic = OAuth2ClientCredentials::builder(
        &format!("{}/oauth/token", server.url()),
        c.client_id.as_str(),
        c.client_secret.as_str(),
    )
    .client_auth_method(ClientAuthMethod::ClientSecretBasic)
    .build()
    .unwrap();
    let r = client
        .request(Method::GET, "/auth/oauth2/echo")
        .auth(basic)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token_request = token_requests(&server).pop().unwrap();
    let expected = BASE64_STANDARD.encode("demo-client:demo-client-secret");
    assert_eq!(
        token_request.header("authorization"),
        Some(format!("Basic {expected}").as_str())
    );
    assert_eq!(
        form(&token_request),
        pairs(&[("grant_type", "client_credentials")])
    );
    assert_eq!(server.tokens_issued(), 2);
}

#[tokio::test]
async fn oauth2_refreshes_during_a_walk_when_the_token_is_due() {
    // Tokens live 30 s; with a refresh skew of 60 s each one is due as soon as it arrives,
    // so every page of the walk needs a new one (and the walk never sees a 401).
    let server = DemoServer::builder()
        .records(50)
        .page_size(10)
        .token_expires_in(30)
        .start()
        .await
        .unwrap();
    let auth = OAuth2ClientCredentials::builder(
        &format!("{}/oauth/token", server.url()),
        creds().client_id,
        creds().client_secret,
    )
    .refresh_skew(Duration::from_secs(60))
    .build()
    .unwrap();
    let client = offset_client(&server, auth);
    let records = walk(&client, "/auth/oauth2/offset").await.unwrap();
    assert_eq!(records.len(), 50);
    assert_eq!(
        requests_under(&server, "/auth/").len(),
        5,
        "no request was refused"
    );
    assert_eq!(server.tokens_issued(), 5);
    let distinct: HashSet<String> = bearer_tokens(&server).into_iter().collect();
    assert_eq!(distinct.len(), 5, "each page used a fresh token");

    // With the default skew (10 % of 30 s) one token serves the whole walk.
    let server = DemoServer::builder()
        .records(50)
        .page_size(10)
        .token_expires_in(30)
        .start()
        .await
        .unwrap();
    let client = offset_client(&server, oauth2(&server.url(), &creds().client_secret));
    assert_eq!(
        walk(&client, "/auth/oauth2/offset").await.unwrap().len(),
        50
    );
    assert_eq!(server.tokens_issued(), 1);
}

#[tokio::test]
async fn oauth2_accepts_expires_in_as_a_string() {
    // `"30"` must be read as 30 s (the fallback of 3600 s would keep one token).
    let server = DemoServer::builder()
        .records(30)
        .page_size(10)
        .token_expires_in(30)
        .start()
        .await
        .unwrap();
    let auth = OAuth2ClientCredentials::builder(
        &format!("{}/oauth/token?expires_in_format=string", server.url()),
        creds().client_id,
        creds().client_secret,
    )
    .refresh_skew(Duration::from_secs(60))
    .build()
    .unwrap();
    let client = offset_client(&server, auth);
    assert_eq!(
        walk(&client, "/auth/oauth2/offset").await.unwrap().len(),
        30
    );
    assert_eq!(server.tokens_issued(), 3);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_the_request() {
    let server = demo(50, 10).await;
    let client = offset_client(&server, oauth2(&server.url(), &creds().client_secret));
    let mut pages = client.paginate("/auth/oauth2/offset").pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.extend(ids(&page));
        if page.number() == 2 {
            server.revoke_tokens();
        }
    }
    assert_eq!(seen, (1..=50).collect::<Vec<_>>());
    assert_eq!(server.tokens_issued(), 2);
    let api = requests_under(&server, "/auth/oauth2/offset");
    assert_eq!(api.len(), 6, "5 pages and one refused request");
    assert_eq!(
        api[2].query, api[3].query,
        "the refused request was retried as it was"
    );
    assert_ne!(
        api[2].header("authorization"),
        api[3].header("authorization")
    );
}

#[tokio::test]
async fn an_api_that_keeps_refusing_gets_one_retry_per_request() {
    // Tokens that are expired when issued: the API refuses all of them.
    let server = DemoServer::builder()
        .token_expires_in(0)
        .start()
        .await
        .unwrap();
    let client = offset_client(&server, oauth2(&server.url(), &creds().client_secret));
    let r = client.get("/auth/oauth2/offset").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json().unwrap()["error"], "access token expired");
    assert_eq!(server.tokens_issued(), 2);
    assert_eq!(requests_under(&server, "/auth/").len(), 2);

    let err = walk(&client, "/auth/oauth2/offset").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    assert_eq!(requests_under(&server, "/auth/").len(), 4);
    assert_eq!(server.tokens_issued(), 4);

    // Static credentials cannot be renewed: a wrong key is sent once.
    let server = demo(10, 10).await;
    let client = offset_client(&server, BearerTokenAuth::new("wrong-token"));
    let err = walk(&client, "/auth/bearer/offset").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn concurrent_requests_share_one_token_fetch_and_one_refresh() {
    let server = demo(80, 10).await;
    let client = offset_client(&server, oauth2(&server.url(), &creds().client_secret));
    let get_all = || {
        join_all((0..8).map(|i| {
            let client = client.clone();
            async move {
                client
                    .get(&format!("/auth/oauth2/offset?offset={}", i * 10))
                    .await
            }
        }))
    };
    for r in get_all().await {
        assert_eq!(r.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(server.tokens_issued(), 1);
    assert_eq!(token_requests(&server).len(), 1);

    // All eight are refused together: one refresh serves them all.
    server.revoke_tokens();
    for r in get_all().await {
        assert_eq!(r.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(server.tokens_issued(), 2);
    assert_eq!(token_requests(&server).len(), 2);
    assert_eq!(requests_under(&server, "/auth/").len(), 8 + 16);
}

#[tokio::test]
async fn wrong_client_credentials_fail_clearly_without_a_retry_storm() {
    let server = demo(30, 10).await;
    let client = offset_client(&server, oauth2(&server.url(), "wrong-client-secret"));
    let err = walk(&client, "/auth/oauth2/offset").await.unwrap_err();
    assert!(err.is_auth(), "expected an auth error, got {err:?}");
    let message = err.to_string();
    let token_url = format!("{}/oauth/token", server.url());
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains(&token_url), "{message}");
    assert!(message.contains("invalid_client"), "{message}");
    assert!(!err.to_string().contains("wrong-client-secret"), "{err}");
    assert_eq!(token_requests(&server).len(), 1);
    assert!(
        requests_under(&server, "/auth/").is_empty(),
        "no request without a token"
    );
    assert_eq!(server.tokens_issued(), 0);

    // `get` reports it the same way; each call tries once.
    let err = client.get("/auth/oauth2/offset").await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(token_requests(&server).len(), 2);

    // Concurrent requests share the failed fetch as they would share a token.
    let results = join_all((0..8).map(|_| client.get("/auth/oauth2/offset").send())).await;
    for r in results {
        let err = r.unwrap_err();
        assert!(err.is_auth() && err.to_string().contains("401"), "{err}");
    }
    assert_eq!(token_requests(&server).len(), 3);
    assert!(requests_under(&server, "/auth/").is_empty());
}

#[tokio::test]
async fn token_endpoint_faults_are_auth_errors() {
    let server = demo(10, 10).await;
    let client = RestClient::builder(server.url()).build().unwrap();
    let c = creds();

    // 5xx is retried by the token retry policy, then reported with its status.
    let auth = OAuth2ClientCredentials::builder(
        &format!("{}/oauth/token?fault=server_error", server.url()),
        c.client_id.as_str(),
        c.client_secret.as_str(),
    )
    .retry(RetryPolicy::default().max_attempts(3).backoff_factor(0.0))
    .build()
    .unwrap();
    let err = client
        .request(Method::GET, "/auth/oauth2/offset")
        .auth(auth)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_auth() && err.to_string().contains("503"), "{err}");
    assert_eq!(token_requests(&server).len(), 3);

    // A 200 without `access_token` is an error, never `Bearer None`.
    let auth = OAuth2ClientCredentials::new(
        &format!("{}/oauth/token?fault=no_access_token", server.url()),
        c.client_id.as_str(),
        c.client_secret.as_str(),
    )
    .unwrap();
    let err = client
        .request(Method::GET, "/auth/oauth2/offset")
        .auth(auth)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_auth() && err.to_string().contains("no `access_token`"),
        "{err}"
    );
    assert!(requests_under(&server, "/auth/").is_empty());

    // An unreachable token endpoint.
    let dead = dead_url().await;
    let auth =
        OAuth2ClientCredentials::builder(&format!("{dead}/oauth/token"), "id", "dead-secret")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
    let err = client
        .request(Method::GET, "/auth/oauth2/offset")
        .auth(auth)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_auth() && err.to_string().contains("could not reach"),
        "{err}"
    );
}

#[tokio::test]
async fn zoom_style_token_request_hook() {
    let server = demo(100, 10).await;
    let records = oauth2_zoom::run(&server.url()).await.unwrap();
    assert_eq!(ids(&records), (1..=100).collect::<Vec<_>>());
    assert_eq!(server.tokens_issued(), 1);
    let token_request = token_requests(&server).pop().unwrap();
    let expected = BASE64_STANDARD.encode("demo-client:demo-client-secret");
    assert_eq!(
        token_request.header("authorization"),
        Some(format!("Basic {expected}").as_str())
    );
    assert_eq!(
        form(&token_request),
        pairs(&[
            ("grant_type", "account_credentials"),
            ("account_id", "demo-account")
        ])
    );

    // The wrong account is refused by the token endpoint, and the error says how.
    let auth = oauth2_zoom::zoom_auth(
        &format!("{}/oauth/token", server.url()),
        "demo-client",
        "demo-client-secret",
        "other-account",
    )
    .unwrap();
    let err = offset_client(&server, auth)
        .get("/auth/oauth2/offset")
        .await
        .unwrap_err();
    assert!(
        err.is_auth()
            && err.to_string().contains("400")
            && err.to_string().contains("invalid_grant"),
        "{err}"
    );
}

#[tokio::test]
async fn custom_auth_example() {
    let server = demo(10, 10).await;
    let received = custom_auth::run(&server.url(), "custom-t0ken")
        .await
        .unwrap();
    assert_eq!(received.as_deref(), Some("Custom custom-t0ken"));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Custom custom-t0ken")
    );
    let shown = format!("{:?}", custom_auth::CustomAuth::new("custom-t0ken"));
    assert!(!shown.contains("custom-t0ken"), "{shown}");
}

/// A custom auth with a careless `Debug` (derived over a plain `String`).
#[derive(Debug)]
struct LeakyAuth(String);

impl Auth for LeakyAuth {
    fn apply(&self, request: &mut restclient::Request) -> restclient::Result<()> {
        request.set_header("X-Leaky", &self.0)
    }
    fn secrets(&self) -> Vec<String> {
        vec![self.0.clone()]
    }
}

/// Every credential value a test could leak: configured ones, their encodings, wrong ones
/// it used, and every token the server issued.
fn all_secrets(servers: &[&DemoServer], extra: &[&str]) -> Vec<String> {
    let c = creds();
    let mut secrets = vec![
        c.bearer_token.clone(),
        c.api_key.clone(),
        c.password.clone(),
        c.client_secret.clone(),
        BASE64_STANDARD.encode(format!("{}:{}", c.username, c.password)),
        BASE64_STANDARD.encode(format!("{}:{}", c.client_id, c.client_secret)),
        "custom-t0ken".to_owned(),
    ];
    secrets.extend(extra.iter().map(|s| (*s).to_owned()));
    for server in servers {
        secrets.extend(
            bearer_tokens(server)
                .into_iter()
                .filter(|t| t.starts_with("demo-access-")),
        );
    }
    secrets
}

#[tokio::test]
async fn credentials_never_leave_their_origin() {
    let (logs, _guard) = capture_all_logs();
    let api = demo(30, 10).await;
    let other = demo(30, 10).await;
    for kind in Kind::ALL {
        other.clear_requests();
        let client = RestClient::builder(api.url())
            .auth(kind.auth(&api.url()))
            .build()
            .unwrap();

        // A JSON next link to another origin (another port).
        let pages: Vec<Page> = client
            .paginate(&format!("{}/link", kind.prefix()))
            .param("next", format!("{}/single", other.url()))
            .paginator(JsonLinkPaginator::new())
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 2, "{kind:?}");
        assert_eq!(pages[1].response().url().port(), other.addr().port().into());

        // A 302 redirect to another origin.
        let r = client
            .request(Method::GET, &format!("{}/redirect", kind.prefix()))
            .param("to", format!("{}/echo", other.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{kind:?}");

        // A redirect within the origin keeps them (the target is protected too).
        let r = client
            .request(Method::GET, &format!("{}/redirect", kind.prefix()))
            .param("to", format!("{}/echo", kind.prefix()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{kind:?}: {:?}", r.json());

        let seen = other.requests();
        assert_eq!(seen.len(), 2, "{kind:?}");
        let secrets = all_secrets(&[&api], &[]);
        for request in &seen {
            for name in ["authorization", "x-api-key", "cookie"] {
                assert_eq!(
                    request.header(name),
                    None,
                    "{kind:?}: {name} sent to {}",
                    request.path
                );
            }
            let query = request.query.clone().unwrap_or_default();
            assert!(!query.contains("api_key"), "{kind:?}: {query}");
            let wire = format!("{:?} {query}", request.headers);
            for secret in &secrets {
                assert!(
                    !wire.contains(secret.as_str()),
                    "{kind:?}: {secret} reached the other origin"
                );
            }
        }
    }
    let text = logs.text();
    let warnings = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("not sending credentials"))
        .count();
    assert_eq!(warnings, 2 * Kind::ALL.len(), "{text}");
}

#[tokio::test]
async fn no_secret_in_logs_debug_or_errors() {
    let (logs, _guard) = capture_all_logs();
    let server = demo(30, 10).await;
    let other = demo(10, 10).await;
    let mut texts: Vec<String> = Vec::new();
    const WRONG: &str = "wr0ng-s3cret-value";

    for kind in Kind::ALL {
        let client = offset_client(&server, kind.auth(&server.url()));
        texts.push(format!("{client:?}"));
        let mut pages = client
            .paginate(&format!("{}/offset", kind.prefix()))
            .pages();
        while let Some(page) = pages.try_next().await.unwrap() {
            texts.push(format!("{page:?}"));
            texts.push(format!("{:?} {}", page.response(), page.response().url()));
        }
        texts.push(format!("{pages:?}"));
        texts.push(format!("{client:?}"));
        // A redirect out of the origin is logged too.
        let r = client
            .request(Method::GET, &format!("{}/redirect", kind.prefix()))
            .param("to", format!("{}/echo", other.url()))
            .send()
            .await
            .unwrap();
        texts.push(format!("{r:?}"));

        // Wrong credentials: the errors (and their Debug) must not show them either.
        let wrong = offset_client(&server, kind.wrong_auth(&server.url(), WRONG));
        texts.push(format!("{wrong:?}"));
        let err = walk(&wrong, &format!("{}/offset", kind.prefix()))
            .await
            .unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    // Secrets given as plain headers and query parameters are masked as well.
    let client = RestClient::builder(server.url())
        .header("X-API-Key", "pl41n-header-secret")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .paginate("/status/500")
        .param("token", "pl41n-query-secret")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    texts.push(format!("{err} {err:?} {client:?}"));

    // Builders, and a custom auth whose own Debug shows its token (masked by its `secrets`).
    texts.push(format!(
        "{:?}",
        client
            .paginate("/x")
            .param("api_key", "pl41n-query-secret")
            .auth(LeakyAuth("l3aky-t0ken".into()))
    ));
    texts.push(format!(
        "{:?}",
        client
            .request(Method::GET, "/x?token=pl41n-query-secret")
            .header("X-Token", "pl41n-header-secret")
    ));
    let leaky = RestClient::builder(server.url())
        .auth(LeakyAuth("l3aky-t0ken".into()))
        .build()
        .unwrap();
    texts.push(format!("{leaky:?}"));
    let r = leaky.get("/echo").await.unwrap();
    texts.push(format!("{r:?}"));

    let text = logs.text();
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "logs were captured: {text}"
    );
    assert!(
        text.contains("/auth/oauth2/offset"),
        "the walks were logged: {text}"
    );
    let secrets = all_secrets(
        &[&server],
        &[
            WRONG,
            "pl41n-header-secret",
            "pl41n-query-secret",
            "l3aky-t0ken",
        ],
    );
    assert!(secrets.len() > 10, "issued tokens are checked too");
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} in the logs:\n{text}"
        );
        for t in &texts {
            assert!(!t.contains(secret.as_str()), "{secret} in {t}");
        }
    }
}

#[tokio::test]
async fn a_token_fetch_that_times_out_is_an_auth_error_that_says_it_timed_out() {
    let slow = crate::support::server::http(|_req| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        crate::support::server::ok(serde_json::json!({"access_token": "late"}))
    });
    let auth = OAuth2ClientCredentials::builder(&format!("{}/token", slow.url()), "id", "s3cret")
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let server = demo(5, 5).await;
    let err = RestClient::builder(server.url())
        .auth(auth)
        .build()
        .unwrap()
        .get("/posts/1")
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(err.is_timeout(), "the cause is kept: {err:?}");
    assert!(std::error::Error::source(&err).is_some());
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(server.requests().is_empty(), "nothing sent without a token");
}
