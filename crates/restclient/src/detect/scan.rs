//! One first response (and the request that produced it) as the rules see it.

use serde_json::{Map, Value};

use super::keys::{END_OF_STREAM_KEYS, HAS_MORE_KEYS, Member, members};
use super::records::records;
use super::{Alternative, Detection, RULES};
use crate::request::Request;
use crate::response::Response;

pub(super) struct Scan<'a> {
    pub(super) request: Option<&'a Request>,
    pub(super) response: &'a Response,
    pub(super) body: Option<&'a Value>,
    pub(super) members: Vec<Member<'a>>,
}

impl<'a> Scan<'a> {
    pub(super) fn new(request: Option<&'a Request>, response: &'a Response) -> Self {
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
    pub(super) fn detect(&self) -> Option<Detection> {
        let mut found: Vec<Detection> = Vec::new();
        for rule in RULES {
            if let Some(mut d) = (rule.detect)(self) {
                d.rule = rule.name;
                for a in &mut d.alternatives {
                    if a.rule.is_empty() {
                        a.rule = rule.name;
                    }
                }
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
            chosen.alternatives.extend(d.alternatives);
        }
        Some(chosen)
    }

    pub(super) fn root(&self) -> Option<&'a Map<String, Value>> {
        self.body.and_then(Value::as_object)
    }

    /// The number of records on this page, as [`records`] finds them.
    pub(super) fn record_count(&self) -> usize {
        self.body.map_or(0, |b| {
            records(b)
                .first(b)
                .map_or(0, |v| v.as_array().map_or(1, Vec::len))
        })
    }

    /// Whether values go into a JSON body rather than the query.
    pub(super) fn in_body(&self) -> bool {
        self.request.is_some_and(|r| {
            r.method() != reqwest::Method::GET && r.json().is_some_and(Value::is_object)
        })
    }

    /// The value of parameter `name` in the first request (its params or its URL's query).
    pub(super) fn sent_param(&self, name: &str) -> Option<String> {
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
    pub(super) fn param_names<const N: usize>(&self, names: [&str; N]) -> [String; N] {
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
    pub(super) fn has_more(&self, parent: &[&str]) -> Option<&Member<'a>> {
        let flags = self.members.iter().filter(|m| {
            HAS_MORE_KEYS.contains(&m.key()) && crate::paginators::parse_bool(m.value).is_some()
        });
        flags
            .clone()
            .find(|m| m.parent_path() == parent)
            .or_else(|| flags.min_by_key(|m| m.path.len()))
    }

    /// A boolean end-of-stream flag (`end_of_stream`, `endOfStream`): in `parent` first, else
    /// anywhere.
    pub(super) fn end_of_stream(&self, parent: &[&str]) -> Option<&Member<'a>> {
        let flags = self.members.iter().filter(|m| {
            END_OF_STREAM_KEYS.contains(&m.key())
                && crate::paginators::parse_bool(m.value).is_some()
        });
        flags
            .clone()
            .find(|m| m.parent_path() == parent)
            .or_else(|| flags.min_by_key(|m| m.path.len()))
    }

    /// Every parameter the first request sent: its params, then its URL's query.
    pub(super) fn sent_params(&self) -> Vec<(String, String)> {
        let Some(r) = self.request else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = r.params().to_vec();
        out.extend(r.url().query_pairs().into_owned());
        out
    }

    /// The first of `names` the first request sent (as a query parameter or a top-level key
    /// of its JSON body), compared without case, `_` or `-`: the request tells the spelling.
    pub(super) fn sent_name(&self, names: &[&str]) -> Option<String> {
        let mut sent: Vec<String> = self.sent_params().into_iter().map(|(k, _)| k).collect();
        if let Some(Value::Object(body)) = self.request.and_then(Request::json) {
            sent.extend(body.keys().cloned());
        }
        names.iter().find_map(|want| {
            let want = normalize(want);
            sent.iter().find(|k| normalize(k) == want).cloned()
        })
    }

    /// The request parameter that carried a cursor on the first request, if any (some APIs
    /// need `cursor=*` or an empty token to start): the parameter to advance.
    pub(super) fn sent_cursor_param(&self) -> Option<String> {
        const CURSOR_PARAMS: &[&str] = &[
            "cursor",
            "cursorMark",
            "pageToken",
            "page_token",
            "paginationToken",
            "pagination_token",
            "continuationToken",
            "continuation_token",
            "nextToken",
            "next_token",
            "nextPageToken",
            "next_page_token",
            "starting_after",
            "start_cursor",
            "after",
            "after_id",
            "marker",
            "page_info",
        ];
        self.sent_name(CURSOR_PARAMS)
    }

    /// The JSON body of the first request when it is a GraphQL call (`query` text and an
    /// optional `variables` object).
    fn graphql(&self) -> Option<(&'a str, Option<&'a Map<String, Value>>)> {
        let body = self.request?.json()?.as_object()?;
        // A search API's `{"query": "shoes"}` is no GraphQL call: GraphQL has a selection set.
        let query = body
            .get("query")?
            .as_str()
            .filter(|q| q.contains('{') && q.contains('}'))?;
        Some((query, body.get("variables").and_then(Value::as_object)))
    }

    /// Whether the first request was a GraphQL call.
    pub(super) fn is_graphql(&self) -> bool {
        self.in_body() && self.graphql().is_some()
    }

    /// Where a GraphQL cursor goes: the variable the query passes as `after:` (`after: $page`
    /// gives `variables.page`), else a cursor-like variable the request already has, else
    /// `variables.after`.
    pub(super) fn graphql_cursor_variable(&self) -> String {
        let Some((query, variables)) = self.graphql() else {
            return "variables.after".into();
        };
        let from_query = query.match_indices("after").find_map(|(i, _)| {
            let rest = query.get(i + "after".len()..)?.trim_start();
            let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('$')?;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        });
        let from_variables = || {
            variables.and_then(|v| {
                ["after", "cursor", "endCursor", "after_cursor"]
                    .iter()
                    .find(|k| v.contains_key(**k))
                    .map(|k| (*k).to_owned())
            })
        };
        let name = from_query
            .or_else(from_variables)
            .unwrap_or_else(|| "after".into());
        format!("variables.{name}")
    }

    /// Where the first request sent its page number: a query parameter (`page`, `page[number]`,
    /// `pagination[page]`, ...) or a path in its JSON body (`page`, `page.number`,
    /// `pagination.page`). `None` when it sent none.
    pub(super) fn sent_page_place(&self) -> Option<Place> {
        const FLAT: &[&str] = &[
            "page",
            "page_number",
            "pageNumber",
            "pageIndex",
            "page_index",
            "p",
        ];
        if self.in_body() {
            let body = self.request?.json()?;
            for path in [
                &["page", "number"][..],
                &["pagination", "page"],
                &["paging", "page"],
                &["page", "page"],
                &["page", "index"],
            ] {
                let mut v = Some(body);
                for k in path {
                    v = v.and_then(|v| v.get(*k));
                }
                if v.is_some_and(|v| !v.is_object() && !v.is_array()) {
                    return Some(Place::Body(path.join(".")));
                }
            }
            let body = body.as_object()?;
            return FLAT
                .iter()
                .find(|k| body.get(**k).is_some_and(|v| !v.is_object()))
                .map(|k| Place::Body((*k).to_owned()));
        }
        let sent = self.sent_params();
        // A bracketed name: `page[number]`, `pagination[page]`, `page[index]`.
        let bracketed = sent.iter().find(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k.contains("page")
                && (k.ends_with("[number]") || k.ends_with("[page]") || k.ends_with("[index]"))
        });
        if let Some((k, _)) = bracketed {
            return Some(Place::Query(k.clone()));
        }
        FLAT.iter()
            .find(|n| sent.iter().any(|(k, _)| k == *n))
            .map(|n| Place::Query((*n).to_owned()))
    }
}

/// Where a paginator writes a value: a query parameter or a dotted path in the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Place {
    Query(String),
    Body(String),
}

/// A name without case, `_`, `-` or a leading `$`, to compare spellings (`page_token`,
/// `pageToken`).
pub(super) fn normalize(name: &str) -> String {
    name.trim_start_matches('$')
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
