"""dlt's RESTClient guide, "Paginators": each example, with only its import lines and URLs
changed (marked `# changed`), walked against the demo API route of the same shape; dlt 1.31
walks the same route to the same records."""

import dlt
import pytest

ALL = list(range(1, 101))


def ids(pages):
    return [r["id"] for page in pages for r in page]


def dlt_ids(api_url, path, make_paginator):
    """The records dlt's own RESTClient walks with the same paginator arguments."""
    from dlt.sources.helpers.rest_client import RESTClient as DltClient
    from dlt.sources.helpers.rest_client import paginators as dlt_paginators

    return ids(DltClient(base_url=api_url, paginator=make_paginator(dlt_paginators)).paginate(path))


def test_json_link_paginator(api_url):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.paginators import JSONLinkPaginator  # changed: import

    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=JSONLinkPaginator(next_url_path="pagination.next")
    )

    @dlt.resource
    def get_data():
        for page in client.paginate("/json-link/pagination"):  # changed: URL
            yield page
    # ---- end of the example ----

    assert [r["id"] for r in get_data()] == ALL
    assert dlt_ids(api_url, "/json-link/pagination", lambda p: p.JSONLinkPaginator(next_url_path="pagination.next")) == ALL


def test_offset_paginator_with_total(api_url):
    from restclient import RESTClient  # changed: import (the guide's imports are above the block)
    from restclient.paginators import OffsetPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=OffsetPaginator(
            limit=100,
            total_path="total"
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/offset")
    assert ids(walk) == ALL
    assert walk.stop_reason == "total reached (100)"
    assert dlt_ids(api_url, "/offset", lambda p: p.OffsetPaginator(limit=100, total_path="total")) == ALL


def test_offset_paginator_without_total_stops_on_an_empty_page(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import OffsetPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=OffsetPaginator(
            limit=100,
            total_path=None,
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/offset/no-total")
    assert [len(p) for p in walk] == [100, 0]
    assert walk.stop_reason == "empty page"


def test_offset_paginator_maximum_offset(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import OffsetPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=OffsetPaginator(
            limit=10,
            maximum_offset=20,  # limits response to 20 records
            total_path=None,
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/offset/no-total")
    assert ids(walk) == list(range(1, 21))
    assert walk.stop_reason == "maximum reached (20)"
    assert dlt_ids(api_url, "/offset/no-total", lambda p: p.OffsetPaginator(limit=10, maximum_offset=20, total_path=None)) == list(range(1, 21))


def test_page_number_paginator_with_total_pages(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import PageNumberPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=PageNumberPaginator(
            total_path="total_pages"  # Uses the total page count from the API
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/page0")
    assert ids(walk) == ALL
    assert walk.stop_reason == "total reached (10)"
    assert dlt_ids(api_url, "/page0", lambda p: p.PageNumberPaginator(total_path="total_pages")) == ALL


def test_page_number_paginator_without_total(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import PageNumberPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=PageNumberPaginator(
            total_path=None
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/page0")
    assert ids(walk) == ALL
    assert walk.stop_reason == "empty page"


def test_page_number_paginator_maximum_page(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import PageNumberPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=PageNumberPaginator(
            maximum_page=2,  # Limits response to 2 pages
            total_path=None
        )
    )
    # ---- end of the example ----

    walk = client.paginate("/page0")
    assert [len(p) for p in walk] == [10, 10]
    assert walk.stop_reason == "maximum reached (2)"
    assert dlt_ids(api_url, "/page0", lambda p: p.PageNumberPaginator(maximum_page=2, total_path=None)) == list(range(1, 21))


def test_json_response_cursor_paginator(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.paginators import JSONResponseCursorPaginator  # changed: import

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=JSONResponseCursorPaginator(cursor_path="cursors.next")
    )
    # ---- end of the example ----

    walk = client.paginate("/cursor")
    assert ids(walk) == ALL
    assert walk.stop_reason == "no next cursor"
    assert dlt_ids(api_url, "/cursor", lambda p: p.JSONResponseCursorPaginator(cursor_path="cursors.next")) == ALL
