"""A small OpenAI-compatible chat server for tests and benchmarks, with fault injection.

It speaks the real wire format (``POST /v1/chat/completions``, non-streaming, and
``GET /v1/models``) over HTTP/1.1 keep-alive, using only the standard library. Replies are a
canned text or, when the request carries a JSON Schema in ``response_format``, a minimal
document valid for that schema. Faults (429 with ``retry-after-ms``, 500, a hang, a garbage
body) hit a configurable share of requests, decided from a seeded hash of the request body and
how often that body was seen, so outcomes do not depend on concurrency.

Run it in-process with `serve_openai`, or as its own process (so it does not share the
client's GIL) with ``python -m agora.testing.openai_server --port 0 --failure-rate 0.3``, which
prints its base URL on the first line of stdout; `start_server_process` does that for you.
``GET /stats`` (beside ``/v1``) returns the request counters as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from agora.testing.schema_instance import minimal_instance

__all__ = [
    "FAULTS",
    "Fault",
    "ServerHandle",
    "ServerOptions",
    "main",
    "minimal_instance",
    "serve_openai",
    "start_server_process",
    "stop_server_process",
]

#: The injected failures: 429, 500, a reply slower than the client's timeout, an unreadable body.
Fault = Literal["rate_limit", "server_error", "timeout", "garbage"]
FAULTS: tuple[Fault, ...] = ("rate_limit", "server_error", "timeout", "garbage")

#: Computes the reply text from the decoded request body and its JSON Schema (if any).
ReplyFn = Callable[[dict[str, Any], dict[str, Any] | None], str]

_LLAMACPP_REJECTION = (
    "[json.exception.type_error.302] 1 validation error for ResponseFormat\ntype\n"
    "  Input should be 'text' or 'json_object' [type=literal_error, input_value='json_schema']"
)


@dataclass(kw_only=True)
class ServerOptions:
    """How the test server behaves.

    Attributes:
        failure_rate: share of requests in ``[0, 1]`` that fail, split evenly over `FAULTS`.
        seed: seed of the per-request fault decision.
        script: faults for the first requests, in arrival order (``None`` = no fault); used
            before `failure_rate` applies.
        hang_s: how long a ``"timeout"`` fault sleeps before it replies.
        retry_after_ms: the ``retry-after-ms`` header of a 429.
        latency_s: an artificial delay before every reply.
        structured: ``"openai"`` accepts both JSON response formats; ``"llamacpp"`` rejects
            ``json_schema`` with llama.cpp's HTTP 500 but accepts ``json_object`` with a
            ``schema``; ``"none"`` rejects any ``response_format`` with HTTP 400.
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get a 401.
        models: the model names served; other names get a 404.
        text: the reply to requests without a schema.
        reply: computes every reply instead (not available in the subprocess form).

    Example:
        >>> ServerOptions(failure_rate=0.3, seed=1).structured
        'openai'
    """

    failure_rate: float = 0.0
    seed: int = 0
    script: Sequence[Fault | None] = ()
    hang_s: float = 2.0
    retry_after_ms: int = 50
    latency_s: float = 0.0
    structured: Literal["openai", "llamacpp", "none"] = "openai"
    api_key: str | None = None
    models: Sequence[str] = ("agora-test",)
    text: str = "This is a reply from the agora test server."
    reply: ReplyFn | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be in [0, 1], got {self.failure_rate}")


@dataclass
class _State:
    """What the server shares between its handler threads."""

    options: ServerOptions
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    seen: Counter[bytes] = field(default_factory=Counter)
    script: list[Fault | None] = field(default_factory=list)

    def fault_for(self, body: bytes) -> Fault | None:
        """Decide this request's fault from the script, else from a seeded hash."""
        digest = hashlib.blake2b(body, digest_size=16).digest()
        with self.lock:
            self.counts["requests"] += 1
            if self.script:
                return self.script.pop(0)
            occurrence = self.seen[digest]
            self.seen[digest] += 1
        rate = self.options.failure_rate
        if rate <= 0.0:
            return None
        key = f"{self.options.seed}:{occurrence}:".encode() + digest
        u = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2.0**64
        return FAULTS[min(3, int(u / rate * 4))] if u < rate else None

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body leave in one write; handle_one_request flushes
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: tests and benchmarks read stdout."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        state = self.server.state
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            data = [{"id": m, "object": "model", "owned_by": "agora"} for m in state.options.models]
            self._send(200, {"object": "list", "data": data})
        elif self.path == "/stats":
            with state.lock:
                self._send(200, dict(state.counts))
        else:
            self._send(404, _error(404, f"no route GET {self.path}", "not_found"))

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, _error(404, f"no route POST {self.path}", "not_found"))
            return
        state = self.server.state
        options = state.options
        fault = state.fault_for(body)
        if options.latency_s:
            time.sleep(options.latency_s)
        if fault is not None:
            state.count(fault)
            self._fault(fault, options)
            if fault != "timeout":
                return
        try:
            request = json.loads(body)
            status, payload = _complete(request, options, self.headers.get("Authorization"))
        except Exception as exc:  # a bad request or a failing custom reply: the client's 4xx/5xx
            status = 400 if isinstance(exc, ValueError | KeyError | TypeError) else 500
            payload = _error(status, f"{type(exc).__name__}: {exc}", "invalid_request_error")
        if fault is None:  # a late reply after a "timeout" fault is counted as that fault
            state.count("ok" if status == 200 else f"status_{status}")
        self._send(status, payload)

    def _fault(self, fault: Fault, options: ServerOptions) -> None:
        if fault == "rate_limit":
            headers = {"retry-after-ms": str(options.retry_after_ms)}
            self._send(429, _error(429, "Rate limit reached; retry later.", "rate_limit"), headers)
        elif fault == "server_error":
            self._send(500, _error(500, "The server had an error.", "server_error"))
        elif fault == "garbage":
            self._send_bytes(200, b'{"id": "chatcmpl-garbage", "choices": [{"mess')
        else:
            time.sleep(options.hang_s)  # then reply normally, most likely to a gone client

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client hung up (it timed out); nothing to tell it
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        super().__init__(address, _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up mid-request; that is what timeouts do."""


def _error(code: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": kind, "param": None}}


def _complete(
    request: dict[str, Any], options: ServerOptions, authorization: str | None
) -> tuple[int, dict[str, Any]]:
    """Answer one decoded chat-completions request: (HTTP status, JSON payload)."""
    if options.api_key is not None and authorization != f"Bearer {options.api_key}":
        return 401, _error(401, "Incorrect API key provided.", "invalid_api_key")
    model = request["model"]
    if model not in options.models:
        return 404, _error(404, f"The model `{model}` does not exist.", "model_not_found")
    response_format = request.get("response_format") or {"type": "text"}
    kind = response_format.get("type", "text")
    if kind != "text" and options.structured == "none":
        return 400, _error(400, "Unsupported parameter: 'response_format'.", "invalid_request")
    if kind == "json_schema" and options.structured == "llamacpp":
        return 500, _error(500, _LLAMACPP_REJECTION, "server_error")
    schema: dict[str, Any] | None = None
    if kind == "json_schema":
        schema = response_format["json_schema"].get("schema", {})
    elif kind == "json_object":
        schema = response_format.get("schema", {})
    if options.reply is not None:
        text = options.reply(request, schema)
    elif schema is not None:
        text = json.dumps(minimal_instance(schema))
    else:
        text = options.text
    prompt = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
    completion = len(text.split())
    return 200, {
        "id": "chatcmpl-agora",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


class ServerHandle:
    """A running in-process test server; a context manager that stops it on exit.

    Attributes:
        base_url: the URL to give an OpenAI client, e.g. ``http://127.0.0.1:51234/v1``.
        options: the server's behaviour; changes take effect on the next request.
    """

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}/v1"
        self.options = server.state.options

    def stats(self) -> dict[str, int]:
        """Counters so far: ``requests``, ``ok``, one per fault kind, ``status_<code>``.

        Every request lands in exactly one of the other counters.
        """
        state = self._server.state
        with state.lock:
            return dict(state.counts)

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_openai(host: str = "127.0.0.1", port: int = 0, **options: Any) -> ServerHandle:
    """Start the test server on a background thread; `options` are `ServerOptions` fields.

    Example:
        >>> from openai import OpenAI
        >>> with serve_openai(text="hello") as server:
        ...     client = OpenAI(base_url=server.base_url, api_key="sk-test")
        ...     reply = client.chat.completions.create(
        ...         model="agora-test", messages=[{"role": "user", "content": "hi"}]
        ...     )
        ...     client.close()
        >>> reply.choices[0].message.content
        'hello'
    """
    state = _State(ServerOptions(**options))
    state.script = list(state.options.script)
    server = _Server((host, port), state)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="agora-openai-server", daemon=True
    )
    thread.start()
    return ServerHandle(server, thread)


def _cli_args(options: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in options.items():
        if name == "reply" and not isinstance(value, str):
            raise ValueError(
                "a reply function cannot cross into a subprocess; pass 'module:function'"
            )
        flag = "--" + name.replace("_", "-")
        if name in ("script", "models"):
            args += [flag, ",".join(v or "none" for v in value)]
        elif value is not None:
            args += [flag, str(value)]
    return args


def start_server_process(
    host: str = "127.0.0.1", port: int = 0, *, startup_timeout_s: float = 30.0, **options: Any
) -> tuple[subprocess.Popen[str], str]:
    """Start the test server as its own process; return it and its base URL.

    `options` are `ServerOptions` fields (all but ``reply``). Stop it with
    `stop_server_process`.

    Example:
        >>> proc, base_url = start_server_process(failure_rate=0.3, seed=1)
        >>> base_url.startswith("http://127.0.0.1:")
        True
        >>> stop_server_process(proc)
    """
    argv = [sys.executable, "-m", "agora.testing.openai_server", "--host", host]
    argv += ["--port", str(port), "--exit-with-stdin", *_cli_args(options)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    # The server exits when our end of its stdin closes, so it cannot outlive this process.
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    timer = threading.Timer(startup_timeout_s, proc.kill)
    timer.start()
    try:
        line = proc.stdout.readline().strip()
    finally:
        timer.cancel()
    if not line.startswith("http"):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the test server did not start (exit code {proc.returncode})")
    return proc, line


def stop_server_process(proc: subprocess.Popen[str] | int, *, timeout_s: float = 10.0) -> None:
    """Terminate a server started by `start_server_process`, given it or its PID."""
    if isinstance(proc, int):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc, signal.SIGTERM)
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


def _parse_script(text: str) -> list[Fault | None]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    for item in items:
        if item != "none" and item not in FAULTS:
            raise argparse.ArgumentTypeError(f"unknown fault {item!r}; known: {FAULTS}")
    return [None if item == "none" else item for item in items]  # type: ignore[misc]


def _import_reply(spec: str) -> ReplyFn:
    import importlib

    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot import reply function {spec!r}: {exc}") from exc
    return fn  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until terminated; print the base URL as the first line of stdout."""
    defaults = ServerOptions()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--failure-rate", type=float, default=defaults.failure_rate)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--script", type=_parse_script, default=[])
    parser.add_argument("--hang-s", type=float, default=defaults.hang_s)
    parser.add_argument("--retry-after-ms", type=int, default=defaults.retry_after_ms)
    parser.add_argument("--latency-s", type=float, default=defaults.latency_s)
    parser.add_argument("--structured", choices=["openai", "llamacpp", "none"], default="openai")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--models", type=lambda s: s.split(","), default=list(defaults.models))
    parser.add_argument("--text", default=defaults.text)
    parser.add_argument(
        "--reply", type=_import_reply, default=None, help="a reply function as module:function"
    )
    parser.add_argument(
        "--exit-with-stdin", action="store_true", help="stop when stdin closes (parent died)"
    )
    args = vars(parser.parse_args(argv))
    exit_with_stdin = args.pop("exit_with_stdin")
    handle = serve_openai(args.pop("host"), args.pop("port"), **args)
    print(handle.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if exit_with_stdin:

        def watch_stdin() -> None:
            sys.stdin.read()
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
