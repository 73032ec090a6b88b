//! Checkpoints: where a walk stands, in a file, so that the same walk started again continues
//! after the last saved page instead of from the first request.
//!
//! The file is versioned JSON (see `docs/long-walks.md`): the walk's identity, the next request
//! (method, URL, parameters, JSON or form body — never a header, never what auth adds at send
//! time), the paginator's state and description, the data selector in use, the pages and
//! records so far, whether the walk had already ended, and an opaque `extra` for the caller
//! (the CLI keeps its output length there). Known secret values (the client's secrets, `${ENV}`
//! values, credentials in sensitive parameters) that appear in the saved request or paginator
//! state are replaced by numbered placeholders and put back from the resumed walk's own
//! secrets, so the file holds none.
//!
//! Saving replaces the file atomically ([`files::write_atomic`](crate::files)): the new content
//! goes to a temporary file of a unique name in the same directory, which is flushed to disk
//! (`fsync`) and renamed over the old one. A reader (or a resumed walk after `kill -9`, or after
//! a power loss) sees the old file or the new one, never a mix.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::request::{Body, Request};
use crate::stop::{SavedStop, StopReason};

/// What the `format` key of every checkpoint file says.
const FORMAT: &str = "restclient-checkpoint";
/// The version of the file format this build reads and writes.
const VERSION: u64 = 1;

/// The walk a checkpoint belongs to: a checkpoint of another walk is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Identity {
    pub(crate) method: String,
    /// The first request's URL and parameters, secrets masked.
    pub(crate) url: String,
    /// The paginator's description, or `"auto"` when it is detected.
    pub(crate) paginator: Value,
    /// The data selector given, or null when it is detected.
    pub(crate) data_selector: Option<String>,
    /// The first request's body (JSON or form, as JSON text), secrets masked: a POST walk
    /// with another body is another walk, and must not continue from this one's cursor.
    #[serde(default)]
    pub(crate) body: Option<String>,
    /// The caller's part (the CLI's output file).
    #[serde(default)]
    pub(crate) extra: Value,
}

impl Identity {
    /// What differs from `other`, as `key (saved … , now …)` phrases.
    fn differences(&self, saved: &Identity) -> Vec<String> {
        let mut out = Vec::new();
        let mut diff = |what: &str, saved: String, now: String| {
            if saved != now {
                out.push(format!("{what} (saved: {saved}, now: {now})"));
            }
        };
        diff("method", saved.method.clone(), self.method.clone());
        diff("URL", saved.url.clone(), self.url.clone());
        diff(
            "paginator",
            saved.paginator.to_string(),
            self.paginator.to_string(),
        );
        diff(
            "data selector",
            format!("{:?}", saved.data_selector),
            format!("{:?}", self.data_selector),
        );
        diff(
            "body",
            saved.body.clone().unwrap_or_else(|| "none".into()),
            self.body.clone().unwrap_or_else(|| "none".into()),
        );
        if let (Value::Object(s), Value::Object(n)) = (&saved.extra, &self.extra) {
            for (k, v) in n {
                diff(
                    k,
                    s.get(k).unwrap_or(&Value::Null).to_string(),
                    v.to_string(),
                );
            }
        } else {
            diff("extra", saved.extra.to_string(), self.extra.to_string());
        }
        out
    }
}

/// The next request, as saved.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedRequest {
    method: String,
    url: String,
    params: Vec<(String, String)>,
    #[serde(default)]
    json: Option<Value>,
    #[serde(default)]
    form: Option<Vec<(String, String)>>,
}

/// The paginator in use (the detected one, if it was detected) and its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SavedPaginator {
    pub(crate) description: Value,
    pub(crate) state: Value,
}

/// The checkpoint file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Saved {
    format: String,
    version: u64,
    walk: Identity,
    next_request: SavedRequest,
    pub(crate) paginator: SavedPaginator,
    /// The data selector in use (the detected one, if it was detected).
    pub(crate) data_selector: String,
    pub(crate) pages: usize,
    pub(crate) records: usize,
    /// Set when the walk had ended after the saved page: a resume ends at once.
    finished: Option<SavedStop>,
    #[serde(default)]
    pub(crate) extra: Value,
}

