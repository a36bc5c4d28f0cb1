"""`Agent`: a name, a model, an expertise, tools, and the typed decision it makes about a task."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel

from agora.agents._agent_args import check_decide, check_handoff, check_options
from agora.agents.aggregate import Aggregation
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
from agora.agents.prompts import (
    answer_messages,
    decision_messages,
    synthesis_messages,
    system_prompt,
)
from agora.agents.routing import Route
from agora.agents.tools import Tool, ToolContext, as_tool
from agora.errors import ConfigError, ModelOutputError, ToolError
from agora.models.base import Message, Model, ModelSettings, Usage
from agora.models.spec import DEFAULT_SPEC, model_from_spec
from agora.protocols.envelope import new_id
from agora.protocols.payloads import MAX_SHORT

__all__ = ["Agent", "Decided"]

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


@dataclass(slots=True)
class _Turn:
    """One decision in the making: what the agent was given, and what it did so far."""

    task: str
    context: str
    neighbours: dict[str, str]
    allow_split: bool
    handoff: Sequence[tuple[str, str]]
    tools: list[Tool]  # narrowed to the task
    calls: ToolContext
    outcome: Decided = field(default_factory=lambda: Decided(_UNDECIDED))
    succeeded: bool = False  # a tool call has succeeded


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
        tool_choice: ``"auto"`` (default): the model may call a tool, answer, forward or
            split. ``"required"``: until a tool call succeeds, the model's output type offers
            tool calls only, so even a tiny model calls one.
        tool_use_behavior: ``"run_llm_again"`` (default): after a tool call the model
            decides again, seeing its result. ``"stop_on_first_tool"``: the first successful
            tool call's result is the agent's answer (no further model call), as for a
            calculator whose output is the answer.

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
        tool_choice: Literal["auto", "required"] = "auto",
        tool_use_behavior: Literal["run_llm_again", "stop_on_first_tool"] = "run_llm_again",
    ) -> None:
        check_options(
            name=name,
            expertise=expertise,
            instructions=instructions,
            max_answer_chars=max_answer_chars,
            max_tool_calls=max_tool_calls,
            settings=settings,
            policy=policy,
            aggregate=aggregate,
            max_neighbours=max_neighbours,
            tools=tools,
            tool_choice=tool_choice,
            tool_use_behavior=tool_use_behavior,
        )
        self.tool_choice: Literal["auto", "required"] = tool_choice
        self.tool_use_behavior: Literal["run_llm_again", "stop_on_first_tool"] = tool_use_behavior
        self.policy: Literal["model", "router"] = policy
        self.aggregate: Aggregation = aggregate
        self.max_neighbours = max_neighbours
        self.name = name
        self.model = model_from_spec(model)
        self.expertise = expertise
        self.instructions = instructions
        self.tools = [as_tool(tool) for tool in tools]
        if tool_choice == "required" and not self.tools:
            raise ConfigError("tool_choice='required' needs at least one tool in tools=[...]")
        names = [tool.name for tool in self.tools]
        if len(set(names)) != len(names):
            raise ConfigError(f"agent {name!r} has two tools with the same name: {names}")
        self.max_answer_chars = max_answer_chars
        self.max_tool_calls = max_tool_calls
        self.settings = settings or ModelSettings()
        self.system = system_prompt(name, expertise, instructions)
        self._decision_types: dict[tuple[Any, ...], type[BaseModel]] = {}

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
        handoff: Sequence[tuple[str, str]] = (),
        tool_context: ToolContext | None = None,
    ) -> Decided:
        """Decide what to do with `task`: answer, forward to a neighbour, split, or consult.

        Args:
            task: the task text.
            context: background from the sender.
            neighbours: agents this one may hand the task to, by name, with their expertise.
            allow_split: whether splitting is allowed here.
            route: the router's ranking of the neighbours (and of this agent); a
                ``policy="router"`` agent follows it.
            handoff: ``(agent, contribution)`` pairs: the work earlier agents did on the
                task before handing it on, oldest first; the model builds on it.
            tool_context: the run and step this decision belongs to; tool calls get it with
                their index (default: a one-off context with a random run id).

        Raises:
            ModelOutputError: the model gave no valid decision even after the repair retry.
            UserError: an argument of the wrong type (`task` must be non-empty text).
        """
        check_decide(task, context, neighbours, allow_split, route)
        check_handoff(handoff, tool_context)
        neighbours = dict(neighbours or {})
        if self.policy == "router" and route is not None:
            routed = self._follow(route, neighbours)
            if routed is not None:
                return Decided(routed)
            neighbours = {}  # the router chose this agent: answer
        calls = tool_context or ToolContext(run_id=new_id(), agent=self.name, step="decide")
        narrowed = [tool.for_task(task) for tool in self.tools]
        turn = _Turn(task, context, neighbours, allow_split, handoff, narrowed, calls)
        while True:
            tools = turn.tools if len(turn.outcome.tool_calls) < self.max_tool_calls else []
            if not turn.neighbours and not tools:  # answering is the only decision left
                return await self._answer_plainly(turn)
            decision = await self._ask(turn, tools)
            if not isinstance(decision, ToolDecision):
                turn.outcome.decision = _merge_parts(decision)
                return turn.outcome
            if await self._use_tool(turn, decision):
                return turn.outcome

    async def _ask(self, turn: _Turn, tools: Sequence[Tool]) -> Decision:
        """One typed decision from the model, given the turn so far and the tools on offer."""
        must_call = bool(tools) and self.tool_choice == "required" and not turn.succeeded
        neighbours = turn.neighbours
        output_type = self._decision_type(tuple(neighbours), turn.allow_split, tools, must_call)
        messages = decision_messages(
            system=self.system,
            task=turn.task,
            context=turn.context,
            neighbours=neighbours,
            tools=tools,
            tool_results=turn.outcome.tool_calls,
            allow_split=turn.allow_split,
            handoff=turn.handoff,
            tools_only=must_call,
        )
        outcome = turn.outcome
        try:
            response = await self.model.request(messages, output_type, settings=self.settings)
        except ModelOutputError as exc:  # what the decision cost so far still counts
            exc.usage = outcome.usage + (exc.usage or Usage())
            raise
        outcome.usage = outcome.usage + response.usage
        assert response.output is not None
        return to_decision(response.output)

    async def _use_tool(self, turn: _Turn, decision: ToolDecision) -> bool:
        """Call the tool; true when its result is the answer (``stop_on_first_tool``)."""
        outcome = turn.outcome
        context = replace(turn.calls, call=len(outcome.tool_calls))
        call, result, turn.succeeded = await self._call_tool(decision, turn.tools, context)
        outcome.tool_calls.append((call, result))
        if turn.succeeded and self.tool_use_behavior == "stop_on_first_tool":
            answer = result[: self.max_answer_chars] or "(empty result)"
            outcome.decision = AnswerDecision.model_construct(action="answer", answer=answer)
            return True
        return False

    async def _answer_plainly(self, turn: _Turn) -> Decided:
        """Ask for a plain-text answer: with one possible action there is nothing to decide.

        Small models write far better text than JSON-wrapped text. A reply that is itself a
        JSON answer decision (``{"action": "answer", "answer": ...}``) is read as one.
        """
        outcome = turn.outcome
        messages = answer_messages(
            system=self.system,
            task=turn.task,
            context=turn.context,
            tool_results=outcome.tool_calls,
            handoff=turn.handoff,
        )
        response = await self.model.request(messages, settings=self.settings)
        outcome.usage = outcome.usage + response.usage
        text = _clip(_unwrap_answer(response.text).strip(), self.max_answer_chars)
        if not text:
            raise ModelOutputError(
                f"agent {self.name!r} gave an empty answer; use a larger model or raise "
                "max_tokens in its settings",
                raw=response.text,
                usage=outcome.usage,
            )
        outcome.decision = AnswerDecision.model_construct(action="answer", answer=text)
        return outcome

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
        self,
        neighbours: tuple[str, ...],
        allow_split: bool,
        tools: Sequence[Tool],
        must_call: bool,
    ) -> type[BaseModel]:
        key = (neighbours, allow_split, tuple(tool.args_model for tool in tools), must_call)
        cached = self._decision_types.get(key)
        if cached is None:
            options = DecisionOptions(
                neighbours=neighbours,
                allow_split=allow_split,
                tools=tuple(tool.name for tool in tools),
                max_answer_chars=self.max_answer_chars,
                tools_only=must_call,
            )
            cached = self._decision_types[key] = decision_type(options, tools)
        return cached

    async def _call_tool(
        self, decision: ToolDecision, tools: Sequence[Tool], context: ToolContext
    ) -> tuple[str, str, bool]:
        """``(call, result, succeeded)``; a failure's result tells the model what went wrong."""
        name = decision.action.removeprefix("call:")
        tool = next(tool for tool in tools if tool.name == name)
        call = f"{name}({decision.arguments})"
        try:
            return call, await tool.call(decision.arguments, context), True
        except ToolError as exc:
            return call, f"error: {exc}", False

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


def _unwrap_answer(text: str) -> str:
    """The answer inside a JSON answer decision, else `text` itself."""
    stripped = text.strip()
    if stripped.startswith("{") and '"answer"' in stripped:
        try:
            data = json.loads(stripped)
        except ValueError:
            return text
        if (
            isinstance(data, dict)
            and data.get("action") == "answer"
            and isinstance(data.get("answer"), str)
            and set(data) <= {"action", "answer", "confidence"}
        ):
            return str(data["answer"])
    return text


def _clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, at the last sentence end when one is near the cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(mark) for mark in (". ", "! ", "? ", "\n"))
    return cut[: end + 1].rstrip() if end >= limit // 2 else cut.rstrip()


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
