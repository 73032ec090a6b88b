//! Response hooks: closures that see every response of a walk.

use std::sync::Arc;

use crate::response::Response;

/// What a hook decides about a response.
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

/// A response hook. Built from any `Fn(&Response) -> HookAction`.
///
/// ```
/// use restclient::hooks::{Hook, HookAction};
/// use restclient::StatusCode;
/// // The seed's example: a 404 means "no data", not an error.
/// let ignore_404 = Hook::new(|r| if r.status() == StatusCode::NOT_FOUND { HookAction::Ignore } else { HookAction::Continue });
/// ```
#[derive(Clone)]
pub struct Hook(Arc<dyn Fn(&Response) -> HookAction + Send + Sync>);

impl Hook {
    /// Wraps a closure.
    pub fn new(f: impl Fn(&Response) -> HookAction + Send + Sync + 'static) -> Self {
        Hook(Arc::new(f))
    }

    pub(crate) fn call(&self, response: &Response) -> HookAction {
        (self.0)(response)
    }
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook(..)")
    }
}

impl<F> From<F> for Hook
where
    F: Fn(&Response) -> HookAction + Send + Sync + 'static,
{
    fn from(f: F) -> Self {
        Hook::new(f)
    }
}
