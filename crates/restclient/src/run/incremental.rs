//! Incremental loading: dlt's `incremental` settings, the cursor a walk keeps, and the
//! client-side filter (reference §4.5) with boundary de-duplication (§4.6).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::selector::Selector;
use crate::spec::SpecError;

/// dlt's `incremental` dict (JSON subset; unknown keys refused).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncrementalSpec {
    pub(crate) cursor_path: String,
    #[serde(default)]
    pub(crate) initial_value: Option<Value>,
    #[serde(default)]
    pub(crate) end_value: Option<Value>,
    #[serde(default)]
    pub(crate) start_param: Option<String>,
    #[serde(default)]
    pub(crate) end_param: Option<String>,
    #[serde(default)]
    pub(crate) last_value_func: LastValueFunc,
    #[serde(default)]
    pub(crate) row_order: Option<RowOrder>,
    #[serde(default)]
    pub(crate) on_cursor_value_missing: OnMissing,
    #[serde(default)]
    pub(crate) primary_key: Option<Value>,
    #[serde(default)]
    pub(crate) lag: Option<f64>,
    #[serde(default)]
    pub(crate) range_start: Range,
    #[serde(default = "open")]
    pub(crate) range_end: Range,
    /// Airflow's; ignored.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) allow_external_schedulers: Option<Value>,
}

fn open() -> Range {
    Range::Open
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LastValueFunc {
    #[default]
    Max,
    Min,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OnMissing {
    #[default]
    Raise,
    Include,
    Exclude,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Range {
    #[default]
    Closed,
    Open,
}

impl IncrementalSpec {
    /// Reads and checks the dict (the errors dlt finds only at run start come here too).
    pub(crate) fn from_value(value: &Value) -> Result<Self, SpecError> {
        if let Some(map) = value.as_object() {
            for key in ["convert", "transform"] {
                if map.contains_key(key) {
                    return Err(SpecError::new(
                        key,
                        "is a Python callable in dlt and has no place in a file",
                    ));
                }
            }
        }
        let spec: IncrementalSpec = crate::spec::from_value(value.clone())?;
        Selector::new(&spec.cursor_path)
            .map_err(|_| SpecError::new("cursor_path", "not a valid JSONPath"))?;
        if let Some(end) = &spec.end_value {
            let Some(initial) = &spec.initial_value else {
                return Err(SpecError::new(
                    "end_value",
                    "is set without `initial_value`",
                ));
            };
            let order = compare(initial, end).map_err(|m| SpecError::new("end_value", m))?;
            let wrong = match spec.last_value_func {
                LastValueFunc::Max => order == Ordering::Greater,
                LastValueFunc::Min => order == Ordering::Less,
            };
            if wrong {
                return Err(SpecError::new(
                    "end_value",
                    "is on the wrong side of `initial_value`",
                ));
            }
        }
        Ok(spec)
    }

    pub(crate) fn selector(&self) -> Selector {
        // Checked in from_value.
        Selector::new(&self.cursor_path).unwrap_or_else(|_| Selector::root())
    }

    /// Dedup is off when dlt turns it off (§4.6).
    fn dedup(&self) -> bool {
        self.range_start == Range::Closed
            && self.end_value.is_none()
            && self.lag.is_none()
            && !matches!(&self.primary_key, Some(Value::Array(a)) if a.is_empty())
    }
}

/// Where an incremental cursor stands between walks: what a run keeps in its state file, and
/// what a caller of [`Resource::walk`](super::Resource::walk) keeps and hands back.
///
/// ```
/// use restclient::run::CursorState;
/// use serde_json::json;
///
/// let state = CursorState::new(json!("2024-01-05T00:00:00Z")).with_boundary(["[7]".to_owned()]);
/// assert_eq!(state.last_value(), &json!("2024-01-05T00:00:00Z"));
/// assert_eq!(state.boundary().count(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CursorState {
    pub(crate) last_value: Value,
    /// The keys of the records at `last_value` already delivered.
    #[serde(default)]
    pub(crate) boundary: BTreeSet<String>,
    #[serde(default)]
    pub(crate) start_value: Value,
}

impl CursorState {
    /// A cursor at `last_value` (the next walk starts there), no record delivered at it yet.
    #[must_use]
    pub fn new(last_value: Value) -> Self {
        CursorState {
            start_value: last_value.clone(),
            last_value,
            boundary: BTreeSet::new(),
        }
    }

    /// The keys of the records at `last_value` already delivered (as
    /// [`boundary`](Self::boundary) gives them): the next walk does not deliver them again.
    #[must_use]
    pub fn with_boundary(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.boundary = keys.into_iter().collect();
        self
    }

    /// Where the walk that made this state started (dlt's `start_value`).
    #[must_use]
    pub fn with_start_value(mut self, value: Value) -> Self {
        self.start_value = value;
        self
    }

    /// The best cursor value delivered so far (`max`, or `min` for `last_value_func: min`).
    #[must_use]
    pub fn last_value(&self) -> &Value {
        &self.last_value
    }

    /// The keys of the records delivered whose cursor is exactly `last_value`: each the JSON
    /// text of a list of the record's `primary_key` values (`[7]`), or of the whole record
    /// (keys sorted) when there is no primary key.
    pub fn boundary(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.boundary.iter().map(String::as_str)
    }

    /// Where the walk that made this state started.
    #[must_use]
    pub fn start_value(&self) -> &Value {
        &self.start_value
    }
}

/// A cursor's mid-walk fields, as a top-level walk checkpoint keeps them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CursorSnapshot {
    start: Value,
    stored: BTreeSet<String>,
    last: Value,
    boundary: BTreeSet<String>,
    moved: bool,
    done: bool,
    floor: Value,
}

/// A cursor during one walk.
#[derive(Debug)]
pub(crate) struct Cursor<'s> {
    spec: &'s IncrementalSpec,
    selector: Selector,
    /// S: where this walk starts (state with lag, or initial_value).
    pub(crate) start: Value,
    /// The stored boundary keys (H).
    stored: BTreeSet<String>,
    /// L: the running best.
    last: Value,
    boundary: BTreeSet<String>,
    /// Whether L moved past S.
    moved: bool,
    /// Set when `row_order` says no later page can hold a wanted record.
    pub(crate) done: bool,
    /// The stored `last_value`: with `lag` the walk starts before it, but it never moves back.
    floor: Value,
    key_fields: Option<Vec<String>>,
}

