"""dlt's RESTClient guide, "Making basic requests": its example, with only its URL changed."""


def test_making_basic_requests(api_url):
    from restclient import RESTClient  # changed: import (the guide's imports are above the block)

    # ---- the guide's example ----
    client = RESTClient(base_url=api_url)  # changed: URL
    response = client.get("/posts/1")
    # ---- end of the example ----

    assert response.status_code == 200
    assert response.json() == {"id": 1, "name": "record-1", "score": 1}
