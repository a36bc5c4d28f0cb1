"""How an OpenAI-compatible endpoint's failures become agora errors (see `agora.models.openai`).

Internal: `OpenAIModel.complete` calls these on every ``openai`` exception it catches.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterator, Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import openai

from agora.errors import (
    AgoraError,
    ConfigError,
    ModelError,
    ModelTransientError,
    ModelUnavailableError,
)

__all__ = [
    "OPENAI_HOST",
    "describe",
    "explicit_port",
    "rejects_format",
    "retry_after_s",
    "status_error",
    "unreachable",
]

OPENAI_HOST = "api.openai.com"
_FORMAT_MARKERS = ("response_format", "json_schema", "json_object", "input should be 'text'")
_TRANSIENT_4XX = frozenset({408, 409, 429})
# Resolver answers that mean "no such host" (EAI_AGAIN, a temporary failure, stays transient).
_UNKNOWN_HOST = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)
)


def unreachable(
    exc: openai.APIConnectionError, base_url: str, name: str
) -> ModelUnavailableError | None:
    """The error for a connection that could not even be opened, when retrying cannot help.

    Nothing listening (``ECONNREFUSED`` on every address tried) or a host name the resolver
    does not know; ``None`` for anything else (timeouts, resets, unreachable networks and
    temporary DNS failures stay transient).
    """
    if isinstance(exc, openai.APITimeoutError):
        return None
    errors = list(_os_errors(exc))
    if not errors:
        return None
    url = urlsplit(base_url)
    if all(e.errno == errno.ECONNREFUSED for e in errors):
        port = explicit_port(base_url) or (443 if url.scheme == "https" else 80)
        if url.hostname == OPENAI_HOST:
            fix = "Check the network connection and any proxy settings."
        else:
            fix = (
                "Start the server, e.g. `python -m llama_cpp.server --model MODEL.gguf"
                f"{_host_flag(url.hostname)} --port {port}`, or fix the URL in "
                "the model spec."
            )
        return ModelUnavailableError(
            f"{name}: cannot connect to {base_url}: nothing is listening there (connection "
            f"refused). {fix}"
        )
    if all(isinstance(e, socket.gaierror) and e.errno in _UNKNOWN_HOST for e in errors):
        return ModelUnavailableError(
            f"{name}: cannot connect to {base_url}: unknown host {url.hostname!r}. Fix the "
            "host in the model spec (or OPENAI_BASE_URL), or check the DNS settings."
        )
    return None


def _os_errors(exc: BaseException) -> Iterator[OSError]:
    """The OS errors with an errno behind `exc`: its causes, contexts and grouped errors."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 64:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            yield current
            continue
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _host_flag(host: str | None) -> str:
    return "" if host in (None, "localhost") else f" --host {host}"


def explicit_port(base_url: str) -> int | None:
    """The port written in `base_url`, or ``None`` (none given, or not a number)."""
    try:
        return urlsplit(base_url).port
    except ValueError:  # not a number: the request fails and says so
        return None


def rejects_format(exc: openai.APIStatusError) -> bool:
    """Whether the server refused the ``response_format`` itself (so a fallback may work)."""
    if exc.status_code not in (400, 422, 500, 501):
        return False
    text = f"{exc.message} {exc.body}".lower()
    if exc.status_code >= 500:
        return "input should be 'text'" in text or "response_format" in text
    return any(marker in text for marker in _FORMAT_MARKERS)


def status_error(exc: openai.APIStatusError, name: str) -> AgoraError:
    """The agora error for an HTTP error status, per the table in `agora.models.openai`."""
    status = exc.status_code
    detail = describe(exc)
    if status >= 500 or status in _TRANSIENT_4XX:
        return ModelTransientError(
            f"{name}: HTTP {status}: {detail}",
            status=status,
            retry_after=retry_after_s(exc.response.headers),
        )
    if status == 401:
        return ConfigError(
            f"{name}: the server refused the API key (HTTP 401: {detail}). Check the key "
            "(OPENAI_API_KEY or OpenAIModel(..., api_key=...))."
        )
    if status == 403:
        return ConfigError(
            f"{name}: permission denied (HTTP 403: {detail}). Check that the key may use "
            "this model and endpoint."
        )
    if status == 404:
        return ConfigError(
            f"{name}: not found (HTTP 404: {detail}). Check the model name and the base_url "
            "(it usually ends in /v1)."
        )
    return ModelError(
        f"{name}: the server rejected the request (HTTP {status}: {detail}). Check the "
        "settings (max_tokens, temperature) and that the prompt fits the context window."
    )


def describe(exc: BaseException) -> str:
    """A short reason for `exc`: the server's error message when its body has one."""
    if isinstance(exc, openai.APIError):
        body = exc.body
        if isinstance(body, Mapping) and isinstance(body.get("message"), str):
            return str(body["message"])[:500]
        return exc.message[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds a server asked us to wait, from ``retry-after-ms`` or ``retry-after``.

    Example:
        >>> retry_after_s({"retry-after-ms": "250"}), retry_after_s({"retry-after": "2"})
        (0.25, 2.0)
        >>> retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})
        0.0
    """
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
