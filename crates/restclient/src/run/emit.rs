//! A page's records as a resource writes them: through the incremental filter, with the
//! `_<parent>_<field>` members of `include_from_parent`, as NDJSON lines of the API's own text.
//!
//! The per-record path: a record is copied as the API sent it (whitespace outside strings
//! removed). A `Value` is built only for a resource with an incremental cursor (the filter
//! reads it); an included parent field is spliced into the record's text as the parent's own
//! text, so numbers of any size keep their digits.

use serde_json::Value;

use super::feed::ParentLine;
use super::incremental::{Cursor, Verdict};
use super::plan::ResourcePlan;
use crate::Page;
use crate::error::{Error, ErrorKind};

/// A member added to each record of a child walk: `"_<parent>_<field>":<parent's text>`.
#[derive(Debug, Clone)]
pub(crate) struct Include {
    /// The key, as JSON text (quoted).
    key: String,
    name: String,
    /// The parent's value, as JSON text.
    raw: String,
}

/// The members `r` includes from `parent`; a missing field is an error naming both.
pub(crate) fn includes(r: &ResourcePlan, parent: &ParentLine) -> Result<Vec<Include>, Error> {
    let parent_name = r.parent.as_deref().unwrap_or_default();
    r.include_from_parent
        .iter()
        .map(|f| {
            let raw = parent.raw(f).ok_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    format!(
                        "resource `{}` includes `{f}` from each `{parent_name}` record (as `_{parent_name}_{f}`), but record {} has no such field",
                        r.name, parent.index
                    ),
                )
            })?;
            let name = format!("_{parent_name}_{f}");
            Ok(Include {
                key: serde_json::to_string(&name).unwrap_or_default(),
                name,
                raw: raw.get().to_owned(),
            })
        })
        .collect()
}

/// What a page gave.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Emitted {
    /// Records kept (written, or handed to children).
    pub(crate) kept: u64,
    /// The page had no records because its data selector matched nothing at all.
    pub(crate) unmatched: bool,
}

/// Appends the records of `page` that pass `cursor` to `out`, one line each, with `include`.
///
/// # Errors
/// A [decode error](Error::is_decode) naming the page's URL: the cursor is missing under
/// `on_cursor_value_missing: raise` or cannot be compared, or a record to include parent
/// fields in is not an object.
pub(crate) fn page_lines(
    r: &ResourcePlan,
    page: &Page,
    mut cursor: Option<&mut Cursor<'_>>,
    include: &[Include],
    out: &mut Vec<u8>,
) -> Result<Emitted, Error> {
    let bad = |msg: String| page_error(r, page, msg);
    let unmatched = page.is_empty()
        && page
            .response()
            .json()
            .map_or(true, |body| page.data_selector().first(body).is_none());
    if cursor.is_none() && include.is_empty() {
        // Every record as it is: the page's own NDJSON (one copy of a compact page).
        page.write_ndjson(out);
        return Ok(Emitted {
            kept: page.len() as u64,
            unmatched,
        });
    }
    let values = cursor.is_some().then(|| page.records());
    let mut kept = 0;
    // The records' texts as the page scan validated them: `raw_records()` would check each again.
    for (i, text) in page.record_texts().enumerate() {
        if let (Some(c), Some(values)) = (cursor.as_deref_mut(), values)
            && let Some(v) = values.get(i)
            && matches!(c.check(v).map_err(bad)?, Verdict::Drop)
        {
            continue;
        }
        let start = out.len();
        crate::records::write_compact(text, out);
        if !include.is_empty() {
            splice(out, start, include).map_err(bad)?;
        }
        out.push(b'\n');
        kept += 1;
    }
    Ok(Emitted { kept, unmatched })
}

