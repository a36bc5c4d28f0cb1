"""Tools: typed Python callables an agent may call, with a schema taken from the signature.

A tool may take one parameter annotated `ToolContext`: agora passes it (the model never sees
it) with the run id, the agent, and an idempotency key that is the same when a durable run's
step is repeated after a crash, so a tool with external effects can deduplicate them.

Example:
    >>> def add(a: int, b: int) -> int:
    ...     '''Add two integers.'''
    ...     return a + b
    >>> tool = Tool.from_function(add)
    >>> tool.name, tool.description, sorted(tool.args_model.model_fields)
    ('add', 'Add two integers.', ['a', 'b'])
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from agora._checks import check_text
from agora.errors import ConfigError, ToolError

__all__ = ["Tool", "ToolContext", "as_tool"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a tool call knows about where it runs; declare a parameter of this type to get it.

    A durable run that is killed repeats the step in flight on resume, model and tool calls
    included; the repeated step's calls get the same `idempotency_key`, so a tool whose
    effect happens outside agora (a payment, an e-mail, a row in another database) can
    record the key with the effect and skip a key it has seen.

    Attributes:
        run_id: the team run (the ``run_id`` given to `Team.run`, or a random one).
        agent: the agent calling the tool.
        step: the idempotency key of the step: the delivery the agent is handling.
        call: the index of this call among the tool calls of the step (0, 1, ...).

    Example:
        >>> ctx = ToolContext(run_id="r1", agent="clerk", step="e42>clerk", call=0)
        >>> ctx.idempotency_key
        'r1/e42>clerk/0'
    """

    run_id: str
    agent: str
    step: str
    call: int = 0

    @property
    def idempotency_key(self) -> str:
        """Stable across a crash and resume of the same step: ``run_id/step/call``."""
        return f"{self.run_id}/{self.step}/{self.call}"


@dataclass(frozen=True, slots=True)
class Tool:
    """A callable plus the pydantic model of its arguments.

    Attributes:
        name: the name the model uses to call it.
        description: what it does (the first paragraph of the docstring).
        fn: the function (sync or async).
        args_model: validates the arguments a model proposes.
        context_param: the parameter that receives the `ToolContext`, if the function has one.
    """

    name: str
    description: str
    fn: Callable[..., Any]
    args_model: type[BaseModel]
    context_param: str | None = None
    narrow: Callable[[str], type[BaseModel] | None] | None = None
    """Optional: given the task, a stricter arguments model (say, enums of the values the
    task mentions), or ``None`` to keep `args_model`. As forward targets are an enum of the
    neighbours a task may visit, a tool may offer only the arguments possible for this
    task; under a grammar, a small model then cannot pick an impossible one. Return the
    same class for the same choices (cache it): output types are cached by it."""

    def for_task(self, task: str) -> Tool:
        """This tool with its arguments narrowed to `task` (itself when `narrow` keeps them).

        Example:
            >>> def shout(word: str) -> str:
            ...     return word.upper()
            >>> Tool.from_function(shout).for_task("hello").name
            'shout'
        """
        if self.narrow is None:
            return self
        narrowed = self.narrow(task)
        if narrowed is None or narrowed is self.args_model:
            return self
        return replace(self, args_model=narrowed)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ConfigError(f"tool name {self.name!r} must be a Python identifier")
        check_text(self.description, f"tool {self.name!r} description")
        if not callable(self.fn):
            raise ConfigError(f"tool {self.name!r}: fn must be callable, got {self.fn!r}")
        if not (isinstance(self.args_model, type) and issubclass(self.args_model, BaseModel)):
            raise ConfigError(f"tool {self.name!r}: args_model must be a pydantic model class")

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        narrow: Callable[[str], type[BaseModel] | None] | None = None,
    ) -> Tool:
        """Build a tool from a function with annotated parameters (`narrow`: see the field).

        Raises:
            ConfigError: a parameter has no type annotation, or the name is not an identifier.
        """
        if not callable(fn):
            raise ConfigError(f"a tool wraps a function, got {type(fn).__name__}")
        check_text(description, "tool description", none=True)
        tool_name = str(name or getattr(fn, "__name__", ""))
        if not _NAME.fullmatch(tool_name):
            raise ConfigError(f"tool name {tool_name!r} must be a Python identifier")
        try:
            # "ToolContext" resolves even where it was imported inside a function.
            hints = get_type_hints(fn, localns={"ToolContext": ToolContext}, include_extras=True)
            parameters = inspect.signature(fn).parameters.values()
        except (NameError, TypeError, ValueError) as exc:
            raise ConfigError(f"tool {tool_name!r}: cannot read its signature: {exc}") from None
        fields: dict[str, Any] = {}
        context_param: str | None = None
        for param in parameters:
            if hints.get(param.name) is ToolContext:
                if context_param is not None:
                    raise ConfigError(f"tool {tool_name!r} has two ToolContext parameters")
                context_param = param.name
                continue
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
                raise ConfigError(
                    f"tool {tool_name!r}: *args, **kwargs and positional-only parameters are "
                    "not supported; use named parameters"
                )
            if param.name not in hints:
                raise ConfigError(
                    f"tool {tool_name!r}: parameter {param.name!r} needs a type annotation"
                )
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (hints[param.name], default)
        args_model = create_model(
            f"{tool_name}_args", __config__=ConfigDict(extra="forbid"), **fields
        )
        doc = description if description is not None else inspect.getdoc(fn) or ""
        summary = doc.split("\n\n")[0].strip()
        return cls(tool_name, summary, fn, args_model, context_param, narrow)

    async def call(
        self, arguments: BaseModel | dict[str, Any], context: ToolContext | None = None
    ) -> str:
        """Validate `arguments`, call the function and return its result as text.

        Args:
            arguments: what the model proposed.
            context: passed to the function's `ToolContext` parameter, if it has one
                (default: a context of a one-off call outside any run).

        Raises:
            ToolError: the arguments are invalid or the function raised; the message is
                written so a model can correct its call.
        """
        try:
            args = (
                arguments
                if isinstance(arguments, self.args_model)
                else self.args_model.model_validate(
                    arguments.model_dump() if isinstance(arguments, BaseModel) else arguments
                )
            )
        except ValidationError as exc:
            raise ToolError(f"tool {self.name!r} got invalid arguments: {exc}") from None
        kwargs = {key: getattr(args, key) for key in self.args_model.model_fields}
        if self.context_param is not None:
            kwargs[self.context_param] = context or ToolContext(run_id="", agent="", step="")
        try:
            if inspect.iscoroutinefunction(self.fn):
                result = await self.fn(**kwargs)
            else:
                result = await asyncio.to_thread(self.fn, **kwargs)
        except Exception as exc:  # a tool's failure is reported to the model, not raised raw
            raise ToolError(
                f"tool {self.name!r} failed: {type(exc).__name__}: {exc}. "
                "Check the arguments or answer without the tool."
            ) from exc
        return result if isinstance(result, str) else json.dumps(result, default=str)


def as_tool(obj: Tool | Callable[..., Any]) -> Tool:
    """Return `obj` as a `Tool` (functions are wrapped with `Tool.from_function`)."""
    if isinstance(obj, Tool):
        return obj
    if callable(obj):
        return Tool.from_function(obj)
    raise ConfigError(f"a tool must be a function or a Tool, got {type(obj).__name__}")
