"""RESTClient: requests, walks, pages, responses, the paginate() shortcut."""

from __future__ import annotations

import json

import pytest

import restclient
from restclient import PageData, Request, Response, RESTClient, paginate
from restclient.paginators import JSONLinkPaginator, OffsetPaginator, PageNumberPaginator


def ids(pages):
    return [r["id"] for page in pages for r in page]


def test_get_returns_the_response_without_checking_the_status(api_url):
    client = RESTClient(base_url=api_url)
    ok = client.get("/posts/3")
    assert (ok.status_code, ok.ok, ok.reason) == (200, True, "OK")
    assert ok.json() == {"id": 3, "name": "record-3", "score": 3}
    assert json.loads(ok.text) == json.loads(ok.content) == ok.json()
    assert ok.headers["CONTENT-TYPE"] == ok.headers["content-type"] == "application/json"
    assert ok.url == f"{api_url}/posts/3"
    assert ok.request.method == "GET" and ok.request.url == f"{api_url}/posts/3"
    missing = client.get("/posts/999")
    assert (missing.status_code, missing.ok, bool(missing)) == (404, False, False)
    assert missing.json() == {"error": "not found"}


def test_raise_for_status_raises_requests_http_error(api_url):
    import requests

    response = RESTClient(base_url=api_url).get("/status/503")
    with pytest.raises(requests.HTTPError) as e:
        response.raise_for_status()
    assert e.value.response is response
    assert str(e.value) == f"503 Server Error: Service Unavailable for url: {api_url}/status/503"


def test_post_sends_json_and_form_bodies(api_url):
    client = RESTClient(base_url=api_url)
    echo = client.post("/echo", json={"q": "rust", "n": [1, 2]}).json()
    assert (echo["method"], echo["json"]) == ("POST", {"q": "rust", "n": [1, 2]})
    form = client.post("/echo", data={"a": "1", "b": ["x", "y"]}).json()
    assert form["form"] == [["a", "1"], ["b", "x"], ["b", "y"]]
    with pytest.raises(ValueError, match="Cannot use both 'json' and 'data'"):
        client.post("/echo", json={"a": 1}, data={"b": 2})


def test_request_sends_any_method_with_params_and_headers(api_url):
    client = RESTClient(base_url=api_url, headers={"X-Client": "c", "X-Both": "client"})
    echo = client.request(
        "/echo", method="PATCH", params={"a": 1, "flag": True, "skip": None, "many": [1, 2]}, headers={"X-Both": "call"}
    ).json()
    assert echo["method"] == "PATCH"
    assert echo["query"] == [["a", "1"], ["flag", "True"], ["many", "1"], ["many", "2"]]
    assert echo["headers"]["x-client"] == "c" and echo["headers"]["x-both"] == "call"


def test_client_attributes_are_read_at_each_call(api_url):
    client = RESTClient(base_url=api_url)
    client.headers = {"X-Late": "yes"}
    assert client.get("/echo").json()["headers"]["x-late"] == "yes"


def test_paths_join_the_base_url_as_dlt_and_absolute_urls_bypass_it(api_url):
    client = RESTClient(base_url=api_url + "/echo///")
    assert client.get("//sub/path?x=1").json()["path"] == "/echo/sub/path"
    assert RESTClient(base_url="https://unused.invalid").get(api_url + "/posts/1").json()["id"] == 1


def test_paginate_yields_page_data_with_request_response_paginator_auth(api_url):
    paginator = OffsetPaginator(limit=40, total_path="total")
    client = RESTClient(base_url=api_url, data_selector="items")
    walk = client.paginate("/offset", paginator=paginator, params={"keep": "me"})
    pages = list(walk)
    assert [len(p) for p in pages] == [40, 40, 20]
    assert ids(pages) == list(range(1, 101))
    first = pages[0]
    assert isinstance(first, PageData) and isinstance(first, list)
    # The request that produced the page (dlt's points at the next one).
    assert first.request.params == {"keep": "me", "offset": "0", "limit": "40"}
    assert pages[2].request.params["offset"] == "80"
    assert isinstance(first.response, Response) and first.response.status_code == 200
    assert first.response.json()["total"] == 100
    assert first.response.request is first.request
    assert first.paginator is paginator and first.auth is None
    assert walk.stop_reason == "total reached (100)"
    # An explicit paginator is used as is: its state is the walk's.
    assert paginator.has_next_page is False


def test_the_clients_paginator_is_copied_for_every_call(api_url):
    template = PageNumberPaginator(base_page=1, total_path="total_pages")
    client = RESTClient(base_url=api_url, paginator=template, data_selector="data")
    first = list(client.paginate("/page"))
    second = list(client.paginate("/page"))
    assert ids(first) == ids(second) == list(range(1, 101))
    assert template.has_next_page is True, "the template is never walked"
    assert first[0].paginator is not template and first[0].paginator is not second[0].paginator


def test_max_pages_and_max_records_cap_a_walk(api_url):
    client = RESTClient(base_url=api_url)
    walk = client.paginate("/json-link", paginator=JSONLinkPaginator(), max_pages=2)
    assert ids(walk) == list(range(1, 21))
    assert walk.stop_reason == "max_pages limit (2)"
    walk = client.paginate("/json-link", paginator=JSONLinkPaginator(), max_records=15)
    assert ids(walk) == list(range(1, 16))
    assert walk.stop_reason == "max_records limit (15)"


def test_detection_finds_the_paginator_and_the_records(api_url):
    walk = RESTClient(base_url=api_url).paginate("/header-link")
    pages = list(walk)
    assert ids(pages) == list(range(1, 101))
    assert walk.stop_reason == "no next link"


def test_the_shortcut_paginates_a_url(api_url):
    walk = paginate(api_url + "/json-link/pagination", paginator=JSONLinkPaginator("pagination.next"))
    assert ids(walk) == list(range(1, 101))
    records = list(paginate(api_url + "/cursor", data_selector="items").records())
    assert [r["id"] for r in records] == list(range(1, 101))


def test_stop_reason_is_none_until_the_walk_ends(api_url):
    walk = RESTClient(base_url=api_url).paginate("/json-link", paginator=JSONLinkPaginator())
    assert walk.stop_reason is None
    next(walk)
    assert walk.stop_reason is None
    list(walk)
    assert walk.stop_reason == "no next link"
    with pytest.raises(StopIteration):
        next(walk)


def test_request_object_has_requests_attributes():
    r = Request("POST", "https://h.example/x", headers={"A": "1"}, params={"p": 1}, json={"k": [1]})
    assert r.headers["a"] == "1"
    assert r.body == b'{"k": [1]}'
    r.prepare_url(r.url, {"api_key": "s"})
    assert r.url == "https://h.example/x?api_key=s"
    assert repr(r) == "<Request [POST]>"
    assert Request().params == {} and Request().data == []


def test_version_is_the_crates():
    assert restclient.__version__.count(".") == 2


def test_nothing_is_sent_before_the_first_page_is_asked_for(serve):
    server = serve(lambda r: (200, {}, {"data": [{"id": 1}], "next": None}))
    walk = RESTClient(base_url=server.url).paginate("/x", paginator=JSONLinkPaginator())
    assert server.requests == []
    assert [len(p) for p in walk] == [1]
    assert len(server.requests) == 1
