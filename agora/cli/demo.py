"""``agora demo``: a four-agent team on the embedded local model, shown as it works.

The team is built so that a 135M-parameter model answers right by design, not by luck:

- the entry agent routes with the team's router (offline MiniLM embeddings of the task
  against each expert's expertise), so no model call decides where a task goes;
- the geographer and the mathematician must call their tool (``tool_choice="required"``),
  and the tool's result is their answer (``tool_use_behavior="stop_on_first_tool"``). The
  tools' arguments are constrained by llama.cpp's grammar: the atlas takes a country and a
  fact from enums (data from the ``countryinfo`` package), the calculator an expression of
  digits and operators only. The model only has to copy ``12 * 7`` or pick ``Peru``;
  the computing and the knowing are done by code and data;
- the writer answers in free text, bounded in length, with nearly greedy sampling.

Point ``--model`` at a larger model and the same team forwards, splits and writes far better.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TypedDict

from rich.console import Console

from agora.agents.agent import Agent
from agora.agents.routing import Router
from agora.cli.atlas import atlas_tool
from agora.cli.calculator import calculate_tool
from agora.cli.render import LiveView, PlainView
from agora.models.base import Model, ModelSettings
from agora.runtime.budget import Budget
from agora.runtime.result import Result
from agora.runtime.team import Team

__all__ = ["DEMO_EDGES", "DEMO_TASK", "EXPERTISE", "build_demo_team", "run_demo"]

#: The task run when ``agora demo`` is given none.
DEMO_TASK = "What is the capital of France?"

#: Who may hand a task to whom: the triage desk to each expert.
DEMO_EDGES = [
    ("triage", "geographer"),
    ("triage", "mathematician"),
    ("triage", "writer"),
]

#: Each expert's expertise, as the router sees it: neutral definitions of the three fields,
#: written before the demo's eval questions were (see `agora.evals.demo`).
EXPERTISE = {
    "geographer": "geography: countries, capital cities, populations, regions and borders",
    "mathematician": "arithmetic: numbers, sums, differences, products, quotients and powers",
    "writer": "writing and general knowledge: poems, stories, summaries, definitions, explanations",
}

_SETTINGS = ModelSettings(temperature=0.1, max_tokens=160)
_MAX_ANSWER = 240


class _Bounded(TypedDict):
    max_answer_chars: int
    settings: ModelSettings


def build_demo_team(
    model: Model,
    *,
    max_hops: int | None = 12,
    router: Router | None = None,
    seed: int | None = None,
) -> Team:
    """The demo team, every agent on the same `model` (so weights load once).

    Args:
        model: the model all four agents share.
        max_hops: the team's delivery budget (``None``: unlimited).
        router: the entry agent's router (default: top-1 on the offline MiniLM embedder).
        seed: the sampling seed of every agent's calls (default: the model's own).

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> from agora.testing import ScriptedModel
        >>> team = build_demo_team(ScriptedModel([]), router=Router(HashEmbedder()))
        >>> team.entry, team.neighbours("triage")
        ('triage', ('geographer', 'mathematician', 'writer'))
    """
    settings = _SETTINGS if seed is None else replace(_SETTINGS, seed=seed)
    bounded: _Bounded = {"max_answer_chars": _MAX_ANSWER, "settings": settings}
    agents = [
        Agent("triage", model, "", policy="router", **bounded),
        Agent(
            "geographer",
            model,
            EXPERTISE["geographer"],
            tools=[atlas_tool()],
            tool_choice="required",
            tool_use_behavior="stop_on_first_tool",
            instructions="Look the answer up with the atlas tool.",
            **bounded,
        ),
        Agent(
            "mathematician",
            model,
            EXPERTISE["mathematician"],
            tools=[calculate_tool()],
            tool_choice="required",
            tool_use_behavior="stop_on_first_tool",
            instructions="Write the task's arithmetic as an expression for the calculate tool.",
            **bounded,
        ),
        Agent(
            "writer",
            model,
            EXPERTISE["writer"],
            instructions="Write what the task asks for, briefly.",
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
        >>> call = {"action": "call:atlas", "arguments": {"country": "France", "fact": "capital"}}
        >>> model = ScriptedModel([call])
        >>> console = Console(file=io.StringIO())
        >>> run_demo("Capital of France?", model=model, console=console, tui=False).answer
        'The capital of France is Paris.'
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
