//! [`AuthSpec`]: dlt's auth dict.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{SpecError, deserialize_via_from_value, from_value, split_type};
use crate::auth::{
    ApiKeyAuth, ApiKeyLocation, Auth, BearerTokenAuth, ClientAuthMethod, HttpBasicAuth,
    OAuth2ClientCredentials,
};
use crate::error::Result;

const TYPES: &str = "bearer, api_key, http_basic, oauth2_client_credentials";

/// An auth in dlt's `rest_api` form: a dict whose `type` defaults to `bearer`, or a type name.
///
/// `Debug` shows no credential. Credentials must not be empty: an empty token is refused
/// here rather than sent as `Authorization: Bearer `. The one exception is dlt's: `http_basic`
/// takes an empty password, for APIs whose key is the user name (Freshdesk, Chargebee); then
/// the user name is the credential, and must not be empty.
///
/// ```
/// use restclient::spec::AuthSpec;
/// let spec = AuthSpec::from_value(&serde_json::json!({"token": "t0k3n"}))?;
/// assert!(matches!(spec, AuthSpec::Bearer(_)));
/// assert!(!format!("{spec:?}").contains("t0k3n"));
/// let _auth = spec.build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthSpec {
    /// `bearer`: `Authorization: Bearer <token>`.
    Bearer(BearerSpec),
    /// `api_key`: a key in a header, query parameter or cookie.
    ApiKey(ApiKeySpec),
    /// `http_basic`.
    HttpBasic(HttpBasicSpec),
    /// `oauth2_client_credentials`.
    OAuth2ClientCredentials(OAuth2ClientCredentialsSpec),
}

/// The keys of `bearer`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BearerSpec {
    /// The token.
    pub token: String,
}

/// The keys of `api_key`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiKeySpec {
    /// The header, parameter or cookie name (default `Authorization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The key.
    pub api_key: String,
    /// Where the key goes (default `header`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<KeyLocationSpec>,
}

/// `location` of `api_key`: dlt's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum KeyLocationSpec {
    /// A header.
    Header,
    /// A query parameter.
    Query,
    /// A query parameter (dlt's other spelling).
    Param,
    /// A cookie.
    Cookie,
}

/// The keys of `http_basic`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HttpBasicSpec {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// The keys of `oauth2_client_credentials`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuth2ClientCredentialsSpec {
    /// The token endpoint.
    pub access_token_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// Extra form fields of the token request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_request_data: Option<serde_json::Map<String, Value>>,
    /// The token lifetime in seconds when the response has no `expires_in` (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_token_expiration: Option<u64>,
    /// How the client authenticates to the token endpoint (default `client_secret_post`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth_method: Option<ClientAuthMethodSpec>,
}

/// `client_auth_method` of `oauth2_client_credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientAuthMethodSpec {
    /// The credentials in the form body (dlt's way).
    ClientSecretPost,
    /// The credentials in an `Authorization: Basic` header.
    ClientSecretBasic,
}

macro_rules! masked_debug {
    ($ty:ident { $($shown:ident),* ; $($masked:ident),* }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($masked), &"***"))*
                    .finish()
            }
        }
    };
}
masked_debug!(BearerSpec { ; token });
masked_debug!(ApiKeySpec { name, location ; api_key });
// With an empty password, the user name is the key: masked too.
impl std::fmt::Debug for HttpBasicSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let username: &dyn std::fmt::Debug = if self.password.is_empty() {
            &"***"
        } else {
            &self.username
        };
        f.debug_struct("HttpBasicSpec")
            .field("username", username)
            .field("password", &"***")
            .finish()
    }
}
masked_debug!(OAuth2ClientCredentialsSpec { access_token_url, client_id, default_token_expiration, client_auth_method ; client_secret, access_token_request_data });

impl AuthSpec {
    /// Reads dlt's form from a JSON value; errors name the key path and never show a value.
    ///
    /// # Errors
    /// A [`SpecError`] for an unknown type, an unknown key, a missing or empty credential, or a
    /// value of the wrong type.
    pub fn from_value(value: &Value) -> Result<Self, SpecError> {
        let (kind, rest) = split_type(value, "bearer")?;
        let rest = Value::Object(rest);
        let spec = match kind.as_str() {
            "bearer" => AuthSpec::Bearer(from_value(rest)?),
            "api_key" => AuthSpec::ApiKey(from_value(rest)?),
            "http_basic" => AuthSpec::HttpBasic(from_value(rest)?),
            "oauth2_client_credentials" => AuthSpec::OAuth2ClientCredentials(from_value(rest)?),
            // The name is not echoed: a token pasted where the SPEC belongs lands here.
            _ => {
                return Err(SpecError::new(
                    "type",
                    format!("unknown auth type; expected one of {TYPES}"),
                ));
            }
        };
        for (key, value) in spec.credentials() {
            if value.is_empty() {
                let why = match key {
                    "username" => "must not be empty when `password` is (then it is the key)",
                    _ => "must not be empty",
                };
                return Err(SpecError::new(key, why));
            }
        }
        Ok(spec)
    }

