//! Command-line arguments: typed by clap (see `args`). Each subcommand lists only the options it
//! uses: the groups below are flattened into the subcommands that use them; only `--log-level`
//! is global.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use restclient::Method;

use crate::args::{self, AuthArg, HeaderArg, JsonArg, PaginatorArg, ParamArg, typed};

/// Pull records out of REST APIs: every page, every pagination style, as NDJSON.
#[derive(Parser)]
#[command(name = "restclient", version, long_about = None, after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Log level: error, warn, info, debug, trace (also dlt's WARNING, CRITICAL). Default:
    /// RUNTIME__LOG_LEVEL, else warn (retries are shown at warn too, as curl shows them).
    #[arg(long = "log-level", value_name = "LEVEL", global = true, display_order = 100,
          value_parser = typed("--log-level", args::log_level))]
    pub(crate) log_level: Option<tracing::Level>,
    /// `--progress` and `--no-progress` before the subcommand, as they were once global.
    #[command(flatten)]
    pub(crate) progress: HiddenProgressArgs,
}

const EXAMPLES: &str = "\
Examples:
  restclient get localhost:8080/posts/1              a URL without a scheme: http for localhost
  restclient post api.example.com/search --json '{\"q\":1}'
  restclient inspect api.example.com/items           which paginator and data selector fit
  restclient paginate api.example.com/items -o items.ndjson --retries 2
  restclient run config.yaml -o out/                 a dlt rest_api config
  restclient demo                                    every style against a bundled demo API";

#[derive(Subcommand)]
pub(crate) enum Command {
    /// One request: GET, or another method with -X METHOD; the body to stdout.
    ///
    /// `post`, `put`, `patch` and `delete` are shortcuts for -X: `restclient post URL --json
    /// BODY`. The body goes to stdout; a non-2xx status prints the status line and the body
    /// (secrets masked, capped at http_max_error_body_length) to stderr and exits 1.
    Get {
        /// The URL to request (without a scheme: http for localhost and loopback, else https).
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        /// The HTTP method.
        #[arg(short = 'X', long = "method", default_value = "GET",
              value_parser = typed("-X/--method", args::method))]
        method: Method,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// One POST request, as `get -X POST` (a body with --json BODY|@FILE).
    Post(MethodArgs),
    /// One PUT request, as `get -X PUT`.
    Put(MethodArgs),
    /// One PATCH request, as `get -X PATCH`.
    Patch(MethodArgs),
    /// One DELETE request, as `get -X DELETE`.
    Delete(MethodArgs),
    /// Every page; the records as NDJSON (one JSON value per line) to stdout or -o FILE.
    Paginate {
        /// The URL of the first page (without a scheme: http for localhost and loopback, else
        /// https).
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        /// The HTTP method of every page's request (e.g. POST for a search API).
        #[arg(short = 'X', long = "method", default_value = "GET",
              value_parser = typed("-X/--method", args::method))]
        method: Method,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Write the records to this file instead of stdout; it is created (or emptied) only
        /// when the first page arrives, and a one-line summary goes to stderr at the end.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Save where the walk stands in this file after every page; the same command started
        /// again (after a crash, kill -9 or a signal) continues after the last saved page, and
        /// --output is cut back to the saved length first, so every record is in it exactly
        /// once (on stdout: at least once). Removed when the walk completes. A checkpoint of
        /// another walk is refused (exit 2).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        #[command(flatten)]
        progress: ProgressArgs,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// The first page only: which paginator and data selector fit, as one JSON object.
    ///
    /// Prints the paginator (in dlt's rest_api form, usable as --paginator), the data selector
    /// and the record count; without --paginator, also how sure detection is and what else it
    /// considered. Where one page cannot decide, it asks the API: it sends the second request
    /// of the best candidates (at most 4 more requests, one per candidate) and keeps the first
    /// whose page 2 brings new records ("confirmed by page 2" on stderr, `confirmation` in the
    /// JSON). Only a GET, or a POST of a GraphQL query, is sent again (--no-probe: never).
    Inspect {
        /// The URL of the first page (without a scheme: http for localhost and loopback, else
        /// https).
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        /// The HTTP method.
        #[arg(short = 'X', long = "method", default_value = "GET",
              value_parser = typed("-X/--method", args::method))]
        method: Method,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
        /// Send no second request: report what the first page alone shows.
        #[arg(long = "no-probe")]
        no_probe: bool,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Every resource of a dlt rest_api config (JSON, TOML or YAML), to NDJSON files.
    ///
    /// One NDJSON file per resource, parents before children, with incremental state; a
    /// summary table on stderr.
    Run {
        #[command(flatten)]
        args: crate::run_cmd::RunArgs,
        #[command(flatten)]
        progress: ProgressArgs,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Starts the bundled demo API on 127.0.0.1 and walks every pagination style it serves.
    ///
    /// Then runs the bundled dlt rest_api config (examples/run/tracker.yaml) against it, twice:
    /// the second run, a day of activity later, gets only what is new.
    #[cfg(feature = "demo")]
    Demo {
        /// Where to write the records (one NDJSON file per style) and the tracker run.
        #[arg(
            short = 'o',
            long = "output",
            alias = "out",
            value_name = "DIR",
            default_value = "restclient-demo-output"
        )]
        output: PathBuf,
        /// How many records the demo API serves.
        #[arg(long, value_name = "N", default_value_t = 1000)]
        records: u64,
        /// The demo API's page size.
        #[arg(long = "page-size", value_name = "N", default_value_t = 50)]
        page_size: u64,
        #[command(flatten)]
        progress: ProgressArgs,
    },
}

