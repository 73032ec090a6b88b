"""dlt's RESTClient guide, "Advanced usage": its hook example, with only its URL changed.

The guide's handler does nothing for a 404. In dlt any response hook switches the status
check off, so the 404's body would be yielded as a page; restclient keeps the check (a hook
accepts a status explicitly), so the walk raises HTTPError: one of the listed differences.
"""

import pytest

from restclient.exceptions import HTTPError


def test_custom_response_hook(api_url):
    from restclient import RESTClient  # changed: import (the guide's imports are above the block)

    client = RESTClient(base_url=api_url, data_selector="data")  # changed: URL (the guide's client)

    # ---- the guide's example ----
    def custom_response_handler(response):
        if response.status_code == 404:
            # Handle not found
            pass

    walk = client.paginate("/json-link", hooks={"response": [custom_response_handler]})  # changed: URL, kept to walk it
    # ---- end of the example ----

    assert [r["id"] for page in walk for r in page] == list(range(1, 101))
    with pytest.raises(HTTPError) as e:
        list(client.paginate("/posts/404404", hooks={"response": [custom_response_handler]}))
    assert e.value.response.status_code == 404


def test_ignore_response_exception_ends_the_loop_early(api_url):
    from restclient import RESTClient  # changed: import
    from restclient.exceptions import IgnoreResponseException  # changed: import

    client = RESTClient(base_url=api_url)

    def custom_response_handler(response):
        if response.status_code == 404:
            raise IgnoreResponseException

    walk = client.paginate("/posts/404404", hooks={"response": [custom_response_handler]})
    assert list(walk) == []
    assert walk.stop_reason == "ignored by a response hook"
