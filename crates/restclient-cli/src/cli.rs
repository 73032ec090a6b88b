//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Pull records out of REST APIs: every page, every pagination style, as NDJSON.
#[derive(Debug, Parser)]
#[command(name = "restclient", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// One request; the body goes to stdout. A non-2xx status prints the status line and body
    /// to stderr and exits 1.
    Get {
        /// The URL to request.
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Every page; the records as NDJSON (one JSON value per line) to stdout or --output.
    Paginate {
        /// The URL of the first page.
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
        /// Write the records to this file instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Show a progress bar on stderr (default: when stderr is a terminal).
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// Never show a progress bar.
        #[arg(long = "no-progress", overrides_with = "progress")]
        no_progress: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Fetches the first page only and prints, as one JSON object, the paginator (in dlt's
    /// rest_api form), the data selector and the record count: what `paginate` would do.
    Inspect {
        /// The URL of the first page.
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[command(flatten)]
        walk: WalkArgs,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Starts the bundled demo API on 127.0.0.1 and walks every pagination style it serves.
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
        /// Show progress bars on stderr (default: when stderr is a terminal).
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// Never show progress bars.
        #[arg(long = "no-progress", overrides_with = "progress")]
        no_progress: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
}

/// What a request carries.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// A header, `Name: value` (repeatable). `${NAME}` reads the environment.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// A query parameter, `key=value` (repeatable). `${NAME}` reads the environment.
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE")]
    pub(crate) params: Vec<String>,
    /// The HTTP method.
    #[arg(short = 'X', long = "method", default_value = "GET")]
    pub(crate) method: String,
    /// A JSON body, inline or `@file`.
    #[arg(long = "json", value_name = "BODY|@FILE")]
    pub(crate) json: Option<String>,
    /// Auth, in dlt's rest_api form: `{"type":"bearer","token":"${TOKEN}"}`, ...
    #[arg(long = "auth", value_name = "SPEC")]
    pub(crate) auth: Option<String>,
}

/// How a walk goes.
#[derive(Debug, Args)]
pub(crate) struct WalkArgs {
    /// The paginator, in dlt's rest_api form: a type name (`header_link`, `json_link`,
    /// `single_page`, `auto`) or a JSON object such as `{"type":"offset","limit":100}`.
    #[arg(long = "paginator", value_name = "SPEC")]
    pub(crate) paginator: Option<String>,
    /// The JSONPath of the records in each response (dlt syntax, e.g. `data.items`).
    #[arg(long = "data-selector", value_name = "PATH")]
    pub(crate) data_selector: Option<String>,
    /// Stop after this many pages.
    #[arg(long = "max-pages", value_name = "N")]
    pub(crate) max_pages: Option<usize>,
    /// Stop after this many records.
    #[arg(long = "max-records", value_name = "N")]
    pub(crate) max_records: Option<usize>,
    /// Requests in flight at once for offset and page-number walks (link and cursor walks
    /// stay serial: each request needs the previous response).
    #[arg(long = "concurrency", value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
}

/// Options of every subcommand.
#[derive(Debug, Args)]
pub(crate) struct CommonArgs {
    /// Runtime settings (`[runtime]` of a dlt-style config.toml). Default: RESTCLIENT_CONFIG,
    /// else .restclient/config.toml when present; RUNTIME__* variables override the file.
    #[arg(long = "config", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace (also dlt's WARNING, CRITICAL). Default:
    /// RUNTIME__LOG_LEVEL, else warn.
    #[arg(long = "log-level", value_name = "LEVEL")]
    pub(crate) log_level: Option<String>,
}
