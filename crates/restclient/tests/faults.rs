//! Every paginator under every fault demo-api can inject, over real HTTP.
//!
//! The table is (paginator × fault). Every third request to the server is faulted, so a walk of
//! five pages meets its first fault on page 3. Faults a client should retry (503, 429 with
//! `Retry-After`, a body cut short, a connection closed without an answer) must end in every
//! record exactly once, each faulted page fetched twice. Answers a client cannot use (malformed
//! JSON, an HTML page with status 200, an empty 204) are not retried: the walk yields pages 1 and
//! 2, then one error naming the URL of page 3 (secrets masked) and what was expected.
//!
//! Decision on HTML with status 200: not retried, as in dlt (where it is a JSON decode error).
//! A 200 says the server answered; retrying it would turn a misconfigured URL, a login page or a
//! captive portal into `request_max_attempts` wasted requests, and an API that does send HTML
//! while busy can opt in with `RestClientBuilder::retry_if`, which the last test here shows.
#![allow(clippy::unwrap_used)]

mod support;

use demo_api::{DemoServer, DemoServerBuilder, RecordedRequest};
use restclient::{
    Error, Method, Paginate, RestClient,
    paginators::{
        HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
        OffsetPaginator, PageNumberPaginator,
    },
    retry::Outcome,
};
use serde_json::json;
use support::{Walk, assert_records, quick_config, try_walk};

/// Records on the server, served in pages of ten: five pages for every style.
const RECORDS: u64 = 50;
const PAGE_SIZE: u64 = 10;
/// Every K-th request is faulted: requests 3 and 6 of a retried walk, request 3 of a failed one.
const K: u64 = 3;
/// A query parameter every walk sends; it must never appear in an error.
const SECRET: &str = "s3cr3t-query-key";

/// One walk over one pagination style of demo-api.
struct Style {
    name: &'static str,
    paginate: fn(&RestClient) -> Paginate,
}

/// Every paginator, each on its demo-api route, each sending the secret query parameter.
const STYLES: [Style; 7] = [
    Style {
        name: "offset",
        paginate: |c| {
            c.paginate("/offset")
                .param("api_key", SECRET)
                .paginator(OffsetPaginator::new(10).total_path("total"))
                .data_selector("items")
        },
    },
    Style {
        name: "page number",
        paginate: |c| {
            c.paginate("/page").param("api_key", SECRET).paginator(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            )
        },
    },
    Style {
        name: "json link",
        paginate: |c| {
            c.paginate("/json-link")
                .param("api_key", SECRET)
                .paginator(JsonLinkPaginator::new())
        },
    },
    Style {
        name: "header link",
        paginate: |c| {
            c.paginate("/header-link")
                .param("api_key", SECRET)
                .paginator(HeaderLinkPaginator::new())
        },
    },
    Style {
        name: "json cursor",
        paginate: |c| {
            c.paginate("/cursor")
                .param("api_key", SECRET)
                .paginator(JsonResponseCursorPaginator::new())
                .data_selector("items")
        },
    },
    Style {
        name: "header cursor",
        paginate: |c| {
            c.paginate("/header-cursor")
                .param("api_key", SECRET)
                .paginator(HeaderCursorPaginator::new())
        },
    },
    Style {
        name: "POST body cursor",
        paginate: |c| {
            c.paginate("/search")
                .param("api_key", SECRET)
                .method(Method::POST)
                .json(json!({"query": "everything"}))
                .paginator(
                    JsonResponseCursorPaginator::new()
                        .cursor_path("next_page_cursor")
                        .cursor_body_path("cursor"),
                )
                .data_selector("results")
        },
    },
];

#[derive(Debug, Clone, Copy)]
enum Fault {
    Unavailable,
    RateLimited,
    CutShort,
    Reset,
    MalformedJson,
    Html,
    Empty204,
}

/// What a walk under a fault must end in.
enum Expect {
    /// Every record once; each faulted request sent again.
    AllRecords,
    /// Pages 1 and 2, then an error about page 3 whose message holds each of these.
    Error(&'static [&'static str]),
}

