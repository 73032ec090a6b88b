"""Auths, with dlt's classes, fields and defaults.

The built-in auths sign requests in the Rust engine: their secrets are masked wherever
restclient writes text, and sent only to the origin (scheme, host, port) of the client's base
URL (or of the first request, without one). An auth of your own subclasses
:class:`AuthConfigBase` and implements ``__call__(request)``, setting headers or query
parameters on the :class:`restclient.Request` it gets (see the guide, "Custom auth"); the
engine calls it for every request it signs.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._restclient import NativeAuth
from .models import Request

__all__ = [
    "AuthConfigBase",
    "BearerTokenAuth",
    "APIKeyAuth",
    "HttpBasicAuth",
    "OAuth2AuthBase",
    "OAuth2ClientCredentials",
]


def _mask(value: Any) -> str:
    return "None" if value is None else "'***'"


class AuthConfigBase:
    """The base of every auth (dlt's ``AuthConfigBase``): a callable that signs a request.

    Subclass it and implement ``__call__(self, request)``: set ``request.headers[...]`` or
    ``request.params[...]`` (or call ``request.prepare_url(request.url, {...})``), and return
    the request. An auth is always truthy.
    """

    def __bool__(self) -> bool:
        return True

    def __call__(self, request: Request) -> Request:
        raise NotImplementedError("Auth hooks must be callable.")


class _NativeAuthBase(AuthConfigBase):
    """An auth that signs in the engine; the native auth is made from the current fields the
    first time it is needed, and again after a field changes."""

    _fields: tuple = ()
    _secret_fields: tuple = ()

    def _make_native(self) -> NativeAuth:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _engine_auth(self) -> NativeAuth:
        native = self.__dict__.get("_native")
        if native is None:
            native = self._make_native()
            object.__setattr__(self, "_native", native)
        return native

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in self._fields:
            self.__dict__.pop("_native", None)

    def __call__(self, request: Request) -> Request:
        """Signs ``request`` as the engine does."""
        return self._engine_auth().apply(request)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f}={_mask(getattr(self, f, None)) if f in self._secret_fields else repr(getattr(self, f, None))}"
            for f in self._fields
        )
        return f"{type(self).__name__}({shown})"


def _required(cls: str, field: str, value: Any) -> Any:
    if value is None or value == "":
        raise ValueError(f"{cls}: `{field}` is required")
    return value


class BearerTokenAuth(_NativeAuthBase):
    """``Authorization: Bearer <token>``."""

    _fields = ("token",)
    _secret_fields = ("token",)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    def _make_native(self) -> NativeAuth:
        return NativeAuth.bearer(str(_required("BearerTokenAuth", "token", self.token)))


class APIKeyAuth(_NativeAuthBase):
    """An API key in a header (``location="header"``: ``<name>: <api_key>``, no prefix), a
    query parameter (``"query"`` or ``"param"``) or a cookie (``"cookie"``; dlt raises
    ``NotImplementedError`` there)."""

    _fields = ("name", "api_key", "location")
    _secret_fields = ("api_key",)

    def __init__(self, name: str = "Authorization", api_key: Optional[str] = None, location: str = "header") -> None:
        self.name = name
        self.api_key = api_key
        self.location = location

    def _make_native(self) -> NativeAuth:
        return NativeAuth.api_key(
            str(_required("APIKeyAuth", "name", self.name)),
            str(_required("APIKeyAuth", "api_key", self.api_key)),
            str(self.location),
        )


class HttpBasicAuth(_NativeAuthBase):
    """``Authorization: Basic base64(username:password)``."""

    _fields = ("username", "password")
    _secret_fields = ("password",)

    def __init__(self, username: Optional[str] = None, password: Optional[str] = None) -> None:
        self.username = username
        self.password = password

    def _make_native(self) -> NativeAuth:
        return NativeAuth.basic(
            str(_required("HttpBasicAuth", "username", self.username)),
            "" if self.password is None else str(self.password),
        )


class OAuth2AuthBase(AuthConfigBase):
    """``Authorization: Bearer <access_token>`` with a token you obtained yourself."""

    def __init__(self, access_token: Optional[str] = None) -> None:
        self.access_token = access_token

    def __call__(self, request: Request) -> Request:
        request.headers["Authorization"] = f"Bearer {_required(type(self).__name__, 'access_token', self.access_token)}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(access_token={_mask(self.access_token)})"


class OAuth2ClientCredentials(_NativeAuthBase):
    """OAuth2 client credentials: a token from ``access_token_url`` (a form POST with
    ``client_id``, ``client_secret``, ``grant_type=client_credentials`` and
    ``access_token_request_data``), sent as ``Authorization: Bearer <token>`` and renewed
    before it expires (``expires_in``, else ``default_token_expiration`` seconds), and once
    on a 401.

    To change the token request (another grant, a Basic header), override
    ``build_access_token_request()`` and return ``{"headers": {...}, "data": {...}}``, as
    dlt's guide shows for Zoom.
    """

    _fields = (
        "access_token_url",
        "client_id",
        "client_secret",
        "access_token_request_data",
        "default_token_expiration",
    )
    _secret_fields = ("client_secret",)

    def __init__(
        self,
        access_token_url: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        access_token_request_data: Optional[Dict[str, Any]] = None,
        default_token_expiration: int = 3600,
        session: Any = None,
    ) -> None:
        self.access_token_url = access_token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token_request_data = access_token_request_data if access_token_request_data is not None else {}
        self.default_token_expiration = default_token_expiration
        if session is not None:
            raise ValueError(
                "OAuth2ClientCredentials: `session` is not supported; token requests use "
                "restclient's own HTTP client (with its retries and timeouts)"
            )
        self.session = None

    def build_access_token_request(self) -> Dict[str, Any]:
        """The token request's ``headers`` and form ``data`` (dlt's default)."""
        return {
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "data": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "grant_type": "client_credentials",
                **self.access_token_request_data,
            },
        }

    def _make_native(self) -> NativeAuth:
        cls = type(self).__name__
        for method in ("parse_access_token", "parse_expiration_in_seconds"):
            if hasattr(type(self), method):
                # dlt calls them on the token response; the engine reads `access_token` and
                # `expires_in` itself. Ignored, the override would send another token or keep
                # one past its life without a word.
                raise NotImplementedError(
                    f"{cls}.{method}: overriding it is not supported (the token response's "
                    "`access_token` and `expires_in` are read by restclient); override "
                    "build_access_token_request() to change the token request, or sign with "
                    "a token you fetch yourself (OAuth2AuthBase(access_token=...))"
                )
        token_headers = token_form = None
        if type(self).build_access_token_request is not OAuth2ClientCredentials.build_access_token_request:
            built = self.build_access_token_request()
            token_headers = [(str(k), str(v)) for k, v in (built.get("headers") or {}).items()]
            token_form = [(str(k), str(v)) for k, v in (built.get("data") or {}).items() if v is not None]
        return NativeAuth.oauth2(
            str(_required(cls, "access_token_url", self.access_token_url)),
            str(_required(cls, "client_id", self.client_id)),
            str(_required(cls, "client_secret", self.client_secret)),
            [(str(k), str(v)) for k, v in self.access_token_request_data.items()],
            float(self.default_token_expiration),
            token_headers,
            token_form,
        )


def _engine_auth(auth: Any) -> Any:
    """What the engine signs with for ``auth``: the native auth of a built-in one whose
    ``__call__`` is not overridden, a ``(user, password)`` pair as basic auth, else the
    callable itself."""
    if auth is None:
        return None
    if isinstance(auth, _NativeAuthBase) and type(auth).__call__ is _NativeAuthBase.__call__:
        return auth._engine_auth()
    if isinstance(auth, tuple) and len(auth) == 2:
        return HttpBasicAuth(*auth)._engine_auth()
    if not callable(auth):
        raise TypeError(
            f"auth: expected an AuthConfigBase (or a callable taking a request), not {type(auth).__name__}"
        )
    return auth
