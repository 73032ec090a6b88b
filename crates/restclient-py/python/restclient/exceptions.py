"""Exceptions, with dlt's names and requests' classes where dlt code catches those.

Every error the engine raises is a :class:`RestClientError`: it has the failure's ``kind``
(``"status"``, ``"timeout"``, ``"connect"``, ``"decode"``, ``"pagination_loop"``, ...), the
``url`` it concerns (secrets masked), the ``status_code`` when there is one, and predicates
(``is_timeout()``, ``is_status()``, ...). When ``requests`` is importable (dlt always installs
it), the classes also derive from requests' exceptions, so ``except requests.HTTPError`` and
``except requests.exceptions.Timeout`` keep working:

================================  =====================================================
kind                              class (and the requests class it also is)
================================  =====================================================
``status``                        :class:`HTTPError` (``requests.HTTPError``)
``timeout``                       :class:`Timeout` (``requests.Timeout``)
``connect``                       :class:`ConnectionError` (``requests.ConnectionError``)
``body`` (a body cut short)       :class:`ChunkedEncodingError` (requests' of that name)
``redirect``                      :class:`TooManyRedirects` (requests' of that name)
``decode`` (a body not JSON)      :class:`JSONDecodeError` (``requests.JSONDecodeError``)
``decode`` (a value missing)      :class:`DecodeError` (a ``ValueError``)
``builder``, ``config``           :class:`ConfigurationError` (a ``ValueError``)
``request``                       :class:`InvalidRequestError` (a ``ValueError``)
``pagination_loop``               :class:`PaginationLoopError`
``rate_limited``                  :class:`RateLimitedError`
``body_too_large``                :class:`BodyTooLargeError`
``auth``                          :class:`AuthError`
================================  =====================================================

An exception raised by your own code that the engine called (a paginator, an auth, a hook)
comes out as itself, not wrapped (a ``StopIteration`` excepted: it becomes a ``RuntimeError``
caused by it, as PEP 479 has generators do, so that it cannot end the caller's loop quietly).
"""

from __future__ import annotations

from typing import Any, Optional, Tuple, Type

try:  # requests is optional; dlt always installs it.
    import requests as _requests
    import requests.exceptions as _rexc
except ImportError:  # pragma: no cover - exercised only without requests
    _requests = None
    _rexc = None

__all__ = [
    "RESTClientException",
    "IgnoreResponseException",
    "PaginatorSetupError",
    "PaginatorNotFound",
    "RestClientError",
    "HTTPError",
    "Timeout",
    "ConnectionError",
    "ChunkedEncodingError",
    "TooManyRedirects",
    "DecodeError",
    "JSONDecodeError",
    "ConfigurationError",
    "InvalidRequestError",
    "PaginationLoopError",
    "RateLimitedError",
    "BodyTooLargeError",
    "AuthError",
]


class RESTClientException(Exception):
    """The base of restclient's exceptions (dlt's ``RESTClientException``)."""


class IgnoreResponseException(RESTClientException):
    """Raised by a response hook to end a walk quietly: nothing is yielded for the response.

    ``client.get``/``post``/``request`` do not catch it (as dlt).
    """


class PaginatorSetupError(RESTClientException, ValueError):
    """A paginator that cannot be set up (dlt's name; restclient raises ``ValueError``s
    naming the argument instead)."""


class PaginatorNotFound(RESTClientException):
    """No paginator fits the response (dlt's name; restclient's detection always ends with
    a single page, so it is not raised)."""


def _bases(requests_class: Optional[str], *fallback: type) -> Tuple[type, ...]:
    """The extra bases of a class: requests' class of that name when requests is there."""
    if _rexc is not None and requests_class is not None:
        return (getattr(_rexc, requests_class),)
    return fallback


