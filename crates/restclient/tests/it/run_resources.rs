//! `restclient::run::Resources`: a config's resources walked one at a time, the way a dlt
//! source drives them (each top-level resource from its cursor, each child for the pages of
//! records its parent delivered), against the demo API's tracker and closure servers.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use restclient::Value;
use restclient::run::{CursorState, Resources, Run, WalkItem};
use serde_json::json;

use crate::support::DemoServer;
use crate::support::server;

/// examples/run/tracker.yaml (projects → issues → comments, the issues incremental per
/// project), plus a top-level incremental resource and a plain one.
fn tracker_config(base: &str) -> Value {
    json!({
        "client": {"base_url": format!("{base}/tracker/")},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [
            {"name": "projects", "endpoint": {
                "path": "projects", "params": {"page_size": 2}, "data_selector": "projects",
                "paginator": {"type": "page_number", "base_page": 1, "total_path": "total_pages"}}},
            {"name": "issues", "endpoint": {
                "path": "projects/{resources.projects.id}/issues",
                "params": {"per_page": 10, "sort": "updated", "direction": "asc",
                           "since": "{incremental.start_value}"},
                "paginator": "header_link",
                "incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-01T00:00:00Z"}},
             "include_from_parent": ["key"]},
            {"name": "comments", "endpoint": {
                "path": "projects/{resources.issues.project_id}/issues/{resources.issues.number}/comments",
                "data_selector": "items",
                "paginator": {"type": "offset", "limit": 2, "total_path": "total"},
                "response_actions": [{"status_code": 404, "action": "ignore"}]},
             "include_from_parent": ["id"]},
            {"name": "all_issues", "endpoint": {
                "path": "issues",
                "params": {"per_page": 25, "sort": "updated", "direction": "asc",
                           "since": "{incremental.start_value}"},
                "paginator": "header_link",
                "incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-01T00:00:00Z"}}},
            {"name": "events", "endpoint": {
                "path": "events", "data_selector": "events",
                "paginator": {"type": "offset", "limit": 25, "total_path": "total"}}}
        ]
    })
}

/// The cursors a caller keeps between passes: a top-level resource's, and a child's per
/// parent record.
#[derive(Default, Clone)]
struct States {
    top: BTreeMap<String, CursorState>,
    parents: BTreeMap<String, BTreeMap<String, CursorState>>,
}

/// One pass over every resource, as a dlt source makes it: a top-level resource walked from
/// its cursor, a child walked for each page of its parent's delivered records. Returns every
/// resource's records (in delivery order) and the new cursors.
async fn pass(resources: &Resources, before: &States) -> (BTreeMap<String, Vec<Value>>, States) {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut pages_of: BTreeMap<String, Vec<Vec<Value>>> = BTreeMap::new();
    let mut after = before.clone();
    for name in resources.names() {
        let resource = resources.get(name).unwrap();
        let batches: Vec<Vec<Value>> = match resource.parent() {
            None => vec![Vec::new()],
            Some(parent) => pages_of[parent].clone(),
        };
        let mut pages = Vec::new();
        for batch in batches {
            let mut walk = match resource.parent() {
                None => resource.walk(before.top.get(name).cloned()),
                Some(_) => {
                    let prior = before.parents.get(name).cloned().unwrap_or_default();
                    resource.walk_parents(batch, move |key| prior.get(key).cloned())
                }
            };
            while let Some(item) = walk.try_next().await.unwrap() {
                match item {
                    WalkItem::Page(page) => {
                        let records: Vec<Value> = page
                            .records()
                            .map(|r| serde_json::from_slice(r).unwrap())
                            .collect();
                        assert_eq!(records.len(), page.len());
                        if let Some(c) = page.cursor() {
                            after.top.insert(name.to_owned(), c.clone());
                        }
                        pages.push(records);
                    }
                    WalkItem::ParentDone(done) => {
                        if let Some(c) = done.cursor() {
                            after
                                .parents
                                .entry(name.to_owned())
                                .or_default()
                                .insert(done.key().to_owned(), c.clone());
                        }
                    }
                    _ => unreachable!("no other item"),
                }
            }
        }
        out.insert(name.to_owned(), pages.iter().flatten().cloned().collect());
        pages_of.insert(name.to_owned(), pages);
    }
    (out, after)
}

/// The same config as one `Run`, with a state file: every resource's records.
async fn run_records(config: Value, state: &std::path::Path) -> BTreeMap<String, Vec<Value>> {
    let mut records = Run::from_value(config).unwrap().state_file(state).records();
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    while let Some(r) = records.try_next().await.unwrap() {
        out.entry(r.resource).or_default().push(r.record);
    }
    assert!(records.summary().unwrap().is_success());
    out
}