/// `post`, `put`, `patch` and `delete`: `get` with the method given by the subcommand.
#[derive(Args)]
pub(crate) struct MethodArgs {
    /// The URL to request (without a scheme: http for localhost and loopback, else https).
    #[arg(value_parser = typed("<URL>", args::url))]
    pub(crate) url: String,
    #[command(flatten)]
    pub(crate) request: RequestArgs,
    #[command(flatten)]
    pub(crate) runtime: RuntimeArgs,
}

/// What a request carries.
#[derive(Args)]
pub(crate) struct RequestArgs {
    /// A header, `Name: value` (repeatable). `${NAME}` reads the environment; such a value is
    /// treated as a secret (masked, never sent to another origin), and an empty variable is
    /// an error rather than an empty credential.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE",
          value_parser = typed("-H/--header", args::header))]
    pub(crate) headers: Vec<HeaderArg>,
    /// A query parameter, `key=value` (repeatable). `${NAME}` reads the environment (an empty
    /// variable is an error); such a value is masked wherever restclient prints.
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE",
          value_parser = typed("-p/--param", args::param))]
    pub(crate) params: Vec<ParamArg>,
    /// A JSON body, inline or `@file`. `${NAME}` in its strings reads the environment.
    #[arg(long = "json", value_name = "BODY|@FILE", value_parser = typed("--json", args::json))]
    pub(crate) json: Option<JsonArg>,
    /// Auth, in dlt's rest_api form: `{"type":"bearer","token":"${TOKEN}"}`, `api_key`,
    /// `http_basic`, `oauth2_client_credentials`.
    #[arg(long = "auth", value_name = "SPEC", value_parser = typed("--auth", args::auth))]
    pub(crate) auth: Option<AuthArg>,
    /// The timeout of each request attempt, in seconds (default: request_timeout, 60).
    #[arg(long = "timeout", value_name = "SECONDS", value_parser = typed("--timeout", args::seconds))]
    pub(crate) timeout: Option<Duration>,
}