impl Fault {
    fn inject(self, server: DemoServerBuilder) -> DemoServerBuilder {
        match self {
            Fault::Unavailable => server.unavailable_every(K),
            // Retry-After: 1 s, capped at quick_config's 20 ms.
            Fault::RateLimited => server.rate_limit_every(K, 1),
            Fault::CutShort => server.truncate_every(K),
            Fault::Reset => server.reset_every(K),
            Fault::MalformedJson => server.malformed_json_every(K),
            Fault::Html => server.html_every(K),
            Fault::Empty204 => server.empty_204_every(K),
        }
    }

    fn expect(self) -> Expect {
        match self {
            Fault::Unavailable | Fault::RateLimited | Fault::CutShort | Fault::Reset => {
                Expect::AllRecords
            }
            Fault::MalformedJson => Expect::Error(&[
                "expected a JSON body",
                "got invalid JSON (EOF while parsing a list",
                r#"starting with `{"items": [1, 2` (200 OK, Content-Type: application/json)"#,
            ]),
            Fault::Html => Expect::Error(&[
                "expected a JSON body",
                "got invalid JSON (expected value at line 1 column 1)",
                "starting with `<html><body>Service temporarily unavailable</body></html>` \
                 (200 OK, Content-Type: text/html; charset=utf-8)",
            ]),
            Fault::Empty204 => {
                Expect::Error(&["expected a JSON body, got an empty body (204 No Content)"])
            }
        }
    }
}

/// Runs every style under `fault` and checks the outcome the fault calls for.
async fn every_style_under(fault: Fault) {
    for style in &STYLES {
        let server = fault
            .inject(DemoServer::builder())
            .records(RECORDS)
            .page_size(PAGE_SIZE)
            .start()
            .await
            .unwrap();
        let client = RestClient::builder(server.url())
            .config(quick_config())
            .build()
            .unwrap();
        let walk = try_walk((style.paginate)(&client)).await;
        let requests = server.requests();
        let case = format!("{} under {fault:?}", style.name);
        match fault.expect() {
            Expect::AllRecords => assert_complete(&case, &walk, &requests),
            Expect::Error(needles) => {
                assert_failed_on_page_3(&case, &walk, &requests, &server.url(), needles);
            }
        }
    }
}

/// What identifies a request: method, path and query, body.
fn key(r: &RecordedRequest) -> (String, String, Vec<u8>) {
    (r.method.clone(), r.path_and_query(), r.body.clone())
}

fn assert_complete(case: &str, walk: &Walk, requests: &[RecordedRequest]) {
    if let Some(e) = &walk.error {
        panic!("{case}: the walk failed: {e}");
    }
    let ids: Vec<u64> = (1..=RECORDS).collect();
    assert_eq!(walk.ids(), ids, "{case}: every record once, in order");
    assert_records(&walk.records(), RECORDS);
    assert_eq!(walk.pages.len(), 5, "{case}");
    // Requests 3 and 6 were faulted and sent again as 4 and 7; nothing else was repeated.
    assert_eq!(requests.len(), 7, "{case}: {requests:#?}");
    assert_eq!(key(&requests[2]), key(&requests[3]), "{case}: page 3 again");
    assert_eq!(key(&requests[5]), key(&requests[6]), "{case}: page 5 again");
    let distinct: std::collections::HashSet<_> = requests.iter().map(key).collect();
    assert_eq!(distinct.len(), 5, "{case}: {requests:#?}");
    let attempts: Vec<u32> = walk.pages.iter().map(|p| p.response().attempts()).collect();
    assert_eq!(attempts, [1, 1, 2, 1, 2], "{case}: attempts per page");
}

