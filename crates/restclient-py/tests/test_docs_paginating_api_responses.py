"""dlt's RESTClient guide, "Paginating API responses": its example, with only its URL
changed (to an API with a `Link` header, which the tip says is detected)."""


def test_paginating_api_responses(api_url, capsys):
    from restclient import RESTClient  # changed: import (the guide's imports are above the block)

    client = RESTClient(base_url=api_url)  # changed: URL (the client of the example before)

    # ---- the guide's example ----
    for page in client.paginate("/header-link"):  # changed: URL
        print(page)
    # ---- end of the example ----

    printed = capsys.readouterr().out.splitlines()
    expected = [str([{"id": i, "name": f"record-{i}", "score": i % 97} for i in range(p, p + 10)]) for p in range(1, 101, 10)]
    assert printed == expected
