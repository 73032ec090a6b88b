//! The detection rules: one method of [`Scan`] each, listed in order in [`super::RULES`].

use serde_json::{Map, Value};

use super::data_selector::{path_text, records};
use super::keys::*;
use super::scan::Scan;
use super::sent::{Argument, Field, Place, Role, normalize};
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
    /// Where the page goes, when the rule knows (else the request's page place, else the key).
    pub(super) place: Option<Place>,
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
        let list = self.has_record_list();
        for m in &self.members {
            if let Some((path, confidence)) = link_at(m) {
                // A URL under some other `next...` key of a single object (a `next_steps_url`)
                // is no page link.
                if confidence < 1.0 && !list {
                    continue;
                }
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
        // GraphQL: a cursor written into the query text (`after: "NQ=="`) has no variable
        // to carry the next one; no walk follows it (the user must rewrite the query).
        if self.is_graphql() && self.graphql_cursor_is_literal() {
            return None;
        }
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
        self.cursor_at(m, None, confidence, note)
    }

    /// A cursor read from `m`, written to `place` (else where the request and conventions
    /// say), with the `has_more` and end-of-stream flags beside it.
    pub(super) fn cursor_at(
        &self,
        m: &Member<'a>,
        place: Option<Place>,
        confidence: f32,
        note: &str,
    ) -> Detection {
        let path = path_text(&m.path);
        let mut p = JsonResponseCursorPaginator::new().cursor_path(&path);
        let mut source = format!("`{path}`");
        let mut guessed_name = None;
        let place = if self.is_graphql() {
            // GraphQL takes the cursor as a query variable, whatever the response calls it.
            let variable = self.graphql_cursor_variable();
            source = format!("{source} into the GraphQL variable `{variable}`");
            Place::Body(variable)
        } else if let Some(place) = place {
            place
        } else {
            // A cursor parameter the first request already sent is the one to advance; else
            // the name the key's convention gives, spelled as the request spells its names.
            let sent = self.sent_cursor_param();
            let param = sent.clone().unwrap_or_else(|| {
                let name = self.cursor_param(m).unwrap_or_else(|| "cursor".into());
                self.styled(&name)
            });
            match sent {
                Some(name) if self.in_body() => Place::Body(name),
                Some(name) => Place::Query(name),
                None => {
                    guessed_name = Some(param.clone());
                    self.default_place(&param)
                }
            }
        };
        p = cursor_to(p, place);
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

    /// A token in the body that answers a parameter the first request sent (the request
    /// decides the name and the place): the same name for a cursor parameter (`cursor`,
    /// `Marker`, `continue`, `bookmark`), or `next` and the parameter's name
    /// (`nextCursorMark` answers `cursorMark`, `nextPageToken` answers `pageToken`,
    /// `next_page_offset` answers `offset`); or the `end` of a `start`/`end` pair answering
    /// the token the request started `from` (Matrix). Null or empty on a last page.
    pub(super) fn request_answer(&self) -> Option<Detection> {
        if self.is_graphql() {
            return None;
        }
        let fields = self.sent_fields();
        if fields.is_empty() {
            return None;
        }
        for m in &self.members {
            let opaque = m
                .value
                .as_str()
                .is_some_and(|s| is_token(m.value) && as_int(m.value).is_none() && !s.is_empty());
            let empty = is_empty_signal(m.value) && !m.value.is_boolean();
            if !(opaque || empty || m.value.is_number()) {
                continue;
            }
            let key = normalize(m.key());
            let answered = fields.iter().find(|f| {
                let leaf = f.leaf();
                let role = f.role();
                let cursor = role == Some(Role::Cursor);
                if leaf.len() < 2 || !(cursor || opaque) {
                    return false;
                }
                // A parameter that asked for a token (a flag or an empty value: `scroll:
                // true`, `cursorMark=*`) is answered by the token under its own name, whatever
                // the name (search engines' scrolls: Manticore's `options.scroll`).
                let asked = f.value.as_bool() == Some(true)
                    || f.value.as_str().is_some_and(|v| v.is_empty() || v == "*");
                let same = (cursor || (asked && opaque)) && key == leaf;
                let next = key.strip_prefix("next").is_some_and(|rest| {
                    rest == leaf || (role.is_some() && leaf.len() >= 5 && rest.ends_with(&leaf))
                });
                // Matrix: `start` is where the page began (the `from` sent), `end` where the
                // next begins.
                let window_end = key == "end"
                    && m.parent.contains_key("start")
                    && opaque
                    && f.value
                        .as_str()
                        .is_some_and(|v| !v.is_empty() && as_int(&f.value).is_none())
                    && (cursor || matches!(leaf.as_str(), "from" | "since"));
                same || next || window_end
            });
            if let Some(f) = answered {
                let note = format!(" (answering the request's `{}`)", f.place.name());
                return Some(self.cursor_at(m, Some(f.place.clone()), 0.9, &note));
            }
        }
        None
    }

    /// Elasticsearch's and OpenSearch's `search_after`: a request that sent it, or that opened a
    /// point in time (`pit`) with a `sort`, continues after the last hit's `sort` values.
    pub(super) fn search_after(&self) -> Option<Detection> {
        let body = self.request?.json()?.as_object()?;
        // A point-in-time search (`pit` with a `sort`) pages by `search_after` from its first
        // request on, before the request carries one.
        let pit = body.contains_key("pit") && body.contains_key("sort");
        let place = ["search_after", "searchAfter"]
            .iter()
            .find(|k| body.contains_key(**k))
            .or(pit.then_some(&"search_after"))?;
        let hits = self.body?.get("hits")?.get("hits")?.as_array()?;
        if hits.first().is_some_and(|h| h.get("sort").is_none()) {
            return None;
        }
        let p = JsonResponseCursorPaginator::new()
            .cursor_path("hits.hits[-1].sort")
            .cursor_body_path(*place);
        Some(Detection::new(
            p,
            0.9,
            format!("the request's `{place}` and the last hit's `sort`"),
        ))
    }

    /// Envelopes whose cursor convention is known even where this page carries no cursor (the
    /// last page leaves it out): Google's `kind: "drive#fileList"` lists page by
    /// `nextPageToken` (sent as `pageToken`); AWS's `Truncated`/`IsTruncated` flag by
    /// `NextMarker` (sent as `Marker`); Atlassian Server's `isLastPage` envelope (Bitbucket
    /// Server) by `nextPageStart` (sent as `start`), a number the body gives on every page but
    /// the last.
    pub(super) fn envelope_cursor(&self) -> Option<Detection> {
        let root = self.root()?;
        if !self.has_record_list() {
            return None;
        }
        let google_list = root.get("kind").and_then(Value::as_str).is_some_and(|k| {
            k.contains('#') && (k.ends_with("List") || k.ends_with("ListResponse"))
        });
        let truncated = ["Truncated", "IsTruncated"]
            .iter()
            .find(|k| root.get(**k).is_some_and(Value::is_boolean));
        let (cursor, param, flag, source) = if google_list {
            (
                "nextPageToken",
                self.place_for(Role::Cursor, self.styled("pageToken")),
                None,
                "Google's `kind` of a list",
            )
        } else if let Some(flag) = truncated {
            (
                "NextMarker",
                self.place_for(Role::Cursor, "Marker".into()),
                Some(*flag),
                "AWS's truncation flag",
            )
        } else if root.get("isLastPage").is_some_and(Value::is_boolean) {
            (
                "nextPageStart",
                self.place_for(Role::Offset, "start".into()),
                None,
                "the `isLastPage` envelope",
            )
        } else {
            return None;
        };
        let mut p = cursor_to(
            JsonResponseCursorPaginator::new().cursor_path(cursor),
            param,
        );
        if let Some(flag) = flag {
            p = p.has_more_path(flag);
        }
        Some(Detection::new(p, 0.7, format!("`{cursor}` ({source})")))
    }

    /// A GraphQL query that pages by arguments rather than a connection's cursor
    /// (`users(limit: $limit, offset: $offset)`, `items(page: $page)`): the variables it
    /// passes are advanced, to an empty page.
    pub(super) fn graphql_window(&self) -> Option<Detection> {
        if !self.is_graphql() || !self.has_record_list() {
            return None;
        }
        let variable = |name: &str| match self.graphql_argument(name) {
            Some(Argument::Variable(v)) => Some(v),
            _ => None,
        };
        // By name first, else by the role the argument's name plays (`pageNumber: $p`,
        // `startIndex: $s`, `pageSize: $n`): GraphQL APIs name their windows as REST APIs do.
        let in_role = |role: Role| self.graphql_variable_in_role(role);
        if let Some(v) = variable("page").or_else(|| in_role(Role::Page).map(|(_, v)| v)) {
            let n = self.graphql_variable(&v).and_then(as_int).unwrap_or(1);
            let p = PageNumberPaginator::new()
                .base_page(i64::from(n != 0))
                .page(n)
                .without_total()
                .page_body_path(format!("variables.{v}"));
            return Some(Detection::new(
                p,
                0.7,
                format!("the GraphQL argument `page: ${v}`"),
            ));
        }
        let (offset_arg, offset_var) = ["offset", "skip"]
            .iter()
            .find_map(|a| variable(a).map(|v| ((*a).to_owned(), v)))
            .or_else(|| in_role(Role::Offset))?;
        // The limit must be a variable too: the walk writes it with the offset.
        let sized = |(a, v): (String, String)| {
            let n = self.graphql_variable(&v).and_then(as_int)?;
            Some((a, v, n))
        };
        let (limit_arg, limit_var, limit) = ["limit", "first", "take", "size"]
            .iter()
            .find_map(|a| sized(((*a).to_owned(), variable(a)?)))
            .or_else(|| sized(in_role(Role::Size)?))
            .filter(|(_, _, n)| *n > 0)?;
        let offset = self
            .graphql_variable(&offset_var)
            .and_then(as_int)
            .unwrap_or(0);
        let p = OffsetPaginator::new(limit)
            .offset(offset)
            .without_total()
            .offset_body_path(format!("variables.{offset_var}"))
            .limit_body_path(format!("variables.{limit_var}"));
        Some(Detection::new(
            p,
            0.7,
            format!(
                "the GraphQL arguments `{offset_arg}: ${offset_var}` and `{limit_arg}: ${limit_var}`"
            ),
        ))
    }

    /// The request parameter a cursor under this key is sent back in (see the module docs).
    pub(super) fn cursor_param(&self, m: &Member<'_>) -> Option<String> {
        let root = self.root();
        let parent = m.parent_key();
        let key = m.key();
        let param = match key {
            "next_cursor" | "nextCursor" | "next_page_cursor" | "nextPageCursor" => {
                // Notion's list keeps its cursor at the top, beside `"object": "list"`; a list
                // object with its cursor in `meta` (Gorgias) takes the usual `cursor`.
                if m.path.len() == 1
                    && root.and_then(|r| r.get("object")) == Some(&Value::from("list"))
                {
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
            // Google's API design guide (AIP-158), in snake case: `next_page_token` answers
            // `page_token` (Databricks, Alpaca, Calendly, gRPC gateways). A page-number
            // envelope that took on tokens keeps the response's name (Zoom's `page_count` and
            // `page_size` beside it).
            "next_page_token"
                if !m
                    .parent
                    .keys()
                    .any(|k| is_page_count_key(k) || key_is(k, CURRENT_PAGE_KEYS)) =>
            {
                "page_token"
            }
            // AWS keeps its PascalCase names both ways (`NextToken`, `NextPageToken`).
            k @ ("next_page_token" | "nextToken" | "NextToken" | "next_token" | "NextPageToken"
            | "continuationToken" | "continuation_token") => k,
            // `NextMarker` goes back as `Marker` (AWS Lambda, KMS), `next_marker` as `marker`.
            "NextMarker" => "Marker",
            "nextMarker" | "next_marker" => "marker",
            // Eventbrite's `pagination.continuation`.
            "continuation" => "continuation",
            // A page number with a current page or a page count beside it is the page rules'.
            "next_page" | "nextPage"
                if as_int(m.value).is_some()
                    && m.parent
                        .keys()
                        .any(|k| key_is(k, CURRENT_PAGE_KEYS) || is_page_count_key(k)) =>
            {
                return None;
            }
            "next_page" | "nextPage" => "page",
            // Kubernetes (and the APIs built like it): `metadata.continue`.
            "continue" if !m.value.is_number() => "continue",
            // CouchDB's and Cloudant's queries, Pinterest: a `bookmark` goes back as it is.
            "bookmark" => "bookmark",
            // AWS API Gateway: `position`.
            "position" if m.value.is_string() && as_int(m.value).is_none() => "position",
            // Azure Resource Graph and OData's skip tokens.
            k @ ("$skipToken" | "skipToken" | "$skiptoken" | "skiptoken") => k,
            // BigQuery's `pageToken` is the next page's, under the parameter's own name.
            k @ ("pageToken" | "page_token") if m.value.is_string() => k,
            // Matrix: `next_batch` goes back as `since`.
            "next_batch" => "since",
            // A vector store's scroll (Qdrant) and others: the next offset as a token.
            "next_page_offset" | "next_offset" | "nextOffset" | "nextPageOffset"
                if !m.value.is_number() || m.path.len() > 1 =>
            {
                "offset"
            }
            // Relay's connection (`pageInfo.endCursor`), also where a REST API carries it
            // into its own page metadata beside Relay's flag (`pagination.endCursor` with
            // `hasNextPage`, or in snake case, Kit's `end_cursor` with `has_next_page`):
            // `after`, Relay's argument.
            "endCursor" | "end_cursor"
                if parent == Some("pageInfo")
                    || m.parent.keys().any(|k| key_is(k, HAS_MORE_KEYS)) =>
            {
                "after"
            }
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
            "last_id" | "lastId" if m.parent.keys().any(|k| key_is(k, HAS_MORE_KEYS)) => "after",
            // Incremental exports (Zendesk): `after_cursor` beside `after_url`.
            "after_cursor" | "afterCursor" => "cursor",
            // Key-value scans (DynamoDB): the last key read is the exclusive start of the next.
            "LastEvaluatedKey" => "ExclusiveStartKey",
            "lastEvaluatedKey" => "exclusiveStartKey",
            // A numeric id of the next record beside the records (dlt's detector test).
            "next_id" | "nextId" if m.value.is_number() => "cursor",
            // Square's top-level `cursor`; a nested one in the page's metadata (Twitch's
            // `pagination.cursor`, Cloudflare's `result_info.cursor`) goes back as `after`
            // when the request sized the page Relay-style with `first`.
            "cursor" if m.path.len() == 1 || parent.is_some_and(is_page_metadata) => {
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
        let current = self.current_page();
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
                    place: None,
                }
            }
            (Some(c), None) if !counted => {
                let n = current_value?;
                let other = sibling(c.parent, PAGE_SIZE_KEYS)
                    .or_else(|| sibling(c.parent, ITEM_TOTAL_KEYS))
                    .or_else(|| sibling(c.parent, HAS_MORE_KEYS))
                    .map(|other| {
                        let mut p = c.parent_path().to_vec();
                        p.push(other);
                        format!("`{}`", path_text(&p))
                    })
                    // A page size the request sent says as much (`?per_page=10`).
                    .or_else(|| {
                        let size = self.sent_role(Role::Size)?;
                        Some(format!("the request's `{}`", size.place.name()))
                    })?;
                PageFound {
                    key: c.key(),
                    base: base_of(c, n),
                    current: n,
                    total_path: None,
                    parent: c.parent_path(),
                    confidence: 0.7,
                    source: format!("`{}` and {other}", path_text(&c.path)),
                    place: None,
                }
            }
            // A page count alone says little: only beside a list of records (a book's `pages`
            // is no page count).
            (None, Some(t)) if !counted && self.has_record_list() => {
                let sent = self.sent_role(Role::Page).and_then(|f| f.int());
                let total = path_text(&t.path);
                PageFound {
                    key: "page",
                    base: 1,
                    current: sent.unwrap_or(1),
                    source: format!("`{total}` (no current page: taken as 1-based)"),
                    total_path: Some(total),
                    parent: t.parent_path(),
                    confidence: 0.5,
                    place: None,
                }
            }
            _ => return None,
        };
        Some(self.page_detection(found))
    }

    /// The current page the body reports (`page`, `current_page`, `pageNumber`, App Search's
    /// `page.current`, or Spring Data's `number` beside its page counts).
    pub(super) fn current_page(&self) -> Option<&Member<'a>> {
        self.members.iter().find(|m| {
            let named = key_is(m.key(), CURRENT_PAGE_KEYS)
                || (m.key() == "current" && m.parent_key().is_some_and(|p| key_is(p, &["page"])));
            named
                && as_int(m.value).is_some_and(|n| n >= 0)
                && (m.key() != "number"
                    || [
                        "totalPages",
                        "totalElements",
                        "numberOfElements",
                        "pageable",
                    ]
                    .iter()
                    .any(|k| m.parent.contains_key(*k)))
        })
    }

    /// A page number the first request sent (`page=2`, `_page=1`, `page[number]=1`, `{"page":
    /// {"current": 1}}`): the API reads it, so the walk advances it, up to the page count the
    /// body reports if any, else to an empty page or a false `has_more`. Counted from 0 when
    /// the request or the body starts at page 0. Only for a list of records.
    pub(super) fn request_page(&self) -> Option<Detection> {
        let sent = self.sent_role(Role::Page)?;
        let n = sent.int()?;
        if !self.has_record_list() {
            return None;
        }
        let reported = self.current_page();
        let current = reported.and_then(|c| as_int(c.value)).unwrap_or(n);
        let base =
            i64::from(current != 0 && n != 0 && reported.is_none_or(|c| c.key() != "number"));
        let count = self
            .members
            .iter()
            .find(|m| is_page_count_key(m.key()) && as_int(m.value).is_some_and(|n| n >= 0));
        let mut source = format!("the request's `{}={n}`", sent.place.name());
        if let Some(t) = count {
            source = format!("{source} and `{}`", path_text(&t.path));
        }
        let is_last_page = count.is_some_and(|t| matches!(t.key(), "last_page" | "lastPage"));
        Some(
            self.page_detection(PageFound {
                key: "page",
                base,
                current,
                total_path: count
                    .filter(|_| base == 1 || !is_last_page)
                    .map(|t| path_text(&t.path)),
                parent: count.map_or(&[][..], |t| t.parent_path()),
                confidence: 0.7,
                source,
                place: Some(sent.place),
            }),
        )
    }

    /// An offset window the first request opened with both ends (`from=0&size=20`,
    /// `offset=0&limit=50`, `{"skip": 0, "take": 10}`): the walk moves the offset by the size,
    /// up to the item total the body reports if any, else to an empty page or a false
    /// `has_more`. Only for a list of records.
    pub(super) fn request_offset(&self) -> Option<Detection> {
        let offset = self.sent_role(Role::Offset)?;
        let size = self.sent_role(Role::Size)?;
        let (start, limit) = (offset.int()?, size.int().filter(|n| *n > 0)?);
        if !self.has_record_list() {
            return None;
        }
        let mut p = OffsetPaginator::new(limit).offset(start);
        p = match &offset.place {
            Place::Query(n) => p.offset_param(n.clone()),
            Place::Body(b) => p.offset_body_path(b.clone()),
        };
        p = match &size.place {
            Place::Query(n) => p.limit_param(n.clone()),
            Place::Body(b) => p.limit_body_path(b.clone()),
        };
        let mut source = format!(
            "the request's `{}={start}` and `{}={limit}`",
            offset.place.name(),
            size.place.name()
        );
        let total = self.item_total();
        p = match &total {
            Some((path, _)) => {
                let t = path_text(path);
                source = format!("{source} and `{t}`");
                p.total_path(&t)
            }
            None => p.without_total(),
        };
        let parent = total
            .as_ref()
            .map_or(&[][..], |(path, _)| &path[..path.len() - 1]);
        if let Some(flag) = self.has_more(parent) {
            let flag_path = path_text(&flag.path);
            p = p.has_more_path(&flag_path);
            source = format!("{source} and `{flag_path}`");
        }
        Some(Detection::new(p, 0.7, source))
    }

    pub(super) fn page_detection(&self, found: PageFound<'_>) -> Detection {
        let key = found.key;
        // The place the first request sent its page (bracketed or nested names included) is the
        // one to advance; else the key's own name where it names the parameter, else `page`.
        // A page object's `current` (`page: {current, size}`, App Search and the search APIs
        // built like it) echoes the request's own object: the page goes back as `page.current`
        // (`page[current]` in a query).
        let page_object = key == "current"
            && self
                .current_page()
                .and_then(|c| c.parent_key())
                .is_some_and(|p| key_is(p, &["page"]));
        let given = found.place.is_some() || self.sent_page_place().is_some();
        let place = found
            .place
            .or_else(|| self.sent_page_place())
            .unwrap_or_else(|| {
                if page_object {
                    return if self.in_body() {
                        Place::Body("page.current".into())
                    } else {
                        Place::Query("page[current]".into())
                    };
                }
                let name = if key_is(key, &["page_number", "page_index", "page_no", "page_num"]) {
                    key.to_owned()
                } else {
                    "page".to_owned()
                };
                self.default_place(&name)
            });
        // A page parameter named only after the body's key (`pageNumber`) may as well be the
        // plain `page` most page APIs read: offered as the alternative.
        let named_from_key =
            matches!(&place, Place::Query(n) if n != "page") && !given && !page_object;
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
        let mut found = Detection::new(p, found.confidence, source);
        if named_from_key {
            let mut plain = found.describe();
            plain["page_param"] = "page".into();
            found.alternatives.push(Alternative {
                paginator: plain,
                confidence: found.confidence / 2.0,
                source: format!("{} (if the API calls the parameter `page`)", found.source),
                rule: "",
            });
        }
        found
    }

    pub(super) fn offset(&self) -> Option<Detection> {
        let found = self.offset_echo()?;
        Some(self.pages_by_request(found).unwrap_or_else(|found| found))
    }

    fn offset_echo(&self) -> Option<Detection> {
        let root = self.root()?;
        let containers = std::iter::once((Vec::new(), root)).chain(
            self.members
                .iter()
                .filter_map(|m| m.value.as_object().map(|o| (m.path.clone(), o))),
        );
        for (path, obj) in containers {
            for (offset_key, limit_key) in OFFSET_PAIRS {
                let (Some((offset_key, offset)), Some((limit_key, limit))) =
                    (get_key(obj, offset_key), get_key(obj, limit_key))
                else {
                    continue;
                };
                let (Some(offset), Some(limit)) = (as_int(offset), as_int(limit)) else {
                    continue;
                };
                // A limit of 0 asks for every record (CloudSigma, Tastypie-built APIs): the
                // page's own size is the window, and the total ends the walk.
                let limit = if limit == 0 {
                    self.record_count() as i64
                } else {
                    limit
                };
                if offset < 0 || limit <= 0 {
                    continue;
                }
                return Some(
                    self.offset_detection(&path, obj, offset_key, limit_key, offset, limit),
                );
            }
        }
        self.offset_by_role()
    }

    /// An offset and a size reported in one object under names the pairs above do not list,
    /// known by the role their names play (`skip` and `count`, `startIndex` and `pageSize`,
    /// `recordOffset` and `maxResults`), beside an item total at least the page's records:
    /// the echo of an offset window, in any API's words.
    fn offset_by_role(&self) -> Option<Detection> {
        let root = self.root()?;
        let containers = std::iter::once((Vec::new(), root)).chain(
            self.members
                .iter()
                .filter_map(|m| m.value.as_object().map(|o| (m.path.clone(), o))),
        );
        let records = self.record_count() as i64;
        for (path, obj) in containers {
            let in_role = |role: Role| {
                obj.iter().find_map(|(k, v)| {
                    let n = as_int(v)?;
                    (super::sent::role_of(k) == Some(role)).then_some((k.as_str(), n))
                })
            };
            let (Some((offset_key, offset)), Some((limit_key, limit))) =
                (in_role(Role::Offset), in_role(Role::Size))
            else {
                continue;
            };
            let total = obj.iter().any(|(k, v)| {
                k != limit_key && is_item_total_key(k) && as_int(v).is_some_and(|n| n >= records)
            });
            if offset < 0 || limit <= 0 || !total {
                continue;
            }
            return Some(self.offset_detection(&path, obj, offset_key, limit_key, offset, limit));
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
        // SCIM reports `itemsPerPage` and reads `count`.
        let limit_default =
            if key_is(limit_key, &["itemsPerPage"]) && key_is(offset_key, &["startIndex"]) {
                "count"
            } else {
                limit_key
            };
        let [offset_name, limit_name] = self.param_names([offset_key, limit_default]);
        // A parameter the request sent in the same role keeps its name and place.
        let offset_place = self.place_for(Role::Offset, offset_name);
        let limit_place = self.place_for(Role::Size, limit_name);
        let mut p = OffsetPaginator::new(limit).offset(offset);
        p = match offset_place {
            Place::Query(n) => p.offset_param(n),
            Place::Body(b) => p.offset_body_path(b),
        };
        p = match limit_place {
            Place::Query(n) => p.limit_param(n),
            Place::Body(b) => p.limit_body_path(b),
        };
        let mut source = format!("`{}` and `{}`", at(offset_key), at(limit_key));
        let is_total = |k: &str, v: &Value| {
            k != limit_key
                && is_item_total_key(k)
                && as_int(v).is_some_and(|n| n >= 0)
                && (!key_is(k, &["count"])
                    || as_int(v).is_some_and(|n| n > self.record_count() as i64))
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
        p = cursor_to(p, self.default_place("starting_after"));
        Some(with_name_alternatives(
            Detection::new(
                p,
                0.8,
                format!("`object: \"list\"`, `{flag_path}` and the last record's `id` (Stripe)"),
            ),
            "starting_after",
        ))
    }

    /// A cursor in a response header. With `tokens_only`, only a header holding a token, not
    /// a number: a continuation token in a header is as sure a signal as one in the body, and
    /// wins over the windows guessed from the request (Azure DevOps answers `$top=100` with
    /// `x-ms-continuationtoken`), while a number (`X-Next-Page: 2`) is left to the page rules.
    pub(super) fn header_cursor(&self, tokens_only: bool) -> Option<Detection> {
        // Header names compared without case, `-`, `_` and an `x-`/`x-ms-` prefix, and the
        // parameter each is sent back in (unless the first request sent one already). The
        // longer names match at the end of a vendor's prefixed name too (`X-Nomad-NextToken`,
        // Oracle Cloud's `opc-next-page`).
        const HEADERS: &[(&str, &str)] = &[
            ("nextcursor", "cursor"),
            ("paginationcursor", "cursor"),
            ("cursor", "cursor"),
            ("continuationtoken", "continuationToken"),
            ("continuation", "continuationToken"),
            ("nextpagetoken", "pageToken"),
            ("nexttoken", "next_token"),
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
                let bare = normalize(bare);
                let suffix = want.len() >= 8 && bare.ends_with(want);
                (bare == *want || suffix)
                    .then(|| value.to_str().ok().map(|v| (n, v.trim())))
                    .flatten()
            }) else {
                continue;
            };
            if value.is_empty()
                || looks_like_url(value)
                || (tokens_only && value.parse::<i64>().is_ok())
                || value.eq_ignore_ascii_case("true")
                || value.eq_ignore_ascii_case("false")
            {
                continue;
            }
            let param = self
                .sent_cursor_param()
                .unwrap_or_else(|| self.styled(param));
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
        // Only beside a list of records, and not a time (`next_run_at`, `next_billing_date`).
        if !self.has_record_list() {
            return None;
        }
        let m = self.members.iter().find(|m| {
            is_next_key(m.key())
                && m.value.is_string()
                && is_token(m.value)
                && !is_time(m.key(), m.value)
        })?;
        let path = path_text(&m.path);
        let param = self
            .sent_cursor_param()
            .unwrap_or_else(|| without_next(m.key()));
        let p = cursor_to(
            JsonResponseCursorPaginator::new().cursor_path(&path),
            self.default_place(&param),
        );
        Some(Detection::new(
            p,
            0.4,
            format!("`{path}` (an unknown key starting with `next`, sent as `{param}`)"),
        ))
    }

    /// An offset window the first request opened: it sent a limit (`limit`, `rows`, `size`,
    /// `take`, `count`, `$top`, ...) and the body reports an item total (`total`, `numFound`,
    /// `hits.total`, ...) or a header does (`X-Total-Count`: the walk then ends on an empty
    /// page), and maybe where the window starts (`start`, `offset`, `from`). The
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
            // Vespa, Quickwit, Google's Custom Search.
            ("hits", "offset"),
            ("max_hits", "start_offset"),
            ("num", "start"),
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
        // The item total: in the body (it becomes `total_path`), else in a header (the walk then
        // ends on an empty page).
        let (total_path, total_parent, header) = match self.item_total() {
            Some((path, parent)) => (Some(path), Some(parent), None),
            None => (None, None, Some(self.header_item_total()?)),
        };
        let reported_start = STARTS.iter().find_map(|k| {
            total_parent?
                .get(*k)
                .and_then(as_int)
                .filter(|n| *n >= 0)
                .map(|n| (*k, n))
        });
        let total_key = total_path.as_ref().and_then(|p| p.last().copied());
        let offset_name = self.window_offset_name(reported_start, total_key, &limit_name, partner);
        let offset = reported_start.map_or(0, |(_, n)| n);
        let mut p = OffsetPaginator::new(limit).offset(offset);
        let total_text = match (&total_path, header) {
            (Some(path), _) => {
                let t = path_text(path);
                p = p.total_path(&t);
                format!("`{t}`")
            }
            (None, h) => {
                p = p.without_total();
                format!("the `{}` header", h.as_deref().unwrap_or_default())
            }
        };
        p = if self.in_body() {
            p.offset_body_path(offset_name.clone())
                .limit_body_path(limit_name.clone())
        } else {
            p.offset_param(offset_name.clone())
                .limit_param(limit_name.clone())
        };
        let found = Detection::new(
            p,
            0.7,
            format!(
                "the request's `{limit_name}={limit}` and {total_text} (offset sent as `{offset_name}`)"
            ),
        );
        // The offset's name is a convention unless the request sent it: offer the others.
        if self.sent_name(&[offset_name.as_str()]).is_none() {
            return Some(with_offset_alternatives(found, &offset_name));
        }
        Some(found)
    }

    /// The name an offset window's offset is sent under: the key the body reports the start
    /// under (CouchDB's `offset` beside `total_rows` is read as `skip`), else the usual partner
    /// of the limit, `$`-prefixed when the limit is; the request's own spelling when it sent one.
    fn window_offset_name(
        &self,
        reported: Option<(&str, i64)>,
        total_key: Option<&str>,
        limit_name: &str,
        partner: &str,
    ) -> String {
        match reported {
            Some(("offset", _)) if total_key == Some("total_rows") => {
                self.sent_name(&["skip"]).unwrap_or_else(|| "skip".into())
            }
            Some((k, _)) => self.sent_name(&[k]).unwrap_or_else(|| k.to_owned()),
            None => self.sent_name(&[partner]).unwrap_or_else(|| {
                if limit_name.starts_with('$') {
                    format!("${partner}")
                } else {
                    partner.to_owned()
                }
            }),
        }
    }

    /// The item total the body reports, and the object it is in: a number, or Elasticsearch's
    /// `{"value": n}`; the one beside the records first (`hits.total` rather than
    /// `_shards.total`). `count` only when it is more than the page holds: it is as often the
    /// page's own count.
    pub(super) fn item_total(&self) -> Option<(Vec<&'a str>, &'a Map<String, Value>)> {
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
            .filter(|m| {
                !m.path
                    .iter()
                    .any(|k| k.starts_with('_') && !k.starts_with("__"))
            })
            .collect();
        totals.sort_by_key(|m| path_text(m.parent_path()) != records_parent);
        let records = self.record_count() as i64;
        totals.into_iter().find_map(|m| {
            // `count` is a total only where it is more than the page holds.
            let page_count =
                key_is(m.key(), &["count"]) && as_int(m.value).is_none_or(|n| n <= records);
            if !is_item_total_key(m.key()) || page_count {
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
        })
    }

    /// The name of a header holding an item total (`X-Total-Count`, `X-Total`, WordPress's
    /// `X-WP-Total`, Yii's `X-Pagination-Total-Count`, ...), if one does.
    pub(super) fn header_item_total(&self) -> Option<String> {
        const TOTALS: &[&str] = &[
            "x-total-count",
            "x-total",
            "total-count",
            "x-total-results",
            "x-total-items",
            "x-pagination-total-count",
            "x-pagination-total",
            "x-result-count",
            "x-records-total",
            "x-wp-total",
        ];
        let count = |h: &str| {
            self.response
                .header(h)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .is_some_and(|n| n >= 0)
        };
        if let Some(h) = TOTALS.iter().find(|h| count(h)) {
            return Some((*h).to_owned());
        }
        // Any other header named like an item total, in the family's spellings (`X-Total-*`,
        // `X-*-Count`, `Total-Results`): a vendor prefix and an item word around `total` or
        // `count` (not a page count, not `Content-Length`).
        self.response
            .headers()
            .keys()
            .map(|k| k.as_str())
            .find(|k| {
                let words: Vec<&str> = k.split('-').collect();
                if words.iter().any(|w| w.starts_with("page")) {
                    return false;
                }
                // From `total` on (`X-Acme-Total-Records`), or the word before `count`
                // (`X-Result-Count`).
                let named = if let Some(i) = words.iter().position(|w| *w == "total") {
                    is_item_total_key(&words[i..].concat())
                } else if let Some(i) = words.iter().position(|w| *w == "count") {
                    is_item_total_key(&words[i.saturating_sub(1)..=i].concat())
                } else {
                    false
                };
                named && count(k)
            })
            .map(str::to_owned)
    }

    /// Search engines' windows when the request names neither end: the engine's own
    /// parameter names and default page size, known from the shape of its response
    /// (Elasticsearch and OpenSearch `hits.total`/`hits.hits`, Solr `response.numFound`/`docs`,
    /// Quickwit `num_hits`, Vespa `root.fields.totalCount`/`root.children`, the npm registry's
    /// `objects`/`total`/`time`).
    pub(super) fn search_engine(&self) -> Option<Detection> {
        let body = self.body?;
        let selector = records(body);
        let engine = ENGINES.iter().find(|e| {
            selector.as_str() == e.records
                && e.total
                    .iter()
                    .try_fold(body, |v, k| v.get(k))
                    .and_then(as_int)
                    .is_some_and(|n| n >= 0)
                && (e.records != "objects" || body.get("time").is_some())
        })?;
        let (total, offset_name, size_name, default) =
            (engine.total, engine.offset, engine.size, engine.default);
        let sent_int = |name: &str| {
            self.sent_fields()
                .into_iter()
                .find(|f| f.place.name() == name)
                .and_then(|f| f.int())
        };
        if engine.name == "Elasticsearch" && sent_int(size_name).or(sent_int(offset_name)).is_none()
        {
            return None;
        }
        let limit = sent_int(size_name).filter(|n| *n > 0).unwrap_or(default);
        let reported = total
            .first()
            .and_then(|k| body.get(k))
            .and_then(|v| v.get("start"))
            .and_then(as_int);
        let offset = sent_int(offset_name).or(reported).unwrap_or(0);
        let total_text = path_text(total);
        let mut p = OffsetPaginator::new(limit)
            .offset(offset)
            .total_path(&total_text);
        p = if self.in_body() {
            p.offset_body_path(offset_name).limit_body_path(size_name)
        } else {
            p.offset_param(offset_name).limit_param(size_name)
        };
        Some(Detection::new(
            p,
            0.6,
            format!(
                "`{total_text}` and `{}` ({}'s response: `{offset_name}` and `{size_name}`, {default} a page unless the request says)",
                selector.as_str(),
                engine.name
            ),
        ))
    }

    /// OData's server-driven paging on its last page: a v4 (`@odata.context`, `@odata.count`,
    /// `@odata.deltaLink`) or v3 (`odata.metadata`) collection under `value` without its next
    /// link. OData pages by that link (`@odata.nextLink`, `odata.nextLink`), unless the request
    /// pages by `$skip` itself.
    fn odata_last_page(&self) -> Option<Detection> {
        let root = self.root()?;
        if self.sent_role(Role::Offset).is_some() {
            return None;
        }
        // OData v2's verbose JSON (SAP, Exact Online): `{"d": {"results": [...]}}`, whose
        // `d.__next` is left out on the last page.
        if root.len() == 1
            && root
                .get("d")
                .and_then(|d| d.get("results"))
                .is_some_and(Value::is_array)
        {
            return Some(Detection::new(
                JsonLinkPaginator::new().next_url_path("d.__next"),
                0.7,
                "an OData v2 collection (`d.results`) without `d.__next` (no more pages)".into(),
            ));
        }
        if !root.get("value").is_some_and(Value::is_array) {
            return None;
        }
        // The value-list family (Azure Resource Manager, Data API builder): an envelope of
        // `value` alone, whose `nextLink` is left out on the last page; not where a header
        // carries the continuation (Azure DevOps).
        let continuation = self
            .response
            .headers()
            .keys()
            .any(|k| k.as_str().contains("continuation"));
        if root.len() == 1 && !continuation {
            return Some(Detection::new(
                JsonLinkPaginator::new().next_url_path("nextLink"),
                0.7,
                "a `value` list without `nextLink` (no more pages)".into(),
            ));
        }
        let v4 = ["@odata.context", "@odata.count", "@odata.deltaLink"];
        let link = if v4.iter().any(|k| root.contains_key(*k)) {
            "@odata.nextLink"
        } else if root.contains_key("odata.metadata") {
            "odata.nextLink"
        } else {
            return None;
        };
        let path = path_text(&[link]);
        Some(Detection::new(
            JsonLinkPaginator::new().next_url_path(&path),
            0.7,
            format!("an OData collection without `{link}` (no more pages)"),
        ))
    }

    /// A page window in headers: the page count (`X-Total-Pages`, WordPress's
    /// `X-WP-TotalPages`, Yii's `X-Pagination-Page-Count`) with the current page (`X-Page`,
    /// `X-Current-Page`, `X-Pagination-Current-Page`), or alone (the page the request sent,
    /// else 1).
    pub(super) fn header_pages(&self) -> Option<Detection> {
        let header = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| self.response.header(n))
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        let pages = header(&[
            "x-total-pages",
            "x-pagination-page-count",
            "x-pagination-total-pages",
            "x-page-count",
            "x-pages",
            "x-wp-totalpages",
            "total-pages",
            "pagination-total-pages",
            "pagination-page-count",
        ])?;
        let page = header(&[
            "x-current-page",
            "x-page",
            "x-pagination-current-page",
            "x-pagination-page",
            "current-page",
            "pagination-current-page",
            "pagination-page",
        ]);
        let sent = self.sent_role(Role::Page);
        let current = page
            .or_else(|| sent.as_ref().and_then(Field::int))
            .unwrap_or(1);
        if pages < 0 || current < 0 {
            return None;
        }
        let place = sent.map(|f| f.place).or_else(|| self.sent_page_place());
        let p = PageNumberPaginator::new()
            .base_page(i64::from(current != 0))
            .page(current)
            .without_total();
        let p = match place {
            Some(Place::Body(b)) => p.page_body_path(b),
            Some(Place::Query(n)) => p.page_param(n),
            None => p.page_param("page"),
        };
        let (confidence, source) = match page {
            Some(_) => (0.7, "the current page and page count headers"),
            None => (
                0.5,
                "the page count header (no current page: taken as 1-based)",
            ),
        };
        Some(Detection::new(p, confidence, source.into()))
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
        // The request asked for its window itself as one value (`range=[0, 24]`, the "simple
        // REST" convention of react-admin's and json-server-like backends; a `Range` header):
        // the API reads that, not an offset and a limit, and no dlt paginator sends it.
        if self.request.is_some_and(|r| {
            r.param("range").is_some() || r.headers().contains_key(reqwest::header::RANGE)
        }) {
            return None;
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

    /// A null next link beside its siblings (`links: {"first": ..., "next": null}`,
    /// `next_page_url: null` beside `first_page_url`, DRF's `next` and `previous` both null):
    /// the API pages by links, and this is its only page. It wins over the page numbers that such bodies also carry (Laravel
    /// resources), because the links keep every query parameter.
    pub(super) fn empty_link(&self) -> Option<Detection> {
        let m = self.members.iter().find(|m| {
            // DRF's `{"count": 2, "next": null, "previous": null, "results": [...]}`: a
            // previous link, null too, says the same where no page number competes.
            let previous_key = || {
                m.parent.keys().any(|k| {
                    let k = normalize(k);
                    k.starts_with("prev")
                        && (k.len() <= 8 || k.ends_with("url") || k.ends_with("link"))
                }) && !m.parent.keys().any(|k| key_is(k, CURRENT_PAGE_KEYS))
            };
            m.value.is_null()
                && key_is(m.key(), LINK_KEYS)
                && (m
                    .parent
                    .iter()
                    .any(|(k, v)| k != m.key() && is_sibling_link(k, v).is_some())
                    || previous_key())
        })?;
        let path = path_text(&m.path);
        Some(Detection::new(
            JsonLinkPaginator::new().next_url_path(&path),
            0.8,
            format!("`{path}` (null on the first page: no more pages)"),
        ))
    }

    /// The last page of a link API that leaves its next link out: an object of links with
    /// `first`, `last` or `prev` (URLs, or `{"href": ...}`) and no `next` (DigitalOcean's
    /// `links.pages`, JSON:API and HAL on their last page); Bitbucket's page envelope
    /// (`pagelen` and `values`, with `next` only while there are more); an OData collection
    /// without its next link; a `Link` header with `first`, `last` or `prev` and no `next`.
    pub(super) fn absent_link(&self) -> Option<Detection> {
        // A page number the request sent, with a page count in the body, walks such an API as
        // well and shows it can (Adyen's and Spring HATEOAS's `pageNumber`/`pagesTotal` beside
        // HAL links), while an absent link shows nothing: the page rules decide.
        if self.sent_role(Role::Page).is_some()
            && self
                .members
                .iter()
                .any(|m| is_page_count_key(m.key()) && as_int(m.value).is_some_and(|n| n >= 0))
        {
            return None;
        }
        let root = self.root();
        if root.is_some_and(|r| {
            r.contains_key("pagelen")
                && !r.contains_key("next")
                && r.get("values").is_some_and(Value::is_array)
        }) {
            return Some(Detection::new(
                JsonLinkPaginator::new().next_url_path("next"),
                0.8,
                "`pagelen` and `values` without `next` (Bitbucket's page envelope: no more pages)"
                    .into(),
            ));
        }
        let containers = root.into_iter().map(|r| (Vec::new(), r)).chain(
            self.members
                .iter()
                .filter_map(|m| m.value.as_object().map(|o| (m.path.clone(), o))),
        );
        for (mut path, obj) in containers {
            if obj.keys().any(|k| key_is(k, &["next"]) || is_next_key(k)) {
                continue;
            }
            let sibling = ["first", "last", "prev", "previous"]
                .iter()
                .find_map(|want| obj.iter().find(|(k, _)| key_is(k, &[want])))
                .and_then(|(k, v)| is_sibling_link(k, v));
            let Some(href) = sibling else { continue };
            path.push("next");
            if let Some(href) = href {
                path.push(href);
            }
            let next = path_text(&path);
            return Some(Detection::new(
                JsonLinkPaginator::new().next_url_path(&next),
                0.7,
                format!("`{next}` (absent beside the first/last links: no more pages)"),
            ));
        }
        if let Some(found) = self.odata_last_page() {
            return Some(found);
        }
        let has = |rel: &str| {
            crate::paginators::find_link(self.response, rel)
                .ok()
                .flatten()
                .is_some()
        };
        ["first", "last", "prev", "previous"]
            .iter()
            .any(|r| has(r))
            .then(|| {
                Detection::new(
                    HeaderLinkPaginator::new(),
                    0.8,
                    "the `Link` header (first/last/prev links, no next: no more pages)".into(),
                )
            })
    }

    pub(super) fn empty_next(&self) -> Option<Detection> {
        if !self.has_record_list() {
            return None;
        }
        let m = self.members.iter().find(|m| {
            is_empty_signal(m.value)
                && !m.value.is_boolean()
                && (key_is(m.key(), LINK_KEYS) || self.cursor_param(m).is_some())
        })?;
        let note = " (empty on the first page: no more pages)";
        if key_is(m.key(), LINK_KEYS) || m.key() == "next_page" || m.key() == "nextPage" {
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

/// Whether `key: value` is a link beside a next link (`first`, `last_page_url`, `prev`,
/// `self`): `Some(None)` for a URL, `Some(Some(sub))` for an object holding one under `sub`
/// (`{"href": ...}`).
fn is_sibling_link<'v>(key: &str, value: &'v Value) -> Option<Option<&'v str>> {
    let k = normalize(key);
    if !["first", "last", "prev", "self"]
        .iter()
        .any(|p| k.starts_with(p))
    {
        return None;
    }
    match value {
        Value::String(s) if looks_like_url(s.trim()) => Some(None),
        Value::Object(o) => o
            .iter()
            .find(|(sub, v)| {
                key_is(sub, &["href", "url", "uri", "link"])
                    && v.as_str().is_some_and(|s| looks_like_url(s.trim()))
            })
            .map(|(sub, _)| Some(sub.as_str())),
        _ => None,
    }
}

/// A next link at this member: the path of the link and the confidence.
pub(super) fn link_at(m: &Member<'_>) -> Option<(String, f32)> {
    let key = m.key();
    // "Load more" links of infinite-scroll lists: Discourse's `load_more_directory_items` and
    // `more_topics_url`, the same page with the next page's query.
    let more = normalize(key);
    if (more.starts_with("loadmore") || (more.starts_with("more") && more.ends_with("url")))
        && m.value.as_str().is_some_and(|s| looks_like_url(s.trim()))
    {
        return Some((path_text(&m.path), 0.8));
    }
    if is_next_key(key) {
        let confidence = if key_is(key, LINK_KEYS)
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
            // HAL's `"templated": true` marks the href as a URI template (`?page=1{&sort}`,
            // Spring Data REST): not a URL to fetch, so the page parameters beside it decide.
            Value::Object(o) if o.get("templated") == Some(&Value::Bool(true)) => {}
            Value::Object(o) if !o.contains_key("after") => {
                // `href`, `url`, `link`, `uri`, and as dlt any key starting with `href` or
                // `url` in any case (`{"next": {"urlNext": ...}}`).
                let sub = o.iter().find(|(k, v)| {
                    let k = k.trim_start_matches(['@', '_']).to_ascii_lowercase();
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
    // `links`, and OpenStack's `servers_links` beside `servers`.
    if (matches!(key, "links" | "link") || key.ends_with("_links"))
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
    &["page_token", "next_page_token", "pagination_token"],
    &["next_token", "pagination_token", "nextToken"],
    &["nextToken", "next_token"],
    &["start_cursor", "cursor"],
    // A bare token under `next` or `cursor`: the names cursor APIs of every family read it
    // under (Relay's `after`, Google's `pageToken`, the `paginationToken` of AWS Cognito and
    // vector stores).
    &[
        "cursor",
        "after",
        "page_cursor",
        "pageToken",
        "page_token",
        "paginationToken",
        "next_token",
    ],
];

/// The search engines [`Scan::search_engine`] knows. Elasticsearch is detected only when the
/// request names one end of its window (`from` or `size`): a bare `_search` is taken as the one
/// page it asked for.
const ENGINES: &[Engine] = &[
    Engine::new(
        &["hits", "total", "value"],
        "hits.hits",
        ("from", "size", 10),
        "Elasticsearch",
    ),
    Engine::new(
        &["hits", "total"],
        "hits.hits",
        ("from", "size", 10),
        "Elasticsearch",
    ),
    Engine::new(
        &["response", "numFound"],
        "response.docs",
        ("start", "rows", 10),
        "Solr",
    ),
    Engine::new(
        &["num_hits"],
        "hits",
        ("start_offset", "max_hits", 20),
        "Quickwit",
    ),
    Engine::new(
        &["root", "fields", "totalCount"],
        "root.children",
        ("offset", "hits", 10),
        "Vespa",
    ),
    Engine::new(
        &["total"],
        "objects",
        ("from", "size", 20),
        "the npm registry",
    ),
];

/// A search engine known by the shape of its response (see [`Scan::search_engine`]).
struct Engine {
    /// Where its item total is.
    total: &'static [&'static str],
    /// Where its records are.
    records: &'static str,
    /// Its offset and size parameters.
    offset: &'static str,
    size: &'static str,
    /// Its page size when the request names none.
    default: i64,
    name: &'static str,
}

impl Engine {
    const fn new(
        total: &'static [&'static str],
        records: &'static str,
        (offset, size, default): (&'static str, &'static str, i64),
        name: &'static str,
    ) -> Engine {
        Engine {
            total,
            records,
            offset,
            size,
            default,
            name,
        }
    }
}

/// `p` writing its cursor to `place`.
fn cursor_to(p: JsonResponseCursorPaginator, place: Place) -> JsonResponseCursorPaginator {
    match place {
        Place::Query(name) => p.cursor_param(name),
        Place::Body(path) => p.cursor_body_path(path),
    }
}

/// `found` with the other usual names of an offset as alternatives (half as sure).
pub(super) fn with_offset_alternatives(mut found: Detection, name: &str) -> Detection {
    let form = found.describe();
    let key = if form.get("offset_param").is_some() {
        "offset_param"
    } else {
        "offset_body_path"
    };
    for other in ["offset", "skip", "start", "from"] {
        if other == name {
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
    found
}

/// `found` with the other names of `name`'s family as alternatives (half as sure).
fn with_name_alternatives(mut found: Detection, name: &str) -> Detection {
    let Some(family) = CURSOR_NAME_FAMILIES
        .iter()
        .find(|f| f[0] == name)
        .or_else(|| {
            CURSOR_NAME_FAMILIES
                .iter()
                .find(|f| normalize(f[0]) == normalize(name))
        })
    else {
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
