//! The tracker API (`/tracker`), and its GitHub-like and PokeAPI-like subsets, over real HTTP.

use demo_api::{DemoServer, TrackerConfig};
use reqwest::{Client, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

thread_local! {
    /// One client per test (each test has its own thread and runtime, which the client's
    /// pooled connections belong to): building a client loads the system's root certificates.
    static CLIENT: Client = Client::new();
}

fn client() -> Client {
    CLIENT.with(Client::clone)
}

async fn get(url: &str) -> Result<(StatusCode, HeaderMap, Value), reqwest::Error> {
    let response = client().get(url).send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    Ok((status, headers, response.json().await?))
}

async fn get_ok(url: &str) -> Result<(HeaderMap, Value), Box<dyn std::error::Error>> {
    let (status, headers, body) = get(url).await?;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    Ok((headers, body))
}

/// The `rel="next"` target of a `Link` header, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(", ")
        .find(|part| part.ends_with("rel=\"next\""))
        .and_then(|part| part.split_once('>'))
        .map(|(target, _)| target.trim_start_matches('<').to_owned())
}

/// Every record of a `Link`-header walk starting at `url`, and the number of pages.
async fn walk_links(url: String) -> Result<(Vec<Value>, usize), Box<dyn std::error::Error>> {
    let mut records = Vec::new();
    let mut pages = 0;
    let mut next = Some(url);
    while let Some(url) = next {
        let (headers, body) = get_ok(&url).await?;
        records.extend(body.as_array().ok_or("not an array")?.iter().cloned());
        pages += 1;
        assert!(pages < 1000, "endless walk");
        next = next_link(&headers);
    }
    Ok((records, pages))
}

#[tokio::test]
async fn projects_are_page_numbered() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let mut ids = Vec::new();
    for page in 1..=4 {
        let (_, body) = get_ok(&format!(
            "{}/tracker/projects?page={page}&page_size=2",
            server.url()
        ))
        .await?;
        assert_eq!(body["total_pages"], 3);
        assert_eq!(body["total"], 5);
        for project in body["projects"].as_array().ok_or("no projects")? {
            ids.push(project["id"].as_u64().ok_or("no id")?);
        }
    }
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let (_, project) = get_ok(&format!("{}/tracker/projects/3", server.url())).await?;
    assert_eq!(project["key"], "P3");
    let (status, _, _) = get(&format!("{}/tracker/projects/6", server.url())).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn issues_walk_by_link_header_keeping_the_filters() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let url = format!(
        "{}/tracker/projects/2/issues?per_page=7&sort=updated",
        server.url()
    );
    let (issues, pages) = walk_links(url).await?;
    assert_eq!(pages, 5);
    assert_eq!(issues.len(), 30);
    let mut numbers: Vec<u64> = issues.iter().filter_map(|i| i["number"].as_u64()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=30).collect::<Vec<_>>());
    assert!(issues.iter().all(|i| i["project_id"] == 2));
    // The same order as one big page: the next links kept `sort=updated`.
    let (_, one_page) = get_ok(&format!(
        "{}/tracker/projects/2/issues?per_page=100&sort=updated",
        server.url()
    ))
    .await?;
    assert_eq!(Value::Array(issues), one_page);
    // All projects' issues in one list.
    let (all, _) = walk_links(format!("{}/tracker/issues?per_page=50", server.url())).await?;
    assert_eq!(all.len(), 150);
    Ok(())
}

#[tokio::test]
async fn since_compares_instants_not_text() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let list = |query: String| {
        let url = format!(
            "{}/tracker/projects/1/issues?per_page=100&sort=updated{query}",
            server.url()
        );
        async move { get_ok(&url).await.map(|(_, body)| body) }
    };
    let sorted = list("&direction=asc".into()).await?;
    let sorted = sorted.as_array().ok_or("not an array")?;
    let stamps: Vec<&str> = sorted
        .iter()
        .filter_map(|i| i["updated_at"].as_str())
        .collect();
    assert_eq!(stamps.len(), 30);
    // Mixed offsets: sorted by instant, the text is out of order.
    assert!(stamps.iter().any(|s| s.ends_with('Z')));
    assert!(stamps.iter().any(|s| s.ends_with("+05:30")));
    assert!(stamps.iter().any(|s| s.ends_with("-08:00")));
    assert!(stamps.windows(2).any(|pair| pair[0] > pair[1]));
    // `since=X` keeps exactly the issues updated at or after X's instant.
    for (k, stamp) in stamps.iter().enumerate() {
        let since: String = form_urlencoded::byte_serialize(stamp.as_bytes()).collect();
        let filtered = list(format!("&direction=asc&since={since}")).await?;
        assert_eq!(
            filtered.as_array().map(Vec::as_slice),
            Some(&sorted[k..]),
            "{stamp}"
        );
    }
    // Descending is the reverse.
    let desc = list("&direction=desc".into()).await?;
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(desc, Value::Array(reversed));
    let (status, _, body) = get(&format!(
        "{}/tracker/projects/1/issues?since=yesterday",
        server.url()
    ))
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    Ok(())
}

