//! `bench-floor`: the transport floors of the restclient benchmark (see `bench/README.md`).
//!
//! It fetches the demo API's pages with a plain `reqwest::Client` on a current-thread tokio
//! runtime and **writes nothing**: no paginator, no data selector, no retries, no hooks, no
//! NDJSON serialisation. Two modes, two floors:
//!
//! * `--mode parse` (the default; `floor-parse` in the tables): every body is parsed into a
//!   `serde_json::Value` and its records are counted. What any client that builds a tree per
//!   page must pay: HTTP plus JSON parsing.
//! * `--mode raw` (`floor-raw`): every body is read into memory and nothing more, except what
//!   the walk needs to find the next page. `offset` and `header_link` parse nothing (the page
//!   URLs are computed up front; the next link is in a header). `json_link` and `cursor` do a
//!   minimal parse: the top-level object is read as keys to raw (unparsed, but validated)
//!   values, then only `next` or `cursors` → `next` is decoded. Records are not counted (the
//!   summary's `records` is `null`); pages and body bytes are. What any client must pay for the
//!   same pages: HTTP alone.
//!
//! The runtime is current-thread because the request and its connection then live on one
//! thread: no cross-thread wake-up per request (the restclient CLI runs the same way).
//!
//! * `--style offset`: the page URLs `/offset?offset=O&limit=K` are computed up front from
//!   `--records` and `--page-size` and fetched with up to `--concurrency` requests in flight.
//! * `--style json_link | header_link | cursor`: one request at a time, following the body's
//!   `next`, the `Link: <..>; rel="next"` header or the body's `cursors.next`, with the names
//!   hard-coded. These are bounded: more than `records / page-size + 1` pages is an error.
//!
//! `--path` fetches another route of the same style (the benchmark's pre-rendered
//! `/bench/offset`), and each `--param key=value` is added to every page URL.
//!
//! The walk is timed in-process, from just before the first request to the last byte of the
//! last body (the client is built before the clock starts): the best the transport can do.
//! On success it prints `{"records": N | null, "pages": P, "bytes": B, "walk_s": S}` on stdout;
//! on any error it prints one line on stderr and exits 1 (2 for a usage error). It only ever
//! talks to the base URL it is given.

use std::{
    collections::BTreeMap,
    process::ExitCode,
    time::{Duration, Instant},
};

use futures::{StreamExt as _, TryStreamExt as _, stream};
use reqwest::{Client, Url, header::LINK};
use serde_json::{Value, value::RawValue};

const USAGE: &str = "\
Usage: bench-floor BASE_URL --style STYLE --records N --page-size K [--concurrency C] [--mode M]
                   [--path PATH] [--param KEY=VALUE]...

Fetches the demo API's pages with no pagination logic and prints
{\"records\": N, \"pages\": P, \"bytes\": B, \"walk_s\": S}. Writes no records. --mode parse parses each body
into a serde_json::Value and counts the records; --mode raw only reads each body (records: null),
decoding nothing but the next link or cursor where the body holds it.

  BASE_URL           the demo API's root, e.g. http://127.0.0.1:8080
  --style STYLE      offset | json_link | header_link | cursor
  --records N        records the server holds (offset: how many URLs to compute)
  --page-size K      records per page (limit / page_size)
  --concurrency C    requests in flight, offset style only (default 1)
  --mode M           parse | raw (default parse)
  --path PATH        the route (default: the style's, e.g. /offset)
  --param KEY=VALUE  a query parameter added to every page URL (repeatable)";

/// Errors of the floor: all end the run with one line on stderr.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The pagination styles of the demo API the floor can fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `/offset?offset=O&limit=K`, URLs computed up front.
    Offset,
    /// `/json-link?page_size=K`, following the body's `next`.
    JsonLink,
    /// `/header-link?page_size=K`, following `Link: rel="next"`.
    HeaderLink,
    /// `/cursor?limit=K`, following the body's `cursors.next`.
    Cursor,
}

impl Style {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "offset" => Ok(Self::Offset),
            "json_link" => Ok(Self::JsonLink),
            "header_link" => Ok(Self::HeaderLink),
            "cursor" => Ok(Self::Cursor),
            other => Err(format!(
                "--style: `{other}` is not one of offset, json_link, header_link, cursor"
            )),
        }
    }

    /// The route's path.
    fn path(self) -> &'static str {
        match self {
            Self::Offset => "/offset",
            Self::JsonLink => "/json-link",
            Self::HeaderLink => "/header-link",
            Self::Cursor => "/cursor",
        }
    }

    /// The field holding the records, `None` for a bare array.
    fn records_field(self) -> Option<&'static str> {
        match self {
            Self::Offset | Self::Cursor => Some("items"),
            Self::JsonLink => Some("data"),
            Self::HeaderLink => None,
        }
    }
}

