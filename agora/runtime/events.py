"""Events a team run emits: what the terminal UI, traces and tests all read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agora.models.base import Usage
from agora.protocols.envelope import Envelope

if TYPE_CHECKING:
    from agora.runtime.result import Result

__all__ = [
    "Decided",
    "Delivered",
    "Event",
    "Finished",
    "NoFit",
    "Reviewed",
    "Thinking",
    "ToolUsed",
]


@dataclass(frozen=True, slots=True)
class Delivered:
    """An envelope was validated and delivered to its recipients."""

    envelope: Envelope


@dataclass(frozen=True, slots=True)
class Thinking:
    """An agent started working on a task it holds."""

    agent: str
    task: str


@dataclass(frozen=True, slots=True)
class ToolUsed:
    """An agent called one of its tools."""

    agent: str
    call: str
    result: str


@dataclass(frozen=True, slots=True)
class Decided:
    """An agent made its decision (``action`` is answer, forward or split)."""

    agent: str
    action: str
    detail: str
    usage: Usage


@dataclass(frozen=True, slots=True)
class NoFit:
    """No neighbour fits the task: every candidate's similarity is below `Router.min_fit`.

    The holder still goes on (the router's best choice, or its own answer); this says the
    network may lack the right expert, with the scores to show it.

    Attributes:
        agent: the holder of the task.
        task: the task text.
        scores: ``(candidate, similarity)``, best first.
        threshold: the router's ``min_fit``.
    """

    agent: str
    task: str
    scores: tuple[tuple[str, float], ...]
    threshold: float


@dataclass(frozen=True, slots=True)
class Reviewed:
    """The team's guardian judged an answer or a hand-off before it was delivered.

    Attributes:
        envelope_id: the envelope judged (its ``credibility`` is set in the trace).
        sender: who sent it.
        action: ``accept``, ``flag`` (delivered, with its credibility shown) or
            ``quarantine`` (delivered to no reader; kept in the trace).
        credibility: the verdict's credibility, in [0, 1].
        reasons: each check's finding as ``check: reason``.
    """

    envelope_id: str
    sender: str
    action: str
    credibility: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finished:
    """The run ended with an answer; `result` is what `Team.run` returns."""

    result: Result


#: Anything a run emits.
Event = Delivered | Thinking | ToolUsed | Decided | NoFit | Reviewed | Finished
