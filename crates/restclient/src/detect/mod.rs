//! Auto-detection of the paginator and of the record list from the first response.
//!
//! When a walk has no paginator (on the call or the client), [`paginate`](crate::Paginate) sends
//! the first request as given, then asks [`paginator_for`] how to go on; when it has no data
//! selector, [`records`] says where the records are. Both work on any [`Response`], so they can
//! also be used to write a configuration once (the CLI's `inspect` prints the result in dlt's
//! `rest_api` form).
//!
//! ```
//! use restclient::{detect, response::Response};
//!
//! let body = br#"{"data": [{"id": 1}], "pagination": {"next": "/items?page=2"}}"#;
//! let response = Response::from_parts(200, vec![], "https://api.example.com/items", body.to_vec())?;
//! let found = detect::paginator(&response).unwrap();
//! assert_eq!(found.describe(), serde_json::json!({"type": "json_link", "next_url_path": "pagination.next"}));
//! assert_eq!(found.source, "`pagination.next`");
//! assert_eq!(detect::records(response.json()?).as_str(), "data");
//! # Ok::<(), restclient::Error>(())
//! ```
//!
//! # Paginators, in the order they are tried
//!
//! dlt's order (header link, body link, page number, cursor, single page) is kept where it is
//! right and extended; the first rule that matches wins.
//!
//! 1. **`Link` header** with relation `next` (RFC 8288: case-insensitive, several relations per
//!    link) → `header_link`.
//! 2. **Next link in the body**: a string that looks like a URL or a path (it starts with
//!    `http://`, `https://`, `/` or `?`) under a key whose name starts with `next` once a leading
//!    `@`, `_` or `odata.` is removed (`next`, `next_url`, `next_page_url`, `nextLink`,
//!    `@odata.nextLink`, `__next`, `nextRecordsUrl`, `next_page_uri`, ...), at the top level or
//!    nested (`links.next` of JSON:API, `_links.next.href` of HAL, `paging.next` of Facebook,
//!    `pagination.next_url`, `meta.next`, `meta.next_page_url`, ...), or in an object under such
//!    a key (`href`, `url`, `link`, `uri`), or in a `links`/`link` array entry whose `rel` (or
//!    `relation`) is `next` (selector `links[?(@.rel=='next')].href`) → `json_link`. A token
//!    that is not URL-like is a cursor, not a link.
//! 3. **Cursor in the body** → `cursor`, sent back under the name the API expects:
//!
//!    | response key | request parameter | API |
//!    |---|---|---|
//!    | `next_cursor`, `nextCursor`, `next_page_cursor`, `cursor.next`, `cursors.next`, `next` (a token) | `cursor` | Slack (`response_metadata.next_cursor`), many |
//!    | `next_cursor` when the body has `"object": "list"` | `start_cursor` | Notion |
//!    | `cursor` (top level) | `cursor` | Square |
//!    | `paging.next.after`, `cursors.after`, `after` next to `before` | `after` | HubSpot, Facebook, Reddit |
//!    | `pages.next.starting_after` | `starting_after` | Intercom |
//!    | `pageInfo.endCursor` | `after` | Relay-style |
//!    | `nextPageToken` | `pageToken` | Google APIs |
//!    | `nextPageToken` when the body has `isLast` | `nextPageToken` | Jira Cloud (`search/jql`) |
//!    | `next_page_token` | `next_page_token` | Zoom |
//!    | `nextToken`, `NextToken`, `next_token` | the same name | AWS, X (Twitter) search |
//!    | `offset` holding a string | `offset` | Airtable |
//!    | `nextMarker`, `NextMarker`, `next_marker` | `marker` | OpenStack, S3 v1 |
//!    | `continuationToken`, `continuation_token` | the same name | Azure |
//!    | `next_page`, `nextPage` (a token or a number) | `page` | Stripe search, page APIs |
//!
//!    HubSpot's `paging.next` carries both `after` and a `link` that holds only `?after=...`;
//!    the cursor wins there because following the link would drop the caller's other query
//!    parameters. A `has_more`, `hasMore`, `has_next` or `hasNextPage` flag next to the cursor
//!    (or at the top level) becomes `has_more_path`, so a cursor that is always set (as Notion's
//!    and some others are) still ends the walk.
//! 4. **Page number with a page count**: the current page (`page`, `current_page`,
//!    `currentPage`, `page_number`, `pageNumber`, `pageIndex`, or Spring Data's `number` next to
//!    `totalPages`) and the number of pages (`total_pages`, `totalPages`, `last_page`, `pages`,
//!    `page_count`, `num_pages`, `nbPages`, ...) → `page_number` that continues at the page after
//!    the current one and stops after the last: the first page of a 1-based API is not fetched
//!    twice and its last page is not skipped. The base is 0 when the API reports page 0 or uses
//!    Spring Data's 0-based `number`, else 1 (Laravel's `current_page`/`last_page` is 1-based).
//! 5. **Offset**: `offset`/`limit`, `startAt`/`maxResults` (Jira), `skip`/`top`, `$skip`/`$top`,
//!    `skip`/`limit`, `skip`/`take` or `start`/`limit` (Confluence) in one object, with a total
//!    (`total`, `total_count`, `totalCount`, `totalResults`, `totalSize`, `numFound`, or `count`
//!    when it exceeds the records of the page) → `offset` that continues at `offset + limit`
//!    with the limit the server reported. Without a total, the walk ends on an empty page or a
//!    false `has_more`.
//! 6. **Page number without a page count**: a current page next to a page size, an item total
//!    or a `has_more` flag → `page_number` that ends on an empty page or a false `has_more`.
//!    A page count without a current page is taken as a 1-based API (a guess, logged at WARN).
//! 7. **Stripe lists**: `"object": "list"` with `has_more` → `cursor` reading the last record's
//!    `id` (`data[-1].id`) into `starting_after`, with `has_more_path`. Other bodies whose only
//!    signal is `has_more` are not guessed at: the walk fetches one page and says so at WARN.
//! 8. **Cursor header**: `X-Next-Cursor` or `Next-Cursor` (`cursor`), a `next` header holding a
//!    token (`cursor`), GitLab's `X-Next-Page` (`page`) → `header_cursor`.
//! 9. Any other key starting with `next` that holds a token → `cursor` with `cursor` (dlt's rule;
//!    a guess, logged at WARN).
//! 10. A known link or cursor key that is null or empty on the first page → that paginator (it
//!     ends after this page, and `inspect` shows what the API uses).
//!
//! Nothing found gives `None`: the walk fetches a single page, with a WARN when the records are
//! a list (the walk may be incomplete) and at INFO for a single object.
//!
//! When the first request is a POST (or PUT, PATCH) with a JSON object body, the page, offset,
//! limit and cursor go into the body under the same names, as search endpoints expect. A
//! parameter the caller already sent (e.g. `$top`) keeps its name.
//!
//! # Records
//!
//! See [`records`].

