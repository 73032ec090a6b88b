"""Shared test support: the demo API (the workspace's `demo-api` binary on an ephemeral port)
and closure-style test servers on 127.0.0.1 for responses no demo route gives.

Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import socketserver
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple, Union

import pytest

REPO = Path(__file__).resolve().parents[3]

# The environment of the processes under test: no proxy, no config from the developer's shell.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
for _name in [n for n in os.environ if n.startswith("RUNTIME__")]:
    os.environ.pop(_name)
# Retries wait 1, 2, 4 s by default; tests that want a retry say so.
os.environ["RUNTIME__REQUEST_BACKOFF_FACTOR"] = "0.01"
# dlt (imported by the tests of the guide's examples) must not phone home.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"


def demo_api_binary() -> Path:
    """The demo API binary: `$RESTCLIENT_DEMO_API`, else the workspace's debug build."""
    path = Path(os.environ.get("RESTCLIENT_DEMO_API", REPO / "target" / "debug" / "demo-api"))
    if not path.exists():
        pytest.exit(f"no demo-api binary at {path}: run `cargo build -p demo-api` (./scripts/test does)", 2)
    return path


class Demo:
    """A running demo API; stopped when the test session (or the `with` block) ends."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(demo_api_binary()), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.proc.kill()
            raise RuntimeError(f"demo-api did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.url = line.strip().rsplit(" ", 1)[-1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self) -> "Demo":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    """The demo API with 100 records, pages of 10."""
    server = Demo("--records", "100")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def api_url(demo: Demo) -> str:
    """The base URL of the shared demo API."""
    return demo.url


@pytest.fixture
def start_demo() -> Iterator[Callable[..., Demo]]:
    """Starts a demo API with other options (faults, latency); stopped after the test."""
    started: List[Demo] = []

    def start(*args: str) -> Demo:
        server = Demo(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@dataclass
class Received:
    """A request a test server got."""

    method: str
    path: str
    headers: Dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


Reply = Tuple[int, Dict[str, str], Union[bytes, str, object]]


@dataclass
class TestServer:
    """A server whose every answer comes from a Python function (`handler(received) ->
    (status, headers, body)`; a body that is not bytes or str is sent as JSON)."""

    url: str
    requests: List[Received] = field(default_factory=list)


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a timeout, an interrupted test) is no error here."""


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Received], Reply]], TestServer]]:
    servers: List[http.server.ThreadingHTTPServer] = []

    def start(handler: Callable[[Received], Reply]) -> TestServer:
        record = TestServer(url="")

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                record.requests.append(got)
                status, headers, payload = handler(got)
                if isinstance(payload, str):
                    data = payload.encode()
                elif isinstance(payload, bytes):
                    data = payload
                else:
                    data = json.dumps(payload).encode()
                    headers = {"Content-Type": "application/json", **headers}
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "content-length" not in {k.lower() for k in headers}:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        httpd = _QuietServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        record.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        return record

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[bytes], Optional[bytes]]], str]]:
    """A server that answers each connection with the raw bytes `fn(request_head)` returns
    (then closes it), for responses no HTTP library would send; `None` closes at once."""
    servers: List[socketserver.ThreadingTCPServer] = []

    def start(fn: Callable[[bytes], Optional[bytes]]) -> str:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head:
                        chunk = sock.recv(65536)
                        if not chunk:
                            return
                        head += chunk
                    out = fn(head)
                    if out:
                        sock.sendall(out)
                except OSError:
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def json_response(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    """A raw HTTP/1.1 response with `body` as its JSON body."""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n{extra}\r\n"
    ).encode() + body
