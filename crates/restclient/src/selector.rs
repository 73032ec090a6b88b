//! [`Selector`]: a compiled JSONPath that accepts dlt's syntax.
//!
//! dlt compiles selectors with jsonpath-ng, which accepts paths without a leading `$`
//! (`results.posts`, `data[*].id`) and names that RFC 9535 shorthand forbids (`meta.next-cursor`,
//! `a.2fa`). No Rust JSONPath crate does, so a selector is first normalised to RFC 9535
//! (`$.meta['next-cursor']`) and then compiled with `serde_json_path`. Pure dotted names skip the
//! JSONPath engine altogether.

use std::str::FromStr;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{Error, Result};

/// A compiled JSONPath, written the way dlt users write them.
///
/// Accepted: bare dotted paths (`results.posts`), the root `$` and `$.x`, wildcards `[*]` and
/// `.*`, indexes and slices (`[0]`, `[-1]`, `[1:3]`), filters (`[?(@.score > 5)]`), recursive
/// descent (`$..id`), quoted keys (`['@odata.nextLink']`, `"na.me"`) and keys with `-` or a
/// leading digit.
///
/// ```
/// use restclient::selector::Selector;
/// use serde_json::json;
///
/// let s: Selector = "pagination.next-page".parse()?;
/// assert_eq!(s.first(&json!({"pagination": {"next-page": "/p/2"}})), Some(&json!("/p/2")));
///
/// let ids = Selector::new("data[?(@.score > 5)].id")?;
/// let body = json!({"data": [{"id": 1, "score": 3}, {"id": 2, "score": 9}]});
/// assert_eq!(ids.matches(&body), vec![&json!(2)]);
/// # Ok::<(), restclient::Error>(())
/// ```
#[derive(Clone)]
pub struct Selector {
    source: String,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Root,
    /// Object keys only: a fast path with jsonpath-ng's semantics (`data.0` does not index).
    Keys(Vec<String>),
    Path(Box<JsonPath>),
}

impl std::fmt::Debug for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Selector({:?})", self.source)
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl FromStr for Selector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Selector::new(s)
    }
}

impl PartialEq for Selector {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where the selected records are in a parsed body.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Nothing matched, or the single match was null.
    Empty,
    /// One match: a list is the records, anything else is one record.
    One(Vec<Step>),
    /// Several matches, each one record (they may nest, e.g. with `..`).
    Many(Vec<Vec<Step>>),
}

impl Selector {
    /// Compiles a selector.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming `data_selector` when the path does not parse.
    pub fn new(path: &str) -> Result<Self> {
        Self::for_parameter("data_selector", path)
    }

    /// Compiles a path for the setting `parameter` (used in the error message).
    pub(crate) fn for_parameter(parameter: &str, path: &str) -> Result<Self> {
        let invalid = |reason: String| Error::invalid_path(parameter, path, reason);
        let normalised = normalise(path).map_err(invalid)?;
        let kind = if normalised == "$" {
            Kind::Root
        } else if let Some(keys) = plain_keys(&normalised) {
            Kind::Keys(keys)
        } else {
            Kind::Path(Box::new(
                JsonPath::parse(&normalised).map_err(|e| invalid(e.to_string()))?,
            ))
        };
        Ok(Selector {
            source: path.to_owned(),
            kind,
        })
    }

    /// `$`: the whole body.
    pub(crate) fn root() -> Self {
        Selector {
            source: "$".to_owned(),
            kind: Kind::Root,
        }
    }

    /// A selector for a path of object keys, written in dlt's dotted form where the keys allow
    /// it (`results.posts`), quoted otherwise (`$['@odata.value']`).
    pub(crate) fn from_keys(keys: &[String]) -> Self {
        if keys.is_empty() {
            return Self::root();
        }
        let source = if keys.iter().all(|k| is_shorthand(k)) {
            keys.join(".")
        } else {
            let mut s = String::from("$");
            for k in keys {
                s.push_str(&quote(k));
            }
            s
        };
        Selector {
            source,
            kind: Kind::Keys(keys.to_vec()),
        }
    }