use std::collections::VecDeque;

use serde_json::{Map, Value};

use crate::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator, Paginator, SinglePagePaginator,
};
use crate::request::Request;
use crate::response::Response;
use crate::selector::Selector;

/// A paginator detected from a first response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Detection {
    /// The paginator, ready to continue the walk from the second request on: the caller calls
    /// its `init_request` on the request that was sent, then `update_state` with the first
    /// response, as the walk does.
    pub paginator: Box<dyn Paginator>,
    /// How sure the rule is: 1.0 for a next link, about 0.9 for a cursor, page or offset under a
    /// well-known key, 0.5 or less for a guess.
    pub confidence: f32,
    /// What it was detected from: the body keys (``"`pagination.next`"``) or the header.
    pub source: String,
    /// The name of the rule that decided (see the module docs), e.g. `"body_link"`.
    pub rule: &'static str,
    /// The other paginators the rules found in the same response, best first: where detection
    /// cannot be sure, one of them may be the right one (the CLI's `inspect` prints them so a
    /// user can copy the right SPEC).
    pub alternatives: Vec<Alternative>,
}

/// A paginator another rule found in the same response, not chosen (see
/// [`Detection::alternatives`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Alternative {
    /// The paginator in dlt's `rest_api` form.
    pub paginator: Value,
    /// How sure that rule is (as [`Detection::confidence`]).
    pub confidence: f32,
    /// What it was detected from.
    pub source: String,
    /// The rule that found it.
    pub rule: &'static str,
}

impl Detection {
    fn new(paginator: impl Paginator, confidence: f32, source: String) -> Self {
        Detection {
            paginator: Box::new(paginator),
            confidence,
            source,
            rule: "",
            alternatives: Vec::new(),
        }
    }

    /// The paginator in dlt's `rest_api` form, e.g.
    /// `{"type": "json_link", "next_url_path": "pagination.next"}`.
    #[must_use]
    pub fn describe(&self) -> Value {
        self.paginator.describe()
    }
}

/// Detects the paginator of `response`, taking the first request to have been a plain GET with
/// no page, offset or cursor parameter. `None` when the response shows no way to the next page.
///
/// ```
/// use restclient::{detect, response::Response};
/// let graph = br#"{"value": [{"id": "1"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=X"}"#;
/// let r = Response::from_parts(200, vec![], "https://graph.microsoft.com/v1.0/users", graph.to_vec())?;
/// assert_eq!(detect::paginator(&r).unwrap().describe()["next_url_path"], "$['@odata.nextLink']");
///
/// let bare = Response::from_parts(200, vec![], "https://h/items", b"[1, 2]".to_vec())?;
/// assert!(detect::paginator(&bare).is_none());
/// # Ok::<(), restclient::Error>(())
/// ```
#[must_use]
pub fn paginator(response: &Response) -> Option<Detection> {
    Scan::new(None, response).detect()
}

/// Detects the paginator of `response` to `request` (the request that was sent): its method and
/// body decide whether values go to the query or the JSON body, and the parameters it carried
/// keep their names.
///
/// ```
/// use restclient::{Method, Request, detect, response::Response};
/// // A 1-based page API: the first request carried no page, the body says page 1 of 3.
/// let body = br#"{"data": [1], "page": 1, "total_pages": 3}"#;
/// let r = Response::from_parts(200, vec![], "https://h/items", body.to_vec())?;
/// let mut request = Request::new(Method::GET, "https://h/items".parse().unwrap());
/// let mut found = detect::paginator_for(&request, &r).unwrap();
/// found.paginator.init_request(&mut request)?;
/// found.paginator.update_state(&r, Some(&[serde_json::json!(1)]))?;
/// found.paginator.update_request(&mut request)?;
/// assert_eq!(request.full_url().as_str(), "https://h/items?page=2");
/// # Ok::<(), restclient::Error>(())
/// ```
#[must_use]
pub fn paginator_for(request: &Request, response: &Response) -> Option<Detection> {
    Scan::new(Some(request), response).detect()
}

