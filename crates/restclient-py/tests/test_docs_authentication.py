"""dlt's RESTClient guide, "Authentication": its six examples, with only their import lines
and URLs/secrets changed (marked `# changed`), against the demo API's protected routes."""

import pytest

from restclient.exceptions import HTTPError


def test_bearer_token_authentication(api_url, capsys):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.auth import BearerTokenAuth  # changed: import

    client = RESTClient(
        base_url=api_url,  # changed: URL
        auth=BearerTokenAuth(token="demo-bearer-token")  # type: ignore  # changed: secret
    )

    for page in client.paginate("/auth/bearer/offset"):  # changed: URL
        print(page)
    # ---- end of the example ----

    # restclient detects the offset style from the first response (dlt falls back to one page).
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str([{"id": i, "name": f"record-{i}", "score": i % 97} for i in range(p, p + 10)]) for p in range(1, 101, 10)]
    with pytest.raises(HTTPError) as e:
        list(RESTClient(base_url=api_url).paginate("/auth/bearer/offset"))
    assert e.value.response.status_code == 401


def test_api_key_authentication(api_url):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.auth import APIKeyAuth  # changed: import

    auth = APIKeyAuth(name="X-API-Key", api_key="demo-api-key", location="header")  # type: ignore  # changed: secret

    # Create a RESTClient instance with API Key Authentication
    client = RESTClient(base_url=api_url, auth=auth)  # changed: URL

    response = client.get("/auth/api-key/header/offset")  # changed: URL
    # ---- end of the example ----

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == list(range(1, 11))


def test_http_basic_authentication(api_url):
    # ---- the guide's example ----
    from restclient import RESTClient  # changed: import
    from restclient.auth import HttpBasicAuth  # changed: import

    auth = HttpBasicAuth(username="demo-user", password="demo-password")  # type: ignore  # changed: secrets
    client = RESTClient(base_url=api_url, auth=auth)  # changed: URL

    response = client.get("/auth/basic/offset")  # changed: URL
    # ---- end of the example ----

    assert response.status_code == 200


def test_oauth2_client_credentials_zoom_style(api_url):
    secrets = {  # changed: the example's dlt.secrets, as the demo API's credentials
        "sources.zoom.access_token_url": api_url + "/oauth/token",
        "sources.zoom.client_id": "demo-client",
        "sources.zoom.client_secret": "demo-client-secret",
        "sources.zoom.account_id": "demo-account",
    }

    # ---- the guide's example ----
    from typing import Any, Dict  # changed: import (the example uses them)
    from base64 import b64encode
    from restclient import RESTClient  # changed: import
    from restclient.auth import OAuth2ClientCredentials  # changed: import

    class OAuth2ClientCredentialsHTTPBasic(OAuth2ClientCredentials):
        """Used e.g. by Zoom Video Communications, Inc."""
        def build_access_token_request(self) -> Dict[str, Any]:
            authentication: str = b64encode(
                f"{self.client_id}:{self.client_secret}".encode()
            ).decode()
            return {
                "headers": {
                    "Authorization": f"Basic {authentication}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "data": self.access_token_request_data,
            }

    auth = OAuth2ClientCredentialsHTTPBasic(
        access_token_url=secrets["sources.zoom.access_token_url"],  # "https://zoom.us/oauth/token"  # changed: secrets
        client_id=secrets["sources.zoom.client_id"],  # changed: secrets
        client_secret=secrets["sources.zoom.client_secret"],  # changed: secrets
        access_token_request_data={
            "grant_type": "account_credentials",
            "account_id": secrets["sources.zoom.account_id"],  # changed: secrets
        },
    )
    client = RESTClient(base_url=api_url + "/auth/oauth2", auth=auth)  # changed: URL

    response = client.get("/offset")  # changed: URL
    # ---- end of the example ----

    assert response.status_code == 200
    assert response.json()["total"] == 100


def test_implementing_custom_authentication(api_url):
    # ---- the guide's example ----
    from restclient.auth import AuthConfigBase  # changed: import

    class CustomAuth(AuthConfigBase):
        def __init__(self, token):
            self.token = token

        def __call__(self, request):
            # Modify the request object to include the necessary authentication headers
            request.headers["Authorization"] = f"Custom {self.token}"
            return request
    # ---- end of the example ----

    from restclient import RESTClient  # changed: import (the guide's imports are above the block)

    # ---- the guide's example ----
    client = RESTClient(
        base_url=api_url,  # changed: URL
        auth=CustomAuth(token="your_custom_token_here")
    )
    # ---- end of the example ----

    sent = client.get("/echo").json()["headers"]
    assert sent["authorization"] == "Custom your_custom_token_here"
