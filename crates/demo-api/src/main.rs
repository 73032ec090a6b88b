//! `demo-api`: runs the demo pagination server until Ctrl-C.

use std::{
    io::Write as _,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    process::ExitCode,
    time::Duration,
};

use demo_api::{BenchListener, DemoConfig, DemoServer, RateLimit, RateLimitStyle};

const USAGE: &str = "\
Usage: demo-api [--host HOST] [--port PORT] [--records N] [--page-size K] [--latency-ms MS]
                [--unavailable-every K] [--rate-limit-every K] [--retry-after S]
                [--truncate-every K] [--stall-every K] [--stall-ms MS]
                [--reset-every K] [--malformed-json-every K] [--html-every K]
                [--empty-204-every K]
                [--rate-limit N] [--rate-window-ms MS] [--rate-limit-style STYLE]
                [--bench-port PORT]

Serves every restclient pagination style over HTTP until Ctrl-C.

Options:
  --host HOST        IP address to bind (default 127.0.0.1; `localhost` allowed)
  --port PORT        port to bind, 0 = ephemeral (default 0)
  --records N        number of records, ids 1..=N (default 100)
  --page-size K      default page size, clamped to 1..=10000 (default 10)
  --latency-ms MS    delay added to every request in milliseconds (default 0)

Tracker API (/tracker, /github, /pokeapi) sizes:
  --tracker-projects N   projects (default 5)
  --tracker-issues N     issues per project (default 30)
  --tracker-users N      users (default 20)
  --tracker-events N     events (default 100)

Faults, on the paginated routes, every K-th request (counted; default: off):
  --unavailable-every K  answer 503
  --rate-limit-every K   answer 429 with `Retry-After: S` (--retry-after S, default 1)
  --truncate-every K     send half the body under a Content-Length for all of it
  --stall-every K        wait --stall-ms MS (default 30000) before answering
  --reset-every K        close the connection without answering
  --malformed-json-every K  answer 200 with JSON cut off (`{\"items\": [1, 2`)
  --html-every K         answer 200 with a text/html page
  --empty-204-every K    answer 204 without a body

Rate-limited mode, on the paginated routes and /tracker/ (default: off):
  --rate-limit N         accept N requests per window over all connections, 429 past it
  --rate-window-ms MS    the window in milliseconds (default 1000)
  --rate-limit-style STYLE  how the budget is advertised: ietf (default), ietf-structured,
                         x-epoch, x-seconds, retry-after-only, bare
Benchmark (bench/run.py):
  --bench-port PORT  also serve GET /bench/offset (the pre-rendered pages) and GET /bench/cpu
                     (this process's CPU seconds) on PORT, 0 = ephemeral, from a plain blocking
                     listener: one thread per connection, one write per answer (default: off)
  -h, --help         print this help";

/// Parsed command line.
#[derive(Debug)]
struct Args {
    addr: SocketAddr,
    config: DemoConfig,
    /// `--bench-port`: the port of the bench listener, if wanted.
    bench_port: Option<u16>,
}

/// Parses the command line; `Ok(None)` means `--help` was asked for.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut port = 0_u16;
    let mut config = DemoConfig::default();
    let mut rate_limit: Option<u64> = None;
    let mut rate_window = Duration::from_secs(1);
    let mut rate_style = RateLimitStyle::Ietf;
    let mut bench_port = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{flag}: `{text}` is not a non-negative integer"))
        };
        match flag.as_str() {
            "--host" => {
                let text = value()?;
                host = if text == "localhost" {
                    IpAddr::V4(Ipv4Addr::LOCALHOST)
                } else {
                    text.parse()
                        .map_err(|_| format!("--host: `{text}` is not an IP address"))?
                };
            }
            "--port" | "--bench-port" => {
                let text = value()?;
                let number = text
                    .parse()
                    .map_err(|_| format!("{flag}: `{text}` is not a port number"))?;
                if flag == "--port" {
                    port = number;
                } else {
                    bench_port = Some(number);
                }
            }
            "--records" => config.records = number(value()?)?,
            "--page-size" => config.page_size = number(value()?)?,
            "--tracker-projects" => config.tracker.projects = number(value()?)?,
            "--tracker-issues" => config.tracker.issues_per_project = number(value()?)?,
            "--tracker-users" => config.tracker.users = number(value()?)?,
            "--tracker-events" => config.tracker.events = number(value()?)?,
            "--latency-ms" => config.latency = Duration::from_millis(number(value()?)?),
            "--unavailable-every" => config.faults.unavailable_every = Some(number(value()?)?),
            "--rate-limit-every" => config.faults.rate_limit_every = Some(number(value()?)?),
            "--retry-after" => config.faults.retry_after_secs = number(value()?)?,
            "--truncate-every" => config.faults.truncate_every = Some(number(value()?)?),
            "--stall-every" => config.faults.stall_every = Some(number(value()?)?),
            "--stall-ms" => config.faults.stall = Duration::from_millis(number(value()?)?),
            "--reset-every" => config.faults.reset_every = Some(number(value()?)?),
            "--malformed-json-every" => {
                config.faults.malformed_json_every = Some(number(value()?)?);
            }
            "--html-every" => config.faults.html_every = Some(number(value()?)?),
            "--empty-204-every" => config.faults.empty_204_every = Some(number(value()?)?),
            "--rate-limit" => rate_limit = Some(number(value()?)?),
            "--rate-window-ms" => {
                let ms = number(value()?)?;
                if ms == 0 {
                    return Err("--rate-window-ms: must be at least 1".into());
                }
                rate_window = Duration::from_millis(ms);
            }
            "--rate-limit-style" => {
                rate_style = value()?
                    .parse()
                    .map_err(|e| format!("--rate-limit-style: {e}"))?;
            }
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    config.rate_limit = rate_limit.map(|budget| RateLimit {
        budget,
        window: rate_window,
        style: rate_style,
    });
    Ok(Some(Args {
        addr: SocketAddr::new(host, port),
        config,
        bench_port,
    }))
}

