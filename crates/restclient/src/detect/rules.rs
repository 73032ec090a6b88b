//! The detection rules: one method of [`Scan`] each, listed in order in [`super::RULES`].

use serde_json::{Map, Value};

use super::keys::*;
use super::records::{path_text, records};
use super::scan::{Place, Scan, normalize};
use super::{Alternative, Detection};
use crate::paginators::{
    HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, JsonResponseCursorPaginator,
    OffsetPaginator, PageNumberPaginator,
};

/// A page-number detection, before it becomes a paginator.
pub(super) struct PageFound<'p> {
    /// The key of the current page (it names the parameter for some APIs).
    pub(super) key: &'p str,
    pub(super) base: i64,
    pub(super) current: i64,
    pub(super) total_path: Option<String>,
    /// Where the page keys are (a `has_more` flag there is preferred).
    pub(super) parent: &'p [&'p str],
    pub(super) confidence: f32,
    pub(super) source: String,
}

impl<'a> Scan<'a> {
    pub(super) fn header_link(&self) -> Option<Detection> {
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

    pub(super) fn body_link(&self) -> Option<Detection> {
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

    pub(super) fn body_cursor(&self) -> Option<Detection> {
        let m = self
            .members
            .iter()
            .find(|m| (is_token(m.value) || is_key_object(m)) && self.cursor_param(m).is_some())?;
        Some(self.cursor_detection(m, 0.9, ""))
    }

    pub(super) fn cursor_detection(
        &self,
        m: &Member<'a>,
        confidence: f32,
        note: &str,
    ) -> Detection {
        let path = path_text(&m.path);
        let mut p = JsonResponseCursorPaginator::new().cursor_path(&path);
        let mut source = format!("`{path}`");
        let mut guessed_name = None;
        if self.is_graphql() {
            // GraphQL takes the cursor as a query variable, whatever the response calls it.
            let variable = self.graphql_cursor_variable();
            source = format!("{source} into the GraphQL variable `{variable}`");
            p = p.cursor_body_path(variable);
        } else {
            // A cursor parameter the first request already sent is the one to advance.
            let sent = self.sent_cursor_param();
            let param = sent
                .clone()
                .or_else(|| self.cursor_param(m))
                .unwrap_or_else(|| "cursor".into());
            if sent.is_none() {
                guessed_name = Some(param.clone());
            }
            p = if self.in_body() {
                p.cursor_body_path(param)
            } else {
                p.cursor_param(param)
            };
        }
        if let Some(flag) = self.has_more(m.parent_path()) {
            let flag_path = path_text(&flag.path);
            p = p.has_more_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        // Incremental exports keep their cursor set on the last page and say so in a flag.
        if let Some(flag) = self.end_of_stream(m.parent_path()) {
            let flag_path = path_text(&flag.path);
            p = p.end_of_stream_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        let found = Detection::new(p, confidence, format!("{source}{note}"));
        match guessed_name {
            Some(name) => with_name_alternatives(found, &name),
            None => found,
        }
    }

    /// The request parameter a cursor under this key is sent back in (see the module docs).
    pub(super) fn cursor_param(&self, m: &Member<'_>) -> Option<String> {
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
            // Eventbrite's `pagination.continuation`.
            "continuation" => "continuation",
            "next_page" | "nextPage" => "page",
            "endCursor" if parent == Some("pageInfo") => "after",
            "after"
                if matches!(parent, Some("next" | "cursors"))
                    || m.parent.contains_key("before") =>
            {
                "after"
            }
            "starting_after" if parent == Some("next") => "starting_after",
            // A Reddit-style `after` in the object that holds the records.
            "after" if m.parent.values().any(Value::is_array) => "after",
            // OpenAI/Anthropic-style lists: `first_id`, `last_id` and `has_more`.
            "last_id" | "lastId" if HAS_MORE_KEYS.iter().any(|k| m.parent.contains_key(*k)) => {
                "after"
            }
            // Incremental exports (Zendesk): `after_cursor` beside `after_url`.
            "after_cursor" | "afterCursor" => "cursor",
            // Key-value scans (DynamoDB): the last key read is the exclusive start of the next.
            "LastEvaluatedKey" => "ExclusiveStartKey",
            "lastEvaluatedKey" => "exclusiveStartKey",
            // A numeric id of the next record beside the records (dlt's detector test).
            "next_id" | "nextId" if m.value.is_number() => "cursor",
            // Square's top-level `cursor`; a nested one (Twitch's `pagination.cursor`) goes back
            // as `after` when the request sized the page Relay-style with `first`.
            "cursor" if m.path.len() == 1 || m.parent_key() == Some("pagination") => {
                if self.sent_name(&["first"]).is_some() {
                    "after"
                } else {
                    "cursor"
                }
            }
            // Airtable's `offset` is an opaque string, not a number.
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
    pub(super) fn page_number(&self, counted: bool) -> Option<Detection> {
        let current = self.members.iter().find(|m| {
            CURRENT_PAGE_KEYS.contains(&m.key())
                && as_int(m.value).is_some_and(|n| n >= 0)
                && (m.key() != "number"
                    || m.parent.contains_key("totalPages")
                    || m.parent.contains_key("totalElements"))
        });
        let counts = self
            .members
            .iter()
            .filter(|m| is_page_count_key(m.key()) && as_int(m.value).is_some_and(|n| n >= 0));
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

    pub(super) fn page_detection(&self, found: PageFound<'_>) -> Detection {
        let key = found.key;
        // The place the first request sent its page (bracketed or nested names included) is the
        // one to advance; else the key's own name where it names the parameter, else `page`.
        let place = self.sent_page_place().unwrap_or_else(|| {
            let name = match key {
                "page_number" | "pageNumber" | "pageIndex" | "page_index" => key.to_owned(),
                _ => "page".to_owned(),
            };
            if self.in_body() {
                Place::Body(name)
            } else {
                Place::Query(name)
            }
        });
        let mut p = PageNumberPaginator::new()
            .base_page(found.base)
            .page(found.current);
        p = match place {
            Place::Body(path) => p.page_body_path(path),
            Place::Query(name) => p.page_param(name),
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

    pub(super) fn offset(&self) -> Option<Detection> {
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

    pub(super) fn offset_detection(
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
    pub(super) fn stripe_list(&self) -> Option<Detection> {
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
        Some(with_name_alternatives(
            Detection::new(
                p,
                0.8,
                format!("`object: \"list\"`, `{flag_path}` and the last record's `id` (Stripe)"),
            ),
            "starting_after",
        ))
    }

    pub(super) fn header_cursor(&self) -> Option<Detection> {
        // Header names compared without case, `-`, `_` and an `x-`/`x-ms-` prefix, and the
        // parameter each is sent back in (unless the first request sent one already).
        const HEADERS: &[(&str, &str)] = &[
            ("nextcursor", "cursor"),
            ("cursor", "cursor"),
            ("continuationtoken", "continuationToken"),
            ("continuation", "continuationToken"),
            ("nextpagetoken", "pageToken"),
            ("nexttoken", "nextToken"),
            ("nextpage", "page"),
            ("next", "cursor"),
        ];
        let headers = self.response.headers();
        for (want, param) in HEADERS {
            let Some((name, value)) = headers.iter().find_map(|(name, value)| {
                let n = name.as_str();
                let bare = n
                    .strip_prefix("x-ms-")
                    .or_else(|| n.strip_prefix("x-"))
                    .unwrap_or(n);
                (normalize(bare) == *want)
                    .then(|| value.to_str().ok().map(|v| (n, v.trim())))
                    .flatten()
            }) else {
                continue;
            };
            let usable = match *param {
                "page" => value.parse::<i64>().is_ok(),
                _ => !value.is_empty() && !looks_like_url(value),
            };
            if !usable {
                continue;
            }
            let param = self
                .sent_cursor_param()
                .unwrap_or_else(|| (*param).to_owned());
            return Some(Detection::new(
                HeaderCursorPaginator::new()
                    .cursor_key(name)
                    .cursor_param(param),
                0.7,
                format!("the `{name}` header"),
            ));
        }
        None
    }

    /// dlt's last rule: any `next...` key holding a token is a cursor. The parameter is the
    /// one the first request sent, else the key without `next` (`nextCursorMark` is sent as
    /// `cursorMark`, `next_offset` as `offset`), else `cursor`.
    pub(super) fn any_next_token(&self) -> Option<Detection> {
        let m = self
            .members
            .iter()
            .find(|m| is_next_key(m.key()) && m.value.is_string() && is_token(m.value))?;
        let path = path_text(&m.path);
        let param = self
            .sent_cursor_param()
            .unwrap_or_else(|| without_next(m.key()));
        let mut p = JsonResponseCursorPaginator::new().cursor_path(&path);
        p = if self.in_body() {
            p.cursor_body_path(param.clone())
        } else {
            p.cursor_param(param.clone())
        };
        Some(Detection::new(
            p,
            0.4,
            format!("`{path}` (an unknown key starting with `next`, sent as `{param}`)"),
        ))
    }

    /// An offset window the first request opened: it sent a limit (`limit`, `rows`, `size`,
    /// `take`, `count`, `$top`, ...) and the body reports an item total (`total`, `numFound`,
    /// `hits.total`, ...), and maybe where the window starts (`start`, `offset`, `from`). The
    /// offset is sent under the name the body reports, else the usual partner of the limit
    /// (`rows`/`start`, `size`/`from`, `take`/`skip`, `limit`/`offset`).
    pub(super) fn request_window(&self) -> Option<Detection> {
        const LIMITS: &[(&str, &str)] = &[
            ("limit", "offset"),
            ("rows", "start"),
            ("size", "from"),
            ("take", "skip"),
            ("top", "skip"),
            ("count", "offset"),
            ("maxResults", "startAt"),
            ("max_results", "start_at"),
        ];
        const STARTS: &[&str] = &["offset", "start", "from", "skip", "startAt", "start_at"];
        let (limit_name, partner) = LIMITS
            .iter()
            .find_map(|(l, o)| self.sent_name(&[l]).map(|sent| (sent, *o)))?;
        let limit = self
            .sent_params()
            .into_iter()
            .find(|(k, _)| *k == limit_name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .or_else(|| {
                let body = self.request?.json()?;
                as_int(body.get(&limit_name)?)
            })
            .filter(|l| *l > 0)?;
        // The item total: a number, or Elasticsearch's `{"value": n}`; the one beside the
        // records first (`hits.total` rather than `_shards.total`).
        let records_parent = self
            .body
            .map(|b| {
                let r = records(b);
                r.as_str()
                    .rsplit_once('.')
                    .map(|(parent, _)| parent.to_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let mut totals: Vec<_> = self
            .members
            .iter()
            .filter(|m| !m.path.iter().any(|k| k.starts_with('_')))
            .collect();
        totals.sort_by_key(|m| path_text(m.parent_path()) != records_parent);
        let total = totals.into_iter().find_map(|m| {
            if !ITEM_TOTAL_KEYS.contains(&m.key()) || m.key() == "count" {
                return None;
            }
            if as_int(m.value).is_some_and(|n| n >= 0) {
                return Some((m.path.clone(), m.parent));
            }
            let value = m.value.get("value").and_then(as_int)?;
            (value >= 0).then(|| {
                let mut p = m.path.clone();
                p.push("value");
                (p, m.parent)
            })
        })?;
        let (total_path, total_parent) = total;
        let reported_start = STARTS.iter().find_map(|k| {
            total_parent
                .get(*k)
                .and_then(as_int)
                .filter(|n| *n >= 0)
                .map(|n| (*k, n))
        });
        let offset_name = match reported_start {
            Some((k, _)) => self.sent_name(&[k]).unwrap_or_else(|| k.to_owned()),
            None => self.sent_name(&[partner]).unwrap_or_else(|| {
                if limit_name.starts_with('$') {
                    format!("${partner}")
                } else {
                    partner.to_owned()
                }
            }),
        };
        let offset = reported_start.map_or(0, |(_, n)| n);
        let total_text = path_text(&total_path);
        let mut p = OffsetPaginator::new(limit)
            .offset(offset)
            .total_path(&total_text);
        p = if self.in_body() {
            p.offset_body_path(offset_name.clone())
                .limit_body_path(limit_name.clone())
        } else {
            p.offset_param(offset_name.clone())
                .limit_param(limit_name.clone())
        };
        let mut found = Detection::new(
            p,
            0.7,
            format!(
                "the request's `{limit_name}={limit}` and `{total_text}` (offset sent as `{offset_name}`)"
            ),
        );
        // The offset's name is a convention unless the request sent it: offer the others.
        if self.sent_name(&[offset_name.as_str()]).is_none() {
            let form = found.describe();
            let key = if form.get("offset_param").is_some() {
                "offset_param"
            } else {
                "offset_body_path"
            };
            for other in ["offset", "skip", "start", "from"] {
                if other == offset_name {
                    continue;
                }
                let mut paginator = form.clone();
                paginator[key] = Value::from(other);
                found.alternatives.push(Alternative {
                    paginator,
                    confidence: found.confidence / 2.0,
                    source: format!("{} (if the API calls the offset `{other}`)", found.source),
                    rule: "",
                });
            }
        }
        Some(found)
    }

    /// An offset window reported in headers: `Content-Range: 0-24/3573` (PostgREST and other
    /// `Range`-style APIs, also `items 0-24/*`) or `X-Pagination-Offset`/`X-Pagination-Limit`.
    /// The parameters are the ones the first request sent, else `offset` and `limit`.
    pub(super) fn range_headers(&self) -> Option<Detection> {
        let header = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| self.response.header(n))
                .map(str::trim)
        };
        // A page window: `X-Current-Page` (or `X-Page`) with `X-Total-Pages`.
        if let (Some(page), Some(pages)) = (
            header(&["x-current-page", "x-page", "x-pagination-current-page"])
                .and_then(|v| v.parse::<i64>().ok()),
            header(&["x-total-pages", "x-pagination-page-count", "x-page-count"])
                .and_then(|v| v.parse::<i64>().ok()),
        ) {
            if page < 0 || pages < 0 {
                return None;
            }
            let base = i64::from(page != 0);
            let name = self
                .sent_name(&["page", "page_number", "pageNumber"])
                .unwrap_or_else(|| "page".into());
            let p = PageNumberPaginator::new()
                .base_page(base)
                .page(page)
                .without_total()
                .page_param(name);
            return Some(Detection::new(
                p,
                0.7,
                "the `X-Current-Page` and `X-Total-Pages` headers".into(),
            ));
        }
        let (start, size, source) = if let Some(range) = header(&["content-range"]) {
            let spec = range.rsplit(' ').next().unwrap_or(range);
            let (window, _total) = spec.split_once('/')?;
            let (first, last) = window.split_once('-')?;
            let first: i64 = first.trim().parse().ok()?;
            let last: i64 = last.trim().parse().ok()?;
            (first, last - first + 1, "the `Content-Range` header")
        } else {
            let offset = header(&["x-pagination-offset", "x-offset"])?.parse().ok()?;
            let limit = header(&["x-pagination-limit", "x-limit", "x-per-page"])?
                .parse()
                .ok()?;
            (
                offset,
                limit,
                "the `X-Pagination-Offset` and `-Limit` headers",
            )
        };
        let offset_name = self
            .sent_name(&["offset", "skip", "start"])
            .unwrap_or_else(|| "offset".into());
        let limit_name = self
            .sent_name(&["limit", "take", "count", "per_page"])
            .unwrap_or_else(|| "limit".into());
        let limit = self
            .sent_params()
            .into_iter()
            .find(|(k, _)| *k == limit_name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(size);
        if start < 0 || limit <= 0 {
            return None;
        }
        let p = OffsetPaginator::new(limit)
            .offset(start)
            .without_total()
            .offset_param(offset_name)
            .limit_param(limit_name);
        Some(Detection::new(p, 0.7, source.to_owned()))
    }

    /// A known next-link or cursor key that is null or empty: the API's paginator, on its last
    /// page.
    /// A null next link beside its siblings (`links: {"first": ..., "next": null}`): the API
    /// pages by links, and this is its only page. It wins over the page numbers that such
    /// bodies also carry (Laravel resources), because the links keep every query parameter.
    pub(super) fn empty_link(&self) -> Option<Detection> {
        let m = self.members.iter().find(|m| {
            m.value.is_null()
                && LINK_KEYS.contains(&m.key())
                && ["first", "last", "prev", "previous", "self"]
                    .iter()
                    .any(|k| m.parent.get(*k).is_some_and(Value::is_string))
        })?;
        let path = path_text(&m.path);
        Some(Detection::new(
            JsonLinkPaginator::new().next_url_path(&path),
            0.8,
            format!("`{path}` (null on the first page: no more pages)"),
        ))
    }

    pub(super) fn empty_next(&self) -> Option<Detection> {
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

/// A next link at this member: the path of the link and the confidence.
pub(super) fn link_at(m: &Member<'_>) -> Option<(String, f32)> {
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
                // `href`, `url`, `link`, `uri`, and as dlt any key starting with `href` or
                // `url` in any case (`{"next": {"urlNext": ...}}`).
                let sub = o.iter().find(|(k, v)| {
                    let k = k.to_ascii_lowercase();
                    (k.starts_with("href") || k.starts_with("url") || k == "link" || k == "uri")
                        && v.as_str().is_some_and(|s| looks_like_url(s.trim()))
                });
                if let Some((sub, _)) = sub {
                    let mut p = m.path.clone();
                    p.push(sub);
                    return Some((path_text(&p), confidence));
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
            // `next`, and PayPal's `next_page`.
            if !rel
                .split_whitespace()
                .any(|r| matches!(normalize(r).as_str(), "next" | "nextpage"))
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

/// Parameter names APIs give the same kind of cursor. When the response alone decides the
/// name (the first request sent none), the others of its family are the alternatives `inspect`
/// shows.
const CURSOR_NAME_FAMILIES: &[&[&str]] = &[
    &["after", "after_id", "starting_after"],
    &["starting_after", "after"],
    &["pageToken", "page_token", "paginationToken"],
    &["next_token", "pagination_token", "nextToken"],
    &["nextToken", "next_token"],
    &["start_cursor", "cursor"],
    &["cursor", "after", "page_cursor"],
];

/// `found` with the other names of `name`'s family as alternatives (half as sure).
fn with_name_alternatives(mut found: Detection, name: &str) -> Detection {
    let Some(family) = CURSOR_NAME_FAMILIES.iter().find(|f| f[0] == name) else {
        return found;
    };
    let form = found.describe();
    let key = if form.get("cursor_param").is_some() {
        "cursor_param"
    } else {
        "cursor_body_path"
    };
    for other in family.iter().skip(1) {
        let mut paginator = form.clone();
        paginator[key] = Value::from(*other);
        found.alternatives.push(Alternative {
            paginator,
            confidence: found.confidence / 2.0,
            source: format!(
                "{} (if the API calls the parameter `{other}`)",
                found.source
            ),
            rule: "",
        });
    }
    found
}
