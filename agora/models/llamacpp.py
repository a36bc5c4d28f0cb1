"""`LlamaCppModel`: a local GGUF model through llama-cpp-python, on the GPU when there is one.

Structured output uses llama.cpp's JSON-Schema grammar, so even a 135M-parameter model cannot
emit malformed JSON. The grammar enforces structure, enums, ``maxLength`` and ``maxItems`` but
ignores numeric bounds, which is why `Model.request` validates afterwards.

Loaded weights are shared: two `LlamaCppModel` objects with the same file and load options
reuse one ``llama_cpp.Llama``. llama.cpp is not thread-safe, so calls on one set of weights are
serialized by a lock and run in a worker thread, keeping the event loop free.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.errors import ConfigError, MissingDependencyError, ModelError
from agora.models._llama_buffers import plain_buffers
from agora.models.base import Completion, Message, Model, ModelSettings, Usage
from agora.models.cpu_probe import CpuVerdict, cpu_verdict
from agora.models.resilience import CircuitBreaker, RetryPolicy

__all__ = ["LlamaCppModel", "gpu_offload_supported"]

_INSTALL_HINT = "pip install llama-cpp-python (compiles llama.cpp; several minutes)"


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:  # pragma: no cover - llama-cpp-python is a dependency
        raise MissingDependencyError(
            f"LlamaCppModel needs llama-cpp-python: {_INSTALL_HINT}"
        ) from exc
    return llama_cpp


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU (CUDA, Metal, Vulkan, ...)."""
    return bool(_llama_cpp().llama_supports_gpu_offload())


@dataclass(frozen=True, slots=True)
class _LoadKey:
    path: str
    n_ctx: int
    n_gpu_layers: int
    n_threads: int | None
    seed: int
    extra_buffers: bool


