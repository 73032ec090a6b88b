"""Hostile responses and arguments: every one ends in a Python exception of the documented
kind or a correct value, never in a Rust panic (pyo3's PanicException) or a crash."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import json_response
from restclient import RESTClient, Request, exceptions
from restclient.paginators import (
    BasePaginator,
    HeaderLinkPaginator,
    JSONLinkPaginator,
    JSONResponseCursorPaginator,
    OffsetPaginator,
    PageNumberPaginator,
)


@pytest.fixture(autouse=True)
def one_attempt(monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "5")
    monkeypatch.setenv("RUNTIME__MAX_RESPONSE_BYTES", str(1 << 20))


def outcome(fn):
    """What `fn()` gives: ("ok", value) or ("raised", exception). A panic fails the test."""
    try:
        return "ok", fn()
    except BaseException as e:  # noqa: BLE001 - a PanicException is a BaseException
        assert type(e).__name__ != "PanicException", f"a Rust panic reached Python: {e!r}"
        assert isinstance(e, Exception), f"{e!r} is not an Exception"
        return "raised", e


BIG = 12345678901234567890123456789
RAW = {
    "garbage status line": b"HTTP/1.1 abc\r\n\r\n",
    "not http": b"\x00\x01\x02 hello\r\n\r\n",
    "status 999": json_response(b"[]", "999 Weird"),
    "truncated body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n[1, 2",
    "invalid json": json_response(b'{"items": [1, 2'),
    "invalid utf-8": json_response(b'{"items": ["\xff\xfe"]}'),
    "nul bytes": json_response(b'{"items": ["a\x00b"]}'),
    "nested 100000 deep": json_response(b"[" * 100000 + b"]" * 100000),
    "huge numbers": json_response(b'{"items": [1e400, -1e400, %d, -%d]}' % (BIG, BIG)),
    "lone surrogate": json_response(b'{"items": ["\\ud800", "\\udfff\\ud800"]}'),
    "empty 200": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "huge header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n[]",
    "bad chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n[]\r\n0\r\n\r\n",
    "negative length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\nConnection: close\r\n\r\n[]",
    "gzip bomb": (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
        % len(gzip.compress(b"[" + b"0," * (3 << 20) + b"0]"))
    )
    + gzip.compress(b"[" + b"0," * (3 << 20) + b"0]"),
    "bad link header": json_response(b"[1]", extra="Link: <<<>>>; rel=next, <ftp://x>; rel=\"next\"\r\n"),
    "closes at once": None,
}


@pytest.mark.parametrize("name", list(RAW))
def test_hostile_responses_raise_cleanly(raw_server, name):
    url = raw_server(lambda head: RAW[name])
    client = RESTClient(base_url=url)
    clean = (exceptions.RestClientError, ValueError)
    for call, allowed in (
        (lambda: [list(p) for p in client.paginate("/x", data_selector="items" if b"items" in (RAW[name] or b"") else "$")], clean),
        # Response.json() is json.loads's (and requests'): absurd nesting is its RecursionError.
        (lambda: client.get("/x").json(), (*clean, RecursionError)),
        (lambda: [list(p) for p in client.paginate("/x", paginator=HeaderLinkPaginator())], clean),
    ):
        kind, value = outcome(call)
        if kind == "raised":
            assert isinstance(value, allowed), repr(value)


def test_records_with_huge_numbers_and_lone_surrogates_equal_json_loads(raw_server):
    body = b'{"items": [{"big": %d, "neg": -%d, "inf": 1e400, "s": "\\ud800x"}]}' % (BIG, BIG)
    url = raw_server(lambda head: json_response(body))
    [page] = list(RESTClient(base_url=url).paginate("/x", data_selector="items"))
    assert page == json.loads(body)["items"]
    assert page[0]["big"] == BIG and isinstance(page[0]["big"], int)


@pytest.mark.parametrize(
    "body, paginator",
    [
        ({"items": [1], "total": "abc"}, lambda: OffsetPaginator(limit=1)),
        ({"items": [1], "total": 1e300}, lambda: OffsetPaginator(limit=1)),
        ({"items": [1], "total": [1, 2]}, lambda: OffsetPaginator(limit=1)),
        ({"items": [1], "total": -5}, lambda: PageNumberPaginator(total_path="total")),
        ({"items": [1], "next": "ftp://elsewhere/x"}, lambda: JSONLinkPaginator()),
        ({"items": [1], "next": "javascript:alert(1)"}, lambda: JSONLinkPaginator()),
        ({"items": [1], "next": 12}, lambda: JSONLinkPaginator()),
        ({"items": [1], "next": {"a": [1]}}, lambda: JSONLinkPaginator()),
        ({"items": [1], "cursors": {"next": {"deep": [1, {"x": None}]}}}, lambda: JSONResponseCursorPaginator()),
        ({"items": [1], "cursors": {"next": "\u0000\n\r"}}, lambda: JSONResponseCursorPaginator()),
    ],
)
def test_hostile_paginator_values_raise_cleanly(serve, body, paginator):
    calls = []

    def handler(r):
        calls.append(r)
        return (200, {}, body) if len(calls) < 5 else (200, {}, {"items": []})

    server = serve(handler)
    kind, value = outcome(lambda: [list(p) for p in RESTClient(base_url=server.url).paginate("/x", paginator=paginator(), data_selector="items")])
    if kind == "raised":
        assert isinstance(value, (exceptions.RestClientError, ValueError)), repr(value)


class Hostile(BasePaginator):
    def __init__(self, edit):
        super().__init__()
        self.edit = edit

    def update_state(self, response, data=None):
        pass

    def update_request(self, request):
        self.edit(request)


class BadStr:
    def __str__(self):
        raise RuntimeError("__str__ failed")


@pytest.mark.parametrize(
    "edit, error",
    [
        (lambda r: setattr(r, "url", "ftp://x/y"), ValueError),
        (lambda r: setattr(r, "url", 42), TypeError),
        (lambda r: setattr(r, "url", "http://[::1"), ValueError),
        (lambda r: setattr(r, "params", 42), TypeError),
        (lambda r: setattr(r, "params", {"a": BadStr()}), RuntimeError),
        (lambda r: setattr(r, "headers", {"a": object()}), TypeError),
        (lambda r: setattr(r, "headers", {"bad name": "x"}), ValueError),
        (lambda r: setattr(r, "method", "GE T"), ValueError),
        (lambda r: setattr(r, "json", {"a": object()}), TypeError),
        (lambda r: setattr(r, "data", b"raw"), ValueError),
        (lambda r: delattr(r, "params"), AttributeError),
    ],
)
def test_hostile_paginator_edits_raise_cleanly(api_url, edit, error):
    kind, value = outcome(lambda: list(RESTClient(base_url=api_url).paginate("/single", paginator=Hostile(edit))))
    assert kind == "raised" and isinstance(value, error), repr(value)


def test_a_cyclic_json_body_is_refused():
    cycle: dict = {}
    cycle["self"] = cycle
    kind, value = outcome(lambda: RESTClient(base_url="http://127.0.0.1:9").post("/x", json=cycle))
    assert kind == "raised" and isinstance(value, ValueError) and "json" in str(value)


@pytest.mark.parametrize(
    "args",
    [
        {"params": {"k": "\udcff"}},
        {"headers": {"X-Key": "\udcff"}},
        {"params": [("only-one",)]},
        {"params": {1.5: 2}},
        {"json": {"k": b"bytes"}},
        {"data": {"k": object()}},
    ],
)
def test_hostile_arguments_raise_cleanly(api_url, args):
    kind, value = outcome(lambda: RESTClient(base_url=api_url).request("/echo", **args))
    if kind == "raised":
        assert isinstance(value, (TypeError, ValueError, UnicodeError)), repr(value)


def test_hostile_python_requests_given_to_builtin_paginators_raise_cleanly():
    paginator = OffsetPaginator(limit=10)
    for request in (Request(), Request("GET", "not a url"), Request("GET", "http://x", params=object())):
        kind, value = outcome(lambda: paginator.init_request(request))
        assert kind == "raised" or request.params
    kind, value = outcome(lambda: paginator.update_state("not a response", []))
    assert kind == "raised" and isinstance(value, TypeError)
