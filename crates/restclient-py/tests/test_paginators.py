"""restclient.paginators: dlt's classes and defaults on the engine, and paginators written in
Python (BasePaginator subclasses, subclasses of built-in ones)."""

from __future__ import annotations

from typing import Any, List, Optional

import pytest

from restclient import RESTClient
from restclient.exceptions import PaginationLoopError
from restclient.models import Request, Response
from restclient.paginators import (
    BaseNextUrlPaginator,
    BasePaginator,
    HeaderCursorPaginator,
    HeaderLinkPaginator,
    JSONLinkPaginator,
    JSONResponseCursorPaginator,
    JSONResponsePaginator,
    OffsetPaginator,
    PageNumberPaginator,
    RangePaginator,
    SinglePagePaginator,
)

ALL = list(range(1, 101))


def ids(pages):
    return [r["id"] for page in pages for r in page]


@pytest.mark.parametrize(
    "path, paginator, selector, reason",
    [
        ("/offset", lambda: OffsetPaginator(limit=30), "items", "total reached (100)"),
        ("/offset/no-total", lambda: OffsetPaginator(limit=30, total_path=None), "items", "empty page"),
        ("/offset/has-more", lambda: OffsetPaginator(limit=30, total_path=None, has_more_path="has_more"), "items", "has_more is false"),
        ("/page", lambda: PageNumberPaginator(base_page=1, total_path="total_pages"), "data", "total reached (10)"),
        ("/page0", lambda: PageNumberPaginator(total_path="total_pages"), "data", "total reached (10)"),
        ("/page/no-total", lambda: PageNumberPaginator(base_page=1, total_path=None), "data", "empty page"),
        ("/json-link", lambda: JSONLinkPaginator(), "data", "no next link"),
        ("/json-link/nested", lambda: JSONLinkPaginator(next_url_path="pagination.next"), "results.posts", "no next link"),
        ("/header-link", lambda: HeaderLinkPaginator(), "$", "no next link"),
        ("/cursor", lambda: JSONResponseCursorPaginator(), "items", "no next cursor"),
        ("/header-cursor", lambda: HeaderCursorPaginator(), "$", "no next cursor"),
    ],
)
def test_every_builtin_paginator_walks_its_style(api_url, path, paginator, selector, reason):
    walk = RESTClient(base_url=api_url).paginate(path, paginator=paginator(), data_selector=selector)
    assert ids(walk) == ALL
    assert walk.stop_reason == reason


def test_single_page(api_url):
    walk = RESTClient(base_url=api_url).paginate("/json-link", paginator=SinglePagePaginator())
    assert ids(walk) == list(range(1, 11))
    assert walk.stop_reason == "single page"


def test_page_number_maximum_page_is_exclusive_as_dlt(api_url):
    walk = RESTClient(base_url=api_url).paginate(
        "/page", paginator=PageNumberPaginator(base_page=1, maximum_page=3, total_path=None)
    )
    assert ids(walk) == list(range(1, 21))


def test_offset_in_a_json_body(api_url):
    paginator = OffsetPaginator(limit=25, offset_body_path="offset", limit_body_path="limit")
    pages = list(RESTClient(base_url=api_url).paginate("/offset", method="POST", paginator=paginator))
    assert ids(pages) == ALL
    assert pages[1].request.json == {"offset": 25, "limit": 25}


def test_cursor_in_a_json_body(api_url):
    paginator = JSONResponseCursorPaginator(cursor_path="next_page_cursor", cursor_body_path="cursor")
    pages = list(RESTClient(base_url=api_url).paginate("/search", method="POST", json={"query": "q"}, paginator=paginator))
    assert ids(pages) == ALL
    assert pages[1].request.json["query"] == "q" and pages[1].request.json["cursor"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: OffsetPaginator(limit=10, total_path=None, stop_after_empty_page=False), "maximum_offset"),
        (lambda: OffsetPaginator(limit=10, offset_param="o", offset_body_path="o"), "offset_param"),
        (lambda: OffsetPaginator(limit=10, total_path="[["), "total_path"),
        (lambda: PageNumberPaginator(page_param="", page_body_path=None), "page_param"),
        (lambda: JSONResponseCursorPaginator(cursor_param="a", cursor_body_path="b"), "cursor_body_path"),
        (lambda: JSONLinkPaginator(next_url_path="a..[b"), "next_url_path"),
    ],
)
def test_invalid_settings_raise_value_error_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_missing_required_argument_is_a_type_error():
    with pytest.raises(TypeError, match="limit"):
        OffsetPaginator()  # type: ignore[call-arg]


def test_builtin_paginators_can_be_stepped_from_python(api_url):
    paginator = OffsetPaginator(limit=10, offset=20)
    request = Request("GET", api_url + "/offset", params={"q": "x"})
    paginator.init_request(request)
    assert request.params == {"q": "x", "offset": "20", "limit": "10"}
    response = RESTClient(base_url=api_url).get("/offset", params=request.params)
    paginator.update_state(response, response.json()["items"])
    paginator.update_request(request)
    assert request.params["offset"] == "30"
    assert paginator.has_next_page is True
    assert isinstance(paginator, RangePaginator) and isinstance(paginator, BasePaginator)
    assert "OffsetPaginator at" in str(paginator)


