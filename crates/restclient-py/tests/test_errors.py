"""Errors: the requests classes dlt code catches, the engine's kinds, and bad arguments named."""

from __future__ import annotations

import socket

import pytest
import requests

from restclient import RESTClient, exceptions
from restclient.paginators import JSONLinkPaginator, OffsetPaginator


@pytest.fixture
def one_attempt(monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "1")


def test_an_error_status_is_a_requests_http_error_with_the_response(api_url):
    with pytest.raises(requests.exceptions.HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/status/404"))
    err = e.value
    assert isinstance(err, exceptions.HTTPError) and isinstance(err, exceptions.RestClientError)
    assert err.response.status_code == 404 and err.response.json() == {"status": 404}
    assert (err.kind, err.status_code, err.is_status(), err.is_timeout()) == ("status", 404, True, False)
    assert str(err) == f"404 Client Error: Not Found for url: {api_url}/status/404"


def test_a_walks_http_error_carries_the_request_that_failed(api_url):
    # requests (and so dlt) sets `.request` on the error and on its response: handlers log
    # `e.request.url`, and must not fail on None themselves.
    with pytest.raises(requests.exceptions.HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/status/404", params={"q": "x"}))
    for request in (e.value.request, e.value.response.request):
        assert request is not None
        assert (request.method, request.url, request.params) == ("GET", f"{api_url}/status/404", {"q": "x"})


def test_a_server_error_is_retried_then_raised(api_url):
    with pytest.raises(requests.exceptions.HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/status/503"))
    assert e.value.response.status_code == 503
    assert "(after 5 attempts)" in str(e.value)


def test_a_timeout_is_a_requests_timeout(start_demo, one_attempt):
    slow = start_demo("--stall-every", "1", "--stall-ms", "20000")
    client = RESTClient(base_url=slow.url)
    with pytest.raises(requests.exceptions.Timeout) as e:
        list(client.paginate("/single", timeout=0.3))
    assert e.value.is_timeout() and e.value.kind == "timeout"
    with pytest.raises(requests.exceptions.Timeout):
        client.get("/single", timeout=(0.1, 0.2))


def test_a_refused_connection_is_a_requests_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(requests.exceptions.ConnectionError) as e:
        RESTClient(base_url=f"http://127.0.0.1:{port}").get("/x")
    assert e.value.is_connect() and e.value.url == f"http://127.0.0.1:{port}/x"


def test_a_body_that_is_not_json_is_a_json_decode_error(start_demo):
    html = start_demo("--html-every", "1")
    with pytest.raises(requests.exceptions.JSONDecodeError) as e:
        list(RESTClient(base_url=html.url).paginate("/single"))
    assert isinstance(e.value, ValueError) and e.value.is_decode()
    assert "expected a JSON body" in str(e.value) and "text/html" in str(e.value)
    response = RESTClient(base_url=html.url).get("/single")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_a_missing_value_the_paginator_needs_is_a_value_error(api_url):
    paginator = OffsetPaginator(limit=10, stop_after_empty_page=False)
    with pytest.raises(ValueError, match="total") as e:
        list(RESTClient(base_url=api_url).paginate("/offset/no-total", paginator=paginator))
    assert isinstance(e.value, exceptions.DecodeError) and e.value.url.startswith(api_url)


def test_error_urls_mask_secrets(api_url):
    with pytest.raises(exceptions.HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/status/400", params={"api_key": "s3cr3t", "page": 1}))
    assert "s3cr3t" not in str(e.value) and "api_key=***" in str(e.value)


@pytest.mark.parametrize(
    "call, error, names",
    [
        (lambda c: c.get("/x", params=42), TypeError, "params"),
        (lambda c: c.get("/x", headers={"X-Count": 1}), TypeError, "X-Count"),
        (lambda c: c.get("/x", headers={"X-Bad": "a\r\nInjected: 1"}), ValueError, "X-Bad"),
        (lambda c: c.get("/x", headers={"X Bad": "v"}), ValueError, "X Bad"),
        (lambda c: c.get("/x", timeout=-1), ValueError, "timeout"),
        (lambda c: c.request("/x", method="NOT A METHOD"), ValueError, "method"),
        (lambda c: c.post("/x", json={1, 2}), TypeError, "json"),
        (lambda c: c.post("/x", json={"v": float("nan")}), ValueError, "json"),
        (lambda c: c.post("/x", json={"v": 1 << 70}), ValueError, "json"),
        (lambda c: c.post("/x", data="raw text"), ValueError, "data"),
        (lambda c: c.get("/x", stream=True), TypeError, "stream"),
        (lambda c: c.get("/x", verify=False), TypeError, "verify"),
        (lambda c: c.paginate("/x", concurrency=0), ValueError, "concurrency"),
        (lambda c: c.paginate("/x", max_pages=-1), ValueError, "max_pages"),
        (lambda c: next(c.paginate("/x", data_selector="[[")), ValueError, "data_selector|JSONPath"),
        (lambda c: next(c.paginate("/x", concurrency=65)), ValueError, "concurrency"),
    ],
)
def test_bad_arguments_raise_type_or_value_errors_naming_them(api_url, call, error, names):
    with pytest.raises(error, match=names):
        call(RESTClient(base_url=api_url))


def test_bad_client_settings_are_named_before_any_request():
    with pytest.raises(ValueError, match="base URL"):
        RESTClient(base_url="not a url")
    with pytest.raises(ValueError, match="Base URL must be provided"):
        RESTClient(base_url=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="base_url"):
        RESTClient(base_url=b"http://x")  # type: ignore[arg-type]


def test_a_bad_runtime_setting_is_named(monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "many")
    with pytest.raises(ValueError, match="RUNTIME__REQUEST_MAX_ATTEMPTS"):
        RESTClient(base_url="https://api.example.com")


def test_runtime_settings_come_from_the_environment(api_url, monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    with pytest.raises(exceptions.HTTPError, match=r"after 2 attempts"):
        list(RESTClient(base_url=api_url).paginate("/status/500"))


def test_a_pagination_loop_is_its_own_error(serve):
    server = serve(lambda r: (200, {}, {"data": [{"id": 1}], "next": "/same"}))
    with pytest.raises(exceptions.PaginationLoopError) as e:
        list(RESTClient(base_url=server.url).paginate("/same", paginator=JSONLinkPaginator()))
    assert e.value.is_pagination_loop()
    assert len(server.requests) == 1