/// What the filter does with a record.
pub(crate) enum Verdict {
    Keep,
    Drop,
}

impl<'s> Cursor<'s> {
    /// A cursor starting from `state` (a previous run's) or the spec's `initial_value`.
    pub(crate) fn new(
        spec: &'s IncrementalSpec,
        state: Option<&CursorState>,
        resource_key: Option<&Value>,
    ) -> Self {
        let stateless = spec.end_value.is_some();
        let floor = state
            .filter(|_| !stateless)
            .map_or(Value::Null, |s| s.last_value.clone());
        let (start, stored) = match state.filter(|_| !stateless) {
            Some(s) if !s.last_value.is_null() => {
                (apply_lag(spec, &s.last_value), s.boundary.clone())
            }
            _ => (
                spec.initial_value.clone().unwrap_or(Value::Null),
                BTreeSet::new(),
            ),
        };
        let key = spec.primary_key.as_ref().or(resource_key);
        let key_fields = match key {
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        };
        Cursor {
            spec,
            selector: spec.selector(),
            last: start.clone(),
            start,
            stored,
            boundary: BTreeSet::new(),
            moved: false,
            done: false,
            floor,
            key_fields,
        }
    }

    fn key(&self, record: &Value) -> String {
        match &self.key_fields {
            Some(fields) => {
                let parts: Vec<&Value> = fields
                    .iter()
                    .map(|f| record.get(f).unwrap_or(&Value::Null))
                    .collect();
                serde_json::to_string(&parts).unwrap_or_default()
            }
            None => {
                let mut text = String::new();
                canonical(record, &mut text);
                text
            }
        }
    }