def test_json_response_paginator_is_deprecated():
    with pytest.warns(DeprecationWarning):
        JSONResponsePaginator()


class QueryParamPaginator(BasePaginator):
    """dlt's guide example: a page parameter until an empty page."""

    def __init__(self, page_param: str = "page", initial_page: int = 1) -> None:
        super().__init__()
        self.page_param = page_param
        self.page = initial_page
        self.seen: List[Any] = []

    def init_request(self, request: Request) -> None:
        self.update_request(request)

    def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
        self.seen.append((response.request.params.get(self.page_param), len(data or [])))
        if not response.json():
            self._has_next_page = False
        else:
            self.page += 1

    def update_request(self, request: Request) -> None:
        if request.params is None:
            request.params = {}
        request.params[self.page_param] = self.page


def test_a_python_paginator_is_called_once_per_page(api_url):
    paginator = QueryParamPaginator()
    walk = RESTClient(base_url=api_url).paginate("/posts", paginator=paginator)
    assert ids(walk) == ALL
    # update_state saw each page's request (its own int, not a string) and records.
    assert paginator.seen == [(p, 10) for p in range(1, 11)] + [(11, 0)]
    assert walk.stop_reason == "paginator has no next page"


def test_a_subclass_of_a_builtin_paginator_runs_its_overrides_and_super(api_url):
    calls = []

    class Counting(OffsetPaginator):
        def update_state(self, response, data=None):
            calls.append(len(data))
            super().update_state(response, data)

    walk = RESTClient(base_url=api_url).paginate("/offset", paginator=Counting(limit=40), data_selector="items")
    assert ids(walk) == ALL
    assert calls == [40, 40, 20]
    assert walk.stop_reason == "paginator has no next page"


def test_a_python_next_url_paginator(api_url):
    class BodyNext(BaseNextUrlPaginator):
        def update_state(self, response, data=None):
            self._next_reference = response.json().get("next")

    assert ids(RESTClient(base_url=api_url).paginate("/json-link", paginator=BodyNext(), data_selector="data")) == ALL


def test_a_python_range_paginator(api_url):
    class Pages(RangePaginator):
        def __init__(self):
            super().__init__(param_name="page", initial_value=1, value_step=1, base_index=1, total_path="total_pages")

    walk = RESTClient(base_url=api_url).paginate("/page", paginator=Pages(), data_selector="data")
    assert ids(walk) == ALL


def test_an_exception_in_a_python_paginator_comes_out_as_itself(api_url):
    class Broken(QueryParamPaginator):
        def update_state(self, response, data=None):
            if self.page == 3:
                raise KeyError("no cursor here")
            super().update_state(response, data)

    walk = RESTClient(base_url=api_url).paginate("/posts", paginator=Broken())
    assert len(next(walk)) == 10 and len(next(walk)) == 10
    with pytest.raises(KeyError, match="no cursor here"):
        next(walk)


def test_a_stop_iteration_in_a_python_paginator_is_an_error_not_the_end_of_the_walk(api_url):
    # A user's `next(...)` that found nothing: let through, it would end the caller's `for`
    # loop as if the walk were over, and every later page would be missing without a word.
    # As in a dlt generator (PEP 479), it is a RuntimeError caused by the StopIteration.
    class Searching(QueryParamPaginator):
        def update_state(self, response, data=None):
            if self.page == 3:
                next(r for r in data if r.get("missing"))
            super().update_state(response, data)

    walk = RESTClient(base_url=api_url).paginate("/posts", paginator=Searching())
    got: List[Any] = []
    with pytest.raises(RuntimeError, match="StopIteration") as e:
        for page in walk:
            got.extend(page)
    assert isinstance(e.value.__cause__, StopIteration)
    assert len(got) == 20


def test_an_exception_in_has_next_page_comes_out_as_itself(api_url):
    class Broken(QueryParamPaginator):
        @property
        def has_next_page(self):
            raise RuntimeError("has_next_page failed")

    walk = RESTClient(base_url=api_url).paginate("/posts", paginator=Broken())
    assert len(next(walk)) == 10, "the page is yielded, as a dlt generator would"
    with pytest.raises(RuntimeError, match="has_next_page failed"):
        next(walk)


def test_a_python_paginator_that_never_advances_is_a_loop_not_a_hang(api_url):
    class Stuck(BasePaginator):
        def update_state(self, response, data=None):
            pass

        def update_request(self, request):
            request.params = {"page": 1}

    with pytest.raises(PaginationLoopError, match="pagination loop"):
        list(RESTClient(base_url=api_url).paginate("/posts", paginator=Stuck()))


def test_a_paginator_that_is_no_paginator_is_refused(api_url):
    with pytest.raises(TypeError, match="paginator"):
        RESTClient(base_url=api_url, paginator=object())  # type: ignore[arg-type]
