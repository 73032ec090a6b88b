//! [`HttpBasicAuth`].

use base64::prelude::{BASE64_STANDARD, Engine as _};

use super::{Auth, Secret};
use crate::error::Result;
use crate::request::Request;

/// Sends `Authorization: Basic base64(username:password)` (dlt's `HttpBasicAuth`).
///
/// ```
/// use restclient::auth::{Auth, HttpBasicAuth};
/// use restclient::{Method, Request};
///
/// let auth = HttpBasicAuth::new("user", "password");
/// let mut req = Request::new(Method::GET, "https://api.example.com/".parse().unwrap());
/// auth.apply(&mut req).unwrap();
/// assert_eq!(req.headers()["authorization"], "Basic dXNlcjpwYXNzd29yZA==");
///
/// let auth = HttpBasicAuth::new("user", "hunter2");
/// assert!(!format!("{auth:?}").contains("hunter2"));
///
/// // From a pair, as dlt accepts a two-item sequence:
/// let auth: HttpBasicAuth = ("user", "password").into();
///
/// // An API key as the user name, with an empty password (Freshdesk, Chargebee): the name is
/// // then the secret, and Debug hides it too.
/// let auth = HttpBasicAuth::new("k3y-as-user", "");
/// assert!(!format!("{auth:?}").contains("k3y-as-user"));
/// ```
#[derive(Clone)]
pub struct HttpBasicAuth {
    username: String,
    password: Secret,
    /// `Basic <base64>`, computed once.
    header: Secret,
}

impl HttpBasicAuth {
    /// An auth sending `username` and `password`.
    #[must_use]
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        let username = username.into();
        let password = password.into();
        let encoded = BASE64_STANDARD.encode(format!("{username}:{}", password.expose()));
        HttpBasicAuth {
            username,
            password,
            header: Secret::new(format!("Basic {encoded}")),
        }
    }

    /// The user name.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl std::fmt::Debug for HttpBasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let username: &dyn std::fmt::Debug = if self.password.expose().is_empty() {
            &"***"
        } else {
            &self.username
        };
        f.debug_struct("HttpBasicAuth")
            .field("username", username)
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}

impl<U: Into<String>, P: Into<Secret>> From<(U, P)> for HttpBasicAuth {
    fn from((username, password): (U, P)) -> Self {
        HttpBasicAuth::new(username, password)
    }
}

impl Auth for HttpBasicAuth {
    fn apply(&self, request: &mut Request) -> Result<()> {
        request.set_header("Authorization", self.header.expose())
    }

    fn secrets(&self) -> Vec<String> {
        let encoded = self.header.expose().trim_start_matches("Basic ").to_owned();
        if self.password.expose().is_empty() {
            // An API key sent as the user name (Freshdesk, Chargebee): the name is the secret.
            return vec![self.username.clone(), encoded];
        }
        vec![self.password.expose().to_owned(), encoded]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn with_an_empty_password_the_user_name_is_the_secret() {
        let auth = HttpBasicAuth::new("key-as-user", "");
        assert_eq!(auth.secrets(), ["key-as-user", "a2V5LWFzLXVzZXI6"]);
    }

    #[test]
    fn secrets_cover_the_password_and_its_encoding() {
        let auth = HttpBasicAuth::new("user", "password");
        assert_eq!(auth.secrets(), ["password", "dXNlcjpwYXNzd29yZA=="]);
        let shown = format!("{auth:?}");
        assert!(!shown.contains("dXNlcjpwYXNzd29yZA=="), "{shown}");
        assert!(shown.contains("user"), "{shown}");
    }
}