/// Runtime settings every command that sends requests takes.
#[derive(Args)]
pub(crate) struct RuntimeArgs {
    /// Retry a failed request (connection refused, timeout, 429, 5xx) up to N times, with
    /// exponential backoff; 0 fails at once (default: request_max_attempts - 1, that is 4).
    #[arg(long = "retries", value_name = "N")]
    pub(crate) retries: Option<u32>,
    /// Runtime settings (`[runtime]` of a dlt-style config.toml). Default: RESTCLIENT_CONFIG,
    /// else .restclient/config.toml when present; RUNTIME__* variables override the file.
    #[arg(long = "config", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

/// How the pages of a walk are read.
#[derive(Args)]
pub(crate) struct WalkArgs {
    /// The paginator, in dlt's rest_api form: a type name (`header_link`, `json_link`,
    /// `single_page`, `auto`) or a JSON object such as `{"type":"offset","limit":100}`.
    /// Default: detected from the first response (`inspect` shows what it finds).
    #[arg(long = "paginator", value_name = "SPEC",
          value_parser = typed("--paginator", args::paginator))]
    pub(crate) paginator: Option<PaginatorArg>,
    /// The JSONPath of the records in each response (dlt syntax, e.g. `data.items`).
    /// Default: detected from the first response.
    #[arg(long = "data-selector", value_name = "PATH",
          value_parser = typed("--data-selector", args::selector))]
    pub(crate) data_selector: Option<String>,
}

/// How far and how fast a walk goes.
#[derive(Args)]
pub(crate) struct LimitArgs {
    /// Stop after this many pages.
    #[arg(long = "max-pages", value_name = "N")]
    pub(crate) max_pages: Option<usize>,
    /// Stop after this many records.
    #[arg(long = "max-records", value_name = "N")]
    pub(crate) max_records: Option<usize>,
    /// Requests in flight at once for offset and page-number walks (at most 64; link and
    /// cursor walks stay serial: each request needs the previous response).
    #[arg(long = "concurrency", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
    /// At most N requests start per second, spaced evenly (fractions allowed: 0.5 is one every
    /// 2 s; 0 = unlimited; default: requests_per_second, 0). Rate-limit headers of the API
    /// (RateLimit-*, X-RateLimit-*, Retry-After) are obeyed either way.
    #[arg(long = "rate", value_name = "N", value_parser = typed("--rate", args::rate))]
    pub(crate) rate: Option<f64>,
}

/// The progress bar of the commands that draw one.
#[derive(Args)]
pub(crate) struct ProgressArgs {
    /// Show a progress bar on stderr (default: when stderr is a terminal).
    #[arg(long, overrides_with = "no_progress")]
    pub(crate) progress: bool,
    /// Never show a progress bar.
    #[arg(long = "no-progress", overrides_with = "progress")]
    pub(crate) no_progress: bool,
}

/// The same flags before the subcommand: accepted, not listed.
#[derive(Args)]
pub(crate) struct HiddenProgressArgs {
    #[arg(
        long = "progress",
        id = "top_progress",
        hide = true,
        overrides_with = "top_no_progress"
    )]
    pub(crate) progress: bool,
    #[arg(
        long = "no-progress",
        id = "top_no_progress",
        hide = true,
        overrides_with = "top_progress"
    )]
    pub(crate) no_progress: bool,
}

impl Command {
    /// The runtime settings given to this command (`demo` takes none).
    pub(crate) fn runtime(&self) -> Option<&RuntimeArgs> {
        match self {
            Command::Get { runtime, .. }
            | Command::Paginate { runtime, .. }
            | Command::Inspect { runtime, .. }
            | Command::Run { runtime, .. } => Some(runtime),
            Command::Post(m) | Command::Put(m) | Command::Patch(m) | Command::Delete(m) => {
                Some(&m.runtime)
            }
            #[cfg(feature = "demo")]
            Command::Demo { .. } => None,
        }
    }

    /// The progress flags given to this command, if it draws a progress bar.
    pub(crate) fn progress(&self) -> Option<&ProgressArgs> {
        match self {
            Command::Paginate { progress, .. } | Command::Run { progress, .. } => Some(progress),
            #[cfg(feature = "demo")]
            Command::Demo { progress, .. } => Some(progress),
            _ => None,
        }
    }
}
