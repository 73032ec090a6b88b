//! A small HTTP/1.1 server on 127.0.0.1 whose answers come from a closure, for tests that need
//! answers the demo API does not give (echoing error bodies, redirects to another origin, a
//! page that never comes). Each request is also reported on a channel, so a test can wait for
//! the binary to reach a given request instead of sleeping.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header line and the request line, as an echoing server would show them.
    pub fn echo(&self) -> String {
        let mut out = format!("{} {}\n", self.method, self.target);
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }
}

/// What the server does with a request.
pub enum Action {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Never answers (the connection stays open until the process ends).
    Hang,
}

pub fn json(status: u16, body: &str) -> Action {
    Action::Reply {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

pub fn text(status: u16, body: String) -> Action {
    Action::Reply {
        status,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: body.into_bytes(),
    }
}

type Handler = dyn Fn(&Req) -> Action + Send + Sync;

pub struct Server {
    pub url: String,
    seen: Mutex<Receiver<Req>>,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Req) -> Action + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = channel();
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = Arc::clone(&log);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, tx, log) = (Arc::clone(&handler), tx.clone(), Arc::clone(&log2));
                thread::spawn(move || serve(stream, &*handler, &tx, &log));
            }
        });
        Server {
            url,
            seen: Mutex::new(rx),
            log,
        }
    }

    /// Blocks until a request matching `pred` arrives (or fails the test after a minute: a
    /// guard against a hung test, not a synchronisation).
    pub fn wait_for(&self, pred: impl Fn(&Req) -> bool) -> Req {
        let rx = self.seen.lock().expect("lock");
        loop {
            let r = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the expected request never came");
            if pred(&r) {
                return r;
            }
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().expect("lock").clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, tx: &Sender<Req>, log: &Mutex<Vec<Req>>) {
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Req {
            method,
            target,
            headers,
            body,
        };
        log.lock().expect("lock").push(req.clone());
        let _ = tx.send(req.clone());
        match handler(&req) {
            Action::Hang => loop {
                thread::park();
            },
            Action::Reply {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (n, v) in headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&body).is_err() {
                    return;
                }
            }
        }
    }
}

/// The query value of `key` in a request target.
pub fn query<'a>(target: &'a str, key: &str) -> Option<&'a str> {
    target
        .split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// A gate a handler waits at until the test opens it (e.g. after closing the binary's stdout).
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    pub fn open(&self) {
        let (lock, cv) = &*self.0;
        *lock.lock().expect("lock") = true;
        cv.notify_all();
    }

    pub fn wait(&self) {
        let (lock, cv) = &*self.0;
        let mut open = lock.lock().expect("lock");
        while !*open {
            open = cv.wait(open).expect("wait");
        }
    }
}

/// The `restclient` binary under a file-size limit of `blocks` × 512 bytes (`ulimit -f`), with
/// SIGXFSZ ignored: a write past it fails with EFBIG, as on a full disk, instead of killing the
/// process. Add the binary's arguments.
#[cfg(unix)]
pub fn restclient_on_a_full_disk(blocks: u32) -> std::process::Command {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!(
            r#"ulimit -f {blocks} && trap '' XFSZ && exec "$@""#
        ))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_restclient"))
        .env_remove("RUNTIME__LOG_LEVEL");
    command
}