/// Where the records of `body` are, as a [`Selector`] in dlt's dotted form where the keys allow
/// it (`results.posts`; `$['odd key']` otherwise).
///
/// * A body that is not an object (a list, a scalar) is the records: `$`.
/// * Otherwise the lists at key paths of length 1 to 3 are candidates, except lists that are
///   clearly metadata: anything under `links`, `link`, `_links`, `errors`, `warnings`, `meta`,
///   `metadata`, `pagination`, `paging`, `response_metadata`, `included`, `facets` and the like.
/// * A list under a usual record key wins, the shallowest first, then in document order:
///   dlt's keys `data`, `items`, `results`, `entries`, `records`, `rows`, `entities`, `payload`,
///   `content`, `objects`, `values`, plus `value` (OData), `hits` (Elasticsearch's `hits.hits`,
///   Algolia), `elements`, `list`, and any list directly under HAL's `_embedded`.
/// * Otherwise an object with an `id` is a single entity (`$`), not a list of its tags;
///   else the first list of objects, then the first empty list, then any list (shallowest first).
/// * No list at all: `$` (one record, the body).
///
/// ```
/// use restclient::detect;
/// use serde_json::json;
/// assert_eq!(detect::records(&json!({"hits": {"total": {"value": 2}, "hits": [{}, {}]}})).as_str(), "hits.hits");
/// assert_eq!(detect::records(&json!({"_embedded": {"people": [{}]}, "_links": {}})).as_str(), "_embedded.people");
/// assert_eq!(detect::records(&json!({"links": [{"rel": "next"}], "users": [{"id": 1}]})).as_str(), "users");
/// assert_eq!(detect::records(&json!({"id": 7, "topics": ["rust"]})).as_str(), "$");
/// assert_eq!(detect::records(&json!([1, 2])).as_str(), "$");
/// ```
#[must_use]
pub fn records(body: &Value) -> Selector {
    let Value::Object(root) = body else {
        return Selector::root();
    };
    let mut lists: Vec<(Vec<&str>, &Vec<Value>)> = Vec::new();
    collect_lists(root, &mut Vec::new(), &mut lists);
    // The best list by (rank, depth, document order); `None` ranks are not candidates.
    let best = |rank: &Rank| {
        lists
            .iter()
            .enumerate()
            .filter_map(|(i, (path, list))| rank(path, list).map(|r| ((r, path.len(), i), path)))
            .min_by_key(|(key, _)| *key)
            .map(|(_, path)| keys_selector(path))
    };
    let under_record_key = |path: &[&str], _: &[Value]| {
        let last = path.last().copied().unwrap_or("");
        let embedded = path.len() >= 2 && path[path.len() - 2] == "_embedded";
        (RECORD_KEYS.contains(&last) || embedded).then_some(0)
    };
    if let Some(s) = best(&under_record_key) {
        return s;
    }
    let is_entity = ["id", "_id", "uuid"].iter().any(|k| {
        root.get(*k)
            .is_some_and(|v| !v.is_object() && !v.is_array())
    });
    if is_entity {
        return Selector::root();
    }
    let by_shape = |_: &[&str], list: &[Value]| {
        Some(match list.first() {
            Some(Value::Object(_)) => 0,
            None => 1,
            Some(_) => 2,
        })
    };
    best(&by_shape).unwrap_or_else(Selector::root)
}

/// Ranks a candidate record list (lower is better); `None` if it is no candidate.
type Rank = dyn Fn(&[&str], &[Value]) -> Option<u8>;

/// dlt's record keys and the usual others.
const RECORD_KEYS: &[&str] = &[
    "data", "items", "results", "entries", "records", "rows", "entities", "payload", "content",
    "objects", "values", "value", "hits", "elements", "list",
];

/// Keys whose lists are metadata, never records (checked on every key of the path).
const METADATA_KEYS: &[&str] = &[
    "links",
    "link",
    "_links",
    "errors",
    "warnings",
    "meta",
    "metadata",
    "_meta",
    "pagination",
    "paging",
    "response_metadata",
    "included",
    "facets",
    "aggregations",
    "extras",
    "headers",
    "_shards",
];

fn collect_lists<'a>(
    map: &'a Map<String, Value>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Vec<Value>)>,
) {
    for (k, v) in map {
        if METADATA_KEYS.contains(&k.as_str()) {
            continue;
        }
        path.push(k);
        match v {
            Value::Array(list) if path.len() <= 3 => out.push((path.clone(), list)),
            Value::Object(child) if path.len() < 3 => collect_lists(child, path, out),
            _ => {}
        }
        path.pop();
    }
}

fn keys_selector(path: &[&str]) -> Selector {
    let keys: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    Selector::from_keys(&keys)
}

fn path_text(path: &[&str]) -> String {
    keys_selector(path).as_str().to_owned()
}

