//! [`Page`]: the records of one response, with what produced them.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::Auth;
use crate::request::Request;
use crate::response::Response;
use crate::selector::Selector;

/// The records of one response (dlt's `PageData`).
///
/// A page derefs to `[Value]`, so `page.len()`, `&page[0]` and `for record in &page` work; it also
/// gives the request that produced it (not the next one, unlike dlt), the response, and a
/// description of the paginator that ran.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn run() -> restclient::Result<()> {
/// let client = restclient::RestClient::builder("https://api.example.com").build()?;
/// let mut pages = client.paginate("/posts").pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} records from {}", page.len(), page.request().full_url());
///     for record in &page {
///         println!("{}", record["id"]);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Page {
    records: Vec<Value>,
    request: Request,
    response: Response,
    paginator: Arc<Value>,
    data_selector: Arc<Selector>,
    auth: Option<Arc<dyn Auth>>,
    number: usize,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A custom auth's derived Debug may print what it holds: mask what it declares secret.
        let auth = self.auth.as_ref().map(|a| {
            crate::redact::Shown(
                crate::redact::Redactor::default()
                    .with_secrets(a.secrets())
                    .text(&format!("{a:?}")),
            )
        });
        f.debug_struct("Page")
            .field("number", &self.number)
            .field("records", &self.records.len())
            .field("request", &self.request)
            .field("response", &self.response)
            .field("paginator", &self.paginator)
            .field("data_selector", &self.data_selector)
            .field("auth", &auth)
            .finish()
    }
}

impl Page {
    pub(crate) fn new(
        records: Vec<Value>,
        request: Request,
        response: Response,
        paginator: Arc<Value>,
        data_selector: Arc<Selector>,
        auth: Option<Arc<dyn Auth>>,
        number: usize,
    ) -> Self {
        Page {
            records,
            request,
            response,
            paginator,
            data_selector,
            auth,
            number,
        }
    }

    /// The auth that signed the request of this page (dlt's `page.auth`), if any.
    #[must_use]
    pub fn auth(&self) -> Option<&dyn Auth> {
        self.auth.as_deref()
    }

    /// The data selector that picked the records (given, or detected from the first response).
    #[must_use]
    pub fn data_selector(&self) -> &Selector {
        &self.data_selector
    }

    /// The records.
    #[must_use]
    pub fn records(&self) -> &[Value] {
        &self.records
    }

    /// The records, owned.
    #[must_use]
    pub fn into_records(self) -> Vec<Value> {
        self.records
    }

    /// The request that produced this page.
    #[must_use]
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The response this page was selected from. Its [`json`](Response::json) is parsed again
    /// from the body on demand, since the records were moved out of the first parse.
    #[must_use]
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The paginator that ran, in dlt's `rest_api` form (e.g. `{"type": "offset", ...}`).
    #[must_use]
    pub fn paginator(&self) -> &Value {
        &self.paginator
    }

    /// The position of this page in its walk, from 1.
    #[must_use]
    pub fn number(&self) -> usize {
        self.number
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.records.truncate(len);
    }
}

impl std::ops::Deref for Page {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.records
    }
}

impl IntoIterator for Page {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter()
    }
}

impl<'a> IntoIterator for &'a Page {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A custom auth whose derived Debug shows its key.
    #[derive(Debug)]
    struct HeaderKey {
        key: String,
    }

    impl Auth for HeaderKey {
        fn apply(&self, request: &mut Request) -> crate::Result<()> {
            request.set_header("X-Key", &self.key)
        }
        fn secrets(&self) -> Vec<String> {
            vec![self.key.clone()]
        }
    }

    #[test]
    fn debug_masks_a_custom_auths_secrets() {
        let url = "https://h/x".parse().unwrap();
        let page = Page::new(
            vec![Value::from(1)],
            Request::new(reqwest::Method::GET, url),
            Response::from_parts(200, vec![], "https://h/x", b"[1]".to_vec()).unwrap(),
            Arc::new(Value::Null),
            Arc::new(Selector::new("$").unwrap()),
            Some(Arc::new(HeaderKey {
                key: "k3y-s3cr3t".into(),
            })),
            1,
        );
        let shown = format!("{page:?}");
        assert!(!shown.contains("k3y-s3cr3t"), "{shown}");
        assert!(shown.contains("HeaderKey"), "{shown}");
    }
}
