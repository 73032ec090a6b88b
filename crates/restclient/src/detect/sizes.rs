//! Rules that read a page's size or the list's total where nothing names a position: the
//! request sized the page and said nothing else (`?count=50`), headers count the items
//! (`per-page`, `total`), or the body reports only a total (`total_entries`).
//!
//! None of these is keyed on an API: they read what any offset or page API of the convention
//! must show (a size the request sent, bounding the records on the page; a total at least the
//! records), and take the position's name from the size's family, offering the other names as
//! alternatives, since one page cannot show it.

use super::data_selector::path_text;
use super::keys::{key_is, looks_like_url};
use super::rules::with_offset_alternatives;
use super::scan::Scan;
use super::sent::{Place, Role, normalize, role_of};
use super::{Alternative, Detection};
use crate::paginators::{OffsetPaginator, PageNumberPaginator, Paginator};
use serde_json::Value;

/// Size names that count records per *page* (the position is a page number), compared by
/// [`normalize`]: `per_page`, `pageSize`, `pagelen`, `itemsPerPage`, ...
const PER_PAGE_NAMES: &[&str] = &[
    "per_page",
    "page_size",
    "pagelen",
    "items_per_page",
    "results_per_page",
    "hits_per_page",
    "records_per_page",
    "entries_per_page",
];

/// The offset each family of size names goes with (compared by [`normalize`]); any other size
/// takes `offset`.
const OFFSET_PARTNERS: &[(&str, &str)] = &[
    ("rows", "start"),
    ("size", "from"),
    ("take", "skip"),
    ("top", "skip"),
    ("max_results", "start_at"),
    ("max_hits", "start_offset"),
    ("num", "start"),
];

/// Whether a size named `name` counts records per page (its partner is a page number).
fn is_per_page(name: &str) -> bool {
    let n = normalize(name);
    PER_PAGE_NAMES.iter().any(|p| normalize(p) == n)
}

/// The offset name a size named `name` goes with.
fn offset_partner(name: &str) -> &'static str {
    let n = normalize(name);
    OFFSET_PARTNERS
        .iter()
        .find(|(size, _)| normalize(size) == n)
        .map_or("offset", |(_, offset)| offset)
}

