"""``agora demo``: a four-agent team on the embedded local model, shown as it works.

The team is built for a tiny model: the entry agent routes with the team's router (offline
MiniLM embeddings of the task against each expert's expertise, no model call), every agent's
answer is bounded, and sampling is nearly greedy. Point ``--model`` at a larger model and the
experts answer, forward and use their tool far better.
"""

from __future__ import annotations

import time
from typing import TypedDict

from rich.console import Console

from agora.agents.agent import Agent
from agora.agents.router import Router
from agora.cli.calculator import calculate
from agora.cli.render import LiveView, PlainView
from agora.models.base import Model, ModelSettings
from agora.runtime.budget import Budget
from agora.runtime.result import Result
from agora.runtime.team import Team

__all__ = ["DEMO_EDGES", "DEMO_TASK", "build_demo_team", "run_demo"]

#: The task run when ``agora demo`` is given none.
DEMO_TASK = "What is the capital of France?"

#: Who may hand a task to whom.
DEMO_EDGES = [
    ("triage", "geographer"),
    ("triage", "mathematician"),
    ("triage", "writer"),
    ("geographer", "writer"),
    ("mathematician", "writer"),
]

_SETTINGS = ModelSettings(temperature=0.1, max_tokens=160)
_MAX_ANSWER = 240


class _Bounded(TypedDict):
    max_answer_chars: int
    settings: ModelSettings


def build_demo_team(
    model: Model, *, max_hops: int | None = 12, router: Router | None = None
) -> Team:
    """The demo team, every agent on the same `model` (so weights load once).

    Args:
        model: the model all four agents share.
        max_hops: the team's delivery budget (``None``: unlimited).
        router: the entry agent's router (default: top-1 on the offline MiniLM embedder).

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> from agora.testing import ScriptedModel
        >>> team = build_demo_team(ScriptedModel([]), router=Router(HashEmbedder()))
        >>> team.entry, team.neighbours("geographer")
        ('triage', ('writer',))
    """
    bounded: _Bounded = {"max_answer_chars": _MAX_ANSWER, "settings": _SETTINGS}
    agents = [
        Agent("triage", model, "", policy="router", **bounded),
        Agent(
            "geographer",
            model,
            "geography: countries, capital cities, rivers, maps",
            instructions="Answer in one short sentence.",
            **bounded,
        ),
        Agent(
            "mathematician",
            model,
            "arithmetic: numbers, sums, products",
            tools=[calculate],
            instructions="Use the calculate tool for arithmetic, then answer with the number.",
            **bounded,
        ),
        Agent(
            "writer",
            model,
            "short explanations and summaries",
            instructions="Answer in one or two short sentences.",
            **bounded,
        ),
    ]
    return Team(agents, DEMO_EDGES, entry="triage", budget=Budget(hops=max_hops), router=router)


def run_demo(
    task: str,
    *,
    model: Model,
    console: Console,
    tui: bool,
    max_hops: int | None = 12,
    router: Router | None = None,
) -> Result:
    """Run the demo team on `task`, rendering its events to `console`.

    Args:
        task: the question for the team.
        model: the model every agent shares.
        console: where the output goes.
        tui: a live terminal display when true; one plain line per event otherwise.
        max_hops: the team's delivery budget.
        router: the entry agent's router (default: top-1 on the offline MiniLM embedder).

    Raises:
        AgoraError: the team could not answer (see `Team.run`).

    Example:
        >>> import io
        >>> from agora.testing import ScriptedModel
        >>> model = ScriptedModel([{"action": "answer", "answer": "Paris"}])
        >>> console = Console(file=io.StringIO())
        >>> run_demo("Capital of France?", model=model, console=console, tui=False).answer
        'Paris'
    """
    team = build_demo_team(model, max_hops=max_hops, router=router)
    view_type = LiveView if tui else PlainView
    with view_type(console, team, task, model=model.name) as view:
        load = getattr(model, "load", None)
        if callable(load):  # local weights: load them now, in view, not inside the first call
            view.loading()
            started = time.perf_counter()
            load()
            view.loaded(time.perf_counter() - started)
        return team.run_sync(task, on_event=view.on_event)
