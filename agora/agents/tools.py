"""Tools: typed Python callables an agent may call, with a schema taken from the signature.

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
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from agora._checks import check_text
from agora.errors import ConfigError, ToolError

__all__ = ["Tool", "as_tool"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class Tool:
    """A callable plus the pydantic model of its arguments.

    Attributes:
        name: the name the model uses to call it.
        description: what it does (the first paragraph of the docstring).
        fn: the function (sync or async).
        args_model: validates the arguments a model proposes.
    """

    name: str
    description: str
    fn: Callable[..., Any]
    args_model: type[BaseModel]

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
        cls, fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
    ) -> Tool:
        """Build a tool from a function with annotated parameters.

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
            hints = get_type_hints(fn)
            parameters = inspect.signature(fn).parameters.values()
        except (NameError, TypeError, ValueError) as exc:
            raise ConfigError(f"tool {tool_name!r}: cannot read its signature: {exc}") from None
        fields: dict[str, Any] = {}
        for param in parameters:
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
        return cls(tool_name, doc.split("\n\n")[0].strip(), fn, args_model)

    async def call(self, arguments: BaseModel | dict[str, Any]) -> str:
        """Validate `arguments`, call the function and return its result as text.

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