    /// dlt's filter, for `max`; `min` mirrors it. An error for a missing cursor under
    /// `raise`, or a value that cannot be compared.
    pub(crate) fn check(&mut self, record: &Value) -> Result<Verdict, String> {
        let value = match self.selector.first(record) {
            Some(Value::Null) | None => {
                return match self.spec.on_cursor_value_missing {
                    OnMissing::Raise => Err(format!(
                        "the cursor `{}` is missing or null in a record",
                        self.spec.cursor_path
                    )),
                    OnMissing::Include => Ok(Verdict::Keep),
                    OnMissing::Exclude => Ok(Verdict::Drop),
                };
            }
            Some(v) => v.clone(),
        };
        let dir = |o: Ordering| match self.spec.last_value_func {
            LastValueFunc::Max => o,
            LastValueFunc::Min => o.reverse(),
        };
        if let Some(end) = &self.spec.end_value {
            let o = dir(compare(&value, end)?);
            if o == Ordering::Greater
                || (o == Ordering::Equal && self.spec.range_end == Range::Open)
            {
                if self.spec.row_order == Some(RowOrder::Asc) {
                    self.done = true;
                }
                return Ok(Verdict::Drop);
            }
        }
        if self.last.is_null() {
            self.last = value;
            self.moved = true;
            self.boundary.clear();
            self.boundary.insert(self.key(record));
            return Ok(Verdict::Keep);
        }
        let vs_last = dir(compare(&value, &self.last)?);
        if vs_last == Ordering::Greater {
            self.last = value;
            self.moved = true;
            self.boundary.clear();
            self.boundary.insert(self.key(record));
            return Ok(Verdict::Keep);
        }
        if !self.start.is_null() {
            let vs_start = dir(compare(&value, &self.start)?);
            if vs_start == Ordering::Less {
                if self.spec.row_order == Some(RowOrder::Desc) {
                    self.done = true;
                }
                return Ok(Verdict::Drop);
            }
            if vs_start == Ordering::Equal {
                if self.spec.range_start == Range::Open {
                    return Ok(Verdict::Drop);
                }
                if self.spec.dedup() && self.stored.contains(&self.key(record)) {
                    return Ok(Verdict::Drop);
                }
            }
        }
        if vs_last == Ordering::Equal {
            self.boundary.insert(self.key(record));
        }
        Ok(Verdict::Keep)
    }

    /// Everything the cursor holds mid-walk, for a walk checkpoint: a resumed walk goes on
    /// with the same start, running best and boundary as if it had never stopped.
    pub(crate) fn snapshot(&self) -> CursorSnapshot {
        CursorSnapshot {
            start: self.start.clone(),
            stored: self.stored.clone(),
            last: self.last.clone(),
            boundary: self.boundary.clone(),
            moved: self.moved,
            done: self.done,
            floor: self.floor.clone(),
        }
    }

    /// Puts back what [`snapshot`](Self::snapshot) saved (the spec and keys stay this run's).
    pub(crate) fn restore(&mut self, s: CursorSnapshot) {
        self.start = s.start;
        self.stored = s.stored;
        self.last = s.last;
        self.boundary = s.boundary;
        self.moved = s.moved;
        self.done = s.done;
        self.floor = s.floor;
    }

    /// The state to store after the walk.
    pub(crate) fn finish(self) -> CursorState {
        self.current()
    }

    /// The state to store if the walk ended after the records checked so far.
    pub(crate) fn current(&self) -> CursorState {
        let boundary = if !self.spec.dedup() {
            BTreeSet::new()
        } else if self.moved {
            self.boundary.clone()
        } else {
            let mut all = self.stored.clone();
            all.extend(self.boundary.iter().cloned());
            all
        };
        let behind = !self.floor.is_null()
            && compare(&self.last, &self.floor).is_ok_and(|o| match self.spec.last_value_func {
                LastValueFunc::Max => o == Ordering::Less,
                LastValueFunc::Min => o == Ordering::Greater,
            });
        CursorState {
            last_value: if behind {
                self.floor.clone()
            } else {
                self.last.clone()
            },
            boundary,
            start_value: self.start.clone(),
        }
    }
}

