//! Security regressions over real HTTP: the limits that keep a hostile server from exhausting
//! memory or panicking the client (decompression bombs, endless bodies, oversized heads, absurd
//! token lifetimes), and one table of every credential kind × every output channel proving that
//! no secret is ever shown.
//!
//! Each limit test was checked to fail with its protection removed (see SECURITY.md).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::response::IntoResponse;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use bytes::Bytes;
use futures::TryStreamExt;
use restclient::auth::{ApiKeyAuth, Auth, BearerTokenAuth, HttpBasicAuth, OAuth2ClientCredentials};
use restclient::config::RuntimeConfig;
use restclient::paginators::SinglePagePaginator;
use restclient::retry::RetryPolicy;
use restclient::{Request, RestClient, RestClientBuilder, Value};
use serde_json::json;

use crate::support::server::{self, Server};
use crate::support::{capture_all_logs, capture_logs, quick_config};

/// A small `max_response_bytes` for the limit tests: 1 MiB.
const LIMIT: u64 = 1 << 20;

/// A retrying client (five attempts, millisecond waits) with `max_response_bytes` = [`LIMIT`]:
/// a limit error that were retried would show up as more than one request at the server.
fn limited_client(url: &str) -> RestClient {
    let mut config = quick_config();
    config.max_response_bytes = LIMIT;
    RestClient::builder(url)
        .runtime_config(config)
        .build()
        .unwrap()
}

/// Asserts that `err` is the body limit's error, naming the limit and the URL.
fn assert_body_too_large(err: &restclient::Error, url: &str) {
    assert!(err.is_body_too_large(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&LIMIT.to_string()), "names the limit: {text}");
    assert!(
        text.contains("max_response_bytes"),
        "names the setting: {text}"
    );
    assert!(text.contains(url), "names the URL: {text}");
    assert_eq!(err.url().map(|u| u.as_str()), Some(url));
}

/// `n` zero bytes, compressed with `encode` chunk by chunk (never all in memory).
fn bomb(n: usize, mut encode: impl FnMut(&[u8])) {
    let zeros = vec![0u8; 1 << 16];
    let mut left = n;
    while left > 0 {
        let take = left.min(zeros.len());
        encode(&zeros[..take]);
        left -= take;
    }
}

/// 64 MiB of zeros, gzipped (about 64 KiB on the wire): 64 times [`LIMIT`] once inflated.
fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb(64 << 20, |b| gz.write_all(b).unwrap());
    gz.finish().unwrap()
}

/// 64 MiB of zeros, brotli-compressed (a few hundred bytes on the wire).
fn brotli_bomb() -> Vec<u8> {
    let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
    bomb(64 << 20, |b| br.write_all(b).unwrap());
    br.into_inner()
}

/// A server that answers every request with `body` under `Content-Encoding: encoding`.
fn compressed_server(body: Vec<u8>, encoding: &'static str) -> Server {
    let body = Arc::new(body);
    server::http(move |_req| {
        let body = Arc::clone(&body);
        async move {
            server::raw(
                200,
                "application/json",
                &[("content-encoding", encoding.as_bytes())],
                &body,
            )
        }
    })
}

#[tokio::test]
async fn a_gzip_bomb_fails_at_the_limit_unretried() {
    let body = gzip_bomb();
    assert!(
        body.len() < LIMIT as usize,
        "the bomb itself is under the limit"
    );
    let server = compressed_server(body, "gzip");
    let url = format!("{}/bomb", server.url());
    let err = limited_client(&server.url())
        .paginate("/bomb")
        .records()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap_err();
    assert_body_too_large(&err, &url);
    assert_eq!(server.hits(), 1, "a body over the limit is not retried");
}

#[tokio::test]
async fn a_brotli_bomb_fails_at_the_limit_unretried() {
    let server = compressed_server(brotli_bomb(), "br");
    let url = format!("{}/bomb", server.url());
    let err = limited_client(&server.url())
        .get("/bomb")
        .send()
        .await
        .unwrap_err();
    assert_body_too_large(&err, &url);
    assert_eq!(server.hits(), 1, "a body over the limit is not retried");
}

#[tokio::test]
async fn an_endless_chunked_body_fails_at_the_limit_unretried() {
    // Counts the chunks the server produced: the client stops reading soon after the limit, so
    // the stream is dropped long before it could exhaust anything.
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&produced);
    let server = server::http(move |_req| {
        let counter = Arc::clone(&counter);
        async move {
            let chunk = Bytes::from(vec![b' '; 16 << 10]);
            let endless = futures::stream::repeat_with(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok::<_, std::io::Error>(chunk.clone())
            });
            let mut response = Body::from_stream(endless).into_response();
            response
                .headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            response
        }
    });
    let url = format!("{}/endless", server.url());
    let err = limited_client(&server.url())
        .paginate("/endless")
        .records()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap_err();
    assert_body_too_large(&err, &url);
    assert_eq!(server.hits(), 1, "a body over the limit is not retried");
    assert!(
        produced.load(Ordering::SeqCst) >= (LIMIT as usize) / (16 << 10),
        "the server did send past the limit"
    );
}