    /// The type name, as dlt spells it.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthSpec::Bearer(_) => "bearer",
            AuthSpec::ApiKey(_) => "api_key",
            AuthSpec::HttpBasic(_) => "http_basic",
            AuthSpec::OAuth2ClientCredentials(_) => "oauth2_client_credentials",
        }
    }

    /// The credential keys and their values (`token`, `api_key`, `password`, `client_secret`;
    /// `username` when the password is empty: an API key sent as the user name).
    fn credentials(&self) -> Vec<(&'static str, &str)> {
        match self {
            AuthSpec::Bearer(s) => vec![("token", &s.token)],
            AuthSpec::ApiKey(s) => vec![("api_key", &s.api_key)],
            AuthSpec::HttpBasic(s) if s.password.is_empty() => vec![("username", &s.username)],
            AuthSpec::HttpBasic(s) => vec![("password", &s.password)],
            AuthSpec::OAuth2ClientCredentials(s) => vec![("client_secret", &s.client_secret)],
        }
    }

    /// The secret values this auth will send, to be masked wherever text is shown.
    #[must_use]
    pub fn secrets(&self) -> Vec<String> {
        self.credentials()
            .into_iter()
            .map(|(_, v)| v.to_owned())
            .collect()
    }

    /// Builds the auth.
    ///
    /// # Errors
    /// The auth's own validation, e.g. an `access_token_url` that is not a URL.
    pub fn build(&self) -> Result<Arc<dyn Auth>> {
        Ok(match self {
            AuthSpec::Bearer(s) => Arc::new(BearerTokenAuth::new(s.token.clone())),
            AuthSpec::ApiKey(s) => {
                let mut a = ApiKeyAuth::new(s.api_key.clone());
                if let Some(name) = &s.name {
                    a = a.name(name.clone());
                }
                if let Some(location) = s.location {
                    a = a.location(match location {
                        KeyLocationSpec::Header => ApiKeyLocation::Header,
                        KeyLocationSpec::Query | KeyLocationSpec::Param => ApiKeyLocation::Query,
                        KeyLocationSpec::Cookie => ApiKeyLocation::Cookie,
                    });
                }
                Arc::new(a)
            }
            AuthSpec::HttpBasic(s) => {
                Arc::new(HttpBasicAuth::new(s.username.clone(), s.password.clone()))
            }
            AuthSpec::OAuth2ClientCredentials(s) => {
                let mut b = OAuth2ClientCredentials::builder(
                    &s.access_token_url,
                    s.client_id.clone(),
                    s.client_secret.clone(),
                );
                if let Some(data) = &s.access_token_request_data {
                    b = b.access_token_request_data(data.iter().map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    }));
                }
                if let Some(secs) = s.default_token_expiration {
                    b = b.default_token_expiration(Duration::from_secs(secs));
                }
                if let Some(m) = s.client_auth_method {
                    b = b.client_auth_method(match m {
                        ClientAuthMethodSpec::ClientSecretPost => {
                            ClientAuthMethod::ClientSecretPost
                        }
                        ClientAuthMethodSpec::ClientSecretBasic => {
                            ClientAuthMethod::ClientSecretBasic
                        }
                    });
                }
                Arc::new(b.build()?)
            }
        })
    }

    /// Back to dlt's form, credentials included (it is the caller's to keep it private).
    #[must_use]
    pub fn to_value(&self) -> Value {
        let keys = match self {
            AuthSpec::Bearer(s) => serde_json::to_value(s),
            AuthSpec::ApiKey(s) => serde_json::to_value(s),
            AuthSpec::HttpBasic(s) => serde_json::to_value(s),
            AuthSpec::OAuth2ClientCredentials(s) => serde_json::to_value(s),
        };
        let mut out = serde_json::Map::new();
        out.insert("type".into(), self.type_name().into());
        if let Ok(Value::Object(map)) = keys {
            out.extend(map);
        }
        Value::Object(out)
    }
}

deserialize_via_from_value!(AuthSpec);

impl Serialize for AuthSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl std::str::FromStr for AuthSpec {
    type Err = SpecError;

