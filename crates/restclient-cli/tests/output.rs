//! What `restclient paginate` writes: each record as the API sent it, one per line.

mod support;

use std::process::Command;

use support::{Server, json, query};

/// Two pages whose records no serializer would write back the same way: key order, number
/// spellings, escapes, raw UTF-8, whitespace inside strings, and a pretty-printed body.
const PAGE_1: &str = r#"{
  "items": [
    {"zeta": 1, "alpha": 2, "n": 1e3, "price": 1.50},
    { "big" : 12345678901234567890123 , "s" : "caf\u00e9 \/ \"q\"  é" }
  ],
  "next": "/items?page=2"
}"#;
const PAGE_2: &str = r#"{"items": [[1, {"x" : [ ]}], "text\n  record", null], "next": null}"#;

const LINES: &str = concat!(
    r#"{"zeta":1,"alpha":2,"n":1e3,"price":1.50}"#,
    "\n",
    r#"{"big":12345678901234567890123,"s":"caf\u00e9 \/ \"q\"  é"}"#,
    "\n",
    r#"[1,{"x":[]}]"#,
    "\n",
    r#""text\n  record""#,
    "\n",
    "null\n",
);

fn server() -> Server {
    Server::start(|req| match query(&req.target, "page") {
        Some("2") => json(200, PAGE_2),
        _ => json(200, PAGE_1),
    })
}

