//! The custom paginators of the examples, proven against demo-api: the example files are
//! included as modules (their `main` goes unused here) and their `walk` is run to the end.
#![allow(clippy::unwrap_used)]

mod support;

#[path = "../examples/query_param_paginator.rs"]
#[allow(dead_code)]
mod query_param_paginator;

#[path = "../examples/post_body_paginator.rs"]
#[allow(dead_code)]
mod post_body_paginator;

use restclient::paginators::StopReason;
use serde_json::json;
use support::{assert_records, demo, json_bodies, paths, walk_pages};

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