fn assert_failed_on_page_3(
    case: &str,
    walk: &Walk,
    requests: &[RecordedRequest],
    base: &str,
    needles: &[&str],
) {
    // Nothing lost silently, nothing twice: exactly pages 1 and 2 before the error.
    let ids: Vec<u64> = (1..=2 * PAGE_SIZE).collect();
    assert_eq!(walk.ids(), ids, "{case}: the pages before the faulty one");
    assert_eq!(walk.pages.len(), 2, "{case}");
    let Some(error) = &walk.error else {
        panic!(
            "{case}: the walk ended without an error after {} records",
            ids.len()
        );
    };
    // Not retried, and nothing asked after the faulty page.
    assert_eq!(requests.len(), 3, "{case}: {requests:#?}");
    let Error::UnexpectedResponse { url, message } = error else {
        panic!("{case}: {error:?}");
    };
    let faulty = format!("{base}{}", requests[2].path_and_query()).replace(SECRET, "***");
    assert_eq!(
        url, &faulty,
        "{case}: the error names the faulty page's URL"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("unexpected response from {faulty}: ")),
        "{case}: {text}"
    );
    for needle in needles {
        assert!(message.contains(needle), "{case}: `{needle}` in {text}");
    }
    assert!(!text.contains(SECRET), "{case}: {text}");
    assert!(!format!("{error:?}").contains(SECRET), "{case}: {error:?}");
}

#[tokio::test]
async fn a_503_every_third_request_is_retried_by_every_paginator() {
    every_style_under(Fault::Unavailable).await;
}

#[tokio::test]
async fn a_429_with_retry_after_every_third_request_is_retried_by_every_paginator() {
    every_style_under(Fault::RateLimited).await;
}

#[tokio::test]
async fn a_body_cut_short_every_third_request_is_retried_by_every_paginator() {
    every_style_under(Fault::CutShort).await;
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried_by_every_paginator() {
    every_style_under(Fault::Reset).await;
}

#[tokio::test]
async fn malformed_json_with_200_ends_every_walk_with_an_error_naming_the_url() {
    every_style_under(Fault::MalformedJson).await;
}

#[tokio::test]
async fn an_html_page_with_200_ends_every_walk_with_an_error_naming_the_url() {
    every_style_under(Fault::Html).await;
}

#[tokio::test]
async fn an_empty_204_ends_every_walk_with_an_error_naming_the_url() {
    every_style_under(Fault::Empty204).await;
}

#[tokio::test]
async fn an_api_that_sends_html_while_busy_can_opt_in_to_retrying_it() {
    let server = DemoServer::builder()
        .records(RECORDS)
        .page_size(PAGE_SIZE)
        .html_every(K)
        .start()
        .await
        .unwrap();
    let client = RestClient::builder(server.url())
        .config(quick_config())
        .retry_if(|o: &Outcome<'_>| {
            o.response()
                .and_then(|r| r.header("content-type"))
                .is_some_and(|t| t.starts_with("text/html"))
        })
        .build()
        .unwrap();
    let walk = try_walk((STYLES[0].paginate)(&client)).await;
    assert_complete("offset with retry_if(text/html)", &walk, &server.requests());
}

#[tokio::test]
async fn a_connection_closed_every_time_is_a_connect_error_naming_the_url_after_max_attempts() {
    let server = DemoServer::builder().reset_every(1).start().await.unwrap();
    let client = RestClient::builder(server.url())
        .config(restclient::config::RuntimeConfig {
            request_max_attempts: 3,
            ..quick_config()
        })
        .build()
        .unwrap();
    let walk = try_walk((STYLES[4].paginate)(&client)).await;
    assert!(walk.pages.is_empty());
    let error = walk.error();
    // Lost before any answer: classed with connection failures, hence retried.
    assert!(
        error.is_transport(restclient::TransportKind::Connect),
        "{error:?}"
    );
    assert!(restclient::retry::RetryPolicy::is_retryable_error(error));
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "connection failed for GET {}/cursor?api_key=***: ",
            server.url()
        )),
        "{text}"
    );
    assert!(
        text.contains("connection closed before message completed"),
        "{text}"
    );
    assert!(text.ends_with("(after 3 attempts)"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    assert_eq!(server.requests().len(), 3);
}
