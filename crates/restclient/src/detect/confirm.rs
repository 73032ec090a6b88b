//! Confirmation by the second request: the API, not the first page, decides between the
//! paginators detection ranked.
//!
//! A first page alone often cannot tell a list from a first page, or `page` from `offset`; the
//! API can. [`confirm`] sends the second request each of the best few candidates would send
//! (the detected paginator first, then its alternatives, then, where nothing on the page points
//! anywhere, the common position parameters of the families the request's parameters suggest),
//! at most [`MAX_PROBES`] requests and never two for one candidate, and keeps the first
//! candidate whose page 2 the API answers with new records at the same place.
//!
//! The sending is a seam: `confirm` takes a closure ("send this request, give me the
//! response"), which the CLI's `inspect` implements with the real client (auth, retries and
//! pacing as for every request) and the corpus test with a simulator.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

use super::Detection;
use crate::paginators::Paginator;
use crate::request::{Body, Request};
use crate::response::Response;
use crate::selector::Selector;

/// At most this many second requests are sent to confirm a detection.
pub const MAX_PROBES: usize = 4;

/// A candidate walk, ready to start from the first request, and where it came from.
type Candidate = (Box<dyn Paginator>, &'static str);

/// At most this many where a confident rule says page 1 is the last (a `Link` header without
/// `next`): its alternatives are asked, but most such pages are what the rule says.
const LAST_PAGE_PROBES: usize = 2;

/// What [`confirm`] did: every second request it sent, in order, and which one the API
/// confirmed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Confirmation {
    /// The candidates probed, in the order their second requests were sent.
    pub tried: Vec<Probe>,
    /// The index in [`tried`](Self::tried) of the candidate the API confirmed, if any.
    pub confirmed: Option<usize>,
    /// Why nothing was probed, when nothing was (`"a POST that is not a GraphQL query"`, ...).
    pub skipped: Option<String>,
    /// The detection was a guess (below [`SURE`](super::SURE)): one page 2 can refute it.
    guessed: bool,
}

impl Confirmation {
    /// The candidate the API confirmed.
    #[must_use]
    pub fn chosen(&self) -> Option<&Probe> {
        self.confirmed.and_then(|i| self.tried.get(i))
    }

    /// Whether the API refuted a guessed paginator: its second request came back with page
    /// 1's records (the API ignores that parameter) and no other candidate was confirmed. A
    /// walk by it would only fetch page 1 again until the loop guard stops it, so what the
    /// evidence supports is a single page. A sure detection (a page number and a page count
    /// in the body, say) is not refuted by one repeat: its rule read more than one page can
    /// contradict.
    #[must_use]
    pub fn refuted(&self) -> bool {
        self.guessed
            && self.confirmed.is_none()
            && self
                .tried
                .iter()
                .any(|p| p.origin == "detected" && p.outcome == ProbeOutcome::Repeated)
    }

    /// One line for people: which candidate was confirmed, or why none was.
    #[must_use]
    pub fn summary(&self) -> String {
        let line = self.summary_line();
        if self.refuted() {
            format!("{line}; the detected walk would only repeat page 1: a single page")
        } else {
            line
        }
    }

    fn summary_line(&self) -> String {
        if let Some(skipped) = &self.skipped {
            return format!("not confirmed by a second request: {skipped}");
        }
        if let Some(p) = self.chosen() {
            return format!("confirmed by page 2: {}", p.outcome);
        }
        if self.tried.is_empty() {
            return "nothing to confirm: no candidate has a page 2".to_owned();
        }
        if self.tried.iter().all(|p| p.outcome == ProbeOutcome::Empty) {
            return "no candidate confirmed by page 2: every second request came back empty \
                    (the list may end on page 1)"
                .to_owned();
        }
        // One clause per kind of answer, in the order first met: the JSON has each probe.
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for p in &self.tried {
            let text = p.outcome.to_string();
            match kinds.iter_mut().find(|(k, _)| *k == text) {
                Some((_, n)) => *n += 1,
                None => kinds.push((text, 1)),
            }
        }
        let why: Vec<String> = kinds
            .into_iter()
            .map(|(k, n)| {
                if n > 1 {
                    format!("{k} ({n} candidates)")
                } else {
                    k
                }
            })
            .collect();
        format!(
            "no candidate confirmed by page 2 ({} tried): {}",
            self.tried.len(),
            why.join("; ")
        )
    }
}

