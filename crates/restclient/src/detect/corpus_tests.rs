//! The corpus test: detection on first pages of real public APIs, as their documentation shows
//! them (`tests/data/detect-corpus/*.json`, one file per page; the corpus README says how an
//! entry is written).
//!
//! It is a unit test beside the rules because detection needs no HTTP: a [`Response`] is built
//! with `from_parts` and the first [`Request`] by hand, so the whole corpus runs in
//! milliseconds. The sets are scored apart:
//!
//! * the **tuning set** (the folder's top level): every miss is printed with its reason, with
//!   the score per family (and, with `DETECT_CORPUS_RULES=1`, the rule that decided each entry
//!   right), and the test fails when the count drops below [`RIGHT_AT_LEAST`] (a new rule may
//!   fix entries, never break one silently);
//! * every **held-out set** (each folder named `held-out*`), written by someone who did not see
//!   the rules: only its score is printed (nothing about which entries miss, so that reading the
//!   output cannot tune rules to it) unless `DETECT_HELD_OUT_DETAILS=1` asks for the misses. A
//!   set with a floor in [`HELD_OUT_FLOORS`] fails below it; a set without one (a new set, before
//!   its honest score is recorded) only prints.
//!
//! An entry is right when detection finds the records where `expected` says and either the
//! paginator `expected` describes (every key it gives) or an [`equivalent`] one: a different
//! paginator that takes the walk to the same second request. Both are printed apart.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{confirm, paginator_for, records};
use crate::request::{Body, Request};
use crate::response::Response;

/// The count of tuning-set entries detection must get right (raise it when a rule fixes more).
const RIGHT_AT_LEAST: usize = 117;

/// The count of tuning-set entries right after confirmation by the second request, against
/// the simulated API ([`simulate`]; raise it when a rule or a probe fixes more).
const CONFIRMED_AT_LEAST: usize = 121;

/// The number of tuning-set entries (raise it with every entry added).
const CORPUS_AT_LEAST: usize = 121;

/// Per held-out folder: the count detection must get right from the first page, the count
/// right after confirmation by the second request (against the simulated API), and the number
/// of entries.
///
/// `held-out`: 40 of 60 was its honest score, taken once after tuning on the tuning set only
/// (issue #25; 30 before that tuning). Its misses were read since, so it is tuned on now like
/// the top level, and its floor is what detection reaches there: 56 (4 of them by an
/// equivalent paginator).
///
/// `held-out-2`: 41 of 63 (2 of them by an equivalent paginator), its honest score, taken once
/// on 2026-12-06 after the second tuning, by the lead; its writer never saw the rules and its
/// tuner never saw it. Its misses have been printed since, and the third tuning tuned on it:
/// its floor is what detection reaches there now, 55 (5 of them by an equivalent paginator;
/// 59 right or among the alternatives). It is no longer an honest measure.
///
/// `held-out-3`: 98 of 151 (8 of them by an equivalent paginator; 107 right or among the
/// alternatives), its honest score, taken once on 2026-12-06 after the third tuning, by the
/// lead; its two writers never saw the rules and its tuner never saw it. Its misses have been
/// printed since: the next honest score needs a fourth set. The fourth tuning (detect4) tuned
/// on it: 103 right from the first page, its floor now.
///
/// `held-out-4`: 76 of 121 right from the first page (0 by an equivalent paginator; 84 right
/// or among the alternatives) and **83 of 121 confirmed**, its honest scores, taken once on
/// 2026-12-07 by the lead after the fourth tuning and the coming of confirmation; its two
/// writers never saw the rules or a detection result, and its tuner never saw it. Its misses
/// have been printed since: the next honest score needs a fifth set.
///
/// The confirmed floors (the second number) were first taken when confirmation came (issue
/// #25, detect4), on sets all tuned on by then (`held-out-4` excepted: its honest score).
const HELD_OUT_FLOORS: &[(&str, usize, usize, usize)] = &[
    ("held-out", 56, 56, 60),
    ("held-out-2", 55, 56, 63),
    ("held-out-3", 103, 117, 151),
    ("held-out-4", 76, 83, 121),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/detect-corpus")
}

/// The `.json` entries directly in `dir`, sorted by name.
fn entries_in(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the corpus folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
}

/// One entry's first request, response and expectation.
struct Entry {
    name: String,
    family: String,
    request: Request,
    response: Response,
    body: Value,
    expected: Value,
}

