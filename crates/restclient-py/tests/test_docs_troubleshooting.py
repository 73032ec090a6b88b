"""dlt's RESTClient guide, "Troubleshooting": its three examples, with only their import
lines and URLs/secrets changed (marked `# changed`)."""


def test_get_and_post(api_url, capsys):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.auth import BearerTokenAuth  # changed: import

    client = RESTClient(base_url=api_url)  # changed: URL
    response = client.get("/auth/bearer/offset", auth=BearerTokenAuth(token="demo-bearer-token"))  # type: ignore  # changed: URL, secret

    print(response.status_code)
    print(response.headers)
    print(response.content)
    # ---- end of the example ----

    status, headers, content = capsys.readouterr().out.splitlines()
    assert status == "200"
    assert "'content-type': 'application/json'" in headers
    assert content.startswith("b'{\"items\":[{\"id\":1,")


def test_page_data_request_and_response(api_url, capsys):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.paginators import JSONLinkPaginator  # changed: import

    client = RESTClient(
        base_url=api_url,  # changed: URL
        paginator=JSONLinkPaginator(next_url_path="pagination.next")
    )

    for page in client.paginate("/json-link/pagination"):  # changed: URL
        print(page.request)
        print(page.response)
    # ---- end of the example ----

    assert capsys.readouterr().out.splitlines() == ["<Request [GET]>", "<Response [200]>"] * 10


def test_response_hook_for_debugging(api_url, capsys):
    from restclient import RESTClient  # changed: import (the client of the example before)
    from restclient.paginators import JSONLinkPaginator  # changed: import

    client = RESTClient(base_url=api_url, paginator=JSONLinkPaginator(next_url_path="pagination.next"))  # changed: URL

    # ---- the guide's example ----
    from restclient.auth import BearerTokenAuth  # changed: import

    def response_hook(response, **kwargs):
        print(response.status_code)
        print(f"Content: {response.content}")
        print(f"Request: {response.request.body}")
        # Or import pdb; pdb.set_trace() to debug

    for page in client.paginate(
        "/auth/bearer/offset",  # changed: URL
        auth=BearerTokenAuth(token="demo-bearer-token"),  # type: ignore  # changed: secret
        hooks={"response": [response_hook]}
    ):
        print(page)
    # ---- end of the example ----

    status, content, request, page = capsys.readouterr().out.splitlines()
    assert status == "200"
    assert content.startswith("Content: b'{\"items\":[{\"id\":1,")
    assert request == "Request: None"
    assert page == str([{"id": i, "name": f"record-{i}", "score": i} for i in range(1, 11)])