fn apply_lag(spec: &IncrementalSpec, last: &Value) -> Value {
    let Some(lag) = spec.lag else {
        return last.clone();
    };
    if let Value::String(text) = last {
        // Seconds for timestamps, days for dates; the text keeps its format. Never past
        // `initial_value`.
        let sign = match spec.last_value_func {
            LastValueFunc::Max => -1.0,
            LastValueFunc::Min => 1.0,
        };
        let Some(moved) = shift_text(text, sign * lag) else {
            tracing::warn!(
                "incremental `lag` ignored: the cursor value is neither a number, an RFC 3339 timestamp nor a date"
            );
            return last.clone();
        };
        let moved = Value::String(moved);
        if let Some(initial) = &spec.initial_value
            && let Ok(o) = compare(&moved, initial)
        {
            let past = match spec.last_value_func {
                LastValueFunc::Max => o == Ordering::Less,
                LastValueFunc::Min => o == Ordering::Greater,
            };
            if past {
                return initial.clone();
            }
        }
        return moved;
    }
    let Some(n) = last.as_f64() else {
        return last.clone();
    };
    let moved = match spec.last_value_func {
        LastValueFunc::Max => n - lag,
        LastValueFunc::Min => n + lag,
    };
    let moved = match (&spec.initial_value, spec.last_value_func) {
        (Some(i), LastValueFunc::Max) => i.as_f64().map_or(moved, |i| moved.max(i)),
        (Some(i), LastValueFunc::Min) => i.as_f64().map_or(moved, |i| moved.min(i)),
        _ => moved,
    };
    if last.is_i64() && moved.fract() == 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(moved as i64);
    }
    serde_json::Number::from_f64(moved).map_or_else(|| last.clone(), Value::Number)
}

/// Moves an RFC 3339 timestamp by `seconds` or a `YYYY-MM-DD` date by `seconds` days, keeping
/// its format (offset, fraction).
fn shift_text(text: &str, amount: f64) -> Option<String> {
    if text.len() == 10 {
        let (secs, _) = instant(&format!("{text}T00:00:00Z"))?;
        #[allow(clippy::cast_possible_truncation)]
        let days = amount.round() as i64;
        let (y, m, d, ..) = crate::civil::civil(secs.checked_add(days.checked_mul(86_400)?)?);
        return Some(format!("{y:04}-{m:02}-{d:02}"));
    }
    instant(text)?;
    // The local wall time and the suffix after the seconds (fraction and offset) as written.
    let head = text.get(..19)?;
    let suffix = text.get(19..)?;
    let (local, _) = instant(&format!("{head}Z"))?;
    #[allow(clippy::cast_possible_truncation)]
    let moved = local.checked_add(amount.round() as i64)?;
    let (y, mo, d, h, mi, s) = crate::civil::civil(moved);
    let sep = text.get(10..11)?;
    Some(format!(
        "{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{suffix}"
    ))
}

/// A record's text with object keys sorted, so that the same record keyed in another order (an
/// API free to reorder, `preserve_order` keeping it) is the same boundary key, as dlt's
/// sorted-key hash is.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Orders two cursor values: numbers numerically, RFC 3339 timestamps as instants (whatever
/// their offsets), other strings as text. Mixed types are an error, as in dlt.
pub(crate) fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return Ok(x.cmp(&y));
            }
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
        }
        (Value::String(x), Value::String(y)) => match (instant(x), instant(y)) {
            (Some(x), Some(y)) => Ok(x.cmp(&y)),
            _ => Ok(x.cmp(y)),
        },
        (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
        _ => Err(format!(
            "cannot compare cursor values of different types ({} and {})",
            crate::spec::kind_of(a),
            crate::spec::kind_of(b)
        )),
    }
}

