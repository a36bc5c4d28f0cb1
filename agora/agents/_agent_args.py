"""Argument checks of `agora.agents.agent.Agent` (internal).

Each raises `ConfigError` (constructor options) or `UserError` (a call's arguments) naming the
argument, before anything is built or asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeGuard

from agora._checks import check_bool, check_text
from agora.agents.aggregate import AGGREGATIONS
from agora.agents.routing import Route
from agora.agents.tools import ToolContext
from agora.errors import ConfigError, UserError
from agora.models.base import ModelSettings
from agora.protocols.conversation import USER
from agora.protocols.payloads import MAX_TEXT

__all__ = ["NAME", "check_decide", "check_handoff", "check_options", "is_int"]

#: Agent names: 1-64 letters, digits, ``_``, ``-`` or ``.``, matched whole.
NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def check_options(
    *,
    name: object,
    expertise: object,
    instructions: object,
    max_answer_chars: object,
    max_tool_calls: object,
    settings: object,
    policy: object,
    aggregate: object,
    max_neighbours: object,
    tools: object,
    tool_choice: object,
    tool_use_behavior: object,
) -> None:
    """Raise `ConfigError` naming the first bad `Agent` option (nothing is built before)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ConfigError(
            f"agent name {name!r} must be 1-64 characters of letters, digits, '_', '-', '.'"
        )
    if name == USER:
        raise ConfigError(f"{USER!r} is reserved for the caller of a team; rename the agent")
    if not is_int(max_answer_chars) or not 1 <= max_answer_chars <= MAX_TEXT:
        raise ConfigError(f"max_answer_chars must be an int in [1, {MAX_TEXT}]")
    if not is_int(max_tool_calls) or max_tool_calls < 0:
        raise ConfigError("max_tool_calls must be an int >= 0")
    if not isinstance(expertise, str) or not isinstance(instructions, str):
        raise ConfigError("expertise and instructions must be strings")
    check_text(expertise, "expertise")
    check_text(instructions, "instructions")
    if settings is not None and not isinstance(settings, ModelSettings):
        raise ConfigError(f"settings must be a ModelSettings, got {type(settings).__name__}")
    if policy not in ("model", "router"):
        raise ConfigError(f"policy must be 'model' or 'router', got {policy!r}")
    if aggregate not in AGGREGATIONS:
        raise ConfigError(f"aggregate must be one of {AGGREGATIONS}, got {aggregate!r}")
    if not is_int(max_neighbours) or max_neighbours < 1:
        raise ConfigError("max_neighbours must be an int >= 1")
    if isinstance(tools, str | bytes) or not isinstance(tools, Iterable):
        raise ConfigError(f"tools must be a list of functions or Tools, got {tools!r}")
    if tool_choice not in ("auto", "required"):
        raise ConfigError(f"tool_choice must be 'auto' or 'required', got {tool_choice!r}")
    if tool_use_behavior not in ("run_llm_again", "stop_on_first_tool"):
        raise ConfigError(
            "tool_use_behavior must be 'run_llm_again' or 'stop_on_first_tool', "
            f"got {tool_use_behavior!r}"
        )


def check_handoff(handoff: object, tool_context: object) -> None:
    if isinstance(handoff, str | bytes) or not isinstance(handoff, Sequence):
        raise UserError(f"handoff must be a list of (agent, contribution) pairs, got {handoff!r}")
    for pair in handoff:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise UserError(f"a handoff item is an (agent, contribution) pair, got {pair!r}")
        check_text(pair[0], "a handoff's agent", empty=False, error=UserError)
        check_text(pair[1], "a handoff's contribution", limit=MAX_TEXT, error=UserError)
    if tool_context is not None and not isinstance(tool_context, ToolContext):
        raise UserError(f"tool_context must be a ToolContext, got {type(tool_context).__name__}")


def check_decide(
    task: object, context: object, neighbours: object, allow_split: object, route: object
) -> None:
    check_text(task, "task", empty=False, limit=MAX_TEXT, error=UserError)
    check_text(context, "context", limit=MAX_TEXT, error=UserError)
    if neighbours is not None:
        if not isinstance(neighbours, Mapping):
            raise UserError(f"neighbours must map names to expertise, got {neighbours!r}")
        # Types only: this runs on every hop, and the prompt built from these texts is
        # checked whole when its Message is made (a lone surrogate is refused there).
        for name, expertise in neighbours.items():
            if not isinstance(name, str) or not name or not isinstance(expertise, str):
                raise UserError(
                    f"neighbours must map non-empty names to expertise text, got {name!r}: "
                    f"{expertise!r}"
                )
    check_bool(allow_split, "allow_split", error=UserError)
    if route is not None and not isinstance(route, Route):
        raise UserError(f"route must be a Route from Router.route, got {type(route).__name__}")


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
