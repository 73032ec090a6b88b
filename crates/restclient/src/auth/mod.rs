//! Authentication: how a request is signed.
//!
//! An [`Auth`] signs each request restclient sends, on every attempt. Credentials are bound to
//! the origin (scheme, host and port) of the client's base URL: a next link or redirect to
//! another origin, or from https to http, is sent without them.
//!
//! Writing your own takes one method:
//!
//! ```
//! use restclient::auth::Auth;
//! use restclient::{Request, Result};
//!
//! /// Sends `Authorization: Custom <token>`.
//! #[derive(Debug)]
//! struct CustomAuth { token: String }
//!
//! impl Auth for CustomAuth {
//!     fn apply(&self, request: &mut Request) -> Result<()> {
//!         request.set_header("Authorization", &format!("Custom {}", self.token))
//!     }
//!     fn secrets(&self) -> Vec<String> { vec![self.token.clone()] }
//! }
//! ```

mod bearer;
mod secret;

pub use bearer::BearerTokenAuth;
pub use secret::Secret;

use futures::future::BoxFuture;

use crate::error::Result;
use crate::request::Request;

/// Signs requests. See the [module docs](self) for a custom example.
pub trait Auth: std::fmt::Debug + Send + Sync + 'static {
    /// Makes credentials ready before a request is signed, e.g. fetches or refreshes a token.
    /// Called before every [`apply`](Self::apply); cheap when nothing needs doing.
    ///
    /// # Errors
    /// [`Error::Auth`](crate::Error::Auth) when the credentials cannot be obtained.
    fn prepare(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Adds the credentials to the request (a header, a query parameter or a cookie).
    ///
    /// # Errors
    /// Whatever prevents signing, e.g. an invalid header value.
    fn apply(&self, request: &mut Request) -> Result<()>;

    /// Called after the API answered 401 to a signed request. Return `true` when the
    /// credentials were renewed and the request is worth one more try.
    fn on_unauthorized(&self) -> BoxFuture<'_, Result<bool>> {
        Box::pin(std::future::ready(Ok(false)))
    }

    /// The secret values this auth sends, so that they are masked wherever restclient writes
    /// text (logs, errors, Debug).
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}
