"""Run llama-cpp-python's OpenAI-compatible server on a GGUF file, for tests and local use.

`start_llamacpp_server` starts ``python -m llama_cpp.server`` as a subprocess on a free port of
127.0.0.1, waits until ``GET /v1/models`` lists the model, and returns a `LlamaCppServer`: its
``base_url``, ``pid`` and the ``spec`` that points agora at it. ``stop()`` (or leaving the
``with`` block) terminates the process by PID and kills it if it does not exit in time. The
server needs the ``server`` extra: ``pip install "agora-teams[server]"``.

Example:
    >>> from agora.models import Message, model_from_spec
    >>> from agora.models.embedded import embedded_model_path
    >>> path = embedded_model_path()
    >>> with start_llamacpp_server(path, alias="smollm2") as server:  # doctest: +SKIP
    ...     model = model_from_spec(server.spec)  # "http://127.0.0.1:PORT/v1#smollm2"
    ...     print(model.request_sync([Message("user", "Capital of France?")]).text)
    The capital of France is Paris.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from agora.errors import ConfigError, MissingDependencyError, ModelUnavailableError

__all__ = ["LlamaCppServer", "free_port", "start_llamacpp_server"]

# What `llama-cpp-python[server]` adds; without them `python -m llama_cpp.server` cannot start.
_SERVER_MODULES = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
# The server reads these from the environment over its command line (HOST, PORT, CONFIG_FILE)
# or as settings we do not pass (API_KEY would demand a key): keep them out of its way.
_OVERRIDING_ENV = ("HOST", "PORT", "CONFIG_FILE", "API_KEY")
_LOG_TAIL = 4000


@dataclass(kw_only=True)
class LlamaCppServer:
    """A running ``python -m llama_cpp.server``; a context manager that stops it on exit.

    Attributes:
        process: the server process.
        base_url: its OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:51234/v1``.
        alias: the model name it serves (the fragment of `spec`).
        log_path: the file that collects the server's stdout and stderr.
    """

    process: subprocess.Popen[bytes]
    base_url: str
    alias: str
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    @property
    def spec(self) -> str:
        """The model spec that points agora at this server: ``BASE_URL#ALIAS``."""
        return f"{self.base_url}#{self.alias}"

    def log(self) -> str:
        """The end of the server's output so far (its stderr holds llama.cpp's log)."""
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-_LOG_TAIL:].decode("utf-8", "replace")

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """Terminate the server by PID, wait up to `timeout_s`, then kill it (idempotent)."""
        if self.process.poll() is None:
            _signal(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                _signal(self.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        atexit.unregister(self.stop)
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> LlamaCppServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited (and was reaped) meanwhile
        os.kill(pid, signum)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now (bound once, then released).

    Example:
        >>> 0 < free_port() < 65536
        True
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_llamacpp_server(
    model_path: str | os.PathLike[str],
    *,
    alias: str = "local",
    port: int | None = None,
    n_ctx: int = 2048,
    n_threads: int = 2,
    startup_timeout_s: float = 120.0,
    extra_args: tuple[str, ...] = (),
    extra_buffers: bool | None = None,
) -> LlamaCppServer:
    """Start llama-cpp-python's server on `model_path` at 127.0.0.1 and wait until it answers.

    Args:
        model_path: the GGUF file to serve.
        alias: the model name clients ask for (the spec's ``#alias``).
        port: the port to listen on; a free one when omitted.
        n_ctx: context window in tokens.
        n_threads: CPU threads for generation and for prompt processing.
        startup_timeout_s: how long to wait for ``GET /v1/models`` to list `alias`.
        extra_args: more ``llama_cpp.server`` options, e.g. ``("--n_gpu_layers", "-1")``.
        extra_buffers: load with llama.cpp's extra buffer types; ``None`` (default) asks
            this machine's CPU probe (`agora.models.cpu_probe`), so on a CPU where they die
            with SIGILL the server loads plain buffers instead.

    Returns:
        The running server; stop it with `LlamaCppServer.stop` or a ``with`` block.

    Raises:
        MissingDependencyError: the ``server`` extra is not installed.
        ConfigError: `model_path` is not a file.
        ModelUnavailableError: the server exited or did not answer in time; the message
            holds the end of its output.
    """
    missing = [name for name in _SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing or importlib.util.find_spec("llama_cpp") is None:
        raise MissingDependencyError(
            f"llama-cpp-python's server needs {', '.join(missing) or 'llama_cpp'}: "
            'pip install "agora-teams[server]" (or "llama-cpp-python[server]")'
        )
    path = Path(model_path)
    if not path.is_file():
        raise ConfigError(f"model_path {str(path)!r} is not a file; pass a GGUF file's path")
    port = free_port() if port is None else port
    if extra_buffers is None:
        from agora.models.cpu_probe import cpu_verdict

        extra_buffers = cpu_verdict(path).extra_buffers
    if extra_buffers:
        argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(path)]
    else:  # the server has no option for it: a launcher patches llama.cpp's load defaults
        launcher = Path(__file__).parents[1] / "models" / "_llama_buffers.py"
        argv = [sys.executable, "-P", str(launcher), "--serve", "--model", str(path)]
    argv += ["--model_alias", alias, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--n_ctx", str(n_ctx), "--n_threads", str(n_threads)]
    argv += ["--n_threads_batch", str(n_threads), *extra_args]
    env = {k: v for k, v in os.environ.items() if k.upper() not in _OVERRIDING_ENV}
    fd, log_name = tempfile.mkstemp(prefix="agora-llamacpp-server-", suffix=".log")
    log = os.fdopen(fd, "wb")
    # Output goes to a file: a pipe nobody reads would fill up and stall the server.
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    server = LlamaCppServer(
        process=process,
        base_url=f"http://127.0.0.1:{port}/v1",
        alias=alias,
        log_path=Path(log_name),
        _log=log,
    )
    atexit.register(server.stop)  # a failed test run must not leave servers behind
    try:
        _wait_until_serving(server, startup_timeout_s)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_serving(server: LlamaCppServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        code = server.process.poll()
        if code is not None:
            raise ModelUnavailableError(_startup_failure(server, f"exited with code {code}"))
        if server.alias in _served_models(server.base_url):
            return
        if time.monotonic() > deadline:
            reason = f"did not list model {server.alias!r} at /v1/models within {timeout_s:g}s"
            raise ModelUnavailableError(
                _startup_failure(server, reason) + " Raise startup_timeout_s on a slow machine."
            )
        time.sleep(0.1)


def _served_models(base_url: str) -> list[str]:
    """The model ids ``GET /v1/models`` lists; empty while the server is not answering yet."""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2.0) as reply:
            data: Any = json.load(reply)
    except (OSError, urllib.error.URLError, ValueError):
        return []
    models = data.get("data") if isinstance(data, dict) else None
    return [m["id"] for m in models or [] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def _startup_failure(server: LlamaCppServer, reason: str) -> str:
    hint = ""
    if server.process.returncode == -signal.SIGILL:
        hint = (
            " It died on an illegal instruction (SIGILL): this llama.cpp build uses CPU "
            "instructions this machine cannot run (on CPUs with AMX, the AMX kernels); "
            "rebuild llama-cpp-python without them, e.g. CMAKE_ARGS='-DGGML_NATIVE=off' "
            "pip install --force-reinstall --no-cache-dir llama-cpp-python."
        )
    return (
        f"llama-cpp-python's server on {server.base_url} (pid {server.pid}) {reason}.{hint} "
        f"Its output ends with:\n{server.log()}"
    )