/// One candidate and what its second request got back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Probe {
    /// The candidate paginator in dlt's `rest_api` form.
    pub paginator: Value,
    /// Where the candidate came from: `detected`, `alternative` or `position guess`.
    pub origin: &'static str,
    /// The second request's URL (with its query; not masked: the caller masks what it prints).
    pub url: String,
    /// What the API answered.
    pub outcome: ProbeOutcome,
    /// The candidate, ready to walk from the first request (not yet stepped).
    pub walker: Box<dyn Paginator>,
}

/// What a candidate's second request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProbeOutcome {
    /// 2xx with this many records at the same place, none of them page 1's: confirmed.
    Confirmed(usize),
    /// The records of page 1 again: the API ignored the parameter.
    Repeated,
    /// A range walk (offset, page) whose page 2 shares this many records with page 1.
    Overlapping(usize),
    /// An empty list while page 1 had records.
    Empty,
    /// A non-2xx status.
    Status(u16),
    /// No list of records where page 1 had them (or not JSON).
    NoRecords,
    /// The request failed (after the client's retries).
    Failed(String),
}

impl ProbeOutcome {
    /// Whether the API confirmed the candidate.
    #[must_use]
    pub fn is_confirmed(&self) -> bool {
        matches!(self, ProbeOutcome::Confirmed(_))
    }
}

impl std::fmt::Display for ProbeOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeOutcome::Confirmed(n) => write!(f, "{n} new records"),
            ProbeOutcome::Repeated => f.write_str("page 2 repeated page 1's records"),
            ProbeOutcome::Overlapping(n) => write!(f, "page 2 repeated {n} of page 1's records"),
            ProbeOutcome::Empty => f.write_str("page 2 was empty"),
            ProbeOutcome::Status(s) => write!(f, "page 2 answered {s}"),
            ProbeOutcome::NoRecords => f.write_str("page 2 had no records where page 1 had them"),
            ProbeOutcome::Failed(e) => write!(f, "page 2 failed: {e}"),
        }
    }
}

/// Why a first request may not be probed: only GET, and POST with a GraphQL query (never a
/// mutation), are sent again by default; any other request to an unknown API could change
/// something. `None` when it may be.
#[must_use]
pub fn unsafe_to_probe(request: &Request) -> Option<String> {
    let method = request.method();
    if *method == reqwest::Method::GET {
        return None;
    }
    let query = request
        .json()
        .and_then(|b| b.get("query"))
        .and_then(Value::as_str);
    match query {
        Some(q) if *method == reqwest::Method::POST => {
            // Any operation of the document, not only the first: a document may hold a query
            // and a mutation, and `operationName` picks which runs. A field that happens to be
            // named `mutation` only costs the probes, never a second write.
            let mut words = q.split(|c: char| !(c.is_alphanumeric() || c == '_'));
            if words.any(|w| matches!(w, "mutation" | "subscription")) {
                Some("a GraphQL mutation is never sent twice".to_owned())
            } else {
                None
            }
        }
        _ => Some(format!(
            "a {method} that is not a GraphQL query could change something"
        )),
    }
}

