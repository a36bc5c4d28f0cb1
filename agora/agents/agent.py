"""`Agent`: a name, a model, an expertise, tools, and the typed decision it makes about a task."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from agora._checks import check_bool, check_text
from agora.agents.aggregate import AGGREGATIONS, Aggregation
from agora.agents.decision import (
    AnswerDecision,
    ConsultDecision,
    Decision,
    DecisionOptions,
    ForwardDecision,
    SplitDecision,
    SplitPartDecision,
    ToolDecision,
    decision_type,
    to_decision,
)
from agora.agents.prompts import decision_messages, synthesis_messages, system_prompt
from agora.agents.router import Route
from agora.agents.tools import Tool, as_tool
from agora.errors import ConfigError, ModelOutputError, ToolError, UserError
from agora.models.base import Message, Model, ModelSettings, Usage
from agora.models.spec import DEFAULT_SPEC, model_from_spec
from agora.protocols.conversation import USER
from agora.protocols.payloads import MAX_SHORT, MAX_TEXT

__all__ = ["Agent", "Decided"]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_UNDECIDED = AnswerDecision.model_construct(action="answer", answer="")


@dataclass(slots=True)
class Decided:
    """The outcome of `Agent.decide`: the final decision and what it cost.

    Attributes:
        decision: answer, forward or split (tool calls are resolved before this returns).
        usage: model usage summed over every call made while deciding.
        tool_calls: ``(call, result)`` pairs, in order.
    """

    decision: AnswerDecision | ForwardDecision | SplitDecision | ConsultDecision
    usage: Usage = field(default_factory=Usage)
    tool_calls: list[tuple[str, str]] = field(default_factory=list)


class Agent:
    """An agent: it holds tasks and decides, with its own model, what to do with each.

    Args:
        name: unique within a team; letters, digits, ``_``, ``-``, ``.``.
        model: a `Model` or a model spec (default ``"local"``, the embedded GGUF model).
        expertise: what the agent is good at; neighbours see it when routing.
        tools: functions (or `Tool` objects) the agent may call while deciding.
        instructions: extra system-prompt text.
        max_answer_chars: bound on answer length (keeps small models from rambling).
        max_tool_calls: tool calls allowed per decision before the agent must answer.
        settings: sampling settings for this agent's calls.
        policy: who decides where a task goes. ``"model"`` (default): the agent's model
            chooses answer, forward or split among the neighbours it is offered (ranked by the
            team's router when it has one). ``"router"``: the router decides with no model
            call — forward to its top expert, consult several experts at once when it
            chooses more than one, and answer with the model only when the agent itself
            ranks first or has no neighbour left (AgentNet's router + executor).
        aggregate: how a ``"router"`` agent combines a consult's answers: ``"vote"``,
            ``"weighted"`` or ``"synthesize"`` (its model writes one answer from them).
        max_neighbours: neighbours offered to the model at most (the router's best ones);
            keeps prompts and output schemas small in large networks.

    Example:
        >>> from agora.testing import ScriptedModel
        >>> agent = Agent("geo", ScriptedModel(['{"action": "answer", "answer": "Paris"}']),
        ...               expertise="geography")
        >>> agent.decide_sync("Capital of France?").decision.answer
        'Paris'
    """

    def __init__(
        self,
        name: str,
        model: Model | str = DEFAULT_SPEC,
        expertise: str = "",
        *,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        instructions: str = "",
        max_answer_chars: int = 1000,
        max_tool_calls: int = 4,
        settings: ModelSettings | None = None,
        policy: Literal["model", "router"] = "model",
        aggregate: Aggregation = "vote",
        max_neighbours: int = 8,
    ) -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigError(
                f"agent name {name!r} must be 1-64 characters of letters, digits, '_', '-', '.'"
            )
        if name == USER:
            raise ConfigError(f"{USER!r} is reserved for the caller of a team; rename the agent")
        if not _is_int(max_answer_chars) or not 1 <= max_answer_chars <= MAX_TEXT:
            raise ConfigError(f"max_answer_chars must be an int in [1, {MAX_TEXT}]")
        if not _is_int(max_tool_calls) or max_tool_calls < 0:
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
        if not _is_int(max_neighbours) or max_neighbours < 1:
            raise ConfigError("max_neighbours must be an int >= 1")
        if isinstance(tools, str | bytes) or not isinstance(tools, Iterable):
            raise ConfigError(f"tools must be a list of functions or Tools, got {tools!r}")
        self.policy: Literal["model", "router"] = policy
        self.aggregate: Aggregation = aggregate
        self.max_neighbours = max_neighbours
        self.name = name
        self.model = model_from_spec(model)
        self.expertise = expertise
        self.instructions = instructions
        self.tools = [as_tool(tool) for tool in tools]
        names = [tool.name for tool in self.tools]
        if len(set(names)) != len(names):
            raise ConfigError(f"agent {name!r} has two tools with the same name: {names}")
        self.max_answer_chars = max_answer_chars
        self.max_tool_calls = max_tool_calls
        self.settings = settings or ModelSettings()
        self.system = system_prompt(name, expertise, instructions)
        self._decision_types: dict[tuple[tuple[str, ...], bool, bool], type[BaseModel]] = {}

    def __repr__(self) -> str:
        return f"Agent({self.name!r}, model={self.model.name!r}, expertise={self.expertise!r})"

    async def decide(
        self,
        task: str,
        *,
        context: str = "",
        neighbours: Mapping[str, str] | None = None,
        allow_split: bool = True,
        route: Route | None = None,
    ) -> Decided:
        """Decide what to do with `task`: answer, forward to a neighbour, split, or consult.

        Args:
            task: the task text.
            context: background from the sender.
            neighbours: agents this one may hand the task to, by name, with their expertise.
            allow_split: whether splitting is allowed here.
            route: the router's ranking of the neighbours (and of this agent); a
                ``policy="router"`` agent follows it.

        Raises:
            ModelOutputError: the model gave no valid decision even after the repair retry.
            UserError: an argument of the wrong type (`task` must be non-empty text).
        """
        _check_decide(task, context, neighbours, allow_split, route)
        neighbours = dict(neighbours or {})
        if self.policy == "router" and route is not None:
            routed = self._follow(route, neighbours)
            if routed is not None:
                return Decided(routed)
            neighbours = {}  # the router chose this agent: answer
        outcome = Decided(_UNDECIDED)
        while True:
            tools = self.tools if len(outcome.tool_calls) < self.max_tool_calls else []
            output_type = self._decision_type(tuple(neighbours), allow_split, bool(tools))
            messages = decision_messages(
                system=self.system,
                task=task,
                context=context,
                neighbours=neighbours,
                tools=tools,
                tool_results=outcome.tool_calls,
                allow_split=allow_split,
            )
            try:
                response = await self.model.request(messages, output_type, settings=self.settings)
            except ModelOutputError as exc:  # what the decision cost so far still counts
                exc.usage = outcome.usage + (exc.usage or Usage())
                raise
            outcome.usage = outcome.usage + response.usage
            assert response.output is not None
            decision = to_decision(response.output)
            if not isinstance(decision, ToolDecision):
                outcome.decision = _merge_parts(decision)
                return outcome
            outcome.tool_calls.append(await self._call_tool(decision))

    def _follow(
        self, route: Route, neighbours: Mapping[str, str]
    ) -> ForwardDecision | ConsultDecision | None:
        """The router's decision, or ``None`` when this agent should answer itself."""
        experts = [name for name in route.experts if name in neighbours]
        if route.primary == self.name or not experts:
            return None
        if len(experts) == 1:
            reason = f"router: {route.probability(experts[0]):.2f}"
            return ForwardDecision(action="forward", to=experts[0], reason=reason)
        return ConsultDecision(
            action="consult",
            experts=experts,
            weights=[route.probability(name) for name in experts],
            aggregate=self.aggregate,
        )

    def _decision_type(
        self, neighbours: tuple[str, ...], allow_split: bool, with_tools: bool
    ) -> type[BaseModel]:
        key = (neighbours, allow_split, with_tools)
        cached = self._decision_types.get(key)
        if cached is None:
            tools = self.tools if with_tools else []
            options = DecisionOptions(
                neighbours=neighbours,
                allow_split=allow_split,
                tools=tuple(tool.name for tool in tools),
                max_answer_chars=self.max_answer_chars,
            )
            cached = self._decision_types[key] = decision_type(options, tools)
        return cached

    async def _call_tool(self, decision: ToolDecision) -> tuple[str, str]:
        name = decision.action.removeprefix("call:")
        tool = next(tool for tool in self.tools if tool.name == name)
        call = f"{name}({decision.arguments})"
        try:
            return call, await tool.call(decision.arguments)
        except ToolError as exc:
            return call, f"error: {exc}"

    async def synthesize(self, task: str, parts: Sequence[tuple[str, str]]) -> tuple[str, Usage]:
        """Combine the answers of the agents a task was split among into one answer."""
        response = await self.model.request(
            synthesis_messages(system=self.system, task=task, parts=parts),
            settings=self.settings,
        )
        text = response.text.strip()[: self.max_answer_chars]
        if not text:
            raise ModelOutputError(f"agent {self.name!r} produced an empty synthesis", raw="")
        return text, response.usage

    async def ask(self, question: str) -> str:
        """Ask the agent's model a plain question, outside any team (handy in notebooks)."""
        response = await self.model.request(
            [Message("system", self.system), Message("user", question)], settings=self.settings
        )
        return response.text

    def decide_sync(self, task: str, **kwargs: Any) -> Decided:
        """`decide` for scripts and notebooks."""
        from agora._sync import run_sync

        return run_sync(self.decide(task, **kwargs))


def _check_decide(
    task: object, context: object, neighbours: object, allow_split: object, route: object
) -> None:
    check_text(task, "task", empty=False, limit=MAX_TEXT, error=UserError)
    check_text(context, "context", limit=MAX_TEXT, error=UserError)
    if neighbours is not None:
        if not isinstance(neighbours, Mapping):
            raise UserError(f"neighbours must map names to expertise, got {neighbours!r}")
        for name, expertise in neighbours.items():
            check_text(name, "a neighbour's name", empty=False, error=UserError)
            check_text(expertise, f"expertise of neighbour {name!r}", error=UserError)
    check_bool(allow_split, "allow_split", error=UserError)
    if route is not None and not isinstance(route, Route):
        raise UserError(f"route must be a Route from Router.route, got {type(route).__name__}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _merge_parts(decision: Decision) -> AnswerDecision | ForwardDecision | SplitDecision:
    """Merge split parts addressed to the same agent; a one-target split becomes a forward."""
    if not isinstance(decision, SplitDecision):
        assert not isinstance(decision, ToolDecision)
        return decision
    merged: dict[str, list[str]] = {}
    for part in decision.parts:
        merged.setdefault(part.to, []).append(part.task)
    if len(merged) == 1:  # the whole task goes to that one agent
        ((to, tasks),) = merged.items()
        return ForwardDecision(action="forward", to=to, reason="; ".join(tasks)[:MAX_SHORT])
    return SplitDecision(
        action="split",
        parts=[SplitPartDecision(to=to, task=" ".join(tasks)) for to, tasks in merged.items()],
    )
