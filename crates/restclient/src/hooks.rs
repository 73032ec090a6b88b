//! Response hooks: closures that see every response of a walk.

use std::sync::Arc;

use crate::request::Request;
use crate::response::Response;

/// What a response hook decides about a response.
///
#[doc = include_str!("docs/hooks.md")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookAction {
    /// Carry on; the status is still checked (a status ≥ 400 ends the walk with an error).
    Continue,
    /// Accept this response whatever its status: its records are selected as usual.
    Accept,
    /// End the walk quietly, yielding nothing for this response (dlt's
    /// `IgnoreResponseException`).
    Ignore,
}

/// A response hook: any `Fn(&Response) -> HookAction`, given to
/// [`Paginate::hook`](crate::Paginate::hook), or one that also reads the request that got the
/// response ([`Paginate::hook_with_request`](crate::Paginate::hook_with_request)).
#[derive(Clone)]
pub(crate) struct Hook(Arc<HookFn>);

/// What every hook is, once wrapped.
type HookFn = dyn Fn(&Response, &Request) -> HookAction + Send + Sync;

impl Hook {
    pub(crate) fn new(f: impl Fn(&Response) -> HookAction + Send + Sync + 'static) -> Self {
        Hook(Arc::new(move |response, _| f(response)))
    }

    pub(crate) fn with_request(
        f: impl Fn(&Response, &Request) -> HookAction + Send + Sync + 'static,
    ) -> Self {
        Hook(Arc::new(f))
    }

    pub(crate) fn call(&self, response: &Response, request: &Request) -> HookAction {
        (self.0)(response, request)
    }
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook(..)")
    }
}
