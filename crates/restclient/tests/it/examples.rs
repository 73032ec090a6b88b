//! The examples of `examples/`, proven against demo-api so that none can rot: each example file
//! is included as a module with `#[path]` (its `main` goes unused here) and the function that
//! does its work is run and checked; the custom paginators are walked to the end.

use demo_api::DemoServer;
use futures::TryStreamExt;
use restclient::StopReason;
use restclient::{StatusCode, Value};
use serde_json::json;

use crate::support;
use crate::support::{assert_records, demo, json_bodies, paths, record, repeat, walk_pages};

#[path = "../../examples/query_param_paginator.rs"]
#[allow(dead_code)]
mod query_param_paginator;

#[path = "../../examples/post_body_paginator.rs"]
#[allow(dead_code)]
mod post_body_paginator;

#[tokio::test]
async fn query_param_paginator_walks_every_page_until_an_empty_list() {
    for (n, last) in [(25, 4), (30, 4), (5, 2), (0, 1)] {
        let server = demo(n, 10).await;
        let w = walk_pages(query_param_paginator::walk(&server.url()).unwrap()).await;
        assert_records(&w.records(), n);
        let expected: Vec<String> = (1..=last).map(|p| format!("/posts?page={p}")).collect();
        assert_eq!(paths(&server), expected, "{n} records");
        assert_eq!(
            w.pages.last().map(|p| p.len()),
            Some(0),
            "ends on the empty list"
        );
        assert_eq!(w.stop_reason(), StopReason::PaginatorDone);
        assert_eq!(w.pages[0].paginator()["name"], "QueryParamPaginator");
    }
}

#[tokio::test]
async fn post_body_paginator_keeps_the_query_and_sends_each_cursor() {
    let server = demo(25, 10).await;
    let w = walk_pages(post_body_paginator::walk(&server.url(), "awesome product").unwrap()).await;
    assert_records(&w.records(), 25);
    assert_eq!(paths(&server), support::repeat("/search", 3));
    let cursor = |i: usize| w.pages[i].response().json().unwrap()["next_page_cursor"].clone();
    assert!(cursor(0).is_string() && cursor(1).is_string());
    assert_eq!(cursor(2), json!(null));
    assert_eq!(
        json_bodies(&server),
        [
            Some(json!({"query": "awesome product"})),
            Some(json!({"query": "awesome product", "cursor": cursor(0)})),
            Some(json!({"query": "awesome product", "cursor": cursor(1)})),
        ]
    );
    let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, support::repeat("POST", 3));
    assert_eq!(w.stop_reason(), StopReason::PaginatorDone);
}

#[tokio::test]
async fn a_custom_paginator_on_a_client_is_a_template_too() {
    // QueryParamPaginator's init_request does not reset its page: only the copy per walk makes
    // the second walk start at page 1 again.
    let server = demo(25, 10).await;
    let client = restclient::RestClient::builder(server.url())
        .paginator(query_param_paginator::QueryParamPaginator::new("page", 1))
        .build()
        .unwrap();
    for _ in 0..2 {
        server.clear_requests();
        let w = walk_pages(client.paginate("/posts").pages()).await;
        assert_records(&w.records(), 25);
        let expected: Vec<String> = (1..=4).map(|p| format!("/posts?page={p}")).collect();
        assert_eq!(paths(&server), expected);
        assert_eq!(w.stop_reason(), StopReason::PaginatorDone);
    }
}

// ======================================================================
// The user-story examples.
//
// The user-story examples of `examples/`, proven against demo-api so that none can rot: each
// example file is included as a module (its `main` goes unused here) and the function that
// does its work is run and checked.
#[path = "../../examples/create_client.rs"]
#[allow(dead_code, unreachable_pub)]
mod create_client;

#[path = "../../examples/basic_requests.rs"]
#[allow(dead_code, unreachable_pub)]
mod basic_requests;

#[path = "../../examples/paginate.rs"]
#[allow(dead_code, unreachable_pub)]
mod paginate_example;

#[path = "../../examples/data_selector.rs"]
#[allow(dead_code, unreachable_pub)]
mod data_selector;

