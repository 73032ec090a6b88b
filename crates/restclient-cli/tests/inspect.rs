//! `inspect` and `paginate` without a paginator: detection sees every parameter the command line
//! gives the first request (the URL's query, `-p`, `--json`), against the real binary and a real
//! server on 127.0.0.1.

mod support;

use assert_cmd::Command;
use serde_json::{Value, json};

use support::{Req, Server, json as reply};

/// A search engine that counts no total (OpenSearch with `track_total_hits: false`): 45 hits,
/// served `size` at a time from `from`, both read from the query or the JSON body. Its
/// response alone says nothing of paging: only the request's window does.
fn search_engine() -> Server {
    Server::start(|req: &Req| {
        let body: Option<Value> = serde_json::from_slice(&req.body).ok();
        let read = |name: &str| {
            support::query(&req.target, name)
                .and_then(|v| v.parse::<u64>().ok())
                .or_else(|| body.as_ref()?.get(name)?.as_u64())
        };
        let (from, size) = (read("from").unwrap_or(0), read("size").unwrap_or(10));
        let hits: Vec<Value> = (from + 1..=(from + size).min(45))
            .map(|id| json!({"id": id, "_index": "logs"}))
            .collect();
        let page =
            json!({"took": 1, "timed_out": false, "hits": {"max_score": null, "hits": hits}});
        reply(200, &page.to_string())
    })
}

fn restclient() -> Command {
    let mut cmd = Command::cargo_bin("restclient").expect("binary");
    cmd.env_remove("RUNTIME__LOG_LEVEL");
    cmd
}

fn inspect(args: &[&str]) -> Value {
    let out = restclient().arg("inspect").args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("one JSON object")
}

#[test]
fn inspect_detects_the_window_the_request_opened() {
    let server = search_engine();
    let url = format!("{}/logs/_search", server.url);
    let in_query = json!({"type": "offset", "limit": 20, "offset": 0, "offset_param": "from",
                          "limit_param": "size", "total_path": null, "stop_after_empty_page": true});
    // The URL's query.
    let v = inspect(&[&format!("{url}?q=error&from=0&size=20")]);
    assert_eq!(v["paginator"], in_query);
    assert_eq!(v["data_selector"], "hits.hits");
    assert_eq!(v["records"], 20);
    assert_eq!(v["detection"]["rule"], "request_offset");
    // `-p`.
    let v = inspect(&[&url, "-p", "from=0", "-p", "size=20"]);
    assert_eq!(v["paginator"], in_query);
    // A JSON body.
    let v = inspect(&[
        &url,
        "-X",
        "POST",
        "--json",
        r#"{"query": {"match_all": {}}, "from": 0, "size": 20}"#,
    ]);
    assert_eq!(
        v["paginator"],
        json!({"type": "offset", "limit": 20, "offset": 0, "offset_body_path": "from",
               "limit_body_path": "size", "total_path": null, "stop_after_empty_page": true})
    );
}

#[test]
fn paginate_walks_the_window_the_request_opened() {
    let server = search_engine();
    let out = restclient()
        .args([
            "paginate",
            &format!("{}/logs/_search?from=0&size=20", server.url),
        ])
        .assert()
        .success();
    let ids: Vec<u64> = std::str::from_utf8(&out.get_output().stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a JSON line")["id"]
                .as_u64()
                .expect("an id")
        })
        .collect();
    assert_eq!(ids, (1..=45).collect::<Vec<_>>());
    let requests = server.requests();
    let froms: Vec<Option<&str>> = requests
        .iter()
        .map(|r| support::query(&r.target, "from"))
        .collect();
    assert_eq!(froms, [Some("0"), Some("20"), Some("40"), Some("60")]);
}

/// A list API that takes a page size alone (`?count=N`) and shows nothing else of paging: the
/// first page cannot say whether the offset is `offset` or `skip`, or whether pages count.
fn sized_list() -> Server {
    Server::start(|req: &Req| {
        let count = support::query(&req.target, "count")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(10);
        let items: Vec<Value> = (1..=count).map(|id| json!({"id": id})).collect();
        reply(
            200,
            &json!({"entity": "collection", "items": items}).to_string(),
        )
    })
}

