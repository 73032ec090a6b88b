#![doc = include_str!("../docs/auth.md")]

mod api_key;
mod basic;
mod bearer;
mod oauth2;
mod secret;

pub use api_key::{ApiKeyAuth, ApiKeyLocation};
pub use basic::HttpBasicAuth;
pub use bearer::BearerTokenAuth;
pub use oauth2::{
    ClientAuthMethod, OAuth2ClientCredentials, OAuth2ClientCredentialsBuilder, TokenRequest,
};
pub use secret::Secret;

#[cfg(fuzzing)]
pub(crate) use oauth2::fuzz_token_response;

use futures::future::BoxFuture;

use crate::error::Result;
use crate::request::Request;

/// Signs requests. See the [module docs](self) for a custom example.
pub trait Auth: std::fmt::Debug + Send + Sync + 'static {
    /// Makes credentials ready before a request is signed, e.g. fetches or refreshes a token.
    /// Called before every [`apply`](Self::apply); cheap when nothing needs doing.
    ///
    /// # Errors
    /// an [auth error](crate::Error::is_auth) when the credentials cannot be obtained.
    fn prepare(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Adds the credentials to the request (a header, a query parameter or a cookie).
    ///
    /// `request` carries the method, the URL and the headers of the request being sent, so an
    /// auth can merge with them (as [`ApiKeyAuth`] does with an existing `Cookie`). Headers
    /// the auth sets or changes are marked sensitive and never leave the credentials' origin;
    /// query parameters it adds are appended to the URL of this request only.
    ///
    /// # Errors
    /// Whatever prevents signing, e.g. an invalid header value.
    fn apply(&self, request: &mut Request) -> Result<()>;

    /// Called after the API answered 401 to a signed request. Return `true` when the
    /// credentials were renewed and the request is worth one more try; restclient calls this
    /// at most once per request, so a server that keeps answering 401 gets one retry.
    ///
    /// `rejected` is the request as [`apply`](Self::apply) signed it (its headers and
    /// parameters hold the credentials the server refused), so that concurrent requests
    /// refused for the same token renew it once: an auth whose credentials have changed since
    /// can answer `true` without renewing them again.
    ///
    /// # Errors
    /// an [auth error](crate::Error::is_auth) when renewing fails.
    fn on_unauthorized<'a>(&'a self, rejected: &'a Request) -> BoxFuture<'a, Result<bool>> {
        let _ = rejected;
        Box::pin(std::future::ready(Ok(false)))
    }

    /// The secret values this auth sends, so that they are masked wherever restclient writes
    /// text (logs, errors, Debug). Read when a client is built and when a call starts; an auth
    /// whose secrets change (a fetched token) returns the current ones.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}

macro_rules! forward_auth {
    ($($wrapper:ident),*) => {$(
        /// Forwards to the wrapped auth, so that an auth chosen at run time
        /// (`Box<dyn Auth>`, `Arc<dyn Auth>`) can be given to a client or a call.
        impl<A: Auth + ?Sized> Auth for $wrapper<A> {
            fn prepare(&self) -> BoxFuture<'_, Result<()>> {
                (**self).prepare()
            }
            fn apply(&self, request: &mut Request) -> Result<()> {
                (**self).apply(request)
            }
            fn on_unauthorized<'a>(&'a self, rejected: &'a Request) -> BoxFuture<'a, Result<bool>> {
                (**self).on_unauthorized(rejected)
            }
            fn secrets(&self) -> Vec<String> {
                (**self).secrets()
            }
        }
    )*};
}

use std::sync::Arc;
forward_auth!(Box, Arc);