/// Detects the paginator for the walk and logs the decision; a single page when nothing fits.
pub(crate) fn for_walk(
    request: &Request,
    response: &Response,
    selector: &Selector,
) -> Box<dyn Paginator> {
    let url = response.redacted_url();
    if let Some(found) = paginator_for(request, response) {
        let description = found.describe();
        if found.confidence >= 0.7 {
            tracing::info!(
                paginator = %description,
                source = %found.source,
                confidence = found.confidence,
                "detected the paginator from {} in the first response from {url}: {description}",
                found.source
            );
        } else {
            tracing::warn!(
                paginator = %description,
                source = %found.source,
                confidence = found.confidence,
                "guessed the paginator from {} in the first response from {url}: {description}; \
                 check the walk, or set a paginator with `.paginator(...)` (CLI: `--paginator SPEC`)",
                found.source
            );
        }
        return found.paginator;
    }
    let body = response.json().ok();
    let is_list = body
        .and_then(|b| selector.first(b))
        .is_some_and(Value::is_array);
    if is_list {
        let note = body.and_then(has_more_note).unwrap_or_default();
        tracing::warn!(
            "no pagination found in the first response from {url}: fetching a single page, so the \
             walk may be incomplete{note}. Set a paginator with `.paginator(...)` (CLI: `--paginator SPEC`) \
             if the API has more pages"
        );
    } else {
        tracing::info!(
            "the response from {url} is a single object with no pagination: fetching a single page"
        );
    }
    Box::new(SinglePagePaginator::new())
}

/// A hint for the fallback warning when the body says there is more but not how to get it.
fn has_more_note(body: &Value) -> Option<String> {
    members(body)
        .into_iter()
        .find(|m| {
            HAS_MORE_KEYS.contains(&m.key()) && crate::paginators::parse_bool(m.value) == Some(true)
        })
        .map(|m| {
            format!(
                " (`{}` is true, but the response carries no cursor, next link, page or offset)",
                path_text(&m.path)
            )
        })
}

const HAS_MORE_KEYS: &[&str] = &[
    "has_more",
    "hasMore",
    "has_next",
    "hasNext",
    "has_next_page",
    "hasNextPage",
    "has_more_items",
    "more_items_in_collection",
];
const CURRENT_PAGE_KEYS: &[&str] = &[
    "page",
    "current_page",
    "currentPage",
    "page_number",
    "pageNumber",
    "pageIndex",
    "page_index",
    "number",
];
const PAGE_COUNT_KEYS: &[&str] = &[
    "total_pages",
    "totalPages",
    "last_page",
    "lastPage",
    "pages",
    "page_count",
    "pageCount",
    "num_pages",
    "numPages",
    "nbPages",
];
const PAGE_SIZE_KEYS: &[&str] = &[
    "per_page",
    "perPage",
    "page_size",
    "pageSize",
    "size",
    "limit",
    "hitsPerPage",
    "itemsPerPage",
    "pagelen",
];
const ITEM_TOTAL_KEYS: &[&str] = &[
    "total",
    "total_count",
    "totalCount",
    "totalElements",
    "total_elements",
    "total_results",
    "totalResults",
    "totalItems",
    "total_items",
    "totalSize",
    "total_size",
    "numFound",
    "nbHits",
    "count",
];
/// (offset key, limit key) pairs reported in one object.
const OFFSET_PAIRS: &[(&str, &str)] = &[
    ("offset", "limit"),
    ("startAt", "maxResults"),
    ("start_at", "max_results"),
    ("skip", "top"),
    ("$skip", "$top"),
    ("skip", "limit"),
    ("skip", "take"),
    ("start", "limit"),
];
/// Next-link keys recognised even when their value is null (the last page).
const LINK_KEYS: &[&str] = &[
    "next",
    "next_url",
    "nextUrl",
    "next_page_url",
    "nextPageUrl",
    "next_link",
    "nextLink",
    "@odata.nextLink",
    "odata.nextLink",
    "__next",
    "nextRecordsUrl",
    "next_page_uri",
    "nextPageUri",
    "next_href",
];

/// One member of an object in the body: its key path and value.
struct Member<'a> {
    path: Vec<&'a str>,
    value: &'a Value,
    parent: &'a Map<String, Value>,
}

impl Member<'_> {
    fn key(&self) -> &str {
        self.path.last().copied().unwrap_or("")
    }

    fn parent_key(&self) -> Option<&str> {
        self.path
            .len()
            .checked_sub(2)
            .and_then(|i| self.path.get(i).copied())
    }

    fn parent_path(&self) -> &[&str] {
        &self.path[..self.path.len().saturating_sub(1)]
    }
}

/// Object members breadth first (shallow keys before nested ones, then in document order), to a
/// depth of four keys. Lists are not entered: records never hold pagination.
fn members(body: &Value) -> Vec<Member<'_>> {
    const MAX_DEPTH: usize = 4;
    let mut out = Vec::new();
    let mut queue: VecDeque<(Vec<&str>, &Map<String, Value>)> = VecDeque::new();
    if let Value::Object(root) = body {
        queue.push_back((Vec::new(), root));
    }
    while let Some((path, map)) = queue.pop_front() {
        for (k, v) in map {
            let mut p = path.clone();
            p.push(k.as_str());
            if let Value::Object(child) = v
                && p.len() < MAX_DEPTH
            {
                queue.push_back((p.clone(), child));
            }
            out.push(Member {
                path: p,
                value: v,
                parent: map,
            });
        }
    }
    out
}

/// A string that reads as a URL or an absolute or query-relative path.
fn looks_like_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || s.starts_with('/')
        || s.starts_with('?')
}

/// A key naming a next page: it starts with `next` once `@`, `_` and `odata.` are removed.
fn is_next_key(key: &str) -> bool {
    let k = key.trim_start_matches(['@', '_']);
    let k = k.strip_prefix("odata.").unwrap_or(k);
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("next"))
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A usable cursor value: a non-empty string that is not a link, or a non-zero number.
fn is_token(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty() && !looks_like_url(s.trim()),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// A cursor value that says "no next page": null, empty, 0 or false.
fn is_empty_signal(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// A page-number detection, before it becomes a paginator.
struct PageFound<'p> {
    /// The key of the current page (it names the parameter for some APIs).
    key: &'p str,
    base: i64,
    current: i64,
    total_path: Option<String>,
    /// Where the page keys are (a `has_more` flag there is preferred).
    parent: &'p [&'p str],
    confidence: f32,
    source: String,
}

