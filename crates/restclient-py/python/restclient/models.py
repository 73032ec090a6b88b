"""``Request`` and ``Response``: what dlt code reads of requests' objects.

A :class:`Request` is what a paginator edits (``init_request``, ``update_request``) and an auth
signs (``__call__``): ``method``, ``url``, ``params``, ``headers``, ``json``, ``data``. A
:class:`Response` has what dlt code reads of a ``requests.Response``: ``status_code``, ``ok``,
``reason``, ``headers``, ``url``, ``content``, ``text``, ``json()``, ``raise_for_status()``,
``links``, ``request``.
"""

from __future__ import annotations

import json as _json
from datetime import timedelta
from typing import Any, Dict, Iterator, List, Mapping, MutableMapping, Optional, Tuple
from urllib.parse import urlencode, urlsplit, urlunsplit

try:
    from requests.structures import CaseInsensitiveDict
except ImportError:  # pragma: no cover - exercised only without requests

    class CaseInsensitiveDict(MutableMapping):  # type: ignore[no-redef]
        """A dict whose keys compare without case (requests' ``CaseInsensitiveDict``)."""

        def __init__(self, data: Any = None, **kwargs: Any) -> None:
            self._store: Dict[str, Tuple[str, Any]] = {}
            self.update(data or {}, **kwargs)

        def __setitem__(self, key: str, value: Any) -> None:
            self._store[key.lower()] = (key, value)

        def __getitem__(self, key: str) -> Any:
            return self._store[key.lower()][1]

        def __delitem__(self, key: str) -> None:
            del self._store[key.lower()]

        def __iter__(self) -> Iterator[str]:
            return (k for k, _ in self._store.values())

        def __len__(self) -> int:
            return len(self._store)

        def copy(self) -> "CaseInsensitiveDict":
            return CaseInsensitiveDict(self._store.values())

        def __repr__(self) -> str:
            return str(dict(self.items()))


try:
    from requests.exceptions import JSONDecodeError as _RequestsJSONDecodeError
except ImportError:  # pragma: no cover
    _RequestsJSONDecodeError = None

__all__ = ["Request", "Response"]

# Header values never shown by ``repr``.
_SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")