#[test]
fn inspect_names_the_runner_ups_with_the_flag_that_selects_each() {
    let server = sized_list();
    let url = format!("{}/payments?count=2", server.url);
    // The first page's detection and its runner-ups (probing would refute the guess: this
    // list ignores every position; see the test below).
    let out = restclient()
        .args(["inspect", &url, "--no-probe"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON object");
    assert_eq!(v["detection"]["rule"], "request_size");
    assert_eq!(v["paginator"]["offset_param"], "offset");
    let alternatives = v["detection"]["alternatives"].as_array().unwrap();
    let skip = alternatives
        .iter()
        .find(|a| a["paginator"]["offset_param"] == "skip")
        .expect("`skip` offered");
    // The flag is `--paginator '<the alternative>'`, ready to paste.
    let flag = skip["flag"].as_str().unwrap();
    let spec = flag
        .strip_prefix("--paginator '")
        .and_then(|f| f.strip_suffix('\''))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(spec).unwrap(),
        skip["paginator"]
    );
    // stderr says the same to a person, one line per runner-up.
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("also possible") && l.ends_with(flag)),
        "{stderr}"
    );
    // And the flag selects that paginator.
    let chosen = inspect(&[&url, "--paginator", spec]);
    assert_eq!(chosen["paginator"]["offset_param"], "skip");
    assert!(chosen.get("detection").is_none());
}

/// A list API of 10 records that pages by a 1-based `page` (4 a page, or `?limit=N`) and
/// ignores every other parameter, as most APIs ignore what they do not read. Its pages are a
/// bare JSON array: nothing on them says how to page.
fn page_api() -> Server {
    Server::start(|req: &Req| {
        let q = |name: &str| support::query(&req.target, name).and_then(|v| v.parse::<i64>().ok());
        let (page, size) = (q("page").unwrap_or(1), q("limit").unwrap_or(4));
        let items: Vec<Value> = ((page - 1) * size + 1..=(page * size).min(10))
            .map(|id| json!({"id": id}))
            .collect();
        reply(200, &Value::Array(items).to_string())
    })
}

#[test]
fn inspect_asks_the_api_where_the_first_page_cannot_say() {
    let server = page_api();
    let url = format!("{}/items", server.url);
    // The first page alone: a bare list, nothing sent, so a single page.
    let alone = inspect(&[&url, "--no-probe"]);
    assert_eq!(alone["paginator"]["type"], "single_page");
    assert!(alone.get("confirmation").is_none());
    assert_eq!(server.requests().len(), 1, "--no-probe sends nothing more");
    // Asked, the API confirms `page=2`, the first common position parameter it reads.
    let out = restclient().args(["inspect", &url]).assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON object");
    assert_eq!(v["paginator"]["type"], "page_number", "{v}");
    assert_eq!(v["paginator"]["page_param"], "page");
    assert_eq!(v["paginator"]["base_page"], 1);
    assert_eq!(v["confirmation"]["confirmed"], true);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.contains("confirmed by page 2: 4 new records"),
        "{stderr}"
    );
    // inspect reports detection itself: the walk's "no pagination found" warning would
    // contradict the confirmation printed after it.
    assert!(!stderr.contains("no pagination found"), "{stderr}");
    // And the confirmed paginator walks every record once.
    let spec = v["paginator"].to_string();
    let out = restclient()
        .args(["paginate", &url, "--paginator", &spec])
        .assert()
        .success();
    let ids: Vec<i64> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
}