impl Saved {
    /// Why the walk ended, when it had ended already.
    pub(crate) fn finished(&self) -> Option<StopReason> {
        self.finished.clone().map(StopReason::from)
    }

    /// The saved next request on top of `fresh` (the resumed walk's first request, whose
    /// headers stay: they are never saved), secrets put back.
    pub(crate) fn next_request(&self, fresh: &Request, secrets: &Secrets) -> Result<Request> {
        let r = &self.next_request;
        let bad = |what: &str| {
            Error::new(
                ErrorKind::Builder,
                format!("invalid checkpoint: the saved next request has {what}"),
            )
        };
        let method = reqwest::Method::from_bytes(r.method.as_bytes())
            .map_err(|_| bad("an invalid method"))?;
        let url = url::Url::parse(&secrets.restore(&r.url)?).map_err(|_| bad("an invalid URL"))?;
        let mut request = fresh.clone();
        request.set_method(method);
        request.set_url(url);
        request.clear_params();
        for (k, v) in &r.params {
            request.append_param(secrets.restore(k)?, secrets.restore(v)?);
        }
        let body = match (&r.json, &r.form) {
            (Some(json), _) => Some(Body::Json(secrets.restore_value(json)?)),
            (None, Some(form)) => Some(Body::Form(
                form.iter()
                    .map(|(k, v)| Ok((secrets.restore(k)?, secrets.restore(v)?)))
                    .collect::<Result<_>>()?,
            )),
            (None, None) => None,
        };
        request.set_body(body);
        Ok(request)
    }

    /// The paginator state with its secrets put back.
    pub(crate) fn paginator_state(&self, secrets: &Secrets) -> Result<Value> {
        secrets.restore_value(&self.paginator.state)
    }
}

/// The secret values a walk knows, in a fixed order: a value is saved as a placeholder naming
/// its place, and the same command started again knows the same values in the same order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets(Vec<String>);

/// Placeholders are `\u{1}secret:N\u{1}`: a control character no URL, parameter or cursor
/// holds in practice, so a placeholder cannot be mistaken for data.
const MARK: char = '\u{1}';

impl Secrets {
    /// The redactor's secrets and the values of parameters named like credentials
    /// (`api_key=...` given literally), longest first.
    pub(crate) fn new(known: &[String], first: &Request) -> Self {
        let mut all: Vec<String> = known.to_vec();
        for (k, v) in first.params() {
            if crate::redact::is_sensitive_name(k) && v.len() >= 3 && !all.contains(v) {
                all.push(v.clone());
            }
        }
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Secrets(all)
    }

