//! Finding records in a body without building a tree: byte ranges of values at a path, single
//! field lookups, and NDJSON text that is the API's own.
//!
//! A walk needs two things from a body: where the records are, and a few fields (a total, a
//! next link, a cursor). Building a `serde_json::Value` for the whole body costs most of a
//! walk's CPU (allocation-bound, A10 in `reference/rust-crates.md`); this module gets both from
//! one validating pass that allocates nothing per value it skips: [`scan`] for plain paths (a
//! byte loop, the hot path), serde_json with `IgnoredAny` and borrowed `RawValue`s for
//! everything else and for every body [`scan`] does not vouch for. The body is still checked
//! as JSON from end to end: an invalid body is an error, never a partial answer.

mod helper;
mod scan;

pub(crate) use scan::SPLIT_MIN;

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

pub(crate) use crate::selector::Step;
use crate::selector::{Plan, Selector};
use serde_json::Value;

/// Where the value at a path lies in a body, and, when it is an array, where its elements lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing at the path (a key missing, or a step into a scalar).
    Missing,
    /// The value at the path is `null`.
    Null,
    /// An array: the ranges of its elements.
    Array(Vec<Range<usize>>),
    /// Any other value: its range.
    Value(Range<usize>),
}

/// Where the records `selector` picks lie in `text`, by dlt's `extract_response` rules (a
/// single match that is a list is the records; null or no match, none). Plain dotted paths are
/// found by a scan; a JSONPath needs the parsed body (`parsed`, or parsed here) to say where its
/// matches are, and one more scan finds their text.
///
/// # Errors
/// The body is not valid JSON.
#[cfg(any(test, fuzzing))]
pub(crate) fn spans(
    text: &str,
    selector: &Selector,
    parsed: Option<&Value>,
) -> serde_json::Result<Vec<Range<usize>>> {
    spans_and_siblings(text, selector, parsed, None).map(|s| s.ranges)
}

/// The records a scan found in a body, and what it noticed on the way.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// Where each record lies.
    pub(crate) ranges: Vec<Range<usize>>,
    /// For a plain path, the other top-level members (see `Response::field`).
    pub(crate) siblings: Siblings,
    /// The records hold no whitespace, and one `,` separates each from the next: their NDJSON
    /// is their text with those commas made newlines ([`write_ndjson`]).
    pub(crate) compact: bool,
}

/// [`spans`], and for a plain path the other top-level members' ranges found on the way (see
/// `Response::field`) and whether the records are compact. `shared`, the same bytes as
/// `text` held by reference count, lets a big records array be scanned on two threads.
pub(crate) fn spans_and_siblings(
    text: &str,
    selector: &Selector,
    parsed: Option<&Value>,
    shared: Option<&bytes::Bytes>,
) -> serde_json::Result<Spans> {
    let ranges = |found: Found| match found {
        Found::Array(rs) => rs,
        Found::Value(r) => vec![r],
        Found::Null | Found::Missing => Vec::new(),
    };
    if let Some(steps) = selector.key_steps() {
        if let Some(fast) = scan::scan(text.as_bytes(), &steps, !steps.is_empty(), shared) {
            let compact = fast.compact && matches!(fast.found, Found::Array(_));
            return Ok(Spans {
                ranges: ranges(fast.found),
                siblings: fast.siblings,
                compact,
            });
        }
        // Invalid, or something the fast scan leaves to serde_json: its answer is the answer.
        let (found, siblings) = if steps.is_empty() {
            (find(text, &steps)?, Vec::new())
        } else {
            records_and_siblings(text, &steps)?
        };
        return Ok(Spans {
            ranges: ranges(found),
            siblings,
            compact: false,
        });
    }
    let owned;
    let value = match parsed {
        Some(v) => v,
        None => {
            owned = serde_json::from_str::<Value>(text)?;
            &owned
        }
    };
    let ranges = match selector.plan(value) {
        Plan::Empty => Vec::new(),
        Plan::One(loc) => ranges(find(text, &loc)?),
        Plan::Many(locs) => find_all(text, &locs)?,
    };
    Ok(Spans {
        ranges,
        ..Spans::default()
    })
}

/// The fuzz target's check of the two-thread scan: halved at any of `text`'s first 256
/// commas, the other part scanned or taken back, the scan answers exactly what the sequential
/// scan answers.
#[cfg(fuzzing)]
pub(crate) fn check_halved(text: &str, steps: &[Step]) {
    let sequential = format!("{:?}", scan::scan(text.as_bytes(), steps, true, None));
    let commas = text.bytes().enumerate().filter(|(_, b)| *b == b',');
    for (at, _) in commas.take(256) {
        for started in [true, false] {
            let halved = scan::scan_split_at(text.as_bytes(), steps, true, at, started);
            assert_eq!(format!("{halved:?}"), sequential, "halved at {at}");
        }
    }
}

/// The members of a top-level object a scan passed on its way to the records: name and range.
pub(crate) type Siblings = Vec<(String, Range<usize>)>;

/// The position of `part` inside `whole` (both from the same body).
fn offset_in(whole: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// Finds the value at `path` in `body` in one validating pass.
///
/// # Errors
/// The body is not valid JSON (anywhere, not only on the path).
pub(crate) fn find(body: &str, path: &[Step]) -> serde_json::Result<Found> {
    match seek(body, path, true)? {
        // An object or a scalar at the path: its own range takes a second pass, over the same
        // small prefix (a records path rarely ends at one, a field path always does).
        Found::Value(r) if r.is_empty() => seek(body, path, false),
        found => Ok(found),
    }
}

/// The value at `path` in `body`, when it is a scalar or a small object (a total, a next
/// link, a cursor): one pass, no tree for the rest of the body.
///
/// # Errors
/// The body is not valid JSON.
pub(crate) fn find_value<'a>(body: &'a str, path: &[Step]) -> serde_json::Result<Option<&'a str>> {
    Ok(match seek(body, path, false)? {
        Found::Value(r) => body.get(r),
        Found::Null => Some("null"),
        Found::Missing | Found::Array(_) => None,
    })
}

