//! Single requests over real HTTP against demo-api's `/echo`: params, bodies, headers, auth,
//! statuses, URL joining, and the typed errors of invalid settings.

use crate::support;
use crate::support::{builder, client, client_at, demo, paths};
use futures::TryStreamExt;
use restclient::{
    Method, RestClient, StatusCode, Value,
    auth::BearerTokenAuth,
    header::{HeaderMap, HeaderValue},
    paginators::{
        HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
        OffsetPaginator, PageNumberPaginator, Paginator,
    },
};
use serde_json::json;

/// The `/echo` description of the request the server received.
fn echo(response: &restclient::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    response.json().unwrap().clone()
}

#[tokio::test]
async fn params_are_sent_in_order() {
    let server = demo(5, 5).await;
    let response = client(&server)
        .request(Method::GET, "/echo")
        .param("a", 1)
        .params([("b", "x y"), ("a", "2")])
        .send()
        .await
        .unwrap();
    let e = echo(&response);
    assert_eq!(e["method"], "GET");
    assert_eq!(e["path"], "/echo");
    assert_eq!(e["query"], json!([["a", "1"], ["b", "x y"], ["a", "2"]]));
    assert_eq!(paths(&server), ["/echo?a=1&b=x+y&a=2"]);
}

#[tokio::test]
async fn post_sends_a_json_body() {
    let server = demo(5, 5).await;
    let e = echo(
        &client(&server)
            .post("/echo", &json!({"query": "rust", "n": [1, 2]}))
            .await
            .unwrap(),
    );
    assert_eq!(e["method"], "POST");
    assert_eq!(e["json"], json!({"query": "rust", "n": [1, 2]}));
    assert_eq!(e["headers"]["content-type"], "application/json");
    assert_eq!(e["form"], Value::Null);
}

#[tokio::test]
async fn any_method_with_a_form_body() {
    let server = demo(5, 5).await;
    let client = client(&server);
    for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
        let e = echo(
            &client
                .request(method.clone(), "/echo")
                .form([("q", "rust lang"), ("n", "1")])
                .send()
                .await
                .unwrap(),
        );
        assert_eq!(e["method"], method.as_str());
        assert_eq!(e["form"], json!([["q", "rust lang"], ["n", "1"]]));
        assert_eq!(
            e["headers"]["content-type"],
            "application/x-www-form-urlencoded"
        );
    }
}

