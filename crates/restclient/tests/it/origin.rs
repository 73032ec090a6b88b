//! Credentials are bound to the origin of the base URL: a redirect or a next link to another
//! origin (here another server on another port) is sent without them.

use crate::support;
use crate::support::server::{self, Server};
use crate::support::{DemoServer, RecordedRequest, builder, client_at, demo, paths, walk};
use restclient::{
    Method, Request, RestClient, StatusCode,
    auth::{Auth, BearerTokenAuth},
    paginators::JsonLinkPaginator,
};
use serde_json::json;

const TOKEN: &str = "t0ken-abc";
const KEY: &str = "k3y-secret";

/// A client for `base` that signs with a bearer token and sends an API key, a cookie and a
/// harmless trace header as plain client headers.
fn signed_client(base: &str) -> RestClient {
    builder(base)
        .auth(BearerTokenAuth::new(TOKEN))
        .header("X-API-Key", KEY)
        .header("Cookie", "session=s3ssion")
        .header("X-Trace", "trace-1")
        .build()
        .unwrap()
}

/// Asserts that `request` carried every credential.
fn assert_signed(request: &RecordedRequest) {
    let at = request.path_and_query();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "{at}"
    );
    assert_eq!(request.header("x-api-key"), Some(KEY), "{at}");
    assert_eq!(request.header("cookie"), Some("session=s3ssion"), "{at}");
    assert_eq!(request.header("x-trace"), Some("trace-1"), "{at}");
}

/// Asserts that `request` carried no credential, but still the harmless header.
fn assert_unsigned(request: &RecordedRequest) {
    let at = request.path_and_query();
    assert_eq!(request.header("authorization"), None, "{at}");
    assert_eq!(request.header("x-api-key"), None, "{at}");
    assert_eq!(request.header("cookie"), None, "{at}");
    assert_eq!(
        request.header("x-trace"),
        Some("trace-1"),
        "{at}: only credentials are dropped"
    );
    for (name, value) in &request.headers {
        for secret in [TOKEN, KEY, "s3ssion"] {
            assert!(!value.contains(secret), "{at}: {name}: {value}");
        }
    }
}

