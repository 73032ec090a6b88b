//! One first response (and the request that produced it) as the rules see it.

use serde_json::{Map, Value};

use super::keys::{HAS_MORE_KEYS, Member, members};
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
}
