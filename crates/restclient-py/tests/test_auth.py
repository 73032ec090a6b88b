"""restclient.auth: dlt's auths on the engine, and auths written in Python."""

from __future__ import annotations

import base64

import pytest

from restclient import RESTClient
from restclient.auth import APIKeyAuth, AuthConfigBase, BearerTokenAuth, HttpBasicAuth, OAuth2ClientCredentials
from restclient.exceptions import AuthError, HTTPError
from restclient.paginators import JSONLinkPaginator, OffsetPaginator

BEARER = "demo-bearer-token"
KEY = "demo-api-key"


def ids(pages):
    return [r["id"] for page in pages for r in page]


@pytest.mark.parametrize(
    "prefix, auth",
    [
        ("/auth/bearer", BearerTokenAuth(token=BEARER)),
        ("/auth/api-key/header", APIKeyAuth(name="X-API-Key", api_key=KEY)),
        ("/auth/api-key/query", APIKeyAuth(name="api_key", api_key=KEY, location="query")),
        ("/auth/api-key/cookie", APIKeyAuth(name="api_key", api_key=KEY, location="cookie")),
        ("/auth/basic", HttpBasicAuth(username="demo-user", password="demo-password")),
        ("/auth/basic", ("demo-user", "demo-password")),
        (
            "/auth/oauth2",
            OAuth2ClientCredentials(access_token_url="{api}/oauth/token", client_id="demo-client", client_secret="demo-client-secret"),
        ),
    ],
)
def test_builtin_auths_open_their_routes(api_url, prefix, auth):
    if isinstance(auth, OAuth2ClientCredentials):
        auth.access_token_url = auth.access_token_url.format(api=api_url)
    client = RESTClient(base_url=api_url + prefix, auth=auth)
    walk = client.paginate("/offset", paginator=OffsetPaginator(limit=50), data_selector="items")
    assert ids(walk) == list(range(1, 101))
    assert RESTClient(base_url=api_url + prefix).get("/offset").status_code == 401


def test_a_wrong_credential_is_an_http_error_with_the_response(api_url):
    client = RESTClient(base_url=api_url + "/auth/bearer", auth=BearerTokenAuth("wrong-token"))
    with pytest.raises(HTTPError) as e:
        list(client.paginate("/offset"))
    assert e.value.response.status_code == 401
    assert "wrong-token" not in str(e.value)


def test_the_call_auth_wins_over_the_clients(api_url):
    client = RESTClient(base_url=api_url + "/auth/bearer", auth=BearerTokenAuth("wrong"))
    assert client.get("/offset", auth=BearerTokenAuth(BEARER)).status_code == 200


