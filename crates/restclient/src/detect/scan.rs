//! One first response (and the request that produced it) as the rules see it.

use serde_json::{Map, Value};

use super::data_selector::records;
use super::keys::{END_OF_STREAM_KEYS, HAS_MORE_KEYS, Member, key_is, members};
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

    /// Whether the records are a list (the body, or a list in it), not a single object.
    pub(super) fn has_record_list(&self) -> bool {
        self.body
            .is_some_and(|b| records(b).first(b).is_some_and(Value::is_array))
    }

    /// Whether values go into a JSON body rather than the query.
    pub(super) fn in_body(&self) -> bool {
        self.request.is_some_and(|r| {
            r.method() != reqwest::Method::GET && r.json().is_some_and(Value::is_object)
        })
    }

    /// A boolean `has_more`-style flag: in `parent` first, else anywhere.
    pub(super) fn has_more(&self, parent: &[&str]) -> Option<&Member<'a>> {
        let flags = self.members.iter().filter(|m| {
            key_is(m.key(), HAS_MORE_KEYS) && crate::paginators::parse_bool(m.value).is_some()
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
            key_is(m.key(), END_OF_STREAM_KEYS) && crate::paginators::parse_bool(m.value).is_some()
        });
        flags
            .clone()
            .find(|m| m.parent_path() == parent)
            .or_else(|| flags.min_by_key(|m| m.path.len()))
    }
}
