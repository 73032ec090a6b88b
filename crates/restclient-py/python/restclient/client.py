"""``RESTClient``, ``PageData`` and the ``paginate()`` shortcut: dlt's client on the Rust engine."""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, Iterator, List, Mapping, Optional

from . import _restclient
from .auth import _engine_auth
from .models import Request, Response
from .paginators import BasePaginator, _engine_paginator

__all__ = ["RESTClient", "PageData", "PageIterator", "paginate"]

logger = logging.getLogger("restclient")

Hooks = Dict[str, Any]

# Send options of requests that a call may pass; anything else is refused by name.
_SUPPORTED_SEND_KWARGS = ("timeout", "allow_redirects")


class PageData(List[Any]):
    """One page: a list of records, with the ``request`` that got it, the ``response``, the
    ``paginator`` and the ``auth`` (dlt's ``PageData``).

    ``request`` is the request that produced this page (dlt's points at the next one).
    """

    __slots__ = ("_request", "_response", "paginator", "auth", "_native")

    def __init__(
        self,
        data: Any = (),
        request: Optional[Request] = None,
        response: Optional[Response] = None,
        paginator: Optional[BasePaginator] = None,
        auth: Any = None,
    ) -> None:
        super().__init__(data)
        self._request = request
        self._response = response
        self.paginator = paginator
        self.auth = auth
        self._native: Any = None

    @property
    def request(self) -> Optional[Request]:
        """The request that produced this page."""
        if self._request is None and self._native is not None:
            self._request = self._native.request()
        return self._request

    @request.setter
    def request(self, value: Optional[Request]) -> None:
        self._request = value

    @property
    def response(self) -> Optional[Response]:
        """The response the records were selected from."""
        if self._response is None and self._native is not None:
            self._response = Response(self._native.response(), self.request)
        return self._response

    @response.setter
    def response(self, value: Optional[Response]) -> None:
        self._response = value


class PageIterator(Iterator[PageData]):
    """The pages of one walk, in order. After the walk ends, :attr:`stop_reason` says why."""

    def __init__(self, native: Any, paginator: Optional[BasePaginator], auth: Any) -> None:
        self._native = native
        self._paginator = paginator
        self._auth = auth

    def __iter__(self) -> "PageIterator":
        return self

    def __next__(self) -> PageData:
        records, native_page = next(self._native)
        page = PageData(records, paginator=self._paginator, auth=self._auth)
        page._native = native_page
        return page

    @property
    def stop_reason(self) -> Optional[str]:
        """Why the walk ended (``"total reached (100)"``, ``"no next link"``, ``"empty page"``,
        ``"ignored by a response hook"``, ...), once it has ended without an error; else
        ``None``."""
        return self._native.stop_reason

    def records(self) -> Iterator[Any]:
        """Every record of every page, in order."""
        for page in self:
            yield from page


def _send_kwargs(kwargs: Mapping[str, Any], where: str) -> Optional[float]:
    """The timeout of requests' send options; refuses the ones restclient does not take."""
    for name, value in kwargs.items():
        if name not in _SUPPORTED_SEND_KWARGS:
            raise TypeError(
                f"{where}() got an unexpected keyword argument '{name}'"
                + (
                    "; set it on a requests.Session given as `session`"
                    if name in ("proxies", "verify", "cert")
                    else ""
                )
            )
        if name == "allow_redirects" and not value:
            raise ValueError(f"{where}: allow_redirects=False is not supported (redirects are followed)")
    return _timeout(kwargs.get("timeout"))


