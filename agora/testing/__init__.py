"""Test doubles and test servers for agora users' own tests (not imported by `agora`).

- `ScriptedModel`, `FunctionModel`: deterministic models, no network.
- `serve_openai`, `start_server_process`: an OpenAI-compatible HTTP server with fault
  injection, in-process or as its own process (see `agora.testing.openai_server`).
- `start_llamacpp_server`: llama-cpp-python's real server on a GGUF file, as a subprocess
  (see `agora.testing.llamacpp_server`; needs the ``server`` extra).
- `minimal_instance`: a small JSON document valid for a JSON Schema.
- `TableEmbedder`: an embedder that looks each text up in a table of vectors.

Example:
    >>> from agora.testing import ScriptedModel
    >>> ScriptedModel(["hi"]).name
    'scripted'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agora.models.scripted import FunctionModel, ScriptedModel, Step

if TYPE_CHECKING:
    from agora.testing.embedders import TableEmbedder
    from agora.testing.llamacpp_server import LlamaCppServer, free_port, start_llamacpp_server
    from agora.testing.openai_server import (
        ServerHandle,
        ServerOptions,
        serve_openai,
        start_server_process,
        stop_server_process,
    )
    from agora.testing.schema_instance import minimal_instance

__all__ = [
    "FunctionModel",
    "LlamaCppServer",
    "ScriptedModel",
    "ServerHandle",
    "ServerOptions",
    "Step",
    "TableEmbedder",
    "free_port",
    "minimal_instance",
    "serve_openai",
    "start_llamacpp_server",
    "start_server_process",
    "stop_server_process",
]

# Loaded on first use, so `python -m agora.testing.openai_server` runs the module only once.
_LAZY = {
    "LlamaCppServer": "agora.testing.llamacpp_server",
    "free_port": "agora.testing.llamacpp_server",
    "start_llamacpp_server": "agora.testing.llamacpp_server",
    "ServerHandle": "agora.testing.openai_server",
    "ServerOptions": "agora.testing.openai_server",
    "serve_openai": "agora.testing.openai_server",
    "start_server_process": "agora.testing.openai_server",
    "stop_server_process": "agora.testing.openai_server",
    "minimal_instance": "agora.testing.schema_instance",
    "TableEmbedder": "agora.testing.embedders",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agora.testing' has no attribute {name!r}")
