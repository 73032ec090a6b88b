//! Paginators: how to get from one page to the next.
//!
//! A paginator follows dlt's three steps, which the walk calls in this order:
//! [`init_request`](Paginator::init_request) once before the first request, then after every
//! response [`update_state`](Paginator::update_state) and
//! [`update_request`](Paginator::update_request), and it continues while
//! [`has_next_page`](Paginator::has_next_page) is true.
//!
#![doc = include_str!("../docs/paginators.md")]

mod cursor;
mod header_cursor;
mod header_link;
mod json_link;
mod offset;
mod page_number;
mod range;
mod single_page;

pub use cursor::JsonResponseCursorPaginator;
pub use header_cursor::HeaderCursorPaginator;
pub use header_link::HeaderLinkPaginator;
pub(crate) use header_link::find_link;
pub use json_link::JsonLinkPaginator;
pub use offset::OffsetPaginator;
pub use page_number::PageNumberPaginator;
pub use single_page::SinglePagePaginator;

use serde_json::Value;

use crate::error::Result;
use crate::request::Request;
use crate::response::Response;
use crate::stop::StopReason;

/// Drives a walk from one page to the next. See the [module docs](self) for an example.
pub trait Paginator: PaginatorClone + std::fmt::Debug + Send + Sync + 'static {
    /// Prepares the first request (e.g. sets `offset=0&limit=100`). Called once per walk.
    ///
    /// # Errors
    /// Whatever prevents the request from being prepared.
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        let _ = request;
        Ok(())
    }

    /// Reads the response (and the records selected from it) to decide whether and how to go on.
    ///
    /// # Errors
    /// A [decode error](crate::Error::is_decode) when the response lacks what the paginator
    /// needs (built with [`Response::unexpected`]), or [`Error::custom`](crate::Error::custom)
    /// for a failure of your own.
    fn update_state(&mut self, response: &Response, data: Option<&[Value]>) -> Result<()>;

    /// Edits the request into the next one. Called even when there is no next page.
    ///
    /// # Errors
    /// Whatever prevents the request from being edited.
    fn update_request(&mut self, request: &mut Request) -> Result<()>;

    /// Whether another request should be made.
    fn has_next_page(&self) -> bool;

    /// Optional, for speed: whether [`update_state`](Self::update_state) reads the records
    /// themselves (default true). A paginator that needs only how many records a page held
    /// returns false and implements [`update_state_counted`](Self::update_state_counted)
    /// instead; the walk then never builds `Value`s for it, and records stay the API's text
    /// from the response to the output. Every built-in paginator does this.
    fn reads_records(&self) -> bool {
        true
    }

    /// Optional, for speed: what [`update_state`](Self::update_state) does, for a paginator
    /// whose [`reads_records`](Self::reads_records) is false; `records` is how many records
    /// the page held.
    ///
    /// # Errors
    /// As [`update_state`](Self::update_state).
    fn update_state_counted(&mut self, response: &Response, records: usize) -> Result<()> {
        let _ = (response, records);
        Err(crate::Error::custom(
            "a paginator whose reads_records() is false must implement update_state_counted()",
        ))
    }

    /// Why there is no next page, once [`has_next_page`](Self::has_next_page) is false.
    fn stop_reason(&self) -> Option<StopReason> {
        None
    }

    /// Checks the settings; invalid settings fail when the client or walk is built.
    ///
    /// # Errors
    /// A [builder error](crate::Error::is_builder) naming the parameter.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// A description in dlt's `rest_api` form, e.g. `{"type": "offset", "limit": 100}`.
    fn describe(&self) -> Value {
        let name = std::any::type_name::<Self>();
        serde_json::json!({"type": "custom", "name": name.rsplit("::").next().unwrap_or(name)})
    }

    /// Optional, for concurrent walks: whether the next requests can be computed without the
    /// previous responses once the first response is known (true for offset and page-number
    /// walks). A paginator that returns true must implement [`speculate`](Self::speculate);
    /// the default (false) keeps every walk with this paginator serial.
    fn is_computable(&self) -> bool {
        false
    }

    /// Optional, for concurrent walks: moves this (copied) paginator one page ahead as if the
    /// current page were full, and edits `request` into the request after it. `Ok(false)` when
    /// no further page can be predicted (the total or maximum is reached, or the paginator
    /// cannot predict at all). The real paginator still decides, page by page, where the walk
    /// ends, and a speculated request it does not ask for is never used.
    ///
    /// # Errors
    /// Whatever prevents the request from being edited.
    fn speculate(&mut self, request: &mut Request) -> Result<bool> {
        let _ = request;
        Ok(false)
    }

    /// Optional, for [checkpoints](crate::Paginate::checkpoint): this paginator's state after
    /// the last page it processed, as JSON, or `None` (the default) when it cannot resume. A
    /// walk with a checkpoint and a paginator that returns `None` fails before its first
    /// request. Save only what [`update_state`](Self::update_state) changes (cursors, offsets,
    /// totals seen): the settings come from the code that builds the paginator again, and the
    /// next request itself (URL, parameters, body) is saved by the walk.
    ///
    /// ```
    /// use restclient::{Request, Response, Result, paginators::Paginator};
    /// use serde_json::{Value, json};
    ///
    /// #[derive(Debug, Clone)]
    /// struct QueryParamPaginator { page: u64, done: bool }
    ///
    /// impl Paginator for QueryParamPaginator {
    ///     fn update_state(&mut self, _: &Response, data: Option<&[Value]>) -> Result<()> {
    ///         self.done = data.is_none_or(<[Value]>::is_empty);
    ///         self.page += 1;
    ///         Ok(())
    ///     }
    ///     fn update_request(&mut self, request: &mut Request) -> Result<()> {
    ///         request.set_param("page", self.page);
    ///         Ok(())
    ///     }
    ///     fn has_next_page(&self) -> bool { !self.done }
    ///     // Opting in to checkpoints: two small methods.
    ///     fn checkpoint(&self) -> Option<Value> {
    ///         Some(json!({"page": self.page, "done": self.done}))
    ///     }
    ///     fn restore(&mut self, state: &Value) -> Result<()> {
    ///         self.page = state["page"].as_u64().ok_or_else(|| restclient::Error::custom("bad page"))?;
    ///         self.done = state["done"].as_bool().unwrap_or(false);
    ///         Ok(())
    ///     }
    /// }
    /// ```
    fn checkpoint(&self) -> Option<Value> {
        None
    }

    /// Optional, for [checkpoints](crate::Paginate::checkpoint): puts back the state
    /// [`checkpoint`](Self::checkpoint) returned. Called after
    /// [`init_request`](Self::init_request) when a walk resumes, instead of sending the first
    /// request again.
    ///
    /// # Errors
    /// A state this paginator cannot read (the default: every state, as the default
    /// `checkpoint` saves none).
    fn restore(&mut self, state: &Value) -> Result<()> {
        let _ = state;
        Err(crate::Error::custom(
            "this paginator cannot resume from a checkpoint (it does not implement restore())",
        ))
    }
}

