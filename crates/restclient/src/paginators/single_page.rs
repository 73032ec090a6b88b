//! [`SinglePagePaginator`].

use serde_json::Value;

use super::{Paginator, StopReason};
use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

/// One request, one page: for endpoints that are not paginated.
///
/// ```
/// use restclient::paginators::{Paginator, SinglePagePaginator};
/// assert!(SinglePagePaginator::new().has_next_page()); // until the first response
/// ```
#[derive(Debug, Clone)]
pub struct SinglePagePaginator {
    done: bool,
}

impl Default for SinglePagePaginator {
    fn default() -> Self {
        Self::new()
    }
}

impl SinglePagePaginator {
    /// A fresh single-page paginator.
    #[must_use]
    pub fn new() -> Self {
        SinglePagePaginator { done: false }
    }
}

impl Paginator for SinglePagePaginator {
    fn init_request(&mut self, _request: &mut Request) -> Result<()> {
        self.done = false;
        Ok(())
    }

    fn reads_records(&self) -> bool {
        false
    }

    fn update_state_counted(&mut self, response: &Response, _records: usize) -> Result<()> {
        self.update_state(response, None)
    }

    fn update_state(&mut self, _response: &Response, _data: Option<&[Value]>) -> Result<()> {
        self.done = true;
        Ok(())
    }

    fn update_request(&mut self, _request: &mut Request) -> Result<()> {
        Ok(())
    }

    fn has_next_page(&self) -> bool {
        !self.done
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.done.then_some(StopReason::SinglePage)
    }

    fn checkpoint(&self) -> Option<Value> {
        Some(serde_json::json!({"done": self.done}))
    }

    fn restore(&mut self, state: &Value) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct State {
            done: bool,
        }
        let s: State = super::read_state("SinglePagePaginator", state)?;
        self.done = s.done;
        Ok(())
    }

    fn describe(&self) -> Value {
        serde_json::json!({"type": "single_page"})
    }
}
