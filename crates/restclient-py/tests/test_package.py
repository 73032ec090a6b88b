"""The installed package: dlt's module paths, docstrings on every public name, typing files
shipped, and the native module's stubs matching the native module."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import restclient
from restclient import _restclient

MODULES = ["restclient", "restclient.paginators", "restclient.auth", "restclient.exceptions", "restclient.models", "restclient.client"]


def public_names():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        assert module.__doc__, module_name
        for name in module.__all__:
            yield module_name, name, getattr(module, name)


@pytest.mark.parametrize("module_name, name, obj", [pytest.param(*t, id=f"{t[0]}.{t[1]}") for t in public_names()])
def test_every_public_name_has_a_docstring(module_name, name, obj):
    if name == "__version__":
        return
    assert inspect.getdoc(obj), f"{module_name}.{name} has no docstring"
    if inspect.isclass(obj):
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not (callable(member) or isinstance(member, property)):
                continue
            assert inspect.getdoc(member), f"{module_name}.{name}.{attr} has no docstring"


def test_dlt_paths_and_names_exist():
    from restclient import PageData, RESTClient, paginate  # noqa: F401
    from restclient.auth import APIKeyAuth, AuthConfigBase, BearerTokenAuth, HttpBasicAuth, OAuth2ClientCredentials  # noqa: F401
    from restclient.exceptions import IgnoreResponseException  # noqa: F401
    from restclient.paginators import (  # noqa: F401
        BaseNextUrlPaginator,
        BasePaginator,
        BaseReferencePaginator,
        HeaderCursorPaginator,
        HeaderLinkPaginator,
        JSONLinkPaginator,
        JSONResponseCursorPaginator,
        JSONResponsePaginator,
        OffsetPaginator,
        PageNumberPaginator,
        RangePaginator,
        SinglePagePaginator,
    )


def test_typing_files_are_shipped():
    package = Path(restclient.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_restclient.pyi").exists()


def test_the_native_stubs_match_the_native_module():
    stub = ast.parse((Path(restclient.__file__).parent / "_restclient.pyi").read_text())
    for node in stub.body:
        if isinstance(node, ast.ClassDef):
            native = getattr(_restclient, node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name != "__init__":
                    assert hasattr(native, item.name), f"{node.name}.{item.name} is in the stub, not in the module"
            stubbed = {i.name for i in node.body if isinstance(i, ast.FunctionDef)}
            actual = {n for n in dir(native) if not n.startswith("_")}
            assert actual <= stubbed, f"{node.name}: {sorted(actual - stubbed)} missing from the stub"