fn load(path: &Path) -> Result<Entry, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let entry: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(name, &entry)
}

fn parse(name: String, entry: &Value) -> Result<Entry, String> {
    for key in ["api", "source", "request", "response", "expected"] {
        if entry.get(key).is_none() {
            return Err(format!("no `{key}`"));
        }
    }
    let source = entry["source"].as_str().unwrap_or_default();
    if !source.starts_with("http") {
        return Err(format!("`source` is not a URL: {source}"));
    }
    let req = &entry["request"];
    let method = req["method"].as_str().unwrap_or("GET");
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut url: url::Url = req["url"]
        .as_str()
        .ok_or("request.url is not a string")?
        .parse()
        .map_err(|e| format!("request.url: {e}"))?;
    // The query becomes the request's parameters, as `.param(..)` or `-p` would give them.
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    url.set_query(None);
    let mut request = Request::new(method, url);
    for (k, v) in pairs {
        request.append_param(k, v);
    }
    if let Some(body) = req.get("body").filter(|b| !b.is_null()) {
        request.set_body(Some(Body::Json(body.clone())));
    }
    let resp = &entry["response"];
    let status = resp["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    let headers: Vec<(String, String)> = resp["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let body = resp["body"].clone();
    let response = Response::from_parts(
        status,
        headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        req["url"].as_str().unwrap_or_default(),
        body.to_string().into_bytes(),
    )
    .map_err(|e| format!("response: {e}"))?;
    Ok(Entry {
        name,
        family: entry["family"].as_str().unwrap_or("(none)").to_owned(),
        request,
        response,
        body,
        expected: entry["expected"].clone(),
    })
}

/// How detection did on one entry.
#[derive(Debug)]
enum Verdict {
    /// The paginator `expected` describes, found by this rule (`-` for none).
    Right(&'static str),
    /// A paginator [`equivalent`] to the expected one, found by this rule.
    Equivalent(&'static str),
    /// Why detection got the entry wrong.
    Wrong(String),
}

fn check(entry: &Entry) -> Verdict {
    check_found(entry, paginator_for(&entry.request, &entry.response))
}

/// The verdict on `entry` after detection and confirmation by the second request, the API
/// being the [`simulate`]d one: the candidate the simulated API confirmed, else the first
/// page's detection.
fn check_confirmed(entry: &Entry) -> Verdict {
    let found = paginator_for(&entry.request, &entry.response);
    let selector = records(&entry.body);
    let data = selector.records(&entry.body);
    let confirmation = now(confirm(
        &entry.request,
        &entry.response,
        &selector,
        found.as_ref(),
        |probe: Request| std::future::ready(Ok(simulate(entry, &data, &probe))),
    ));
    // `DETECT_CONFIRM_TRACE=<part of an entry's name>` prints what each probe got.
    if std::env::var("DETECT_CONFIRM_TRACE").is_ok_and(|t| entry.name.contains(&t)) {
        println!("{}: {}", entry.name, confirmation.summary());
        for p in &confirmation.tried {
            println!("  {} {} -> {}", p.origin, p.url, p.outcome);
        }
        println!(
            "  expected: {:?}",
            expected_second(entry, &data, &entry.expected["paginator"]).map(|s| s.1)
        );
    }
    let found = match (confirmation.chosen(), found) {
        (Some(chosen), found) => Some(super::Detection {
            paginator: chosen.walker.clone(),
            confidence: 1.0,
            source: format!("confirmed by page 2 ({})", chosen.origin),
            rule: "confirmed",
            alternatives: found.map(|f| f.alternatives).unwrap_or_default(),
        }),
        // Refuted by the API (page 2 repeated page 1): a single page, as `inspect` reports.
        (None, _) if confirmation.refuted() => None,
        (None, found) => found,
    };
    check_found(entry, found)
}

/// Runs a future whose every await is ready at once (the simulator answers at once).
fn now<T>(f: impl std::future::Future<Output = T>) -> T {
    use std::task::{Context, Poll, Waker};
    match std::pin::pin!(f)
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the simulated confirmation was not ready at once"),
    }
}

/// The simulated API of `entry` answering `probe`, a candidate's second request.
///
/// The model: the API takes exactly one second request, the one the entry's `expected`
/// paginator sends when stepped from the first request and response (as [`equivalent`] steps
/// it; at the documented `next` URL where the entry gives one), compared as a server receives it
/// ([`same_url`], the method, the body). That request gets page 2: page 1's body with its
/// records replaced by as many different ones (the rest left as it was: confirmation reads only
/// the records). Any other request gets page 1 unchanged: an API ignoring a parameter it does
/// not know. An entry whose `next` is null, or whose expected walk ends after page 1, answers
/// every probe with an empty page; an unpaginated entry (`paginator: null`) ignores them all.
///
/// Why it is fair: it confirms only the walk the API's documentation names, so a candidate is
/// never confirmed by luck, and it answers the way most APIs answer what they do not read.
/// Where real APIs differ: some answer 400 to an unknown parameter (a rejection too, as here);
/// an offset off by some gives overlapping records (the overlap check, not modelled here); an
/// API that reads more than one convention (`page` and `offset` both) confirms more than its
/// documented one, which this model counts as a miss; and corpus pages are trimmed to one or
/// two records, so a guess that sizes its offset by the page's records (`offset=2`) is refused
/// here where the real API, sized by its default, might answer it.
fn simulate(entry: &Entry, data: &[Value], probe: &Request) -> Response {
    let page = |body: Value| {
        Response::from_parts(
            200,
            vec![],
            probe.full_url().as_str(),
            body.to_string().into_bytes(),
        )
        .expect("a simulated page")
    };
    let want = &entry.expected["paginator"];
    if want.is_null() {
        return page(entry.body.clone());
    }
    let expected = expected_second(entry, data, want);
    let Some((method, url, body)) = expected else {
        return page(with_records(&entry.body, Vec::new()));
    };
    if *probe.method() == method
        && same_url(probe.full_url().as_str(), &url)
        && probe.body() == body.as_ref()
    {
        let fresh = (0..data.len())
            .map(|n| serde_json::json!({"simulated_page": 2, "n": n}))
            .collect();
        return page(with_records(&entry.body, fresh));
    }
    page(entry.body.clone())
}

/// The second request the entry's API takes, `None` when its walk ends after page 1.
fn expected_second(entry: &Entry, data: &[Value], want: &Value) -> Option<Sent> {
    if entry.expected.get("next").is_some_and(Value::is_null) {
        return None;
    }
    let mut want = want.clone();
    if want["type"] == "page_number" && want.get("page").is_none() {
        let param = want["page_param"].as_str().unwrap_or("page");
        if let Some(p) = entry
            .request
            .param(param)
            .and_then(|p| p.parse::<i64>().ok())
        {
            want["page"] = p.into();
        }
    }
    let stepped = crate::spec::paginator(&want)
        .ok()
        .flatten()
        .and_then(|p| second_request(p, entry, data).ok().flatten());
    // The documented `next` is the URL the API takes; the stepped walk gives its method and
    // body (a body-paged API keeps its URL).
    match (stepped, entry.expected.get("next").and_then(Value::as_str)) {
        (Some((method, _, body)), Some(next)) => Some((method, next.to_owned(), body)),
        (Some(sent), None) => Some(sent),
        (None, Some(next)) => Some((
            entry.request.method().clone(),
            next.to_owned(),
            entry.request.body().cloned(),
        )),
        (None, None) => None,
    }
}

/// `body` with the records (where detection finds them) replaced by `fresh`.
fn with_records(body: &Value, fresh: Vec<Value>) -> Value {
    let selector = records(body);
    let Some(target) = selector.first(body) else {
        return body.clone();
    };
    let Some(pointer) = pointer_to(body, target, String::new()) else {
        return body.clone();
    };
    let mut out = body.clone();
    if let Some(slot) = out.pointer_mut(&pointer) {
        *slot = Value::Array(fresh);
    }
    out
}

/// The JSON pointer of `target`, a value inside `at`.
fn pointer_to(at: &Value, target: &Value, path: String) -> Option<String> {
    if std::ptr::eq(at, target) {
        return Some(path);
    }
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match at {
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| pointer_to(v, target, format!("{path}/{}", escape(k)))),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .find_map(|(i, v)| pointer_to(v, target, format!("{path}/{i}"))),
        _ => None,
    }
}

fn check_found(entry: &Entry, found: Option<super::Detection>) -> Verdict {
    let selector = records(&entry.body);
    let want_records = entry.expected["data_selector"].as_str().unwrap_or("$");
    if selector.as_str() != want_records {
        return Verdict::Wrong(format!(
            "records at `{}`, expected `{want_records}`",
            selector.as_str()
        ));
    }
    let data = selector.records(&entry.body);
    let want = &entry.expected["paginator"];
    let Some(found) = found else {
        if want.is_null() {
            return Verdict::Right("-");
        }
        return Verdict::Wrong(format!("nothing detected, expected {want}"));
    };
    let got = found.describe();
    if want.is_null() {
        return Verdict::Wrong(format!(
            "detected {got} (from {}), expected none",
            found.source
        ));
    }
    let Some(want_form) = want.as_object() else {
        return Verdict::Wrong(format!("bad expectation {want}"));
    };
    let matches = |form: &Value| want_form.iter().all(|(k, v)| form.get(k) == Some(v));
    if let Some((k, v)) = want_form.iter().find(|(k, v)| got.get(*k) != Some(*v)) {
        if equivalent(entry, &data, found.paginator.clone(), want) {
            return Verdict::Equivalent(found.rule);
        }
        let among = if found.alternatives.iter().any(|a| matches(&a.paginator)) {
            AMONG_ALTERNATIVES
        } else {
            ""
        };
        return Verdict::Wrong(format!(
            "`{k}` is {} in {got} (rule {}, from {}), expected {v}{among}",
            got.get(k).unwrap_or(&Value::Null),
            found.rule,
            found.source
        ));
    }
    // Where the entry says what the second request is (or that there is none), take the step
    // the walk takes and compare.
    if let Some(next) = entry.expected.get("next") {
        let got_next = match second_request(found.paginator, entry, &data) {
            Ok(sent) => sent.map(|(_, url, _)| url),
            Err(e) => return Verdict::Wrong(format!("the first step failed: {e}")),
        };
        if !same_next(got_next.as_deref(), next.as_str()) {
            return Verdict::Wrong(format!("next request {got_next:?}, expected {next}"));
        }
    }
    Verdict::Right(found.rule)
}

/// Whether the walk's next URL is the one an entry documents: the same URL once parsed (so
/// `https://h` and `https://h/` are one), with the same query pairs in any order and either
/// encoding (`a:b` and `a%3Ab`): the request a server receives is the same.
fn same_next(got: Option<&str>, want: Option<&str>) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(got), Some(want)) => same_url(got, want),
        _ => false,
    }
}

