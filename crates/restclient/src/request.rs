//! [`Request`]: the editable description of the next HTTP call.

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// The body of a [`Request`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// A JSON document, sent with `Content-Type: application/json`.
    Json(Value),
    /// Form fields, sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
}

/// The editable description of one HTTP call: method, URL, ordered query parameters, headers and
/// body.
///
/// Paginators and auths edit it; it becomes a wire request only when it is sent. Query parameters
/// are kept apart from the URL (as in dlt), so that a paginator can replace the URL with a next
/// link and drop the original parameters, or keep them and set a cursor.
///
/// ```
/// use restclient::{Method, Request};
///
/// let mut req = Request::new(Method::GET, "https://api.example.com/posts".parse().unwrap());
/// req.set_param("page", 2);
/// req.set_param("page", 3); // replaces, keeps the position
/// assert_eq!(req.full_url().as_str(), "https://api.example.com/posts?page=3");
/// ```
#[derive(Clone)]
pub struct Request {
    method: Method,
    url: Url,
    params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Body>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redactor = crate::redact::Redactor::default();
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    if crate::redact::is_sensitive_name(k) {
                        "***"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if crate::redact::is_sensitive_header(k) || v.is_sensitive() {
                    "***"
                } else {
                    v.to_str().unwrap_or("<binary>")
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &redactor.url(&self.url))
            .field("params", &params)
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|_| "<body>"))
            .finish()
    }
}

impl Request {
    /// A request with no parameters, headers or body.
    #[must_use]
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            params: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Replaces the HTTP method.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
    }

    /// The URL without the parameters in [`params`](Self::params).
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Replaces the URL. Parameters are kept; call [`clear_params`](Self::clear_params) to drop
    /// them, as next-link paginators do.
    pub fn set_url(&mut self, url: Url) {
        self.url = url;
    }

    /// The query parameters, in the order they will be sent (after any query already in the URL).
    #[must_use]
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The value of parameter `name`, if set.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets parameter `name`, replacing an existing value in place or appending.
    pub fn set_param(&mut self, name: impl Into<String>, value: impl ToString) {
        let name = name.into();
        let value = value.to_string();
        match self.params.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name, value)),
        }
    }

    /// Appends a parameter even if one of that name exists (`a=1&a=2`).
    pub fn append_param(&mut self, name: impl Into<String>, value: impl ToString) {
        self.params.push((name.into(), value.to_string()));
    }

    /// Removes every parameter named `name`.
    pub fn remove_param(&mut self, name: &str) {
        self.params.retain(|(k, _)| k != name);
    }

    /// Removes all parameters.
    pub fn clear_params(&mut self) {
        self.params.clear();
    }

    /// The headers this request will carry (besides those auth adds at send time).
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, for editing.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Sets a header from strings, replacing any value it had.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) when the name or value is not valid HTTP.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<()> {
        let (n, v) = parse_header(name, value)?;
        self.headers.insert(n, v);
        Ok(())
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: Option<Body>) {
        self.body = body;
    }

    /// The JSON body, if the body is JSON.
    #[must_use]
    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            Some(Body::Json(v)) => Some(v),
            _ => None,
        }
    }

    /// The JSON body for editing, created as `{}` when there is no body (as dlt does for body
    /// paths).
    ///
    /// # Errors
    /// A [request error](crate::ErrorKind::Request) when the request already has a form body.
    pub fn json_mut(&mut self) -> Result<&mut Value> {
        if self.body.is_none() {
            self.body = Some(Body::Json(Value::Object(serde_json::Map::new())));
        }
        match &mut self.body {
            Some(Body::Json(v)) => Ok(v),
            _ => Err(Error::invalid_request(
                "cannot set a JSON body field on a request with a form body",
            )),
        }
    }

    /// Sets `value` at a dot-separated path inside the JSON body (`"paging.cursor"`), creating
    /// the body and any missing objects on the way.
    ///
    /// # Errors
    /// A [request error](crate::ErrorKind::Request) when the body is a form or a step of the path holds a non-object.
    pub fn set_json_path(&mut self, path: &[String], value: Value) -> Result<()> {
        let mut node = self.json_mut()?;
        let Some((last, parents)) = path.split_last() else {
            return Err(Error::invalid_request("empty body path"));
        };
        for key in parents {
            if node.is_null() {
                *node = Value::Object(serde_json::Map::new());
            }
            let Value::Object(map) = node else {
                return Err(Error::invalid_request(format!(
                    "body path step `{key}` is not inside an object"
                )));
            };
            node = map.entry(key.clone()).or_insert(Value::Null);
        }
        if node.is_null() {
            *node = Value::Object(serde_json::Map::new());
        }
        match node {
            Value::Object(map) => {
                map.insert(last.clone(), value);
                Ok(())
            }
            _ => Err(Error::invalid_request(format!(
                "body path `{}` does not lead into an object",
                path.join(".")
            ))),
        }
    }

    /// The URL that goes on the wire: [`url`](Self::url) with [`params`](Self::params) appended
    /// to any query it already has. A parameter replaces one of the same name in the URL's own
    /// query, so that `paginate("/items?page=3")` with a page-number paginator sends one `page`
    /// (the paginator's), not `page=3&page=4` as dlt does.
    #[must_use]
    pub fn full_url(&self) -> Url {
        let mut url = self.url.clone();
        if self.params.is_empty() {
            return url;
        }
        let is_param = |key: &str| self.params.iter().any(|(k, _)| k == key);
        if let Some(query) = url.query()
            && url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| is_param(&k))
        {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !is_param(k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.set_query(None);
            if !kept.is_empty() {
                url.query_pairs_mut().extend_pairs(kept);
            }
        }
        url.query_pairs_mut().extend_pairs(self.params.iter());
        url
    }
}