class RestClientError(RESTClientException):
    """An error of the engine: an HTTP status, a transport failure, a response that is not
    what was expected, a pagination loop, an invalid setting.

    Attributes:
        kind: what failed (``"status"``, ``"timeout"``, ``"connect"``, ``"decode"``, ...).
        url: the URL concerned, secrets masked, or ``None``.
        status_code: the HTTP status, when the error is about one.
        response: the :class:`restclient.Response` that failed (status errors of a walk).
    """

    kind: str
    url: Optional[str]
    status_code: Optional[int]

    def __init__(
        self,
        message: str = "",
        *,
        kind: str = "other",
        url: Optional[str] = None,
        status_code: Optional[int] = None,
        response: Any = None,
        request: Any = None,
    ) -> None:
        if _rexc is not None and isinstance(self, _rexc.RequestException):
            _rexc.RequestException.__init__(self, message, response=response, request=request)
        else:
            Exception.__init__(self, message)
            self.response = response
            self.request = request
        self.kind = kind
        self.url = url
        self.status_code = status_code

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def is_status(self) -> bool:
        """An error status (``status_code`` says which)."""
        return self.kind == "status"

    def is_timeout(self) -> bool:
        """A request that took longer than its timeout."""
        return self.kind == "timeout"

    def is_connect(self) -> bool:
        """A connection that could not be made, or was lost."""
        return self.kind == "connect"

    def is_decode(self) -> bool:
        """A response that is not what was expected (not JSON, a value missing)."""
        return self.kind == "decode"

    def is_pagination_loop(self) -> bool:
        """A paginator that asked for the same page twice."""
        return self.kind == "pagination_loop"

    def is_rate_limited(self) -> bool:
        """A rate limit that asks for a longer wait than allowed."""
        return self.kind == "rate_limited"

    def is_body_too_large(self) -> bool:
        """A response body over ``max_response_bytes``."""
        return self.kind == "body_too_large"

    def is_auth(self) -> bool:
        """An auth that could not sign a request (e.g. the token endpoint failed)."""
        return self.kind == "auth"

    def is_builder(self) -> bool:
        """An invalid setting, found before any request."""
        return self.kind in ("builder", "config")


class HTTPError(RestClientError, *_bases("HTTPError")):  # type: ignore[misc]
    """An error status (≥ 400) in a walk, or from :meth:`Response.raise_for_status`.

    ``.response`` is the response (``.response.status_code``, ``.response.text``).
    """


class Timeout(RestClientError, *_bases("Timeout")):  # type: ignore[misc]
    """A request that took longer than its timeout, after the retries."""


class ConnectionError(RestClientError, *_bases("ConnectionError")):  # type: ignore[misc]  # noqa: A001
    """A connection that could not be made or was lost, after the retries."""


class ChunkedEncodingError(RestClientError, *_bases("ChunkedEncodingError")):  # type: ignore[misc]
    """A response body that ended early, after the retries."""


class TooManyRedirects(RestClientError, *_bases("TooManyRedirects")):  # type: ignore[misc]
    """More redirects in a row than allowed (10)."""


class DecodeError(RestClientError, ValueError):
    """A response that is not what was expected: a value the paginator needs is missing or
    of the wrong type."""


class JSONDecodeError(DecodeError, *_bases("JSONDecodeError")):  # type: ignore[misc]
    """A response body that is not JSON (an HTML page, an empty 204)."""

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        if _rexc is not None:
            # requests' (and json's) JSONDecodeError takes (msg, doc, pos).
            _rexc.JSONDecodeError.__init__(
                self, message, "", 0, response=kwargs.get("response"), request=kwargs.get("request")
            )
            self.args = (message,)
            self.kind = kwargs.get("kind", "decode")
            self.url = kwargs.get("url")
            self.status_code = kwargs.get("status_code")
        else:
            DecodeError.__init__(self, message, **kwargs)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigurationError(RestClientError, ValueError):
    """An invalid setting (base URL, header, JSONPath, a paginator's or auth's argument, a
    ``[runtime]`` value), found before any request; the message names it."""


class InvalidRequestError(RestClientError, ValueError):
    """A request that could not be built while walking (a next link that is not a URL)."""


class PaginationLoopError(RestClientError):
    """A paginator asked for a page it had already fetched in this walk (dlt would loop
    forever)."""


class RateLimitedError(RestClientError):
    """The API's rate limit asks for a wait longer than ``rate_limit_max_wait``."""


class BodyTooLargeError(RestClientError):
    """A response body larger than ``max_response_bytes``."""


class AuthError(RestClientError):
    """An auth could not sign a request (e.g. the OAuth2 token endpoint failed)."""


_BY_KIND = {
    "status": HTTPError,
    "timeout": Timeout,
    "connect": ConnectionError,
    "body": ChunkedEncodingError,
    "redirect": TooManyRedirects,
    "decode": DecodeError,
    "builder": ConfigurationError,
    "config": ConfigurationError,
    "request": InvalidRequestError,
    "pagination_loop": PaginationLoopError,
    "rate_limited": RateLimitedError,
    "body_too_large": BodyTooLargeError,
    "auth": AuthError,
}


def _from_native(
    kind: str,
    message: str,
    url: Optional[str],
    status_code: Optional[int],
    native_response: Any,
) -> RestClientError:
    """The exception for an engine error (called by the native module)."""
    cls: Type[RestClientError] = _BY_KIND.get(kind, RestClientError)
    if cls is DecodeError and "expected a JSON body" in message:
        cls = JSONDecodeError
    response = None
    if native_response is not None:
        from .models import Response

        response = Response(native_response)
    return cls(message, kind=kind, url=url, status_code=status_code, response=response)