fn seek(body: &str, path: &[Step], elements: bool) -> serde_json::Result<Found> {
    let mut found = Found::Missing;
    let mut de = serde_json::Deserializer::from_str(body);
    Seek {
        body,
        path,
        out: &mut found,
        elements,
        siblings: None,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

/// The records at a plain path (`steps`, not empty) and the ranges of the other top-level
/// members, in one pass.
fn records_and_siblings(body: &str, steps: &[Step]) -> serde_json::Result<(Found, Siblings)> {
    let mut found = Found::Missing;
    let mut siblings = Vec::new();
    let mut de = serde_json::Deserializer::from_str(body);
    Seek {
        body,
        path: steps,
        out: &mut found,
        elements: true,
        siblings: Some(&mut siblings),
    }
    .deserialize(&mut de)?;
    de.end()?;
    if matches!(&found, Found::Value(r) if r.is_empty()) {
        found = seek(body, steps, false)?;
    }
    Ok((found, siblings))
}

/// The ranges of the values at each of `paths`, in the order of `paths`, in one pass. Paths
/// that lead nowhere are skipped. Used for selectors that
/// match several places (`data[*].items`, filters), once the JSONPath engine has said where.
///
/// # Errors
/// The body is not valid JSON.
pub(crate) fn find_all(body: &str, paths: &[Vec<Step>]) -> serde_json::Result<Vec<Range<usize>>> {
    let mut trie = Trie::default();
    for (i, p) in paths.iter().enumerate() {
        trie.insert(p, i);
    }
    let mut slots: Vec<Option<Range<usize>>> = vec![None; paths.len()];
    let mut de = serde_json::Deserializer::from_str(body);
    Collect {
        body,
        trie: &trie,
        slots: &mut slots,
        record_ends: true,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(slots.into_iter().flatten().collect())
}

/// Appends the records at `spans` of `body` to `out` as NDJSON lines, each made compact by
/// [`write_compact`]. With `compact` (see [`Spans::compact`]) the records and the single
/// commas between them are copied at once and the commas made newlines.
pub(crate) fn write_ndjson(body: &[u8], spans: &[Range<usize>], compact: bool, out: &mut Vec<u8>) {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return;
    };
    if compact && let Some(text) = body.get(first.start..last.end) {
        let base = out.len();
        out.reserve(text.len() + 1);
        out.extend_from_slice(text);
        out.push(b'\n');
        // Each record but the last ends just before its comma, and the next starts after it.
        let ok = spans.windows(2).all(|pair| {
            let at = pair[0].end.checked_sub(first.start).map(|at| base + at);
            match at.and_then(|at| out.get_mut(at)) {
                Some(comma @ b',') if pair[1].start == pair[0].end + 1 => {
                    *comma = b'\n';
                    true
                }
                _ => false,
            }
        });
        if ok {
            return;
        }
        // Not what the scan promised: never wrong output, only a slower path.
        out.truncate(base);
    }
    for r in spans {
        write_compact(&body[r.clone()], out);
        out.push(b'\n');
    }
}

/// The records at `spans` in `body` as NDJSON lines, as [`write_ndjson`] writes them. Compact
/// records that are most of a body no one else holds become lines where they are: the comma
/// after each record, and the byte after the last one (`]`, whitespace, or the comma before
/// records that `max_records` cut off), turned into line feeds. (Lines that are a small part of a big body are copied out instead, so that keeping
/// them does not keep the whole body.)
pub(crate) fn into_ndjson(body: Bytes, spans: &[Range<usize>], compact: bool) -> Bytes {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Bytes::new();
    };
    // Checked whole before any byte changes: the body is only touched when every cut holds.
    let in_place = compact
        && first.start <= last.end
        && last.end < body.len()
        && (last.end + 1 - first.start) * 2 >= body.len()
        && spans
            .windows(2)
            .all(|pair| pair[1].start == pair[0].end + 1 && body.get(pair[0].end) == Some(&b','));
    let body = if in_place {
        match body.try_into_mut() {
            Ok(mut text) => {
                for r in spans {
                    if let Some(byte) = text.get_mut(r.end) {
                        *byte = b'\n';
                    }
                }
                let lines = text.freeze();
                return lines.slice(first.start..(last.end + 1).min(lines.len()));
            }
            Err(shared) => shared,
        }
    } else {
        body
    };
    let mut out = Vec::new();
    write_ndjson(&body, spans, compact, &mut out);
    Bytes::from(out)
}

/// Writes `json` (one valid JSON value) to `out` without the whitespace outside its strings,
/// and nothing else changed: key order, number text, escapes and raw UTF-8 stay as they are.
pub(crate) fn write_compact(json: &[u8], out: &mut Vec<u8>) {
    // Most APIs send compact records: with no whitespace byte at all, a copy is the answer.
    if !json
        .iter()
        .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        out.extend_from_slice(json);
        return;
    }
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in json.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.extend_from_slice(&json[run_start..i]);
            run_start = i + 1;
        }
    }
    out.extend_from_slice(&json[run_start..]);
}

/// The `Visitor` methods for the scalars (bool, numbers, strings): each runs `$body` with the
/// visitor bound to `$this`. One definition for the three visitors below.
macro_rules! scalars {
    (|$this:ident| $body:block) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            let $this = self;
            $body
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            let $this = self;
            $body
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            let $this = self;
            $body
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            let $this = self;
            $body
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            let $this = self;
            $body
            Ok(())
        }
    };
}

/// Seeks `path` and records what is there.
struct Seek<'a, 'b> {
    body: &'a str,
    path: &'b [Step],
    out: &'b mut Found,
    /// At the end of the path: list an array's elements (records) rather than its own range.
    elements: bool,
    /// Where to note the other members of the top-level object (name and range), skipped anyway
    /// on the way to the records: a paginator's `total` or `next` is then found without
    /// scanning the body again.
    siblings: Option<&'b mut Vec<(String, Range<usize>)>>,
}

