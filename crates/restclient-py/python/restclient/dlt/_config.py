"""A ``rest_api`` config split in two: the JSON the engine checks and plans (the same dict
``restclient run`` takes), and the Python objects dlt allows in it, which the engine calls.

Python objects a dlt config may hold, and where they go:

* paginator and auth instances (client or endpoint): in place of the config's, per resource;
* ``response_actions`` holding callables: the whole list becomes one Python response hook;
* ``processing_steps``: one transform per page, run before the incremental filter;
* ``incremental.convert`` (and the deprecated ``transform``): the convert function;
* a ``dlt.sources.incremental`` given as a param: the endpoint's ``incremental`` with every
  setting of the object and the param as its ``start_param``;
* ``last_value_func`` as dlt documents it (the builtin ``max`` or ``min``): its name (another
  function is a config error: the filter runs in Rust);
* dates and datetimes (``pendulum.today()`` as an ``initial_value``): ISO 8601 text.

Which of the resource's and the defaults' values applies follows dlt's merge (a resource's key
wins over ``resource_defaults``', shallowly; ``params`` one level deep); what the engine merges
(the JSON part) it merges itself.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..exceptions import ConfigurationError

# Resource keys that are not dlt hints (the rest go to ``dlt.resource`` as they are).
NOT_HINTS = ("endpoint", "include_from_parent", "processing_steps")


def config_error(path: str, message: str) -> ConfigurationError:
    """The error the engine raises for a bad config key, for one found here."""
    err = ConfigurationError(f"{path}: {message}" if path else message, kind="config")
    err.path = path  # type: ignore[attr-defined]
    return err


@dataclass
class PythonParts:
    """The Python objects of one resource (or of ``resource_defaults``)."""

    # `present` keys say the config set the key at all (a JSON value counts), so that a
    # resource's own JSON value beats the defaults' object, as in dlt's merge.
    paginator: Any = None
    auth: Any = None
    response_actions: Optional[List[Any]] = None
    processing_steps: Optional[List[Mapping[str, Callable[..., Any]]]] = None
    convert: Optional[Callable[..., Any]] = None
    present: set = field(default_factory=set)

    def over(self, defaults: "PythonParts") -> "PythonParts":
        """These parts with the defaults' where this resource does not set the key."""
        merged = PythonParts(present=set(self.present) | set(defaults.present))
        for name in ("paginator", "auth", "response_actions", "processing_steps", "convert"):
            source = self if name in self.present else defaults
            setattr(merged, name, getattr(source, name))
        return merged


@dataclass
class Split:
    """A config split: ``config`` for the engine, the rest for Python."""

    config: Dict[str, Any]
    client_paginator: Any = None
    client_auth: Any = None
    base_url: str = ""
    # Per resource name: its Python objects (defaults merged in) and its dlt hints.
    parts: Dict[str, PythonParts] = field(default_factory=dict)
    hints: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    # Per resource name: the primary key its incremental de-duplicates by (dlt's hashes).
    dedup_keys: Dict[str, Any] = field(default_factory=dict)


def _is_json(value: Any) -> bool:
    """Whether ``value`` is JSON (dates count: they become text)."""
    if value is None or isinstance(value, (str, int, float, bool, _dt.date)):
        return True
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    return False


# Hints only a dlt destination uses: `restclient run` warns that it ignores them, which under
# dlt (where they do apply) would be wrong; they go to dlt only.
DESTINATION_HINTS = (
    "max_table_nesting",
    "columns",
    "merge_key",
    "schema_contract",
    "table_format",
    "file_format",
    "references",
    "nested_hints",
    "parent_table_name",
)


def _drop_dlt_only_hints(resource: Dict[str, Any]) -> None:
    """Takes out of the engine's copy the dlt hints that are Python objects (a ``table_name``
    function, ``columns`` as a pydantic model) and those only a destination uses: they go to
    dlt only."""
    for key in [
        k
        for k, v in resource.items()
        if k in DESTINATION_HINTS or (k not in NOT_HINTS and k != "name" and not _is_json(v))
    ]:
        del resource[key]