/// An RFC 3339 timestamp as (seconds since the epoch, nanoseconds); `None` if it is not one.
pub(crate) fn instant(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = text.get(start..i)?;
        if frac.is_empty() {
            return None;
        }
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = digits.parse().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        b'+' | b'-' if i + 6 == b.len() && b[i + 3] == b':' => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instants_compare_across_offsets() {
        assert_eq!(instant("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            compare(
                &json!("2024-01-01T01:00:00+01:00"),
                &json!("2024-01-01T00:00:00Z")
            ),
            Ok(Ordering::Equal)
        );
        assert_eq!(
            compare(
                &json!("2024-01-01T00:30:00+01:00"),
                &json!("2024-01-01T00:00:00Z")
            ),
            Ok(Ordering::Less)
        );
        assert_eq!(
            compare(
                &json!("2024-01-01T00:00:00.5Z"),
                &json!("2024-01-01T00:00:00Z")
            ),
            Ok(Ordering::Greater)
        );
        assert!(compare(&json!(1), &json!("a")).is_err());
        assert_eq!(instant("2024-01-01"), None);
    }

    #[test]
    fn lag_keeps_the_format() {
        assert_eq!(
            shift_text("2024-01-05T00:00:00Z", -86_400.0).as_deref(),
            Some("2024-01-04T00:00:00Z")
        );
        assert_eq!(
            shift_text("2024-03-01T00:30:00.5+01:00", -3600.0).as_deref(),
            Some("2024-02-29T23:30:00.5+01:00")
        );
        assert_eq!(
            shift_text("2024-01-01", -2.0).as_deref(),
            Some("2023-12-30")
        );
        assert_eq!(shift_text("soon", 1.0), None);
        let spec = IncrementalSpec::from_value(&json!({
            "cursor_path": "t", "initial_value": "2024-01-04T12:00:00Z", "lag": 86400
        }))
        .unwrap();
        let state = CursorState {
            last_value: json!("2024-01-05T00:00:00Z"),
            ..CursorState::default()
        };
        // Never before initial_value, and the stored value never moves back.
        let c = Cursor::new(&spec, Some(&state), None);
        assert_eq!(c.start, json!("2024-01-04T12:00:00Z"));
        assert_eq!(c.finish().last_value, json!("2024-01-05T00:00:00Z"));
    }

    #[test]
    fn without_a_primary_key_the_boundary_key_ignores_key_order() {
        let spec = IncrementalSpec::from_value(&json!({
            "cursor_path": "t", "initial_value": 1
        }))
        .unwrap();
        let first: Value =
            serde_json::from_str(r#"{"t": 2, "id": 1, "a": {"y": 1, "x": [2]}}"#).unwrap();
        let again: Value =
            serde_json::from_str(r#"{"a": {"x": [2], "y": 1}, "id": 1, "t": 2}"#).unwrap();
        let mut c = Cursor::new(&spec, None, None);
        assert!(matches!(c.check(&first), Ok(Verdict::Keep)));
        let state = c.finish();
        // The next run starts at the boundary (t = 2): the same record, keys reordered, is
        // not delivered again.
        let mut c = Cursor::new(&spec, Some(&state), None);
        assert!(!matches!(c.check(&again), Ok(Verdict::Keep)));
    }

    #[test]
    fn worked_example_of_the_reference() {
        let spec = IncrementalSpec::from_value(&json!({
            "cursor_path": "updated_at", "initial_value": "2024-01-02T00:00:00Z"
        }))
        .unwrap();
        let pk = json!("id");
        let rec = |id: i64, day: u32| json!({"id": id, "updated_at": format!("2024-01-{day:02}T00:00:00Z")});
        let run = |state: Option<&CursorState>, recs: &[Value]| {
            let mut c = Cursor::new(&spec, state, Some(&pk));
            let kept: Vec<i64> = recs
                .iter()
                .filter(|r| matches!(c.check(r), Ok(Verdict::Keep)))
                .map(|r| r["id"].as_i64().unwrap())
                .collect();
            (kept, c.finish())
        };
        let mut data = vec![rec(1, 1), rec(2, 2), rec(3, 3), rec(4, 3)];
        let (k, s1) = run(None, &data);
        assert_eq!(k, [2, 3, 4]);
        data.extend([rec(5, 3), rec(6, 4)]);
        let (k, s2) = run(Some(&s1), &data);
        assert_eq!(k, [5, 6]);
        let (k, s3) = run(Some(&s2), &data);
        assert!(k.is_empty());
        assert_eq!(s3.last_value, s2.last_value);
    }
}
