//! The range logic shared by [`OffsetPaginator`](super::OffsetPaginator) and
//! [`PageNumberPaginator`](super::PageNumberPaginator) (dlt's `RangePaginator`).

use serde_json::Value;

use super::{PathSetting, StopReason, Target, preview, read_has_more};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;
use crate::stop::SavedStop;

/// What a checkpoint keeps of a range walk.
#[derive(serde::Serialize, serde::Deserialize)]
struct RangeState {
    current: i64,
    has_next: bool,
    total: Option<i64>,
    stop: Option<SavedStop>,
    #[serde(default)]
    warned_missing_total: bool,
}

/// Settings and state of a range walk: a value that starts at `initial` and grows by `step`.
#[derive(Debug, Clone)]
pub(crate) struct Range {
    pub(crate) class: &'static str,
    /// What the total counts, for messages: `items` or `pages`.
    pub(crate) items: &'static str,
    /// The dlt name of the maximum setting: `maximum_offset` or `maximum_page`.
    pub(crate) maximum_name: &'static str,
    pub(crate) initial: i64,
    pub(crate) step: i64,
    pub(crate) base_index: i64,
    pub(crate) maximum: Option<i64>,
    pub(crate) total_path: PathSetting,
    pub(crate) has_more_path: PathSetting,
    pub(crate) stop_after_empty_page: bool,
    pub(crate) target: Target,
    // State of one walk.
    pub(crate) current: i64,
    has_next: bool,
    /// The total once seen: some APIs report it on the first page only (dlt#1414).
    total: Option<i64>,
    stop: Option<StopReason>,
    warned_missing_total: bool,
}