class _Weights:
    """One loaded ``Llama`` plus the lock that serializes calls on it and a grammar cache."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()
        self.grammars: dict[str, Any] = {}


_LOADED: dict[_LoadKey, _Weights] = {}
_LOADED_LOCK = threading.Lock()


@atexit.register
def _free_all() -> None:
    """Free loaded weights before interpreter teardown (llama.cpp's finalizers fail after it)."""
    with _LOADED_LOCK:
        for weights in _LOADED.values():
            with contextlib.suppress(Exception):
                weights.llama.close()
        _LOADED.clear()


def json_grammar(schema_json: str) -> str:
    r"""GBNF for a JSON Schema, with raw control characters banned inside strings.

    llama-cpp-python's converter lets ``char`` match any byte but ``"`` and ``\\``, so a model
    may put a raw newline inside a string, which is not JSON. We tighten that one rule.
    """
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf: str = json_schema_to_gbnf(schema_json)
    return gbnf.replace('char ::= [^"\\\\]', 'char ::= [^"\\\\\\x7F\\x00-\\x1F]')


class LlamaCppModel(Model):
    """A GGUF model run in-process by llama.cpp.

    Args:
        path: the ``.gguf`` file.
        n_gpu_layers: layers to offload; ``None`` (default) offloads all of them when this
            llama.cpp build supports a GPU and none otherwise; ``0`` forces the CPU.
        n_ctx: context window in tokens.
        n_threads: CPU threads; ``None`` lets llama.cpp choose.
        seed: sampling seed, for repeatable runs.
        name: display name (default: the file name).
        extra_buffers: load weights into llama.cpp's extra buffer types (AMX tiles, repacked
            layouts) — its default and usually fastest. ``None`` (default) decides per
            machine: a once-per-machine probe in a child process (`agora.models.cpu_probe`)
            checks that they run here, since on some CPUs they die with SIGILL, which would
            kill the interpreter; ``False`` forces plain CPU buffers.

    Example:
        >>> from agora.models.embedded import embedded_model_path
        >>> model = LlamaCppModel(embedded_model_path(), n_ctx=1024)  # doctest: +SKIP
        >>> model.request_sync([Message("user", "Capital of France?")]).text  # doctest: +SKIP
        'The capital of France is Paris.'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        n_gpu_layers: int | None = None,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        seed: int = 0,
        name: str | None = None,
        extra_buffers: bool | None = None,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        super().__init__(retry=retry or RetryPolicy(max_attempts=1), breaker=breaker)
        try:
            file = Path(path).expanduser()
            exists = file.is_file()
        except (TypeError, OSError, ValueError) as exc:
            raise ConfigError(f"not a usable GGUF path: {path!r} ({exc})") from None
        if not exists:
            raise ConfigError(
                f"GGUF model file not found: {file}. Pass the path of a .gguf file, or use "
                "the model spec 'local' for the embedded model."
            )
        if n_ctx < 64:
            raise ConfigError(f"n_ctx must be at least 64, got {n_ctx}")
        if extra_buffers is not None and not isinstance(extra_buffers, bool):
            raise ConfigError(f"extra_buffers must be True, False or None, got {extra_buffers!r}")
        self.path = file
        self.n_gpu_layers = n_gpu_layers
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self.name = name or file.stem
        self.extra_buffers = extra_buffers
        self._weights: _Weights | None = None

    def load(self) -> None:
        """Load the weights now (otherwise the first call does it)."""
        self._load()

    @property
    def offloaded_layers(self) -> int:
        """The resolved ``n_gpu_layers``: -1 (all) with GPU support, else 0 unless set."""
        if self.n_gpu_layers is not None:
            return self.n_gpu_layers
        return -1 if gpu_offload_supported() else 0

    def cpu_verdict(self) -> CpuVerdict:
        """How this model's weights are loaded on this machine (probing once if needed).

        Raises:
            ConfigError: llama.cpp crashes on this CPU with and without extra buffer types.
        """
        if self.extra_buffers is not None:
            return CpuVerdict(self.extra_buffers, "set by extra_buffers=")
        verdict = cpu_verdict(self.path)
        if not verdict.usable:
            raise ConfigError(
                f"llama.cpp crashes on this CPU ({verdict.reason}), with and without extra "
                "buffer types. Rebuild llama-cpp-python without -march=native: "
                'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --force-reinstall --no-cache-dir '
                "llama-cpp-python, or use a model on a server (spec http://HOST:PORT/v1#MODEL)."
            )
        return verdict

    def _load(self) -> _Weights:
        if self._weights is not None:
            return self._weights
        key = _LoadKey(
            str(self.path.resolve()),
            self.n_ctx,
            self.offloaded_layers,
            self.n_threads,
            self.seed,
            self.cpu_verdict().extra_buffers,
        )
        with _LOADED_LOCK:
            weights = _LOADED.get(key)
            if weights is None:
                weights = _Weights(self._open(key))
                _LOADED[key] = weights
        self._weights = weights
        return weights

    @staticmethod
    def _open(key: _LoadKey) -> Any:
        llama_cpp = _llama_cpp()
        try:
            with plain_buffers(not key.extra_buffers):
                return llama_cpp.Llama(
                    model_path=key.path,
                    n_ctx=key.n_ctx,
                    n_gpu_layers=key.n_gpu_layers,
                    n_threads=key.n_threads,
                    seed=key.seed,
                    verbose=False,
                )
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(f"llama.cpp could not load {key.path}: {exc}") from exc

    def _grammar(self, weights: _Weights, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        grammar = weights.grammars.get(key)
        if grammar is None:
            # Declared field order matters ("reason, then answer"): build from the unsorted text.
            gbnf = json_grammar(json.dumps(schema))
            grammar = _llama_cpp().LlamaGrammar.from_string(gbnf, verbose=False)
            weights.grammars[key] = grammar
        return grammar

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
    ) -> Completion:
        """Run one chat completion in a worker thread (grammar-constrained with a schema).

        Cancelling the call (a wall-time budget, a cancelled run) stops calls still waiting
        for the weights at once; a generation already running finishes in its thread, bounded
        by ``max_tokens`` / ``max_json_tokens``, because llama.cpp cannot be interrupted.
        """
        cancelled = threading.Event()
        try:
            return await asyncio.to_thread(
                self._complete_blocking, messages, json_schema, settings, cancelled
            )
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def _complete_blocking(
        self,
        messages: Sequence[Message],
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
        cancelled: threading.Event | None = None,
    ) -> Completion:
        weights = self._load()
        kwargs: dict[str, Any] = {
            "messages": [m.to_openai() for m in messages],
            "max_tokens": settings.max_tokens if json_schema is None else settings.max_json_tokens,
            "seed": settings.seed if settings.seed is not None else self.seed,
        }
        if settings.temperature is not None:
            kwargs["temperature"] = settings.temperature
        with weights.lock:
            if cancelled is not None and cancelled.is_set():
                raise ModelError(f"{self.name}: call cancelled before it started")
            if json_schema is not None:
                kwargs["grammar"] = self._grammar(weights, json_schema)
            started = time.perf_counter()
            _reset_timings(weights.llama)
            try:
                reply = weights.llama.create_chat_completion(**kwargs)
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ModelError(
                    f"{self.name}: {exc}. Shorten the prompt or raise n_ctx (now {self.n_ctx})."
                ) from exc
            latency = time.perf_counter() - started
            generation = _generation_s(weights.llama)
        text = reply["choices"][0]["message"]["content"] or ""
        usage = reply.get("usage") or {}
        return Completion(
            text,
            Usage(
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                latency_s=latency,
                requests=1,
                generation_s=generation,
            ),
        )


def _reset_timings(llama: Any) -> None:
    with contextlib.suppress(Exception):  # timings are informative; never fail a call on them
        _llama_cpp().llama_perf_context_reset(llama._ctx.ctx)


def _generation_s(llama: Any) -> float:
    """Seconds llama.cpp spent decoding generated tokens since the reset (prompt excluded)."""
    try:
        data = _llama_cpp().llama_perf_context(llama._ctx.ctx)
        return max(0.0, float(data.t_eval_ms) / 1000.0)
    except Exception:  # noqa: BLE001 - an older or newer binding without these counters
        return 0.0
