//! `Paginate::checkpoint`: a walk stopped part-way continues from its file without sending the
//! first request again; every built-in paginator and a user's paginator resume; a checkpoint
//! of another walk, or a paginator that cannot resume, fails before any request.

use futures::TryStreamExt;
use restclient::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator,
};
use restclient::{Paginate, Request, Response, Result, Value};
use serde_json::json;

use crate::support::{DemoServer, client, demo, ids};

/// Takes `n` pages from a checkpointed walk and drops it (the caller "crashes" while handling
/// page n); returns the ids seen.
async fn take_pages(paginate: Paginate, n: usize) -> Vec<u64> {
    let mut pages = paginate.pages();
    let mut out = Vec::new();
    for _ in 0..n {
        let page = pages.try_next().await.unwrap().expect("a page");
        out.extend(ids(page.records()));
    }
    out
}

async fn rest(paginate: Paginate) -> Vec<u64> {
    let pages: Vec<_> = paginate.pages().try_collect().await.unwrap();
    pages.iter().flat_map(|p| ids(p.records())).collect()
}

/// Stops a walk after 3 pages, resumes it, and checks: page 3 comes again (it was being
/// handled), nothing before it does, the first request is not sent again, the file is gone.
async fn stop_and_resume(
    server: &DemoServer,
    make: impl Fn() -> Paginate,
    file: &std::path::Path,
    total: u64,
) {
    let first = take_pages(make(), 3).await;
    assert!(file.exists(), "saved while the walk ran");
    let saved: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(
        saved["pages"], 2,
        "the page being handled is not saved yet: {saved}"
    );
    // Path, query and body: POST walks differ in their bodies only.
    let key = |r: &crate::support::RecordedRequest| (r.path_and_query(), r.body.clone());
    let first_request = key(&server.requests()[0]);
    server.clear_requests();
    let second = rest(make()).await;
    assert!(
        !server
            .requests()
            .iter()
            .map(key)
            .any(|k| k == first_request),
        "the first request was sent again"
    );
    let third_page_start = first.len() - (first.len() / 3);
    let mut all = first[..third_page_start].to_vec();
    all.extend(&second);
    assert_eq!(
        all,
        (1..=total).collect::<Vec<_>>(),
        "{first:?} then {second:?}"
    );
    assert!(!file.exists(), "a completed walk removes its checkpoint");
}

#[tokio::test]
async fn every_builtin_paginator_resumes_where_it_stopped() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let cases: Vec<(&str, Box<dyn Paginator>, &str)> = vec![
        ("/offset", Box::new(OffsetPaginator::new(5)), "items"),
        (
            "/page",
            Box::new(
                PageNumberPaginator::new()
                    .base_page(1)
                    .total_path("total_pages"),
            ),
            "data",
        ),
        ("/json-link", Box::new(JsonLinkPaginator::new()), "data"),
        ("/header-link", Box::new(HeaderLinkPaginator::new()), "$"),
        (
            "/cursor",
            Box::new(
                JsonResponseCursorPaginator::new()
                    .cursor_path("cursors.next")
                    .cursor_param("cursor"),
            ),
            "items",
        ),
        (
            "/header-cursor",
            Box::new(HeaderCursorPaginator::new()),
            "$",
        ),
    ];
    for (i, (path, paginator, selector)) in cases.into_iter().enumerate() {
        server.clear_requests();
        let file = dir.path().join(format!("c{i}.json"));
        let make = || {
            c.paginate(path)
                .paginator(paginator.clone())
                .data_selector(selector)
                .checkpoint(&file)
        };
        stop_and_resume(&server, make, &file, 30).await;
    }
}

#[tokio::test]
async fn post_body_cursor_and_offset_resume_with_their_body() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("search.json");
    let make = || {
        c.paginate("/search")
            .method(restclient::Method::POST)
            .json(&json!({"query": "x"}))
            .paginator(
                JsonResponseCursorPaginator::new()
                    .cursor_path("next_page_cursor")
                    .cursor_body_path("cursor"),
            )
            .data_selector("results")
            .checkpoint(&file)
    };
    stop_and_resume(&server, make, &file, 30).await;
    server.clear_requests();
    let file = dir.path().join("offset.json");
    let make = || {
        c.paginate("/offset")
            .method(restclient::Method::POST)
            .json(&json!({}))
            .paginator(
                OffsetPaginator::new(5)
                    .offset_body_path("offset")
                    .limit_body_path("limit"),
            )
            .data_selector("items")
            .checkpoint(&file)
    };
    stop_and_resume(&server, make, &file, 30).await;
}