#[tokio::test]
async fn per_call_headers_override_client_headers() {
    let server = demo(5, 5).await;
    let client = builder(&server.url())
        .header("User-Agent", "MyApp/1.0")
        .header("X-Env", "client")
        .build()
        .unwrap();
    let e = echo(&client.get("/echo").await.unwrap());
    assert_eq!(e["headers"]["user-agent"], "MyApp/1.0");
    assert_eq!(e["headers"]["x-env"], "client");
    let e = echo(
        &client
            .request(Method::GET, "/echo")
            .header("X-Env", "call")
            .header("X-Only-Here", "1")
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(e["headers"]["x-env"], "call", "replaced, not added");
    assert_eq!(e["headers"]["x-only-here"], "1");
    assert_eq!(e["headers"]["user-agent"], "MyApp/1.0");
    let e = echo(&client.get("/echo").await.unwrap());
    assert_eq!(
        e["headers"]["x-env"], "client",
        "the override did not stick"
    );
    assert_eq!(e["headers"].get("x-only-here"), None);

    let mut map = HeaderMap::new();
    map.insert("x-env", HeaderValue::from_static("map"));
    map.append("x-tag", HeaderValue::from_static("a"));
    map.append("x-tag", HeaderValue::from_static("b"));
    let e = echo(
        &client
            .request(Method::GET, "/echo")
            .headers(map)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(e["headers"]["x-env"], "map");
    assert_eq!(
        e["headers"]["x-tag"], "a, b",
        "every value of a header is sent"
    );
    assert_eq!(e["headers"]["user-agent"], "MyApp/1.0");
}

#[tokio::test]
async fn client_headers_from_a_map_keep_every_value_and_hide_secrets() {
    let server = demo(5, 5).await;
    let mut map = HeaderMap::new();
    map.append("x-tag", HeaderValue::from_static("a"));
    map.append("x-tag", HeaderValue::from_static("b"));
    map.insert("x-secret-token", HeaderValue::from_static("s3cret-header"));
    let client = builder(&server.url())
        .header("X-Tag", "replaced")
        .headers(map)
        .build()
        .unwrap();
    let e = echo(&client.get("/echo").await.unwrap());
    assert_eq!(e["headers"]["x-tag"], "a, b");
    assert_eq!(e["headers"]["x-secret-token"], "s3cret-header");
    let e = client
        .paginate("/status/404")
        .param("q", "s3cret-header")
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("s3cret-header"), "{e}");
}

#[tokio::test]
async fn per_call_auth_overrides_client_auth_and_can_be_dropped() {
    let server = demo(5, 5).await;
    let client = builder(&server.url())
        .auth(BearerTokenAuth::new("client-token"))
        .build()
        .unwrap();
    let e = echo(&client.get("/echo").await.unwrap());
    assert_eq!(e["headers"]["authorization"], "Bearer client-token");
    let e = echo(
        &client
            .request(Method::GET, "/echo")
            .auth(BearerTokenAuth::new("call-token"))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(e["headers"]["authorization"], "Bearer call-token");
    let e = echo(
        &client
            .request(Method::GET, "/echo")
            .without_auth()
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(e["headers"].get("authorization"), None);

    // The same choices on a walk.
    server.clear_requests();
    let _ = support::walk(client.paginate("/offset")).await;
    let _ = support::walk(
        client
            .paginate("/offset")
            .auth(BearerTokenAuth::new("walk-token")),
    )
    .await;
    let _ = support::walk(client.paginate("/offset").without_auth()).await;
    let sent: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            Some("Bearer client-token".to_owned()),
            Some("Bearer walk-token".to_owned()),
            None
        ]
    );
}

#[tokio::test]
async fn a_non_2xx_response_is_returned_not_an_error() {
    let server = demo(5, 5).await;
    let client = client(&server);
    for code in [400_u16, 404, 418, 500, 503] {
        let response = client.get(&format!("/status/{code}")).await.unwrap();
        assert_eq!(response.status().as_u16(), code);
        assert_eq!(response.json().unwrap(), &json!({"status": code}));
    }
    let response = client.get("/posts/999").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.json().unwrap(), &json!({"error": "not found"}));
    let response = client.get("/posts/3").await.unwrap();
    assert_eq!(response.json().unwrap(), &support::record(3));
}

#[tokio::test]
async fn paths_join_the_base_url_as_dlt_does() {
    let server = demo(5, 5).await;
    let url = server.url();
    let cases = [
        (url.clone(), "echo", "/echo"),
        (url.clone(), "/echo", "/echo"),
        (format!("{url}/"), "/echo", "/echo"),
        (format!("{url}/"), "echo", "/echo"),
        (format!("{url}/echo/api"), "items", "/echo/api/items"),
        (format!("{url}/echo/api/"), "/items", "/echo/api/items"),
        (
            format!("{url}/echo/api"),
            "items?x=1",
            "/echo/api/items?x=1",
        ),
        (format!("{url}/echo/api"), "", "/echo/api"),
    ];
    for (base, path, want) in &cases {
        server.clear_requests();
        let response = builder(base).build().unwrap().get(path).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{base} + {path}");
        assert_eq!(paths(&server), [*want], "{base} + {path}");
    }
    // Params go after a query already in the path.
    server.clear_requests();
    builder(&format!("{url}/echo/api"))
        .build()
        .unwrap()
        .request(Method::GET, "items?x=1")
        .param("y", 2)
        .send()
        .await
        .unwrap();
    assert_eq!(paths(&server), ["/echo/api/items?x=1&y=2"]);
}