#[tokio::test]
async fn a_response_head_over_hypers_limit_fails_unretried() {
    // One 1 MiB header: over hyper's ~400 KiB read buffer for a response head.
    let server = server::http(|_req| async {
        let huge = vec![b'a'; 1 << 20];
        server::raw(200, "application/json", &[("x-huge", &huge)], b"[]")
    });
    let err = RestClient::builder(server.url())
        .runtime_config(quick_config())
        .build()
        .unwrap()
        .get("/head")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("response head too large"), "{err}");
    assert_eq!(server.hits(), 1, "a head over the limit is not retried");
}

/// A token endpoint at `/token` issuing `token` with `expires_in`, and an API behind it: `/ok`
/// answers one page of two records (only to that token when `require_token`), anything else a
/// 403 whose body echoes the request's headers and query (as some APIs do in their error pages).
fn oauth2_api(token: &'static str, expires_in: Value, require_token: bool) -> Server {
    server::http(move |req| {
        let expires_in = expires_in.clone();
        async move {
            let bearer = format!("Bearer {token}");
            match req.path.as_str() {
                "/token" => server::ok(json!({"access_token": token, "expires_in": expires_in})),
                "/ok" if !require_token || req.header("authorization") == Some(bearer.as_str()) => {
                    server::ok(json!([{"id": 1}, {"id": 2}]))
                }
                "/ok" => server::json(401, json!({"error": "no token"})),
                _ => server::json(
                    403,
                    json!({"denied": true, "headers": req.headers, "query": req.query}),
                ),
            }
        }
    })
}