    /// A JSON dict (or a type name); a syntax error says where, never what was written.
    fn from_str(text: &str) -> Result<Self, SpecError> {
        AuthSpec::from_value(&super::parse_text(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_dicts_build() {
        let good = [
            json!({"type": "bearer", "token": "t"}),
            json!({"token": "t"}),
            json!({"type": "api_key", "api_key": "k"}),
            json!({"type": "api_key", "name": "X-Key", "api_key": "k", "location": "header"}),
            json!({"type": "api_key", "name": "key", "api_key": "k", "location": "query"}),
            json!({"type": "api_key", "name": "key", "api_key": "k", "location": "param"}),
            json!({"type": "api_key", "name": "key", "api_key": "k", "location": "cookie"}),
            json!({"type": "http_basic", "username": "u", "password": "p"}),
            json!({"type": "http_basic", "username": "api-key-as-user", "password": ""}),
            json!({"type": "http_basic", "username": "", "password": "token-as-password"}),
            json!({"type": "oauth2_client_credentials", "access_token_url": "https://a/token",
                   "client_id": "c", "client_secret": "s", "access_token_request_data": {"scope": "x", "n": 1},
                   "default_token_expiration": 60, "client_auth_method": "client_secret_basic"}),
        ];
        for c in good {
            let spec = AuthSpec::from_value(&c).unwrap_or_else(|e| panic!("{c}: {e}"));
            spec.build().unwrap_or_else(|e| panic!("{c}: {e}"));
            assert_eq!(AuthSpec::from_value(&spec.to_value()).unwrap(), spec);
        }
    }

    #[test]
    fn bad_dicts_name_the_key_and_hide_the_value() {
        let bad = [
            (json!("bearer"), "token: is required"),
            (
                json!({"type": "bearer", "token": ""}),
                "token: must not be empty",
            ),
            (
                json!({"type": "bearer", "token": 12345}),
                "token: expected a string, got an integer",
            ),
            (
                json!({"type": "bearer", "tokn": "s3cr3t"}),
                "tokn: unknown key; expected",
            ),
            (
                json!({"type": "s3cr3t"}),
                "type: unknown auth type; expected one of bearer, api_key",
            ),
            (
                json!({"type": "api_key", "api_key": "k", "location": "s3cr3t"}),
                "location: unexpected value; expected one of `header`",
            ),
            (
                json!({"type": "http_basic", "username": "u"}),
                "password: is required",
            ),
            (
                json!({"type": "http_basic", "username": "", "password": ""}),
                "username: must not be empty when `password` is",
            ),
            (
                json!({"type": "oauth2_client_credentials", "access_token_url": "u", "client_id": "c",
                    "client_secret": "s", "default_token_expiration": "s3cr3t"}),
                "default_token_expiration: expected an integer, got a string",
            ),
            (
                json!({"type": "oauth2_client_credentials", "access_token_url": "u", "client_id": "c",
                    "client_secret": "s", "client_auth_method": "s3cr3t"}),
                "client_auth_method: unexpected value; expected `client_secret_post`",
            ),
            (
                json!(["s3cr3t"]),
                "expected a type name or an object, got an array",
            ),
        ];
        for (c, want) in bad {
            let e = AuthSpec::from_value(&c).unwrap_err().to_string();
            assert!(e.starts_with(want), "{c}: got `{e}`, want `{want}…`");
            assert!(!e.contains("s3cr3t"), "{c}: value echoed: {e}");
        }
        let e = r#"{"type":"bearer","token":"s3cr3t""#.parse::<AuthSpec>().unwrap_err();
        assert_eq!(e.to_string(), "not valid JSON at line 1 column 33");
    }

    #[test]
    fn debug_masks_credentials() {
        let spec = AuthSpec::from_value(&json!({"type": "oauth2_client_credentials",
            "access_token_url": "https://a/t", "client_id": "c", "client_secret": "s3cr3t",
            "access_token_request_data": {"audience": "s3cr3t-too"}}))
        .unwrap();
        let shown = format!("{spec:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("https://a/t"),
            "{shown}"
        );
        assert_eq!(spec.secrets(), vec!["s3cr3t".to_owned()]);
        // An API key as the user name, with an empty password: the name is the secret.
        let spec = AuthSpec::from_value(
            &json!({"type": "http_basic", "username": "k3y-as-user", "password": ""}),
        )
        .unwrap();
        assert!(!format!("{spec:?}").contains("k3y-as-user"), "{spec:?}");
        assert_eq!(spec.secrets(), vec!["k3y-as-user".to_owned()]);
    }
}
