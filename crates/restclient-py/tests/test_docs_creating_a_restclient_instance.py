"""dlt's RESTClient guide, "Creating a RESTClient instance": its one example, with only its
import lines and URLs/secrets changed (marked `# changed`)."""

import requests


class MyCustomSession(requests.Session):
    """The session the example passes (the guide leaves it to the reader)."""


def test_creating_a_restclient_instance(api_url):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.auth import BearerTokenAuth  # changed: import
    from restclient.paginators import JSONLinkPaginator  # changed: import

    client = RESTClient(
        base_url=api_url,  # changed: URL
        headers={"User-Agent": "MyApp/1.0"},
        auth=BearerTokenAuth(token="your_access_token_here"),  # type: ignore
        paginator=JSONLinkPaginator(next_url_path="pagination.next"),
        data_selector="data",
        session=MyCustomSession()
    )
    # ---- end of the example ----

    pages = list(client.paginate("/json-link/pagination"))
    assert [len(p) for p in pages] == [10] * 10
    assert [r["id"] for p in pages for r in p] == list(range(1, 101))
    sent = client.get("/echo").json()["headers"]
    assert sent["user-agent"] == "MyApp/1.0"
    assert sent["authorization"] == "Bearer your_access_token_here"