def _timeout(value: Any) -> Optional[float]:
    """requests' timeout: seconds, or a (connect, read) pair (their sum bounds an attempt)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        parts = [float(v) for v in value if v is not None]
        return sum(parts) if parts else None
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)


def _hook_list(hooks: Optional[Hooks]) -> List[Any]:
    """The response hooks of a requests-style ``hooks`` dict (one callable or a list)."""
    if not hooks:
        return []
    unknown = set(hooks) - {"response"}
    if unknown:
        raise ValueError(f"hooks: only the 'response' event exists, not {sorted(unknown)}")
    found = hooks.get("response") or []
    found = [found] if callable(found) else list(found)
    for hook in found:
        if not callable(hook):
            raise TypeError(f"hooks: a response hook must be callable, not {type(hook).__name__}")
    return found


class _Session:
    """What restclient takes from a ``requests.Session``."""

    def __init__(self, session: Any) -> None:
        self.headers: Dict[str, Any] = {}
        self.auth: Any = None
        self.params: Any = None
        self.proxies: List[tuple] = []
        self.verify: Any = True
        self.timeout: Optional[float] = None
        self.trust_env = True
        self.hooks: List[Any] = []
        if session is None:
            return
        refused = []
        if getattr(session, "cert", None):
            refused.append("cert (client certificates)")
        if len(getattr(session, "cookies", None) or ()) > 0:
            refused.append("cookies (set a Cookie header, or APIKeyAuth(location='cookie'))")
        if getattr(session, "stream", False):
            refused.append("stream=True (bodies are read in full)")
        adapters = getattr(session, "adapters", None) or {}
        try:
            from requests.adapters import HTTPAdapter
        except ImportError:  # pragma: no cover
            HTTPAdapter = None  # noqa: N806
        for prefix, adapter in adapters.items():
            if prefix not in ("http://", "https://") or (HTTPAdapter is not None and type(adapter) is not HTTPAdapter):
                refused.append(f"a transport adapter mounted at {prefix!r} ({type(adapter).__name__})")
        if refused:
            raise ValueError(
                "session: restclient sends requests itself and honours a session's headers, "
                "auth, params, proxies, verify, trust_env, response hooks and timeout; it cannot "
                "honour: " + "; ".join(refused)
            )
        # Transport headers are the engine's own (it decompresses what it asks for).
        self.headers = {
            k: v for k, v in (getattr(session, "headers", None) or {}).items() if k.lower() not in ("accept-encoding", "connection")
        }
        self.auth = getattr(session, "auth", None)
        self.params = getattr(session, "params", None) or None
        self.proxies = [(str(k), str(v)) for k, v in (getattr(session, "proxies", None) or {}).items() if v]
        self.verify = getattr(session, "verify", True)
        self.trust_env = bool(getattr(session, "trust_env", True))
        self.timeout = _timeout(getattr(session, "timeout", None))
        self.hooks = _hook_list(getattr(session, "hooks", None) or None) if getattr(session, "hooks", None) else []
        if getattr(session, "raise_for_status", False):
            logger.warning("The session provided has raise_for_status enabled. This may cause unexpected behavior.")


def _merge_params(base: Any, params: Any) -> Any:
    if not base:
        return params
    if not params:
        return base
    if isinstance(base, Mapping) and isinstance(params, Mapping):
        return {**base, **params}
    return list(dict(base).items()) + list(dict(params).items())


class RESTClient:
    """A client for one REST API (dlt's ``RESTClient``).

    Args:
        base_url: the API's root; relative paths are joined to it, absolute URLs bypass it.
        headers: headers sent with every request.
        auth: the auth for every request (:mod:`restclient.auth`, a subclass of
            ``AuthConfigBase``, or a ``(user, password)`` pair).
        paginator: the paginator of ``paginate()`` (copied for every call), or ``None`` to
            detect it from the first response.
        data_selector: the JSONPath of the records in a response, for ``paginate()`` only
            (``None``: detected).
        session: a ``requests.Session`` whose headers, auth, params, proxies, verify,
            trust_env, response hooks and timeout are used (anything else it sets that
            restclient cannot honour raises ``ValueError``).

    The ``[runtime]`` settings (``request_timeout``, ``request_max_attempts``, ...) are read
    from ``RUNTIME__*`` environment variables (and ``.restclient/config.toml``) when the
    client is made, as dlt does.
    """

    def __init__(
        self,
        base_url: str,
        headers: Optional[Dict[str, str]] = None,
        auth: Any = None,
        paginator: Optional[BasePaginator] = None,
        data_selector: Optional[str] = None,
        session: Any = None,
        paginator_factory: Any = None,
    ) -> None:
        if base_url is None:
            raise ValueError("Base URL must be provided or set to an empty string.")
        if not isinstance(base_url, str):
            raise TypeError(f"base_url: expected a str, not {type(base_url).__name__}")
        if paginator_factory is not None:
            raise ValueError(
                "paginator_factory: custom detectors are not supported; pass a paginator, or "
                "None to use restclient's detection"
            )
        if paginator is not None:
            _engine_paginator(paginator)
        self.base_url = base_url
        self.headers = headers
        self.auth = auth
        self.paginator = paginator
        self.data_selector = data_selector
        self.session = session
        self._session = _Session(session)
        self._native = _restclient.NativeClient(
            base_url,
            timeout=self._session.timeout,
            proxies=self._session.proxies,
            verify=self._session.verify,
            trust_env=self._session.trust_env,
        )
        self._native_base = base_url
        _engine_auth(auth)  # a wrong type fails here, not at the first request

    def _client(self) -> Any:
        if self.base_url != self._native_base:
            self._native = _restclient.NativeClient(
                self.base_url,
                timeout=self._session.timeout,
                proxies=self._session.proxies,
                verify=self._session.verify,
                trust_env=self._session.trust_env,
            )
            self._native_base = self.base_url
        return self._native

    def _headers(self, headers: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        return {**self._session.headers, **(self.headers or {}), **(headers or {})}

    def _auth(self, auth: Any) -> Any:
        chosen = auth or self.auth or self._session.auth
        return chosen, _engine_auth(chosen)

    def request(self, path: str = "", method: str = "GET", **kwargs: Any) -> Response:
        """Sends one request and returns its :class:`Response`; the status is not checked (a
        404 is a response). Takes ``headers``, ``params``, ``json``, ``data``, ``auth``,
        ``hooks`` and ``timeout``."""
        headers = self._headers(kwargs.pop("headers", None))
        params = _merge_params(self._session.params, kwargs.pop("params", None))
        json = kwargs.pop("json", None)
        data = kwargs.pop("data", None)
        _, auth = self._auth(kwargs.pop("auth", None))
        hooks = self._session.hooks + _hook_list(kwargs.pop("hooks", None))
        timeout = _send_kwargs(kwargs, "request")
        native = self._client().request(
            method, path, params=params, headers=headers, json=json, data=data, auth=auth, timeout=timeout
        )
        response = Response(
            native,
            Request(method=method.upper(), url=native.url, headers=headers, json=json, data=data),
        )
        for hook in hooks:
            returned = hook(response)
            if returned is not None:
                response = returned
        return response

    def get(self, path: str, params: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Response:
        """``request(path, method="GET", params=params, ...)``."""
        return self.request(path, method="GET", params=params, **kwargs)

    def post(self, path: str, json: Any = None, *, data: Any = None, **kwargs: Any) -> Response:
        """``request(path, method="POST", json=json, data=data, ...)``."""
        return self.request(path, method="POST", json=json, data=data, **kwargs)

    def paginate(
        self,
        path: str = "",
        method: str = "GET",
        params: Optional[Dict[str, Any]] = None,
        json: Any = None,
        auth: Any = None,
        paginator: Optional[BasePaginator] = None,
        data_selector: Optional[str] = None,
        hooks: Optional[Hooks] = None,
        headers: Optional[Dict[str, Any]] = None,
        *,
        data: Any = None,
        concurrency: int = 1,
        max_pages: Optional[int] = None,
        max_records: Optional[int] = None,
        **kwargs: Any,
    ) -> PageIterator:
        """Walks every page of ``path`` and yields each as a :class:`PageData` (a list of
        records). Nothing is sent until the first page is asked for.

        Beyond dlt: ``concurrency=N`` fetches up to N pages at once where the paginator
        allows it (offset and page number), still yielded in order; ``max_pages`` and
        ``max_records`` cap the walk; the returned iterator's ``stop_reason`` says why it
        ended. An HTTP error status raises :class:`restclient.exceptions.HTTPError` even
        when hooks are given (a hook may accept a status by setting ``status_code``, or end
        the walk with ``IgnoreResponseException``).
        """
        timeout = _send_kwargs(kwargs, "paginate")
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"concurrency: expected an integer >= 1, not {concurrency!r}")
        for name, value in (("max_pages", max_pages), ("max_records", max_records)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{name}: expected an integer >= 0, not {value!r}")
        if paginator is None and self.paginator is not None:
            paginator = copy.deepcopy(self.paginator)
        engine_paginator = _engine_paginator(paginator) if paginator is not None else None
        chosen_auth, auth_for_engine = self._auth(auth)
        native = self._client().paginate(
            path,
            method=method,
            params=_merge_params(self._session.params, params),
            headers=self._headers(headers),
            json=json,
            data=data,
            auth=auth_for_engine,
            paginator=engine_paginator,
            data_selector=data_selector if data_selector is not None else self.data_selector,
            hooks=self._session.hooks + _hook_list(hooks),
            concurrency=concurrency,
            max_pages=max_pages,
            max_records=max_records,
            timeout=timeout,
        )
        return PageIterator(native, paginator, chosen_auth)


def paginate(
    url: str,
    method: str = "GET",
    headers: Optional[Dict[str, Any]] = None,
    params: Optional[Dict[str, Any]] = None,
    json: Any = None,
    auth: Any = None,
    paginator: Optional[BasePaginator] = None,
    data_selector: Optional[str] = None,
    hooks: Optional[Hooks] = None,
    *,
    data: Any = None,
    concurrency: int = 1,
    max_pages: Optional[int] = None,
    max_records: Optional[int] = None,
) -> PageIterator:
    """Walks every page of ``url`` (dlt's ``paginate()`` shortcut): a :class:`RESTClient`
    with ``url`` as its base URL, and ``paginate("")``."""
    client = RESTClient(base_url=url, headers=headers)
    return client.paginate(
        "",
        method=method,
        params=params,
        json=json,
        auth=auth,
        paginator=paginator,
        data_selector=data_selector,
        hooks=hooks,
        data=data,
        concurrency=concurrency,
        max_pages=max_pages,
        max_records=max_records,
    )

