//! [`ApiKeyAuth`] and [`ApiKeyLocation`].

use reqwest::header::{COOKIE, HeaderValue};

use super::{Auth, Secret};
use crate::error::{Error, Result};
use crate::request::Request;

/// Where [`ApiKeyAuth`] puts the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApiKeyLocation {
    /// A header `<name>: <key>`, with no prefix (the default).
    #[default]
    Header,
    /// A query parameter `name=key`, appended after any parameters the URL already has
    /// (dlt's `query`, also spelled `param`).
    Query,
    /// A cookie `name=key`, merged with any `Cookie` header the request already has.
    Cookie,
}

impl std::str::FromStr for ApiKeyLocation {
    type Err = Error;

    /// Parses dlt's names: `header`, `query` (or `param`), `cookie`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "header" => Ok(ApiKeyLocation::Header),
            "query" | "param" => Ok(ApiKeyLocation::Query),
            "cookie" => Ok(ApiKeyLocation::Cookie),
            other => Err(Error::invalid(
                "ApiKeyAuth",
                "location",
                format!("`{other}` is not one of header, query, param, cookie"),
            )),
        }
    }
}

impl std::fmt::Display for ApiKeyLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ApiKeyLocation::Header => "header",
            ApiKeyLocation::Query => "query",
            ApiKeyLocation::Cookie => "cookie",
        })
    }
}

/// Sends an API key in a header, a query parameter or a cookie (dlt's `APIKeyAuth`).
///
/// The defaults are dlt's: the name `Authorization` and the location header, so
/// `ApiKeyAuth::new(key)` sends `Authorization: <key>` with no prefix.
///
/// ```
/// use restclient::auth::{ApiKeyAuth, ApiKeyLocation};
/// use restclient::{Method, Request};
///
/// let auth = ApiKeyAuth::new("s3cr3t").name("X-API-Key");                      // header
/// let auth = ApiKeyAuth::new("s3cr3t").name("api_key").location(ApiKeyLocation::Query);
/// let auth = ApiKeyAuth::cookie("session", "s3cr3t");                         // cookie
/// assert!(!format!("{auth:?}").contains("s3cr3t"));
///
/// // What a query key does to a request:
/// use restclient::auth::Auth;
/// let mut req = Request::new(Method::GET, "https://api.example.com/x?a=1".parse().unwrap());
/// ApiKeyAuth::query("key", "S").apply(&mut req).unwrap();
/// assert_eq!(req.full_url().as_str(), "https://api.example.com/x?a=1&key=S");
/// ```
#[derive(Debug, Clone)]
pub struct ApiKeyAuth {
    name: String,
    api_key: Secret,
    location: ApiKeyLocation,
}

impl ApiKeyAuth {
    /// Sends `api_key` as the header `Authorization` (change with [`name`](Self::name) and
    /// [`location`](Self::location)).
    #[must_use]
    pub fn new(api_key: impl Into<Secret>) -> Self {
        ApiKeyAuth {
            name: "Authorization".to_owned(),
            api_key: api_key.into(),
            location: ApiKeyLocation::Header,
        }
    }

    /// Sends `api_key` as the header `name`.
    #[must_use]
    pub fn header(name: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self::new(api_key).name(name)
    }

    /// Sends `api_key` as the query parameter `name`.
    #[must_use]
    pub fn query(name: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self::new(api_key)
            .name(name)
            .location(ApiKeyLocation::Query)
    }

    /// Sends `api_key` as the cookie `name`.
    #[must_use]
    pub fn cookie(name: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self::new(api_key)
            .name(name)
            .location(ApiKeyLocation::Cookie)
    }

    /// The name of the header, query parameter or cookie (default `Authorization`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Where the key goes (default [`ApiKeyLocation::Header`]).
    #[must_use]
    pub fn location(mut self, location: ApiKeyLocation) -> Self {
        self.location = location;
        self
    }