async fn redirect_to(client: &RestClient, to: &str, status: u16) -> restclient::Response {
    client
        .request(Method::GET, "/redirect")
        .param("to", to)
        .param("status", status)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_followed_without_credentials() {
    let home = demo(5, 5).await;
    let other = demo(5, 5).await;
    let client = signed_client(&home.url());
    for status in [301, 302, 303, 307, 308] {
        home.clear_requests();
        other.clear_requests();
        let response = redirect_to(&client, &format!("{}/echo", other.url()), status).await;
        assert_eq!(response.status(), StatusCode::OK, "{status}");
        assert_eq!(response.url().as_str(), format!("{}/echo", other.url()));

        let sent = home.requests();
        assert_eq!(sent.len(), 1, "{status}");
        assert_signed(&sent[0]);
        let received = other.requests();
        assert_eq!(paths(&other), ["/echo"], "{status}");
        assert_unsigned(&received[0]);
        let echoed = &response.json().unwrap()["headers"];
        assert_eq!(echoed.get("authorization"), None);
        assert_eq!(echoed.get("x-api-key"), None);
    }
}

#[tokio::test]
async fn a_redirect_on_the_same_origin_keeps_the_credentials() {
    let home = demo(5, 5).await;
    let client = signed_client(&home.url());
    let response = redirect_to(&client, "/echo", 302).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sent = home.requests();
    assert_eq!(
        support::path_and_queries(&sent),
        ["/redirect?to=%2Fecho&status=302", "/echo"]
    );
    sent.iter().for_each(assert_signed);
}

#[tokio::test]
async fn the_same_server_under_another_host_name_is_another_origin() {
    let home = demo(5, 5).await;
    let client = signed_client(&home.url());
    let port = home.addr().port();
    redirect_to(&client, &format!("http://localhost:{port}/echo"), 302).await;
    let sent = home.requests();
    assert_eq!(sent.len(), 2);
    assert_signed(&sent[0]);
    assert_unsigned(&sent[1]);
}

/// Sends the key as a query parameter, as API-key auths in the query do.
#[derive(Debug)]
struct QueryKeyAuth;

impl Auth for QueryKeyAuth {
    fn apply(&self, request: &mut Request) -> restclient::Result<()> {
        request.set_param("api_key", KEY);
        Ok(())
    }

    fn secrets(&self) -> Vec<String> {
        vec![KEY.to_owned()]
    }
}

#[tokio::test]
async fn query_credentials_stay_on_their_origin_too() {
    let home = demo(5, 5).await;
    let other = demo(5, 5).await;
    let client = builder(&home.url()).auth(QueryKeyAuth).build().unwrap();
    let response = redirect_to(&client, &format!("{}/echo", other.url()), 302).await;
    assert_eq!(response.status(), StatusCode::OK);
    let to = format!("{}/echo", other.url());
    let to: String = url::form_urlencoded::byte_serialize(to.as_bytes()).collect();
    assert_eq!(
        paths(&home),
        [format!("/redirect?to={to}&status=302&api_key={KEY}")]
    );
    assert_eq!(paths(&other), ["/echo"]);
}

/// A server whose first page links to page 2 of `other`'s `/json-link`.
fn linking_server(other: &DemoServer) -> Server {
    let next = format!("{}/json-link?page=2&page_size=1", other.url());
    server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [support::record(1)], "next": next})) }
    })
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_followed_without_credentials() {
    let other = demo(3, 1).await;
    let home = linking_server(&other);
    let w = walk(
        signed_client(&home.url())
            .paginate("/start")
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    support::assert_records(&w.records(), 3);

    let sent = home.requests();
    assert_eq!(support::path_and_queries(&sent), ["/start"]);
    assert_signed(&sent[0]);
    assert_eq!(
        paths(&other),
        [
            "/json-link?page=2&page_size=1",
            "/json-link?page=3&page_size=1"
        ]
    );
    other.requests().iter().for_each(assert_unsigned);
}

#[tokio::test]
async fn a_per_call_auth_is_bound_to_the_origin_as_well() {
    let other = demo(3, 1).await;
    let home = linking_server(&other);
    let client = client_at(&home.url());
    let w = walk(
        client
            .paginate("/start")
            .auth(BearerTokenAuth::new(TOKEN))
            .header("X-API-Key", KEY)
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    support::assert_records(&w.records(), 3);
    let sent = home.requests();
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(sent[0].header("x-api-key"), Some(KEY));
    for r in other.requests() {
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("x-api-key"), None);
    }
}

#[tokio::test]
async fn an_absolute_url_on_another_origin_gets_no_credentials() {
    let home = demo(5, 5).await;
    let other = demo(5, 5).await;
    let client = signed_client(&home.url());
    let response = client.get(&format!("{}/echo", other.url())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(home.requests().is_empty());
    assert_eq!(paths(&other), ["/echo"]);
    assert_unsigned(&other.requests()[0]);
}

// ---------------------------------------------------------------- secrets in queries and bodies
//
// A secret that travels in a query parameter or a body (a `${NAME}` value, an auth's key, an
// OAuth2 client secret) is bound to its origin too: a request that would carry one to another
// origin is not sent. Each test has a home server and a foreign one (two ports, two origins);
// the foreign one must never see the secret, and the error names both origins.

const SECRET: &str = "s3cret-from-env-9f2c";

/// A foreign server that answers every request with an empty last page.
fn foreign_server() -> Server {
    server::http(|_req| async { server::ok(json!({"data": [], "next": null})) })
}

/// Asserts that no request `server` received held `SECRET`, anywhere.
fn assert_never_saw_the_secret(server: &Server) {
    for r in server.requests() {
        let at = r.path_and_query();
        assert!(!at.contains(SECRET), "{at}");
        assert!(
            !String::from_utf8_lossy(&r.body).contains(SECRET),
            "{at}: body"
        );
        for (name, value) in &r.headers {
            assert!(!value.contains(SECRET), "{at}: {name}: {value}");
        }
    }
}

/// Asserts that `e` is the refusal to carry a secret from `home` to `foreign`, masked.
fn assert_refused(e: &restclient::Error, home: &Server, foreign: &Server, carrier: &str) {
    let text = format!("{e:#}");
    assert_eq!(e.kind(), restclient::ErrorKind::CrossOrigin, "{text}");
    assert!(
        text.contains(&home.url()),
        "names the secret's origin: {text}"
    );
    assert!(
        text.contains(&foreign.url()),
        "names where it was going: {text}"
    );
    assert!(
        text.contains(carrier),
        "names where the secret is ({carrier}): {text}"
    );
    assert!(!text.contains(SECRET), "{text}");
}

/// A client for `home` that knows `SECRET` as a secret (as the CLI and runs declare `${NAME}`
/// values).
fn secret_client(home: &Server) -> RestClient {
    builder(&home.url()).secret(SECRET).build().unwrap()
}

#[tokio::test]
async fn a_next_link_that_would_carry_a_secret_query_abroad_is_not_followed() {
    let foreign = foreign_server();
    // Many APIs echo the request's query into their next link.
    let next = format!("{}/items?key={SECRET}&page=2", foreign.url());
    let home = server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [support::record(1)], "next": next})) }
    });
    let w = support::try_walk(
        secret_client(&home)
            .paginate("/items")
            .param("key", SECRET)
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 1, "the home page arrived");
    assert_refused(w.error(), &home, &foreign, "query");
    assert_eq!(foreign.hits(), 0);
    assert_eq!(home.hits(), 1);
}