#[tokio::test]
async fn resources_walked_one_at_a_time_deliver_what_a_run_delivers_first_and_incremental_pass() {
    let server = DemoServer::builder().start().await.unwrap();
    let config = tracker_config(&server.url());
    let resources = Run::from_value(config.clone())
        .unwrap()
        .concurrency(3)
        .resources()
        .unwrap();
    let state = tempfile::tempdir().unwrap();
    let state = state.path().join("state.json");

    let (first, states) = pass(&resources, &States::default()).await;
    let expected = run_records(config.clone(), &state).await;
    // The run leaves out what it has no record of; the pass lists every resource.
    let nonempty = |m: BTreeMap<String, Vec<Value>>| -> BTreeMap<String, Vec<Value>> {
        m.into_iter().filter(|(_, v)| !v.is_empty()).collect()
    };
    assert_eq!(nonempty(first.clone()), expected);
    assert_eq!(first["issues"].len(), 150, "5 projects of 30 issues");
    assert!(
        first["issues"]
            .iter()
            .all(|i| i["_projects_key"].is_string())
    );
    assert_eq!(states.parents["issues"].len(), 5, "one cursor per project");

    server.advance_tracker();
    let (second, _) = pass(&resources, &states).await;
    let expected = run_records(config, &state).await;
    assert_eq!(nonempty(second.clone()), expected);
    // Only what changed: fewer issues than all of them, and the new ones among them.
    let issues = second["issues"].len();
    assert!(
        issues > 15 && issues < 150,
        "{issues} issues the second time"
    );
    assert_eq!(second["all_issues"].len(), issues);
    assert_eq!(second["events"].len(), 100, "not incremental: all again");
}

