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