def test_zoom_style_oauth2_subclass_sends_its_token_request(api_url):
    class ZoomAuth(OAuth2ClientCredentials):
        def build_access_token_request(self):
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            return {
                "headers": {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
                "data": self.access_token_request_data,
            }

    auth = ZoomAuth(
        access_token_url=api_url + "/oauth/token",
        client_id="demo-client",
        client_secret="demo-client-secret",
        access_token_request_data={"grant_type": "account_credentials", "account_id": "demo-account"},
    )
    assert RESTClient(base_url=api_url + "/auth/oauth2", auth=auth).get("/offset").status_code == 200


@pytest.mark.parametrize("method", ["parse_access_token", "parse_expiration_in_seconds"])
def test_oauth2_overrides_that_cannot_be_honoured_are_refused_by_name(api_url, method):
    # dlt calls these on the token response; the engine reads the token itself. Ignoring a
    # user's override would send another token (a 401) or keep one past its life, silently.
    def override(self, response_json):
        return "token-of-my-own"

    Custom = type("Custom", (OAuth2ClientCredentials,), {method: override})
    auth = Custom(access_token_url=f"{api_url}/oauth/token", client_id="demo-client", client_secret="demo-client-secret")
    with pytest.raises(NotImplementedError, match=method):
        RESTClient(base_url=api_url, auth=auth)


def test_a_failing_token_endpoint_is_an_auth_error(api_url):
    auth = OAuth2ClientCredentials(access_token_url=api_url + "/oauth/token", client_id="demo-client", client_secret="nope-secret")
    with pytest.raises(AuthError) as e:
        RESTClient(base_url=api_url + "/auth/oauth2", auth=auth).get("/offset")
    assert e.value.is_auth() and "nope-secret" not in str(e.value)


class HeaderAuth(AuthConfigBase):
    def __init__(self, token):
        self.token = token
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def test_a_python_auth_signs_every_request(api_url):
    auth = HeaderAuth(BEARER)
    client = RESTClient(base_url=api_url + "/auth/bearer", auth=auth)
    assert ids(client.paginate("/offset", paginator=OffsetPaginator(limit=25), data_selector="items")) == list(range(1, 101))
    assert auth.calls == 4


def test_a_python_auth_can_add_query_parameters_either_way(api_url):
    class ParamAuth(AuthConfigBase):
        def __call__(self, request):
            request.params["api_key"] = KEY
            return request

    class PrepareUrlAuth(AuthConfigBase):
        def __call__(self, request):
            request.prepare_url(request.url, {"api_key": KEY})
            return request

    for auth in (ParamAuth(), PrepareUrlAuth()):
        client = RESTClient(base_url=api_url + "/auth/api-key/query", auth=auth)
        assert client.get("/offset", params={"limit": 5}).json()["items"][0]["id"] == 1


def test_credentials_stay_on_their_origin(api_url, serve):
    other = serve(lambda r: (200, {}, {"data": [{"id": 99}], "next": None}))
    link = f"{api_url}/auth/bearer/link?next={other.url}/elsewhere"
    for auth in (BearerTokenAuth(BEARER), HeaderAuth(BEARER)):
        client = RESTClient(base_url=api_url + "/auth/bearer", auth=auth)
        pages = list(client.paginate(link, paginator=JSONLinkPaginator(), data_selector="data"))
        assert ids(pages)[-1] == 99
    assert len(other.requests) == 2
    for got in other.requests:
        assert "authorization" not in got.headers
        assert BEARER not in repr(got)


def test_a_python_auths_secrets_are_masked_in_errors(serve):
    server = serve(lambda r: (500, {}, {"error": "boom"}))

    class QueryKey(AuthConfigBase):
        def __init__(self):
            self.api_key = "s3cr3t-k3y-value"

        def __call__(self, request):
            request.params["key"] = self.api_key
            return request

    import os

    os.environ["RUNTIME__REQUEST_MAX_ATTEMPTS"] = "1"
    try:
        client = RESTClient(base_url=server.url, auth=QueryKey())
        with pytest.raises(HTTPError) as e:
            list(client.paginate("/x"))
    finally:
        del os.environ["RUNTIME__REQUEST_MAX_ATTEMPTS"]
    assert server.requests[0].path == "/x?key=s3cr3t-k3y-value"
    assert "s3cr3t-k3y-value" not in str(e.value)
    assert "s3cr3t-k3y-value" not in repr(e.value)


def test_an_auth_raising_comes_out_as_itself(api_url):
    class Broken(AuthConfigBase):
        def __call__(self, request):
            raise PermissionError("vault locked")

    with pytest.raises(PermissionError, match="vault locked"):
        list(RESTClient(base_url=api_url, auth=Broken()).paginate("/json-link"))


def test_builtin_auths_sign_a_python_request_too():
    from restclient import Request

    request = Request("GET", "https://api.example.com/x")
    BearerTokenAuth("t0k3n")(request)
    assert request.headers["Authorization"] == "Bearer t0k3n"
    request = APIKeyAuth(name="key", api_key="k3y", location="query")(Request("GET", "https://api.example.com/x"))
    assert request.params == {"key": "k3y"}


def test_auth_repr_masks_secrets():
    for auth, secret in (
        (BearerTokenAuth("t0k3n-value"), "t0k3n-value"),
        (APIKeyAuth(api_key="k3y-value"), "k3y-value"),
        (HttpBasicAuth("u", "pa55word"), "pa55word"),
        (OAuth2ClientCredentials("https://h/t", "id", "cl13nt-s3cret"), "cl13nt-s3cret"),
    ):
        assert secret not in repr(auth)
        assert auth  # always truthy, as dlt


def test_missing_credentials_and_wrong_types_are_refused(api_url):
    with pytest.raises(ValueError, match="token"):
        RESTClient(base_url=api_url, auth=BearerTokenAuth())
    with pytest.raises(ValueError, match="location"):
        RESTClient(base_url=api_url, auth=APIKeyAuth(api_key="k", location="body"))
    with pytest.raises(TypeError, match="auth"):
        RESTClient(base_url=api_url, auth=42)
