"""The typed `Decision` an agent's model makes about a task it holds.

The output type is built for the situation: forward and split targets are an ``enum`` of the
neighbours the task may still visit, tool calls name the agent's tools, and free text is
bounded. Under llama.cpp's grammar even a tiny model can then only produce a decision that is
possible here. The three variants are a union discriminated by ``action``:

- ``{"action": "answer", "answer": "..."}``
- ``{"action": "forward", "to": "<neighbour>", "reason": "...", "contribution": "..."}``
  (``contribution``, optional: the agent's work so far, which the neighbour builds on)
- ``{"action": "split", "parts": [{"to": "<neighbour>", "task": "..."}, ...]}``
- ``{"action": "call:<tool>", "arguments": {...}}``
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from agora.agents.tools import Tool

__all__ = [
    "AnswerDecision",
    "ConsultDecision",
    "DecisionOptions",
    "ForwardDecision",
    "SplitDecision",
    "ToolDecision",
    "decision_type",
]


class AnswerDecision(BaseModel):
    """Answer the task now."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["answer"]
    answer: str


class ForwardDecision(BaseModel):
    """Hand the task to a neighbour better placed to answer it, with the work done so far.

    `contribution` (notes, a draft, partial results) reaches the receiver, who builds on it.
    """

    model_config = ConfigDict(extra="forbid")
    action: Literal["forward"]
    to: str
    reason: str = ""
    contribution: str = ""


class SplitPartDecision(BaseModel):
    """One subtask of a split."""

    model_config = ConfigDict(extra="forbid")
    to: str
    task: str


class SplitDecision(BaseModel):
    """Split the task into parts for several neighbours."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["split"]
    parts: list[SplitPartDecision]


class ConsultDecision(BaseModel):
    """Ask several experts the whole task at once and combine their answers.

    Made by the router (an agent with ``policy="router"``), never asked of a model.
    """

    model_config = ConfigDict(extra="forbid")

    action: Literal["consult"]
    experts: list[str]
    weights: list[float]
    aggregate: Literal["synthesize", "vote", "weighted"] = "vote"


class ToolDecision(BaseModel):
    """Call one of the agent's tools, then decide again with its result."""

    model_config = ConfigDict(extra="forbid")
    action: str
    arguments: Any


#: Any decision, after validation.
Decision = AnswerDecision | ForwardDecision | SplitDecision | ToolDecision


class DecisionOptions(BaseModel):
    """What an agent may decide about one task (hashable, so output types are cached)."""

    model_config = ConfigDict(frozen=True)

    neighbours: tuple[str, ...] = ()
    allow_split: bool = True
    tools: tuple[str, ...] = ()
    max_answer_chars: int = 1000
    max_reason_chars: int = 160
    max_parts: int = 3
    #: Offer tool calls only (an agent whose ``tool_choice="required"`` has not called yet).
    tools_only: bool = False


def decision_type(options: DecisionOptions, tools: Sequence[Tool] = ()) -> type[BaseModel]:
    """The pydantic type a model must produce for a decision under `options`.

    Example:
        >>> t = decision_type(DecisionOptions(neighbours=("math", "geo")))
        >>> t.model_validate_json('{"action": "forward", "to": "geo", "reason": "map"}').root.to
        'geo'
    """
    by_name = {tool.name: tool for tool in tools}
    return _decision_type(options, tuple(by_name[name] for name in options.tools))


@lru_cache(maxsize=512)
def _decision_type(options: DecisionOptions, tools: tuple[Tool, ...]) -> type[BaseModel]:
    answer = create_model(
        "Answer",
        __config__=ConfigDict(extra="forbid"),
        action=(_literal("answer"), ...),
        answer=(str, Field(min_length=1, max_length=options.max_answer_chars)),
    )
    variants: list[Any] = [] if options.tools_only and tools else [answer]
    if options.neighbours and not (options.tools_only and tools):
        target = _literal(*options.neighbours)
        variants.append(
            create_model(
                "Forward",
                __config__=ConfigDict(extra="forbid"),
                action=(_literal("forward"), ...),
                to=(target, ...),
                reason=(str, Field(max_length=options.max_reason_chars)),
                contribution=(str, Field(default="", max_length=options.max_answer_chars)),
            )
        )
        if options.allow_split and len(options.neighbours) >= 2:
            part = create_model(
                "Part",
                __config__=ConfigDict(extra="forbid"),
                to=(target, ...),
                task=(str, Field(min_length=1, max_length=options.max_answer_chars)),
            )
            variants.append(
                create_model(
                    "Split",
                    __config__=ConfigDict(extra="forbid"),
                    action=(_literal("split"), ...),
                    parts=(_list_of(part), Field(min_length=2, max_length=options.max_parts)),
                )
            )
    for tool in tools:
        variants.append(
            create_model(
                f"Call_{tool.name}",
                __doc__=tool.description or None,
                __config__=ConfigDict(extra="forbid"),
                action=(_literal(f"call:{tool.name}"), ...),
                arguments=(tool.args_model, ...),
            )
        )
    if len(variants) == 1:  # the model itself: a root "$ref" loses "$defs" in llama.cpp
        single: type[BaseModel] = variants[0]
        return single
    union = Annotated[Union[tuple(variants)], Field(discriminator="action")]  # type: ignore[valid-type]  # noqa: UP007
    return RootModel[union]  # type: ignore[valid-type]


def _literal(*values: str) -> Any:
    """``Literal[values]`` built at run time (a type checker cannot see through it)."""
    return Literal.__getitem__(values)


def _list_of(item: type[BaseModel]) -> Any:
    return list[item]  # type: ignore[valid-type]


def to_decision(output: BaseModel) -> Decision:
    """Convert a validated output of a `decision_type` into a plain `Decision`.

    The output was validated against a stricter type already, so the plain decision is built
    without validating it again (this sits on every hop).
    """
    value: Any = output.root if isinstance(output, RootModel) else output
    action = value.action
    if action == "answer":
        return AnswerDecision.model_construct(action="answer", answer=value.answer)
    if action == "forward":
        return ForwardDecision.model_construct(
            action="forward", to=value.to, reason=value.reason, contribution=value.contribution
        )
    if action == "split":
        parts = [SplitPartDecision.model_construct(to=p.to, task=p.task) for p in value.parts]
        return SplitDecision.model_construct(action="split", parts=parts)
    return ToolDecision(action=action, arguments=value.arguments.model_dump())