#[path = "../../examples/paginators.rs"]
#[allow(dead_code, unreachable_pub)]
mod paginators_example;

#[path = "../../examples/auth_types.rs"]
#[allow(dead_code, unreachable_pub)]
mod auth_types;

#[path = "../../examples/response_hooks.rs"]
#[allow(dead_code, unreachable_pub)]
mod response_hooks;

#[path = "../../examples/paginate_shortcut.rs"]
#[allow(dead_code, unreachable_pub)]
mod paginate_shortcut;

#[path = "../../examples/retry_config.rs"]
#[allow(dead_code, unreachable_pub)]
mod retry_config;

#[path = "../../examples/debugging.rs"]
#[allow(dead_code, unreachable_pub)]
mod debugging;

#[path = "../../examples/blocking.rs"]
#[allow(dead_code, unreachable_pub)]
mod blocking_example;

/// The value of header `name` on every request the server received.
fn header_values(server: &DemoServer, name: &str) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .map(|r| r.header(name).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn create_client_sends_its_headers_and_auth_and_walks_with_its_paginator() {
    let server = demo(100, 10).await;
    let created = create_client::run(&server.url()).await.unwrap();
    assert_records(&created.records, 100);
    assert_eq!(created.user_agent.as_deref(), Some("MyApp/1.0"));

    // 4 pages of 25 (the client's OffsetPaginator), then the echo; every request signed and
    // carrying the default headers.
    let mut expected: Vec<String> = (0..4)
        .map(|i| format!("/auth/bearer/offset?offset={}&limit=25", i * 25))
        .collect();
    expected.push("/auth/bearer/echo".into());
    assert_eq!(paths(&server), expected);
    let every = |v: &str| vec![Some(v.to_owned()); 5];
    assert_eq!(
        header_values(&server, "authorization"),
        every("Bearer demo-bearer-token")
    );
    assert_eq!(header_values(&server, "accept"), every("application/json"));
    assert_eq!(header_values(&server, "user-agent"), every("MyApp/1.0"));

    // The auth is what opens the route: a wrong token is refused.
    let client = create_client::create_client(&server.url(), "wrong-token").unwrap();
    let err = client
        .paginate("/auth/bearer/offset")
        .records()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
}

#[tokio::test]
async fn basic_requests_return_responses_whatever_their_status() {
    let server = demo(5, 10).await;
    let answers = basic_requests::run(&server.url()).await.unwrap();
    assert_eq!(answers.post, record(1));
    assert_eq!(answers.missing_status, StatusCode::NOT_FOUND);
    assert_eq!(answers.posted["method"], "POST");
    assert_eq!(
        answers.posted["json"],
        json!({"title": "Hello", "body": "World"})
    );
    assert_eq!(answers.put["method"], "PUT");
    assert_eq!(answers.put["query"], json!([["page", "2"]]));
    assert_eq!(answers.put["headers"]["x-request-id"], "42");
    assert_eq!(answers.put["form"], json!([["title", "Hello"]]));
    assert_eq!(
        paths(&server),
        ["/posts/1", "/posts/999", "/echo", "/echo?page=2"]
    );
}

#[tokio::test]
async fn paginate_walks_page_by_page_record_by_record_and_capped() {
    let server = demo(42, 10).await;
    let walked = paginate_example::run(&server.url(), 5).await.unwrap();
    assert_eq!(walked.page_sizes, [10, 10, 10, 10, 2]);
    assert_eq!(walked.stop, Some(StopReason::NoNextLink));
    assert_records(&walked.records, 42);
    assert_records(&walked.capped, 10);
    // 5 + 5 requests for the full walks, 2 for the capped one (page_size=5 kept by the links).
    let requests = paths(&server);
    assert_eq!(requests.len(), 12);
    assert_eq!(
        requests[10..],
        ["/json-link?page_size=5", "/json-link?page=2&page_size=5"]
    );
}

#[tokio::test]
async fn data_selector_picks_nested_records() {
    let server = demo(42, 10).await;
    let selected = data_selector::run(&server.url()).await.unwrap();
    assert_records(&selected.posts, 42);
    let ids: Vec<Value> = (1..=42).map(Value::from).collect();
    assert_eq!(selected.ids, ids);
    assert_eq!(selected.found_selector.as_deref(), Some("results.posts"));
}

#[tokio::test]
async fn every_built_in_paginator_walks_its_route() {
    let server = demo(42, 10).await;
    let walked = paginators_example::run(&server.url()).await.unwrap();
    let names: Vec<&str> = walked.iter().map(|w| w.name).collect();
    assert_eq!(
        names,
        [
            "JsonLinkPaginator",
            "HeaderLinkPaginator",
            "OffsetPaginator",
            "PageNumberPaginator",
            "JsonResponseCursorPaginator",
            "HeaderCursorPaginator",
            "SinglePagePaginator",
        ]
    );
    let requests = paths(&server);
    for w in &walked {
        let (pages, records, stop) = match w.name {
            "SinglePagePaginator" => (1, 10, StopReason::SinglePage),
            "OffsetPaginator" => (5, 42, StopReason::TotalReached { total: 42 }),
            "PageNumberPaginator" => (5, 42, StopReason::TotalReached { total: 5 }),
            "JsonLinkPaginator" | "HeaderLinkPaginator" => (5, 42, StopReason::NoNextLink),
            _ => (5, 42, StopReason::NoCursor),
        };
        assert_eq!(w.pages, pages, "{}", w.name);
        assert_records(&w.records, records);
        assert_eq!(w.stop, Some(stop), "{}", w.name);
        let on_route = requests
            .iter()
            .filter(|p| p.split('?').next() == Some(w.path))
            .count();
        assert_eq!(on_route, pages, "requests to {}", w.path);
    }
    assert_eq!(requests.len(), 31);
}

#[tokio::test]
async fn every_auth_type_opens_its_route() {
    let server = demo(25, 10).await;
    let walked = auth_types::run(&server.url()).await.unwrap();
    let prefixes: Vec<&str> = walked.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        prefixes,
        [
            "/auth/bearer",
            "/auth/api-key/header",
            "/auth/api-key/query",
            "/auth/api-key/cookie",
            "/auth/basic",
            "/auth/oauth2",
        ]
    );
    for (prefix, records) in &walked {
        assert_records(records, 25);
        // The routes are closed without credentials.
        let bare = support::client(&server)
            .get(&format!("{prefix}/offset"))
            .await
            .unwrap();
        assert_eq!(bare.status(), StatusCode::UNAUTHORIZED, "{prefix}");
    }
    // One token fetch served the whole OAuth2 walk.
    assert_eq!(server.tokens_issued(), 1);
}

