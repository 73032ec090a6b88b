//! The benchmark's server: a plain blocking HTTP/1.1 listener for `/bench/offset`.
//!
//! `bench/run.py` measures clients, so the server must cost as little as the kernel allows.
//! demo-api's own route answers through tokio, hyper, axum and a multi-thread runtime; this
//! listener is one thread per connection doing, per request, a `read` of the request into a
//! buffer the connection keeps, a minimal parse (request line, the three headers that change
//! what to do), and one `write` of a page kept as a whole answer (head and body in one buffer,
//! see [`Wire`]): no allocation, no other system call. Connections are kept alive; the socket
//! has `TCP_NODELAY` (an answer's last segment is never held back waiting for an ACK).

use std::{
    io::{self, Read as _, Write as _},
    net::{SocketAddr, TcpListener, TcpStream},
    thread,
    time::Duration,
};

use serde_json::json;

use super::{PageQuery, Pages, Shape, Wire};
use crate::{config::DemoConfig, pages::clamp_size};

/// The largest request head read: the benchmark's clients send about 150 bytes.
const MAX_HEAD: usize = 8 * 1024;

/// demo-api's benchmark pages (`GET /bench/offset`) on a plain blocking listener, and the
/// process's own CPU time (`GET /bench/cpu`), for `bench/run.py`.
///
/// `GET /bench/offset?offset=O&limit=L&shape=wide|small` answers exactly what the demo
/// server's route of that name answers (the same pages, rendered once and kept in memory),
/// after the configured [`latency`](DemoConfig::latency) (without jitter). `GET /bench/cpu`
/// answers `{"user_s", "sys_s"}`: the user and system CPU seconds of the whole process, every
/// thread, living or ended (`getrusage(RUSAGE_SELF)`, microseconds), so that a benchmark can
/// tell how much of a walk the server was busy. Anything else is `404`; a request with a body,
/// a head over 8 KiB or a method other than `GET` gets a `4xx` and the connection is closed.
///
/// It runs on threads of its own until the process exits (there is no shutdown).
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// let config = demo_api::DemoConfig { records: 100_000, ..Default::default() };
/// let listener = demo_api::BenchListener::start(([127, 0, 0, 1], 0).into(), &config)?;
/// let first_page = format!("{}/bench/offset?offset=0&limit=100", listener.url());
/// # let _ = first_page;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BenchListener {
    addr: SocketAddr,
}

impl BenchListener {
    /// Binds `addr` (port 0 picks an ephemeral port) and serves `config`'s records, page size
    /// and latency from a thread of its own.
    pub fn start(addr: SocketAddr, config: &DemoConfig) -> io::Result<BenchListener> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let site = Site {
            records: config.records,
            page_size: clamp_size(config.page_size),
            latency: config.latency,
        };
        thread::Builder::new()
            .name("bench-accept".into())
            .spawn(move || accept(&listener, site))?;
        Ok(BenchListener { addr })
    }

    /// The address it is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `"http://127.0.0.1:40123"` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// What every connection serves.
#[derive(Debug, Clone, Copy)]
struct Site {
    records: u64,
    page_size: u64,
    latency: Duration,
}

fn accept(listener: &TcpListener, site: Site) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                // A connection that gets no thread is dropped (closed): the client sees it.
                let _ = thread::Builder::new()
                    .name("bench-conn".into())
                    .spawn(move || serve(stream, site));
            }
            // Out of descriptors, say: wait for connections to end rather than spin.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Answers the requests of one connection until it is closed, by either side.
fn serve(mut stream: TcpStream, site: Site) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let mut buf = [0_u8; MAX_HEAD];
    let mut filled = 0;
    // The pages of the last (limit, shape) asked for on this connection: no lock per request.
    let mut last: Option<(u64, Shape, Pages)> = None;
    loop {
        let end = loop {
            if let Some(end) = head_end(&buf[..filled]) {
                break end;
            }
            if filled == buf.len() {
                let _ = refuse(&mut stream, 431, "the request head is over 8 KiB");
                return;
            }
            match stream.read(&mut buf[filled..]) {
                Ok(0) | Err(_) => return,
                Ok(n) => filled += n,
            }
        };
        let answered = match Request::parse(&buf[..end]) {
            Ok(request) => match answer(&mut stream, &request, site, &mut last) {
                Ok(true) => !request.close,
                Ok(false) | Err(_) => false,
            },
            Err((status, message)) => {
                let _ = refuse(&mut stream, status, message);
                false
            }
        };
        if !answered {
            return;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
    }
}