def jsonable(value: Any) -> Any:
    """``value`` with dates and datetimes as ISO 8601 text (dlt renders them with ``str``,
    which is ISO 8601 for pendulum's); dicts and lists copied."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# The settings of a ``dlt.sources.incremental`` the engine takes, with dlt's defaults (a setting
# at its default is left out of the dict).
_INCREMENTAL_SETTINGS: Tuple[Tuple[str, Any], ...] = (
    ("initial_value", None),
    ("primary_key", None),
    ("row_order", None),
    ("on_cursor_value_missing", "raise"),
    ("lag", None),
    ("range_start", "closed"),
    ("range_end", "open"),
)


def _incremental_object_to_dict(obj: Any, at: str) -> Dict[str, Any]:
    """A ``dlt.sources.incremental`` given as a param, as an ``incremental`` dict, every setting
    dlt would use carried over (``last_value_func=min`` walks backwards, ``range_start="open"``
    leaves out the records at the cursor: dropping one loads other records than dlt's)."""
    if getattr(obj, "end_value", None) is not None:
        # As dlt's rest_api refuses it.
        raise config_error(
            at,
            "an incremental param takes `initial_value` only; set `end_value` in the "
            "endpoint's `incremental`",
        )
    out: Dict[str, Any] = {"cursor_path": obj.cursor_path}
    for name, default in _INCREMENTAL_SETTINGS:
        value = getattr(obj, "_primary_key" if name == "primary_key" else name, default)
        if value != default:
            out[name] = jsonable(value)
    func = getattr(obj, "last_value_func", max)
    if func is not max:
        out["last_value_func"] = _last_value_func(func, f"{at}.last_value_func")
    return out


def _last_value_func(func: Any, at: str) -> Any:
    """dlt's ``last_value_func`` (the builtin ``max`` or ``min``, or its name) as the engine's
    ``"max"``/``"min"``; another function is refused by name (the filter runs in Rust)."""
    if func is max or func is min:
        return func.__name__
    if isinstance(func, str) or func is None:
        return func  # the engine checks the name
    raise config_error(
        at,
        f"only `max` and `min` are supported, got {getattr(func, '__name__', type(func).__name__)!r} "
        "(restclient's incremental filter runs in Rust); filter the records with "
        "`processing_steps` instead",
    )


def _incremental_dict(value: Mapping[str, Any], at: str) -> Dict[str, Any]:
    """An ``incremental`` dict (the endpoint's, or a param's dict form) with a
    ``last_value_func`` function as its name."""
    value = dict(value)
    if "last_value_func" in value:
        value["last_value_func"] = _last_value_func(value["last_value_func"], f"{at}.last_value_func")
    return value


def _take_endpoint_objects(endpoint: Dict[str, Any], at: str, parts: PythonParts) -> None:
    """Moves the Python objects of an endpoint dict into ``parts``."""
    if "paginator" in endpoint:
        parts.present.add("paginator")
        p = endpoint["paginator"]
        if _is_object(p):
            parts.paginator = endpoint.pop("paginator")
    if "auth" in endpoint:
        parts.present.add("auth")
        a = endpoint["auth"]
        if _is_object(a):
            parts.auth = endpoint.pop("auth")
    if "response_actions" in endpoint:
        parts.present.add("response_actions")
        actions = endpoint["response_actions"]
        if isinstance(actions, list) and any(_has_callable(a) for a in actions):
            parts.response_actions = endpoint.pop("response_actions")
    incremental = endpoint.get("incremental")
    if "incremental" in endpoint:
        parts.present.add("convert")
    if isinstance(incremental, Mapping):
        incremental = _incremental_dict(incremental, f"{at}.incremental")
        for key in ("convert", "transform"):
            if key in incremental:
                if key == "transform":
                    warnings.warn(
                        "The key `transform` is deprecated in the incremental configuration "
                        "and it will be removed. Use `convert` instead",
                        DeprecationWarning,
                        stacklevel=4,
                    )
                parts.convert = incremental.pop(key)
        endpoint["incremental"] = incremental
    params = endpoint.get("params")
    if isinstance(params, Mapping):
        params = dict(params)
        for name, value in list(params.items()):
            if _is_incremental_object(value):
                # As the endpoint's `incremental` with this `start_param`: the param's dict form
                # takes `cursor_path` and `initial_value` only, the object every setting.
                if "incremental" in endpoint:
                    raise config_error(
                        f"{at}.params.{name}",
                        "an incremental param and the endpoint's `incremental` both set; keep one",
                    )
                endpoint["incremental"] = {
                    **_incremental_object_to_dict(value, f"{at}.params.{name}"),
                    "start_param": name,
                }
                del params[name]
                parts.present.add("convert")
            elif isinstance(value, Mapping) and value.get("type") == "incremental":
                value = _incremental_dict(value, f"{at}.params.{name}")
                for key in ("convert", "transform"):
                    if key in value:
                        parts.convert = value.pop(key)
                        parts.present.add("convert")
                params[name] = value
        endpoint["params"] = params


def _is_object(value: Any) -> bool:
    """Whether a paginator or auth setting is an instance for Python to hand over, not the
    config's name or dict. dlt's auth classes are configspecs, which are mappings too: what
    tells them from a dict is that they are callable (they sign a request)."""
    if value is None or isinstance(value, str):
        return False
    return not isinstance(value, Mapping) or callable(value)


def _is_incremental_object(value: Any) -> bool:
    try:
        from dlt.extract import Incremental
    except ImportError:  # pragma: no cover - dlt is a requirement of this module
        return False
    return isinstance(value, Incremental)


def _has_callable(action: Any) -> bool:
    if callable(action):
        return True
    if isinstance(action, Mapping):
        inner = action.get("action")
        return callable(inner) or (isinstance(inner, list) and any(callable(a) for a in inner))
    return False


def _take_resource_objects(resource: Dict[str, Any], at: str) -> PythonParts:
    """Moves the Python objects of a resource dict (or ``resource_defaults``) into parts."""
    parts = PythonParts()
    if "processing_steps" in resource:
        parts.present.add("processing_steps")
        steps = resource.pop("processing_steps")
        if steps is not None:
            if not isinstance(steps, list):
                raise config_error(f"{at}.processing_steps", "expected a list")
            for i, step in enumerate(steps):
                if not isinstance(step, Mapping) or not step or not all(
                    k in ("filter", "map", "yield_map") and callable(v) for k, v in step.items()
                ):
                    raise config_error(
                        f"{at}.processing_steps[{i}]",
                        "expected a dict of `filter`, `map` or `yield_map` to a callable",
                    )
        parts.processing_steps = steps
    endpoint = resource.get("endpoint")
    if isinstance(endpoint, Mapping):
        endpoint = dict(endpoint)
        _take_endpoint_objects(endpoint, f"{at}.endpoint", parts)
        resource["endpoint"] = endpoint
    return parts


def split(config: Any) -> Split:
    """Splits ``config`` (not changed): see the module docs."""
    if not isinstance(config, Mapping):
        raise config_error("", f"expected a dict (dlt's rest_api config), got {type(config).__name__}")
    out: Dict[str, Any] = {k: v for k, v in config.items()}
    result = Split(config=out)
    client = out.get("client")
    if isinstance(client, Mapping):
        client = dict(client)
        p = client.get("paginator")
        if _is_object(p):
            result.client_paginator = client.pop("paginator")
        a = client.get("auth")
        if _is_object(a):
            result.client_auth = client.pop("auth")
        if "session" in client:
            client.pop("session")
            warnings.warn(
                "restclient.dlt: `client.session` is not used: restclient sends requests with "
                "its own HTTP client (proxies from the environment; retries and timeouts from "
                "dlt's [runtime] settings)",
                stacklevel=3,
            )
        result.base_url = str(client.get("base_url", ""))
        out["client"] = client
    defaults_parts = PythonParts()
    defaults = out.get("resource_defaults")
    defaults_hints: Dict[str, Any] = {}
    if isinstance(defaults, Mapping):
        defaults = dict(defaults)
        defaults_parts = _take_resource_objects(defaults, "resource_defaults")
        defaults_hints = {k: v for k, v in defaults.items() if k not in NOT_HINTS}
        _drop_dlt_only_hints(defaults)
        out["resource_defaults"] = defaults
    resources = out.get("resources")
    if isinstance(resources, list):
        listed = []
        for i, r in enumerate(resources):
            at = f"resources[{i}]"
            if isinstance(r, str):
                listed.append(r)
                result.parts[r] = PythonParts().over(defaults_parts)
                result.hints[r] = {**defaults_hints, "name": r}
                result.dedup_keys[r] = _dedup_key(defaults_hints, None, defaults)
                continue
            if not isinstance(r, Mapping):
                if type(r).__name__ == "DltResource" or hasattr(r, "_pipe"):
                    raise config_error(
                        at,
                        "a dlt resource in `resources` is not supported by restclient.dlt; "
                        "make it a config resource, or use dlt's own rest_api_source",
                    )
                listed.append(r)
                continue
            r = dict(r)
            parts = _take_resource_objects(r, at)
            name = r.get("name")
            listed.append(r)
            if isinstance(name, str):
                result.parts[name] = parts.over(defaults_parts)
                hints = {**defaults_hints, **{k: v for k, v in r.items() if k not in NOT_HINTS}}
                result.hints[name] = hints
                result.dedup_keys[name] = _dedup_key(hints, r, defaults)
                _drop_dlt_only_hints(r)
        out["resources"] = listed
    # What is left must be JSON: dates become text; any other Python object is a mistake at its
    # key path (not a TypeError from the conversion, naming nothing).
    result.config = jsonable(out)
    bad = _not_json(result.config, "")
    if bad is not None:
        at, value = bad
        raise config_error(
            at,
            f"a Python {type(value).__name__} is not supported here (restclient.dlt takes "
            "objects for a paginator, an auth, `response_actions`, `processing_steps` and "
            "`incremental.convert`; elsewhere the config must be JSON)",
        )
    return result


def _not_json(value: Any, at: str) -> Optional[Tuple[str, Any]]:
    """The key path and value of the first thing in ``value`` that is not JSON."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                return at, k
            bad = _not_json(v, f"{at}.{k}" if at else k)
            if bad is not None:
                return bad
        return None
    if isinstance(value, list):
        for i, v in enumerate(value):
            bad = _not_json(v, f"{at}[{i}]")
            if bad is not None:
                return bad
        return None
    return at, value


def _dedup_key(hints: Mapping[str, Any], resource: Optional[Mapping[str, Any]], defaults: Any) -> Any:
    """The key an incremental de-duplicates by: its own ``primary_key``, else the resource's."""
    endpoint = resource.get("endpoint") if resource else None
    if not isinstance(endpoint, Mapping) or "incremental" not in endpoint:
        endpoint = defaults.get("endpoint") if isinstance(defaults, Mapping) else None
    incremental = endpoint.get("incremental") if isinstance(endpoint, Mapping) else None
    if isinstance(incremental, Mapping) and "primary_key" in incremental:
        return incremental["primary_key"]
    return hints.get("primary_key")