    fn apply_cookie(&self, request: &mut Request) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty()
            || name
                .chars()
                .any(|c| c == '=' || c == ';' || c == ',' || c.is_whitespace() || c.is_control())
        {
            return Err(Error::invalid(
                "ApiKeyAuth",
                "name",
                format!("`{name}` is not a valid cookie name"),
            ));
        }
        let key = self.api_key.expose();
        if key.chars().any(|c| c == ';' || c.is_control()) {
            return Err(Error::invalid(
                "ApiKeyAuth",
                "api_key",
                "a cookie value cannot contain `;` or control characters",
            ));
        }
        // Keep the cookies already there (except an older one of the same name) and add ours.
        let mut pairs: Vec<String> = request
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .filter(|pair| pair.split_once('=').map_or(*pair, |(n, _)| n.trim()) != name)
            .map(str::to_owned)
            .collect();
        pairs.push(format!("{name}={key}"));
        let mut value = HeaderValue::from_str(&pairs.join("; "))
            .map_err(|e| Error::invalid_header("Cookie", e))?;
        value.set_sensitive(true);
        request.headers_mut().insert(COOKIE, value);
        Ok(())
    }
}

impl Auth for ApiKeyAuth {
    fn apply(&self, request: &mut Request) -> Result<()> {
        match self.location {
            ApiKeyLocation::Header => request.set_header(&self.name, self.api_key.expose()),
            ApiKeyLocation::Query => {
                request.append_param(self.name.clone(), self.api_key.expose());
                Ok(())
            }
            ApiKeyLocation::Cookie => self.apply_cookie(request),
        }
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.api_key.expose().to_owned()]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn request(url: &str) -> Request {
        Request::new(Method::GET, url.parse().unwrap())
    }

    #[test]
    fn header_without_prefix_by_default() {
        let mut r = request("https://h/");
        ApiKeyAuth::new("K3Y").apply(&mut r).unwrap();
        assert_eq!(r.headers()["authorization"], "K3Y");
        let mut r = request("https://h/");
        ApiKeyAuth::header("X-API-Key", "K3Y")
            .apply(&mut r)
            .unwrap();
        assert_eq!(r.headers()["x-api-key"], "K3Y");
        assert!(r.headers()["x-api-key"].is_sensitive());
    }

    #[test]
    fn query_keeps_existing_params() {
        let mut r = request("https://h/p?a=1");
        r.set_param("b", 2);
        ApiKeyAuth::query("key", "S").apply(&mut r).unwrap();
        assert_eq!(r.full_url().as_str(), "https://h/p?a=1&b=2&key=S");
    }

    #[test]
    fn cookie_merges_with_existing_cookies() {
        let mut r = request("https://h/");
        ApiKeyAuth::cookie("api_key", "S").apply(&mut r).unwrap();
        assert_eq!(r.headers()["cookie"], "api_key=S");
        let mut r = request("https://h/");
        r.set_header("Cookie", "theme=dark; api_key=old").unwrap();
        ApiKeyAuth::cookie("api_key", "S").apply(&mut r).unwrap();
        assert_eq!(r.headers()["cookie"], "theme=dark; api_key=S");
        assert!(r.headers()["cookie"].is_sensitive());
    }

    #[test]
    fn bad_cookie_names_and_values_are_typed_errors() {
        let mut r = request("https://h/");
        let e = ApiKeyAuth::cookie("a b", "S").apply(&mut r).unwrap_err();
        assert!(e.is_builder(), "{e}");
        let e = ApiKeyAuth::cookie("a", "x;y").apply(&mut r).unwrap_err();
        assert!(!e.to_string().contains("x;y"), "{e}");
    }

    #[test]
    fn locations_parse_dlt_names() {
        assert_eq!(
            "param".parse::<ApiKeyLocation>().unwrap(),
            ApiKeyLocation::Query
        );
        assert_eq!(
            "Cookie".parse::<ApiKeyLocation>().unwrap(),
            ApiKeyLocation::Cookie
        );
        assert!("body".parse::<ApiKeyLocation>().is_err());
    }
}
