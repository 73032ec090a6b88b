"""dlt's RESTClient guide, "Implementing a custom paginator": its three examples, with only
their import lines and URLs changed (marked `# changed`)."""

import dlt

# ---- the guide's example 1: a query parameter paginator ----
from typing import Any, List, Optional
from restclient.paginators import BasePaginator  # changed: import
from restclient import Response, Request  # changed: import

class QueryParamPaginator(BasePaginator):
    def __init__(self, page_param: str = "page", initial_page: int = 1):
        super().__init__()
        self.page_param = page_param
        self.page = initial_page

    def init_request(self, request: Request) -> None:
        # This will set the initial page number (e.g., page=1)
        self.update_request(request)

    def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
        # Assuming the API returns an empty list when no more data is available
        if not response.json():
            self._has_next_page = False
        else:
            self.page += 1

    def update_request(self, request: Request) -> None:
        if request.params is None:
            request.params = {}
        request.params[self.page_param] = self.page
# ---- end of the example ----


def test_query_param_paginator(api_url):
    # ---- the guide's example 2: using it ----
    from restclient import RESTClient  # changed: import

    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=QueryParamPaginator(page_param="page", initial_page=1)
    )

    @dlt.resource
    def get_data():
        for page in client.paginate("/posts"):  # changed: URL
            yield page
    # ---- end of the example ----

    assert [r["id"] for r in get_data()] == list(range(1, 101))
    pages = list(client.paginate("/posts"))
    # Pages 1..10, then the empty page 11 that stops it.
    assert [p.request.params["page"] for p in pages] == [str(n) for n in range(1, 12)]
    assert [len(p) for p in pages] == [10] * 10 + [0]


def test_post_body_paginator(api_url):
    # ---- the guide's example 3: a paginator for POST requests ----
    from typing import Any, List, Optional
    from restclient.paginators import BasePaginator  # changed: import
    from restclient import RESTClient  # changed: import
    from restclient import Response, Request  # changed: import

    class PostBodyPaginator(BasePaginator):
        def __init__(self):
            super().__init__()
            self.cursor = None

        def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
            # Assuming the API returns an empty list when no more data is available
            if not response.json():
                self._has_next_page = False
            else:
                self.cursor = response.json().get("next_page_cursor")

        def update_request(self, request: Request) -> None:
            if request.json is None:
                request.json = {}

            # Add the cursor to the request body
            request.json["cursor"] = self.cursor

    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=PostBodyPaginator()
    )

    @dlt.resource
    def get_data():
        for page in client.paginate("/body-cursor"):  # changed: URL
            yield page
    # ---- end of the example ----

    assert [r["id"] for r in get_data()] == list(range(1, 101))
    pages = list(client.paginate("/body-cursor"))
    # The first request has no body; each next one carries the cursor; {} ends the walk.
    assert pages[0].request.json is None
    assert [bool(p.request.json["cursor"]) for p in pages[1:]] == [True] * 10
    assert [len(p) for p in pages] == [10] * 10 + [0]
