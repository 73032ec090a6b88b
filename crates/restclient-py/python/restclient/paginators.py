"""Paginators, with dlt's classes, constructor arguments and defaults.

The built-in paginators run in the Rust engine: a walk with one of them calls no Python code
per page. Their state is the walk's (``page.paginator.has_next_page``), and their methods can be
called from Python too (``super().update_state(response, data)`` in a subclass).

A paginator of your own subclasses :class:`BasePaginator` and implements ``init_request``
(optional), ``update_state`` and ``update_request`` (see the guide, "Custom paginators"); the
engine calls them once per page. A subclass of a built-in paginator that overrides one of
these methods is driven the same way, and its ``super()`` calls reach the built-in one.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional
from urllib.parse import urljoin

from ._restclient import NativePaginator
from .models import Request, Response

__all__ = [
    "BasePaginator",
    "SinglePagePaginator",
    "RangePaginator",
    "PageNumberPaginator",
    "OffsetPaginator",
    "BaseReferencePaginator",
    "BaseNextUrlPaginator",
    "HeaderLinkPaginator",
    "JSONLinkPaginator",
    "JSONResponsePaginator",
    "JSONResponseCursorPaginator",
    "HeaderCursorPaginator",
]


class BasePaginator(ABC):
    """The base of every paginator (dlt's ``BasePaginator``).

    The engine calls ``init_request(request)`` once before the first request, then after every
    response ``update_state(response, data)`` and ``update_request(request)``, and goes on
    while ``has_next_page`` is true. Set ``self._has_next_page = False`` to stop.
    """

    def __init__(self) -> None:
        self._has_next_page = True

    @property
    def has_next_page(self) -> bool:
        """Whether another page will be requested."""
        return self._has_next_page

    def init_request(self, request: Request) -> None:  # noqa: B027 - optional hook, as dlt
        """Prepares the first request (e.g. sets the first page number)."""

    @abstractmethod
    def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
        """Reads the response (and the page's records) to decide whether and how to go on."""

    @abstractmethod
    def update_request(self, request: Request) -> None:
        """Edits ``request`` into the request for the next page."""

    def __str__(self) -> str:
        return f"{type(self).__name__} at {id(self):x}"


class _Native(BasePaginator):
    """A paginator that runs in the engine (``self._native``)."""

    _native: NativePaginator

    def _build(self, config: Dict[str, Any]) -> None:
        BasePaginator.__init__(self)
        self._native = NativePaginator.from_config(config)

    def init_request(self, request: Request) -> None:
        self._native.init_request(request)

    def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
        self._native.update_state(response, data)

    def update_request(self, request: Request) -> None:
        self._native.update_request(request)

    @property
    def has_next_page(self) -> bool:
        """Whether another page will be requested (the walk's state)."""
        return self._native.has_next_page and self.__dict__.get("_has_next_page", True)

    @property
    def stop_reason(self) -> Optional[str]:
        """Why there is no next page, once there is none (``"total reached (100)"``)."""
        return self._native.stop_reason

    def __str__(self) -> str:
        return f"{type(self).__name__} at {id(self):x}: {self._native.describe()}"


def _engine_paginator(paginator: Any) -> Any:
    """What the engine drives for ``paginator``: the native paginator of a built-in one
    whose steps are not overridden, else the Python object itself."""
    native = getattr(paginator, "_native", None)
    if isinstance(native, NativePaginator):
        cls = type(paginator)
        if all(
            getattr(cls, name) is getattr(_Native, name)
            for name in ("init_request", "update_state", "update_request", "has_next_page")
        ):
            return native
    if not isinstance(paginator, BasePaginator) and not all(
        callable(getattr(paginator, name, None))
        for name in ("init_request", "update_state", "update_request")
    ):
        raise TypeError(
            "paginator: expected a BasePaginator (or an object with init_request, "
            f"update_state, update_request and has_next_page), not {type(paginator).__name__}"
        )
    return paginator


def _config(kind: str, **kwargs: Any) -> Dict[str, Any]:
    """dlt's ``rest_api`` form of a paginator: the arguments that are set."""
    out: Dict[str, Any] = {"type": kind}
    out.update({k: v for k, v in kwargs.items() if v is not None})
    return out


class SinglePagePaginator(_Native):
    """One request, one page."""

    def __init__(self) -> None:
        self._build({"type": "single_page"})


class RangePaginator(BasePaginator):
    """The base of range paginators (dlt's ``RangePaginator``): a value that starts at
    ``initial_value`` and grows by ``value_step``, sent as ``param_name`` (or at
    ``param_body_path`` in a JSON body).

    Subclass it for a range scheme of your own; :class:`OffsetPaginator` and
    :class:`PageNumberPaginator` are the built-in ones (they run in the engine).
    """

    def __init__(
        self,
        param_name: Optional[str],
        initial_value: int,
        value_step: int,
        base_index: int = 0,
        maximum_value: Optional[int] = None,
        total_path: Optional[str] = None,
        error_message_items: str = "items",
        stop_after_empty_page: Optional[bool] = True,
        *,
        has_more_path: Optional[str] = None,
        param_body_path: Optional[str] = None,
    ) -> None:
        super().__init__()
        if total_path is None and maximum_value is None and has_more_path is None and not stop_after_empty_page:
            raise ValueError(
                "One of `total_path`, `maximum_value`, `has_more_path`, or `stop_after_empty_page` must be provided."
            )
        if bool(param_name) == bool(param_body_path):
            raise ValueError("Either 'param_name' or 'param_body_path' must be provided, not both.")
        self.param_name = param_name
        self.param_body_path = param_body_path
        self.initial_value = initial_value
        self.current_value = initial_value
        self.value_step = value_step
        self.base_index = base_index
        self.maximum_value = maximum_value
        self.total_path = total_path
        self.has_more_path = has_more_path
        self.error_message_items = error_message_items
        self.stop_after_empty_page = stop_after_empty_page

    def init_request(self, request: Request) -> None:
        self._has_next_page = True
        self.current_value = self.initial_value
        self.update_request(request)

    def update_state(self, response: Response, data: Optional[List[Any]] = None) -> None:
        if self.stop_after_empty_page and not data:
            self._has_next_page = False
            return
        total = None
        if self.total_path:
            found = _select(response, self.total_path)
            if found is None:
                raise ValueError(
                    f"Total `{self.error_message_items}` not found in the response in "
                    f"`{type(self).__name__}` .Expected a response with a `{self.total_path}` key, "
                    f"got `{response.text[:200]}`."
                )
            try:
                total = int(found)
            except (TypeError, ValueError):
                raise ValueError(
                    f"'{self.total_path}' is not an `int` in the response in `{type(self).__name__}`. "
                    f"Expected an integer, got `{found}`"
                ) from None
        self.current_value += self.value_step
        if (total is not None and self.current_value >= total + self.base_index) or (
            self.maximum_value is not None and self.current_value >= self.maximum_value
        ):
            self._has_next_page = False
        if self.has_more_path:
            has_more = _parse_bool(_select(response, self.has_more_path), self.has_more_path, type(self).__name__)
            self._has_next_page = self._has_next_page and has_more

    def update_request(self, request: Request) -> None:
        if self.param_body_path:
            if request.json is None:
                request.json = {}
            _set_path(request.json, self.param_body_path, self.current_value)
        else:
            if request.params is None:
                request.params = {}
            request.params[self.param_name] = self.current_value


def _select(response: Response, path: str) -> Any:
    """The first value the JSONPath ``path`` finds in the response body (the engine's
    selector, dlt's syntax), or ``None``."""
    return response._native.select_first(path)


def _parse_bool(value: Any, path: str, cls: str) -> bool:
    if value is None:
        raise ValueError(
            f"Has more value not found in the response in `{cls}`.Expected a response with a `{path}` key"
        )
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("yes", "true", "t", "y", "1"):
            return True
        if lowered in ("no", "false", "f", "n", "0"):
            return False
    raise ValueError(f"'{path}' is not a `bool` in the response in `{cls}`. Expected a boolean, got `{value}`")


def _set_path(body: Dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        body = body.setdefault(key, {})
    body[keys[-1]] = value


class PageNumberPaginator(_Native, RangePaginator):
    """Pages numbered from ``base_page``, sent as ``page_param`` (or at ``page_body_path``).

    ``total_path`` is the JSONPath of the number of pages (``None``: the API reports none);
    ``maximum_page`` stops before that page; an empty page stops unless
    ``stop_after_empty_page=False``.
    """

    def __init__(
        self,
        base_page: int = 0,
        page: Optional[int] = None,
        page_param: Optional[str] = None,
        total_path: Optional[str] = "total",
        maximum_page: Optional[int] = None,
        stop_after_empty_page: Optional[bool] = True,
        *,
        has_more_path: Optional[str] = None,
        page_body_path: Optional[str] = None,
    ) -> None:
        self.base_page, self.page, self.page_param = base_page, page, page_param
        self.total_path, self.maximum_page = total_path, maximum_page
        self.stop_after_empty_page, self.has_more_path = stop_after_empty_page, has_more_path
        self.page_body_path = page_body_path
        config = _config(
            "page_number",
            base_page=base_page,
            page=page,
            page_param=page_param,
            maximum_page=maximum_page,
            stop_after_empty_page=stop_after_empty_page,
            has_more_path=has_more_path,
            page_body_path=page_body_path,
        )
        config["total_path"] = total_path
        self._build(config)


class OffsetPaginator(_Native, RangePaginator):
    """``limit`` records per page from ``offset``, sent as ``offset_param``/``limit_param``
    (or at ``offset_body_path``/``limit_body_path``).

    ``total_path`` is the JSONPath of the number of records (``None``: the API reports none);
    ``maximum_offset`` stops before that offset; an empty page stops unless
    ``stop_after_empty_page=False``. Pages can be fetched concurrently
    (``paginate(..., concurrency=8)``).
    """

    def __init__(
        self,
        limit: int,
        offset: int = 0,
        offset_param: Optional[str] = None,
        limit_param: Optional[str] = None,
        total_path: Optional[str] = "total",
        maximum_offset: Optional[int] = None,
        stop_after_empty_page: Optional[bool] = True,
        *,
        has_more_path: Optional[str] = None,
        offset_body_path: Optional[str] = None,
        limit_body_path: Optional[str] = None,
    ) -> None:
        self.limit, self.offset = limit, offset
        self.offset_param, self.limit_param = offset_param, limit_param
        self.total_path, self.maximum_offset = total_path, maximum_offset
        self.stop_after_empty_page, self.has_more_path = stop_after_empty_page, has_more_path
        self.offset_body_path, self.limit_body_path = offset_body_path, limit_body_path
        config = _config(
            "offset",
            limit=limit,
            offset=offset,
            offset_param=offset_param,
            limit_param=limit_param,
            maximum_offset=maximum_offset,
            stop_after_empty_page=stop_after_empty_page,
            has_more_path=has_more_path,
            offset_body_path=offset_body_path,
            limit_body_path=limit_body_path,
        )
        config["total_path"] = total_path
        self._build(config)


class BaseReferencePaginator(BasePaginator):
    """A paginator that follows a reference to the next page (dlt's
    ``BaseReferencePaginator``): set ``self._next_reference`` in ``update_state``; ``None``
    ends the walk."""

    __next_reference: Optional[str] = None

    def __init__(self) -> None:
        super().__init__()
        self.__next_reference = None

    @property
    def _next_reference(self) -> Optional[str]:
        return self.__next_reference

    @_next_reference.setter
    def _next_reference(self, value: Optional[str]) -> None:
        self.__next_reference = value
        self._has_next_page = value is not None


class BaseNextUrlPaginator(BaseReferencePaginator):
    """A reference paginator whose reference is the next page's URL (absolute, or relative to
    the current one); ``update_request`` sends it with no other parameters."""

    def update_request(self, request: Request) -> None:
        reference = self._next_reference
        if reference and not reference.startswith(("http://", "https://")):
            reference = urljoin(request.url or "", reference)
        request.url = reference
        request.params = None


class HeaderLinkPaginator(_Native, BaseNextUrlPaginator):
    """Follows the ``Link`` header's next link (``rel`` = ``links_next_key``)."""

    def __init__(self, links_next_key: str = "next") -> None:
        self.links_next_key = links_next_key
        self._build(_config("header_link", links_next_key=links_next_key))


class JSONLinkPaginator(_Native, BaseNextUrlPaginator):
    """Follows a next link found in the body at the JSONPath ``next_url_path``."""

    def __init__(self, next_url_path: str = "next") -> None:
        self.next_url_path = next_url_path
        self._build(_config("json_link", next_url_path=next_url_path))


class JSONResponsePaginator(JSONLinkPaginator):
    """Deprecated: use :class:`JSONLinkPaginator` (dlt's old name)."""

    def __init__(self, next_url_path: str = "next") -> None:
        warnings.warn(
            "JSONResponsePaginator is deprecated; use JSONLinkPaginator",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(next_url_path)


class JSONResponseCursorPaginator(_Native, BaseReferencePaginator):
    """Sends the cursor found in the body at ``cursor_path`` as the query parameter
    ``cursor_param`` (default ``cursor``) or at ``cursor_body_path`` in the JSON body; a
    missing or empty cursor ends the walk."""

    def __init__(
        self,
        cursor_path: str = "cursors.next",
        cursor_param: Optional[str] = None,
        cursor_body_path: Optional[str] = None,
        *,
        stop_after_empty_page: bool = False,
        has_more_path: Optional[str] = None,
    ) -> None:
        self.cursor_path, self.cursor_param = cursor_path, cursor_param
        self.cursor_body_path = cursor_body_path
        self.stop_after_empty_page, self.has_more_path = stop_after_empty_page, has_more_path
        self._build(
            _config(
                "cursor",
                cursor_path=cursor_path,
                cursor_param=cursor_param,
                cursor_body_path=cursor_body_path,
                stop_after_empty_page=stop_after_empty_page,
                has_more_path=has_more_path,
            )
        )


class HeaderCursorPaginator(_Native, BaseReferencePaginator):
    """Sends the cursor from the response header ``cursor_key`` as the query parameter
    ``cursor_param``."""

    def __init__(self, cursor_key: str = "next", cursor_param: str = "cursor") -> None:
        self.cursor_key, self.cursor_param = cursor_key, cursor_param
        self._build(_config("header_cursor", cursor_key=cursor_key, cursor_param=cursor_param))
