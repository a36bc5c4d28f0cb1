"""What a `CrossTeam` run returns, and the state it builds that from (internal module)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agora.agents.pool import Pool
from agora.models.base import Usage
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Proposal
from agora.runtime.budget import BudgetTracker
from agora.runtime.result import Result

__all__ = ["CrossTeamResult", "Merge", "Progress"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Merge:
    """One aggregation call: a group of proposals merged into one.

    Attributes:
        depth: the layer, 0 for the first merge of the teams' own proposals.
        temperature: the aggregator's temperature for this call.
        sources: ids of the proposals merged.
        sources_from: their senders (teams, or the aggregator for merged ones).
        result: id of the merged proposal.
        fallback: the aggregator replied with nothing, so the first source passed on.
    """

    depth: int
    temperature: float
    sources: tuple[str, ...]
    sources_from: tuple[str, ...]
    result: str
    fallback: bool = False


@dataclass(slots=True, kw_only=True)
class CrossTeamResult:
    """The outcome of `CrossTeam.run`.

    Attributes:
        answer: the text of the last proposal standing (empty in a ``partial`` result).
        final: that proposal's envelope, signed by its team or the aggregator.
        task: the shared task's envelope, signed by ``"user"``.
        proposals: every proposal pooled, the teams' own, revised and merged ones, in order.
        insights: every insight pooled.
        scores: the objective score of each proposal scored for pruning, by id.
        pruned: ids of the proposals pruning left out.
        merges: every aggregation call, in order.
        runs: each team's runs (a second one where it revised with insights), by team.
        usage: model usage by team name and by the aggregator's name.
        elapsed_s: wall time of the whole run.
    """

    answer: str
    final: Envelope | None
    task: Envelope
    proposals: list[Envelope] = field(default_factory=list)
    insights: list[Envelope] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    runs: dict[str, list[Result]] = field(default_factory=dict)
    usage: dict[str, Usage] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def total_usage(self) -> Usage:
        """Usage summed over all teams and the aggregator."""
        return sum(self.usage.values(), Usage())

    @property
    def depth(self) -> int:
        """Aggregation layers the run used (0: one proposal, nothing merged)."""
        return max((merge.depth + 1 for merge in self.merges), default=0)


@dataclass(slots=True, kw_only=True)
class Progress:
    """A run in the making: its pool, budget tracker and what it recorded so far."""

    task: Envelope
    pool: Pool
    tracker: BudgetTracker
    started: float = field(default_factory=time.perf_counter)
    scores: dict[str, float] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    runs: dict[str, list[Result]] = field(default_factory=dict)
    usage: dict[str, Usage] = field(default_factory=dict)

    def result(self, final: Envelope | None = None) -> CrossTeamResult:
        """The result so far; `final` is the answer's proposal (``None``: unfinished)."""
        answer = final.payload.text if final and isinstance(final.payload, Proposal) else ""
        return CrossTeamResult(
            answer=answer,
            final=final,
            task=self.task,
            proposals=list(self.pool.proposals),
            insights=list(self.pool.insights),
            scores=dict(self.scores),
            pruned=list(self.pruned),
            merges=list(self.merges),
            runs={name: list(runs) for name, runs in self.runs.items()},
            usage=dict(self.usage),
            elapsed_s=time.perf_counter() - self.started,
        )
