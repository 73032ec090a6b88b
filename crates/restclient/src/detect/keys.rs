//! The vocabulary of pagination: key names APIs use, and how values read.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use super::sent::normalize;

pub(super) const HAS_MORE_KEYS: &[&str] = &[
    "has_more",
    "hasMore",
    "has_next",
    "hasNext",
    "has_next_page",
    "hasNextPage",
    "has_more_items",
    "has_more_page",
    "more_records",
    "more_items_in_collection",
    "has_more_results",
    "more_results",
    // PagerDuty's offset lists.
    "more",
    // AWS (KMS, IAM): `Truncated` / `IsTruncated` beside `NextMarker`.
    "truncated",
    "is_truncated",
];
/// Flags that are true on the last page of an incremental export (Zendesk).
pub(super) const END_OF_STREAM_KEYS: &[&str] = &["end_of_stream", "endOfStream"];
pub(super) const CURRENT_PAGE_KEYS: &[&str] = &[
    "page",
    "current_page",
    "currentPage",
    "page_number",
    "pageNumber",
    "pageIndex",
    "page_index",
    "page_no",
    "page_num",
    "cur_page",
    "current_page_number",
    "number",
];
pub(super) const PAGE_COUNT_KEYS: &[&str] = &[
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
    "total_page",
    "page_total",
    "pages_count",
    "total_page_count",
    // The count's noun first, in the plural (Adyen's and other HAL APIs' `pagesTotal`).
    "pages_total",
];
pub(super) const PAGE_SIZE_KEYS: &[&str] = &[
    "per_page",
    "perPage",
    "page_size",
    "pageSize",
    "size",
    "limit",
    "hitsPerPage",
    "itemsPerPage",
    "pagelen",
    "results_per_page",
];
pub(super) const ITEM_TOTAL_KEYS: &[&str] = &[
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
    "total_rows",
    "nbHits",
    "totalHits",
    "found",
    "total_entries",
    "total_records",
    "record_count",
    "total_hits",
    "num_hits",
    "total_item_count",
    "object_count",
    "total_docs",
    "total_num",
    "row_count",
    "@odata.count",
    "odata.count",
    "__count",
    "count",
];
/// (offset key, limit key) pairs reported in one object (compared by `normalize`).
pub(super) const OFFSET_PAIRS: &[(&str, &str)] = &[
    ("offset", "limit"),
    ("start", "rows"),
    ("from", "size"),
    ("start_offset", "max_hits"),
    // SCIM (RFC 7644 §3.4.2.4): sent back as `startIndex` and `count`.
    ("startIndex", "itemsPerPage"),
    ("startAt", "maxResults"),
    ("start_at", "max_results"),
    ("skip", "top"),
    ("$skip", "$top"),
    ("skip", "limit"),
    ("skip", "take"),
    ("start", "limit"),
];
/// Next-link keys recognised even when their value is null (the last page).
pub(super) const LINK_KEYS: &[&str] = &[
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
    "next_page_link",
];

/// Whether `key` is one of `names`, compared without case, `_`, `-` or a leading `$`/`@`
/// (`TotalCount`, `total-count` and `total_count` are one name).
pub(super) fn key_is(key: &str, names: &[&str]) -> bool {
    let key = normalize(key);
    names.iter().any(|n| normalize(n) == key)
}

/// The member of `map` named `name` in any spelling (see [`key_is`]).
pub(super) fn get_key<'m>(map: &'m Map<String, Value>, name: &str) -> Option<(&'m str, &'m Value)> {
    map.get_key_value(name)
        .or_else(|| map.iter().find(|(k, _)| key_is(k, &[name])))
        .map(|(k, v)| (k.as_str(), v))
}

/// One member of an object in the body: its key path and value.
pub(super) struct Member<'a> {
    pub(super) path: Vec<&'a str>,
    pub(super) value: &'a Value,
    pub(super) parent: &'a Map<String, Value>,
}

impl Member<'_> {
    pub(super) fn key(&self) -> &str {
        self.path.last().copied().unwrap_or("")
    }

    pub(super) fn parent_key(&self) -> Option<&str> {
        self.path
            .len()
            .checked_sub(2)
            .and_then(|i| self.path.get(i).copied())
    }

    pub(super) fn parent_path(&self) -> &[&str] {
        &self.path[..self.path.len().saturating_sub(1)]
    }
}

/// Object members breadth first (shallow keys before nested ones, then in document order), to a
/// depth of six keys (a GraphQL connection's `data.repository.issues.pageInfo.endCursor` is
/// five). Lists are not entered: records never hold pagination.
pub(super) fn members(body: &Value) -> Vec<Member<'_>> {
    const MAX_DEPTH: usize = 6;
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

/// Whether an object under `key` holds a page's metadata (`pagination`, `meta`, `result_info`,
/// ...), where a bare `cursor` is the next page's.
pub(super) fn is_page_metadata(key: &str) -> bool {
    key_is(
        key,
        &[
            "pagination",
            "paging",
            "page",
            "pages",
            "meta",
            "metadata",
            "_meta",
            "page_info",
            "result_info",
            "response_metadata",
            "cursor",
            "cursors",
        ],
    )
}

/// A string that reads as a URL or an absolute or query-relative path, or a relative path with
/// a query (`items?page=2`: no opaque token holds `?`, `=` and no space).
pub(super) fn looks_like_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || s.starts_with('/')
        || s.starts_with('?')
        || (s.contains('?') && s.contains('=') && !s.contains(char::is_whitespace))
}