/// What the floor does with each body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Parse it into a `serde_json::Value` and count its records.
    Parse,
    /// Read it; decode only the next link or cursor when the body holds it.
    Raw,
}

impl Mode {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "parse" => Ok(Self::Parse),
            "raw" => Ok(Self::Raw),
            other => Err(format!("--mode: `{other}` is not one of parse, raw")),
        }
    }
}

/// The parsed command line.
#[derive(Debug)]
struct Args {
    base: Url,
    style: Style,
    records: u64,
    page_size: u64,
    concurrency: usize,
    mode: Mode,
    /// The route, when not the style's own.
    path: Option<String>,
    /// Extra query parameters of every page URL.
    params: Vec<(String, String)>,
}

impl Args {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or(self.style.path())
    }

    /// `base` + the route + `query` + `--param`s.
    fn url(&self, query: &[(&str, &str)]) -> Result<Url, BoxError> {
        let mut url = url(&self.base, self.path(), query)?;
        url.query_pairs_mut().extend_pairs(&self.params);
        Ok(url)
    }
}

/// Parses the command line; `Ok(None)` means `--help` was asked for.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut base = None;
    let mut style = None;
    let mut records = None;
    let mut page_size = None;
    let mut concurrency = 1_usize;
    let mut mode = Mode::Parse;
    let mut path = None;
    let mut params = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        if !arg.starts_with("--") {
            if base.is_some() {
                return Err(format!("unexpected argument `{arg}`"));
            }
            base = Some(Url::parse(&arg).map_err(|e| format!("BASE_URL `{arg}`: {e}"))?);
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        let positive = |text: &str| match text.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{arg}: `{text}` is not a positive integer")),
        };
        match arg.as_str() {
            "--style" => style = Some(Style::parse(&value)?),
            "--mode" => mode = Mode::parse(&value)?,
            "--path" if value.starts_with('/') => path = Some(value),
            "--path" => return Err(format!("--path: `{value}` does not start with /")),
            "--param" => match value.split_once('=') {
                Some((k, v)) if !k.is_empty() => params.push((k.to_owned(), v.to_owned())),
                _ => return Err(format!("--param: `{value}` is not KEY=VALUE")),
            },
            "--records" => records = Some(positive(&value)?),
            "--page-size" => page_size = Some(positive(&value)?),
            "--concurrency" => {
                concurrency = usize::try_from(positive(&value)?)
                    .map_err(|_| format!("--concurrency: `{value}` is too large"))?;
            }
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    let args = Args {
        base: base.ok_or("BASE_URL is required")?,
        style: style.ok_or("--style is required")?,
        records: records.ok_or("--records is required")?,
        page_size: page_size.ok_or("--page-size is required")?,
        concurrency,
        mode,
        path,
        params,
    };
    if args.concurrency > 1 && args.style != Style::Offset {
        return Err("--concurrency above 1 needs --style offset".into());
    }
    Ok(Some(args))
}

/// What a walk fetched.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    /// Records counted; `None` in raw mode (bodies are not parsed).
    records: Option<u64>,
    pages: u64,
    bytes: u64,
}

impl Totals {
    fn add(self, page: &Fetched) -> Self {
        let records = match (self.pages, self.records, page.records) {
            (0, _, records) => records,
            (_, Some(total), Some(records)) => Some(total + records),
            _ => None,
        };
        Self {
            records,
            pages: self.pages + 1,
            bytes: self.bytes + page.bytes,
        }
    }
}

/// What one page gave: its final URL, its records (parse mode), its size and the reference to
/// the next page when the style has one (a link, resolved against `url`, or a cursor).
#[derive(Debug)]
struct Fetched {
    url: Url,
    records: Option<u64>,
    bytes: u64,
    next: Option<String>,
}

