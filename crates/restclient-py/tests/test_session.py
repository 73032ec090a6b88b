"""session=requests.Session(): what is honoured (headers, auth, params, proxies, verify,
trust_env, response hooks, dlt's timeout) and what is refused by name."""

from __future__ import annotations

import urllib.request

import pytest
import requests

from restclient import RESTClient
from restclient.auth import BearerTokenAuth


def test_session_headers_auth_and_params_are_sent(api_url):
    session = requests.Session()
    session.headers["X-From-Session"] = "s"
    session.auth = ("demo-user", "demo-password")
    session.params = {"from_session": "1"}
    client = RESTClient(base_url=api_url + "/auth/basic", headers={"X-From-Client": "c"}, session=session)
    echo = client.get("/echo", params={"call": "2"}).json()
    assert echo["headers"]["x-from-session"] == "s" and echo["headers"]["x-from-client"] == "c"
    assert echo["headers"]["authorization"].startswith("Basic ")
    assert echo["query"] == [["from_session", "1"], ["call", "2"]]
    # requests' default User-Agent comes with the session, as in dlt.
    assert echo["headers"]["user-agent"].startswith("python-requests/")


def test_the_clients_auth_wins_over_the_sessions(api_url):
    session = requests.Session()
    session.auth = ("wrong", "wrong")
    client = RESTClient(base_url=api_url + "/auth/bearer", auth=BearerTokenAuth("demo-bearer-token"), session=session)
    assert client.get("/offset").status_code == 200


def test_session_hooks_run(api_url):
    seen = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.status_code))
    list(RESTClient(base_url=api_url, session=session).paginate("/single"))
    assert seen == [200]


def test_session_proxies_are_used(api_url, serve):
    def forward(request):
        # A plain HTTP proxy: the request line holds the absolute URL.
        assert request.path.startswith("http://"), request.path
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request.path) as upstream:
            return 200, {"X-Via": "test-proxy", "Content-Type": "application/json"}, upstream.read()

    proxy = serve(forward)
    session = requests.Session()
    session.proxies = {"http": proxy.url}
    response = RESTClient(base_url=api_url, session=session).get("/posts/2")
    assert response.json()["id"] == 2 and response.headers["x-via"] == "test-proxy"
    assert proxy.requests[0].path == f"{api_url}/posts/2"


def test_dlts_session_is_accepted(api_url):
    from dlt.sources.helpers.requests import Client

    session = Client(raise_for_status=False, request_timeout=7).session
    assert RESTClient(base_url=api_url, session=session).get("/posts/1").json()["id"] == 1


@pytest.mark.parametrize(
    "setup, named",
    [
        (lambda s: s.cookies.set("sid", "1"), "cookies"),
        (lambda s: setattr(s, "cert", "/tmp/client.pem"), "cert"),
        (lambda s: s.mount("https://special.example", requests.adapters.HTTPAdapter()), "special.example"),
        (lambda s: setattr(s, "stream", True), "stream"),
    ],
)
def test_what_cannot_be_honoured_is_refused_by_name(setup, named):
    session = requests.Session()
    setup(session)
    with pytest.raises(ValueError, match=named):
        RESTClient(base_url="https://api.example.com", session=session)


def test_a_verify_bundle_that_cannot_be_read_is_named():
    session = requests.Session()
    session.verify = "/nonexistent/ca.pem"
    with pytest.raises(ValueError, match="session.verify"):
        RESTClient(base_url="https://api.example.com", session=session)