/// As [`page_lines`], for the records a caller's transform made of the page (dlt's
/// `processing_steps`): the values, not the page's text, go through the filter and out.
///
/// # Errors
/// As [`page_lines`].
pub(crate) fn value_lines(
    r: &ResourcePlan,
    page: &Page,
    values: &[Value],
    mut cursor: Option<&mut Cursor<'_>>,
    include: &[Include],
    out: &mut Vec<u8>,
) -> Result<Emitted, Error> {
    let bad = |msg: String| page_error(r, page, msg);
    let mut kept = 0;
    for v in values {
        if let Some(c) = cursor.as_deref_mut()
            && matches!(c.check(v).map_err(bad)?, Verdict::Drop)
        {
            continue;
        }
        let start = out.len();
        serde_json::to_writer(&mut *out, v).map_err(|e| bad(e.to_string()))?;
        if !include.is_empty() {
            splice(out, start, include).map_err(bad)?;
        }
        out.push(b'\n');
        kept += 1;
    }
    Ok(Emitted {
        kept,
        unmatched: false,
    })
}

/// A decode error about a record of `page`, naming the resource, the page and its URL.
fn page_error(r: &ResourcePlan, page: &Page, msg: String) -> Error {
    let url = page.response().redacted_url();
    Error::new(
        ErrorKind::Decode,
        format!(
            "resource `{}`: {msg} (page {}, {url})",
            r.name,
            page.number()
        ),
    )
    .with_url(&url)
}

/// Adds the included members to the object record at `out[start..]`.
fn splice(out: &mut Vec<u8>, start: usize, include: &[Include]) -> Result<(), String> {
    let record = out.get(start..).unwrap_or_default();
    if record.first() != Some(&b'{') || record.last() != Some(&b'}') {
        let kind = serde_json::from_slice::<Value>(record)
            .map_or("not JSON", |v| crate::spec::kind_of(&v));
        return Err(format!(
            "`include_from_parent` needs object records, got {kind}"
        ));
    }
    let has_key = include.iter().any(|inc| {
        record
            .windows(inc.key.len())
            .any(|w| w == inc.key.as_bytes())
    });
    if has_key {
        // The record has such a member already: replace its value where it is (rare; the
        // record goes through a `Value`).
        let mut map: serde_json::Map<String, Value> =
            serde_json::from_slice(record).map_err(|e| e.to_string())?;
        for inc in include {
            let v = serde_json::from_str(&inc.raw).map_err(|e| e.to_string())?;
            map.insert(inc.name.clone(), v);
        }
        out.truncate(start);
        serde_json::to_writer(&mut *out, &map).map_err(|e| e.to_string())?;
        return Ok(());
    }
    out.pop();
    let empty = out.len() == start + 1;
    for (i, inc) in include.iter().enumerate() {
        if i > 0 || !empty {
            out.push(b',');
        }
        out.extend_from_slice(inc.key.as_bytes());
        out.push(b':');
        out.extend_from_slice(inc.raw.as_bytes());
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn inc(name: &str, raw: &str) -> Include {
        Include {
            key: serde_json::to_string(name).unwrap(),
            name: name.into(),
            raw: raw.into(),
        }
    }

    #[test]
    fn included_fields_are_spliced_as_the_parents_text() {
        let big = inc("_p_id", "12345678901234567890123");
        let mut out = b"{\"a\":1.50}".to_vec();
        splice(&mut out, 0, &[big.clone(), inc("_p_n", "\"x\"")]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":1.50,"_p_id":12345678901234567890123,"_p_n":"x"}"#
        );
        let mut out = b"{}".to_vec();
        splice(&mut out, 0, std::slice::from_ref(&big)).unwrap();
        assert_eq!(out, br#"{"_p_id":12345678901234567890123}"#);
        let mut out = b"{\"_p_id\":1,\"b\":2}".to_vec();
        splice(&mut out, 0, &[inc("_p_id", "3")]).unwrap();
        assert_eq!(out, br#"{"_p_id":3,"b":2}"#);
        let mut out = b"[1]".to_vec();
        assert!(
            splice(&mut out, 0, &[big])
                .unwrap_err()
                .contains("an array")
        );
    }
}
