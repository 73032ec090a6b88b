//! [`BearerTokenAuth`].

use super::{Auth, Secret};
use crate::error::Result;
use crate::request::Request;

/// Sends `Authorization: Bearer <token>`.
///
/// ```
/// use restclient::auth::BearerTokenAuth;
/// let auth = BearerTokenAuth::new("my-token");
/// assert!(!format!("{auth:?}").contains("my-token"));
/// ```
#[derive(Debug, Clone)]
pub struct BearerTokenAuth {
    token: Secret,
}

impl BearerTokenAuth {
    /// An auth sending `token`.
    #[must_use]
    pub fn new(token: impl Into<Secret>) -> Self {
        BearerTokenAuth {
            token: token.into(),
        }
    }
}

impl Auth for BearerTokenAuth {
    fn apply(&self, request: &mut Request) -> Result<()> {
        request.set_header("Authorization", &format!("Bearer {}", self.token.expose()))
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.token.expose().to_owned()]
    }
}