/// Moves `headers` into `target`: each name in `headers` replaces that name in `target` with
/// all its values, and values of sensitive names are marked sensitive.
pub(crate) fn merge_headers(target: &mut HeaderMap, headers: HeaderMap) {
    let mut current: Option<HeaderName> = None;
    // A map yields a name with its first value only; later values of that name come with `None`.
    for (name, mut value) in headers {
        if let Some(name) = name {
            target.remove(&name);
            current = Some(name);
        }
        if let Some(name) = &current {
            if crate::redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
            target.append(name.clone(), value);
        }
    }
}

/// Parses a header name and value from text.
pub(crate) fn parse_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let n = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|e| Error::invalid_header(name, e))?;
    // The value is not quoted back: it may be a credential.
    let mut v = HeaderValue::from_str(value.trim()).map_err(|e| Error::invalid_header(name, e))?;
    if crate::redact::is_sensitive_header(&n) {
        v.set_sensitive(true);
    }
    Ok((n, v))
}

/// Joins a base URL and a path exactly as dlt's `join_url` does (string-level, no normalisation):
/// an empty base gives the path, an empty path gives the base, otherwise the base's trailing
/// slashes and the path's leading slashes become one `/`.
#[must_use]
pub(crate) fn join_url(base: &str, path: &str) -> String {
    if base.is_empty() {
        return path.to_owned();
    }
    if path.is_empty() {
        return base.to_owned();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Whether `path` is an absolute http(s) URL, which bypasses the base URL.
pub(crate) fn is_absolute_http(path: &str) -> bool {
    Url::parse(path).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Resolves `path` against `base` (dlt's rules) into a URL.
pub(crate) fn resolve(base: &str, path: &str, redactor: &crate::redact::Redactor) -> Result<Url> {
    let joined = if is_absolute_http(path) {
        path.to_owned()
    } else {
        join_url(base, path)
    };
    let url = Url::parse(&joined)
        .map_err(|e| Error::invalid_url(ErrorKind::Builder, &redactor.url_str(&joined), e))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_url(
            ErrorKind::Builder,
            &redactor.url(&url),
            "only http and https URLs can be requested",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_url_matches_dlt() {
        let cases = [
            ("http://example.com", "path", "http://example.com/path"),
            ("http://example.com/", "/path", "http://example.com/path"),
            ("http://example.com///", "//p", "http://example.com/p"),
            ("http://example.com", "///", "http://example.com/"),
            ("/", "p", "/p"),
            ("example.com", "path", "example.com/path"),
            ("", "path", "path"),
            ("http://example.com/", "", "http://example.com/"),
            (
                "http://example.com/api",
                "posts?x=1#f",
                "http://example.com/api/posts?x=1#f",
            ),
            (
                "http://example.com/api/",
                "p q/ü",
                "http://example.com/api/p q/ü",
            ),
        ];
        for (base, path, want) in cases {
            assert_eq!(join_url(base, path), want, "join_url({base:?}, {path:?})");
        }
    }

    #[test]
    fn absolute_urls_bypass_the_base() {
        let r = crate::redact::Redactor::default();
        let u = resolve("https://api.example.com", "http://other.example/x", &r).unwrap();
        assert_eq!(u.as_str(), "http://other.example/x");
        let u = resolve("https://api.example.com", "my://protocol", &r).unwrap();
        assert_eq!(u.as_str(), "https://api.example.com/my://protocol");
    }

    #[test]
    fn relative_path_without_base_is_an_error() {
        let r = crate::redact::Redactor::default();
        let err = resolve("", "posts?api_key=zzz", &r).unwrap_err();
        assert!(err.is_builder(), "{err}");
        assert!(err.to_string().contains("posts"));
    }

    #[test]
    fn params_keep_order_and_replace_in_place() {
        let mut r = Request::new(Method::GET, Url::parse("https://h/p?fixed=1").unwrap());
        r.set_param("b", 1);
        r.set_param("a", "x y");
        r.set_param("b", 2);
        assert_eq!(r.full_url().as_str(), "https://h/p?fixed=1&b=2&a=x+y");
        r.clear_params();
        assert_eq!(r.full_url().as_str(), "https://h/p?fixed=1");
    }

    #[test]
    fn params_replace_same_named_keys_of_the_url_query() {
        let mut r = Request::new(
            Method::GET,
            Url::parse("https://h/p?page=3&q=a%20b&flag").unwrap(),
        );
        assert_eq!(
            r.full_url().as_str(),
            "https://h/p?page=3&q=a%20b&flag",
            "untouched without params"
        );
        r.set_param("limit", 5);
        assert_eq!(
            r.full_url().as_str(),
            "https://h/p?page=3&q=a%20b&flag&limit=5",
            "no collision: kept raw"
        );
        r.set_param("page", 1);
        assert_eq!(
            r.full_url().as_str(),
            "https://h/p?q=a+b&flag=&limit=5&page=1"
        );
    }

    #[test]
    fn json_path_creates_objects() {
        let mut r = Request::new(Method::POST, Url::parse("https://h/").unwrap());
        r.set_json_path(&["paging".into(), "cursor".into()], Value::from("c1"))
            .unwrap();
        r.set_json_path(&["limit".into()], Value::from(5)).unwrap();
        assert_eq!(
            r.json().unwrap(),
            &serde_json::json!({"paging": {"cursor": "c1"}, "limit": 5})
        );
        r.set_body(Some(Body::Form(vec![])));
        assert!(r.set_json_path(&["x".into()], Value::Null).is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let mut r = Request::new(
            Method::GET,
            Url::parse("https://h/p?token=T0PSECRET").unwrap(),
        );
        r.set_param("api_key", "K3YSECRET");
        r.set_header("Authorization", "Bearer B3ARER").unwrap();
        r.set_header("X-Custom-Token", "CUST0M").unwrap();
        let s = format!("{r:?}");
        for secret in ["T0PSECRET", "K3YSECRET", "B3ARER", "CUST0M"] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
    }

    fn concat_segments(segments: &[String]) -> String {
        segments.iter().map(|s| format!("/{s}")).collect()
    }

    fn query_suffix(query: Option<&str>) -> String {
        query.map(|q| format!("?{q}")).unwrap_or_default()
    }

    proptest::proptest! {
    #[test]
    fn join_url_agrees_with_the_url_built_from_its_parts(
        base_segments in proptest::collection::vec("[a-z0-9]{1,5}", 0..3),
        trailing in 0usize..3,
        leading in 0usize..3,
        path_segments in proptest::collection::vec("[a-z0-9]{1,5}", 1..4),
        query in proptest::option::of("[a-z]{1,3}=[0-9]{1,3}"),
    ) {
        let base = format!("https://h.example{}{}", concat_segments(&base_segments), "/".repeat(trailing));
        let path = format!("{}{}{}", "/".repeat(leading), path_segments.join("/"), query_suffix(query.as_deref()));
        // The oracle: the URL written from its parts, one slash between each.
        let all: Vec<String> = base_segments.iter().chain(&path_segments).cloned().collect();
        let expected = format!("https://h.example{}{}", concat_segments(&all), query_suffix(query.as_deref()));
        let joined = join_url(&base, &path);
        proptest::prop_assert_eq!(&joined, &expected);
        let parsed = url::Url::parse(&joined).unwrap();
        let segments: Vec<&str> = parsed.path_segments().unwrap().collect();
        proptest::prop_assert_eq!(segments, all.iter().map(String::as_str).collect::<Vec<_>>());
        proptest::prop_assert_eq!(parsed.query(), query.as_deref());
    }

    }
}
