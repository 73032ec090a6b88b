//! `GET /`: what the server serves and how restclient walks each route. The same table is
//! `demo-api --help`'s route list, so the two cannot disagree.

use axum::{Json, extract::State};
use serde_json::{Value, json};

use crate::state::AppState;

/// One route of the index.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET`, `POST`, `GET|POST` or `ANY`.
    pub method: &'static str,
    /// The path, `{name}` for a path parameter.
    pub path: &'static str,
    /// What it answers.
    pub about: &'static str,
    /// The paginator that walks it, in dlt's `rest_api` form (restclient's `--paginator`
    /// SPEC), for the paginated routes.
    pub paginator: Option<&'static str>,
    /// Where its records are (`--data-selector`).
    pub data_selector: Option<&'static str>,
}

const fn walked(
    method: &'static str,
    path: &'static str,
    about: &'static str,
    paginator: &'static str,
    data_selector: &'static str,
) -> Route {
    Route {
        method,
        path,
        about,
        paginator: Some(paginator),
        data_selector: Some(data_selector),
    }
}

const fn plain(method: &'static str, path: &'static str, about: &'static str) -> Route {
    Route {
        method,
        path,
        about,
        paginator: None,
        data_selector: None,
    }
}

/// Every route a user may want to try, paginated ones first.
pub const ROUTES: &[Route] = &[
    walked(
        "GET|POST",
        "/offset",
        "offset/limit, with a total",
        r#"{"type":"offset","limit":10,"total_path":"total"}"#,
        "items",
    ),
    walked(
        "GET",
        "/offset/no-total",
        "offset/limit, no total: ends on an empty page",
        r#"{"type":"offset","limit":10,"total_path":null}"#,
        "items",
    ),
    walked(
        "GET",
        "/offset/has-more",
        "offset/limit with a has_more flag",
        r#"{"type":"offset","limit":10,"total_path":null,"has_more_path":"has_more"}"#,
        "items",
    ),
    walked(
        "GET|POST",
        "/page",
        "page numbers from 1, with total_pages",
        r#"{"type":"page_number","base_page":1,"total_path":"total_pages"}"#,
        "data",
    ),
    walked(
        "GET",
        "/page0",
        "page numbers from 0, with total_pages",
        r#"{"type":"page_number","base_page":0,"total_path":"total_pages"}"#,
        "data",
    ),
    walked(
        "GET",
        "/posts",
        "page numbers from 1, a bare array, no total",
        r#"{"type":"page_number","base_page":1,"total_path":null}"#,
        "$",
    ),
    walked(
        "GET",
        "/json-link",
        "a next link in the body",
        "json_link",
        "data",
    ),
    walked(
        "GET",
        "/json-link/nested",
        "a nested next link and records",
        r#"{"type":"json_link","next_url_path":"pagination.next"}"#,
        "results.posts",
    ),
    walked(
        "GET",
        "/header-link",
        "a bare array, the next page in the Link header",
        "header_link",
        "$",
    ),
    walked(
        "GET",
        "/cursor",
        "a cursor in the body",
        r#"{"type":"cursor","cursor_path":"cursors.next","cursor_param":"cursor"}"#,
        "items",
    ),
    walked(
        "GET",
        "/header-cursor",
        "a bare array, the cursor in the `next` header",
        "header_cursor",
        "$",
    ),
    walked(
        "POST",
        "/search",
        "a cursor sent back in the JSON body (restclient: -X POST --json '{\"query\":\"x\"}')",
        r#"{"type":"cursor","cursor_path":"next_page_cursor","cursor_body_path":"cursor"}"#,
        "results",
    ),
    plain("GET", "/posts/{id}", "one record, or 404"),
    plain("GET", "/single", "one page, no pagination"),
    plain(
        "ANY",
        "/echo",
        "the request as the server saw it: method, path, query, headers, body",
    ),
    plain("ANY", "/status/{code}", "that status"),
    plain("GET", "/redirect?to=URL", "a 302 to URL"),
    plain(
        "GET",
        "/auth/{bearer,basic,api-key/header,api-key/query,api-key/cookie,oauth2}/offset",
        "/offset behind each auth (demo credentials: demo-bearer-token, demo-api-key, \
         demo-user:demo-password, client demo-client:demo-client-secret at POST /oauth/token)",
    ),
    plain(
        "GET",
        "/tracker/projects",
        "a tracker API: projects → issues → comments, users, events \
         (restclient run examples/run/tracker.yaml)",
    ),
    plain(
        "GET",
        "/github/repos/{owner}/{repo}/issues",
        "GitHub-like issues (dlt's GitHub example)",
    ),
    plain(
        "GET",
        "/pokeapi/api/v2/{kind}",
        "PokeAPI-like lists (dlt's PokeAPI example)",
    ),
];

/// `GET /` → the server's records, page size and [`ROUTES`], each paginated route with the
/// `--paginator` and `--data-selector` that walk it.
pub(crate) async fn index(State(state): State<AppState>) -> Json<Value> {
    let routes: Vec<Value> = ROUTES
        .iter()
        .map(|r| {
            let mut route = json!({"method": r.method, "path": r.path, "about": r.about});
            if let (Some(p), Some(s)) = (r.paginator, r.data_selector) {
                // The table's SPECs are JSON or a bare type name.
                let spec = serde_json::from_str(p).unwrap_or_else(|_| Value::from(p));
                route["paginator"] = spec;
                route["data_selector"] = Value::from(s);
            }
            route
        })
        .collect();
    Json(json!({
        "name": "demo-api",
        "about": "every pagination style restclient speaks; records are \
                  {\"id\", \"name\", \"score\"}, ids 1..=records",
        "records": state.records,
        "page_size": state.page_size,
        "routes": routes,
    }))
}