#[tokio::test]
async fn a_link_header_that_would_carry_a_secret_abroad_is_not_followed() {
    let foreign = foreign_server();
    let link = format!(
        "<{}/items?cursor=2&key={SECRET}>; rel=\"next\"",
        foreign.url()
    );
    let home = server::http(move |_req| {
        let link = link.clone();
        async move {
            server::raw(
                200,
                "application/json",
                &[("link", link.as_bytes())],
                b"[1]",
            )
        }
    });
    let w = support::try_walk(
        secret_client(&home)
            .paginate("/items")
            .paginator(restclient::paginators::HeaderLinkPaginator::new()),
    )
    .await;
    assert_refused(w.error(), &home, &foreign, "query");
    assert_eq!(foreign.hits(), 0);
}

/// A home server for POST walks whose first page links to `foreign`'s `/more` (no secret in
/// the link itself).
fn post_home(foreign: &Server) -> Server {
    let next = format!("{}/more?limit=100", foreign.url());
    server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [support::record(1)], "next": next})) }
    })
}

#[tokio::test]
async fn a_post_body_with_a_secret_does_not_follow_a_next_link_abroad() {
    let foreign = foreign_server();
    let home = post_home(&foreign);
    let w = support::try_walk(
        secret_client(&home)
            .paginate("/search")
            .method(Method::POST)
            .json(&json!({"query": "open", "auth": {"key": SECRET}}))
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_refused(w.error(), &home, &foreign, "JSON body");
    assert_eq!(foreign.hits(), 0);

    let w = support::try_walk(
        secret_client(&home)
            .paginate("/search")
            .method(Method::POST)
            .form([("q", "open"), ("key", SECRET)])
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_refused(w.error(), &home, &foreign, "form body");
    assert_eq!(foreign.hits(), 0);
}

#[tokio::test]
async fn a_body_and_a_query_without_secrets_still_follow_a_next_link_abroad() {
    let foreign = foreign_server();
    let home = post_home(&foreign);
    let w = support::walk(
        secret_client(&home)
            .paginate("/search")
            .method(Method::POST)
            .json(&json!({"query": "open"}))
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 2);
    let abroad = foreign.requests();
    assert_eq!(support::path_and_queries(&abroad), ["/more?limit=100"]);
    assert_eq!(abroad[0].method, "POST");
    assert_eq!(
        abroad[0].json(),
        Some(json!({"query": "open"})),
        "sent as it is"
    );
}

#[tokio::test]
async fn a_307_or_308_redirect_does_not_carry_a_secret_body_abroad() {
    let foreign = foreign_server();
    for status in [307, 308] {
        let to = format!("{}/landing", foreign.url());
        let home = server::http(move |_req| {
            let to = to.clone();
            async move { server::raw(status, "text/plain", &[("location", to.as_bytes())], b"") }
        });
        let client = secret_client(&home);
        let e = client
            .post("/submit", &json!({"key": SECRET}))
            .await
            .unwrap_err();
        assert_refused(&e, &home, &foreign, "JSON body");
        assert!(
            format!("{e}").contains(&format!("a {status} redirect from")),
            "{e}"
        );
        let e = client
            .request(Method::POST, "/submit")
            .form([("key", SECRET)])
            .await
            .unwrap_err();
        assert_refused(&e, &home, &foreign, "form body");
        assert_eq!(home.hits(), 2);
    }
    assert_eq!(foreign.hits(), 0);
    assert_never_saw_the_secret(&foreign);
}

#[tokio::test]
async fn an_absolute_path_abroad_does_not_get_a_secret_query() {
    let foreign = foreign_server();
    let home = foreign_server();
    let client = secret_client(&home);
    let w = support::try_walk(
        client
            .paginate(&format!("{}/items", foreign.url()))
            .param("key", SECRET),
    )
    .await;
    assert_refused(w.error(), &home, &foreign, "query");
    let e = client
        .get(&format!("{}/items/{SECRET}", foreign.url()))
        .await
        .unwrap_err();
    assert_refused(&e, &home, &foreign, "path");
    assert_eq!(foreign.hits(), 0);
    assert_eq!(home.hits(), 0);
}

#[tokio::test]
async fn a_tampered_checkpoint_cannot_send_a_secret_abroad() {
    let foreign = foreign_server();
    // Page 1, then a failure, so that the checkpoint stays at page 1.
    let home = server::http(|req| async move {
        match support::server::query_u64(&req, "offset") {
            Some(0) => server::ok(json!({"data": [support::record(1)], "total": 3})),
            _ => server::json(500, json!({"error": "down"})),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("walk.checkpoint");
    let walk = || {
        secret_client(&home)
            .paginate("/items")
            .param("key", SECRET)
            .paginator(restclient::paginators::OffsetPaginator::new(1))
            .checkpoint(&path)
    };
    let w = support::try_walk(walk()).await;
    assert_eq!(w.pages.len(), 1);
    assert!(w.error().is_status());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(SECRET),
        "the file holds a placeholder: {text}"
    );
    // Someone edits the saved next request to point elsewhere.
    let mut saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    saved["next_request"]["url"] = json!(format!("{}/items", foreign.url()));
    std::fs::write(&path, saved.to_string()).unwrap();

    let before = home.hits();
    let w = support::try_walk(walk()).await;
    assert_refused(w.error(), &home, &foreign, "query");
    assert_eq!(foreign.hits(), 0);
    assert_eq!(home.hits(), before, "the resumed walk sent nothing");
}

#[tokio::test]
async fn an_oauth2_token_endpoint_that_redirects_abroad_does_not_get_the_client_secret() {
    use restclient::auth::OAuth2ClientCredentials;
    let foreign = foreign_server();
    for status in [307, 308] {
        let to = format!("{}/token", foreign.url());
        let token_home = server::http(move |_req| {
            let to = to.clone();
            async move { server::raw(status, "text/plain", &[("location", to.as_bytes())], b"") }
        });
        let api = foreign_server();
        let auth = OAuth2ClientCredentials::builder(
            &format!("{}/token", token_home.url()),
            "client-1",
            SECRET,
        )
        .retry(restclient::retry::RetryPolicy::none())
        .build()
        .unwrap();
        let client = builder(&api.url()).auth(auth).build().unwrap();
        let e = client.get("/items").await.unwrap_err();
        assert!(e.is_auth(), "{e:#}");
        let cause = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<restclient::Error>())
            .expect("the refusal is the cause");
        assert_refused(cause, &token_home, &foreign, "form body");
        assert_eq!(token_home.hits(), 1, "the secret went to its own origin");
        assert_eq!(api.hits(), 0, "no token, no API request");
    }
    assert_eq!(foreign.hits(), 0);
    assert_never_saw_the_secret(&foreign);
}

/// A header whose value is a known secret (a `${NAME}` value, a `secret()`) is a credential
/// whatever its name: a next link abroad is followed without it, as with `Authorization`.
#[tokio::test]
async fn a_header_holding_a_secret_value_is_not_sent_abroad_whatever_its_name() {
    let foreign = foreign_server();
    let next = format!("{}/items?page=2", foreign.url());
    let home = server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [support::record(1)], "next": next})) }
    });
    let client = builder(&home.url())
        .secret(SECRET)
        .header("X-Custom", SECRET)
        .build()
        .unwrap();
    let w = walk(
        client
            .paginate("/items")
            .header("X-Call", &format!("Token {SECRET}"))
            .paginator(JsonLinkPaginator::new()),
    )
    .await;
    assert_eq!(w.pages.len(), 2);
    let sent = home.requests();
    assert_eq!(sent[0].header("x-custom"), Some(SECRET), "sent at home");
    assert_eq!(foreign.hits(), 1, "the next link was followed");
    assert_never_saw_the_secret(&foreign);
}