impl<'de, 'b> DeserializeSeed<'de> for Seek<'de, 'b> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.path.is_empty() {
            if self.elements {
                return d.deserialize_any(Leaf {
                    body: self.body,
                    out: self.out,
                });
            }
            let raw = <&RawValue as serde::Deserialize>::deserialize(d)?;
            *self.out = if raw.get() == "null" {
                Found::Null
            } else {
                Found::Value(offset_in(self.body, raw.get()))
            };
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de, 'b> Visitor<'de> for Seek<'de, 'b> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Seek {
            body,
            path,
            out,
            elements,
            siblings,
        } = self;
        let (Some(Step::Key(want)), rest) = (path.first(), &path[1..]) else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        if let Some(siblings) = siblings {
            while let Some(other) = map.next_key_seed(KeyOrName(want))? {
                match other {
                    None => map.next_value_seed(Seek {
                        body,
                        path: rest,
                        out: &mut *out,
                        elements,
                        siblings: None,
                    })?,
                    Some(name) => {
                        let raw = map.next_value::<&RawValue>()?;
                        siblings.push((name, offset_in(body, raw.get())));
                    }
                }
            }
            return Ok(());
        }
        while let Some(hit) = map.next_key_seed(KeyIs(want))? {
            if hit {
                // A duplicate key: the last one wins, as in serde_json's maps.
                map.next_value_seed(Seek {
                    body,
                    path: rest,
                    out: &mut *out,
                    elements,
                    siblings: None,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Seek {
            body,
            path,
            out,
            elements,
            ..
        } = self;
        let (Some(Step::Index(want)), rest) = (path.first(), &path[1..]) else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let mut i = 0usize;
        loop {
            let more = if i == *want {
                seq.next_element_seed(Seek {
                    body,
                    path: rest,
                    out: &mut *out,
                    elements,
                    siblings: None,
                })?
                .is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            i = i.saturating_add(1);
        }
    }

    // A step into a scalar finds nothing.
    scalars!(|_this| {});
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The value at the end of a records path: an array's elements, or the value itself.
struct Leaf<'a, 'b> {
    body: &'a str,
    out: &'b mut Found,
}

impl Leaf<'_, '_> {
    /// A visitor does not see where a scalar's text is: an empty range asks [`find`] for a
    /// second pass that takes the value raw.
    fn scalar(self) {
        *self.out = Found::Value(0..0);
    }
}

impl<'de, 'b> Visitor<'de> for Leaf<'de, 'b> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut ranges = Vec::new();
        while let Some(raw) = seq.next_element::<&RawValue>()? {
            ranges.push(offset_in(self.body, raw.get()));
        }
        *self.out = Found::Array(ranges);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.scalar();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.out = Found::Null;
        Ok(())
    }
    scalars!(|this| { this.scalar() });
}

/// Whether a map key equals the one sought, without allocating for it.
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// A map key: `None` when it is the one sought, else its name (kept for the siblings).
struct KeyOrName<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyOrName<'_> {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyOrName<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok((v != self.0).then(|| v.to_owned()))
    }
}

/// The paths of [`find_all`] as a tree, so that one pass visits them all.
#[derive(Default, Debug)]
struct Trie {
    /// The indices of the paths that end here.
    ends: Vec<usize>,
    keys: Vec<(String, Trie)>,
    indices: Vec<(usize, Trie)>,
}

impl Trie {
    fn insert(&mut self, path: &[Step], id: usize) {
        let Some((first, rest)) = path.split_first() else {
            self.ends.push(id);
            return;
        };
        let child = match first {
            Step::Key(k) => {
                let i = match self.keys.iter().position(|(x, _)| x == k) {
                    Some(i) => i,
                    None => {
                        self.keys.push((k.clone(), Trie::default()));
                        self.keys.len() - 1
                    }
                };
                &mut self.keys[i].1
            }
            Step::Index(n) => {
                let i = match self.indices.iter().position(|(x, _)| x == n) {
                    Some(i) => i,
                    None => {
                        self.indices.push((*n, Trie::default()));
                        self.indices.len() - 1
                    }
                };
                &mut self.indices[i].1
            }
        };
        child.insert(rest, id);
    }

    fn has_children(&self) -> bool {
        !(self.keys.is_empty() && self.indices.is_empty())
    }
}

/// Visits a body along a [`Trie`], filling the slot of every path that ends at a value.
struct Collect<'a, 'b> {
    body: &'a str,
    trie: &'b Trie,
    slots: &'b mut Vec<Option<Range<usize>>>,
    /// Whether the paths ending at this node still need their range (false on the second
    /// visit of a value that both ends a path and holds deeper ones).
    record_ends: bool,
}