fn oauth2(url: &str) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::builder(&format!("{url}/token"), "cl1ent", "cl1ent-s3cret")
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_absurd_token_lifetime_does_not_panic() {
    for expires_in in [
        json!(18446744073709551615u64),
        json!("18446744073709551615"),
    ] {
        let server = oauth2_api("l0ng-lived-t0ken", expires_in.clone(), true);
        let client = RestClient::builder(server.url())
            .auth(oauth2(&server.url()))
            .paginator(SinglePagePaginator::new())
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        for _ in 0..2 {
            let records: Vec<Value> = client
                .paginate("/ok")
                .records()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(records.len(), 2, "{expires_in}");
        }
        let tokens = server.paths().iter().filter(|p| *p == "/token").count();
        assert_eq!(
            tokens, 1,
            "{expires_in}: the token is reused, not refetched"
        );
    }
    // Beyond any `Duration` (1e300 s) is clamped too; a negative lifetime is a clean auth
    // error naming the field. Neither panics.
    let server = oauth2_api("l0ng-lived-t0ken", json!(1e300), true);
    let client = RestClient::builder(server.url())
        .auth(oauth2(&server.url()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(client.get("/ok").send().await.unwrap().status(), 200);
    let server = oauth2_api("l0ng-lived-t0ken", json!(-5), true);
    let err = RestClient::builder(server.url())
        .auth(oauth2(&server.url()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .get("/ok")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_auth() && err.to_string().contains("expires_in"),
        "{err}"
    );
}

#[tokio::test]
async fn a_runtime_token_echoed_in_an_error_body_is_masked() {
    const TOKEN: &str = "rt-acc3ss-t0ken-9c1e";
    let server = oauth2_api(TOKEN, json!(3600), true);
    let mut config = RuntimeConfig::default();
    config.http_show_error_body = true;
    let client = RestClient::builder(server.url())
        .runtime_config(config)
        .retry(RetryPolicy::none())
        .auth(oauth2(&server.url()))
        .build()
        .unwrap();
    let err = client
        .paginate("/forbidden")
        .records()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap_err();
    let echoed = server
        .requests()
        .last()
        .unwrap()
        .header("authorization")
        .map(str::to_owned);
    assert_eq!(
        echoed.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str()),
        "it was sent"
    );
    let text = format!("{err}\n{err:?}");
    assert!(
        err.is_status() && text.contains("Bearer ***"),
        "the body is shown: {text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn concurrency_beyond_max_concurrency_is_refused_before_any_request() {
    let server = server::http(|_req| async { server::ok(json!([])) });
    let mut config = RuntimeConfig::default();
    config.max_concurrency = 2;
    let client = RestClient::builder(server.url())
        .runtime_config(config)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for (n, allowed) in [(2, true), (3, false), (usize::MAX, false)] {
        let result = client
            .paginate("/")
            .paginator(SinglePagePaginator::new())
            .concurrency(n)
            .records()
            .try_collect::<Vec<Value>>()
            .await;
        match result {
            Ok(_) => assert!(allowed, "{n}"),
            Err(e) => {
                assert!(!allowed && e.is_builder(), "{n}: {e:?}");
                assert!(e.to_string().contains("max_concurrency (2)"), "{e}");
            }
        }
    }
    assert_eq!(server.hits(), 1, "only the allowed walk sent a request");
}

// ------------------------------------------------------------------ the table

/// A custom auth with a careless derived `Debug`: only its `secrets()` keep the token masked.
#[derive(Debug)]
struct CarelessAuth(String);

impl Auth for CarelessAuth {
    fn apply(&self, request: &mut Request) -> restclient::Result<()> {
        request.set_header("X-Custom-Auth", &format!("Custom {}", self.0))
    }
    fn secrets(&self) -> Vec<String> {
        vec![self.0.clone()]
    }
}

/// One way to give a client credentials.
struct Credential {
    name: &'static str,
    /// Adds the credential to a client builder for the API at the given URL.
    setup: fn(RestClientBuilder, &str) -> RestClientBuilder,
    /// Every value that must never be shown, encodings included.
    secrets: &'static [&'static str],
}

/// The runtime token [`table_api`] issues.
const RUNTIME_TOKEN: &str = "rt-t4ble-t0ken-51d2";

/// Every credential kind: a new one is one line.
const CREDENTIALS: &[Credential] = &[
    Credential {
        name: "bearer",
        setup: |b, _| b.auth(BearerTokenAuth::new("b3arer-t0ken")),
        secrets: &["b3arer-t0ken"],
    },
    Credential {
        name: "api_key header",
        setup: |b, _| b.auth(ApiKeyAuth::header("X-API-Key", "hdr-k3y")),
        secrets: &["hdr-k3y"],
    },
    Credential {
        name: "api_key query",
        setup: |b, _| b.auth(ApiKeyAuth::query("api_key", "qry-k3y")),
        secrets: &["qry-k3y"],
    },
    Credential {
        name: "api_key cookie",
        setup: |b, _| b.auth(ApiKeyAuth::cookie("session", "c00kie-k3y")),
        secrets: &["c00kie-k3y"],
    },
    // base64("alice:b4sic-pa55") = YWxpY2U6YjRzaWMtcGE1NQ== (checked in `the_table_is_sound`).
    Credential {
        name: "http_basic",
        setup: |b, _| b.auth(HttpBasicAuth::new("alice", "b4sic-pa55")),
        secrets: &["b4sic-pa55", "YWxpY2U6YjRzaWMtcGE1NQ=="],
    },
    Credential {
        name: "oauth2 client credentials",
        setup: |b, url| b.auth(oauth2(url)),
        secrets: &[
            "cl1ent-s3cret",
            "Y2wxZW50OmNsMWVudC1zM2NyZXQ=",
            RUNTIME_TOKEN,
        ],
    },
    Credential {
        name: "custom Auth",
        setup: |b, _| b.auth(CarelessAuth("cust0m-t0ken".into())),
        secrets: &["cust0m-t0ken"],
    },
    Credential {
        name: "hand-set Authorization",
        setup: |b, _| b.header("Authorization", "Token h4nd-s3t"),
        secrets: &["h4nd-s3t"],
    },
    Credential {
        name: "declared secret header",
        setup: |b, _| {
            b.header("X-Signature", "s1gnature-v4l")
                .secret("s1gnature-v4l")
        },
        secrets: &["s1gnature-v4l"],
    },
];

/// The log levels every scenario is captured at.
const LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

/// Every output channel of one scenario, by name: a new channel is one `push`.
async fn channels(credential: &Credential, url: &str) -> Vec<(&'static str, String)> {
    let mut seen = Vec::new();
    let mut config = RuntimeConfig::default();
    config.http_show_error_body = true;
    config.http_max_error_body_length = 1 << 16;
    let builder = (credential.setup)(
        RestClient::builder(url)
            .runtime_config(config)
            .retry(RetryPolicy::none()),
        url,
    )
    .paginator(SinglePagePaginator::new());
    seen.push(("Debug(RestClientBuilder)", format!("{builder:?}")));
    let client = builder.build().unwrap();
    seen.push(("Debug(RestClient)", format!("{client:?}")));

    // First, on the fresh client: a runtime token fetched by this very call must be masked.
    let err = client
        .paginate("/echo")
        .records()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap_err();
    seen.push(("Display(Error) with its body", err.to_string()));
    seen.push(("Debug(Error)", format!("{err:?}")));
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        seen.push(("Error::source chain", format!("{cause} {cause:?}")));
        source = cause.source();
    }
    let call = client.get("/ok");
    seen.push(("Debug(RequestBuilder)", format!("{call:?}")));
    let response = call.send().await.unwrap();
    seen.push(("Debug(Response)", format!("{response:?}")));

    let paginate = client.paginate("/ok");
    seen.push(("Debug(Paginate)", format!("{paginate:?}")));
    let mut pages = paginate.pages();
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.push(("Debug(Page)", format!("{page:?}")));
        seen.push(("Debug(Request)", format!("{:?}", page.request())));
        // restclient's own auths, after use (an OAuth2 auth now holds its token); a user's
        // auth's own Debug is the user's business (`CarelessAuth` shows its token on purpose).
        if credential.name != "custom Auth" {
            seen.push(("Debug(the auth)", format!("{:?}", page.auth())));
        }
    }
    seen.push(("Debug(Pages)", format!("{pages:?}")));

    seen
}