/// Cloning into a box, so that a paginator can serve as a template. Implemented for every
/// `Paginator + Clone`; derive `Clone` on your paginator.
pub trait PaginatorClone {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Paginator>;
}

impl<T: Paginator + Clone> PaginatorClone for T {
    fn clone_box(&self) -> Box<dyn Paginator> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Paginator> {
    fn clone(&self) -> Self {
        self.as_ref().clone_box()
    }
}

/// A paginator chosen at run time (e.g. built from a config) can be given wherever a
/// paginator is.
impl Paginator for Box<dyn Paginator> {
    fn init_request(&mut self, request: &mut Request) -> Result<()> {
        (**self).init_request(request)
    }
    fn update_state(&mut self, response: &Response, data: Option<&[Value]>) -> Result<()> {
        (**self).update_state(response, data)
    }
    fn update_request(&mut self, request: &mut Request) -> Result<()> {
        (**self).update_request(request)
    }
    fn has_next_page(&self) -> bool {
        (**self).has_next_page()
    }
    fn reads_records(&self) -> bool {
        (**self).reads_records()
    }
    fn update_state_counted(&mut self, response: &Response, records: usize) -> Result<()> {
        (**self).update_state_counted(response, records)
    }
    fn stop_reason(&self) -> Option<StopReason> {
        (**self).stop_reason()
    }
    fn validate(&self) -> Result<()> {
        (**self).validate()
    }
    fn describe(&self) -> Value {
        (**self).describe()
    }
    fn is_computable(&self) -> bool {
        (**self).is_computable()
    }
    fn speculate(&mut self, request: &mut Request) -> Result<bool> {
        (**self).speculate(request)
    }
    fn checkpoint(&self) -> Option<Value> {
        (**self).checkpoint()
    }
    fn restore(&mut self, state: &Value) -> Result<()> {
        (**self).restore(state)
    }
}

/// A built-in paginator's state read back from a checkpoint; a state of another shape is a
/// [builder error](crate::Error::is_builder) naming the paginator.
pub(crate) fn read_state<T: serde::de::DeserializeOwned>(
    class: &'static str,
    state: &Value,
) -> Result<T> {
    T::deserialize(state).map_err(|e| {
        crate::Error::invalid(
            class,
            "checkpoint state",
            format!("{e}: the checkpoint was not written by this paginator"),
        )
    })
}

/// A built-in paginator's state as JSON (plain data: it cannot fail to serialize).
pub(crate) fn write_state<T: serde::Serialize>(state: &T) -> Option<Value> {
    serde_json::to_value(state).ok()
}

/// Where a paginator writes a value: a query parameter or a dot-separated path in the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Query(String),
    Body(Vec<String>),
}