/// Sends the answer to a well-formed request; `Ok(false)` when it was a refusal (the
/// connection is to be closed, as the answer says).
fn answer(
    stream: &mut TcpStream,
    request: &Request<'_>,
    site: Site,
    last: &mut Option<(u64, Shape, Pages)>,
) -> io::Result<bool> {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target, ""));
    match path {
        "/bench/offset" => {
            let query = match PageQuery::parse(query, site.page_size) {
                Ok(query) => query,
                Err(message) => return refuse(stream, 400, &message).map(|()| false),
            };
            if !site.latency.is_zero() {
                thread::sleep(site.latency);
            }
            let Some(index) = query.aligned_index(site.records) else {
                let page = super::render(site.records, &query);
                return stream.write_all(page.as_bytes()).map(|()| true);
            };
            let pages = match last {
                Some((limit, shape, pages)) if (*limit, *shape) == (query.limit, query.shape) => {
                    pages
                }
                _ => {
                    let pages = super::pages(site.records, query.limit, query.shape);
                    &last.insert((query.limit, query.shape, pages)).2
                }
            };
            match pages.get(index) {
                Some(page) => stream.write_all(page.as_bytes()),
                None => stream.write_all(super::render(site.records, &query).as_bytes()),
            }
            .map(|()| true)
        }
        "/bench/cpu" => {
            let body = cpu_json().to_string();
            stream.write_all(Wire::new(&body).as_bytes()).map(|()| true)
        }
        _ => refuse(stream, 404, "not found").map(|()| false),
    }
}

/// `{"user_s", "sys_s"}` of this whole process (every thread, living or ended).
fn cpu_json() -> serde_json::Value {
    use nix::sys::resource::{UsageWho, getrusage};
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1_000_000.0;
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(usage) => json!({
            "user_s": seconds(usage.user_time()),
            "sys_s": seconds(usage.system_time()),
        }),
        Err(error) => json!({ "error": format!("getrusage: {error}") }),
    }
}

/// Answers `status` with `{"error": message}` and asks the client to close (the caller does).
fn refuse(stream: &mut TcpStream, status: u16, message: &str) -> io::Result<()> {
    let reason = match status {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let body = json!({ "error": message }).to_string();
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes())
}

/// The length of the request head at the start of `buf` (through its blank line), if whole.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// What the listener reads of a request head.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    /// The request target: path and query.
    target: &'a str,
    /// The connection ends after this answer (`Connection: close`, or HTTP/1.0 without
    /// `Connection: keep-alive`).
    close: bool,
}

impl<'a> Request<'a> {
    /// Parses a request head (through its blank line). Refuses, with the status to answer, a
    /// method other than `GET`, a body (its length is not read past) and what is not HTTP/1.x.
    fn parse(head: &'a [u8]) -> Result<Request<'a>, (u16, &'static str)> {
        const BAD: (u16, &str) = (400, "not an HTTP/1.x request head");
        let head = std::str::from_utf8(head).map_err(|_| BAD)?;
        let mut lines = head.split("\r\n");
        let mut words = lines.next().ok_or(BAD)?.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(BAD);
        };
        let http10 = match version {
            "HTTP/1.1" => false,
            "HTTP/1.0" => true,
            _ => return Err(BAD),
        };
        if method != "GET" {
            return Err((405, "only GET is served here"));
        }
        let mut close = http10;
        for line in lines.take_while(|line| !line.is_empty()) {
            let (name, value) = line.split_once(':').ok_or(BAD)?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("connection") {
                for token in value.split(',').map(str::trim) {
                    if token.eq_ignore_ascii_case("close") {
                        close = true;
                    } else if token.eq_ignore_ascii_case("keep-alive") {
                        close = false;
                    }
                }
            } else if (name.eq_ignore_ascii_case("content-length") && value != "0")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                return Err((400, "a request body is not read here"));
            }
        }
        Ok(Request { target, close })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_of_a_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nGET"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nhost: x\r\n"), None);
    }

    #[test]
    fn parses_what_changes_the_answer() {
        fn parse(head: &str) -> Result<Request<'_>, (u16, &'static str)> {
            Request::parse(head.as_bytes())
        }
        assert_eq!(
            parse("GET /bench/offset?offset=0 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"),
            Ok(Request {
                target: "/bench/offset?offset=0",
                close: false
            })
        );
        let close = |head: &str| parse(head).map(|r| r.close);
        assert_eq!(
            close("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"),
            Ok(true)
        );
        assert_eq!(close("GET / HTTP/1.0\r\n\r\n"), Ok(true));
        assert_eq!(
            close("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"),
            Ok(false)
        );
        assert_eq!(
            close("GET / HTTP/1.1\r\ncontent-length: 0\r\n\r\n"),
            Ok(false)
        );
    }

    #[test]
    fn refuses_what_it_does_not_serve() {
        let status = |head: &str| {
            Request::parse(head.as_bytes())
                .map(|_| ())
                .map_err(|(status, _)| status)
        };
        assert_eq!(status("POST / HTTP/1.1\r\n\r\n"), Err(405));
        assert_eq!(
            status("GET / HTTP/1.1\r\ncontent-length: 3\r\n\r\n"),
            Err(400)
        );
        assert_eq!(
            status("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(400)
        );
        assert_eq!(status("GET / HTTP/2\r\n\r\n"), Err(400));
        assert_eq!(status("GET /\r\n\r\n"), Err(400));
        assert_eq!(status("GET / HTTP/1.1\r\nno colon\r\n\r\n"), Err(400));
        assert_eq!(
            Request::parse(b"GET / HTTP/1.1\r\n\xff: x\r\n\r\n")
                .map(|_| ())
                .map_err(|(status, _)| status),
            Err(400)
        );
    }
}