    fn hide(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (i, s) in self.0.iter().enumerate() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), &format!("{MARK}secret:{i}{MARK}"));
            }
        }
        out
    }

    fn hide_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.hide(s)),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.hide_value(v)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (self.hide(k), self.hide_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn restore(&self, text: &str) -> Result<String> {
        if !text.contains(MARK) {
            return Ok(text.to_owned());
        }
        let mut out = String::with_capacity(text.len());
        let mut parts = text.split(MARK);
        // Text, then (placeholder, text) pairs.
        out.push_str(parts.next().unwrap_or(""));
        while let Some(mark) = parts.next() {
            let secret = mark
                .strip_prefix("secret:")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.0.get(n))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Builder,
                        "invalid checkpoint: it refers to a secret this walk does not have \
                         (were the same credentials and ${NAME} values given?)",
                    )
                })?;
            out.push_str(secret);
            out.push_str(parts.next().unwrap_or(""));
        }
        Ok(out)
    }

    fn restore_value(&self, value: &Value) -> Result<Value> {
        Ok(match value {
            Value::String(s) => Value::String(self.restore(s)?),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|v| self.restore_value(v))
                    .collect::<Result<_>>()?,
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| Ok((self.restore(k)?, self.restore_value(v)?)))
                    .collect::<Result<_>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Where a walk stands after a page, ready to be written.
#[derive(Debug, Clone)]
pub(crate) struct Position {
    pub(crate) next: Request,
    pub(crate) paginator: SavedPaginator,
    pub(crate) data_selector: String,
    pub(crate) pages: usize,
    pub(crate) records: usize,
    pub(crate) finished: Option<StopReason>,
}

/// The checkpoint of one walk, shared by the walk (which records positions) and the
/// [`Pages`](crate::Pages) handle.
///
/// Two ways to keep it: the walk saves its file itself when the caller asks for the next page
/// (`Paginate::checkpoint`, the library's mode), or the walk hands each page's position to the
/// caller ([`Page`](crate::Page) carries it, encoded), which saves it after writing the page
/// (the CLI's `paginate --checkpoint` and runs, through [`Ledger`](crate::durable::Ledger)).
#[derive(Debug)]
pub(crate) struct Checkpoint {
    /// The file the walk saves by itself; `None`: the caller saves what each page carries.
    pub(crate) auto_path: Option<PathBuf>,
    /// What names the checkpoint in messages (its file, or the run checkpoint holding it).
    pub(crate) name: String,
    pub(crate) identity: Identity,
    /// The position found when the walk started, if any (identity already checked).
    pub(crate) resume: Option<Saved>,
    /// Set by the walk once the first request is known.
    pub(crate) secrets: Mutex<Secrets>,
    /// The position after the last page handed out (the library's mode).
    position: Mutex<Option<Position>>,
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Other,
        format!("cannot {what} the checkpoint `{}`", path.display()),
    )
    .with_source(e)
}

