"""`OpenAIModel`: any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp, Ollama).

Calls go through the official ``openai`` async client (its generic ``post``, which skips the
typed request transform and response model that cost more than a local HTTP exchange) with
its own retries switched off; agora's `call_with_retries` retries, backs off and trips the
circuit breaker instead, so every backend behaves alike. Every ``openai`` exception becomes
an agora error:

=======================================  ==============================================
failure                                  agora error
=======================================  ==============================================
connection refused (nothing listens),    `ModelUnavailableError` at once, not retried;
unknown host                             the message names the endpoint and the fix
429, 408, 409, 5xx, timeout, connection  `ModelTransientError` (retried; ``Retry-After``
reset, unreadable or malformed body      and ``retry-after-ms`` are honoured)
401, 403, 404                            `ConfigError` (key, permissions, model name)
other 4xx                                `ModelError`
=======================================  ==============================================

(The mapping lives in `agora.models._openai_failures`.)

A model on OpenAI itself is named ``openai:MODEL``; one on any other server names the model
and the endpoint, ``MODEL @ HOST:PORT``, since the wire format alone does not say which server
software answers (llama-cpp-python's server, for one, identifies itself nowhere).

Structured output asks for ``response_format`` type ``json_schema`` first. Servers that reject
it (llama.cpp's server answers HTTP 500, others 400 or 422) get ``json_object`` with a
``schema``, and failing that the schema goes into a system prompt; the fallback is remembered
per model object, so it is probed once.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import importlib.util
import os
import re
import ssl
import time
import weakref
from collections.abc import Sequence
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI

from agora._sync import close_with_loop
from agora.errors import ConfigError, ModelError, ModelTransientError
from agora.models._openai_failures import (
    OPENAI_HOST,
    describe,
    explicit_port,
    rejects_format,
    retry_after_s,
    status_error,
    unreachable,
)
from agora.models.base import Completion, Message, Model, ModelSettings, Usage, schema_text
from agora.models.resilience import CircuitBreaker, RetryPolicy

__all__ = ["OpenAIModel", "StructuredMode", "retry_after_s"]

#: How structured output is requested: ``"auto"`` probes ``json_schema``, then ``json_object``,
#: then a prompt; the others pin one way.
StructuredMode = Literal["auto", "json_schema", "json_object", "none"]

_NO_KEY = "sk-no-key"
_NEXT_MODE: dict[str, StructuredMode] = {"json_schema": "json_object", "json_object": "none"}


class OpenAIModel(Model):
    """A model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Args:
        model: the model name the server knows, e.g. ``"gpt-4o-mini"`` or ``"qwen2.5"``.
        base_url: the endpoint, e.g. ``"http://127.0.0.1:8080/v1"``; OpenAI when omitted.
        api_key: the key; defaults to ``OPENAI_API_KEY``, and local servers need none.
        client: an `AsyncOpenAI` client to use (custom transports, proxies); its own retries
            are switched off per request. It must serve a single event loop.
        retry: retry policy; defaults to 4 attempts with a 60 s timeout each.
        breaker: circuit breaker shared by this model's calls.
        structured: how to request structured output (see `StructuredMode`).

    Attributes:
        base_url: the endpoint the calls go to, without a trailing slash.
        name: ``openai:MODEL`` on OpenAI itself, ``MODEL @ HOST:PORT`` on any other server.

    Raises:
        ConfigError: no key for OpenAI itself, or an unknown `structured` mode.

    Example:
        >>> from agora.testing import serve_openai
        >>> with serve_openai(text="Paris.") as server:
        ...     model = OpenAIModel("agora-test", base_url=server.base_url)
        ...     model.request_sync([Message("user", "Capital of France?")]).text
        'Paris.'
        >>> OpenAIModel("smollm2", base_url="http://127.0.0.1:8080/v1").name
        'smollm2 @ 127.0.0.1:8080'
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: AsyncOpenAI | None = None,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        structured: StructuredMode = "auto",
    ) -> None:
        retry = retry or RetryPolicy(max_attempts=4, timeout_s=60.0)
        super().__init__(retry=retry, breaker=breaker)
        if structured not in ("auto", "json_schema", "json_object", "none"):
            raise ConfigError(
                f"structured must be 'auto', 'json_schema', 'json_object' or 'none', "
                f"got {structured!r}"
            )
        self.model = model
        url = str(client.base_url) if client is not None else base_url
        self.base_url = _endpoint(url)
        self.name = _display_name(model, self.base_url)
        self.structured = structured
        self._mode: StructuredMode = "json_schema" if structured == "auto" else structured
        self._client_options: dict[str, Any] = {}
        if client is None:
            self._client_options = {
                "api_key": _resolve_api_key(api_key, base_url),
                "base_url": base_url,
                "max_retries": 0,
                "timeout": self.retry.timeout_s,
            }
        self._client = client
        # OpenAI's newer models refuse `max_tokens`; other servers may not know its successor.
        self._max_tokens_key = "max_completion_tokens" if _is_openai(url) else "max_tokens"
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI]
        self._clients = weakref.WeakKeyDictionary()
        self._formats: dict[int, tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = {}

    @property
    def structured_mode(self) -> StructuredMode:
        """How structured output is requested now (``"auto"`` resolves on the first refusal)."""
        return self._mode

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
    ) -> Completion:
        """Send one chat completion; map every failure to an agora error."""
        client = self._client if self._client is not None else self._loop_client()
        options: dict[str, Any] = {"max_retries": 0}
        if settings.timeout_s is not None:
            options["timeout"] = settings.timeout_s
        started = time.perf_counter()
        while True:
            mode = self._mode
            try:
                # The raw route skips the SDK's request transform and response model, which
                # cost more than the HTTP exchange itself; errors are raised just the same.
                data = await client.post(
                    "/chat/completions",
                    cast_to=object,
                    body=self._body(messages, json_schema, settings, mode),
                    options=cast(Any, options),
                )
                break
            except openai.APIStatusError as exc:
                if json_schema is not None and mode != "none" and rejects_format(exc):
                    if self.structured != "auto":
                        raise self._format_error(mode, exc) from None
                    if self._mode == mode:  # concurrent calls may have moved on already
                        self._mode = _NEXT_MODE[mode]
                    continue
                raise status_error(exc, self.name) from None
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                down = unreachable(exc, self.base_url, self.name)
                if down is not None:  # retrying cannot help: say what will
                    raise down from None
                raise ModelTransientError(f"{self.name}: {describe(exc)}") from None
            except (openai.OpenAIError, ValueError) as exc:  # undecodable body, ...
                raise ModelTransientError(
                    f"{self.name}: unreadable response body ({describe(exc)})"
                ) from None
        return _completion(data, time.perf_counter() - started, self.name)

    def _body(
        self,
        messages: Sequence[Message],
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
        mode: StructuredMode,
    ) -> dict[str, Any]:
        wire = [m.to_openai() for m in messages]
        body: dict[str, Any] = {"model": self.model, "messages": wire}
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        cap = settings.max_tokens if json_schema is None else settings.max_json_tokens
        if cap is not None:
            body[self._max_tokens_key] = cap
        if settings.seed is not None:
            body["seed"] = settings.seed
        if json_schema is not None:
            schema_format, object_format, prompt = self._structured_for(json_schema)
            if mode == "json_schema":
                body["response_format"] = schema_format
            elif mode == "json_object":
                body["response_format"] = object_format
            else:
                wire.insert(0, prompt)
        return body

    def _structured_for(
        self, schema: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        """The two response formats and the prompt for `schema`, built once per schema."""
        cached = self._formats.get(id(schema))
        if cached is not None and cached[1]["schema"] is schema:
            return cached
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", str(schema.get("title") or "output"))[:64]
        prompt = {
            "role": "system",
            "content": "Reply with one JSON document, and nothing else, that matches this "
            "JSON Schema:\n" + schema_text(schema),
        }
        named = {"name": name, "schema": schema, "strict": False}
        entry = (
            {"type": "json_schema", "json_schema": named},
            {"type": "json_object", "schema": schema},
            prompt,
        )
        if len(self._formats) >= 256:
            self._formats.clear()
        self._formats[id(schema)] = entry
        return entry

    def _loop_client(self) -> AsyncOpenAI:
        # An httpx client's connections belong to one event loop, and `request_sync` runs each
        # call on a fresh loop, so we keep one client per loop.
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            http_client = openai.DefaultAsyncHttpxClient(verify=_ssl_context())
            client = AsyncOpenAI(**self._client_options, http_client=http_client)
            self._clients[loop] = client
            close_with_loop(self.aclose)
        return client

    def _format_error(self, mode: StructuredMode, exc: openai.APIStatusError) -> ConfigError:
        return ConfigError(
            f"{self.name}: the server rejected response_format {mode!r} ({describe(exc)}). "
            "Use OpenAIModel(..., structured='auto') to fall back to what it supports."
        )

    async def aclose(self) -> None:
        """Close the HTTP client this model created for the running event loop, if any."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for all our clients: building one loads the CA bundle (~50 ms)."""
    # openai 3.x sends through httpx2, earlier versions through httpx; both build it alike.
    http = importlib.import_module("httpx2" if importlib.util.find_spec("httpx2") else "httpx")
    return cast(ssl.SSLContext, http.create_ssl_context())


def _endpoint(base_url: str | None) -> str:
    """The URL the client sends to: `base_url`, else ``OPENAI_BASE_URL``, else OpenAI's."""
    url = base_url or os.environ.get("OPENAI_BASE_URL") or f"https://{OPENAI_HOST}/v1"
    return url.rstrip("/")


def _is_openai(base_url: str | None) -> bool:
    return urlsplit(_endpoint(base_url)).hostname == OPENAI_HOST


def _display_name(model: str, base_url: str) -> str:
    """``openai:MODEL`` on OpenAI itself; ``MODEL @ HOST[:PORT]`` (no credentials) elsewhere."""
    url = urlsplit(base_url)
    if url.hostname == OPENAI_HOST:
        return f"openai:{model}"
    host = url.hostname or base_url
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = explicit_port(base_url)
    return f"{model} @ {host}" if port is None else f"{model} @ {host}:{port}"


def _resolve_api_key(api_key: str | None, base_url: str | None) -> str:
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if key:
        return key
    if _is_openai(base_url):
        raise ConfigError(
            "no API key for OpenAI: set the OPENAI_API_KEY environment variable, or pass "
            "OpenAIModel(..., api_key=...)."
        )
    return _NO_KEY  # local servers (llama.cpp, vLLM, Ollama) need none


def _completion(data: object, latency_s: float, name: str) -> Completion:
    """Text and usage of a decoded response body; a malformed one is a transient failure."""
    try:
        message = cast(dict[str, Any], data)["choices"][0]["message"]
        content = message.get("content")
    except (TypeError, KeyError, IndexError, AttributeError):
        raise ModelTransientError(f"{name}: the response body was not a chat completion") from None
    if not isinstance(content, str):
        if message.get("refusal"):
            raise ModelError(f"{name} refused: {message['refusal']}. Rephrase the task.")
        raise ModelTransientError(f"{name}: the response had no message content")
    usage = cast(dict[str, Any], data).get("usage") or {}
    return Completion(
        content,
        Usage(_count(usage, "prompt_tokens"), _count(usage, "completion_tokens"), latency_s, 1),
    )


def _count(usage: Any, key: str) -> int:
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if isinstance(value, int) else 0