#[tokio::test]
async fn a_detected_paginator_and_selector_resume() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("auto.json");
    stop_and_resume(
        &server,
        || c.paginate("/json-link").checkpoint(&file),
        &file,
        30,
    )
    .await;
}

#[tokio::test]
async fn a_concurrent_walk_saves_no_page_past_the_last_one_handed_out() {
    let server = demo(60, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("conc.json");
    let make = || {
        c.paginate("/offset")
            .paginator(OffsetPaginator::new(5))
            .data_selector("items")
            .concurrency(4)
            .checkpoint(&file)
    };
    stop_and_resume(&server, make, &file, 60).await;
}

/// The seed's query-parameter paginator, opted in to checkpoints.
#[derive(Debug, Clone)]
struct QueryParamPaginator {
    page: u64,
    done: bool,
}

impl Paginator for QueryParamPaginator {
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        self.page = 1;
        request.set_param("page", self.page);
        Ok(())
    }
    fn update_state(&mut self, _: &Response, data: Option<&[Value]>) -> Result<()> {
        self.done = data.is_none_or(<[Value]>::is_empty);
        self.page += 1;
        Ok(())
    }
    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        request.set_param("page", self.page);
        Ok(())
    }
    fn has_next_page(&self) -> bool {
        !self.done
    }
    fn checkpoint(&self) -> Option<Value> {
        Some(json!({"page": self.page, "done": self.done}))
    }
    fn restore(&mut self, state: &Value) -> Result<()> {
        self.page = state["page"]
            .as_u64()
            .ok_or_else(|| restclient::Error::custom("no page in the saved state"))?;
        self.done = state["done"].as_bool().unwrap_or(false);
        Ok(())
    }
}

#[tokio::test]
async fn a_users_paginator_opts_in_and_resumes() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("user.json");
    let make = || {
        c.paginate("/posts")
            .paginator(QueryParamPaginator {
                page: 1,
                done: false,
            })
            .checkpoint(&file)
    };
    stop_and_resume(&server, make, &file, 30).await;
}

#[derive(Debug, Clone)]
struct NoCheckpoints;