/// The same through a run: `${NAME}` values in the client's and a resource's headers stay home.
#[tokio::test]
async fn a_runs_secret_headers_are_not_sent_abroad() {
    let foreign = foreign_server();
    let next = format!("{}/items?page=2", foreign.url());
    let home = server::http(move |_req| {
        let next = next.clone();
        async move { server::ok(json!({"data": [support::record(1)], "next": next})) }
    });
    let config = json!({
        "client": {"base_url": home.url(), "headers": {"X-Custom": "${TOKEN}"}},
        "resources": [{"name": "items", "endpoint": {
            "path": "items", "headers": {"X-Res": "Token ${TOKEN}"}, "data_selector": "data",
            "paginator": {"type": "json_link", "next_url_path": "next"}}}],
    });
    let mut env =
        restclient::spec::EnvExpander::new(|name: &str| (name == "TOKEN").then(|| SECRET.into()));
    let mut records = restclient::run::Run::from_value_with_env(config, &mut env)
        .unwrap()
        .records();
    let mut n = 0;
    while let Some(r) = futures::StreamExt::next(&mut records).await {
        r.unwrap();
        n += 1;
    }
    assert_eq!(n, 1);
    assert_eq!(home.requests()[0].header("x-custom"), Some(SECRET));
    assert_eq!(foreign.hits(), 1, "the next link was followed");
    assert_never_saw_the_secret(&foreign);
}
