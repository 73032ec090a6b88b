//! The benchmark's blocking listener (`BenchListener`) over real HTTP: the same pages as the
//! demo server's `/bench/offset`, kept-alive connections, refusals, and its CPU report.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
};

use demo_api::{BenchListener, DemoConfig, DemoServer};
use reqwest::{Client, StatusCode};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn config(records: u64, page_size: u64) -> DemoConfig {
    DemoConfig {
        records,
        page_size,
        ..DemoConfig::default()
    }
}

fn listener(records: u64, page_size: u64) -> std::io::Result<BenchListener> {
    BenchListener::start(([127, 0, 0, 1], 0).into(), &config(records, page_size))
}

/// Reads one answer: the status code, the lowercased head and the body (by its length).
fn read_answer(reader: &mut BufReader<TcpStream>) -> Result<(u16, String, Vec<u8>), String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        if line.is_empty() {
            return Err(format!("closed mid-head: {head:?}"));
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let status = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("no content-length in {head:?}"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok((status, head, body))
}

#[tokio::test]
async fn serves_the_pages_of_the_demo_servers_bench_route() -> TestResult {
    let server = DemoServer::start(config(25, 10)).await?;
    let bench = listener(25, 10)?;
    let client = Client::new();
    // Aligned pages (stored), a window that is not (rendered on the spot), the default limit,
    // past the end, both shapes.
    for query in [
        "offset=0&limit=10",
        "offset=10&limit=10&shape=small",
        "offset=20&limit=10",
        "offset=5&limit=7&shape=small",
        "",
        "offset=30&limit=10",
    ] {
        let mut bodies = Vec::new();
        for base in [server.url(), bench.url()] {
            let response = client
                .get(format!("{base}/bench/offset?{query}"))
                .send()
                .await?;
            assert_eq!(response.status(), StatusCode::OK, "{base} {query}");
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
            bodies.push(response.bytes().await?);
        }
        assert_eq!(bodies[0], bodies[1], "{query}");
        let page: Value = serde_json::from_slice(&bodies[1])?;
        assert_eq!(page["total"], 25, "{query}");
    }
    Ok(())
}

#[test]
fn answers_pipelined_requests_on_one_connection_until_asked_to_close() -> TestResult {
    let bench = listener(30, 10)?;
    let mut stream = TcpStream::connect(bench.addr())?;
    // Three requests in one write: the listener must keep what follows each head.
    let request = |offset: u32, extra: &str| {
        format!(
            "GET /bench/offset?offset={offset}&limit=10&shape=small HTTP/1.1\r\nHost: x\r\n{extra}\r\n"
        )
    };
    let pipelined = request(0, "") + &request(10, "") + &request(20, "Connection: close\r\n");
    stream.write_all(pipelined.as_bytes())?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut first_ids = Vec::new();
    for _ in 0..3 {
        let (status, _, body) = read_answer(&mut reader)?;
        assert_eq!(status, 200);
        let page: Value = serde_json::from_slice(&body)?;
        first_ids.push(page["items"][0]["id"].as_u64());
    }
    assert_eq!(first_ids, [Some(1), Some(11), Some(21)]);
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest)?, 0, "closed after the third");
    Ok(())
}

#[test]
fn refuses_what_it_does_not_serve_and_closes() -> TestResult {
    let bench = listener(30, 10)?;
    for (request, status, message) in [
        ("GET /offset HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not found"),
        (
            "GET /bench/offset?limit=ten HTTP/1.1\r\n\r\n",
            400,
            "limit: `ten` is not a number",
        ),
        (
            "POST /bench/offset HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
            405,
            "only GET is served here",
        ),
        (
            "GET /bench/offset HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
            400,
            "a request body is not read here",
        ),
    ] {
        let mut stream = TcpStream::connect(bench.addr())?;
        // A guard, not a synchronisation: a connection left open fails the test, not hangs it.
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        stream.write_all(request.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let (got, head, body) = read_answer(&mut reader)?;
        assert_eq!(got, status, "{request:?}");
        assert!(head.contains("connection: close"), "{head}");
        let body: Value = serde_json::from_slice(&body)?;
        assert_eq!(body["error"], message, "{request:?}");
        let mut rest = Vec::new();
        assert_eq!(reader.read_to_end(&mut rest)?, 0, "{request:?}: not closed");
    }
    // A head that never ends is cut off at 8 KiB.
    let mut stream = TcpStream::connect(bench.addr())?;
    let long = format!("GET /bench/offset HTTP/1.1\r\nx: {}\r\n", "a".repeat(9000));
    // The listener may close before taking all of it: a failed write is fine.
    let _ = stream.write_all(long.as_bytes());
    let (got, _, _) = read_answer(&mut BufReader::new(stream))?;
    assert_eq!(got, 431);
    Ok(())
}

#[test]
fn reports_the_cpu_of_the_whole_process() -> TestResult {
    let bench = listener(10, 10)?;
    let cpu = || -> Result<(f64, f64), Box<dyn std::error::Error>> {
        let mut stream = TcpStream::connect(bench.addr())?;
        stream.write_all(b"GET /bench/cpu HTTP/1.1\r\nConnection: close\r\n\r\n")?;
        let (status, _, body) = read_answer(&mut BufReader::new(stream))?;
        assert_eq!(status, 200);
        let body: Value = serde_json::from_slice(&body)?;
        let field = |name: &str| body[name].as_f64().ok_or(format!("no {name} in {body}"));
        Ok((field("user_s")?, field("sys_s")?))
    };
    let (user, sys) = cpu()?;
    // This thread spins, and each report is made by a new thread of the listener: the reports
    // grow only if they count every thread of the process.
    let started = std::time::Instant::now();
    let mut x = 0_u64;
    loop {
        for _ in 0..1_000_000 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let (user2, sys2) = cpu()?;
        assert!(
            user2 >= user && sys2 >= sys,
            "{user}+{sys} -> {user2}+{sys2}"
        );
        if (user2 + sys2) - (user + sys) >= 0.05 {
            return Ok(());
        }
        // Generous: 50 ms of CPU takes far less than this even on a loaded machine.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the spinning thread's CPU is not reported: {user}+{sys} -> {user2}+{sys2}"
        );
    }
}