/// One detection rule: a name (logged at INFO and shown by `inspect`) and the function that
/// looks for its convention in the first response.
struct Rule {
    name: &'static str,
    detect: fn(&Scan<'_>) -> Option<Detection>,
}

/// The rules in the order they are tried (see the module docs): the first that matches wins.
/// A new convention is one entry here and one corpus entry.
const RULES: &[Rule] = &[
    Rule { name: "header_link", detect: |s| s.header_link() },
    Rule { name: "body_link", detect: |s| s.body_link() },
    Rule { name: "body_cursor", detect: |s| s.body_cursor() },
    Rule { name: "page_count", detect: |s| s.page_number(true) },
    Rule { name: "offset", detect: |s| s.offset() },
    Rule { name: "page_number", detect: |s| s.page_number(false) },
    Rule { name: "stripe_list", detect: |s| s.stripe_list() },
    Rule { name: "header_cursor", detect: |s| s.header_cursor() },
    Rule { name: "any_next_token", detect: |s| s.any_next_token() },
    Rule { name: "empty_next", detect: |s| s.empty_next() },
];

struct Scan<'a> {
    request: Option<&'a Request>,
    response: &'a Response,
    body: Option<&'a Value>,
    members: Vec<Member<'a>>,
}

impl<'a> Scan<'a> {
    fn new(request: Option<&'a Request>, response: &'a Response) -> Self {
        let body = response.json().ok();
        Scan {
            request,
            response,
            body,
            members: body.map(members).unwrap_or_default(),
        }
    }

    /// Runs every rule of [`RULES`] in order: the first that finds a paginator decides, the
    /// others' findings become its alternatives.
    fn detect(&self) -> Option<Detection> {
        let mut found: Vec<Detection> = Vec::new();
        for rule in RULES {
            if let Some(mut d) = (rule.detect)(self) {
                d.rule = rule.name;
                found.push(d);
            }
        }
        let mut found = found.into_iter();
        let mut chosen = found.next()?;
        let chosen_form = chosen.describe();
        for d in found {
            let paginator = d.describe();
            if paginator == chosen_form
                || chosen.alternatives.iter().any(|a| a.paginator == paginator)
            {
                continue;
            }
            chosen.alternatives.push(Alternative {
                paginator,
                confidence: d.confidence,
                source: d.source,
                rule: d.rule,
            });
        }
        Some(chosen)
    }