/// GETs `url`, fails on a non-2xx status, reads the body and looks at it as `mode` says.
async fn fetch(client: &Client, url: Url, style: Style, mode: Mode) -> Result<Fetched, BoxError> {
    let response = client.get(url).send().await?.error_for_status()?;
    let link = match style {
        Style::HeaderLink => response
            .headers()
            .get(LINK)
            .and_then(|value| value.to_str().ok())
            .and_then(next_from_link)
            .map(str::to_owned),
        Style::Offset | Style::JsonLink | Style::Cursor => None,
    };
    let url = response.url().clone();
    let body = response.bytes().await?;
    let bytes = u64::try_from(body.len())?;
    let (records, next) = match mode {
        Mode::Parse => {
            let body: Value = serde_json::from_slice(&body)?;
            let next = match style {
                Style::Offset => None,
                Style::HeaderLink => link,
                Style::JsonLink => body.get("next").and_then(Value::as_str).map(str::to_owned),
                Style::Cursor => body
                    .pointer("/cursors/next")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            (Some(count_records(&url, &body, style)?), next)
        }
        Mode::Raw => {
            let next = match style {
                Style::Offset => None,
                Style::HeaderLink => link,
                Style::JsonLink => raw_string_at(&body, &["next"])?,
                Style::Cursor => raw_string_at(&body, &["cursors", "next"])?,
            };
            (None, next)
        }
    };
    Ok(Fetched {
        url,
        records,
        bytes,
        next,
    })
}

/// How many records `body` holds at `style`'s records field.
fn count_records(url: &Url, body: &Value, style: Style) -> Result<u64, BoxError> {
    let items = match style.records_field() {
        Some(field) => body.get(field),
        None => Some(body),
    };
    let len = items
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{url}: no records array in the body"))?
        .len();
    Ok(u64::try_from(len)?)
}

/// The string at `path` (object keys) in the JSON text `body`, without building a tree: each
/// level is read as its keys and their raw values (validated, not parsed), and only the step
/// taken is decoded. `null` or a missing key is `None`.
fn raw_string_at(body: &[u8], path: &[&str]) -> Result<Option<String>, BoxError> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(None);
    };
    let mut object: BTreeMap<String, &RawValue> = serde_json::from_slice(body)?;
    for key in parents {
        let Some(value) = object.get(*key) else {
            return Ok(None);
        };
        object = serde_json::from_str(value.get())?;
    }
    match object.get(*last) {
        Some(value) => Ok(serde_json::from_str(value.get())?),
        None => Ok(None),
    }
}

/// The target of `rel="next"` in a `Link` header (the demo API's URLs hold no commas).
fn next_from_link(header: &str) -> Option<&str> {
    let part = header
        .split(',')
        .find(|part| part.contains("rel=\"next\""))?;
    let start = part.find('<')? + 1;
    let end = part.find('>')?;
    part.get(start..end)
}

/// `base` + `path` with the query pairs `query`.
fn url(base: &Url, path: &str, query: &[(&str, &str)]) -> Result<Url, BoxError> {
    let mut url = base.join(path)?;
    url.query_pairs_mut().extend_pairs(query);
    Ok(url)
}

/// Offset style: every page URL computed up front, `concurrency` requests in flight.
async fn walk_offsets(client: &Client, args: &Args) -> Result<Totals, BoxError> {
    let limit = args.page_size.to_string();
    let step = usize::try_from(args.page_size)?;
    let urls = (0..args.records)
        .step_by(step)
        .map(|offset| args.url(&[("offset", &offset.to_string()), ("limit", &limit)]))
        .collect::<Result<Vec<_>, _>>()?;
    stream::iter(urls)
        .map(|url| fetch(client, url, Style::Offset, args.mode))
        .buffer_unordered(args.concurrency)
        .try_fold(Totals::default(), |totals, page| async move {
            Ok(totals.add(&page))
        })
        .await
}

/// Link and cursor styles: one request at a time, following the hard-coded next reference.
async fn walk_links(client: &Client, args: &Args) -> Result<Totals, BoxError> {
    let size = args.page_size.to_string();
    let size_param = if args.style == Style::Cursor {
        "limit"
    } else {
        "page_size"
    };
    let max_pages = args.records.div_ceil(args.page_size) + 1;
    let mut next = Some(args.url(&[(size_param, &size)])?);
    let mut totals = Totals::default();
    while let Some(current) = next.take() {
        if totals.pages >= max_pages {
            return Err(format!("more than {max_pages} pages: the walk does not end").into());
        }
        let page = fetch(client, current, args.style, args.mode).await?;
        totals = totals.add(&page);
        next = match (args.style, page.next) {
            (_, None) | (Style::Offset, _) => None,
            (Style::JsonLink | Style::HeaderLink, Some(link)) => Some(page.url.join(&link)?),
            (Style::Cursor, Some(cursor)) => {
                Some(args.url(&[("cursor", &cursor), ("limit", &size)])?)
            }
        };
    }
    Ok(totals)
}