/// Confirms `found` (the detection from `response` to `request`, `None` where nothing was
/// found) with the second requests of the best candidates, sent by `send`, at most
/// [`MAX_PROBES`] of them. `selector` says where the records are.
///
/// Nothing is sent when the request is not safe to repeat ([`unsafe_to_probe`]), when page 1
/// has no records to compare with, or when a confident detection says page 1 is the last.
pub async fn confirm<F, Fut>(
    request: &Request,
    response: &Response,
    selector: &Selector,
    found: Option<&Detection>,
    mut send: F,
) -> Confirmation
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = crate::Result<Response>>,
{
    let mut out = Confirmation {
        tried: Vec::new(),
        confirmed: None,
        skipped: unsafe_to_probe(request),
        guessed: found.is_some_and(|f| f.confidence < super::SURE),
    };
    if out.skipped.is_some() {
        return out;
    }
    let Ok(body) = response.json() else {
        out.skipped = Some("page 1 is not JSON".to_owned());
        return out;
    };
    let data = selector.records(body);
    if data.is_empty() || !selector.first(body).is_some_and(Value::is_array) {
        out.skipped = Some("page 1 has no list of records to compare with".to_owned());
        return out;
    }
    let mut sent: Vec<(reqwest::Method, String, Option<Body>)> = Vec::new();
    let (candidates, budget) = candidates(request, response, selector.as_str(), found, &data);
    for (walker, origin) in candidates {
        if out.tried.len() >= budget {
            break;
        }
        let Some(second) = second_request(walker.clone(), request, response, &data) else {
            continue;
        };
        let key = (
            second.method().clone(),
            second.full_url().to_string(),
            second.body().cloned(),
        );
        // One probe answers every candidate that sends the same request.
        if sent.contains(&key) {
            continue;
        }
        sent.push(key);
        let paginator = walker.describe();
        let url = second.full_url().to_string();
        let range = matches!(
            paginator["type"].as_str(),
            Some("offset" | "page_number" | "range")
        );
        let outcome = match send(second).await {
            Ok(r) => judge(&data, selector, &r, range),
            Err(e) => ProbeOutcome::Failed(e.to_string()),
        };
        let confirmed = outcome.is_confirmed();
        out.tried.push(Probe {
            paginator,
            origin,
            url,
            outcome,
            walker,
        });
        if confirmed {
            out.confirmed = Some(out.tried.len() - 1);
            break;
        }
    }
    out
}

/// The candidates, best first: the detected paginator, its alternatives, then (where the
/// detection is a guess or nothing was found) the common position parameters by family.
/// With the number of probes they may use: [`MAX_PROBES`], or [`LAST_PAGE_PROBES`] where a
/// confident rule says page 1 is the last.
fn candidates(
    request: &Request,
    response: &Response,
    records_at: &str,
    found: Option<&Detection>,
    data: &[Value],
) -> (Vec<Candidate>, usize) {
    let mut out: Vec<Candidate> = Vec::new();
    if let Some(found) = found {
        // A confident rule that says page 1 is the last (a link API's last page) has nothing
        // to probe itself; its alternatives are still asked, since a page of records with a
        // count of more (`total_count` beside a `Link` without next) may say otherwise.
        let ends = second_request(found.paginator.clone(), request, response, data).is_none();
        let detected = found.describe();
        let variants = variants(&detected, request, response.json().ok(), data);
        let mut sure: Vec<Candidate> = Vec::new();
        // A lower page number first: a repeat rejects it safely, while a page too far would be
        // confirmed by new records and skip a page.
        let lower = variants.iter().position(|v| {
            v["type"] == "page_number" && v["base_page"].as_i64() < detected["base_page"].as_i64()
        });
        if let Some(i) = lower
            && let Some(p) = from_form(&variants[i], request)
        {
            sure.push((p, "the other page base"));
        }
        sure.push((found.paginator.clone(), "detected"));
        for (i, v) in variants.iter().enumerate() {
            if Some(i) != lower
                && let Some(p) = from_form(v, request)
            {
                sure.push((p, "another spelling"));
            }
        }
        for a in &found.alternatives {
            if let Some(p) = from_form(&a.paginator, request) {
                out.push((p, "alternative"));
            }
        }
        if ends && found.confidence >= super::SURE {
            // Most such pages are what the rule says: a few probes, of different families.
            return (by_family(out), LAST_PAGE_PROBES);
        }
        if found.confidence >= super::SURE {
            // The rule is sure of the kind of walk; what one page cannot show is the name
            // (and a page walk's base): those first, then the other rules' findings.
            sure.extend(out);
            return (sure, MAX_PROBES);
        }
        sure.extend(out);
        out = sure;
    }
    for form in position_guesses(request, records_at, data) {
        if let Some(p) = from_form(&form, request) {
            out.push((p, "position guess"));
        }
    }
    (by_family(out), MAX_PROBES)
}