#[tokio::test]
async fn a_hook_ignores_404_and_the_default_check_stays_on_without_it() {
    let server = demo(5, 10).await;
    let url = server.url();

    let (pages, stop) = response_hooks::walk(&url, "/posts/1").await.unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].records(), [record(1)]);
    assert_eq!(stop, Some(StopReason::SinglePage));

    let (pages, stop) = response_hooks::walk(&url, "/posts/999").await.unwrap();
    assert!(pages.is_empty());
    assert_eq!(stop, Some(StopReason::IgnoredByHook));

    let err = response_hooks::walk_without_hook(&url, "/posts/999")
        .await
        .unwrap_err();
    assert!(err.status() == Some(StatusCode::NOT_FOUND), "{err}");

    let pages = response_hooks::accept_404(&url, "/posts/999")
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].records(), [json!({"error": "not found"})]);
    assert_eq!(pages[0].response().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_shortcut_walks_a_url_without_a_client() {
    let server = demo(23, 10).await;
    let records = paginate_shortcut::run(&server.url(), 5).await.unwrap();
    assert_records(&records, 23);
    let requests = paths(&server);
    assert_eq!(requests.len(), 5);
    assert_eq!(requests[0], "/header-link?page_size=5");
    assert_eq!(
        header_values(&server, "accept"),
        vec![Some("application/json".to_owned()); 5]
    );
}

#[tokio::test]
async fn retry_settings_from_config_toml_carry_a_walk_through_503s() {
    let dir = tempfile::tempdir().unwrap();
    let path = retry_config::write_config(dir.path()).unwrap();

    // Every third request answers 503: pages 3 and 5 take a second attempt.
    let server = DemoServer::builder()
        .records(50)
        .page_size(10)
        .unavailable_every(3)
        .start()
        .await
        .unwrap();
    let retried = retry_config::run(&server.url(), &path).await.unwrap();
    assert_eq!(retried.config.request_max_attempts, 3);
    assert!((retried.config.request_backoff_factor - 0.05).abs() < 1e-9);
    assert_records(&retried.records, 50);
    assert_eq!(retried.attempts, [1, 1, 2, 1, 2]);
    assert_eq!(server.requests().len(), 7);

    // Every request answers 503: the walk gives up after the file's 3 attempts.
    let down = DemoServer::builder()
        .unavailable_every(1)
        .start()
        .await
        .unwrap();
    let err = retry_config::run(&down.url(), &path).await.unwrap_err();
    assert!(
        (err.status() == Some(StatusCode::SERVICE_UNAVAILABLE)
            && err.to_string().contains("after 3 attempts")),
        "{err}"
    );
    assert_eq!(paths(&down), repeat("/offset?offset=0&limit=10", 3));
}

#[tokio::test]
async fn debugging_shows_the_request_and_response_of_each_page() {
    let server = demo(25, 10).await;
    let url = server.url();
    let infos = debugging::run(&url).await.unwrap();
    let urls: Vec<&str> = infos.iter().map(|i| i.url.as_str()).collect();
    let expected: Vec<String> = [0, 10, 20]
        .iter()
        .map(|o| format!("{url}/offset?sort=id&offset={o}&limit=10"))
        .collect();
    assert_eq!(urls, expected, "each page's own request, not the next one");
    for (i, info) in infos.iter().enumerate() {
        assert_eq!(info.number, i + 1);
        assert_eq!(info.method, "GET");
        assert_eq!(info.status, 200);
        assert_eq!(info.content_type.as_deref(), Some("application/json"));
        assert_eq!(info.attempts, 1);
        assert_eq!(info.total, 25);
        assert_eq!(info.paginator["type"], "offset");
        assert_eq!(info.selected, ("items".to_owned(), [10, 10, 5][i]));
    }
}

#[test]
fn the_blocking_api_needs_no_async_code() {
    let server = DemoServer::builder()
        .records(25)
        .page_size(10)
        .spawn()
        .unwrap();
    let fetched = blocking_example::run(&server.url()).unwrap();
    assert_eq!(fetched.post, record(1));
    assert_eq!(fetched.page_sizes, [10, 10, 5]);
    assert_eq!(fetched.stop, Some(StopReason::TotalReached { total: 3 }));
    assert_records(&fetched.records, 25);
}

#[path = "../../examples/typed_records.rs"]
#[allow(dead_code, unreachable_pub)]
mod typed_records;

#[tokio::test]
async fn typed_records_example_walks_times_out_per_request_and_serves_axum() {
    let server = demo(25, 10).await;
    let client = typed_records::client(&server.url()).unwrap();
    let records = typed_records::typed(&client).await.unwrap();
    assert_eq!(records.len(), 25);
    assert_eq!(
        records[0],
        typed_records::Record {
            id: 1,
            name: "record-1".into()
        }
    );
    assert_eq!(typed_records::one_quickly(&client, 3).await.unwrap().id, 3);
    let (a, b) = typed_records::two_at_once(&client).await.unwrap();
    assert_eq!((a.len(), b.len()), (25, 25));
    assert_eq!(a, b, "the same records by two paginators");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = typed_records::app(client);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let names: Vec<String> = restclient::RestClient::builder(format!("http://{addr}"))
        .build()
        .unwrap()
        .get("/names")
        .await
        .unwrap()
        .json_as()
        .unwrap();
    assert_eq!(names.len(), 25);
    assert_eq!(names[24], "record-25");
}
