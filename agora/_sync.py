"""Run a coroutine from synchronous code (scripts, notebooks) with a clear error when we can't."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from agora.errors import UserError

R = TypeVar("R")


_CLOSERS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, list[Callable[[], Awaitable[None]]]
] = weakref.WeakKeyDictionary()


def close_with_loop(closer: Callable[[], Awaitable[None]]) -> None:
    """Run `closer` when the `run_sync` loop now running ends (no-op in a user's own loop).

    Resources tied to one event loop (HTTP clients) register here, so the fresh loop of each
    sync call does not leak them.
    """
    loop = asyncio.get_running_loop()
    if getattr(loop, "_agora_sync", False):
        _CLOSERS.setdefault(loop, []).append(closer)


async def _closing(coro: Coroutine[Any, Any, R]) -> R:
    loop = asyncio.get_running_loop()
    loop._agora_sync = True  # type: ignore[attr-defined]
    try:
        return await coro
    finally:
        for closer in _CLOSERS.pop(loop, []):
            with contextlib.suppress(Exception):
                await closer()


def run_sync(coro: Coroutine[Any, Any, R]) -> R:
    """Run `coro` to completion on a fresh event loop.

    Raises:
        UserError: an event loop is already running in this thread (inside Jupyter or async
            code); ``await`` the async method instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_closing(coro))
    coro.close()
    raise UserError(
        "a sync wrapper was called inside a running event loop; use the async method with "
        "`await` instead (in Jupyter: `await team.run(...)`)."
    )