/// A time or date under a `next...` key (`next_run_at`, `nextBillingDate: "2025-01-01"`): no
/// page position.
pub(super) fn is_time(key: &str, value: &Value) -> bool {
    let k = normalize(key);
    let named = ["at", "date", "time", "on", "run", "due"]
        .iter()
        .any(|end| k.ends_with(end));
    let dated = value.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
    });
    named || dated
}

/// A key naming a next page: it starts with `next` once `@`, `_` and `odata.` are removed.
pub(super) fn is_next_key(key: &str) -> bool {
    let k = key.trim_start_matches(['@', '_']);
    let k = k.strip_prefix("odata.").unwrap_or(k);
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("next"))
}

pub(super) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A usable cursor value: a non-empty string that is not a link, or a non-zero number.
pub(super) fn is_token(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty() && !looks_like_url(s.trim()),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// A cursor value that says "no next page": null, empty, 0 or false.
pub(super) fn is_empty_signal(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// The first of `keys` present in `map` (in any spelling) with a scalar value: its key in `map`.
pub(super) fn sibling<'m>(map: &'m Map<String, Value>, keys: &[&str]) -> Option<&'m str> {
    keys.iter().find_map(|k| {
        get_key(map, k)
            .filter(|(_, v)| !v.is_object() && !v.is_array() && !v.is_null())
            .map(|(k, _)| k)
    })
}

/// A non-empty object under a last-evaluated-key name: a key-value scan's position, sent back
/// whole.
pub(super) fn is_key_object(m: &Member<'_>) -> bool {
    m.key().ends_with("EvaluatedKey") && m.value.as_object().is_some_and(|o| !o.is_empty())
}

/// Whether `key` names an item total: one of [`ITEM_TOTAL_KEYS`], or, in any spelling, a
/// `total` of things a list holds (`totalRecords`, `total_matches`, `TotalResources`,
/// `totalNumber`) or a count of them (`recordCount`, `hit_count`, `TotalItemCount`), not a
/// page count (`total_pages`) nor an amount (`total_amount`, `totalPrice`).
pub(super) fn is_item_total_key(key: &str) -> bool {
    const THINGS: &[&str] = &[
        "",
        "count",
        "results",
        "records",
        "items",
        "entries",
        "rows",
        "hits",
        "elements",
        "objects",
        "docs",
        "documents",
        "resources",
        "matches",
        "number",
        "num",
        "size",
        "length",
        "found",
    ];
    const COUNTED: &[&str] = &[
        "record",
        "records",
        "item",
        "items",
        "result",
        "results",
        "hit",
        "hits",
        "row",
        "rows",
        "entry",
        "entries",
        "object",
        "objects",
        "resource",
        "resources",
        "match",
        "matches",
        "element",
        "elements",
        "totalitem",
        "totalrecord",
        "totalresult",
        "total",
    ];
    if key_is(key, ITEM_TOTAL_KEYS) {
        return true;
    }
    if is_page_count_key(key) {
        return false;
    }
    let k: String = key
        .trim_start_matches(['@', '$', '_'])
        .chars()
        .filter(|c| *c != '_' && *c != '-' && *c != '.')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(rest) = k.strip_prefix("total") {
        return THINGS.contains(&rest);
    }
    if let Some(rest) = k.strip_suffix("total") {
        return COUNTED.contains(&rest);
    }
    k.strip_suffix("count")
        .is_some_and(|rest| COUNTED.contains(&rest))
}

/// Whether `key` names a page count, compared without case or `_` (`TotalPages`, `total_pages`,
/// `totalPages`, `last_page`, `nbPages`, ...).
pub(super) fn is_page_count_key(key: &str) -> bool {
    if key_is(key, PAGE_COUNT_KEYS) {
        return true;
    }
    // By its words, in any spelling: a total or a number of pages (`totalNumPages`,
    // `numberOfPages`, `TotalPageCount`), never a maximum or a page's own count.
    let n = normalize(key);
    let pages_by = n.strip_suffix("pages").is_some_and(|p| {
        [
            "total",
            "totalnum",
            "number",
            "numberof",
            "totalnumberof",
            "count",
        ]
        .contains(&p)
    });
    pages_by || (n.ends_with("pagecount") && n.starts_with("total"))
}

/// The request parameter a `next...` key names by convention: the key without `next`
/// (`nextCursorMark` gives `cursorMark`, `next_offset` gives `offset`), or `cursor` when
/// nothing useful is left (`next`, `next_id`, `nextLink`).
pub(super) fn without_next(key: &str) -> String {
    let k = key.trim_start_matches(['@', '_']);
    let rest = k.get(4..).unwrap_or("").trim_start_matches(['_', '-']);
    let mut chars = rest.chars();
    let name = match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    };
    match name.as_str() {
        "" | "id" | "url" | "link" | "href" | "uri" => "cursor".into(),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::is_page_count_key;

    #[test]
    fn a_page_count_is_known_by_its_words() {
        for key in [
            "total_pages",
            "totalNumPages",
            "numberOfPages",
            "TotalPageCount",
            "count_pages",
        ] {
            assert!(is_page_count_key(key), "{key}");
        }
        // A maximum, a page's own count or size, an item total: not a page count.
        for key in [
            "max_pages",
            "page",
            "pageSize",
            "total",
            "totalRecords",
            "pageItemCount",
        ] {
            assert!(!is_page_count_key(key), "{key}");
        }
    }
}