impl Paginator for NoCheckpoints {
    fn update_state(&mut self, _: &Response, _: Option<&[Value]>) -> Result<()> {
        Ok(())
    }
    fn update_request(&mut self, _: &mut Request) -> Result<()> {
        Ok(())
    }
    fn has_next_page(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn a_paginator_that_cannot_resume_fails_before_any_request() {
    let server = demo(10, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let err = client(&server)
        .paginate("/posts")
        .paginator(NoCheckpoints)
        .checkpoint(dir.path().join("x.json"))
        .pages()
        .try_next()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    assert!(err.to_string().contains("cannot resume"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_checkpoint_of_another_walk_or_a_broken_file_fails_before_any_request() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("c.json");
    take_pages(
        c.paginate("/offset")
            .paginator(OffsetPaginator::new(5))
            .data_selector("items")
            .checkpoint(&file),
        2,
    )
    .await;
    server.clear_requests();
    let err = c
        .paginate("/offset")
        .paginator(OffsetPaginator::new(10))
        .data_selector("items")
        .checkpoint(&file)
        .pages()
        .try_next()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("another walk") && msg.contains("paginator") && msg.contains("c.json"),
        "{msg}"
    );
    // A paginator state this paginator did not write.
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    saved["paginator"]["state"] = json!({"cursor": 3});
    std::fs::write(&file, serde_json::to_vec(&saved).unwrap()).unwrap();
    let err = c
        .paginate("/offset")
        .paginator(OffsetPaginator::new(5))
        .data_selector("items")
        .checkpoint(&file)
        .pages()
        .try_next()
        .await
        .unwrap_err();
    assert!(
        err.is_builder() && err.to_string().contains("checkpoint state"),
        "{err}"
    );
    std::fs::write(&file, b"{not json").unwrap();
    let err = rest_err(
        c.paginate("/offset")
            .paginator(OffsetPaginator::new(5))
            .checkpoint(&file),
    )
    .await;
    assert!(
        err.is_builder() && err.to_string().contains("not JSON"),
        "{err}"
    );
    assert!(server.requests().is_empty(), "no request was sent");
}

/// A POST walk with another body is another walk: continuing it from this one's cursor would
/// deliver the other query's pages.
#[tokio::test]
async fn a_post_walk_with_another_body_refuses_the_checkpoint() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("search.json");
    let search = |query: &str| {
        c.paginate("/search")
            .method(restclient::Method::POST)
            .json(&json!({ "query": query }))
            .paginator(
                JsonResponseCursorPaginator::new()
                    .cursor_path("next_page_cursor")
                    .cursor_body_path("cursor"),
            )
            .data_selector("results")
            .checkpoint(&file)
    };
    take_pages(search("x"), 2).await;
    server.clear_requests();
    let err = rest_err(search("y")).await;
    assert!(err.is_builder(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("body") && msg.contains("\"y\""), "{msg}");
    assert!(server.requests().is_empty(), "no request was sent");
}

async fn rest_err(p: Paginate) -> restclient::Error {
    p.pages().try_next().await.unwrap_err()
}

#[tokio::test]
async fn the_checkpoint_file_holds_no_secret() {
    let server = DemoServer::builder()
        .records(30)
        .page_size(5)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.json");
    let c = restclient::RestClient::builder(server.url())
        .auth(restclient::auth::ApiKeyAuth::query(
            "api_key",
            "demo-api-key",
        ))
        .secret("param-secret-value")
        .build()
        .unwrap();
    let make = || {
        c.paginate("/auth/api-key/query/offset")
            .param("tag", "param-secret-value")
            .paginator(OffsetPaginator::new(5))
            .data_selector("items")
            .checkpoint(&file)
    };
    take_pages(make(), 3).await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("demo-api-key") && !text.contains("param-secret-value"),
        "{text}"
    );
    let rest = rest(make()).await;
    assert_eq!(rest.first(), Some(&11));
    for r in server.requests().iter().skip(3) {
        assert!(
            r.query
                .as_deref()
                .unwrap_or("")
                .contains("tag=param-secret-value")
        );
    }
}

#[test]
fn the_blocking_walk_checkpoints_as_the_async_one() {
    let server = DemoServer::builder()
        .records(30)
        .page_size(5)
        .spawn()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.json");
    let client = restclient::blocking::RestClient::builder(server.url())
        .paginator(OffsetPaginator::new(5))
        .data_selector("items")
        .build()
        .unwrap();
    let mut pages = client.paginate("/offset").checkpoint(&file).pages();
    for _ in 0..3 {
        pages.next().unwrap().unwrap();
    }
    drop(pages);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["pages"], 2);
    let rest: Vec<u64> = client
        .paginate("/offset")
        .checkpoint(&file)
        .records()
        .map(|r| r.unwrap()["id"].as_u64().unwrap())
        .collect();
    assert_eq!(rest, (11..=30).collect::<Vec<_>>());
    assert!(!file.exists());
}

#[tokio::test]
async fn limits_count_the_pages_and_records_of_the_runs_before() {
    let server = demo(30, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server);
    let file = dir.path().join("limits.json");
    let make = || {
        c.paginate("/offset")
            .paginator(OffsetPaginator::new(5))
            .data_selector("items")
            .max_records(12)
            .checkpoint(&file)
    };
    assert_eq!(take_pages(make(), 2).await, (1..=10).collect::<Vec<_>>());
    let mut pages = make().pages();
    let mut numbers = Vec::new();
    let mut rest = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        numbers.push(page.number());
        rest.extend(ids(page.records()));
    }
    // Page 2 was being handled: it comes again; the limit counts the 5 records saved before.
    assert_eq!(numbers, [2, 3]);
    assert_eq!(rest, (6..=12).collect::<Vec<_>>());
    assert_eq!(
        pages.stop_reason(),
        Some(restclient::StopReason::MaxRecords(12))
    );
    assert!(!file.exists());
}