/// The server of the table: `/token` issues [`RUNTIME_TOKEN`], `/ok` answers one page, anything
/// else a 403 echoing the request's headers and query.
fn table_api() -> Server {
    oauth2_api(RUNTIME_TOKEN, json!(3600), false)
}

#[tokio::test]
async fn no_credential_reaches_any_channel() {
    for credential in CREDENTIALS {
        let server = table_api();
        let mut seen = Vec::new();
        for level in LEVELS {
            let (logs, guard) = capture_logs(level);
            seen.extend(channels(credential, &server.url()).await);
            drop(guard);
            seen.push(("restclient log", format!("[{level}] {}", logs.text())));
        }
        // Every crate (reqwest, hyper, ...) at TRACE.
        let (logs, guard) = capture_all_logs();
        seen.extend(channels(credential, &server.url()).await);
        drop(guard);
        assert!(logs.text().contains("TRACE"), "TRACE was captured");
        seen.push(("every crate's log at TRACE", logs.text()));

        // Sound: the secret did go out, and came back in the error body unmasked.
        let wire: String = server
            .requests()
            .iter()
            .map(|r| format!("{:?} {:?}\n", r.headers, r.query))
            .collect();
        assert!(
            credential.secrets.iter().any(|s| wire.contains(s)),
            "{}: the credential was sent: {wire}",
            credential.name
        );
        let body = seen
            .iter()
            .find(|(c, _)| c.starts_with("Display(Error)"))
            .unwrap();
        assert!(
            body.1.contains("\"denied\":true") && body.1.contains("***"),
            "{}: {}",
            credential.name,
            body.1
        );

        for (channel, text) in &seen {
            for secret in credential.secrets {
                assert!(
                    !text.contains(secret),
                    "{}: {secret} shown in {channel}:\n{text}",
                    credential.name
                );
            }
        }
    }
}

#[test]
fn the_table_is_sound() {
    assert_eq!(
        BASE64_STANDARD.encode("alice:b4sic-pa55"),
        "YWxpY2U6YjRzaWMtcGE1NQ=="
    );
    assert_eq!(
        BASE64_STANDARD.encode("cl1ent:cl1ent-s3cret"),
        "Y2wxZW50OmNsMWVudC1zM2NyZXQ="
    );
    let names: std::collections::HashSet<_> = CREDENTIALS.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), CREDENTIALS.len(), "each row once");
}

/// A server that answers every request with `status` and `Location: to`.
fn redirecting_to(to: String, status: u16) -> Server {
    server::http(move |_req| {
        let to = to.clone();
        async move { server::raw(status, "text/plain", &[("location", to.as_bytes())], b"") }
    })
}

#[tokio::test]
async fn a_client_builder_that_follows_redirects_cannot_take_credentials_abroad() {
    let foreign = server::http(|_req| async { server::ok(json!({"data": []})) });
    let home = redirecting_to(format!("{}/landing", foreign.url()), 307);
    // A builder of the user's that would follow redirects itself (reqwest's default does,
    // carrying every header but Authorization and Cookie along).
    let client = RestClient::builder(home.url())
        .http_client(
            restclient::reqwest::Client::builder()
                .redirect(restclient::reqwest::redirect::Policy::limited(5)),
        )
        .header("X-API-Key", "k3y-for-home-only")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let response = client.get("/start").await.unwrap();
    assert_eq!(response.status(), 200);
    let at_home = home.requests();
    assert_eq!(at_home.len(), 1);
    assert_eq!(at_home[0].header("x-api-key"), Some("k3y-for-home-only"));
    let abroad = foreign.requests();
    assert_eq!(abroad.len(), 1, "restclient followed the redirect itself");
    assert_eq!(
        abroad[0].header("x-api-key"),
        None,
        "{:?}",
        abroad[0].headers
    );
}
