"""Records as the API sent them: what json.loads gives (key order, integers of any size,
floats, escapes), built straight from the response text."""

from __future__ import annotations

import json

import pytest

from conftest import json_response
from restclient import RESTClient
from restclient.paginators import SinglePagePaginator

RECORDS = [
    b'{"zeta": 1, "alpha": 2, "mid": {"b": 1, "a": 2}, "": "empty key"}',
    b'{"big": 123456789012345678901234567890, "neg": -98765432109876543210, "u64": 18446744073709551615, "i64min": -9223372036854775808}',
    b'{"floats": [0.1, 1.5e300, 1E2, -0.0, 2.5, 1e-320, 123456789012345678901234567890.0, 1e400]}',
    b'{"ints": [0, -0, 1, -1, 9007199254740993]}',
    b'{"s": "\\u00e9\\ud83d\\ude00 caf\xc3\xa9 \\n\\t\\"\\\\\\/ \\u0000", "lone": "\\udc00"}',
    b'{"nest": [[[], {}], {"a": [null, true, false]}], "dup": 1, "dup": 2}',
    b'{"' + b"k" * 100 + b'": "a key longer than the cache takes"}',
    b"[1, 2]",
    b'"a bare string"',
    b"null",
    b"3.25",
]
BODY = b'{"items": [' + b", ".join(RECORDS) + b"]}"


def same(a, b):
    """Equal with types and key order (repr shows both; 1 and 1.0 differ)."""
    return repr(a) == repr(b)


@pytest.fixture
def page(raw_server):
    url = raw_server(lambda head: json_response(BODY))
    [page] = list(RESTClient(base_url=url).paginate("/x", paginator=SinglePagePaginator(), data_selector="items"))
    return page


def test_records_equal_json_loads_with_types_and_key_order(page):
    expected = json.loads(BODY)["items"]
    assert len(page) == len(expected)
    for got, want in zip(page, expected):
        assert same(got, want), (got, want)


def test_integers_beyond_64_bits_are_exact(page):
    assert page[1]["big"] == 123456789012345678901234567890
    assert page[1]["neg"] == -98765432109876543210
    assert type(page[1]["big"]) is int


def test_key_order_is_the_apis(page):
    assert list(page[0]) == ["zeta", "alpha", "mid", ""]
    assert list(page[0]["mid"]) == ["b", "a"]


def test_response_json_equals_json_loads_too(page):
    assert same(page.response.json(), json.loads(BODY))


def test_many_distinct_keys_past_the_cache(raw_server):
    records = [{f"key-{i}-{j}": i for j in range(3)} for i in range(3000)]
    body = json.dumps({"items": records}).encode()
    url = raw_server(lambda head: json_response(body))
    [page] = list(RESTClient(base_url=url).paginate("/x", paginator=SinglePagePaginator(), data_selector="items"))
    assert same(list(page), records)


def test_pages_are_independent_lists(api_url):
    pages = list(RESTClient(base_url=api_url).paginate("/json-link", data_selector="data"))
    pages[0][0]["id"] = "changed"
    pages[0].append("extra")
    assert pages[1][0]["id"] == 11 and len(pages[1]) == 10


def _walk_ids(url: str) -> list:
    return [r["id"] for page in RESTClient(base_url=url).paginate(
        "/big", paginator=SinglePagePaginator(), data_selector="items") for r in page]


def _walk_in_child(url: str, out) -> None:
    out.put(_walk_ids(url))


def test_a_page_scanned_on_two_threads_is_whole_in_a_forked_child_too(raw_server):
    """A page over 64 KiB is scanned by the walk's thread and the engine's helper thread at
    once. A child forked after the parent started that helper has no such thread: its walk
    must neither hang waiting for it nor lose records."""
    import multiprocessing

    records = b",".join(b'{"id":%d,"name":"record-%d","tags":["a","b"]}' % (i, i) for i in range(4000))
    body = b'{"items":[' + records + b'],"total":4000}'
    assert len(body) > 2 * 64 * 1024
    url = raw_server(lambda head: json_response(body))
    assert _walk_ids(url) == list(range(4000))
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    child = fork.Process(target=_walk_in_child, args=(url, out))
    child.start()
    try:
        ids = out.get(timeout=60)
    finally:
        child.join(timeout=60)
    assert child.exitcode == 0
    assert ids == list(range(4000))