/// `candidates` reordered so that the budget reaches every family before a second name of
/// one: the first candidate of each paginator type, in order, then the rest in order (an
/// API that ignores `offset` ignores `skip` as likely as it reads `page`).
fn by_family(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut seen: Vec<Value> = Vec::new();
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for c in candidates {
        let kind = c.0.describe()["type"].clone();
        if seen.contains(&kind) {
            rest.push(c);
        } else {
            seen.push(kind);
            first.push(c);
        }
    }
    first.extend(rest);
    first
}

/// The same walk under the names other APIs of its family give its parameter, which one page
/// cannot tell apart:
/// - a token sent back under the very name it came in (`next` → `next=`, `nextPageKey` →
///   `nextPageKey=`: the echo family), and, where the token is the last record's `id`, as
///   `starting_after` (the id-cursor family: Stripe and the APIs modelled on it);
/// - a parameter named as the response spells it, in the request's other usual spellings
///   (`PageIndex` → `pageIndex`, `page[pageNumber]` → `page[number]`);
/// - a page walk that the first request did not number, with the other base (0 or 1).
fn variants(form: &Value, request: &Request, body: Option<&Value>, data: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut renamed = |key: &str, names: Vec<String>| {
        let Some(name) = form[key].as_str() else {
            return;
        };
        for n in names {
            let mut v = form.clone();
            if n != name && !n.is_empty() {
                v[key] = n.into();
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    };
    match form["type"].as_str() {
        Some("cursor") if form.get("cursor_param").is_some() => {
            let path = form["cursor_path"].as_str().unwrap_or_default();
            let leaf = path
                .rsplit(['.', '[', '\''])
                .find(|s| !s.is_empty() && *s != "]");
            let mut names: Vec<String> = leaf
                .filter(|l| {
                    l.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                })
                .map(str::to_owned)
                .into_iter()
                .collect();
            // Id-cursor family (Stripe and the lists modelled on it): the token is the last
            // record's `id`, or the list says `has_more` beside it.
            let last_id = data.last().and_then(|r| r.get("id"));
            let has_more = form["has_more_path"].as_str().is_some_and(|p| {
                super::sent::normalize(p.rsplit('.').next().unwrap_or(p)) == "hasmore"
            });
            if has_more || (last_id.is_some() && last_id == cursor_value(form, body).as_ref()) {
                names.push("starting_after".to_owned());
            }
            renamed("cursor_param", names);
        }
        Some("page_number") => {
            if let Some(name) = form["page_param"].as_str() {
                renamed("page_param", spellings(name));
            }
            let base = form["base_page"].as_i64().unwrap_or(0);
            let sent = form["page_param"]
                .as_str()
                .is_some_and(|p| request.param(p).is_some());
            if !sent && (base == 0 || base == 1) {
                let mut v = form.clone();
                v["base_page"] = (1 - base).into();
                if let Some(page) = form["page"].as_i64() {
                    v["page"] = (page - base + 1 - base).into();
                }
                out.push(v);
            }
        }
        Some("offset") => {
            if let Some(name) = form["offset_param"].as_str() {
                renamed("offset_param", spellings(name));
            }
        }
        _ => {}
    }
    out
}

/// The cursor the candidate `form` reads from page 1's `body`.
fn cursor_value(form: &Value, body: Option<&Value>) -> Option<Value> {
    let path = Selector::new(form["cursor_path"].as_str()?).ok()?;
    path.first(body?).cloned()
}

/// A parameter's other usual spellings: first letter lower (`PageIndex` → `pageIndex`), and a
/// bracketed step that repeats its prefix without it (`page[pageNumber]` → `page[number]`).
fn spellings(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = name.chars();
    if let Some(c) = chars.next()
        && c.is_uppercase()
    {
        out.push(c.to_lowercase().chain(chars).collect());
    }
    if let Some((prefix, rest)) = name.split_once('[')
        && let Some(inner) = rest.strip_suffix(']')
        && let Some(tail) = inner.strip_prefix(prefix)
    {
        let mut t = tail.chars();
        if let Some(c) = t.next() {
            out.push(format!(
                "{prefix}[{}]",
                c.to_lowercase().chain(t).collect::<String>()
            ));
        }
    }
    out
}

/// A paginator from its `rest_api` form, starting where the first request did (`?page=2` goes
/// on to 3).
fn from_form(form: &Value, request: &Request) -> Option<Box<dyn Paginator>> {
    let mut form = form.clone();
    if form["type"] == "page_number" && form.get("page").is_none() {
        let param = form["page_param"].as_str().unwrap_or("page");
        if let Some(page) = request.param(param).and_then(|p| p.parse::<i64>().ok()) {
            form["page"] = page.into();
        }
    }
    crate::spec::paginator(&form).ok().flatten()
}

/// The common position parameters, as a short list ordered by the family the request's size
/// parameter suggests (never by API): where nothing on page 1 names a position, these are what
/// APIs of each family read.
fn position_guesses(request: &Request, records_at: &str, data: &[Value]) -> Vec<Value> {
    let size = request
        .params()
        .iter()
        .find(|(k, _)| super::sent::role_of(k) == Some(super::sent::Role::Size));
    let (size_name, limit) = match size {
        Some((k, v)) => (
            k.as_str(),
            v.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or(data.len() as i64),
        ),
        None => ("limit", data.len() as i64),
    };
    let leaf = super::sent::normalize(size_name);
    let offset = |offset_param: &str, limit_param: &str| {
        json!({"type": "offset", "limit": limit, "offset_param": offset_param,
               "limit_param": limit_param, "total_path": null})
    };
    // Page-number family: `page`, 1-based, the commonest.
    let page = json!({"type": "page_number", "page_param": "page", "base_page": 1,
                      "total_path": null});
    // Offset family: `offset` beside the size, under the size's own name.
    let same_offset = offset("offset", size_name);
    // Id-cursor family (Stripe's `starting_after`, many `after`): the last record's `id`.
    let has_id = data.last().and_then(|r| r.get("id")).is_some();
    let id_path = if records_at == "$" {
        "$[-1].id".to_owned()
    } else {
        format!("{records_at}[-1].id")
    };
    let after =
        |param: &str| json!({"type": "cursor", "cursor_path": id_path, "cursor_param": param});
    let mut out = Vec::new();
    // Per-record cursor family (Render, and REST lists modelled on GraphQL edges): each
    // record carries its own `cursor`; the last one's goes back as `cursor`.
    if let Some(key) = data.last().and_then(Value::as_object).and_then(|r| {
        // Only `cursor` itself: a record's `token` or `key` may be a credential it holds.
        r.keys().find(|k| super::sent::normalize(k) == "cursor")
    }) {
        let path = if records_at == "$" {
            format!("$[-1].{key}")
        } else {
            format!("{records_at}[-1].{key}")
        };
        out.push(json!({"type": "cursor", "cursor_path": path, "cursor_param": key}));
    }
    match leaf.as_str() {
        // Per-page sizes go with page numbers.
        l if l.contains("perpage") || l.contains("pagesize") || l == "pagelen" => {
            out.push(page);
            out.push(same_offset);
        }
        // Search-engine families: `rows` with `start` (Solr), `size` with `from`
        // (Elasticsearch), `take`/`top` with `skip` (OData, Prisma-style).
        "rows" => out.extend([offset("start", size_name), page]),
        "size" => out.extend([offset("from", size_name), page]),
        "take" | "top" => out.extend([offset("skip", size_name), page]),
        _ => {
            // `limit`, `count` or nothing sent: offset and the id cursor are as common as pages.
            if size.is_some() {
                out.push(same_offset);
                if has_id {
                    out.push(after("starting_after"));
                }
                out.push(page);
            } else {
                out.push(page);
                out.push(same_offset);
                if has_id {
                    out.push(after("starting_after"));
                }
            }
            if has_id {
                out.push(after("after"));
            }
            out.push(offset("skip", size_name));
        }
    }
    out
}

/// The request a walk with `walker` sends after page 1, `None` when it ends there.
fn second_request(
    mut walker: Box<dyn Paginator>,
    request: &Request,
    response: &Response,
    data: &[Value],
) -> Option<Request> {
    let mut next = request.clone();
    walker.init_request(&mut next).ok()?;
    walker.update_state(response, Some(data)).ok()?;
    walker.update_request(&mut next).ok()?;
    walker.has_next_page().then_some(next)
}

/// What page 2 (`second`) says about a candidate, given page 1's records (`first`).
fn judge(first: &[Value], selector: &Selector, second: &Response, range: bool) -> ProbeOutcome {
    let status = second.status();
    if !status.is_success() {
        return ProbeOutcome::Status(status.as_u16());
    }
    let Ok(body) = second.json() else {
        return ProbeOutcome::NoRecords;
    };
    let Some(Value::Array(list)) = selector.first(body) else {
        return ProbeOutcome::NoRecords;
    };
    if list.is_empty() {
        return ProbeOutcome::Empty;
    }
    let seen: HashSet<u64> = first.iter().map(fingerprint).collect();
    let again: Vec<u64> = list.iter().map(fingerprint).collect();
    let firsts: Vec<u64> = first.iter().map(fingerprint).collect();
    if again == firsts {
        return ProbeOutcome::Repeated;
    }
    let shared = again.iter().filter(|h| seen.contains(h)).count();
    if shared == list.len() {
        return ProbeOutcome::Repeated;
    }
    if range && shared > 0 {
        return ProbeOutcome::Overlapping(shared);
    }
    ProbeOutcome::Confirmed(list.len() - shared)
}

/// A record's text, hashed: two records are the same when their JSON text is.
fn fingerprint(record: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    record.to_string().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future whose every await is ready (the closures below answer at once).
    fn now<T>(f: impl Future<Output = T>) -> T {
        match pin!(f)
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("a test future was not ready"),
        }
    }

    fn response(url: &str, status: u16, body: &Value) -> Response {
        Response::from_parts(status, vec![], url, body.to_string().into_bytes()).unwrap()
    }

    fn get(url: &str) -> Request {
        let mut u: url::Url = url.parse().unwrap();
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        u.set_query(None);
        let mut r = Request::new(reqwest::Method::GET, u);
        for (k, v) in pairs {
            r.append_param(k, v);
        }
        r
    }

    fn records(from: i64, n: i64) -> Value {
        (from..from + n).map(|i| json!({"id": i})).collect()
    }

    /// An API that pages by `param` (1-based pages or offsets) over 10 records, 4 a page, and
    /// ignores every other parameter: what the probes see.
    fn api(
        param: &'static str,
    ) -> impl FnMut(Request) -> std::future::Ready<crate::Result<Response>> {
        move |r: Request| {
            let at = r.param(param).and_then(|v| v.parse::<i64>().ok());
            let start = match (param, at) {
                ("page", Some(p)) => (p - 1) * 4,
                (_, Some(o)) => o,
                (_, None) => 0,
            };
            let n = (10 - start).clamp(0, 4);
            let body = json!({"items": records(start, n)});
            std::future::ready(Ok(response(r.full_url().as_str(), 200, &body)))
        }
    }

    fn first_page() -> (Request, Response) {
        let req = get("https://h/items?limit=4");
        let resp = response(
            "https://h/items?limit=4",
            200,
            &json!({"items": records(0, 4)}),
        );
        (req, resp)
    }

    /// An API that answers every probe with `status` and `body`.
    fn answering(
        status: u16,
        body: Value,
    ) -> impl FnMut(Request) -> std::future::Ready<crate::Result<Response>> {
        move |r: Request| std::future::ready(Ok(response(r.full_url().as_str(), status, &body)))
    }

    /// [`first_page`]'s detection confirmed against `api`.
    fn confirm_first_page(
        api: impl FnMut(Request) -> std::future::Ready<crate::Result<Response>>,
    ) -> Confirmation {
        let (req, resp) = first_page();
        let selector = Selector::new("items").unwrap();
        let found = super::super::paginator_for(&req, &resp);
        now(confirm(&req, &resp, &selector, found.as_ref(), api))
    }

    #[test]
    fn the_api_confirms_the_walk_it_takes_and_rejects_the_parameter_it_ignores() {
        let (req, resp) = first_page();
        let selector = Selector::new("items").unwrap();
        let found = super::super::paginator_for(&req, &resp);
        // The first page guesses `offset` from `limit=4` alone; an offset API confirms it.
        let c = now(confirm(
            &req,
            &resp,
            &selector,
            found.as_ref(),
            api("offset"),
        ));
        assert_eq!(c.confirmed, Some(0), "{c:?}");
        assert_eq!(c.tried[0].outcome, ProbeOutcome::Confirmed(4));
        assert!(
            c.summary()
                .starts_with("confirmed by page 2: 4 new records")
        );
        // A page API ignores `offset`: page 1 again, rejected; `page=2` is confirmed.
        let c = now(confirm(&req, &resp, &selector, found.as_ref(), api("page")));
        let chosen = c.chosen().unwrap_or_else(|| {
            panic!(
                "{:#?}",
                c.tried
                    .iter()
                    .map(|p| (&p.paginator, &p.url, &p.outcome))
                    .collect::<Vec<_>>()
            )
        });
        assert_eq!(chosen.paginator["type"], "page_number", "{c:?}");
        assert_eq!(c.tried[0].outcome, ProbeOutcome::Repeated);
        assert!(c.tried.len() <= MAX_PROBES);
    }

    #[test]
    fn nothing_is_confirmed_where_every_probe_repeats_fails_or_is_empty() {
        // An API that ignores every position: page 1 again.
        let c = confirm_first_page(answering(200, json!({"items": records(0, 4)})));
        assert_eq!(c.confirmed, None);
        assert_eq!(c.tried.len(), MAX_PROBES, "the budget is spent, never more");
        assert!(c.tried.iter().all(|p| p.outcome == ProbeOutcome::Repeated));
        // The detected walk itself came back as page 1: refuted, a single page.
        assert!(c.refuted(), "{c:?}");
        assert!(c.summary().ends_with("a single page"), "{}", c.summary());
        let c = confirm_first_page(answering(400, json!({})));
        assert!(
            c.tried
                .iter()
                .all(|p| p.outcome == ProbeOutcome::Status(400))
        );
        assert!(
            c.summary().contains("page 2 answered 400"),
            "{}",
            c.summary()
        );
        // A refusal is not a repeat: nothing says the walk would loop.
        assert!(!c.refuted());
    }

    #[test]
    fn an_empty_page_2_confirms_nothing() {
        let c = confirm_first_page(answering(200, json!({"items": []})));
        assert_eq!(c.confirmed, None);
        assert!(
            c.tried.iter().all(|p| p.outcome == ProbeOutcome::Empty),
            "{c:?}"
        );
        assert!(c.summary().contains("every second request came back empty"));
    }

    #[test]
    fn an_unnumbered_page_walk_tries_the_lower_base_first_so_that_no_page_is_skipped() {
        // A page count and no current page: 1-based is a guess. A 0-based API answers
        // `page=1` with its second page, which `page=2` would have skipped.
        let req = get("https://h/items");
        let body = json!({"items": records(0, 4), "total_pages": 3});
        let resp = response("https://h/items", 200, &body);
        let selector = Selector::new("items").unwrap();
        let found = super::super::paginator_for(&req, &resp);
        assert_eq!(found.as_ref().unwrap().describe()["base_page"], 1);
        let pages = |base: i64| {
            move |r: Request| {
                let p = r
                    .param("page")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(base);
                let body = json!({"items": records((p - base) * 4, 4), "total_pages": 3});
                std::future::ready(Ok(response(r.full_url().as_str(), 200, &body)))
            }
        };
        let c = now(confirm(&req, &resp, &selector, found.as_ref(), pages(0)));
        assert_eq!(c.chosen().unwrap().paginator["base_page"], 0, "{c:?}");
        assert_eq!(c.tried.len(), 1);
        let c = now(confirm(&req, &resp, &selector, found.as_ref(), pages(1)));
        assert_eq!(c.chosen().unwrap().paginator["base_page"], 1, "{c:?}");
        assert_eq!(c.tried[0].outcome, ProbeOutcome::Repeated);
    }

    #[test]
    fn a_range_walk_that_overlaps_page_1_is_rejected() {
        let (req, resp) = first_page();
        let selector = Selector::new("items").unwrap();
        // Off by two: records 2..6 for `offset=4`.
        let off = |r: Request| {
            let o = r.param("offset").and_then(|v| v.parse::<i64>().ok());
            let start = o.map_or(0, |o| o - 2);
            std::future::ready(Ok(response(
                r.full_url().as_str(),
                200,
                &json!({"items": records(start, 4)}),
            )))
        };
        let found = super::super::paginator_for(&req, &resp);
        let c = now(confirm(&req, &resp, &selector, found.as_ref(), off));
        assert_eq!(c.tried[0].outcome, ProbeOutcome::Overlapping(2), "{c:?}");
    }

    #[test]
    fn a_bare_list_is_confirmed_by_a_common_position_parameter() {
        // Nothing sent, nothing in the body: the family guesses, `page` first.
        let req = get("https://h/items");
        let resp = response("https://h/items", 200, &records(0, 4));
        let selector = Selector::new("$").unwrap();
        let found = super::super::paginator_for(&req, &resp);
        assert!(found.is_none());
        let c = now(confirm(&req, &resp, &selector, None, |r: Request| {
            // An id-cursor API: `starting_after=3` gives 4.. ; anything else page 1.
            let after = r
                .param("starting_after")
                .and_then(|v| v.parse::<i64>().ok());
            let body = after.map_or_else(|| records(0, 4), |a| records(a + 1, 4));
            std::future::ready(Ok(response(r.full_url().as_str(), 200, &body)))
        }));
        let chosen = c.chosen().expect("confirmed");
        assert_eq!(chosen.paginator["cursor_param"], "starting_after", "{c:?}");
        assert_eq!(chosen.paginator["cursor_path"], "$[-1].id");
    }

    #[test]
    fn only_gets_and_graphql_queries_are_probed() {
        let mut post = get("https://h/search");
        post.set_method(reqwest::Method::POST);
        post.set_body(Some(Body::Json(json!({"from": 0, "size": 4}))));
        assert!(unsafe_to_probe(&post).is_some());
        post.set_body(Some(Body::Json(json!({"query": "query { items { id } }"}))));
        assert!(unsafe_to_probe(&post).is_none());
        post.set_body(Some(Body::Json(json!({"query": "{ items { id } }"}))));
        assert!(unsafe_to_probe(&post).is_none());
        post.set_body(Some(Body::Json(
            json!({"query": " mutation M { deleteAll { ok } }"}),
        )));
        assert!(unsafe_to_probe(&post).is_some());
        // A document with a query first and a mutation the operation name may pick.
        post.set_body(Some(Body::Json(json!({
            "query": "query Q { items { id } } mutation M { deleteAll { ok } }",
            "operationName": "M",
        }))));
        assert!(unsafe_to_probe(&post).is_some());
        assert!(unsafe_to_probe(&get("https://h/x")).is_none());
        // And `confirm` sends nothing for them.
        let resp = response("https://h/search", 200, &json!({"items": records(0, 4)}));
        let selector = Selector::new("items").unwrap();
        let mut sent = 0;
        post.set_body(Some(Body::Json(json!({"from": 0, "size": 4}))));
        let c = now(confirm(&post, &resp, &selector, None, |r: Request| {
            sent += 1;
            std::future::ready(Ok(response(r.full_url().as_str(), 200, &json!({}))))
        }));
        assert_eq!(sent, 0);
        assert!(c.skipped.is_some());
    }
}