#[tokio::test]
async fn an_absolute_url_bypasses_the_base_url() {
    let base = demo(5, 5).await;
    let other = demo(5, 5).await;
    let client = client(&base);
    let e = echo(
        &client
            .get(&format!("{}/echo/x?q=1", other.url()))
            .await
            .unwrap(),
    );
    assert_eq!(e["path"], "/echo/x");
    assert_eq!(paths(&other), ["/echo/x?q=1"]);
    assert!(base.requests().is_empty());
}

#[tokio::test]
async fn a_relative_path_without_a_base_url_is_an_invalid_url() {
    let client = RestClient::builder("").build().unwrap();
    let e = client.get("posts").await.unwrap_err();
    assert!(
        e.is_builder() && e.to_string().contains("invalid request URL `posts`"),
        "{e:?}"
    );
}

#[test]
fn an_invalid_base_url_fails_at_build_naming_it() {
    for (base, shown) in [
        ("not a url", "not a url"),
        ("ftp://x", "ftp://x"),
        ("http://", "http://"),
        ("mailto:me@example.com", "mailto:me@example.com"),
    ] {
        let e = RestClient::builder(base).build().unwrap_err();
        assert!(
            e.is_builder()
                && e.to_string()
                    .starts_with(&format!("invalid base URL `{shown}")),
            "{base}: {e:?}"
        );
        assert!(e.to_string().contains(shown), "{e}");
    }
}

#[test]
fn an_invalid_data_selector_fails_at_build_naming_it() {
    let e = RestClient::builder("http://127.0.0.1:9")
        .data_selector("data[")
        .build()
        .unwrap_err();
    assert!(
        e.is_builder()
            && e.to_string()
                .contains("invalid JSONPath `data[` for `data_selector`"),
        "{e:?}"
    );
    assert!(e.to_string().contains("data["), "{e}");
}

#[test]
fn an_invalid_header_fails_at_build_naming_it() {
    let e = RestClient::builder("http://127.0.0.1:9")
        .header("bad name", "x")
        .build()
        .unwrap_err();
    assert!(
        e.is_builder() && e.to_string().contains("invalid header `bad name`"),
        "{e:?}"
    );
}

/// Asserts that a client with `paginator` fails to build, naming `component` and `parameter`.
#[track_caller]
fn assert_rejected(paginator: impl Paginator, component: &str, parameter: &str) {
    match RestClient::builder("http://127.0.0.1:9")
        .paginator(paginator)
        .build()
    {
        Err(e) if e.is_builder() => assert!(
            e.to_string()
                .contains(&format!("invalid `{parameter}` for {component}")),
            "{e}"
        ),
        other => panic!("expected an invalid {parameter} for {component}, got {other:?}"),
    }
}

#[test]
fn invalid_paginator_settings_fail_at_build_naming_the_parameter() {
    let offset = "OffsetPaginator";
    assert_rejected(OffsetPaginator::new(0), offset, "limit");
    assert_rejected(OffsetPaginator::new(10).offset(-1), offset, "offset");
    assert_rejected(
        OffsetPaginator::new(10)
            .offset_param("o")
            .offset_body_path("o"),
        offset,
        "offset_param/offset_body_path",
    );
    assert_rejected(
        OffsetPaginator::new(10).limit_body_path(""),
        offset,
        "limit_body_path",
    );
    assert_rejected(
        OffsetPaginator::new(10).total_path("a["),
        offset,
        "total_path",
    );
    assert_rejected(
        OffsetPaginator::new(10)
            .without_total()
            .stop_after_empty_page(false),
        offset,
        "total_path",
    );
    let page = "PageNumberPaginator";
    assert_rejected(
        PageNumberPaginator::new()
            .page_param("p")
            .page_body_path("p"),
        page,
        "page_param/page_body_path",
    );
    assert_rejected(
        PageNumberPaginator::new().has_more_path("$["),
        page,
        "has_more_path",
    );
    assert_rejected(
        JsonLinkPaginator::new().next_url_path("next["),
        "JsonLinkPaginator",
        "next_url_path",
    );
    let cursor = "JsonResponseCursorPaginator";
    assert_rejected(
        JsonResponseCursorPaginator::new().cursor_path("a["),
        cursor,
        "cursor_path",
    );
    assert_rejected(
        JsonResponseCursorPaginator::new()
            .cursor_param("c")
            .cursor_body_path("c"),
        cursor,
        "cursor_param/cursor_body_path",
    );
    assert_rejected(
        HeaderLinkPaginator::new().links_next_key(" "),
        "HeaderLinkPaginator",
        "links_next_key",
    );
    assert_rejected(
        HeaderCursorPaginator::new().cursor_key("bad key"),
        "HeaderCursorPaginator",
        "cursor_key",
    );
    assert_rejected(
        HeaderCursorPaginator::new().cursor_param(""),
        "HeaderCursorPaginator",
        "cursor_param",
    );
    let e = RestClient::builder("http://127.0.0.1:9")
        .paginator(
            PageNumberPaginator::new()
                .without_total()
                .stop_after_empty_page(false),
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("maximum_page"),
        "the message names the way out: {e}"
    );
}

