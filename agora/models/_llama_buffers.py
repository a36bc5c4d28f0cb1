"""Internal: load llama.cpp weights without its extra buffer types, and the probe's child.

``llama_cpp.Llama`` does not expose ``llama_model_params.use_extra_bufts``; it builds its
parameters from ``llama_model_default_params()``. `plain_buffers` swaps that function, for the
duration of one load, for one that turns the extra buffer types (AMX tiles, repacked weights)
off. Run as a script (``python _llama_buffers.py MODEL 0|1``) this file is the child process
of `agora.models.cpu_probe`: it imports only llama_cpp, loads the model and generates a few
tokens, so a CPU that cannot run the kernels kills the child, not the caller. With
``--serve ARGS`` it runs llama-cpp-python's server with plain buffers (its settings have no
option for them), for machines whose probe crashed.

Not public: use `agora.models.LlamaCppModel(extra_buffers=...)`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["PROBE_OK", "plain_buffers"]

#: What the child prints when it generated.
PROBE_OK = "AGORA-PROBE-OK"

_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def plain_buffers(enabled: bool = True) -> Iterator[None]:
    """While active (and `enabled`), new ``Llama`` objects load without extra buffer types.

    Loads inside are serialized by a lock, so a concurrent load never sees a half-swapped
    function; the original is restored on exit, even on error.
    """
    if not enabled:
        yield
        return
    import llama_cpp.llama_cpp as low_level

    with _PATCH_LOCK:
        original = low_level.llama_model_default_params
        low_level.llama_model_default_params = _without_extra_buffers(original)
        try:
            yield
        finally:
            low_level.llama_model_default_params = original


def _without_extra_buffers(defaults: Callable[[], Any]) -> Callable[[], Any]:
    """`defaults` (llama.cpp's model parameters) with the extra buffer types turned off."""

    def params() -> Any:
        made = defaults()
        made.use_extra_bufts = False
        return made

    return params


def _child(model_path: str, extra_buffers: bool) -> None:
    import llama_cpp

    with plain_buffers(not extra_buffers):
        llm = llama_cpp.Llama(model_path=model_path, n_ctx=512, n_gpu_layers=0, verbose=False)
    # Long enough that prompt processing runs the batched matmul kernels (AMX tiles serve
    # batches; single tokens take another path), then a few generated tokens.
    prompt = "The quick brown fox jumps over the lazy dog. " * 8 + "The capital of France is"
    out: Any = llm.create_completion(prompt, max_tokens=4, temperature=0.0)
    print(PROBE_OK, repr(out["choices"][0]["text"]), flush=True)
    llm.close()


def _serve(server_args: list[str]) -> None:
    """Run ``llama_cpp.server`` with `server_args`, every model loaded without extra buffers."""
    import runpy

    import llama_cpp.llama_cpp as low_level

    low_level.llama_model_default_params = _without_extra_buffers(
        low_level.llama_model_default_params
    )
    sys.argv = ["llama_cpp.server", *server_args]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":  # pragma: no cover - runs in a child process
    if sys.argv[1] == "--serve":
        _serve(sys.argv[2:])
    else:
        _child(sys.argv[1], sys.argv[2] == "1")