impl Range {
    pub(crate) fn new(
        class: &'static str,
        items: &'static str,
        maximum_name: &'static str,
        initial: i64,
        step: i64,
        target: Target,
    ) -> Self {
        Range {
            class,
            items,
            maximum_name,
            initial,
            step,
            base_index: 0,
            maximum: None,
            total_path: PathSetting::new("total_path", "total"),
            has_more_path: PathSetting::Unset,
            stop_after_empty_page: true,
            target,
            current: initial,
            has_next: true,
            total: None,
            stop: None,
            warned_missing_total: false,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.total_path.check(self.class)?;
        self.has_more_path.check(self.class)?;
        let no_stop = matches!(self.total_path, PathSetting::Unset)
            && self.maximum.is_none()
            && matches!(self.has_more_path, PathSetting::Unset)
            && !self.stop_after_empty_page;
        if no_stop {
            return Err(Error::invalid(
                self.class,
                "total_path",
                format!(
                    "One of `total_path`, `{}`, `has_more_path`, or `stop_after_empty_page` must be provided.",
                    self.maximum_name
                ),
            ));
        }
        if self.step <= 0 {
            return Err(Error::invalid(
                self.class,
                "limit",
                "must be greater than zero",
            ));
        }
        Ok(())
    }

    /// Whether a missing total can be tolerated because another rule can end the walk.
    fn other_stop_rule(&self) -> bool {
        self.stop_after_empty_page || self.maximum.is_some() || self.has_more_path.get().is_some()
    }

    pub(crate) fn init(&mut self) {
        self.current = self.initial;
        self.has_next = true;
        self.total = None;
        self.stop = None;
        self.warned_missing_total = false;
    }

    pub(crate) fn update_state(&mut self, response: &Response, records: usize) -> Result<()> {
        if self.stop_after_empty_page && records == 0 {
            if let Some(total) = self.total
                && self.current < total.saturating_add(self.base_index)
            {
                tracing::warn!(
                    paginator = self.class,
                    total,
                    "the walk stops on an empty page at {} {} although the API reported a total of {total} {}: \
                     the walk may be incomplete ({})",
                    if self.items == "pages" {
                        "page"
                    } else {
                        "offset"
                    },
                    self.current,
                    self.items,
                    response.redacted_url()
                );
            }
            self.finish(StopReason::EmptyPage);
            return Ok(());
        }
        if let Some(path) = self.total_path.get() {
            match response.field(path)?.as_deref() {
                Some(v) if !v.is_null() => {
                    self.total = Some(self.to_int(response, path.as_str(), v)?)
                }
                _ if self.total.is_some() => {}
                _ if self.other_stop_rule() => {
                    if !self.warned_missing_total {
                        self.warned_missing_total = true;
                        tracing::warn!(
                            paginator = self.class,
                            total_path = path.as_str(),
                            "total not found in the response from {}; the walk continues until another stop rule ends it",
                            response.redacted_url()
                        );
                    }
                }
                _ => {
                    return Err(response.unexpected(format!(
                        "Total `{}` not found in the response in `{}`: expected a response with a `{}` key, got `{}`. \
                         Set the right `total_path`, or a `{}`, `has_more_path` or `stop_after_empty_page` to end the walk without a total.",
                        self.items,
                        self.class,
                        path.as_str(),
                        preview(response.json()?, &|t| response.mask(t)),
                        self.maximum_name,
                    )));
                }
            }
        }
        // Saturating: an enormous total (or start) from the server must not overflow.
        self.current = self.current.saturating_add(self.step);
        if let Some(total) = self.total
            && self.current >= total.saturating_add(self.base_index)
        {
            self.finish(StopReason::TotalReached { total });
        } else if let Some(maximum) = self.maximum
            && self.current >= maximum
        {
            self.finish(StopReason::MaximumReached { maximum });
        }
        if let Some(path) = self.has_more_path.get()
            && !read_has_more(self.class, path, response)?
            && self.has_next
        {
            self.finish(StopReason::HasMoreFalse);
        }
        Ok(())
    }

    /// One step ahead without a response (see `Paginator::speculate`).
    pub(crate) fn speculate(&mut self) -> bool {
        if !self.has_next {
            return false;
        }
        self.current = self.current.saturating_add(self.step);
        let past_total = self
            .total
            .is_some_and(|t| self.current >= t.saturating_add(self.base_index));
        let past_maximum = self.maximum.is_some_and(|m| self.current >= m);
        if past_total || past_maximum {
            self.has_next = false;
        }
        self.has_next
    }

    fn finish(&mut self, reason: StopReason) {
        self.has_next = false;
        self.stop = Some(reason);
    }

    pub(crate) fn write(&self, request: &mut Request) -> Result<()> {
        self.target.write(request, Value::from(self.current))
    }

    pub(crate) fn has_next(&self) -> bool {
        self.has_next
    }

    pub(crate) fn stop_reason(&self) -> Option<StopReason> {
        self.stop.clone()
    }

    /// The state of the walk, for a checkpoint.
    pub(crate) fn checkpoint(&self) -> Option<Value> {
        super::write_state(&RangeState {
            current: self.current,
            has_next: self.has_next,
            total: self.total,
            stop: self.stop.as_ref().map(SavedStop::from),
            warned_missing_total: self.warned_missing_total,
        })
    }

    /// Puts back what [`checkpoint`](Self::checkpoint) saved.
    pub(crate) fn restore(&mut self, state: &Value) -> Result<()> {
        let s: RangeState = super::read_state(self.class, state)?;
        self.current = s.current;
        self.has_next = s.has_next;
        self.total = s.total;
        self.stop = s.stop.map(StopReason::from);
        self.warned_missing_total = s.warned_missing_total;
        Ok(())
    }

    /// The total seen so far (items or pages), if any.
    pub(crate) fn total(&self) -> Option<i64> {
        self.total
    }

    fn to_int(&self, response: &Response, path: &str, v: &Value) -> Result<i64> {
        let parsed = match v {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 9.0e18)
                    .map(|f| f.trunc() as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let total = parsed.ok_or_else(|| {
            response.unexpected(format!(
                "`{path}` is not an `int` in the response in `{}`: expected an integer, got `{}`",
                self.class,
                preview(v, &|t| response.mask(t))
            ))
        })?;
        // dlt would stop after this page on a negative total; that hides a broken response.
        if total < 0 {
            return Err(response.unexpected(format!(
                "`{path}` is negative in the response in `{}`: expected a number of {} (0 or more), got `{}`",
                self.class,
                self.items,
                preview(v, &|t| response.mask(t))
            )));
        }
        Ok(total)
    }

    /// Common keys of the `rest_api` description.
    pub(crate) fn describe_into(&self, map: &mut serde_json::Map<String, Value>) {
        map.insert(
            "total_path".into(),
            self.total_path
                .get()
                .map_or(Value::Null, |s| Value::from(s.as_str())),
        );
        if let Some(m) = self.maximum {
            map.insert(self.maximum_name.into(), Value::from(m));
        }
        if let Some(p) = self.has_more_path.get() {
            map.insert("has_more_path".into(), Value::from(p.as_str()));
        }
        map.insert(
            "stop_after_empty_page".into(),
            Value::from(self.stop_after_empty_page),
        );
    }
}

/// The builder methods the offset and page-number paginators share, with dlt's names; the
/// maximum differs only in name (`maximum_offset`, `maximum_page`).
macro_rules! range_setters {
    ($items:literal, $maximum:ident, $value:literal) => {
        #[doc = concat!("JSONPath of the total number of ", $items, " (default `\"total\"`).")]
        ///
        /// As with dlt's `int()`, the total may be an integer, a numeric string (`"30"`) or a
        /// number whose fraction is cut (`25.5` reads 25). Anything else, a negative total or one
        /// beyond `i64` is a [decode error](crate::Error::is_decode)
        /// naming the URL, and the page that carried it is not yielded.
        #[must_use]
        pub fn total_path(mut self, path: &str) -> Self {
            self.range.total_path = $crate::paginators::PathSetting::new("total_path", path);
            self
        }

        /// Reads no total (dlt's `total_path=None`); another stop rule must end the walk.
        #[must_use]
        pub fn without_total(mut self) -> Self {
            self.range.total_path = $crate::paginators::PathSetting::Unset;
            self
        }

        #[doc = concat!("Stop before the ", $value, " reaches this value.")]
        #[must_use]
        pub fn $maximum(mut self, maximum: i64) -> Self {
            self.range.maximum = Some(maximum);
            self
        }

        /// Stop when a page has no records (default true).
        #[must_use]
        pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
            self.range.stop_after_empty_page = stop;
            self
        }

        /// JSONPath of a boolean that is false on the last page.
        #[must_use]
        pub fn has_more_path(mut self, path: &str) -> Self {
            self.range.has_more_path = $crate::paginators::PathSetting::new("has_more_path", path);
            self
        }
    };
}
pub(crate) use range_setters;
