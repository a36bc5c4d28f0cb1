"""Run a coroutine from synchronous code (scripts, notebooks) with a clear error when we can't."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from agora.errors import UserError

R = TypeVar("R")


def run_sync(coro: Coroutine[Any, Any, R]) -> R:
    """Run `coro` to completion on a fresh event loop.

    Raises:
        UserError: an event loop is already running in this thread (inside Jupyter or async
            code); ``await`` the async method instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise UserError(
        "a sync wrapper was called inside a running event loop; use the async method with "
        "`await` instead (in Jupyter: `await team.run(...)`)."
    )
