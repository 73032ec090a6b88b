//! The blocking facade over real HTTP.

use demo_api::DemoServer;
use restclient::blocking::RestClient;
use restclient::hooks::HookAction;
use restclient::paginators::{OffsetPaginator, StopReason};
use restclient::{Error, Method, StatusCode};

#[test]
fn pages_and_records_are_iterators() {
    let server = DemoServer::builder()
        .records(45)
        .page_size(10)
        .spawn()
        .unwrap();
    let client = RestClient::builder(server.url())
        .paginator(OffsetPaginator::new(10))
        .data_selector("items")
        .build()
        .unwrap();

    let mut pages = client.paginate("/offset").pages();
    let sizes: Vec<usize> = pages.by_ref().map(|p| p.unwrap().len()).collect();
    assert_eq!(sizes, [10, 10, 10, 10, 5]);
    assert_eq!(
        pages.stop_reason(),
        Some(StopReason::TotalReached { total: 45 })
    );

    let ids: Vec<u64> = client
        .paginate("/offset")
        .records()
        .map(|r| r.unwrap()["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=45).collect::<Vec<_>>());

    let limited = client.paginate("/offset").max_records(12).records().count();
    assert_eq!(limited, 12);
}

#[test]
fn requests_and_errors() {
    let server = DemoServer::builder().records(5).spawn().unwrap();
    let client = RestClient::builder(server.url()).build().unwrap();
    let r = client.get("/posts/2").unwrap();
    assert_eq!(r.json().unwrap()["id"], 2);
    assert_eq!(
        client.get("/posts/99").unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let echo = client
        .request(Method::POST, "/echo")
        .param("a", "1")
        .json(serde_json::json!({"k": 1}))
        .send()
        .unwrap();
    assert_eq!(echo.json().unwrap()["json"]["k"], 1);
    assert_eq!(echo.json().unwrap()["query"][0][1], "1");

    // A status error ends the iterator after yielding the error once.
    let mut it = client.paginate("/posts/99").pages();
    assert!(
        matches!(it.next(), Some(Err(Error::Http { status, .. })) if status == StatusCode::NOT_FOUND)
    );
    assert!(it.next().is_none());

    // The seed's hook: a 404 means no data.
    let pages: Vec<_> = client
        .paginate("/posts/99")
        .hook(|r: &restclient::Response| {
            if r.status() == StatusCode::NOT_FOUND {
                HookAction::Ignore
            } else {
                HookAction::Continue
            }
        })
        .pages()
        .collect();
    assert!(pages.is_empty());
}

#[tokio::test]
async fn inside_an_async_runtime_is_an_error_not_a_panic() {
    let err = RestClient::builder("http://127.0.0.1:9")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::BlockingInAsync), "{err}");
}

#[test]
fn a_client_built_outside_fails_cleanly_inside() {
    let client = RestClient::builder("http://127.0.0.1:9").build().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(async { client.get("/x").unwrap_err() });
    assert!(matches!(err, Error::BlockingInAsync), "{err}");
    // Dropping the client's runtime inside another runtime must not panic either.
    rt.block_on(async move { drop(client) });
}
