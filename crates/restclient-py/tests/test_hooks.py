"""Response hooks: hooks={"response": [f, ...]} and IgnoreResponseException."""

from __future__ import annotations

import pytest

from restclient import RESTClient
from restclient.exceptions import HTTPError, IgnoreResponseException
from restclient.paginators import JSONLinkPaginator


def ids(pages):
    return [r["id"] for page in pages for r in page]


def test_hooks_see_every_response_with_its_request_once_per_page(api_url):
    seen = []

    def first(response, **kwargs):
        seen.append(("first", response.status_code, response.request.url))

    def second(response):
        seen.append(("second", response.url))

    walk = RESTClient(base_url=api_url).paginate(
        "/json-link", paginator=JSONLinkPaginator(), params={"page": 1, "page_size": 50}, hooks={"response": [first, second]}
    )
    assert ids(walk) == list(range(1, 101))
    # The first request's parameters are its own; a next link carries them in its URL.
    assert seen == [
        ("first", 200, f"{api_url}/json-link"),
        ("second", f"{api_url}/json-link?page=1&page_size=50"),
        ("first", 200, f"{api_url}/json-link?page=2&page_size=50"),
        ("second", f"{api_url}/json-link?page=2&page_size=50"),
    ]


def test_a_single_callable_is_a_hook_too(api_url):
    seen = []
    list(RESTClient(base_url=api_url).paginate("/single", hooks={"response": lambda r: seen.append(r.status_code)}))
    assert seen == [200]


def test_ignore_response_exception_ends_the_walk_quietly(api_url):
    def stop_on_second(response):
        if "page=2" in response.request.url:
            raise IgnoreResponseException

    walk = RESTClient(base_url=api_url).paginate(
        "/json-link", paginator=JSONLinkPaginator(), params={"page": 1}, hooks={"response": [stop_on_second]}
    )
    assert ids(walk) == list(range(1, 11))
    assert walk.stop_reason == "ignored by a response hook"


def test_the_status_check_stays_on_with_hooks(api_url):
    def handler(response):
        if response.status_code == 404:
            pass  # dlt: any hook disables the status check; restclient keeps it

    with pytest.raises(HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/status/404", hooks={"response": [handler]}))
    assert e.value.response.status_code == 404


def test_a_hook_accepts_a_status_by_setting_status_code(api_url):
    def accept_404(response):
        if response.status_code == 404:
            response.status_code = 200

    pages = list(RESTClient(base_url=api_url).paginate("/posts/12345", data_selector="$", hooks={"response": [accept_404]}))
    assert pages == [[{"error": "not found"}]]


def test_a_hook_raising_comes_out_as_itself(api_url):
    def broken(response):
        raise ZeroDivisionError("hook bug")

    with pytest.raises(ZeroDivisionError, match="hook bug"):
        list(RESTClient(base_url=api_url).paginate("/single", hooks={"response": [broken]}))


def test_a_stop_iteration_in_a_hook_or_an_auth_is_an_error_not_the_end_of_the_walk(api_url):
    from restclient.auth import AuthConfigBase

    def hook(response):
        if "page=3" in response.url:
            raise StopIteration

    walk = RESTClient(base_url=api_url).paginate("/json-link", paginator=JSONLinkPaginator(), params={"page": 1}, hooks={"response": [hook]})
    with pytest.raises(RuntimeError, match="StopIteration"):
        list(walk)

    class Auth(AuthConfigBase):
        calls = 0

        def __call__(self, request):
            Auth.calls += 1
            if Auth.calls == 2:
                raise StopIteration
            return request

    with pytest.raises(RuntimeError, match="StopIteration"):
        list(RESTClient(base_url=api_url).paginate("/json-link", paginator=JSONLinkPaginator(), auth=Auth()))


def test_get_runs_hooks_and_lets_ignore_response_exception_through(api_url):
    seen = []
    client = RESTClient(base_url=api_url)
    client.get("/posts/1", hooks={"response": [lambda r: seen.append(r.json()["id"])]})
    assert seen == [1]

    def ignore(response):
        raise IgnoreResponseException

    with pytest.raises(IgnoreResponseException):
        client.get("/posts/1", hooks={"response": [ignore]})


def test_unknown_hook_events_and_non_callables_are_refused(api_url):
    client = RESTClient(base_url=api_url)
    with pytest.raises(ValueError, match="request"):
        client.paginate("/single", hooks={"request": [print]})
    with pytest.raises(TypeError, match="callable"):
        client.paginate("/single", hooks={"response": ["not a function"]})
