"""Who picks an agent's next subgoal: scripted priorities, a seeded coin, or any model.

Every planner sees the same `Choice`: the subgoals feasible now (`Option`s, derived from the
recipe table and the team board), the one the scripted priorities recommend, and a text
summary of its memory (goal node, unmet prerequisites, known locations, teammates' claims
and requests). Only the choice differs:

- `ScriptedChooser` takes the recommendation (CI's planner; re-decides every tick).
- `RandomChooser` takes a seeded random feasible option and keeps it until it is done or no
  longer feasible (a calibration baseline for model planners).
- `ModelChooser` asks a `Model` for one of the options as typed output — a pydantic model
  whose ``subgoal`` field is an enum of exactly the feasible labels, so even a small model
  cannot pick something that does not exist — and keeps it like `RandomChooser`. A reply
  still invalid after the model's repair retry counts in ``failures`` and the
  recommendation is taken, so one bad reply does not end a run.

Low-level movement (paths, facing, mining on the way) stays scripted for all three.

Example:
    >>> options = (Option("collect", "tree", item="wood", count=5), Option("wait"))
    >>> choice = Choice(agent="a0", role="lead", options=options, recommended=options[0])
    >>> ScriptedChooser().choose(choice).label
    'collect wood'
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, create_model

from agora.errors import ModelOutputError
from agora.evals.planning.recipes import Step, StepKind
from agora.models.base import Message, Model, ModelSettings, Usage

__all__ = [
    "Choice",
    "Chooser",
    "ModelChooser",
    "Option",
    "OptionKind",
    "RandomChooser",
    "ScriptedChooser",
]

#: What an option does: a recipe step, supplying a teammate, or waiting.
OptionKind = Literal["collect", "place", "make", "explore", "supply", "wait"]
_STEP_KINDS: frozenset[str] = frozenset({"collect", "place", "make", "explore"})


@dataclass(frozen=True, slots=True)
class Option:
    """A subgoal an agent may take up now.

    Example:
        >>> Option("supply", "stone", to="a0", count=3).label
        'supply stone to a0'
    """

    kind: OptionKind
    name: str = ""
    """The material, station, tool or (for supply) item."""
    item: str = ""
    """For collect: the item gained."""
    count: int = 0
    """For collect: how many to hold; for supply: how many the teammate asked for."""
    to: str = ""
    """For supply: the teammate."""

    @property
    def label(self) -> str:
        """The option as a goal, as memory records it and a model picks it."""
        if self.kind == "supply":
            return f"supply {self.name} to {self.to}"
        if self.kind == "wait":
            return "wait"
        step = self.step
        assert step is not None
        return step.label

    @property
    def step(self) -> Step | None:
        """The recipe step it is (``None`` for supply and wait)."""
        if self.kind not in _STEP_KINDS:
            return None
        kind: StepKind = self.kind  # type: ignore[assignment]
        return Step(kind, self.name, item=self.item, count=self.count)

    @classmethod
    def of(cls, step: Step) -> Option:
        """The option of a recipe step."""
        return cls(step.kind, step.name, item=step.item, count=step.count)


@dataclass(frozen=True, slots=True)
class Choice:
    """What a chooser decides on: the feasible options, a recommendation, the context."""

    agent: str
    role: str
    options: tuple[Option, ...]
    recommended: Option
    summary: str = ""
    tick: int = 0


class Chooser(Protocol):
    """Picks one of a `Choice`'s options."""

    #: Whether it is asked every tick (else only when its pick is done or infeasible).
    every_tick: bool

    def choose(self, choice: Choice) -> Option:
        """One of ``choice.options``."""
        ...


class ScriptedChooser:
    """Takes the scripted recommendation, every tick."""

    every_tick = True
    name = "scripted"

    def choose(self, choice: Choice) -> Option:
        """``choice.recommended``."""
        return choice.recommended


@dataclass(slots=True)
class RandomChooser:
    """A seeded random feasible option, kept until done or infeasible."""

    seed: int = 0
    every_tick: bool = False
    name: str = "random"
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def choose(self, choice: Choice) -> Option:
        """A random option (waiting only when nothing else is feasible)."""
        active = [o for o in choice.options if o.kind != "wait"] or list(choice.options)
        return self.rng.choice(active)


def _subgoal_type(labels: list[str]) -> type[BaseModel]:
    members = {f"o{i}": label for i, label in enumerate(labels)}
    subgoal = enum.Enum("Subgoal", members)  # type: ignore[misc]
    return create_model(
        "NextSubgoal",
        __config__=ConfigDict(extra="forbid"),
        subgoal=(subgoal, Field(description="The subgoal to pursue next.")),
    )


@dataclass(slots=True)
class ModelChooser:
    """Asks `model` for the next subgoal as typed output (an enum of the feasible labels)."""

    model: Model
    settings: ModelSettings = field(
        default_factory=lambda: ModelSettings(temperature=0.0, max_json_tokens=64, seed=0)
    )
    every_tick: bool = False
    calls: int = 0
    failures: int = 0
    """Replies that stayed invalid after the repair retry (the recommendation was taken)."""
    usage: Usage = field(default_factory=Usage)

    @property
    def name(self) -> str:
        """The model's name."""
        return self.model.name

    def choose(self, choice: Choice) -> Option:
        """The option the model picks (asked only when there is more than one)."""
        if len(choice.options) == 1:
            return choice.options[0]
        labels = [o.label for o in choice.options]
        output = _subgoal_type(labels)
        lines = "\n".join(f"- {label}" for label in labels)
        messages = [
            Message(
                "system",
                f"You are {choice.agent}, an agent in a team playing Crafter; the team wins "
                "when any member holds a diamond. Pick your next subgoal.",
            ),
            Message(
                "user",
                f"{choice.summary}\n\nFeasible subgoals:\n{lines}\n\n"
                'Reply with JSON: {"subgoal": <one of the subgoals>}.',
            ),
        ]
        self.calls += 1
        try:
            reply = self.model.request_sync(messages, output, settings=self.settings)
        except ModelOutputError as exc:
            self.failures += 1
            if exc.usage is not None:
                self.usage = self.usage + exc.usage
            return choice.recommended
        self.usage = self.usage + reply.usage
        picked = getattr(reply.output, "subgoal", None)
        value = getattr(picked, "value", None)
        return choice.options[labels.index(value)] if value in labels else choice.recommended
