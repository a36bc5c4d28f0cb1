"""Deterministic models for unit tests and overhead benchmarks: `ScriptedModel`, `FunctionModel`.

They run no network and no weights, so a test pins exactly what an agent hears back. They are
never what a user gets by default; the default is the embedded GGUF model.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from agora.errors import UserError
from agora.models.base import Completion, Message, Model, ModelSettings, Usage

__all__ = ["FunctionModel", "ScriptedModel", "Step"]

#: One scripted reply: text, a pydantic object or dict (sent as JSON), or an exception to raise.
Step = str | BaseModel | dict[str, Any] | BaseException

ReplyFn = Callable[[Sequence[Message], dict[str, Any] | None], "str | Awaitable[str]"]


def _render(step: str | BaseModel | dict[str, Any]) -> str:
    if isinstance(step, BaseModel):
        return step.model_dump_json()
    if isinstance(step, dict):
        return json.dumps(step)
    return step


def _count_tokens(text: str) -> int:
    return max(1, len(text.split()))


class ScriptedModel(Model):
    """Replies with a fixed script, one step per call, and records every call.

    Example:
        >>> import asyncio
        >>> model = ScriptedModel(["first", "second"])
        >>> asyncio.run(model.request([Message("user", "hi")])).text
        'first'
        >>> len(model.calls)
        1
    """

    def __init__(
        self, steps: Iterable[Step], *, name: str = "scripted", cycle: bool = False
    ) -> None:
        super().__init__()
        self.name = name
        self.steps: list[Step] = list(steps)
        self.cycle = cycle
        self.calls: list[list[Message]] = []
        #: The JSON Schema each call was constrained to (``None``: a plain-text call).
        self.schemas: list[dict[str, Any] | None] = []
        self._next = 0

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
    ) -> Completion:
        """Return the next scripted step (or raise it, if it is an exception)."""
        self.calls.append(list(messages))
        self.schemas.append(json_schema)
        if self._next >= len(self.steps):
            if not self.cycle or not self.steps:
                raise UserError(
                    f"ScriptedModel {self.name!r} ran out of steps after {len(self.steps)} "
                    "call(s); add more steps or pass cycle=True."
                )
            self._next = 0
        step = self.steps[self._next]
        self._next += 1
        if isinstance(step, BaseException):
            raise step
        text = _render(step)
        prompt = sum(_count_tokens(m.content) for m in messages)
        return Completion(text, Usage(prompt, _count_tokens(text), 0.0, 1))

    def assert_complete(self) -> None:
        """Raise `AssertionError` unless every scripted step was used."""
        if self._next < len(self.steps):
            raise AssertionError(
                f"ScriptedModel {self.name!r} used {self._next} of {len(self.steps)} steps"
            )


class FunctionModel(Model):
    """Replies with whatever `fn(messages, json_schema)` returns (sync or async).

    Example:
        >>> import asyncio
        >>> model = FunctionModel(lambda messages, schema: messages[-1].content.upper())
        >>> asyncio.run(model.request([Message("user", "hi")])).text
        'HI'
    """

    def __init__(self, fn: ReplyFn, *, name: str = "function") -> None:
        super().__init__()
        self.name = name
        self.fn = fn
        self.calls = 0

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
    ) -> Completion:
        """Call the function and return its text."""
        self.calls += 1
        reply = self.fn(messages, json_schema)
        text = await reply if inspect.isawaitable(reply) else reply
        if not isinstance(text, str):
            raise UserError(f"FunctionModel {self.name!r}: fn must return str, got {type(text)}")
        prompt = sum(_count_tokens(m.content) for m in messages)
        return Completion(text, Usage(prompt, _count_tokens(text), 0.0, 1))
