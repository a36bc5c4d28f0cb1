"""The public API: every exported name resolves, every error is exported, all are documented."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

import agora
import agora.errors

SUBPACKAGES = [
    "agora.protocols",
    "agora.models",
    "agora.agents",
    "agora.runtime",
    "agora.embeddings",
    "agora.memory",
]


@pytest.mark.parametrize("name", agora.__all__)
def test_every_top_level_name_resolves(name: str) -> None:
    assert getattr(agora, name) is not None


def test_top_level_all_has_no_duplicates_and_star_import_works() -> None:
    assert len(agora.__all__) == len(set(agora.__all__))
    namespace: dict[str, object] = {}
    exec("from agora import *", namespace)
    assert set(agora.__all__) <= set(namespace)


def _error_classes() -> list[type[agora.errors.AgoraError]]:
    return [
        obj
        for _, obj in inspect.getmembers(agora.errors, inspect.isclass)
        if issubclass(obj, agora.errors.AgoraError) and obj.__module__ == "agora.errors"
    ]


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_is_exported(cls: type) -> None:
    assert cls.__name__ in agora.errors.__all__
    assert cls.__name__ in agora.__all__
    assert getattr(agora, cls.__name__) is cls


@pytest.mark.parametrize(
    ("module", "name"),
    [(m, n) for m in SUBPACKAGES for n in importlib.import_module(m).__all__],
)
def test_every_subpackage_name_resolves(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


def _documentable(name: str) -> bool:
    return not name.startswith("__")


@pytest.mark.parametrize("name", [n for n in agora.__all__ if _documentable(n)])
def test_every_public_name_has_a_docstring(name: str) -> None:
    obj = getattr(agora, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or isinstance(obj, ModuleType)):
        pytest.skip(f"{name} is a {type(obj).__name__}, not a class, function or module")
    doc = obj.__doc__  # not inspect.getdoc: a class must not borrow its base's docstring
    assert doc and doc.strip(), f"{name} has no docstring"
    # dataclasses invent a docstring from the signature when there is none
    assert not doc.startswith(f"{getattr(obj, '__name__', name)}("), f"{name} has no docstring"


def test_importing_agora_does_not_import_optional_backends() -> None:
    code = (
        "import sys, agora\n"
        "heavy = [m for m in ('llama_cpp', 'openai', 'agora.testing') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"imported eagerly: {out.stdout.strip()}"
