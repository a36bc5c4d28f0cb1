"""Models: the `Model` seam and its backends (llama.cpp, OpenAI-compatible, scripted).

Backends load lazily: importing `agora.models` does not import llama_cpp or openai.

Example:
    >>> from agora.models import model_from_spec
    >>> model_from_spec("http://127.0.0.1:8080/v1#qwen").name
    'qwen @ 127.0.0.1:8080'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agora.models.base import (
    Completion,
    Message,
    Model,
    ModelResponse,
    ModelSettings,
    Price,
    Usage,
)
from agora.models.embedded import EMBEDDED_MODEL, embedded_model_path
from agora.models.resilience import CircuitBreaker, RetryPolicy
from agora.models.scripted import FunctionModel, ScriptedModel
from agora.models.spec import DEFAULT_SPEC, model_from_spec

if TYPE_CHECKING:
    from agora.models.llamacpp import LlamaCppModel
    from agora.models.openai import OpenAIModel

__all__ = [
    "CircuitBreaker",
    "Completion",
    "DEFAULT_SPEC",
    "EMBEDDED_MODEL",
    "FunctionModel",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelResponse",
    "ModelSettings",
    "OpenAIModel",
    "RetryPolicy",
    "ScriptedModel",
    "Price",
    "Usage",
    "embedded_model_path",
    "model_from_spec",
]

_LAZY = {
    "LlamaCppModel": "agora.models.llamacpp",
    "OpenAIModel": "agora.models.openai",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agora.models' has no attribute {name!r}")
