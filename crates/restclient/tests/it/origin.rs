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