fn same_url(a: &str, b: &str) -> bool {
    let parts = |u: &str| {
        let mut url = url::Url::parse(u).ok()?;
        let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        pairs.sort();
        url.set_query(None);
        url.set_fragment(None);
        Some((url, pairs))
    };
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The mark of a miss where an alternative detection offers is the expected paginator.
const AMONG_ALTERNATIVES: &str = " [an alternative matches]";

/// A request as the walk sends it: method, full URL and body.
type Sent = (reqwest::Method, String, Option<Body>);

/// The request a walk with `paginator` sends after `entry`'s first page (whose records are
/// `data`), or `None` when the walk ends after that page: the steps the walk takes.
fn second_request(
    mut paginator: Box<dyn crate::paginators::Paginator>,
    entry: &Entry,
    data: &[Value],
) -> Result<Option<Sent>, crate::Error> {
    let mut request = entry.request.clone();
    paginator.init_request(&mut request)?;
    paginator.update_state(&entry.response, Some(data))?;
    paginator.update_request(&mut request)?;
    Ok(paginator.has_next_page().then(|| {
        (
            request.method().clone(),
            request.full_url().to_string(),
            request.body().cloned(),
        )
    }))
}

/// Whether `found` walks `entry`'s API as the paginator `want` (dlt's `rest_api` form, as
/// `expected` gives it) does, although it is a different paginator.
///
/// The test is what one response can show: from the entry's first request and response, both
/// paginators take the walk's first step, and they are equivalent when both go on to the same
/// second request (method, URL with its query, and body), and that request is the entry's
/// `next` where the entry gives one. A `json_link` that follows `?page=2` is then equivalent
/// to a `page_number` that sends `page=2`. Two paginators that both end after the first page
/// are not: nothing shows that they would walk a longer list alike.
fn equivalent(
    entry: &Entry,
    data: &[Value],
    found: Box<dyn crate::paginators::Paginator>,
    want: &Value,
) -> bool {
    // A page walk starts where the first request did (`?page=2` goes on to page 3), as the
    // user who copies the SPEC beside that request would start it.
    let mut want = want.clone();
    if want["type"] == "page_number" && want.get("page").is_none() {
        let param = want["page_param"].as_str().unwrap_or("page");
        if let Some(page) = entry
            .request
            .param(param)
            .and_then(|p| p.parse::<i64>().ok())
        {
            want["page"] = page.into();
        }
    }
    let Ok(Some(wanted)) = crate::spec::paginator(&want) else {
        return false;
    };
    let (Ok(Some(got)), Ok(Some(expected))) = (
        second_request(found, entry, data),
        second_request(wanted, entry, data),
    ) else {
        return false;
    };
    let documented = entry.expected.get("next").and_then(Value::as_str);
    got.0 == expected.0
        && same_url(&got.1, &expected.1)
        && got.2 == expected.2
        && documented.is_none_or(|next| same_url(next, &got.1))
}

/// What detection got right and wrong in one set of entries.
struct Score {
    total: usize,
    /// Entries right, those right by equivalence included.
    right: usize,
    /// `name: rule` of every entry right only by an equivalent paginator.
    equivalent: Vec<String>,
    /// `name: reason` of every miss (entries that do not load included).
    misses: Vec<String>,
    /// Per family: (right, total), by family name.
    families: std::collections::BTreeMap<String, (usize, usize)>,
    /// `name: rule` of every entry right.
    rules: Vec<String>,
    /// Entries right after confirmation by the (simulated) second request.
    confirmed: usize,
    /// `name: reason` of every miss after confirmation.
    confirmed_misses: Vec<String>,
}

impl Score {
    fn headline(&self, set: &str) -> String {
        format!(
            "detect corpus, {set}: {} of {} right ({} of them by an equivalent paginator); \
             {} of {} right or among the alternatives `inspect` shows; {} of {} confirmed \
             (right after `inspect`'s second requests, against the simulated API)",
            self.right,
            self.total,
            self.equivalent.len(),
            self.right + self.among(),
            self.total,
            self.confirmed,
            self.total
        )
    }

    /// Misses where one of the alternatives `inspect` prints is the expected paginator.
    fn among(&self) -> usize {
        self.misses
            .iter()
            .filter(|m| m.ends_with(AMONG_ALTERNATIVES))
            .count()
    }

    fn print_details(&self) {
        for (family, (right, total)) in &self.families {
            println!("  {family}: {right} of {total}");
        }
        for m in &self.misses {
            println!("{m}");
        }
        if !self.confirmed_misses.is_empty() {
            println!("misses after confirmation by the second request:");
            for m in &self.confirmed_misses {
                println!("{m}");
            }
        }
        if !self.equivalent.is_empty() {
            println!("right by an equivalent paginator (the same second request):");
            for e in &self.equivalent {
                println!("{e}");
            }
        }
    }

    fn not_loading(&self) -> usize {
        self.misses
            .iter()
            .filter(|m| m.contains(": does not load: "))
            .count()
    }
}

fn score(paths: &[PathBuf]) -> Score {
    let mut s = Score {
        total: paths.len(),
        right: 0,
        equivalent: Vec::new(),
        misses: Vec::new(),
        families: std::collections::BTreeMap::new(),
        rules: Vec::new(),
        confirmed: 0,
        confirmed_misses: Vec::new(),
    };
    for path in paths {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let entry = match load(path) {
            Ok(e) => e,
            Err(e) => {
                s.misses.push(format!("  {name}: does not load: {e}"));
                continue;
            }
        };
        match check_confirmed(&entry) {
            Verdict::Right(_) | Verdict::Equivalent(_) => s.confirmed += 1,
            Verdict::Wrong(why) => s.confirmed_misses.push(format!("  {}: {why}", entry.name)),
        }
        let family = s.families.entry(entry.family.clone()).or_default();
        family.1 += 1;
        match check(&entry) {
            Verdict::Right(rule) => {
                s.right += 1;
                family.0 += 1;
                s.rules.push(format!("  {}: {rule}", entry.name));
            }
            Verdict::Equivalent(rule) => {
                s.right += 1;
                family.0 += 1;
                s.rules
                    .push(format!("  {}: {rule} (equivalent)", entry.name));
                s.equivalent.push(format!("  {}: {rule}", entry.name));
            }
            Verdict::Wrong(why) => s.misses.push(format!("  {}: {why}", entry.name)),
        }
    }
    s
}

#[test]
fn tuning_set() {
    let s = score(&entries_in(&corpus_dir()));
    println!("{}", s.headline("tuning set"));
    s.print_details();
    // `DETECT_CORPUS_RULES=1` also says which rule got each entry right.
    if std::env::var_os("DETECT_CORPUS_RULES").is_some_and(|v| v == "1") {
        println!("right, by the rule that decided:");
        for r in &s.rules {
            println!("{r}");
        }
    }
    assert!(
        s.not_loading() == 0,
        "corpus entries that do not load:\n{}",
        s.misses.join("\n")
    );
    // The corpus only grows (the issue asks for 100+; see the corpus README).
    assert!(
        s.total >= CORPUS_AT_LEAST,
        "the tuning set has {} entries, fewer than {CORPUS_AT_LEAST}",
        s.total
    );
    assert!(
        s.confirmed >= CONFIRMED_AT_LEAST,
        "after confirmation, {} of {} tuning-set entries are right, fewer than {CONFIRMED_AT_LEAST}:\n{}",
        s.confirmed,
        s.total,
        s.confirmed_misses.join("\n")
    );
    assert!(
        s.right >= RIGHT_AT_LEAST,
        "detection got {} of {} tuning-set entries right, fewer than {RIGHT_AT_LEAST}:\n{}",
        s.right,
        s.total,
        s.misses.join("\n")
    );
}

/// The folders named `held-out*` in the corpus, sorted by name.
fn held_out_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("held-out"))
        })
        .collect();
    dirs.sort();
    dirs
}

