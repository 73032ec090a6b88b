"""paginate(..., concurrency=N): pages fetched at once, yielded in order, nothing lost or
repeated; paginators that cannot go ahead stay serial."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from restclient import RESTClient
from restclient.paginators import JSONResponseCursorPaginator, OffsetPaginator, PageNumberPaginator


def ids(pages):
    return [r["id"] for page in pages for r in page]


@pytest.mark.parametrize(
    "path, paginator, selector",
    [
        ("/offset", lambda: OffsetPaginator(limit=7), "items"),
        ("/offset/no-total", lambda: OffsetPaginator(limit=7, total_path=None), "items"),
        ("/page", lambda: PageNumberPaginator(base_page=1, total_path="total_pages"), "data"),
        ("/cursor", lambda: JSONResponseCursorPaginator(), "items"),
    ],
)
def test_a_concurrent_walk_yields_what_a_serial_one_does(api_url, path, paginator, selector):
    client = RESTClient(base_url=api_url, data_selector=selector)
    serial = client.paginate(path, paginator=paginator())
    serial_pages = [(p.request.params, list(p)) for p in serial]
    concurrent = client.paginate(path, paginator=paginator(), concurrency=8)
    concurrent_pages = [(p.request.params, list(p)) for p in concurrent]
    assert concurrent_pages == serial_pages
    assert ids(p for _, p in concurrent_pages) == list(range(1, 101))
    assert concurrent.stop_reason == serial.stop_reason


def test_requests_are_in_flight_together(serve):
    # Every page after the first waits for two more requests to arrive: a serial walk would
    # break the barrier (after its timeout) and get 500s.
    barrier = threading.Barrier(3, timeout=20)

    def handler(request):
        offset = int(parse_qs(urlsplit(request.path).query)["offset"][0])
        if 0 < offset <= 30:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return 500, {}, {"error": "not concurrent"}
        items = [{"id": i} for i in range(offset + 1, min(offset + 10, 40) + 1)]
        return 200, {}, {"items": items, "total": 40}

    server = serve(handler)
    walk = RESTClient(base_url=server.url).paginate(
        "/o", paginator=OffsetPaginator(limit=10), data_selector="items", concurrency=3
    )
    assert ids(walk) == list(range(1, 41))
    assert walk.stop_reason == "total reached (40)"