#[tokio::test]
async fn child_walks_run_at_once_and_arrive_in_parent_order() {
    let server = server::http_with(|req, ctx| async move {
        match req.path.as_str() {
            // The first parent's walk answers only once another walk's request arrived: a
            // batch walked one parent at a time would never get past it.
            "/p/1/c" => {
                ctx.until_overlap().await;
                axum::Json(json!([{"n": 1}]))
            }
            "/p/2/c" => axum::Json(json!([{"n": 2}, {"n": 3}])),
            "/p/3/c" => axum::Json(json!([])),
            _ => axum::Json(json!([])),
        }
    });
    let config = json!({
        "client": {"base_url": server.url()},
        "resources": [
            {"name": "p", "endpoint": {"path": "p", "paginator": "single_page"}},
            {"name": "c", "endpoint": {"path": "p/{resources.p.id}/c", "paginator": "single_page"},
             "include_from_parent": ["id"]}
        ]
    });
    let resources = Run::from_value(config)
        .unwrap()
        .concurrency(3)
        .resources()
        .unwrap();
    let child = resources.get("c").unwrap();
    let parents = vec![json!({"id": 1}), json!({"id": 2}), json!({"id": 3})];
    let items: Vec<WalkItem> = child
        .walk_parents(parents, |_| None)
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<String> = items
        .iter()
        .map(|item| match item {
            WalkItem::Page(p) => format!(
                "page {} {}",
                p.parent().unwrap(),
                String::from_utf8_lossy(p.lines()).trim_end()
            ),
            WalkItem::ParentDone(d) => format!("done {} {}", d.parent(), d.key()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        seen,
        [
            r#"page 0 {"n":1,"_p_id":1}"#,
            r#"done 0 {"id":1}"#,
            "page 1 {\"n\":2,\"_p_id\":2}\n{\"n\":3,\"_p_id\":2}",
            r#"done 1 {"id":2}"#,
            "page 2 ",
            r#"done 2 {"id":3}"#,
        ]
    );
    assert!(server.max_in_flight() >= 2, "the child walks overlapped");
}

#[tokio::test]
async fn a_transform_runs_before_the_filter_and_convert_changes_what_is_sent() {
    let server = server::http(|_req| async move {
        axum::Json(json!([{"id": 1, "t": 1}, {"id": 2, "t": 2}, {"id": 3, "t": 3}]))
    });
    let config = json!({
        "client": {"base_url": server.url()},
        "resources": [{"name": "items", "primary_key": "id", "endpoint": {
            "path": "items", "paginator": "single_page",
            "params": {"since": "{incremental.start_value}"},
            "incremental": {"cursor_path": "t", "initial_value": 1}}}]
    });
    let items = Run::from_value(config)
        .unwrap()
        .resources()
        .unwrap()
        .get("items")
        .unwrap()
        // dlt's processing_steps: a filter, then a map that moves the cursor.
        .with_transform(|texts| {
            Ok(texts
                .iter()
                .map(|t| serde_json::from_slice::<Value>(t).unwrap())
                .filter(|r| r["id"] != 2)
                .map(|r| json!({"id": r["id"], "t": r["t"].as_i64().unwrap() * 10}))
                .collect())
        })
        .with_convert(|v| Ok(Value::from(format!("T{v}"))));
    let first: Vec<WalkItem> = items.walk(None).try_collect().await.unwrap();
    let [WalkItem::Page(page)] = first.as_slice() else {
        panic!("one page: {first:?}")
    };
    assert_eq!(
        String::from_utf8_lossy(page.lines()),
        "{\"id\":1,\"t\":10}\n{\"id\":3,\"t\":30}\n"
    );
    // The filter saw the transformed values.
    let cursor = page.cursor().unwrap().clone();
    assert_eq!(cursor.last_value(), &json!(30));
    assert_eq!(cursor.boundary().collect::<Vec<_>>(), ["[3]"]);

    let second: Vec<WalkItem> = items.walk(Some(cursor)).try_collect().await.unwrap();
    let [WalkItem::Page(page)] = second.as_slice() else {
        panic!("one page: {second:?}")
    };
    assert!(
        page.is_empty(),
        "nothing past the cursor, the boundary record not again"
    );
    let sent: Vec<Option<String>> = server.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        sent,
        [Some("since=T1".to_owned()), Some("since=T30".to_owned())]
    );
}

#[tokio::test]
async fn a_walk_of_the_wrong_kind_fails_naming_the_resource() {
    let config = json!({
        "client": {"base_url": "http://127.0.0.1:9/"},
        "resources": ["p", {"name": "c", "endpoint": "p/{resources.p.id}"}]
    });
    let resources = Run::from_value(config).unwrap().resources().unwrap();
    let err = resources
        .get("c")
        .unwrap()
        .walk(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    assert!(
        err.to_string().contains("resource `c` is a child of `p`"),
        "{err}"
    );
    let err = resources
        .get("p")
        .unwrap()
        .walk_parents(vec![json!({"id": 1})], |_| None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("resource `p` has no parent"),
        "{err}"
    );
    let err = resources
        .get("c")
        .unwrap()
        .walk_parents(vec![json!({"name": "x"})], |_| None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs the field `id`"), "{err}");
    assert!(resources.get("nope").is_none());
}

#[tokio::test]
async fn batches_walked_at_once_share_the_resources_concurrency() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    // Each child request waits for a third one to be in flight (as a caller walking many
    // batches without a shared cap would send), giving up once after a second.
    #[derive(Default)]
    struct Gauge {
        now: AtomicUsize,
        max: AtomicUsize,
        gave_up: AtomicBool,
        arrived: tokio::sync::Notify,
    }
    let gauge = Arc::new(Gauge::default());
    let g = Arc::clone(&gauge);
    let server = server::http(move |_req| {
        let g = Arc::clone(&g);
        async move {
            let n = g.now.fetch_add(1, Ordering::SeqCst) + 1;
            g.max.fetch_max(n, Ordering::SeqCst);
            g.arrived.notify_waiters();
            let third = async {
                while g.max.load(Ordering::SeqCst) < 3 {
                    let arrived = g.arrived.notified();
                    if g.max.load(Ordering::SeqCst) >= 3 {
                        break;
                    }
                    arrived.await;
                }
            };
            if !g.gave_up.load(Ordering::SeqCst)
                && tokio::time::timeout(std::time::Duration::from_secs(1), third)
                    .await
                    .is_err()
            {
                g.gave_up.store(true, Ordering::SeqCst);
            }
            g.now.fetch_sub(1, Ordering::SeqCst);
            axum::Json(json!([{"n": 1}]))
        }
    });
    let config = json!({
        "client": {"base_url": server.url(), "paginator": "single_page"},
        "resources": ["p", {"name": "c", "endpoint": "p/{resources.p.id}/c"}]
    });
    let resources = Run::from_value(config)
        .unwrap()
        .concurrency(2)
        .resources()
        .unwrap();
    let child = resources.get("c").unwrap();
    let batch = |ids: [i64; 3]| ids.iter().map(|i| json!({"id": i})).collect::<Vec<_>>();
    let first = child.walk_parents(batch([1, 2, 3]), |_| None);
    let second = child.walk_parents(batch([4, 5, 6]), |_| None);
    let (a, b) = futures::future::join(
        first.try_collect::<Vec<_>>(),
        second.try_collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 12, "6 pages, 6 ends");
    assert_eq!(server.hits(), 6);
    assert_eq!(
        gauge.max.load(Ordering::SeqCst),
        2,
        "two at once, never more"
    );
}