/// Every held-out set: its score only, unless `DETECT_HELD_OUT_DETAILS=1` (see the module
/// docs); a set with a floor fails below it, a set without one only prints.
#[test]
fn held_out_sets() {
    let details = std::env::var_os("DETECT_HELD_OUT_DETAILS").is_some_and(|v| v == "1");
    let dirs = held_out_dirs();
    for (name, _, _, _) in HELD_OUT_FLOORS {
        assert!(
            dirs.iter().any(|d| d.ends_with(name)),
            "the held-out set {name} has a floor but no folder"
        );
    }
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let s = score(&entries_in(dir));
        let floor = HELD_OUT_FLOORS.iter().find(|(n, _, _, _)| *n == name);
        let unscored = if floor.is_none() {
            ", no floor recorded"
        } else {
            ""
        };
        println!(
            "{}{unscored} (DETECT_HELD_OUT_DETAILS=1 prints the misses)",
            s.headline(&format!("held-out set `{name}`"))
        );
        if details {
            s.print_details();
        }
        // A set without a floor (a new one, before its honest score is recorded) only prints:
        // its score, and how many entries do not load, never failing the test.
        let Some((_, right_at_least, confirmed_at_least, total_at_least)) = floor else {
            if s.not_loading() > 0 {
                println!(
                    "  {name}: {} entries do not load (DETECT_HELD_OUT_DETAILS=1 names them)",
                    s.not_loading()
                );
            }
            continue;
        };
        if s.not_loading() > 0 {
            failures.push(format!(
                "{name}: {} entries do not load (DETECT_HELD_OUT_DETAILS=1 names them)",
                s.not_loading()
            ));
        }
        if s.total < *total_at_least {
            failures.push(format!(
                "{name} has {} entries, fewer than {total_at_least}",
                s.total
            ));
        }
        if s.right < *right_at_least {
            failures.push(format!(
                "detection got {} of {} entries of {name} right, fewer than {right_at_least}",
                s.right, s.total
            ));
        }
        if s.confirmed < *confirmed_at_least {
            failures.push(format!(
                "after confirmation, {} of {} entries of {name} are right, fewer than \
                 {confirmed_at_least}",
                s.confirmed, s.total
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn equivalence_is_the_same_second_request() {
    // A page-number API whose body also carries the next page's full link: following the link
    // and counting pages send the same second request.
    let entry = |next: Value, page_param: &str| {
        parse(
            "t.json".into(),
            &serde_json::json!({
                "api": "t", "source": "https://docs.example.com",
                "request": {"method": "GET", "url": "https://api.example.com/items?page=1&per_page=2"},
                "response": {"status": 200, "body": {
                    "items": [{"id": 1}, {"id": 2}], "page": 1, "total_pages": 3, "next": next}},
                "expected": {"paginator": {"type": "page_number", "page_param": page_param,
                                            "base_page": 1, "total_path": "total_pages"},
                             "data_selector": "items"}
            }),
        )
        .unwrap()
    };
    let same = entry(
        "https://api.example.com/items?page=2&per_page=2".into(),
        "page",
    );
    let link = || {
        Box::new(crate::paginators::JsonLinkPaginator::new().next_url_path("next"))
            as Box<dyn crate::paginators::Paginator>
    };
    let data = [serde_json::json!({"id": 1}), serde_json::json!({"id": 2})];
    let want = &same.expected["paginator"];
    assert!(equivalent(&same, &data, link(), want));
    // The link goes elsewhere than the page the API's parameter would ask for.
    let skips = entry(
        "https://api.example.com/items?page=3&per_page=2".into(),
        "page",
    );
    assert!(!equivalent(&skips, &data, link(), want));
    // The same link, but the API's page parameter is another one: not the same request.
    let other_param = entry(
        "https://api.example.com/items?page=2&per_page=2".into(),
        "p",
    );
    let want = &other_param.expected["paginator"];
    assert!(!equivalent(&other_param, &data, link(), want));
    // Both end after the first page: nothing shows they would walk a longer list alike.
    let last = entry(Value::Null, "page");
    let mut last_body = last.body.clone();
    last_body["total_pages"] = 1.into();
    let last = Entry {
        response: Response::from_parts(
            200,
            vec![],
            "https://api.example.com/items",
            last_body.to_string().into_bytes(),
        )
        .unwrap(),
        body: last_body,
        ..last
    };
    let want = &last.expected["paginator"];
    assert!(!equivalent(&last, &data, link(), want));
    // And the harness counts the first as right by equivalence, not as plain right.
    assert!(
        matches!(check(&same), Verdict::Equivalent(_)),
        "{:?}",
        check(&same)
    );
}

#[test]
fn a_documented_next_url_is_compared_as_the_server_receives_it() {
    // Query pairs in any order and either encoding, a bare host and its root path: one request.
    assert!(same_url(
        "https://h/items?page=2&filter=a:b",
        "https://h/items?filter=a%3Ab&page=2"
    ));
    assert!(same_url(
        "https://url_to_next_page",
        "https://url_to_next_page/"
    ));
    assert!(!same_url(
        "https://h/items?page=2",
        "https://h/items?page=3"
    ));
    assert!(!same_url(
        "https://h/items?page=2",
        "https://h/other?page=2"
    ));
    assert!(same_next(None, None));
    assert!(!same_next(Some("https://h/items?page=2"), None));
}

#[test]
fn the_simulated_api_takes_only_its_documented_second_request() {
    let entry = |next: Value| {
        parse(
            "t.json".into(),
            &serde_json::json!({
                "api": "t", "source": "https://docs.example.com",
                "request": {"method": "GET", "url": "https://api.example.com/items?limit=2"},
                "response": {"status": 200, "body": {"items": [{"id": 1}, {"id": 2}]}},
                "expected": {"paginator": {"type": "offset", "limit": 2, "total_path": null},
                             "data_selector": "items", "next": next}
            }),
        )
        .unwrap()
    };
    let walks = entry("https://api.example.com/items?limit=2&offset=2".into());
    let data = records(&walks.body).records(&walks.body);
    let probe = |url: &str| Request::new(reqwest::Method::GET, url.parse().unwrap());
    let items = |r: Response| r.json().unwrap()["items"].clone();
    // Its own second request, in any order of the query: page 2, other records.
    let page2 = items(simulate(
        &walks,
        &data,
        &probe("https://api.example.com/items?offset=2&limit=2"),
    ));
    assert_eq!(page2.as_array().map(Vec::len), Some(2));
    assert!(!page2.as_array().unwrap().iter().any(|r| data.contains(r)));
    // Anything else: page 1 unchanged (the API ignores what it does not read).
    let ignored = items(simulate(
        &walks,
        &data,
        &probe("https://api.example.com/items?limit=2&page=2"),
    ));
    assert_eq!(ignored, Value::Array(data.clone()));
    // A last page answers every probe with an empty page.
    let last = entry(Value::Null);
    let empty = items(simulate(
        &last,
        &data,
        &probe("https://api.example.com/items?offset=2&limit=2"),
    ));
    assert_eq!(empty, serde_json::json!([]));
    // And the confirmed score counts the candidate the simulated API confirmed.
    assert!(matches!(
        check_confirmed(&walks),
        Verdict::Right(_) | Verdict::Equivalent(_)
    ));
}