    /// The selector as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first match, as dlt's paginators use it (next link, cursor, total).
    #[must_use]
    pub fn first<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        match &self.kind {
            Kind::Root => Some(value),
            Kind::Keys(keys) => walk_keys(value, keys),
            Kind::Path(p) => p.query(value).first(),
        }
    }

    /// Every match, in document order.
    #[must_use]
    pub fn matches<'a>(&self, value: &'a Value) -> Vec<&'a Value> {
        match &self.kind {
            Kind::Root => vec![value],
            Kind::Keys(keys) => walk_keys(value, keys).into_iter().collect(),
            Kind::Path(p) => p.query(value).all(),
        }
    }

    /// The records `value` holds under dlt's `extract_response` rules: a single match is
    /// unwrapped, null gives no records, an object or scalar becomes one record, no match gives
    /// no records, several matches are the records.
    ///
    /// ```
    /// use restclient::selector::Selector;
    /// use serde_json::json;
    /// let s = Selector::new("data")?;
    /// assert_eq!(s.records(&json!({"data": [1, 2]})), vec![json!(1), json!(2)]);
    /// assert_eq!(s.records(&json!({"data": {"a": 1}})), vec![json!({"a": 1})]);
    /// assert!(s.records(&json!({"data": null})).is_empty());
    /// assert!(s.records(&json!({"other": 1})).is_empty());
    /// # Ok::<(), restclient::Error>(())
    /// ```
    #[must_use]
    pub fn records(&self, value: &Value) -> Vec<Value> {
        match self.plan(value) {
            Plan::Empty => Vec::new(),
            Plan::One(loc) => match get(value, &loc) {
                Some(Value::Array(items)) => items.clone(),
                Some(Value::Null) | None => Vec::new(),
                Some(v) => vec![v.clone()],
            },
            Plan::Many(locs) => locs.iter().filter_map(|l| get(value, l).cloned()).collect(),
        }
    }

    /// The keys of a plain dotted path (`Some(vec![])` for `$`), which a body can be scanned
    /// for without parsing it into a tree; `None` for a JSONPath that needs the engine.
    pub(crate) fn key_steps(&self) -> Option<Vec<Step>> {
        match &self.kind {
            Kind::Root => Some(Vec::new()),
            Kind::Keys(keys) => Some(keys.iter().cloned().map(Step::Key).collect()),
            Kind::Path(_) => None,
        }
    }

    /// Where the records are in a parsed body.
    pub(crate) fn plan(&self, value: &Value) -> Plan {
        match &self.kind {
            Kind::Root => one(value, Vec::new()),
            Kind::Keys(keys) => match walk_keys(value, keys) {
                Some(v) => one(v, keys.iter().cloned().map(Step::Key).collect()),
                None => Plan::Empty,
            },
            Kind::Path(p) => {
                let located = p.query_located(value);
                match located.len() {
                    0 => Plan::Empty,
                    1 => match located.iter().next() {
                        Some(n) => one(n.node(), steps(n.location())),
                        None => Plan::Empty,
                    },
                    _ => Plan::Many(located.iter().map(|n| steps(n.location())).collect()),
                }
            }
        }
    }
}

fn one(v: &Value, loc: Vec<Step>) -> Plan {
    if v.is_null() {
        Plan::Empty
    } else {
        Plan::One(loc)
    }
}

fn get<'a>(value: &'a Value, loc: &[Step]) -> Option<&'a Value> {
    loc.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Object(m)) => m.get(k),
        (Step::Index(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn steps(path: &serde_json_path::NormalizedPath<'_>) -> Vec<Step> {
    path.iter()
        .map(|e| match e {
            serde_json_path::PathElement::Name(n) => Step::Key((*n).to_owned()),
            serde_json_path::PathElement::Index(i) => Step::Index(*i),
        })
        .collect()
}

fn walk_keys<'a>(value: &'a Value, keys: &[String]) -> Option<&'a Value> {
    keys.iter()
        .try_fold(value, |v, k| v.as_object().and_then(|m| m.get(k)))
}

fn is_shorthand(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii());
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

