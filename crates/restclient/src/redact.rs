//! Turning URLs, headers and messages into text that holds no secret.
//!
//! Two rules apply everywhere restclient writes text (Debug, Display, logs, errors):
//! by name, the values of query parameters and headers named like a key, token, secret or password
//! are replaced with `***`; by value, every configured secret (auth tokens, passwords, API keys,
//! values of sensitive headers) is replaced wherever it appears.

use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderName};
use url::Url;

const MASK: &str = "***";

/// Whether a query parameter or header name is one whose value must not be shown.
///
/// dlt's list (`api_key, token, key, access_token, apikey, api-key, access-token, secret,
/// password, pwd, client_secret`) is covered, and so is anything that merely contains such a word
/// (`X-API-Key`, `refresh_token`, `db_password`), because a leak costs more than a masked value.
pub(crate) fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const WORDS: [&str; 9] = [
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "credential",
        "signature",
    ];
    lower == "cookie"
        || lower == "set-cookie"
        || lower == "sig"
        || WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a header's value must be treated as a secret.
pub(crate) fn is_sensitive_header(name: &HeaderName) -> bool {
    is_sensitive_name(name.as_str())
}

/// Text that is shown as it is by `Debug` (already redacted).
pub(crate) struct Shown(pub(crate) String);

impl std::fmt::Debug for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Masks secrets in text. Cheap to clone; shared by a client and everything it produces.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Secret values, longest first so that a secret containing another is masked whole.
    secrets: Arc<Vec<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor that also masks `extra` secret values.
    pub(crate) fn with_secrets<I, S>(&self, extra: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let extra: Vec<S> = extra.into_iter().collect();
        // Called for every signed request: when nothing is new, share what we have.
        if extra.iter().all(|s| {
            let s = s.as_ref();
            s.len() < 3 || self.secrets.iter().any(|x| x == s)
        }) {
            return self.clone();
        }
        let mut all: Vec<String> = self.secrets.as_ref().clone();
        for s in extra {
            let s = s.as_ref();
            // Very short values would mask ordinary text everywhere and protect nothing.
            if s.len() >= 3 && !all.iter().any(|x| x == s) {
                all.push(s.to_owned());
                let encoded: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
                if encoded != s && !all.contains(&encoded) {
                    all.push(encoded);
                }
            }
        }
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor {
            secrets: Arc::new(all),
        }
    }

    /// The secret values known, longest first (a checkpoint replaces them by placeholders).
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// The secret values of sensitive headers, for [`Redactor::with_secrets`].
    pub(crate) fn header_secrets(headers: &HeaderMap) -> Vec<String> {
        let mut out = Vec::new();
        for (name, value) in headers {
            if (is_sensitive_header(name) || value.is_sensitive())
                && let Ok(v) = value.to_str()
            {
                out.push(v.to_owned());
                // `Bearer abc` leaks `abc` on its own too (e.g. in a echoed body).
                if let Some((_, rest)) = v.split_once(' ') {
                    out.push(rest.trim().to_owned());
                }
            }
        }
        out
    }

    /// Masks every known secret value in `text`.
    pub(crate) fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in self.secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// A URL as text with sensitive query values, the userinfo password and every known secret
    /// masked.
    pub(crate) fn url(&self, url: &Url) -> String {
        let mut url = url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some(MASK));
        }
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_sensitive_name(&k) {
                        MASK.to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.text(url.as_str())
    }

    /// Headers as text for logs, `{name: value, ...}`: values of sensitive headers (by name, or
    /// marked sensitive) are `***`, every other value is masked by value.
    pub(crate) fn headers(&self, headers: &HeaderMap) -> String {
        let mut out = String::from("{");
        for (i, (name, value)) in headers.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(name.as_str());
            out.push_str(": ");
            if is_sensitive_header(name) || value.is_sensitive() {
                out.push_str(MASK);
            } else {
                out.push_str(&self.text(&String::from_utf8_lossy(value.as_bytes())));
            }
        }
        out.push('}');
        out
    }

    /// A path as given to a call (`/posts?api_key=...`, or an absolute URL), with sensitive
    /// query values and every known secret masked.
    pub(crate) fn path(&self, path: &str) -> String {
        if let Ok(url) = Url::parse(path) {
            return self.url(&url);
        }
        let Some((before, query)) = path.split_once('?') else {
            return self.text(path);
        };
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (query, None),
        };
        let masked: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| {
                let v = if is_sensitive_name(&k) {
                    MASK.into()
                } else {
                    v
                };
                (k, v)
            }))
            .finish();
        let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
        self.text(&format!("{before}?{masked}{fragment}"))
    }

    /// A URL given as a string; text that is not a URL is masked by value only.
    pub(crate) fn url_str(&self, url: &str) -> String {
        match Url::parse(url) {
            Ok(u) => self.url(&u),
            Err(_) => self.text(url),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn masks_sensitive_query_values_by_name() {
        let r = Redactor::default();
        let u = Url::parse("https://h/p?api_key=S1&page=2&access-token=S2&X-Api-Key=S3").unwrap();
        let s = r.url(&u);
        assert_eq!(
            s,
            "https://h/p?api_key=***&page=2&access-token=***&X-Api-Key=***"
        );
    }

    #[test]
    fn masks_secrets_by_value_and_percent_encoded() {
        let r = Redactor::default().with_secrets(["s3cr3t value"]);
        assert_eq!(r.text("a s3cr3t value b"), "a *** b");
        let u = Url::parse("https://h/p?q=s3cr3t%20value").unwrap();
        assert!(!r.url(&u).contains("s3cr3t"), "{}", r.url(&u));
    }

    #[test]
    fn masks_paths_with_queries() {
        let r = Redactor::default().with_secrets(["s3cr3t"]);
        assert_eq!(r.path("/p?token=T&page=2#f"), "/p?token=***&page=2#f");
        assert_eq!(r.path("/p/s3cr3t"), "/p/***");
        assert_eq!(r.path("https://h/p?api_key=K"), "https://h/p?api_key=***");
    }

    #[test]
    fn masks_userinfo_password() {
        let r = Redactor::default();
        let u = Url::parse("https://user:pw@h/").unwrap();
        assert_eq!(r.url(&u), "https://user:***@h/");
    }

    #[test]
    fn headers_mask_by_name_by_flag_and_by_value() {
        let r = Redactor::default().with_secrets(["hunter22"]);
        let mut h = HeaderMap::new();
        h.insert("accept", "application/json".parse().unwrap());
        h.insert("authorization", "Bearer abc123".parse().unwrap());
        let mut flagged: reqwest::header::HeaderValue = "plain-looking".parse().unwrap();
        flagged.set_sensitive(true);
        h.insert("x-custom", flagged);
        h.insert("x-echo", "pw=hunter22".parse().unwrap());
        assert_eq!(
            r.headers(&h),
            "{accept: application/json, authorization: ***, x-custom: ***, x-echo: pw=***}"
        );
    }

    #[test]
    fn ignores_tiny_secrets() {
        let r = Redactor::default().with_secrets(["ab", ""]);
        assert_eq!(r.text("about"), "about");
    }

    #[test]
    fn sensitive_names() {
        for n in [
            "api_key",
            "KEY",
            "X-API-Key",
            "Authorization",
            "refresh_token",
            "pwd",
            "Cookie",
        ] {
            assert!(is_sensitive_name(n), "{n}");
        }
        for n in ["page", "limit", "cursor", "offset", "q"] {
            assert!(!is_sensitive_name(n), "{n}");
        }
    }
}