/// The route list of `--help`: the table `GET /` serves too.
fn routes_help() -> String {
    const WIDTH: usize = 20;
    let mut out = String::from(
        "Routes (GET / lists them as JSON, with the restclient --paginator and --data-selector\n\
         of each paginated route):\n",
    );
    for r in demo_api::ROUTES {
        if r.path.len() <= WIDTH {
            out.push_str(&format!(
                "  {:<8} {:<WIDTH$}  {}\n",
                r.method, r.path, r.about
            ));
        } else {
            out.push_str(&format!(
                "  {:<8} {}\n  {:<8} {:<WIDTH$}  {}\n",
                r.method, r.path, "", "", r.about
            ));
        }
    }
    out.push_str(
        "\nTry: demo-api --port 8080, then\n\
         \x20 restclient inspect localhost:8080/page\n\
         \x20 restclient paginate localhost:8080/offset -o offset.ndjson\n\
         \x20 restclient run examples/run/tracker.yaml",
    );
    out
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            // Ignore write errors (e.g. a closed pipe): there is nothing left to do.
            let _ = writeln!(std::io::stdout(), "{USAGE}\n\n{}", routes_help());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("demo-api: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match DemoServer::start_on(args.addr, args.config.clone()).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("demo-api: cannot listen on {}: {error}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // Best effort: a closed stdout must not stop the server.
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "demo-api listening on {}", server.url());
    if let Some(port) = args.bench_port {
        let addr = SocketAddr::new(args.addr.ip(), port);
        match BenchListener::start(addr, &args.config) {
            Ok(bench) => {
                let _ = writeln!(stdout, "demo-api bench listener on {}", bench.url());
            }
            Err(error) => {
                eprintln!("demo-api: cannot listen on {addr} (--bench-port): {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = stdout.flush();
    let result = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-api: cannot wait for Ctrl-C: {error}");
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
    fn parses_flags() -> Result<(), String> {
        let args = parse(&[
            "--port",
            "8080",
            "--records=7",
            "--page-size",
            "3",
            "--latency-ms",
            "5",
        ])?
        .ok_or("unexpected help")?;
        assert_eq!(args.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(args.config.records, 7);
        assert_eq!(args.config.page_size, 3);
        assert_eq!(args.config.latency, Duration::from_millis(5));
        assert_eq!(args.bench_port, None);
        let args = parse(&["--host", "::1", "--bench-port=0"])?.ok_or("unexpected help")?;
        assert_eq!(args.addr.ip(), IpAddr::from(std::net::Ipv6Addr::LOCALHOST));
        assert_eq!(args.bench_port, Some(0));
        assert!(parse(&["--help"])?.is_none());
        Ok(())
    }

    #[test]
    fn parses_rate_limit_flags() -> Result<(), String> {
        let args = parse(&[
            "--rate-limit",
            "10",
            "--rate-window-ms=500",
            "--rate-limit-style",
            "x-epoch",
        ])?
        .ok_or("unexpected help")?;
        assert_eq!(
            args.config.rate_limit,
            Some(RateLimit {
                budget: 10,
                window: Duration::from_millis(500),
                style: RateLimitStyle::XEpoch,
            })
        );
        assert!(
            parse(&[])?
                .ok_or("unexpected help")?
                .config
                .rate_limit
                .is_none()
        );
        assert!(parse(&["--rate-limit-style", "loud"]).is_err());
        assert!(parse(&["--rate-window-ms", "0"]).is_err());
        Ok(())
    }

    #[test]
    fn parses_fault_flags() -> Result<(), String> {
        let args = parse(&[
            "--unavailable-every=3",
            "--rate-limit-every",
            "4",
            "--retry-after",
            "2",
            "--truncate-every",
            "5",
            "--stall-every",
            "6",
            "--stall-ms",
            "250",
        ])?
        .ok_or("unexpected help")?;
        let f = &args.config.faults;
        assert_eq!(
            (
                f.unavailable_every,
                f.rate_limit_every,
                f.retry_after_secs,
                f.truncate_every,
                f.stall_every,
                f.stall
            ),
            (
                Some(3),
                Some(4),
                2,
                Some(5),
                Some(6),
                Duration::from_millis(250)
            )
        );
        assert!(parse(&["--stall-every", "x"]).is_err());
        let args = parse(&[
            "--reset-every",
            "7",
            "--malformed-json-every=8",
            "--html-every",
            "9",
            "--empty-204-every",
            "10",
        ])?
        .ok_or("unexpected help")?;
        let f = &args.config.faults;
        assert_eq!(
            (
                f.reset_every,
                f.malformed_json_every,
                f.html_every,
                f.empty_204_every
            ),
            (Some(7), Some(8), Some(9), Some(10))
        );
        assert!(parse(&["--html-every", "-1"]).is_err());
        Ok(())
    }

    #[test]
    fn rejects_bad_flags() {
        for bad in [
            &["--port"][..],
            &["--port", "70000"],
            &["--bench-port", "x"],
            &["--records", "-1"],
            &["--host", "nope"],
            &["--bogus"],
            &["x"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