impl Scan<'_> {
    /// A page size the request sent, and nothing else about position (no offset, page or
    /// cursor sent, no total, link or cursor in the response: the rules before this one found
    /// none), with the page's records within it: the API pages by that size. Offset-family
    /// sizes (`limit`, `count`, `rows`, `size`, ...) walk by the offset that goes with them,
    /// per-page sizes (`per_page`, `pageSize`) by a 1-based page number; both end on an empty
    /// page, and the other position names are offered as alternatives.
    ///
    /// For every API whose docs show a size parameter alone on the first request (Razorpay's
    /// `count`, many SaaS lists' `limit`).
    pub(super) fn request_size(&self) -> Option<Detection> {
        if !self.has_record_list() {
            return None;
        }
        let fields = self.sent_fields();
        if fields
            .iter()
            .any(|f| matches!(f.role(), Some(Role::Offset | Role::Page | Role::Cursor)))
        {
            return None;
        }
        // In the query only: an API paged through a JSON body with a size alone is a
        // key-value scan or a search whose position the response must name (DynamoDB's
        // `Limit` ends where `LastEvaluatedKey` does; no offset would be read).
        let size = self
            .sent_role(Role::Size)
            .filter(|f| matches!(f.place, Place::Query(_)))?;
        let limit = size.int().filter(|n| *n > 0)?;
        let records = self.record_count() as i64;
        if records > limit {
            return None;
        }
        // A full page says more may follow; a short one is the last, but the API still pages.
        let confidence = if records == limit { 0.6 } else { 0.5 };
        let source = format!("the request's `{}={limit}` alone", size.place.name());
        let leaf = size.leaf();
        let (offset_name, per_page) = (offset_partner(&leaf), is_per_page(&leaf));
        let offset = self.sized_offset(&size.place, limit, offset_name);
        let page = self.sized_page();
        let (found, other) = if per_page {
            (
                Detection::new(page, confidence, format!("{source} (pages of that size)")),
                offset.describe(),
            )
        } else {
            (
                Detection::new(
                    offset,
                    confidence,
                    format!("{source} (offset `{offset_name}`)"),
                ),
                page.describe(),
            )
        };
        let mut found = if per_page {
            found
        } else {
            with_offset_alternatives(found, offset_name)
        };
        found.alternatives.push(Alternative {
            paginator: other,
            confidence: confidence / 2.0,
            source: format!("{source} (if the API counts pages)"),
            rule: "",
        });
        Some(found)
    }

    /// `found`, an offset window the body echoes, turned into a page walk when the request
    /// sized its page per *page* (`per_page`, `pageSize`) and sent no offset: the API reads a
    /// page number, and the body only reports where the page starts (Auth0's `start` beside
    /// `per_page`). 1-based, as most per-page APIs are; the 0-based walk and the offset window
    /// are the alternatives. `Err(found)` unchanged otherwise.
    pub(super) fn pages_by_request(&self, found: Detection) -> Result<Detection, Detection> {
        let per_page = self
            .sent_role(Role::Size)
            .is_some_and(|f| is_per_page(&f.leaf()));
        if !per_page
            || self.sent_role(Role::Offset).is_some()
            || self.sent_role(Role::Page).is_some()
        {
            return Err(found);
        }
        let page = self.sized_page();
        let mut zero = page.describe();
        zero["base_page"] = 0.into();
        zero["page"] = 0.into();
        let source = format!(
            "{} reported, and the request's per-page size (pages of that size)",
            found.source
        );
        let mut pages = Detection::new(page, 0.6, source.clone());
        pages.alternatives.push(Alternative {
            paginator: zero,
            confidence: 0.4,
            source: format!("{source}, if pages count from 0"),
            rule: "",
        });
        pages.alternatives.push(Alternative {
            paginator: found.describe(),
            confidence: found.confidence / 2.0,
            source: found.source,
            rule: "",
        });
        Ok(pages)
    }

    /// An offset paginator beside the size the request sent at `size`, its offset named
    /// `offset_name` in the same place (query or body, beside a grouped name).
    fn sized_offset(&self, size: &Place, limit: i64, offset_name: &str) -> OffsetPaginator {
        let name = self.styled(offset_name);
        let p = OffsetPaginator::new(limit).offset(0).without_total();
        let p = match self.default_place(&name) {
            Place::Query(n) => p.offset_param(n),
            Place::Body(b) => p.offset_body_path(b),
        };
        match size {
            Place::Query(n) => p.limit_param(n.clone()),
            Place::Body(b) => p.limit_body_path(b.clone()),
        }
    }

    /// A 1-based page-number paginator (its parameter `page`, where the request keeps its
    /// paging parameters) that ends on an empty page.
    fn sized_page(&self) -> PageNumberPaginator {
        let p = PageNumberPaginator::new()
            .base_page(1)
            .page(1)
            .without_total();
        match self.default_place("page") {
            Place::Query(n) => p.page_param(n),
            Place::Body(b) => p.page_body_path(b),
        }
    }

    /// Counts in headers with nothing in the request or body to say how to page: a page size
    /// header (`per-page`, `X-Per-Page`, `X-Page-Size`) means pages of that size, numbered from
    /// 1 (`page`); an item total header alone (`total`, `X-Total-Count`, ...) at least the
    /// page's records means an offset window of the page's size (a guess; the page walk is the
    /// alternative). Both end on an empty page.
    ///
    /// For APIs that keep their counts out of the body (headless CMSs, Rails and Laravel APIs
    /// with kaminari/will_paginate-style headers).
    pub(super) fn header_counts(&self) -> Option<Detection> {
        const PER_PAGE: &[&str] = &[
            "per-page",
            "x-per-page",
            "x-page-size",
            "page-size",
            "x-pagination-per-page",
            "x-pagination-limit",
        ];
        if !self.has_record_list() || !self.sent_fields().is_empty() {
            return None;
        }
        let int = |h: &str| {
            self.response
                .header(h)
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        let records = self.record_count() as i64;
        if let Some((name, _)) = PER_PAGE
            .iter()
            .find_map(|h| int(h).filter(|n| *n > 0 && *n >= records).map(|n| (*h, n)))
        {
            let page = self.sized_page();
            let offset = OffsetPaginator::new(records.max(1))
                .offset(0)
                .without_total();
            let mut found = Detection::new(page, 0.6, format!("the `{name}` header"));
            found.alternatives.push(Alternative {
                paginator: offset.describe(),
                confidence: 0.3,
                source: format!("the `{name}` header (if the API pages by offset)"),
                rule: "",
            });
            return Some(found);
        }
        let name = self
            .header_item_total()
            .filter(|h| int(h).is_some_and(|n| n >= records))?;
        Some(self.total_guess(format!("the `{name}` header"), None))
    }

    /// An item total at the envelope's level (beside the records, or in their `meta`,
    /// `pagination` or `paging` object) and nothing else about paging: an offset window the
    /// size of this page, to that total; the page walk is the alternative. A guess (one page
    /// cannot show which position the API reads), so it comes last among the body rules.
    ///
    /// For list APIs that report `total`/`total_entries`/`totalCount` and take
    /// `offset`/`limit` without showing them on the first request (Airflow's REST API and the
    /// many built like it).
    pub(super) fn total_only(&self) -> Option<Detection> {
        if !self.has_record_list() || !self.sent_fields().is_empty() {
            return None;
        }
        let (path, _) = self.item_total()?;
        let records = self.record_count() as i64;
        let total = self.body.and_then(|b| {
            let mut v = b;
            for k in &path {
                v = v.get(*k)?;
            }
            super::keys::as_int(v)
        })?;
        // Beside the records or in the page's metadata object, not deep in a record.
        let envelope = path.len() == 1
            || (path.len() == 2 && super::keys::is_page_metadata(path[0]))
            || (path.len() == 2 && path[1] == "value");
        if !envelope || total < records || records == 0 {
            return None;
        }
        let text = path_text(&path);
        Some(self.total_guess(format!("`{text}`"), Some(text)))
    }

    /// The offset window a link of the page to itself or its ends shows in its query
    /// (`self`, `first`, `last`, `prev`, or a `links` entry's `href`: `?limit=10&offset=0`):
    /// the offset's name, the size's name and the size. The links family (JSON:API, HAL,
    /// OpenDataSoft's `links` array) names the API's own window even where the request sent
    /// none and the page holds fewer records than the size.
    fn window_in_links(&self) -> Option<(String, String, i64)> {
        let linkish = |k: &str| {
            let k = normalize(k);
            ["self", "first", "last", "prev", "previous", "href"].contains(&k.as_str())
        };
        // Links under their relation's key, and the `href` of a `links` array's entries
        // (members do not enter lists).
        let texts = self.members.iter().flat_map(|m| {
            let own = m.value.as_str().filter(|_| linkish(m.key()));
            let listed = m
                .value
                .as_array()
                .filter(|_| key_is(m.key(), &["links", "link"]))
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("href").and_then(Value::as_str));
            own.into_iter().chain(listed)
        });
        texts.into_iter().find_map(|text| {
            if !looks_like_url(text.trim()) {
                return None;
            }
            let url = self.response.url().join(text.trim()).ok()?;
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let offset = pairs
                .iter()
                .find(|(k, v)| role_of(k) == Some(Role::Offset) && v.parse::<i64>().is_ok())?;
            let (size, n) = pairs.iter().find_map(|(k, v)| {
                let n = v.parse::<i64>().ok().filter(|n| *n > 0)?;
                (role_of(k) == Some(Role::Size)).then(|| (k.clone(), n))
            })?;
            Some((offset.0.clone(), size, n))
        })
    }

    /// An offset window of this page's size from 0 (or the window the page's links show),
    /// to `total_path` when the body holds the total, with the page walk as the alternative.
    fn total_guess(&self, source: String, total_path: Option<String>) -> Detection {
        if let Some((offset_name, size_name, size)) = self.window_in_links() {
            let offset = OffsetPaginator::new(size)
                .offset(0)
                .offset_param(offset_name.clone())
                .limit_param(size_name.clone());
            let offset = match &total_path {
                Some(t) => offset.total_path(t),
                None => offset.without_total(),
            };
            return Detection::new(
                offset,
                0.6,
                format!(
                    "{source}, an item total, and the window the page's links show \
                     (`{offset_name}`, `{size_name}={size}`)"
                ),
            );
        }
        let records = self.record_count() as i64;
        let mut offset = OffsetPaginator::new(records.max(1))
            .offset(0)
            .offset_param("offset")
            .limit_param("limit");
        offset = match &total_path {
            Some(t) => offset.total_path(t),
            None => offset.without_total(),
        };
        let page = self.sized_page();
        let mut found = Detection::new(
            offset,
            0.4,
            format!("{source}, an item total (offset `offset`, pages of this page's size)"),
        );
        found.alternatives.push(Alternative {
            paginator: page.describe(),
            confidence: 0.2,
            source: format!("{source} (if the API counts pages)"),
            rule: "",
        });
        with_offset_alternatives(found, "offset")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::request::{Body, Request};
    use crate::response::Response;

    fn detect(
        url: &str,
        headers: Vec<(&str, &str)>,
        sent: Option<Value>,
        body: Value,
    ) -> Option<crate::detect::Detection> {
        let response =
            Response::from_parts(200, headers, url, body.to_string().into_bytes()).unwrap();
        let method = if sent.is_some() {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let mut request = Request::new(method, url.parse().unwrap());
        request.set_body(sent.map(Body::Json));
        crate::detect::paginator_for(&request, &response)
    }

    fn alternatives(found: &crate::detect::Detection) -> Vec<Value> {
        found
            .alternatives
            .iter()
            .map(|a| a.paginator.clone())
            .collect()
    }

    #[test]
    fn a_size_sent_alone_walks_by_the_offset_of_its_family() {
        let body = json!({"entity": "collection", "count": 2, "items": [{"id": 1}, {"id": 2}]});
        let found = detect("https://h/v1/payments?count=2", vec![], None, body.clone()).unwrap();
        assert_eq!(found.rule, "request_size");
        let form = found.describe();
        assert_eq!(form["type"], "offset");
        assert_eq!(form["limit_param"], "count");
        assert_eq!(form["offset_param"], "offset");
        assert_eq!(form["limit"], 2);
        // The other names an offset goes by, and the page walk, are offered.
        let alts = alternatives(&found);
        assert!(alts.iter().any(|a| a["offset_param"] == "skip"), "{alts:?}");
        assert!(alts.iter().any(|a| a["type"] == "page_number"), "{alts:?}");
        // `rows` goes with `start` (Solr's family).
        let rows = detect("https://h/select?rows=2", vec![], None, body.clone()).unwrap();
        assert_eq!(rows.describe()["offset_param"], "start");
        // A per-page size walks by page number.
        let per_page = detect("https://h/items?per_page=2", vec![], None, body.clone()).unwrap();
        assert_eq!(per_page.describe()["type"], "page_number");
        assert_eq!(per_page.describe()["page_param"], "page");
        // More records than the size: the parameter is no page size.
        assert!(detect("https://h/items?limit=1", vec![], None, body.clone()).is_none());
        // A size in a JSON body (a key-value scan's `Limit`) names no offset the API reads.
        assert!(detect("https://h/scan", vec![], Some(json!({"Limit": 2})), body).is_none());
    }

    #[test]
    fn a_per_page_request_walks_pages_whatever_offset_the_body_reports() {
        let body = json!({"total": 120, "start": 0, "limit": 50, "clients": [{"id": 1}]});
        let found = detect(
            "https://h/api/v2/clients?per_page=50",
            vec![],
            None,
            body.clone(),
        )
        .unwrap();
        let form = found.describe();
        assert_eq!(form["type"], "page_number");
        assert_eq!(form["page_param"], "page");
        let alts = alternatives(&found);
        assert!(alts.iter().any(|a| a["base_page"] == 0), "{alts:?}");
        assert!(alts.iter().any(|a| a["type"] == "offset"), "{alts:?}");
        // A `limit` sized the page: the offset window the body reports.
        let found = detect("https://h/api/v2/clients?limit=50", vec![], None, body).unwrap();
        assert_eq!(found.describe()["type"], "offset");
    }

    #[test]
    fn a_page_size_header_walks_by_page_number() {
        let body = json!({"stories": [{}, {}]});
        let found = detect(
            "https://h/v1/stories",
            vec![("per-page", "2"), ("total", "3")],
            None,
            body.clone(),
        )
        .unwrap();
        assert_eq!(found.rule, "header_counts");
        let form = found.describe();
        assert_eq!(form["type"], "page_number");
        assert_eq!(form["page_param"], "page");
        assert_eq!(form["base_page"], 1);
        // A total header alone: an offset window of the page's size, the page walk offered.
        let total = detect(
            "https://h/items",
            vec![("X-Total-Count", "7")],
            None,
            body.clone(),
        )
        .unwrap();
        assert_eq!(total.describe()["type"], "offset");
        assert_eq!(total.describe()["limit"], 2);
        assert!(
            alternatives(&total)
                .iter()
                .any(|a| a["type"] == "page_number")
        );
    }

    #[test]
    fn item_totals_are_known_by_the_words_of_their_names() {
        use super::super::keys::is_item_total_key;
        for total in [
            "total",
            "totalRecords",
            "total_matches",
            "TotalResources",
            "recordCount",
            "hit_count",
            "TotalItemCount",
            "total_entries",
        ] {
            assert!(is_item_total_key(total), "{total}");
        }
        for other in [
            "total_pages",
            "totalPages",
            "total_amount",
            "totalPrice",
            "page_count",
            "retry_count",
            "discount",
        ] {
            assert!(!is_item_total_key(other), "{other}");
        }
        // A vendor's total header, known by its words; a page count's is not one.
        let body = json!({"rows": [{}, {}]});
        let found = detect(
            "https://h/rows",
            vec![("X-Acme-Total-Records", "9")],
            None,
            body.clone(),
        )
        .unwrap();
        assert_eq!(found.rule, "header_counts");
        assert!(
            found.source.contains("x-acme-total-records"),
            "{}",
            found.source
        );
        assert!(
            detect(
                "https://h/rows",
                vec![("X-Total-Pages-Count", "9")],
                None,
                body
            )
            .is_none()
        );
    }

    #[test]
    fn an_item_total_alone_is_an_offset_window_to_it() {
        let body = json!({"dags": [{"dag_id": "a"}, {"dag_id": "b"}], "total_entries": 5});
        let found = detect("http://h/api/v1/dags", vec![], None, body).unwrap();
        assert_eq!(found.rule, "total_only");
        let form = found.describe();
        assert_eq!(form["type"], "offset");
        assert_eq!(form["total_path"], "total_entries");
        assert_eq!(form["limit"], 2);
        assert!(found.confidence < 0.7, "a guess is logged at WARN");
        // A total smaller than the page is no item total of this list.
        let small = json!({"dags": [{"dag_id": "a"}, {"dag_id": "b"}], "total_entries": 1});
        assert!(detect("http://h/api/v1/dags", vec![], None, small).is_none());
        // Deep in a record, a `total` is the record's.
        let nested = json!({"orders": [{"id": 1, "total": 30}]});
        assert!(detect("http://h/orders", vec![], None, nested).is_none());
    }

    #[test]
    fn a_total_beside_links_walks_the_window_the_links_show() {
        // OpenDataSoft-style: a `links` array whose `self` shows `limit=10&offset=0`, four
        // records of a total of four: the API's own window, not this page's size.
        let links = json!([{"href": "https://h/api/datasets?limit=10&offset=0", "rel": "self"}]);
        let body = json!({"total_count": 4, "links": links, "datasets": [{}, {}, {}, {}]});
        let found = detect("https://h/api/datasets", vec![], None, body).unwrap();
        let form = found.describe();
        assert_eq!(form["limit"], 10, "{form}");
        assert_eq!(form["offset_param"], "offset");
        assert_eq!(form["limit_param"], "limit");
        assert_eq!(form["total_path"], "total_count");
        // Under a relation's key too (HAL/JSON:API `links.self`), with other names.
        let body = json!({"total": 30, "items": [{"id": 1}],
                          "links": {"self": "/api/items?skip=0&take=25"}});
        let form = detect("https://h/api/items", vec![], None, body)
            .unwrap()
            .describe();
        assert_eq!(
            (form["offset_param"].as_str(), form["limit"].as_i64()),
            (Some("skip"), Some(25))
        );
    }
}