#[tokio::test]
async fn comments_are_offset_paged_and_deleted_issues_answer_404() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let (_, issues) = get_ok(&format!(
        "{}/tracker/projects/1/issues?per_page=100",
        server.url()
    ))
    .await?;
    let issues = issues.as_array().ok_or("not an array")?;
    let mut seen_counts = Vec::new();
    for issue in issues {
        let number = issue["number"].as_u64().ok_or("no number")?;
        let url = format!(
            "{}/tracker/projects/1/issues/{number}/comments",
            server.url()
        );
        if issue["deleted"] == true {
            let (status, _, body) = get(&url).await?;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(body, json!({"error": "issue deleted"}));
            continue;
        }
        let mut comments = Vec::new();
        let mut offset = 0;
        loop {
            let (_, page) = get_ok(&format!("{url}?offset={offset}&limit=2")).await?;
            let items = page["items"].as_array().ok_or("no items")?;
            if items.is_empty() {
                break;
            }
            comments.extend(items.iter().cloned());
            offset += 2;
        }
        assert_eq!(Some(comments.len() as u64), issue["comments"].as_u64());
        assert!(comments.iter().all(|c| c["issue_id"] == issue["id"]));
        seen_counts.push(comments.len());
    }
    assert!(issues.iter().any(|i| i["deleted"] == true));
    assert!(seen_counts.iter().all(|&n| n <= 5));
    assert!(seen_counts.contains(&0) && seen_counts.iter().any(|&n| n >= 2));
    Ok(())
}

#[tokio::test]
async fn advancing_changes_some_issues_and_adds_new_ones() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let url = format!("{}/tracker/issues?per_page=100", server.url());
    let (before, _) = walk_links(url.clone()).await?;
    assert_eq!(server.tracker_generation(), 0);
    let advanced = client()
        .post(format!("{}/tracker/_advance", server.url()))
        .send()
        .await?
        .json::<Value>()
        .await?;
    assert_eq!(advanced, json!({"generation": 1}));
    let (after, _) = walk_links(url).await?;
    assert_eq!(after.len(), before.len() + 5 * 3);
    let changed: Vec<&Value> = after
        .iter()
        .filter(|issue| !before.contains(issue))
        .collect();
    let new = changed
        .iter()
        .filter(|issue| issue["number"].as_u64() > Some(30))
        .count();
    assert_eq!(new, 15);
    assert!(changed.len() > new, "no existing issue was updated");
    // The library-side handle advances the same state.
    assert_eq!(server.advance_tracker(), 2);
    assert_eq!(server.tracker_generation(), 2);
    Ok(())
}

#[tokio::test]
async fn sizes_are_configurable() -> TestResult {
    let server = DemoServer::builder()
        .tracker(TrackerConfig {
            projects: 2,
            issues_per_project: 4,
            users: 7,
            events: 250,
            ..TrackerConfig::default()
        })
        .start()
        .await?;
    let (all, _) = walk_links(format!("{}/tracker/issues", server.url())).await?;
    assert_eq!(all.len(), 8);
    // Users by cursor.
    let mut users = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = get_ok(&format!(
            "{}/tracker/users?limit=3&cursor={cursor}",
            server.url()
        ))
        .await?;
        users.extend(page["users"].as_array().ok_or("no users")?.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let ids: Vec<u64> = users.iter().filter_map(|u| u["id"].as_u64()).collect();
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    // Events by offset.
    let (_, page) = get_ok(&format!(
        "{}/tracker/events?offset=200&limit=100",
        server.url()
    ))
    .await?;
    assert_eq!(page["total"], 250);
    assert_eq!(page["events"].as_array().map(Vec::len), Some(50));
    assert_eq!(page["events"][0]["id"], 201);
    Ok(())
}

#[tokio::test]
async fn github_subset_pages_issues_and_comments_by_link() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let base = format!("{}/github/repos/dlt-hub/dlt", server.url());
    let (open, _) = walk_links(format!("{base}/issues?per_page=10")).await?;
    assert!(!open.is_empty() && open.len() < 30);
    assert!(open.iter().all(|i| i["state"] == "open"));
    let (all, pages) = walk_links(format!("{base}/issues?per_page=10&state=all")).await?;
    assert_eq!((all.len(), pages), (30, 3));
    for issue in &all {
        let number = &issue["number"];
        let (comments, _) =
            walk_links(format!("{base}/issues/{number}/comments?per_page=2")).await?;
        assert_eq!(Some(comments.len() as u64), issue["comments"].as_u64());
    }
    let (status, _, _) = get(&format!("{base}/issues/999/comments")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn pokeapi_subset_links_by_next_and_serves_details() -> TestResult {
    let server = DemoServer::start(Default::default()).await?;
    let mut next = Some(format!("{}/pokeapi/api/v2/pokemon?limit=50", server.url()));
    let mut names = Vec::new();
    while let Some(url) = next {
        let (_, page) = get_ok(&url).await?;
        assert_eq!(page["count"], 151);
        for result in page["results"].as_array().ok_or("no results")? {
            names.push(result["name"].as_str().ok_or("no name")?.to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(names.len(), 151);
    assert_eq!(names[0], "pokemon-1");
    let (_, one) = get_ok(&format!("{}/pokeapi/api/v2/berry?limit=1000", server.url())).await?;
    assert_eq!(one["next"], Value::Null);
    assert_eq!(one["results"].as_array().map(Vec::len), Some(64));
    let (_, detail) = get_ok(&format!(
        "{}/pokeapi/api/v2/pokemon/pokemon-25?limit=1000",
        server.url()
    ))
    .await?;
    assert_eq!(detail["id"], 25);
    assert_eq!(detail["name"], "pokemon-25");
    let (status, _, _) = get(&format!(
        "{}/pokeapi/api/v2/pokemon/pokemon-152",
        server.url()
    ))
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}