fn quote(name: &str) -> String {
    format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Rewrites a jsonpath-ng path into RFC 9535 syntax.
pub(crate) fn normalise(path: &str) -> std::result::Result<String, String> {
    let s = path.trim();
    if s.is_empty() {
        return Err("the path is empty".into());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::from("$");
    let mut i = 0;
    // Without a `$`, the path starts with a member name as if it were preceded by a dot.
    let mut expect_name = true;
    if chars[0] == '$' {
        i = 1;
        expect_name = false;
    }
    while i < chars.len() {
        let c = chars[i];
        if expect_name {
            expect_name = false;
            if c == '[' {
                continue;
            }
            let (name, next) = read_name(&chars, i)?;
            push_name(&mut out, &name, "");
            i = next;
        } else if c == '[' {
            let end = bracket_end(&chars, i)?;
            out.extend(&chars[i..=end]);
            i = end + 1;
        } else if c == '.' {
            let recursive = chars.get(i + 1) == Some(&'.');
            i += if recursive { 2 } else { 1 };
            match chars.get(i) {
                None => return Err("the path ends with a dot".into()),
                Some('[') if recursive => out.push_str(".."),
                Some('[') => {}
                Some(_) => {
                    let (name, next) = read_name(&chars, i)?;
                    push_name(&mut out, &name, if recursive { "." } else { "" });
                    i = next;
                }
            }
        } else {
            return Err(format!("unexpected `{c}` at position {i}"));
        }
    }
    Ok(out)
}

/// Reads a member name (possibly quoted) starting at `i`; returns it and the index after it.
fn read_name(chars: &[char], i: usize) -> std::result::Result<(Name, usize), String> {
    let c = chars[i];
    if c == '"' || c == '\'' {
        let mut name = String::new();
        let mut j = i + 1;
        while j < chars.len() {
            match chars[j] {
                '\\' if j + 1 < chars.len() => {
                    name.push(chars[j + 1]);
                    j += 2;
                }
                q if q == c => return Ok((Name::Quoted(name), j + 1)),
                other => {
                    name.push(other);
                    j += 1;
                }
            }
        }
        return Err("unterminated quoted name".into());
    }
    let mut j = i;
    while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
        j += 1;
    }
    let name: String = chars[i..j].iter().collect();
    if name.is_empty() {
        return Err(format!("empty name at position {i}"));
    }
    if name.contains(['\'', '"', ']', '(', ')', '?', '@']) || name.chars().any(char::is_whitespace)
    {
        return Err(format!("invalid name `{name}`"));
    }
    Ok((Name::Bare(name), j))
}

enum Name {
    Bare(String),
    Quoted(String),
}

fn push_name(out: &mut String, name: &Name, prefix: &str) {
    out.push_str(prefix);
    match name {
        Name::Bare(n) if n == "*" => out.push_str(".*"),
        Name::Bare(n) if is_shorthand(n) => {
            out.push('.');
            out.push_str(n);
        }
        Name::Bare(n) | Name::Quoted(n) => out.push_str(&quote(n)),
    }
}

/// The index of the `]` closing the bracket opened at `start`, skipping quoted text and nested
/// brackets (filters).
fn bracket_end(chars: &[char], start: usize) -> std::result::Result<usize, String> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    Err("unclosed `[`".into())
}