#[test]
fn inspect_rejects_a_guess_the_api_ignores_and_keeps_the_one_it_confirms() {
    let server = page_api();
    let url = format!("{}/items?limit=4", server.url);
    // A full page of the size asked for: the first page guesses `offset`.
    let alone = inspect(&[&url, "--no-probe"]);
    assert_eq!(alone["paginator"]["type"], "offset");
    // A walk guessing so warns, with its confidence as people read numbers.
    let out = restclient()
        .args(["paginate", &url, "--max-pages", "1"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("guessed the paginator"), "{stderr}");
    assert!(stderr.contains("confidence=0.6 "), "{stderr}");
    // The API ignores `offset` (page 1 again: rejected) and reads `page`.
    let v = inspect(&[&url]);
    let tried = v["confirmation"]["tried"].as_array().unwrap();
    assert_eq!(tried[0]["paginator"]["type"], "offset");
    assert_eq!(tried[0]["confirmed"], false);
    assert_eq!(tried[0]["outcome"], "page 2 repeated page 1's records");
    assert_eq!(v["paginator"]["type"], "page_number", "{v}");
    assert_eq!(tried.last().unwrap()["confirmed"], true);
    assert!(tried.len() <= 4);
}

#[test]
fn inspect_says_when_the_api_confirms_nothing_and_refutes_the_first_pages_guess() {
    // The `count` list ignores every position: each probe repeats page 1.
    let server = sized_list();
    let url = format!("{}/payments?count=2", server.url);
    let alone = inspect(&[&url, "--no-probe"]);
    assert_eq!(
        alone["paginator"]["offset_param"], "offset",
        "the first page's guess"
    );
    let requests_before = server.requests().len();
    let out = restclient().args(["inspect", &url]).assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON object");
    // The API refuted the guess (it ignores `offset`): a walk by it would only loop on page 1.
    assert_eq!(v["paginator"]["type"], "single_page", "{v}");
    assert_eq!(v["confirmation"]["confirmed"], false);
    let tried = v["confirmation"]["tried"].as_array().unwrap();
    assert!(!tried.is_empty() && tried.len() <= 4, "{tried:?}");
    assert!(
        tried
            .iter()
            .all(|t| t["outcome"] == "page 2 repeated page 1's records")
    );
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("no candidate confirmed by page 2")
                && l.contains("page 2 repeated page 1's records")
                && l.ends_with("the detected walk would only repeat page 1: a single page")),
        "{stderr}"
    );
    // The first request and at most 4 probes, never more.
    assert_eq!(server.requests().len() - requests_before, 1 + tried.len());
}

#[test]
fn inspect_never_sends_a_post_again_unless_it_is_a_graphql_query() {
    let server = search_engine();
    let url = format!("{}/logs/_search", server.url);
    let v = inspect(&[
        &url,
        "-X",
        "POST",
        "--json",
        r#"{"query": {"match_all": {}}, "size": 20}"#,
    ]);
    assert_eq!(server.requests().len(), 1, "one request: the first");
    assert_eq!(v["confirmation"]["confirmed"], false);
    assert!(
        v["confirmation"]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("POST that is not a GraphQL query")),
        "{v}"
    );
    // A GraphQL query is read-only: it is probed.
    let graphql = page_api();
    let gql = format!("{}/graphql?limit=4", graphql.url);
    let v = inspect(&[
        &gql,
        "-X",
        "POST",
        "--json",
        r#"{"query": "query { items { id } }"}"#,
    ]);
    assert!(v["confirmation"]["skipped"].is_null(), "{v}");
    assert!(graphql.requests().len() > 1);
}

#[test]
fn inspect_masks_secrets_in_the_probes_it_reports() {
    let server = page_api();
    let url = format!("{}/items", server.url);
    let out = restclient()
        .env("PROBE_SECRET", "s3cr3t-value-123")
        .args(["inspect", &url, "-p", "api_key=${PROBE_SECRET}"])
        .assert()
        .success();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr),
    );
    let v: Value = serde_json::from_str(&stdout).expect("one JSON object");
    let tried = v["confirmation"]["tried"].as_array().unwrap();
    assert!(!tried.is_empty());
    // The probes carried the key (the API needs it) but the report never shows it.
    assert!(
        server
            .requests()
            .iter()
            .skip(1)
            .all(|r| r.target.contains("s3cr3t-value-123"))
    );
    assert!(!stdout.contains("s3cr3t-value-123") && !stderr.contains("s3cr3t-value-123"));
}