#[tokio::test]
async fn json_and_form_on_one_request_is_an_invalid_request() {
    let server = demo(5, 5).await;
    let e = client(&server)
        .request(Method::POST, "/echo")
        .json(&json!({"a": 1}))
        .form([("b", "2")])
        .send()
        .await
        .unwrap_err();
    assert!(e.is_builder(), "{e:?}");
    assert!(e.to_string().contains("json"), "{e}");
    let e = client(&server)
        .request(Method::POST, "/echo")
        .header("bad name", "1")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_builder(), "{e:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn endless_redirects_end_with_too_many_redirects() {
    let odd = support::server::http(|_req| async {
        support::server::raw(
            302,
            "text/plain",
            &[("location", b"/again?api_key=SECRET-K")],
            b"",
        )
    });
    let e = client_at(&odd.url()).get("/again").await.unwrap_err();
    assert!(
        e.kind() == restclient::ErrorKind::Redirect && e.to_string().contains("more than 10"),
        "{e:?}"
    );
    assert!(
        e.to_string().contains(&format!("{}/again", odd.url())),
        "{e}"
    );
    assert_eq!(
        odd.requests().len(),
        11,
        "the first request and 10 redirects"
    );
}

#[tokio::test]
async fn a_requests_own_timeout_and_retry_policy_override_the_clients() {
    let server = demo_api::DemoServer::builder()
        .stall_every(1, std::time::Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    // The client would wait 60 s and try 5 times; this request waits 100 ms, once.
    let client = RestClient::builder(server.url()).build().unwrap();
    let err = client
        .get("/page")
        .timeout(std::time::Duration::from_millis(100))
        .retry(restclient::retry::RetryPolicy::none())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.requests().len(), 1);

    // A walk takes its own too: two attempts, then a timeout that says how many were made.
    server.clear_requests();
    let err = client
        .paginate("/offset")
        .paginator(OffsetPaginator::new(10))
        .timeout(std::time::Duration::from_millis(100))
        .retry(
            restclient::retry::RetryPolicy::default()
                .max_attempts(2)
                .backoff_factor(0.001),
        )
        .records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().ends_with("(after 2 attempts)"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_zero_timeout_is_refused_before_sending() {
    let server = demo(5, 5).await;
    let err = client(&server)
        .get("/posts/1")
        .timeout(std::time::Duration::ZERO)
        .await
        .unwrap_err();
    assert!(
        err.is_builder() && err.to_string().contains("`timeout`"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn post_takes_any_serializable_body() {
    #[derive(serde::Serialize)]
    struct Search<'a> {
        query: &'a str,
        limit: u8,
    }
    let server = demo(5, 5).await;
    let r = client(&server)
        .post(
            "/echo",
            &Search {
                query: "rust",
                limit: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(echo(&r)["json"], json!({"query": "rust", "limit": 3}));
}