impl Target {
    pub(crate) fn write(&self, request: &mut Request, value: Value) -> Result<()> {
        match self {
            Target::Query(name) => {
                match value {
                    Value::String(s) => request.set_param(name.clone(), s),
                    other => request.set_param(name.clone(), other),
                }
                Ok(())
            }
            Target::Body(path) => request.set_json_path(path, value),
        }
    }

    pub(crate) fn describe(&self) -> (String, Value) {
        match self {
            Target::Query(n) => ("param".into(), Value::from(n.clone())),
            Target::Body(p) => ("body_path".into(), Value::from(p.join("."))),
        }
    }
}

/// Resolves dlt's "a param name or a body path, not both" rule.
pub(crate) fn choose_target(
    component: &'static str,
    param_name: &str,
    param: Option<&str>,
    body_name: &str,
    body: Option<&str>,
    default: &str,
) -> Result<Target> {
    let both_msg = || format!("Either '{param_name}' or '{body_name}' must be provided, not both.");
    match (param, body) {
        (None, None) => Ok(Target::Query(default.to_owned())),
        (Some(p), None) if !p.is_empty() => Ok(Target::Query(p.to_owned())),
        (None, Some(b)) if !b.is_empty() => {
            let path: Vec<String> = b.split('.').map(str::to_owned).collect();
            if path.iter().any(String::is_empty) {
                return Err(crate::Error::invalid(
                    component,
                    body_name,
                    format!("`{b}` has an empty step"),
                ));
            }
            Ok(Target::Body(path))
        }
        (Some(_), None) => Err(crate::Error::invalid(
            component,
            param_name,
            "must not be empty",
        )),
        (None, Some(_)) => Err(crate::Error::invalid(
            component,
            body_name,
            "must not be empty",
        )),
        (Some(_), Some(_)) => Err(crate::Error::invalid(
            component,
            format!("{param_name}/{body_name}"),
            both_msg(),
        )),
    }
}

/// A JSONPath setting compiled when set; an invalid one is reported by `validate`.
#[derive(Debug, Clone)]
pub(crate) enum PathSetting {
    Unset,
    Set(crate::selector::Selector),
    Invalid(String, String),
}

impl PathSetting {
    pub(crate) fn new(parameter: &str, path: &str) -> Self {
        match crate::selector::Selector::for_parameter(parameter, path) {
            Ok(s) => PathSetting::Set(s),
            Err(e) => PathSetting::Invalid(parameter.to_owned(), e.to_string()),
        }
    }

    pub(crate) fn get(&self) -> Option<&crate::selector::Selector> {
        match self {
            PathSetting::Set(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn check(&self, component: &'static str) -> Result<()> {
        match self {
            PathSetting::Invalid(p, reason) => {
                Err(crate::Error::invalid(component, p.clone(), reason.clone()))
            }
            _ => Ok(()),
        }
    }
}

/// Short text of a JSON value for messages: masked by `mask` first, then cut, so that a cut
/// never leaves part of a secret behind.
pub(crate) fn preview(value: &Value, mask: &dyn Fn(&str) -> String) -> String {
    crate::redact::clip(&mask(&value.to_string()), crate::redact::MAX_QUOTED).into_owned()
}

/// Parses a has_more value as dlt does.
pub(crate) fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "t" | "y" | "1" => Some(true),
            "no" | "false" | "f" | "n" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Reads `has_more_path`; missing, null or non-boolean values are errors naming the path.
pub(crate) fn read_has_more(
    class: &str,
    path: &crate::selector::Selector,
    response: &Response,
) -> Result<bool> {
    match response.field(path)?.as_deref() {
        None | Some(Value::Null) => Err(response.unexpected(format!(
            "has_more value not found in the response in `{class}`: expected a response with a `{}` key, got `{}`",
            path.as_str(),
            preview(response.json()?, &|t| response.mask(t))
        ))),
        Some(v) => parse_bool(v).ok_or_else(|| {
            response.unexpected(format!("`{}` is not a `bool` in the response in `{class}`: got `{}`", path.as_str(), preview(v, &|t| response.mask(t))))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_masks_before_it_cuts() {
        // A secret across the cut: cut first, and its first half would be shown.
        let secret = "s3cret-value-0123456789";
        let v = Value::String(format!("{}{secret}{}", "a".repeat(190), "b".repeat(500)));
        let shown = preview(&v, &|t: &str| t.replace(secret, "***"));
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(
            shown.contains("***") && shown.contains("more bytes"),
            "{shown}"
        );
    }
}