class Request:
    """A request, as paginators and auths see it (the attributes of ``requests.Request``).

    ``url`` is the URL without ``params``; a next-link paginator sets ``url`` to the next link
    and ``params`` to ``None``. ``page.request`` is the request that produced the page.
    """

    def __init__(
        self,
        method: Optional[str] = None,
        url: Optional[str] = None,
        headers: Optional[Mapping[str, Any]] = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: Any = None,
        cookies: Any = None,
        hooks: Any = None,
        json: Any = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: MutableMapping[str, Any] = CaseInsensitiveDict(headers or {})
        self.files = files
        self.data = [] if data is None else data
        self.params = {} if params is None else params
        self.auth = auth
        self.cookies = cookies
        self.hooks = hooks or {}
        self.json = json

    @property
    def body(self) -> Optional[bytes]:
        """The body as it is sent (requests' ``PreparedRequest.body``): JSON or form-encoded."""
        if self.json is not None:
            return _json.dumps(self.json).encode("utf-8")
        if self.data:
            if isinstance(self.data, (str, bytes)):
                return self.data.encode("utf-8") if isinstance(self.data, str) else self.data
            return urlencode(self.data, doseq=True).encode("utf-8")
        return None

    def prepare_url(self, url: str, params: Any) -> None:
        """Sets ``url`` to ``url`` with ``params`` added to its query (requests'
        ``PreparedRequest.prepare_url``, which auths written for requests call)."""
        parts = urlsplit(url)
        extra = urlencode(params, doseq=True) if params else ""
        query = "&".join(q for q in (parts.query, extra) if q)
        self.url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    def copy(self) -> "Request":
        """A copy (its ``params``, ``headers`` and ``json`` copied one level deep)."""
        return Request(
            method=self.method,
            url=self.url,
            headers=dict(self.headers),
            data=self.data,
            params=dict(self.params) if isinstance(self.params, dict) else self.params,
            auth=self.auth,
            hooks=self.hooks,
            json=_json.loads(_json.dumps(self.json)) if self.json is not None else None,
        )

    def __repr__(self) -> str:
        return f"<Request [{self.method}]>"


def _params_dict(pairs: List[Tuple[str, str]]) -> Dict[str, Any]:
    """Query pairs as a dict; a repeated name holds a list of its values."""
    out: Dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            prev = out[k]
            out[k] = prev + [v] if isinstance(prev, list) else [prev, v]
        else:
            out[k] = v
    return out


def _headers_dict(pairs: List[Tuple[str, str]]) -> CaseInsensitiveDict:
    """Header pairs as a case-insensitive dict; repeated names joined with ``, ``."""
    out = CaseInsensitiveDict()
    for k, v in pairs:
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def _request_from_native(
    method: str,
    url: str,
    params: List[Tuple[str, str]],
    headers: List[Tuple[str, str]],
    json: Any,
    form: Optional[List[Tuple[str, str]]],
) -> Request:
    return Request(
        method=method,
        url=url,
        headers=_headers_dict(headers),
        params=_params_dict(params),
        json=json,
        data=form,
    )


def _request_update(
    request: Any,
    method: str,
    url: str,
    params: List[Tuple[str, str]],
    headers: List[Tuple[str, str]],
    json: Any,
    form: Optional[List[Tuple[str, str]]],
) -> None:
    request.method = method
    request.url = url
    request.params = _params_dict(params)
    request.headers = _headers_dict(headers)
    request.json = json
    request.data = [] if form is None else form


def _response_from_native(native: Any, request: Optional[Request]) -> "Response":
    return Response(native, request)


def _encoding_from_headers(headers: Mapping[str, str]) -> Optional[str]:
    content_type = headers.get("content-type")
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("'\"") or None
    if "application/json" in content_type:
        return "utf-8"
    return None


class Response:
    """A response: the attributes of ``requests.Response`` that dlt code reads.

    ``status_code`` may be set by a response hook: a hook that sets an error status to a
    success accepts the response in a walk.
    """

    def __init__(self, native: Any, request: Optional[Request] = None) -> None:
        self._native = native
        self.status_code: int = native.status
        self.url: str = native.url
        self.request = request
        self.reason: str = native.reason
        self.history: List["Response"] = []
        self.elapsed = timedelta(0)
        self._headers: Optional[CaseInsensitiveDict] = None
        self._content: Optional[bytes] = None
        self._encoding: Optional[str] = None
        self._encoding_set = False

    @property
    def headers(self) -> CaseInsensitiveDict:
        """The response headers (names compare without case; repeated ones joined by ``, ``)."""
        if self._headers is None:
            self._headers = _headers_dict(self._native.headers)
        return self._headers

    @headers.setter
    def headers(self, value: Mapping[str, str]) -> None:
        self._headers = CaseInsensitiveDict(value)

    @property
    def content(self) -> bytes:
        """The body."""
        if self._content is None:
            self._content = self._native.content
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        self._content = value

    @property
    def encoding(self) -> Optional[str]:
        """The charset of ``text``: the ``Content-Type``'s, else UTF-8 for JSON."""
        if not self._encoding_set:
            self._encoding = _encoding_from_headers(self.headers)
            self._encoding_set = True
        return self._encoding

    @encoding.setter
    def encoding(self, value: Optional[str]) -> None:
        self._encoding = value
        self._encoding_set = True

    @property
    def text(self) -> str:
        """The body decoded (``encoding``, else UTF-8; invalid bytes replaced)."""
        try:
            return self.content.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (key order kept, integers exact). A body that is not JSON
        raises ``requests.exceptions.JSONDecodeError`` (a ``ValueError``) when requests is
        installed, else ``json.JSONDecodeError``."""
        try:
            if kwargs or self._content is not None:
                return _json.loads(self.content, **kwargs)
            return self._native.json()
        except _json.JSONDecodeError as e:
            if _RequestsJSONDecodeError is not None:
                raise _RequestsJSONDecodeError(e.msg, e.doc, e.pos) from e
            raise

    @property
    def ok(self) -> bool:
        """Whether the status is below 400."""
        return self.status_code < 400

    def __bool__(self) -> bool:
        return self.ok

    @property
    def is_redirect(self) -> bool:
        """Always false: redirects are followed (the final response is given)."""
        return False

    @property
    def links(self) -> Dict[str, Dict[str, str]]:
        """The ``Link`` header parsed, keyed by ``rel`` (requests' ``Response.links``)."""
        header = self.headers.get("link")
        out: Dict[str, Dict[str, str]] = {}
        if not header:
            return out
        for part in _split_links(header):
            url, _, params = part.partition(";")
            link = {"url": url.strip(" <>'\"")}
            for param in params.split(";"):
                key, _, value = param.partition("=")
                if key.strip():
                    link[key.strip()] = value.strip(" '\"")
            out[link.get("rel") or link["url"]] = link
        return out

    def raise_for_status(self) -> None:
        """Raises :class:`restclient.exceptions.HTTPError` for a status ≥ 400 (a
        ``requests.HTTPError`` when requests is installed)."""
        if self.status_code < 400:
            return
        from .exceptions import HTTPError

        side = "Client" if self.status_code < 500 else "Server"
        url = self._native.redacted_url
        raise HTTPError(
            f"{self.status_code} {side} Error: {self.reason} for url: {url}",
            kind="status",
            url=url,
            status_code=self.status_code,
            response=self,
            request=self.request,
        )

    def iter_content(self, chunk_size: int = 1, decode_unicode: bool = False) -> Iterator[Any]:
        """The body in pieces of ``chunk_size`` (it is already read in full)."""
        data: Any = self.text if decode_unicode else self.content
        size = max(1, chunk_size or len(data) or 1)
        for i in range(0, len(data), size):
            yield data[i : i + size]

    def close(self) -> None:
        """Nothing to close: the body is read in full."""

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


def _split_links(header: str) -> List[str]:
    """Splits a ``Link`` header on the commas between links (not those inside ``<...>``)."""
    parts, depth, current = [], 0, []
    for ch in header:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts
