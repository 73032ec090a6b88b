"""The dlt resources of a ``rest_api`` config, each walked by the run engine.

Each config resource becomes a real dlt resource, as dlt's ``rest_api_resources`` makes them:
a top-level one a ``dlt.resource``, a child a transformer fed by its parent (``data_from``),
with the same hints (``name``, ``table_name``, ``primary_key``, ``write_disposition``,
``columns``, ``selected``, ...). What runs inside is the engine's: a top-level resource's
generator walks its pages (fetched ahead, concurrently where the paginator allows) from the
cursor kept in dlt's state; a child's walks the batch of parent records dlt hands it, one walk
per record, ``concurrency`` at once, in parent order. Records reach Python a page at a time,
already through the incremental filter and with their ``include_from_parent`` fields.

State, in the resource's dlt state (``dlt.current.resource_state()``):

* a top-level incremental: ``incremental.<cursor_path>`` as ``dlt.sources.incremental`` keeps
  it (``initial_value``, ``last_value``, ``unique_hashes``, ``start_value``), and under
  ``restclient`` the keys of the records at ``last_value`` (de-duplication at the boundary);
* a child incremental: one cursor per parent record under ``restclient.parents`` (dlt keeps one
  for all parents and loses records: dlt#2429).

The state moves as pages reach dlt, which saves it with the data the extract produced (an
extract that fails saves nothing).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

import dlt
from dlt.extract import DltResource

from .. import _restclient
from ..auth import _engine_auth
from ..exceptions import IgnoreResponseException
from ..paginators import _engine_paginator
from ._config import PythonParts, Split, jsonable, split

__all__ = ["rest_api_resources", "make_resources"]

# Parent records a child resource's batches may hold (at least; 8 per walk at once) before its
# parent takes no more pages.
_PENDING_PARENTS = 256


def rest_api_resources(config: Mapping[str, Any], *, concurrency: int = 4) -> List[DltResource]:
    """The dlt resources of ``config`` (dlt's ``rest_api`` dict), walked by the engine.

    Raises:
        restclient.exceptions.ConfigurationError: (a ``ValueError``) a mistake in the config,
            naming its key path (as ``restclient run`` does), before any request.
    """
    return list(make_resources(config, concurrency=concurrency).values())


def make_resources(config: Mapping[str, Any], *, concurrency: int = 4) -> Dict[str, DltResource]:
    """The resources by name, parents before children."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        # As RESTClient.paginate says it (0 ran as 1, -1 was an OverflowError).
        raise ValueError(f"concurrency: expected an integer >= 1, not {concurrency!r}")
    parts = split(config)
    native = _restclient.NativeSource(parts.config, concurrency=concurrency)
    made: Dict[str, DltResource] = {}
    walks: Dict[str, _Walk] = {}
    for name in native.names():
        made[name] = _make(native, name, parts, made, walks, concurrency)
    return made


def _make(
    native: Any, name: str, s: Split, made: Dict[str, DltResource], walks: Dict[str, "_Walk"], concurrency: int
) -> DltResource:
    parts = s.parts.get(name, PythonParts())
    plain = native.resource(name)
    paginator = parts.paginator
    if paginator is None and plain.uses_client_paginator:
        paginator = s.client_paginator
    auth = parts.auth
    if auth is None and plain.uses_client_auth:
        auth = s.client_auth
    resource = native.resource(
        name,
        paginator=_engine_paginator(paginator) if paginator is not None else None,
        auth=_engine_auth(auth) if auth is not None else None,
        hooks=[_response_actions_hook(parts.response_actions)] if parts.response_actions else [],
        transform=_processing_steps(parts.processing_steps) if parts.processing_steps else None,
        convert=parts.convert,
    )
    hints = dict(s.hints.get(name) or {"name": name})
    walk = walks[name] = _Walk(resource, s.dedup_keys.get(name), concurrency)
    if resource.parent is not None:
        walks[resource.parent].children.append(walk)
    if resource.parent is None:
        made_resource = dlt.resource(_walk_top, **hints)(walk)
    else:
        # Child walks run concurrently in the engine already (dlt's rest_api pops it too).
        hints.pop("parallelized", None)
        made_resource = dlt.resource(_walk_children, data_from=made[resource.parent], **hints)(walk)
    _record_endpoint(made_resource, s, name)
    return made_resource


class _Walk:
    """What a resource's generator needs: the engine's resource and how to keep its state."""

    def __init__(self, resource: Any, dedup_key: Any, concurrency: int) -> None:
        self.resource = resource
        self.cursor_path: Optional[str] = resource.cursor_path
        self.keeps_state: bool = resource.keeps_state
        self.dedup_key = dedup_key
        # A child's: the parent records of its batches not yet walked through, and how many
        # may wait before its parent holds back (a batch of records is a page of the parent).
        self.pending = 0
        self.most_pending = max(_PENDING_PARENTS, 8 * concurrency)
        self.children: List[_Walk] = []

    def held_back(self) -> bool:
        """Whether a child has enough parent records waiting: the parent takes no page then.
        The engine fetches a parent's pages far faster than its children walk them, and dlt
        makes a child batch of every page it is handed, so without this a parent was read to
        its end with every record held in memory until its children got to it."""
        for child in self.children:
            if child.pending >= child.most_pending:
                return True
        return False

    def __repr__(self) -> str:
        return f"<walk of {self.resource.name}>"

    def top_state(self, state: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The cursor to start from: dlt's ``incremental.<cursor_path>``, with restclient's
        boundary keys when they belong to that ``last_value``."""
        incremental = (state.get("incremental") or {}).get(self.cursor_path) or {}
        last = incremental.get("last_value")
        if last is None:
            return None
        last = jsonable(last)
        ours = state.get("restclient") or {}
        boundary: List[str] = []
        if ours.get("cursor_path") == self.cursor_path and ours.get("last_value") == last:
            boundary = list(ours.get("boundary") or [])
        return {
            "last_value": last,
            "boundary": boundary,
            "start_value": jsonable(incremental.get("start_value", last)),
        }

    def keep_top_state(self, state: Dict[str, Any], cursor: Dict[str, Any]) -> None:
        """Writes the cursor where ``dlt.sources.incremental`` keeps it, and the boundary keys
        under ``restclient``."""
        state.setdefault("incremental", {})[self.cursor_path] = {
            "initial_value": self.resource.initial_value,
            "last_value": cursor["last_value"],
            "unique_hashes": _dlt_hashes(cursor["boundary"], self.dedup_key),
            "start_value": cursor["start_value"],
        }
        state["restclient"] = {
            "cursor_path": self.cursor_path,
            "last_value": cursor["last_value"],
            "boundary": list(cursor["boundary"]),
        }

    def parents_state(self, state: Dict[str, Any]) -> Dict[str, Any]:
        """A child's cursors, one per parent record (a changed ``cursor_path`` starts afresh,
        as in dlt)."""
        ours = state.get("restclient")
        if not isinstance(ours, dict) or ours.get("cursor_path") != self.cursor_path:
            ours = state["restclient"] = {"cursor_path": self.cursor_path, "parents": {}}
        return ours.setdefault("parents", {})


def _items(native_walk: Any, walk: _Walk) -> Iterator[Any]:
    """The items of a walk as they come, and ``None`` whenever it has nothing yet (or its
    children have enough to do): dlt's extraction then turns to its other resources (every
    walk runs on the engine meanwhile) instead of waiting on this one, and sleeps only when
    none has anything."""
    poll = native_walk.poll
    while True:
        if walk.children and walk.held_back():
            yield None
            continue
        item = poll()
        if item is None:
            yield None
        elif item[0] == "end":
            return
        else:
            yield item


def _walk_top(walk: _Walk) -> Iterator[Optional[List[Any]]]:
    state = dlt.current.resource_state() if walk.keeps_state else None
    start = walk.top_state(state) if state is not None else None
    cursor = None
    try:
        for item in _items(walk.resource.walk(start), walk):
            if item is None:
                yield None
                continue
            _, records, after, _ = item
            if after is not None:
                cursor = after
            if records:
                yield records
    finally:
        # Also when dlt stops early (`add_limit`): what it took counts, as dlt's own state does.
        # After an error dlt saves no state at all.
        if state is not None and cursor is not None:
            walk.keep_top_state(state, cursor)


def _walk_children(items: Any, walk: _Walk) -> Iterator[Optional[List[Any]]]:
    if not isinstance(items, list):
        items = [items]
    if not items:
        return
    cursors: Dict[str, Any] = {}
    if walk.keeps_state:
        cursors = walk.parents_state(dlt.current.resource_state())
    overlays: Dict[int, Dict[str, Any]] = {}
    try:
        native_walk = walk.resource.walk_parents(items, cursors)
    except TypeError:
        # Parent records holding Python objects (a datetime or Decimal from the parent's
        # `add_map`): the engine gets them as dlt renders them in a request (their `str`), and
        # the included fields keep the objects themselves, as dlt's do.
        plain = [_plain(p) for p in items]
        overlays = _included_objects(items, plain, walk)
        native_walk = walk.resource.walk_parents(plain, cursors)
    waiting = len(items)
    walk.pending += waiting
    try:
        for item in _items(native_walk, walk):
            if item is None:
                yield None
            elif item[0] == "page":
                if item[1]:
                    overlay = overlays.get(item[3]) if overlays else None
                    if overlay:
                        for record in item[1]:
                            for key, value in overlay.items():
                                if key in record:
                                    record[key] = value
                    yield item[1]
            else:
                walk.pending -= 1
                waiting -= 1
                if walk.keeps_state and item[3] is not None:
                    # Every page of this parent's walk reached dlt: its cursor moves.
                    cursors[item[2]] = item[3]
    finally:
        # Ended, failed or closed by dlt: its parent records no longer wait.
        walk.pending -= waiting


def _plain(value: Any) -> Any:
    """``value`` as JSON, anything else as its ``str`` (how dlt renders it in a path or a
    param)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _included_objects(items: List[Any], plain: List[Any], walk: _Walk) -> Dict[int, Dict[str, Any]]:
    """Per parent position: the included fields whose values ``_plain`` changed, by their
    ``_<parent>_<field>`` name, with the parent's own objects."""
    fields = walk.resource.include_from_parent
    parent = walk.resource.parent
    out: Dict[int, Dict[str, Any]] = {}
    for i, (original, made) in enumerate(zip(items, plain)):
        if not isinstance(original, Mapping) or not isinstance(made, Mapping):
            continue
        changed = {f"_{parent}_{f}": original[f] for f in fields if f in original and made.get(f) != original[f]}
        if changed:
            out[i] = changed
    return out


def _dlt_hashes(boundary: List[str], dedup_key: Any) -> List[str]:
    """dlt's ``unique_hashes`` for the boundary keys (so that dlt's own source, if the
    pipeline goes back to it, does not load the boundary records again)."""
    if not boundary:
        return []
    try:
        from dlt.extract.utils import digest_dedup_value
    except ImportError:  # pragma: no cover - an older dlt
        return []
    out = []
    for key in boundary:
        try:
            value = json.loads(key)
            if isinstance(dedup_key, str):
                value = value[0]
            out.append(digest_dedup_value(value))
        except Exception:  # noqa: BLE001 - a display of dlt's, never a reason to fail
            continue
    return out


def _processing_steps(steps: List[Mapping[str, Callable[..., Any]]]) -> Callable[[List[Any]], List[Any]]:
    """dlt's ``processing_steps`` as one function of a page's records, in dlt's order (per
    step: ``filter``, then ``map``, then ``yield_map``)."""

    def transform(records: List[Any]) -> List[Any]:
        for step in steps:
            if "filter" in step:
                keep = step["filter"]
                records = [r for r in records if keep(r)]
            if "map" in step:
                f = step["map"]
                records = [f(r) for r in records]
            if "yield_map" in step:
                g = step["yield_map"]
                records = [out for r in records for out in g(r)]
        return records

    return transform


def _response_actions_hook(actions: List[Any]) -> Callable[[Any], None]:
    """``response_actions`` that hold callables, as one response hook with dlt's rules: in
    list order, the first matching ``ignore`` ends the walk quietly, a matching callable is
    called with the response (its result discarded)."""

    def hook(response: Any) -> None:
        for action in actions:
            ignore, callables = _match(response, action)
            if callables:
                for f in callables:
                    try:
                        f(response)
                    except Exception as e:  # dlt's own IgnoreResponseException counts too
                        if type(e).__name__ == "IgnoreResponseException":
                            raise IgnoreResponseException(str(e)) from e
                        raise
            elif ignore:
                raise IgnoreResponseException()

    return hook


def _match(response: Any, action: Any) -> "tuple[bool, List[Callable[..., Any]]]":
    if callable(action):
        return False, [action]
    status = action.get("status_code")
    content = action.get("content")
    what = action.get("action")
    callables: List[Callable[..., Any]] = []
    if callable(what):
        callables = [what]
    elif isinstance(what, list):
        callables = list(what)
    matched = (status is None or response.status_code == status) and (
        content is None or content in response.text
    )
    if status is None and content is None:
        # dlt: a condition-less callable runs on every response; a condition-less `ignore`
        # does nothing.
        return False, callables
    if not matched:
        return False, []
    return (what == "ignore" and not callables), callables


def _record_endpoint(resource: DltResource, s: Split, name: str) -> None:
    """The endpoint the resource reads, as dlt's rest_api records it for lineage."""
    try:
        from dlt.sources.rest_api.config_setup import record_endpoint_input
    except ImportError:  # pragma: no cover
        return
    path = name
    for r in s.config.get("resources") or []:
        if isinstance(r, dict) and r.get("name") == name:
            endpoint = r.get("endpoint")
            if isinstance(endpoint, str):
                path = endpoint
            elif isinstance(endpoint, dict):
                path = endpoint.get("path", name)
    # Without its query: the trace keeps it (pickled in the pipeline's directory) and a query
    # written in the path may hold a key (`items?api_key=...`).
    path = str(path).split("?", 1)[0]
    try:
        record_endpoint_input(resource, SimpleNamespace(base_url=s.base_url), path)
    except Exception:  # noqa: BLE001 - lineage is a nicety
        pass