    fn root(&self) -> Option<&'a Map<String, Value>> {
        self.body.and_then(Value::as_object)
    }

    /// The number of records on this page, as [`records`] finds them.
    fn record_count(&self) -> usize {
        self.body.map_or(0, |b| {
            records(b)
                .first(b)
                .map_or(0, |v| v.as_array().map_or(1, Vec::len))
        })
    }

    /// Whether values go into a JSON body rather than the query.
    fn in_body(&self) -> bool {
        self.request.is_some_and(|r| {
            r.method() != reqwest::Method::GET && r.json().is_some_and(Value::is_object)
        })
    }

    /// The value of parameter `name` in the first request (its params or its URL's query).
    fn sent_param(&self, name: &str) -> Option<String> {
        let r = self.request?;
        if let Some(v) = r.param(name) {
            return Some(v.to_owned());
        }
        if let Some(Value::Object(body)) = r.json()
            && let Some(v) = body.get(name)
        {
            return Some(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        r.url()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The parameter names to send `names` under: OData's `$name` form if the caller already
    /// sent one of them so (`$top` alone gives `$skip` and `$top`).
    fn param_names<const N: usize>(&self, names: [&str; N]) -> [String; N] {
        let dollar = names
            .iter()
            .any(|n| !n.starts_with('$') && self.sent_param(&format!("${n}")).is_some());
        names.map(|n| {
            if dollar {
                format!("${n}")
            } else {
                n.to_owned()
            }
        })
    }

    /// A boolean `has_more`-style flag: in `parent` first, else anywhere.
    fn has_more(&self, parent: &[&str]) -> Option<&Member<'a>> {
        let flags = self.members.iter().filter(|m| {
            HAS_MORE_KEYS.contains(&m.key()) && crate::paginators::parse_bool(m.value).is_some()
        });
        flags
            .clone()
            .find(|m| m.parent_path() == parent)
            .or_else(|| flags.min_by_key(|m| m.path.len()))
    }

    fn header_link(&self) -> Option<Detection> {
        // An unparsable `Link` header is no signal here; an explicit paginator reports it.
        crate::paginators::find_link(self.response, "next")
            .ok()
            .flatten()?;
        Some(Detection::new(
            HeaderLinkPaginator::new(),
            1.0,
            "the `Link` header (rel=\"next\")".into(),
        ))
    }

    fn body_link(&self) -> Option<Detection> {
        for m in &self.members {
            if let Some((path, confidence)) = link_at(m) {
                return Some(Detection::new(
                    JsonLinkPaginator::new().next_url_path(&path),
                    confidence,
                    format!("`{path}`"),
                ));
            }
        }
        None
    }

    fn body_cursor(&self) -> Option<Detection> {
        let m = self
            .members
            .iter()
            .find(|m| is_token(m.value) && self.cursor_param(m).is_some())?;
        Some(self.cursor_detection(m, 0.9, ""))
    }

    fn cursor_detection(&self, m: &Member<'a>, confidence: f32, note: &str) -> Detection {
        let param = self.cursor_param(m).unwrap_or_else(|| "cursor".into());
        let path = path_text(&m.path);
        let mut p = JsonResponseCursorPaginator::new().cursor_path(&path);
        p = if self.in_body() {
            p.cursor_body_path(param)
        } else {
            p.cursor_param(param)
        };
        let mut source = format!("`{path}`");
        if let Some(flag) = self.has_more(m.parent_path()) {
            let flag_path = path_text(&flag.path);
            p = p.has_more_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        Detection::new(p, confidence, format!("{source}{note}"))
    }

    /// The request parameter a cursor under this key is sent back in (see the module docs).
    fn cursor_param(&self, m: &Member<'_>) -> Option<String> {
        let root = self.root();
        let parent = m.parent_key();
        let param = match m.key() {
            "next_cursor" | "nextCursor" | "next_page_cursor" | "nextPageCursor" => {
                if root.and_then(|r| r.get("object")) == Some(&Value::from("list")) {
                    "start_cursor"
                } else {
                    "cursor"
                }
            }
            "nextPageToken" => {
                if root.is_some_and(|r| r.contains_key("isLast")) {
                    "nextPageToken"
                } else {
                    "pageToken"
                }
            }
            k @ ("next_page_token" | "nextToken" | "NextToken" | "next_token"
            | "continuationToken" | "continuation_token") => k,
            "nextMarker" | "NextMarker" | "next_marker" => "marker",
            "next_page" | "nextPage" => "page",
            "endCursor" if parent == Some("pageInfo") => "after",
            "after"
                if matches!(parent, Some("next" | "cursors"))
                    || m.parent.contains_key("before") =>
            {
                "after"
            }
            "starting_after" if parent == Some("next") => "starting_after",
            // Square's top-level `cursor`; Airtable's `offset` is an opaque string, not a number.
            "cursor" if m.path.len() == 1 => "cursor",
            "offset" if m.value.is_string() && as_int(m.value).is_none() => "offset",
            // A bare token under `next` (also `cursor.next`, `cursors.next`) is a cursor.
            "next" if !m.value.is_number() || matches!(parent, Some("cursor" | "cursors")) => {
                "cursor"
            }
            _ => return None,
        };
        Some(param.to_owned())
    }

    /// Page numbers. With `counted`, only a current page together with a page count; without,
    /// a current page next to another page signal, or a page count alone.
    fn page_number(&self, counted: bool) -> Option<Detection> {
        let current = self.members.iter().find(|m| {
            CURRENT_PAGE_KEYS.contains(&m.key())
                && as_int(m.value).is_some_and(|n| n >= 0)
                && (m.key() != "number"
                    || m.parent.contains_key("totalPages")
                    || m.parent.contains_key("totalElements"))
        });
        let counts = self.members.iter().filter(|m| {
            PAGE_COUNT_KEYS.contains(&m.key()) && as_int(m.value).is_some_and(|n| n >= 0)
        });
        let count = match current {
            Some(c) => counts
                .clone()
                .find(|m| m.parent_path() == c.parent_path())
                .or_else(|| counts.clone().next()),
            None => counts.clone().next(),
        };
        let current_value = current.and_then(|c| as_int(c.value));
        // 0-based when the API reports page 0 or uses Spring Data's `number`; else 1-based.
        let base_of = |c: &Member<'_>, n: i64| i64::from(c.key() != "number" && n != 0);
        let found = match (current, count) {
            (Some(c), Some(t)) if counted => {
                let n = current_value?;
                let base = base_of(c, n);
                // Laravel's `last_page` is the number of the last page: a count only when 1-based.
                let is_last_page = matches!(t.key(), "last_page" | "lastPage");
                PageFound {
                    key: c.key(),
                    base,
                    current: n,
                    total_path: (base == 1 || !is_last_page).then(|| path_text(&t.path)),
                    parent: c.parent_path(),
                    confidence: 0.9,
                    source: format!("`{}` and `{}`", path_text(&c.path), path_text(&t.path)),
                }
            }
            (Some(c), None) if !counted => {
                let n = current_value?;
                let other = sibling(c.parent, PAGE_SIZE_KEYS)
                    .or_else(|| sibling(c.parent, ITEM_TOTAL_KEYS))
                    .or_else(|| sibling(c.parent, HAS_MORE_KEYS))?;
                let mut other_path = c.parent_path().to_vec();
                other_path.push(other);
                PageFound {
                    key: c.key(),
                    base: base_of(c, n),
                    current: n,
                    total_path: None,
                    parent: c.parent_path(),
                    confidence: 0.7,
                    source: format!("`{}` and `{}`", path_text(&c.path), path_text(&other_path)),
                }
            }
            (None, Some(t)) if !counted => {
                let sent = ["page", "page_number", "pageNumber", "p"]
                    .iter()
                    .find_map(|name| self.sent_param(name).and_then(|v| v.parse::<i64>().ok()));
                let total = path_text(&t.path);
                PageFound {
                    key: "page",
                    base: 1,
                    current: sent.unwrap_or(1),
                    source: format!("`{total}` (no current page: taken as 1-based)"),
                    total_path: Some(total),
                    parent: t.parent_path(),
                    confidence: 0.5,
                }
            }
            _ => return None,
        };
        Some(self.page_detection(found))
    }

    fn page_detection(&self, found: PageFound<'_>) -> Detection {
        let key = found.key;
        let param = [
            "page",
            "page_number",
            "pageNumber",
            "pageIndex",
            "page_index",
            "p",
        ]
        .iter()
        .find(|n| self.sent_param(n).is_some())
        .map_or_else(
            || match key {
                "page_number" | "pageNumber" | "pageIndex" | "page_index" => key.to_owned(),
                _ => "page".to_owned(),
            },
            |n| (*n).to_owned(),
        );
        let mut p = PageNumberPaginator::new()
            .base_page(found.base)
            .page(found.current);
        p = if self.in_body() {
            p.page_body_path(param)
        } else {
            p.page_param(param)
        };
        p = match &found.total_path {
            Some(t) => p.total_path(t),
            None => p.without_total(),
        };
        let mut source = found.source;
        if let Some(flag) = self.has_more(found.parent) {
            let flag_path = path_text(&flag.path);
            p = p.has_more_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        Detection::new(p, found.confidence, source)
    }

    fn offset(&self) -> Option<Detection> {
        let root = self.root()?;
        let containers = std::iter::once((Vec::new(), root)).chain(
            self.members
                .iter()
                .filter_map(|m| m.value.as_object().map(|o| (m.path.clone(), o))),
        );
        for (path, obj) in containers {
            for (offset_key, limit_key) in OFFSET_PAIRS {
                let (Some(offset), Some(limit)) = (
                    obj.get(*offset_key).and_then(as_int),
                    obj.get(*limit_key).and_then(as_int),
                ) else {
                    continue;
                };
                if offset < 0 || limit <= 0 {
                    continue;
                }
                return Some(
                    self.offset_detection(&path, obj, offset_key, limit_key, offset, limit),
                );
            }
        }
        None
    }

    fn offset_detection(
        &self,
        path: &[&str],
        obj: &Map<String, Value>,
        offset_key: &str,
        limit_key: &str,
        offset: i64,
        limit: i64,
    ) -> Detection {
        let at = |key: &str| {
            let mut p = path.to_vec();
            p.push(key);
            path_text(&p)
        };
        let [offset_name, limit_name] = self.param_names([offset_key, limit_key]);
        let mut p = OffsetPaginator::new(limit).offset(offset);
        p = if self.in_body() {
            p.offset_body_path(offset_name).limit_body_path(limit_name)
        } else {
            p.offset_param(offset_name).limit_param(limit_name)
        };
        let mut source = format!("`{}` and `{}`", at(offset_key), at(limit_key));
        let is_total = |k: &str, v: &Value| {
            k != limit_key
                && ITEM_TOTAL_KEYS.contains(&k)
                && as_int(v).is_some_and(|n| n >= 0)
                && (k != "count" || as_int(v).is_some_and(|n| n > self.record_count() as i64))
        };
        let root = self.root();
        let total = obj
            .iter()
            .find(|(k, v)| is_total(k, v))
            .map(|(k, _)| at(k))
            .or_else(|| {
                root.filter(|_| !path.is_empty())?
                    .iter()
                    .find(|(k, v)| is_total(k, v))
                    .map(|(k, _)| path_text(&[k.as_str()]))
            });
        p = match &total {
            Some(t) => {
                source = format!("{source} and `{t}`");
                p.total_path(t)
            }
            None => p.without_total(),
        };
        if let Some(flag) = self.has_more(path) {
            let flag_path = path_text(&flag.path);
            p = p.has_more_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        Detection::new(p, 0.9, source)
    }

    /// Stripe's list object: `{"object": "list", "has_more": ..., "data": [{"id": ...}]}`.
    fn stripe_list(&self) -> Option<Detection> {
        let root = self.root()?;
        if root.get("object") != Some(&Value::from("list")) {
            return None;
        }
        let flag = self.has_more(&[])?;
        let body = self.body?;
        let records = records(body);
        if records.as_str() == "$" {
            return None;
        }
        let list = records.first(body)?.as_array()?;
        if list.first().is_some_and(|r| r.get("id").is_none()) {
            return None;
        }
        let flag_path = path_text(&flag.path);
        let cursor_path = format!("{}[-1].id", records.as_str());
        let mut p = JsonResponseCursorPaginator::new()
            .cursor_path(&cursor_path)
            .has_more_path(&flag_path);
        p = if self.in_body() {
            p.cursor_body_path("starting_after")
        } else {
            p.cursor_param("starting_after")
        };
        Some(Detection::new(
            p,
            0.8,
            format!("`object: \"list\"`, `{flag_path}` and the last record's `id` (Stripe)"),
        ))
    }

    fn header_cursor(&self) -> Option<Detection> {
        const HEADERS: &[(&str, &str)] = &[
            ("x-next-cursor", "cursor"),
            ("next-cursor", "cursor"),
            ("x-next-page", "page"),
            ("next", "cursor"),
        ];
        for (name, param) in HEADERS {
            let Some(value) = self.response.header(name).map(str::trim) else {
                continue;
            };
            let usable = match *param {
                "page" => value.parse::<i64>().is_ok(),
                _ => !value.is_empty() && !looks_like_url(value),
            };
            if usable {
                return Some(Detection::new(
                    HeaderCursorPaginator::new()
                        .cursor_key(*name)
                        .cursor_param(*param),
                    0.7,
                    format!("the `{name}` header"),
                ));
            }
        }
        None
    }

    /// dlt's last rule: any `next...` key holding a token is a cursor sent as `cursor`.
    fn any_next_token(&self) -> Option<Detection> {
        let m = self
            .members
            .iter()
            .find(|m| is_next_key(m.key()) && m.value.is_string() && is_token(m.value))?;
        let path = path_text(&m.path);
        let mut p = JsonResponseCursorPaginator::new().cursor_path(&path);
        p = if self.in_body() {
            p.cursor_body_path("cursor")
        } else {
            p.cursor_param("cursor")
        };
        Some(Detection::new(
            p,
            0.4,
            format!("`{path}` (an unknown key starting with `next`)"),
        ))
    }

    /// A known next-link or cursor key that is null or empty: the API's paginator, on its last
    /// page.
    fn empty_next(&self) -> Option<Detection> {
        let m = self.members.iter().find(|m| {
            is_empty_signal(m.value)
                && !m.value.is_boolean()
                && (LINK_KEYS.contains(&m.key()) || self.cursor_param(m).is_some())
        })?;
        let note = " (empty on the first page: no more pages)";
        if LINK_KEYS.contains(&m.key()) || m.key() == "next_page" || m.key() == "nextPage" {
            let path = path_text(&m.path);
            return Some(Detection::new(
                JsonLinkPaginator::new().next_url_path(&path),
                0.6,
                format!("`{path}`{note}"),
            ));
        }
        Some(self.cursor_detection(m, 0.6, note))
    }
}

/// The first of `keys` present in `map` with a scalar value.
fn sibling<'k>(map: &Map<String, Value>, keys: &[&'k str]) -> Option<&'k str> {
    keys.iter()
        .find(|k| {
            map.get(**k)
                .is_some_and(|v| !v.is_object() && !v.is_array() && !v.is_null())
        })
        .copied()
}

/// A next link at this member: the path of the link and the confidence.
fn link_at(m: &Member<'_>) -> Option<(String, f32)> {
    let key = m.key();
    if is_next_key(key) {
        let confidence = if LINK_KEYS.contains(&key)
            || matches!(key, "next_page" | "nextPage")
            || matches!(
                m.parent_key(),
                Some("links" | "_links" | "paging" | "pagination")
            ) {
            1.0
        } else {
            0.8
        };
        match m.value {
            Value::String(s) if looks_like_url(s.trim()) => {
                return Some((path_text(&m.path), confidence));
            }
            // HubSpot's `paging.next` has `after` and a `link` of `?after=...` only: the cursor
            // keeps the caller's other parameters, so it is left to the cursor rule.
            Value::Object(o) if !o.contains_key("after") => {
                for sub in ["href", "url", "link", "uri"] {
                    if let Some(Value::String(s)) = o.get(sub)
                        && looks_like_url(s.trim())
                    {
                        let mut p = m.path.clone();
                        p.push(sub);
                        return Some((path_text(&p), confidence));
                    }
                }
            }
            _ => {}
        }
    }
    if matches!(key, "links" | "link")
        && let Value::Array(entries) = m.value
    {
        for entry in entries {
            let Value::Object(o) = entry else { continue };
            let Some((rel_key, rel)) = ["rel", "relation"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str).map(|r| (*k, r)))
            else {
                continue;
            };
            if !rel
                .split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("next"))
                || rel.contains(['\'', '\\'])
            {
                continue;
            }
            for href in ["href", "url", "uri"] {
                if let Some(Value::String(s)) = o.get(href)
                    && looks_like_url(s.trim())
                {
                    let path = format!("{}[?(@.{rel_key}=='{rel}')].{href}", path_text(&m.path));
                    return Some((path, 1.0));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod corpus_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_follow_dlt_where_it_is_right() {
        let cases = [
            (json!([1, 2]), json!([1, 2])),
            // Metadata is never the records (dlt picks `meta.data` here).
            (json!({"meta": {"data": [1]}, "rows": [2]}), json!([2])),
            // A record key wins over the first list in document order.
            (json!({"tags": ["a"], "items": [3]}), json!([3])),
            (
                json!({"a": {"b": {"c": {"d": [1]}}}}),
                json!([{"a": {"b": {"c": {"d": [1]}}}}]),
            ),
            (
                json!({"count": 2, "items": [3, 4], "links": []}),
                json!([3, 4]),
            ),
            (json!({"x": 1}), json!([{"x": 1}])),
            // Without a record key, a list of objects beats a list of scalars.
            (
                json!({"tags": ["a"], "users": [{"n": 1}]}),
                json!([{"n": 1}]),
            ),
        ];
        for (body, want) in cases {
            let s = records(&body);
            assert!(
                !s.as_str().contains('['),
                "dotted form expected: {}",
                s.as_str()
            );
            assert_eq!(Value::Array(s.records(&body)), want, "{body}");
        }
    }

    #[test]
    fn link_values_must_look_like_links() {
        assert!(looks_like_url("https://h/x"));
        assert!(looks_like_url("HTTP://h/x"));
        assert!(looks_like_url("/x?page=2"));
        assert!(looks_like_url("?page=2"));
        assert!(!looks_like_url("abc123"));
        assert!(!looks_like_url("httpfoo"));
        assert!(is_next_key("@odata.nextLink"));
        assert!(is_next_key("__next"));
        assert!(is_next_key("NextToken"));
        assert!(!is_next_key("has_next"));
    }
}
