//! The CLI half of the security table (the library half is `restclient`'s
//! `tests/it/security.rs`): every way to give the binary a credential × every output channel
//! (stdout and stderr of each subcommand at every `--log-level`, `get`'s error body, the
//! progress bar), against the real binary and a real server on 127.0.0.1. No secret may
//! appear anywhere.

mod support;

use std::process::Command;

use support::{Server, json, text};

/// One way to hand the binary a credential: extra arguments, with `${RC_SECRET}` standing for
/// the secret (read from the environment), and every value that must never be printed.
struct Credential {
    name: &'static str,
    args: &'static [&'static str],
    secrets: &'static [&'static str],
}

/// The secret every row puts in `RC_SECRET`.
const SECRET: &str = "cli-s3cret-7e1b";
/// The access token the test server's `/token` issues at run time.
const RUNTIME_TOKEN: &str = "cli-runtime-t0ken-4a9c";

/// Every credential kind: a new one is one line. `{TOKEN_URL}` is replaced by the server's
/// token endpoint.
const CREDENTIALS: &[Credential] = &[
    Credential {
        name: "bearer",
        args: &["--auth", r#"{"type":"bearer","token":"${RC_SECRET}"}"#],
        secrets: &[SECRET],
    },
    Credential {
        name: "api_key header",
        args: &[
            "--auth",
            r#"{"type":"api_key","name":"X-API-Key","api_key":"${RC_SECRET}","location":"header"}"#,
        ],
        secrets: &[SECRET],
    },
    Credential {
        name: "api_key query",
        args: &[
            "--auth",
            r#"{"type":"api_key","name":"key","api_key":"${RC_SECRET}","location":"query"}"#,
        ],
        secrets: &[SECRET],
    },
    Credential {
        name: "api_key cookie",
        args: &[
            "--auth",
            r#"{"type":"api_key","name":"session","api_key":"${RC_SECRET}","location":"cookie"}"#,
        ],
        secrets: &[SECRET],
    },
    // base64("bob:cli-s3cret-7e1b") = Ym9iOmNsaS1zM2NyZXQtN2UxYg==
    Credential {
        name: "http_basic",
        args: &[
            "--auth",
            r#"{"type":"http_basic","username":"bob","password":"${RC_SECRET}"}"#,
        ],
        secrets: &[SECRET, "Ym9iOmNsaS1zM2NyZXQtN2UxYg=="],
    },
    Credential {
        name: "oauth2 client credentials",
        args: &[
            "--auth",
            r#"{"type":"oauth2_client_credentials","access_token_url":"{TOKEN_URL}","client_id":"c","client_secret":"${RC_SECRET}"}"#,
        ],
        secrets: &[SECRET, RUNTIME_TOKEN],
    },
    Credential {
        name: "${ENV} header",
        args: &["-H", "X-Signature: ${RC_SECRET}"],
        secrets: &[SECRET],
    },
    Credential {
        name: "${ENV} query parameter",
        args: &["-p", "sig=${RC_SECRET}"],
        secrets: &[SECRET],
    },
    Credential {
        name: "literal Authorization header",
        args: &["-H", "Authorization: Token cli-l1teral-9d0f"],
        secrets: &["cli-l1teral-9d0f"],
    },
];

/// Every channel: a subcommand and path; a new one is one line.
const COMMANDS: &[(&str, &str)] = &[
    ("get", "/ok"),
    ("get", "/deny"),
    ("paginate", "/ok"),
    ("paginate", "/deny"),
    ("inspect", "/ok"),
];

const LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

/// `/token` issues [`RUNTIME_TOKEN`], `/ok` answers one page, anything else is a 403 whose body
/// echoes the request line and every header.
fn api() -> Server {
    Server::start(|r| {
        if r.target.starts_with("/token") {
            json(
                200,
                &format!(r#"{{"access_token":"{RUNTIME_TOKEN}","expires_in":3600}}"#),
            )
        } else if r.target.starts_with("/ok") {
            json(200, r#"[{"id":1},{"id":2}]"#)
        } else {
            text(403, format!("denied\n{}", r.echo()))
        }
    })
}

#[test]
fn no_credential_reaches_any_output_of_the_binary() {
    for credential in CREDENTIALS {
        let server = api();
        let token_url = format!("{}/token", server.url);
        let args: Vec<String> = credential
            .args
            .iter()
            .map(|a| a.replace("{TOKEN_URL}", &token_url))
            .collect();
        let mut denied_bodies = 0;
        for (command, path) in COMMANDS {
            for level in LEVELS {
                // The progress bar of `paginate` (forced on; off by default when stderr is no
                // terminal) at the quietest and the loudest level.
                let progress = if matches!(*level, "error" | "trace") {
                    "--progress"
                } else {
                    "--no-progress"
                };
                {
                    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("restclient"));
                    cmd.env_remove("RUNTIME__LOG_LEVEL")
                        .env_remove("RESTCLIENT_CONFIG")
                        .env("RC_SECRET", SECRET)
                        .args([*command, &format!("{}{path}", server.url)])
                        .args(["--log-level", level])
                        .args(&args);
                    if *command == "paginate" {
                        cmd.arg(progress);
                    }
                    if *command != "get" {
                        cmd.args(["--paginator", "single_page"]);
                    }
                    let out = cmd.output().expect("run the binary");
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    let what = format!(
                        "{}: {command} {path} --log-level {level} {progress}",
                        credential.name
                    );
                    let expected = if *path == "/ok" { 0 } else { 1 };
                    assert_eq!(out.status.code(), Some(expected), "{what}: {stderr}");
                    if *command == "get" && *path == "/deny" {
                        // The body is shown (so a leak would be visible), masked.
                        assert!(
                            stderr.contains("denied") && stderr.contains("***"),
                            "{what}: {stderr}"
                        );
                        denied_bodies += 1;
                    }
                    for secret in credential.secrets {
                        assert!(
                            !stdout.contains(secret),
                            "{what}: {secret} on stdout:\n{stdout}"
                        );
                        assert!(
                            !stderr.contains(secret),
                            "{what}: {secret} on stderr:\n{stderr}"
                        );
                    }
                }
            }
        }
        assert!(denied_bodies > 0);
        // Sound: the credential did go out (and so came back in the echoed bodies).
        let wire: String = server.requests().iter().map(|r| r.echo()).collect();
        assert!(
            credential.secrets.iter().any(|s| wire.contains(s)),
            "{}: the credential was sent",
            credential.name
        );
    }
}
