//! Where the records are in a response body (see [`records`]).

use serde_json::{Map, Value};

use crate::selector::Selector;

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
///   Algolia), `elements`, `list`, `result` (Cloudflare), and any list directly under HAL's
///   `_embedded`.
/// * A GraphQL connection's `edges` or `nodes` (beside its `pageInfo`), at any depth, before
///   all of these; then JSON:API's single resource document (`data` holding one object with
///   `type`, `id` and `attributes` or `relationships`): `data`, one record.
/// * Rows that are lists of values beside a list of columns (`schema`, `columns`) of a SQL
///   result set (OpenSearch SQL's `datarows`).
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
/// assert_eq!(detect::records(&json!({"schema": [{"name": "a"}], "datarows": [[1]]})).as_str(), "datarows");
/// assert_eq!(detect::records(&json!([1, 2])).as_str(), "$");
/// ```
#[must_use]
pub fn records(body: &Value) -> Selector {
    let Value::Object(root) = body else {
        return Selector::root();
    };
    if let Some(path) = connection(root) {
        return keys_selector(&path);
    }
    // JSON:API's single resource document: `data` is one resource object (`type`, `id`, and
    // its `attributes` or `relationships`), whatever lists its attributes or `included` hold.
    if root
        .get("data")
        .and_then(Value::as_object)
        .is_some_and(|d| {
            d.get("type").is_some_and(Value::is_string)
                && d.get("id").is_some_and(|v| v.is_string() || v.is_number())
                && (d.contains_key("attributes") || d.contains_key("relationships"))
        })
    {
        return keys_selector(&["data"]);
    }
    let mut lists: Vec<(Vec<&str>, &Vec<Value>)> = Vec::new();
    collect_lists(root, &mut Vec::new(), &mut lists);
    // The best list by (rank, depth, document order); `None` ranks are not candidates.
    let best = |rank: &Rank<'_>| {
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
        // In any case: AWS's `Items`, Azure's `Value`.
        let named = RECORD_KEYS.iter().any(|k| k.eq_ignore_ascii_case(last));
        (named || embedded).then_some(0)
    };
    if let Some(s) = best(&under_record_key) {
        return s;
    }
    // A SQL result set: rows of values beside the list of columns that names them
    // (OpenSearch SQL's `schema` and `datarows`, Databricks' `data_array`), not the columns.
    let rows_beside_columns = |path: &[&str], list: &[Value]| {
        let columns = has_columns(root, &path[..path.len() - 1]);
        (columns && list.first().is_some_and(Value::is_array)).then_some(0)
    };
    if let Some(s) = best(&rows_beside_columns) {
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

/// The records of a GraphQL connection at any depth (`data.repository.issues.nodes`): the
/// `edges` or `nodes` list beside a `pageInfo`, or, under GraphQL's `data`, the one list beside
/// a next cursor (`nextCursor` of New Relic's `results`); the shallowest first.
fn connection(root: &Map<String, Value>) -> Option<Vec<&str>> {
    const MAX_DEPTH: usize = 6;
    let graphql = root.get("data").is_some_and(Value::is_object);
    let mut queue = std::collections::VecDeque::from([(Vec::new(), root)]);
    while let Some((path, map)) = queue.pop_front() {
        let list = if map.get("pageInfo").is_some_and(Value::is_object) {
            ["edges", "nodes"]
                .iter()
                .copied()
                .find(|k| map.get(*k).is_some_and(Value::is_array))
        } else if graphql
            && path.len() > 1
            && map
                .keys()
                .any(|k| matches!(k.as_str(), "nextCursor" | "next_cursor" | "cursor"))
        {
            let mut lists = map.iter().filter(|(_, v)| v.is_array());
            match (lists.next(), lists.next()) {
                (Some((k, _)), None) => Some(k.as_str()),
                _ => None,
            }
        } else {
            None
        };
        if let Some(list) = list {
            let mut p = path.clone();
            p.push(list);
            return Some(p);
        }
        for (k, v) in map {
            if let Value::Object(child) = v
                && path.len() < MAX_DEPTH
            {
                let mut p = path.clone();
                p.push(k.as_str());
                queue.push_back((p, child));
            }
        }
    }
    None
}

/// dlt's record keys and the usual others.
pub(super) const RECORD_KEYS: &[&str] = &[
    "data", "items", "results", "entries", "records", "rows", "entities", "payload", "content",
    "objects", "values", "value", "hits", "elements", "list", "result",
];

/// Whether the object at `path` in `root` holds a list of columns.
fn has_columns(root: &Map<String, Value>, path: &[&str]) -> bool {
    let mut map = root;
    for k in path {
        match map.get(*k).and_then(Value::as_object) {
            Some(child) => map = child,
            None => return false,
        }
    }
    COLUMNS_KEYS
        .iter()
        .any(|k| map.get(*k).is_some_and(Value::is_array))
}

/// Ranks a candidate record list (lower is better); `None` if it is no candidate.
type Rank<'r> = dyn Fn(&[&str], &[Value]) -> Option<u8> + 'r;

/// Keys of the list that names a result set's columns, beside its rows.
const COLUMNS_KEYS: &[&str] = &["schema", "columns", "cols", "column_names", "columnNames"];

/// Keys whose lists are metadata, never records (checked on every key of the path).
pub(super) const METADATA_KEYS: &[&str] = &[
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

pub(super) fn collect_lists<'a>(
    map: &'a Map<String, Value>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Vec<Value>)>,
) {
    for (k, v) in map {
        // Metadata, and OpenStack's `<records>_links` beside the records.
        if METADATA_KEYS.contains(&k.as_str()) || k.ends_with("_links") {
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

pub(super) fn keys_selector(path: &[&str]) -> Selector {
    let keys: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    Selector::from_keys(&keys)
}

pub(super) fn path_text(path: &[&str]) -> String {
    keys_selector(path).as_str().to_owned()
}
