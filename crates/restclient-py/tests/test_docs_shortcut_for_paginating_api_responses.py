"""dlt's RESTClient guide, "Shortcut for paginating API responses": its example, with only
its import line and URL changed (to an API with a `Link` header, which is detected)."""


def test_paginate_shortcut(api_url, capsys):
    # ---- the guide's example ----
    from restclient import paginate  # changed: import

    for page in paginate(api_url + "/header-link"):  # changed: URL
        print(page)
    # ---- end of the example ----

    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 10
    assert printed[-1] == str([{"id": i, "name": f"record-{i}", "score": i % 97} for i in range(91, 101)])