/// The keys of a normalised path made only of member names, for the fast path.
fn plain_keys(normalised: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = normalised.chars().collect();
    let mut keys = Vec::new();
    let mut i = 1;
    while i < chars.len() {
        if chars[i] == '.' {
            if chars.get(i + 1).is_none_or(|c| *c == '.' || *c == '*') {
                return None;
            }
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
                j += 1;
            }
            keys.push(chars[i + 1..j].iter().collect());
            i = j;
        } else if chars[i] == '[' && chars.get(i + 1) == Some(&'\'') {
            let end = bracket_end(&chars, i).ok()?;
            if chars.get(end - 1) != Some(&'\'') {
                return None;
            }
            let inner: String = chars[i + 2..end - 1].iter().collect();
            if inner.contains('\'') && !inner.contains("\\'") {
                return None;
            }
            keys.push(inner.replace("\\'", "'").replace("\\\\", "\\"));
            i = end + 1;
        } else {
            return None;
        }
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalises_dlt_syntax() {
        let cases = [
            ("results.posts", "$.results.posts"),
            ("$", "$"),
            ("$.data", "$.data"),
            ("data[*].id", "$.data[*].id"),
            ("data.*.id", "$.data.*.id"),
            (
                "links[?(@.rel=='next')].href",
                "$.links[?(@.rel=='next')].href",
            ),
            ("meta.next-cursor", "$.meta['next-cursor']"),
            ("meta.2fa", "$.meta['2fa']"),
            ("['@odata.nextLink']", "$['@odata.nextLink']"),
            ("\"na.me\".x", "$['na.me'].x"),
            ("$..id", "$..id"),
            ("$..['a-b']", "$..['a-b']"),
            ("results.posts[-1]", "$.results.posts[-1]"),
            ("$.a-b.c", "$['a-b'].c"),
            ("data[0].id", "$.data[0].id"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn rejects_bad_paths_with_the_parameter_name() {
        for bad in ["", "a.", "a[", "a b", "$.x[?(@.a ==]"] {
            let err = Selector::for_parameter("total_path", bad).unwrap_err();
            assert!(err.to_string().contains("total_path"), "{bad}: {err}");
        }
    }

    #[test]
    fn extract_response_table_from_dlt() {
        let cases = [
            ("data", json!({"data": [1, 2]}), json!([1, 2])),
            ("data", json!({"data": null}), json!([])),
            ("missing", json!({"data": 1}), json!([])),
            ("data", json!({"data": {"a": 1}}), json!([{"a": 1}])),
            ("data", json!({"data": 5}), json!([5])),
            ("data", json!({"data": [[1, 2]]}), json!([[1, 2]])),
            ("data[*]", json!({"data": [[1, 2]]}), json!([1, 2])),
            ("data[*]", json!({"data": [null]}), json!([])),
            (
                "data[*].id",
                json!({"data": [{"id": 1}, {"id": 2}]}),
                json!([1, 2]),
            ),
            ("$", json!([1, 2]), json!([1, 2])),
            ("$", json!({"a": 1}), json!([{"a": 1}])),
            ("$", json!(null), json!([])),
            ("$", json!("str"), json!(["str"])),
            ("data.0", json!({"data": [1]}), json!([])),
            (
                "results.posts",
                json!({"results": {"posts": [{"id": 1}]}}),
                json!([{"id": 1}]),
            ),
            ("['@odata.value']", json!({"@odata.value": [3]}), json!([3])),
            (
                "$..id",
                json!({"a": {"id": 1}, "b": [{"id": 2}]}),
                json!([1, 2]),
            ),
            (
                "data[?(@.s > 1)]",
                json!({"data": [{"s": 1}, {"s": 2}, {"s": 3}]}),
                json!([{"s": 2}, {"s": 3}]),
            ),
        ];
        for (sel, body, want) in cases {
            let s = Selector::new(sel).unwrap();
            assert_eq!(Value::Array(s.records(&body)), want, "{sel} on {body}");
            // The raw spans a walk uses hold the same records.
            let text = body.to_string();
            let raw: Vec<Value> = crate::records::spans(&text, &s, None)
                .unwrap()
                .into_iter()
                .map(|r| serde_json::from_str(&text[r]).unwrap())
                .collect();
            assert_eq!(Value::Array(raw), want, "spans {sel}");
        }
    }

    #[test]
    fn first_match_for_paginator_paths() {
        let body = json!({"links": [{"rel": "prev", "href": "/1"}, {"rel": "next", "href": "/3"}], "cursors": {"next": "c"}});
        assert_eq!(
            Selector::new("links[?(@.rel=='next')].href")
                .unwrap()
                .first(&body),
            Some(&json!("/3"))
        );
        assert_eq!(
            Selector::new("cursors.next").unwrap().first(&body),
            Some(&json!("c"))
        );
        assert_eq!(Selector::new("cursors.none").unwrap().first(&body), None);
    }
}