/// Runs the walk `args` describes; also returns how long the walk took, from just before
/// the first request to the last byte (the client is built before).
async fn run(args: &Args) -> Result<(Totals, Duration), BoxError> {
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?;
    let started = Instant::now();
    let totals = match args.style {
        Style::Offset => walk_offsets(&client, args).await,
        Style::JsonLink | Style::HeaderLink | Style::Cursor => walk_links(&client, args).await,
    }?;
    Ok((totals, started.elapsed()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bench-floor: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok((totals, walk)) => {
            println!(
                "{}",
                serde_json::json!({
                    "records": totals.records,
                    "pages": totals.pages,
                    "bytes": totals.bytes,
                    "walk_s": walk.as_secs_f64(),
                })
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-floor: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn parses_a_full_command_line() -> Result<(), String> {
        let args = parse(&[
            "http://127.0.0.1:1",
            "--style",
            "offset",
            "--records",
            "10",
            "--page-size",
            "3",
            "--concurrency",
            "8",
            "--mode",
            "raw",
            "--path",
            "/bench/offset",
            "--param",
            "shape=wide",
        ])?
        .ok_or("unexpected help")?;
        assert_eq!(args.style, Style::Offset);
        assert_eq!((args.records, args.page_size, args.concurrency), (10, 3, 8));
        assert_eq!(args.mode, Mode::Raw);
        assert_eq!(
            args.url(&[("offset", "0")])
                .map_err(|e| e.to_string())?
                .as_str(),
            "http://127.0.0.1:1/bench/offset?offset=0&shape=wide"
        );
        assert!(parse(&["--help"])?.is_none());
        Ok(())
    }

    #[test]
    fn rejects_bad_command_lines() {
        let base = ["http://127.0.0.1:1", "--records", "10", "--page-size", "3"];
        for extra in [
            &["--style", "pages"][..],
            &["--style", "cursor", "--concurrency", "2"],
            &["--style", "offset", "--concurrency", "0"],
            &["--style", "offset", "--bogus", "1"],
            &["--style", "offset", "--mode", "fast"],
            &["--style"],
            &["--style", "offset", "--path", "bench"],
            &["--style", "offset", "--param", "shape"],
        ] {
            let args: Vec<&str> = base.iter().chain(extra).copied().collect();
            assert!(parse(&args).is_err(), "{extra:?}");
        }
        assert!(parse(&["--style", "offset", "--records", "1", "--page-size", "1"]).is_err());
    }

    #[test]
    fn finds_the_next_link() {
        let header = r#"<http://h/x?page=2>; rel="next", <http://h/x?page=9>; rel="last""#;
        assert_eq!(next_from_link(header), Some("http://h/x?page=2"));
        assert_eq!(next_from_link(r#"<http://h/x?page=9>; rel="last""#), None);
    }

    #[test]
    fn raw_mode_decodes_only_the_next_reference() -> Result<(), BoxError> {
        let link = br#"{"data":[{"id":1,"next":"no"}],"next":"/json-link?page=2"}"#;
        assert_eq!(
            raw_string_at(link, &["next"])?.as_deref(),
            Some("/json-link?page=2")
        );
        let last = br#"{"data":[{"id":1}],"next":null}"#;
        assert_eq!(raw_string_at(last, &["next"])?, None);
        let cursor = br#"{"items":[],"cursors":{"next":"c2"}}"#;
        assert_eq!(
            raw_string_at(cursor, &["cursors", "next"])?.as_deref(),
            Some("c2")
        );
        assert_eq!(
            raw_string_at(br#"{"items":[]}"#, &["cursors", "next"])?,
            None
        );
        assert!(raw_string_at(br#"{"data":[1,"#, &["next"]).is_err());
        assert!(raw_string_at(b"[1,2]", &["next"]).is_err());
        Ok(())
    }
}
