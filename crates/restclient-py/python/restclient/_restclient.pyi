"""Type stubs of the native module (Rust, pyo3). Not a public API: use the package's modules."""

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .models import Request

__version__: str

_Pairs = Sequence[Tuple[str, str]]

class NativeResponse:
    """What `restclient.Response` reads of one response."""

    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> List[Tuple[str, str]]: ...
    @property
    def url(self) -> str: ...
    @property
    def redacted_url(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def content(self) -> bytes: ...
    def json(self) -> Any: ...
    def select_first(self, path: str) -> Any: ...

class NativePage:
    """One page of a walk, for `PageData`'s lazy `request` and `response`."""

    def request(self) -> Request: ...
    def response(self) -> NativeResponse: ...
    @property
    def number(self) -> int: ...
    @property
    def data_selector(self) -> str: ...
    def paginator(self) -> Any: ...

class NativePages(Iterator[Tuple[List[Any], NativePage]]):
    """A walk: yields (records, page)."""

    def __iter__(self) -> "NativePages": ...
    def __next__(self) -> Tuple[List[Any], NativePage]: ...
    @property
    def stop_reason(self) -> Optional[str]: ...

class NativePaginator:
    """A built-in paginator, shared with the walks it drives."""

    @staticmethod
    def from_config(config: Mapping[str, Any]) -> "NativePaginator": ...
    def init_request(self, request: Request) -> None: ...
    def update_state(self, response: Any, data: Optional[List[Any]] = None) -> None: ...
    def update_request(self, request: Request) -> None: ...
    @property
    def has_next_page(self) -> bool: ...
    @property
    def stop_reason(self) -> Optional[str]: ...
    def describe(self) -> Dict[str, Any]: ...
    def copy(self) -> "NativePaginator": ...

class NativeAuth:
    """A built-in auth."""

    @staticmethod
    def bearer(token: str) -> "NativeAuth": ...
    @staticmethod
    def api_key(name: str, api_key: str, location: str) -> "NativeAuth": ...
    @staticmethod
    def basic(username: str, password: str) -> "NativeAuth": ...
    @staticmethod
    def oauth2(
        access_token_url: str,
        client_id: str,
        client_secret: str,
        request_data: _Pairs,
        default_token_expiration: float,
        token_headers: Optional[_Pairs] = None,
        token_form: Optional[_Pairs] = None,
    ) -> "NativeAuth": ...
    def apply(self, request: Request) -> Request: ...

class NativeClient:
    """One API client of the engine."""

    def __init__(
        self,
        base_url: str,
        headers: Optional[Mapping[str, Any]] = None,
        auth: Any = None,
        data_selector: Optional[str] = None,
        timeout: Optional[float] = None,
        proxies: _Pairs = ...,
        verify: Union[bool, str, None] = None,
        trust_env: bool = True,
        runtime_config: bool = True,
    ) -> None: ...
    def request(
        self,
        method: str,
        path: str,
        params: Any = None,
        headers: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        data: Any = None,
        auth: Any = None,
        timeout: Optional[float] = None,
    ) -> NativeResponse: ...
    def paginate(
        self,
        path: str,
        method: str = "GET",
        params: Any = None,
        headers: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        data: Any = None,
        auth: Any = None,
        paginator: Any = None,
        data_selector: Optional[str] = None,
        hooks: Sequence[Any] = ...,
        concurrency: int = 1,
        max_pages: Optional[int] = None,
        max_records: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> NativePages: ...

class NativeWalk(Iterator[Tuple[Any, ...]]):
    """A resource walk: ("page", records, cursor, parent) and ("done", parent, key, cursor)."""

    def __iter__(self) -> "NativeWalk": ...
    def __next__(self) -> Tuple[Any, ...]: ...
    def poll(self) -> Optional[Tuple[Any, ...]]: ...

class NativeResource:
    """One resource of a NativeSource, with Python objects in place of config settings."""

    @property
    def name(self) -> str: ...
    @property
    def parent(self) -> Optional[str]: ...
    @property
    def include_from_parent(self) -> List[str]: ...
    @property
    def cursor_path(self) -> Optional[str]: ...
    @property
    def initial_value(self) -> Any: ...
    @property
    def keeps_state(self) -> bool: ...
    @property
    def uses_client_paginator(self) -> bool: ...
    @property
    def uses_client_auth(self) -> bool: ...
    def walk(self, state: Optional[Mapping[str, Any]] = None) -> NativeWalk: ...
    def walk_parents(self, parents: Any, cursors: Dict[str, Any]) -> NativeWalk: ...

class NativeSource:
    """A checked rest_api config (JSON part) and its resources."""

    def __init__(self, config: Mapping[str, Any], concurrency: int = 4, runtime_config: bool = True) -> None: ...
    def names(self) -> List[str]: ...
    def resource(
        self,
        name: str,
        paginator: Any = None,
        auth: Any = None,
        no_auth: bool = False,
        hooks: Sequence[Any] = ...,
        transform: Any = None,
        convert: Any = None,
    ) -> NativeResource: ...