#[test]
fn each_line_is_the_records_own_text_on_stdout_and_in_a_file() {
    let server = server();
    let bin = assert_cmd::cargo::cargo_bin("restclient");
    let url = format!("{}/items", server.url);
    let out = Command::new(&bin)
        .args([
            "paginate",
            &url,
            "--paginator",
            "json_link",
            "--data-selector",
            "items",
        ])
        .env_remove("RUNTIME__LOG_LEVEL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), LINES);

    // Detected paginator and records, written to a file: the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    let out = Command::new(&bin)
        .args(["paginate", &url, "-o"])
        .arg(&file)
        .env_remove("RUNTIME__LOG_LEVEL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), LINES);
}

/// Record `i` of page `n` of the `/big` walk: ~1 KB.
fn big_record(n: usize, i: usize) -> String {
    format!(r#"{{"id":{},"pad":"{}"}}"#, n * 1000 + i, "x".repeat(1000))
}

/// The page a request of the `/big` walk asks for (`?page=N`, 1 without).
fn page_of(r: &support::Req) -> usize {
    query(&r.target, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

/// Page `n` of the `/big` walk: `count` records, then a link to page `n + 1` (none after
/// page `last`).
fn big_page(n: usize, count: usize, last: usize) -> support::Action {
    let items: Vec<String> = (0..count).map(|i| big_record(n, i)).collect();
    let next = if n < last {
        format!(r#""/big?page={}""#, n + 1)
    } else {
        "null".to_owned()
    };
    json(
        200,
        &format!(r#"{{"items":[{}],"next":{next}}}"#, items.join(",")),
    )
}

/// `restclient paginate` of the `/big` walk into `out`, as `cmd` starts it.
fn big_walk(mut cmd: Command, server: &Server, out: &std::path::Path) -> Command {
    cmd.args(["--no-progress", "paginate"])
        .arg(format!("{}/big", server.url))
        .args(["--paginator", "json_link", "--data-selector", "items", "-o"])
        .arg(out);
    cmd
}

/// A full disk (here a file-size limit, `ulimit -f`, so that writes fail with EFBIG) while
/// `paginate -o FILE` writes: the walk fails, and the file holds every whole line that fitted,
/// the first records of the walk in order, and nothing of the line that did not.
#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_output_file_ending_with_a_whole_line() {
    // Pages of 40 records of ~1 KB (~40 KB): the 100 KiB limit cuts the third page's lines,
    // whichever batches the pages were written in.
    let server = Server::start(|r| big_page(page_of(r), 40, 10));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    // 200 blocks of 512 bytes.
    failing_walk_to(support::restclient_on_a_full_disk(200), &server, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let fitted = fitted((1..=10).map(|n| (n, 40)), 200 * 512);
    assert!(fitted.lines().count() > 80, "{}", fitted.lines().count());
    assert!(
        text == fitted,
        "kept {} lines, {} fitted",
        text.lines().count(),
        fitted.lines().count()
    );
}

/// The disk fills up while the file's thread writes the second page, the walk waits for its
/// third, and then a SIGINT comes: the exit is the write error (1, naming the file), not the
/// interruption (130), because records the walk received are not in the file; and the file
/// still ends with a whole line. Whether the thread has failed before the signal arrives or
/// only when the command waits for it at the end, the answer is the same.
#[cfg(unix)]
#[test]
fn a_full_disk_before_a_sigint_is_the_error_the_user_hears() {
    // ~160 KB a page: each a write batch of its own; the first is written by the walk's
    // thread, the second by the file's.
    let server = Server::start(|r| match page_of(r) {
        3 => support::Action::Hang,
        n => big_page(n, 160, 3),
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    // 400 blocks of 512 bytes: room for the first page, not the second.
    let child = big_walk(support::restclient_on_a_full_disk(400), &server, &out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for(|r| page_of(r) == 3);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let run = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains("out.ndjson"),
        "{stderr}"
    );
    // The first page, and every whole line of the second that fitted (cut by the thread).
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text == fitted((1..=2).map(|n| (n, 160)), 400 * 512),
        "kept {} lines",
        text.lines().count()
    );
}

/// The longest run of the `/big` walk's lines (pages `n` of `count` records) within `limit`
/// bytes.
fn fitted(pages: impl Iterator<Item = (usize, usize)>, limit: usize) -> String {
    let mut fitted = String::new();
    for line in pages.flat_map(|(n, count)| (0..count).map(move |i| big_record(n, i) + "\n")) {
        if fitted.len() + line.len() > limit {
            break;
        }
        fitted.push_str(&line);
    }
    fitted
}

/// A walk's first page, even a big one, starts no thread of restclient's own: the scan's
/// helper is started at a process's second big page and the file's writer at its second batch
/// (each costs more to start than it saves on one page). The first page is in the file by the
/// time the second is asked for.
#[cfg(target_os = "linux")]
#[test]
fn a_first_page_starts_no_thread_and_is_written_before_the_second_is_asked_for() {
    // ~160 KB: a records array the scan would halve, and a write batch of its own.
    let server = Server::start(|r| match page_of(r) {
        1 => big_page(1, 160, 2),
        _ => support::Action::Hang,
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    let mut child = big_walk(
        Command::new(env!("CARGO_BIN_EXE_restclient")),
        &server,
        &out,
    )
    .spawn()
    .unwrap();
    server.wait_for(|r| page_of(r) == 2);
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{}/task", child.id()))
        .unwrap()
        .map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).unwrap())
        .map(|name| name.trim().to_owned())
        .collect();
    let written = std::fs::read_to_string(&out).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !threads
            .iter()
            .any(|t| t == "restclient-scan" || t == "output"),
        "{threads:?}"
    );
    assert_eq!(written.lines().count(), 160);
}

/// Pages larger than a write batch, so that each is written as batches of its own, and a walk
/// that fails at its sixth page: the exit is an error, and every record of the five pages
/// before it is in the file, whole and in order (none left behind in a buffer).
#[test]
fn a_walk_that_fails_midway_has_written_every_page_before_the_failure() {
    // 100 records of ~1 KB: ~100 KB a page.
    let server = Server::start(|r| match page_of(r) {
        6 => json(400, r#"{"error":"no such page"}"#),
        n => big_page(n, 100, 10),
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    failing_walk_to(
        Command::new(env!("CARGO_BIN_EXE_restclient")),
        &server,
        &out,
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let ids: Vec<u64> = text
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let want: Vec<u64> = (1..=5)
        .flat_map(|n| (0..100).map(move |i| n * 1000 + i))
        .collect();
    assert_eq!(ids, want);
    assert!(text.ends_with('\n'));
}

/// `-o /dev/stdout` with stdout a pipe (something that cannot seek): every page arrives, the
/// first batch written by the walk's thread and the rest by the file's.
#[cfg(unix)]
#[test]
fn output_to_a_pipe_through_dev_stdout_gets_every_line() {
    let server = Server::start(|r| big_page(page_of(r), 160, 3));
    let run = big_walk(
        Command::new(env!("CARGO_BIN_EXE_restclient")),
        &server,
        std::path::Path::new("/dev/stdout"),
    )
    .output()
    .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text == fitted((1..=3).map(|n| (n, 160)), usize::MAX),
        "{} lines",
        text.lines().count()
    );
}

/// Runs `restclient` (as `cmd` starts it) over `server`'s json-link walk from `/big` into `out`,
/// and checks that it exits 1: the walk fails partway.
fn failing_walk_to(cmd: Command, server: &Server, out: &std::path::Path) {
    let run = big_walk(cmd, server, out).output().expect("run restclient");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