impl Checkpoint {
    /// Reads an existing file at `path` and checks that it belongs to `identity`. `auto`: the
    /// walk saves the file itself; else the caller saves what each page carries.
    ///
    /// # Errors
    /// A [builder error](Error::is_builder) naming the file when it is unreadable, of another
    /// version, or of another walk (saying what differs).
    pub(crate) fn from_file(path: PathBuf, auto: bool, identity: Identity) -> Result<Checkpoint> {
        let name = format!("`{}`", path.display());
        let resume = match std::fs::read(&path) {
            Ok(bytes) => {
                let head: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    invalid(&name, format!("not JSON ({e}); delete it to start over"))
                })?;
                Some(Self::parse(&name, head, &identity)?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error(&path, "read", e)),
        };
        Ok(Checkpoint {
            auto_path: auto.then_some(path),
            name,
            identity,
            resume,
            secrets: Mutex::new(Secrets::default()),
            position: Mutex::new(None),
        })
    }

    /// A checkpoint the caller keeps inside its own file (a run's): `saved` is the position it
    /// kept, if any, and `name` says where, for messages.
    ///
    /// # Errors
    /// As [`from_file`](Self::from_file), for the saved position.
    pub(crate) fn from_value(
        name: String,
        saved: Option<Value>,
        identity: Identity,
    ) -> Result<Checkpoint> {
        let resume = match saved {
            Some(v) => Some(Self::parse(&name, v, &identity)?),
            None => None,
        };
        Ok(Checkpoint {
            auto_path: None,
            name,
            identity,
            resume,
            secrets: Mutex::new(Secrets::default()),
            position: Mutex::new(None),
        })
    }

    fn parse(name: &str, head: Value, identity: &Identity) -> Result<Saved> {
        if head.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(invalid(name, "not a restclient checkpoint".into()));
        }
        if head.get("version").and_then(Value::as_u64) != Some(VERSION) {
            return Err(invalid(
                name,
                format!(
                    "version {} is not the version this restclient reads ({VERSION}); delete it to start over",
                    head.get("version").unwrap_or(&Value::Null)
                ),
            ));
        }
        let saved: Saved =
            serde_json::from_value(head).map_err(|e| invalid(name, format!("{e}")))?;
        let diffs = identity.differences(&saved.walk);
        if !diffs.is_empty() {
            return Err(Error::new(
                ErrorKind::Builder,
                format!(
                    "the checkpoint {name} belongs to another walk: {}; use another checkpoint file, or delete this one to start over",
                    diffs.join(", ")
                ),
            ));
        }
        Ok(saved)
    }

    /// Records where the walk stands after the page about to be handed out (the library's
    /// mode: saved when the caller asks for the next page).
    pub(crate) fn record(&self, position: Position) {
        *lock(&self.position) = Some(position);
    }

    /// The checkpoint of `p` as it is saved, secrets replaced by placeholders, with `extra`.
    pub(crate) fn encode(&self, p: &Position, extra: Value) -> Value {
        let secrets = lock(&self.secrets).clone();
        let (json, form) = match p.next.body() {
            Some(Body::Json(v)) => (Some(secrets.hide_value(v)), None),
            Some(Body::Form(f)) => (
                None,
                Some(
                    f.iter()
                        .map(|(k, v)| (secrets.hide(k), secrets.hide(v)))
                        .collect(),
                ),
            ),
            None => (None, None),
        };
        let saved = Saved {
            format: FORMAT.into(),
            version: VERSION,
            walk: self.identity.clone(),
            next_request: SavedRequest {
                method: p.next.method().as_str().to_owned(),
                url: secrets.hide(p.next.url().as_str()),
                params: p
                    .next
                    .params()
                    .iter()
                    .map(|(k, v)| (secrets.hide(k), secrets.hide(v)))
                    .collect(),
                json,
                form,
            },
            paginator: SavedPaginator {
                description: p.paginator.description.clone(),
                state: secrets.hide_value(&p.paginator.state),
            },
            data_selector: p.data_selector.clone(),
            pages: p.pages,
            records: p.records,
            finished: p.finished.as_ref().map(SavedStop::from),
            extra,
        };
        serde_json::to_value(&saved).unwrap_or(Value::Null)
    }

    /// Writes the last recorded position (the library's mode; nothing before the first page).
    pub(crate) fn save(&self) -> Result<()> {
        let Some(path) = &self.auto_path else {
            return Ok(());
        };
        let position = lock(&self.position).clone();
        let Some(p) = position else { return Ok(()) };
        let mut bytes = serde_json::to_vec_pretty(&self.encode(&p, Value::Null)).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("cannot encode the checkpoint: {e}"),
            )
        })?;
        bytes.push(b'\n');
        crate::files::write_atomic_at(path, &bytes, "checkpoint")
            .map_err(|e| io_error(path, "write", e))
    }

    /// The walk ended: the checkpoint has served its purpose (the library's mode).
    pub(crate) fn remove(&self) -> Result<()> {
        match &self.auto_path {
            Some(path) => {
                crate::files::remove_if_exists(path).map_err(|e| io_error(path, "remove", e))
            }
            None => Ok(()),
        }
    }
}

fn invalid(name: &str, why: String) -> Error {
    Error::new(
        ErrorKind::Builder,
        format!("invalid checkpoint {name}: {why}"),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_round_trip_through_placeholders() {
        let s = Secrets(vec!["s3cr3t-token".into(), "abc".into()]);
        let hidden = s.hide("https://x/?k=s3cr3t-token&b=abc");
        assert!(!hidden.contains("s3cr3t") && !hidden.contains("abc"));
        assert_eq!(
            s.restore(&hidden).unwrap(),
            "https://x/?k=s3cr3t-token&b=abc"
        );
        let other = Secrets(vec![]);
        assert!(other.restore(&hidden).unwrap_err().is_builder());
    }

    #[test]
    fn identity_differences_name_what_differs() {
        let a = Identity {
            method: "GET".into(),
            url: "http://x/a".into(),
            paginator: serde_json::json!({"type": "offset"}),
            data_selector: None,
            body: Some(r#"{"query":"x"}"#.into()),
            extra: serde_json::json!({"output": "/tmp/a"}),
        };
        let mut b = a.clone();
        b.url = "http://x/b".into();
        b.body = Some(r#"{"query":"y"}"#.into());
        b.extra = serde_json::json!({"output": "/tmp/b"});
        let d = b.differences(&a);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("URL") && d[1].contains("body") && d[2].contains("output"));
    }
}