impl<'de> DeserializeSeed<'de> for Collect<'de, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if !self.record_ends || self.trie.ends.is_empty() {
            return d.deserialize_any(self);
        }
        let raw = <&RawValue as serde::Deserialize>::deserialize(d)?;
        let range = offset_in(self.body, raw.get());
        for &id in &self.trie.ends {
            self.slots[id] = Some(range.clone());
        }
        if self.trie.has_children() {
            // Overlapping matches (`$..items`): visit the same text again for the deeper ones.
            // The raw text is a slice of the body, so ranges stay body offsets.
            let mut inner = serde_json::Deserializer::from_str(raw.get());
            Collect {
                record_ends: false,
                ..self
            }
            .deserialize(&mut inner)
            .map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Collect<'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Collect {
            body, trie, slots, ..
        } = self;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match trie.keys.iter().find(|(k, _)| *k == key) {
                Some((_, child)) => map.next_value_seed(Collect {
                    body,
                    trie: child,
                    slots: &mut *slots,
                    record_ends: true,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Collect {
            body, trie, slots, ..
        } = self;
        let mut i = 0usize;
        loop {
            let more = match trie.indices.iter().find(|(n, _)| *n == i) {
                Some((_, child)) => seq
                    .next_element_seed(Collect {
                        body,
                        trie: child,
                        slots: &mut *slots,
                        record_ends: true,
                    })?
                    .is_some(),
                None => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(());
            }
            i = i.saturating_add(1);
        }
    }

    // A scalar holds no path.
    scalars!(|_this| {});
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys(path: &[&str]) -> Vec<Step> {
        path.iter().map(|k| Step::Key((*k).to_owned())).collect()
    }

    fn texts<'a>(body: &'a str, found: &Found) -> Vec<&'a str> {
        match found {
            Found::Array(rs) => rs.iter().map(|r| &body[r.clone()]).collect(),
            Found::Value(r) => vec![&body[r.clone()]],
            Found::Null | Found::Missing => vec![],
        }
    }

    #[test]
    fn finds_record_text_exactly_as_sent() {
        let body = r#"{"meta":{"total":3},"data":[{"zeta":1,"alpha":2}, {"n":1e3,"s":"\u00e9\/"} ,
            {"big":12345678901234567890123,"d":1.50}]}"#;
        let found = find(body, &keys(&["data"])).unwrap();
        assert_eq!(
            texts(body, &found),
            [
                r#"{"zeta":1,"alpha":2}"#,
                r#"{"n":1e3,"s":"\u00e9\/"}"#,
                r#"{"big":12345678901234567890123,"d":1.50}"#
            ]
        );
    }

    #[test]
    fn objects_scalars_null_and_missing() {
        let body = r#"{"one":{"a":[1, 2]},"n":null,"s":"x","deep":{"k":7}}"#;
        assert_eq!(
            texts(body, &find(body, &keys(&["one"])).unwrap()),
            [r#"{"a":[1, 2]}"#]
        );
        assert_eq!(find(body, &keys(&["n"])).unwrap(), Found::Null);
        assert_eq!(texts(body, &find(body, &keys(&["s"])).unwrap()), [r#""x""#]);
        assert_eq!(find(body, &keys(&["nope"])).unwrap(), Found::Missing);
        assert_eq!(find(body, &keys(&["s", "x"])).unwrap(), Found::Missing);
        assert_eq!(find_value(body, &keys(&["deep", "k"])).unwrap(), Some("7"));
        assert_eq!(find_value(body, &keys(&["n"])).unwrap(), Some("null"));
        let top = " [ {\"a\":1} ,2 ] ";
        assert_eq!(texts(top, &find(top, &[]).unwrap()), [r#"{"a":1}"#, "2"]);
    }

    #[test]
    fn duplicate_keys_take_the_last_as_serde_json_does() {
        let body = r#"{"data":[1],"data":[2,3]}"#;
        assert_eq!(
            texts(body, &find(body, &keys(&["data"])).unwrap()),
            ["2", "3"]
        );
    }

    #[test]
    fn escaped_keys_match_their_meaning() {
        let body = r#"{"d\u0061ta":[1]}"#;
        assert_eq!(texts(body, &find(body, &keys(&["data"])).unwrap()), ["1"]);
    }

    #[test]
    fn invalid_bodies_are_errors_even_off_the_path() {
        for body in [
            r#"{"data":[1],"x":}"#,
            r#"{"data":[1]} trailing"#,
            r#"{"data":[1,]}"#,
            "",
            r#"{"data":"\ud800"}"#,
        ] {
            assert!(find(body, &keys(&["data"])).is_err(), "{body}");
        }
    }

    #[test]
    fn find_all_takes_each_path_once_in_order() {
        let body = r#"{"a":[{"id":1,"x":{"id":9}},{"id":2}],"b":{"id":3}}"#;
        let paths = vec![
            vec![Step::Key("b".into()), Step::Key("id".into())],
            vec![
                Step::Key("a".into()),
                Step::Index(0),
                Step::Key("id".into()),
            ],
            vec![
                Step::Key("a".into()),
                Step::Index(1),
                Step::Key("id".into()),
            ],
            vec![Step::Key("a".into()), Step::Index(0)],
            vec![
                Step::Key("a".into()),
                Step::Index(0),
                Step::Key("x".into()),
                Step::Key("id".into()),
            ],
            vec![Step::Key("missing".into())],
        ];
        let got: Vec<&str> = find_all(body, &paths)
            .unwrap()
            .into_iter()
            .map(|r| &body[r])
            .collect();
        assert_eq!(got, ["3", "1", "2", r#"{"id":1,"x":{"id":9}}"#, "9"]);
    }

    /// A body of compact records that no one else holds becomes its own lines (no copy); one
    /// that is shared, not compact, or mostly not records is copied, with the same lines.
    #[test]
    fn into_ndjson_makes_lines_in_place_only_in_a_body_it_owns() {
        let text = br#"{"data":[{"a":1},{"a":"x,y"},[2,3]],"n":1}"#;
        let sel = Selector::new("data").unwrap();
        let ranges = spans(std::str::from_utf8(text).unwrap(), &sel, None).unwrap();
        let want = b"{\"a\":1}\n{\"a\":\"x,y\"}\n[2,3]\n";
        let inside = |lines: &Bytes, body: &[u8]| body.as_ptr_range().contains(&lines.as_ptr());

        let body = Bytes::from(text.to_vec());
        let at = body.as_ptr_range();
        let lines = into_ndjson(body, &ranges, true);
        assert_eq!(&lines[..], want);
        assert!(at.contains(&lines.as_ptr()), "made where the records were");

        let held = Bytes::from(text.to_vec());
        let lines = into_ndjson(held.clone(), &ranges, true);
        assert_eq!(&lines[..], want);
        assert!(!inside(&lines, &held), "a shared body is copied from");
        assert_eq!(&held[..], text, "and left as it was");

        // Whitespace between records: the scan says not compact.
        let spaced = br#"{"data":[{"a":1}, {"a":2}]}"#;
        let r = spans(std::str::from_utf8(spaced).unwrap(), &sel, None).unwrap();
        assert_eq!(
            &into_ndjson(Bytes::from(spaced.to_vec()), &r, false)[..],
            b"{\"a\":1}\n{\"a\":2}\n"
        );

        // One small record in a big body: copied out, so that the lines do not keep the body.
        let mut big = br#"{"data":[{"a":1}],"pad":""#.to_vec();
        big.extend(std::iter::repeat_n(b'x', 4096));
        big.extend_from_slice(b"\"}");
        let r = spans(std::str::from_utf8(&big).unwrap(), &sel, None).unwrap();
        let body = Bytes::from(big);
        let at = body.as_ptr_range();
        let lines = into_ndjson(body, &r, true);
        assert_eq!(&lines[..], b"{\"a\":1}\n");
        assert!(!at.contains(&lines.as_ptr()));

        assert!(into_ndjson(Bytes::from_static(b"[]"), &[], true).is_empty());
    }

    #[test]
    fn compact_removes_only_whitespace_outside_strings() {
        let mut out = Vec::new();
        write_compact(
            b"{ \"a b\" : [ 1 ,\n\t2 ] , \"s\":\"x \\\" y\\\\\" , \"n\" : 1e3 }",
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a b":[1,2],"s":"x \" y\\","n":1e3}"#
        );
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z \u{e9}\"\\\\/\n]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{1,6}", inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// `value`'s text (pretty or compact) with one byte at `at` replaced (`edit` 0), inserted
    /// (1), removed (2) or left alone (3); `None` if that cut a UTF-8 sequence.
    fn edited(
        value: &Value,
        pretty: bool,
        at: prop::sample::Index,
        byte: u8,
        edit: u8,
    ) -> Option<String> {
        let text = if pretty {
            serde_json::to_string_pretty(value).unwrap()
        } else {
            value.to_string()
        };
        let mut bytes = text.into_bytes();
        let at = at.index(bytes.len());
        match edit {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 => {
                bytes.remove(at);
            }
            _ => {}
        }
        String::from_utf8(bytes).ok()
    }

    proptest! {
        /// Any valid body: the records a scan finds are the records a full parse finds, for
        /// plain paths and for JSONPath selectors, compact or pretty.
        #[test]
        fn scan_finds_what_a_full_parse_finds(
            data in json_value(),
            meta in json_value(),
            pretty in any::<bool>(),
            selector in prop::sample::select(vec!["data", "$", "meta", "data[*]", "$..a", "data[?(@.a)]", "nope.deeper"]),
        ) {
            let body = serde_json::json!({"meta": meta, "data": data});
            let text = if pretty { serde_json::to_string_pretty(&body).unwrap() } else { body.to_string() };
            let sel = Selector::new(selector).unwrap();
            // The oracle reads the same text (float parsing is not exact round-trip).
            let want = sel.records(&serde_json::from_str(&text).unwrap());
            let got: Vec<Value> = spans(&text, &sel, None)
                .unwrap()
                .into_iter()
                .map(|r| serde_json::from_str(&text[r]).unwrap())
                .collect();
            prop_assert_eq!(got, want);
        }

        /// Any text: a scan answers or fails as serde_json does, and never panics.
        #[test]
        fn invalid_bodies_fail_like_serde_json(text in ".{0,64}", cut in 0usize..64) {
            let text = text.get(..cut.min(text.len())).unwrap_or(&text);
            let valid = serde_json::from_str::<IgnoredAny>(text).is_ok();
            prop_assert_eq!(find(text, &[Step::Key("data".into())]).is_ok(), valid);
            let sel = Selector::new("data").unwrap();
            prop_assert_eq!(spans(text, &sel, None).is_ok(), valid);
        }

        /// Any body serde_json writes: the fast scan answers (it leaves no ordinary body to
        /// serde_json), and finds exactly the ranges and members the serde_json scan finds;
        /// the NDJSON made from its spans is the records' compact text, line by line.
        #[test]
        fn fast_scan_equals_the_serde_json_scan(
            data in json_value(),
            meta in json_value(),
            pretty in any::<bool>(),
            path in prop::sample::select(vec![vec!["data"], vec!["meta"], vec![], vec!["data", "a"], vec!["nope"]]),
        ) {
            let body = serde_json::json!({"meta": meta, "data": data, "total": 1});
            let text = if pretty { serde_json::to_string_pretty(&body).unwrap() } else { body.to_string() };
            let steps: Vec<Step> = path.iter().map(|k| Step::Key((*k).to_owned())).collect();
            let fast = scan::scan(text.as_bytes(), &steps, !steps.is_empty(), None);
            // A number on the path is left to serde_json (it reads it as a number).
            let mut node = Some(&body);
            let mut number = false;
            for k in &path {
                match node {
                    Some(v) if v.is_number() => number = true,
                    Some(v) => node = v.get(*k),
                    None => {}
                }
            }
            number |= node.is_some_and(Value::is_number);
            if fast.is_none() && number {
                return Ok(());
            }
            prop_assert!(fast.is_some(), "the fast scan gave up on {}", text);
            let fast = fast.unwrap();
            let (found, siblings) = if steps.is_empty() {
                (find(&text, &steps).unwrap(), Vec::new())
            } else {
                records_and_siblings(&text, &steps).unwrap()
            };
            prop_assert_eq!(&fast.found, &found);
            prop_assert_eq!(&fast.siblings, &siblings);
            if let Found::Array(spans) = &found {
                let mut fast_lines = Vec::new();
                write_ndjson(text.as_bytes(), spans, fast.compact, &mut fast_lines);
                let mut slow_lines = Vec::new();
                write_ndjson(text.as_bytes(), spans, false, &mut slow_lines);
                prop_assert_eq!(&fast_lines, &slow_lines);
                // The same lines made in the body itself, and from a body someone else holds.
                let own = into_ndjson(Bytes::from(text.clone().into_bytes()), spans, fast.compact);
                prop_assert_eq!(&own[..], &slow_lines[..]);
                let held = Bytes::from(text.clone().into_bytes());
                let shared = into_ndjson(held.clone(), spans, fast.compact);
                prop_assert_eq!(&shared[..], &slow_lines[..]);
                prop_assert_eq!(&held[..], text.as_bytes(), "a shared body is left as it was");
                // serde_json's compact text has no whitespace; its pretty text puts each
                // element on a line of its own.
                prop_assert_eq!(fast.compact, !pretty || spans.is_empty());
            }
        }

        /// Valid JSON with one byte changed, inserted or removed (mostly invalid, sometimes
        /// still valid): where the fast scan answers, the serde_json scan gives the same answer,
        /// so the fast scan never accepts what serde_json rejects.
        #[test]
        fn fast_scan_never_accepts_more(
            v in json_value(),
            pretty in any::<bool>(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"[]{}\",:.-+eE0159tfnul \\/\x01".to_vec()),
            edit in 0..3u8,
        ) {
            // Only ASCII was put in or taken out next to ASCII... or a UTF-8 sequence was cut:
            // the scan sees UTF-8 only.
            let Some(text) = edited(&serde_json::json!({"a": v}), pretty, at, byte, edit) else { return Ok(()) };
            let steps = vec![Step::Key("a".into())];
            if let Some(fast) = scan::scan(text.as_bytes(), &steps, true, None) {
                let slow = records_and_siblings(&text, &steps);
                prop_assert!(slow.is_ok(), "the fast scan accepted {:?}", text);
                let (found, siblings) = slow.unwrap();
                prop_assert_eq!(fast.found, found);
                prop_assert_eq!(fast.siblings, siblings);
            }
            if let Some(fast) = scan::scan(text.as_bytes(), &[], false, None) {
                let slow = find(&text, &[]);
                prop_assert!(slow.is_ok(), "the fast scan accepted {:?}", text);
                prop_assert_eq!(fast.found, slow.unwrap());
            }
        }

        /// Any body, valid or with one byte changed, inserted or removed: halved at any of
        /// its commas (a records boundary or not), the scan answers exactly what the
        /// sequential scan answers.
        #[test]
        fn a_halved_scan_answers_what_the_sequential_scan_answers(
            records in prop::collection::vec(json_value(), 1..8),
            pretty in any::<bool>(),
            at in any::<prop::sample::Index>(),
            edit_at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"[]{}\",:0 \\".to_vec()),
            edit in 0..4u8,
            started in any::<bool>(),
        ) {
            let body = serde_json::json!({"data": records, "total": 1});
            let Some(text) = edited(&body, pretty, edit_at, byte, edit) else { return Ok(()) };
            let commas: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b',').map(|(i, _)| i).collect();
            if commas.is_empty() {
                return Ok(());
            }
            let at = commas[at.index(commas.len())];
            let steps = vec![Step::Key("data".into())];
            let sequential = scan::scan(text.as_bytes(), &steps, true, None);
            let halved = scan::scan_split_at(text.as_bytes(), &steps, true, at, started);
            prop_assert_eq!(format!("{sequential:?}"), format!("{halved:?}"), "at {} of {}", at, text);
        }

        /// Any value: compact text parses to the same value and has no whitespace outside
        /// strings.
        #[test]
        fn compact_keeps_the_value(v in json_value()) {
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            let mut out = Vec::new();
            write_compact(pretty.as_bytes(), &mut out);
            let back: Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(back, serde_json::from_str::<Value>(&pretty).unwrap());
            prop_assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
