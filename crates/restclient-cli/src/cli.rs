//! Command-line arguments: typed by clap (see `args`), global options declared once.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use restclient::Method;

use crate::args::{self, AuthArg, HeaderArg, JsonArg, PaginatorArg, ParamArg, typed};

/// Pull records out of REST APIs: every page, every pagination style, as NDJSON.
#[derive(Parser)]
#[command(name = "restclient", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Runtime settings (`[runtime]` of a dlt-style config.toml). Default: RESTCLIENT_CONFIG,
    /// else .restclient/config.toml when present; RUNTIME__* variables override the file.
    #[arg(long = "config", value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace (also dlt's WARNING, CRITICAL). Default:
    /// RUNTIME__LOG_LEVEL, else warn.
    #[arg(long = "log-level", value_name = "LEVEL", global = true,
          value_parser = typed("--log-level", args::log_level))]
    pub(crate) log_level: Option<tracing::Level>,
    /// Show a progress bar on stderr (default: when stderr is a terminal).
    #[arg(long, overrides_with = "no_progress", global = true)]
    pub(crate) progress: bool,
    /// Never show a progress bar.
    #[arg(long = "no-progress", overrides_with = "progress", global = true)]
    pub(crate) no_progress: bool,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// One request; the body goes to stdout. A non-2xx status prints the status line and the
    /// body (secrets masked, capped at http_max_error_body_length) to stderr and exits 1.
    Get {
        /// The URL to request.
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        #[command(flatten)]
        request: RequestArgs,
    },
    /// Every page; the records as NDJSON (one JSON value per line) to stdout or --output.
    Paginate {
        /// The URL of the first page.
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
        /// Write the records to this file instead of stdout. It is created (or emptied) only
        /// when the first page arrives.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Save where the walk stands in this file after every page; the same command started
        /// again (after a crash, kill -9 or a signal) continues after the last saved page, and
        /// --output is cut back to the saved length first, so every record is in it exactly
        /// once (on stdout: at least once). Removed when the walk completes. A checkpoint of
        /// another walk is refused (exit 2).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// Fetches the first page only and prints, as one JSON object, the paginator (in dlt's
    /// rest_api form, usable as --paginator), the data selector and the record count.
    Inspect {
        /// The URL of the first page.
        #[arg(value_parser = typed("<URL>", args::url))]
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Every resource of a dlt rest_api config (JSON, TOML or YAML) to one NDJSON file each,
    /// parents before children, with incremental state; a summary table on stderr.
    Run(crate::run_cmd::RunArgs),
    /// Starts the bundled demo API on 127.0.0.1 and walks every pagination style it serves.
    #[cfg(feature = "demo")]
    Demo {
        /// Where to write the records (one NDJSON file per style).
        #[arg(
            long = "out",
            value_name = "DIR",
            default_value = "restclient-demo-output"
        )]
        out: PathBuf,
        /// How many records the demo API serves.
        #[arg(long, default_value_t = 1000)]
        records: u64,
        /// The demo API's page size.
        #[arg(long = "page-size", default_value_t = 50)]
        page_size: u64,
    },
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
    /// The HTTP method.
    #[arg(short = 'X', long = "method", default_value = "GET",
          value_parser = typed("-X/--method", args::method))]
    pub(crate) method: Method,
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
    /// At most N requests start per second, spaced evenly (fractions allowed: 0.5 is one every
    /// 2 s; 0 = unlimited; default: requests_per_second, 0). Rate-limit headers of the API
    /// (RateLimit-*, X-RateLimit-*, Retry-After) are obeyed either way.
    #[arg(long = "rate", value_name = "N", value_parser = typed("--rate", args::rate))]
    pub(crate) rate: Option<f64>,
}

/// How a walk goes.
#[derive(Args)]
pub(crate) struct WalkArgs {
    /// The paginator, in dlt's rest_api form: a type name (`header_link`, `json_link`,
    /// `single_page`, `auto`) or a JSON object such as `{"type":"offset","limit":100}`.
    #[arg(long = "paginator", value_name = "SPEC",
          value_parser = typed("--paginator", args::paginator))]
    pub(crate) paginator: Option<PaginatorArg>,
    /// The JSONPath of the records in each response (dlt syntax, e.g. `data.items`).
    #[arg(long = "data-selector", value_name = "PATH",
          value_parser = typed("--data-selector", args::selector))]
    pub(crate) data_selector: Option<String>,
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
}
