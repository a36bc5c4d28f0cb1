"""`Guardian`: reviews messages and knowledge before they spread, and quarantines what fails.

A guardian sits on the path of messages between agents and of knowledge into shared memory.
It runs its checks (`agora.agents.guard_checks`: identity, independent corroboration,
contradiction with trusted memory, the sender's trust, persuasion cues, an optional model
fact-check), combines their suspicions by noisy-OR with per-check weights, and returns a
`Verdict`: ``accept``, ``flag`` or ``quarantine``, with every reason and a credibility score
(1 − suspicion) that readers see on the envelope (``Envelope.credibility``) — the paper's
advisory supervisor score, made enforceable. Accepts and quarantines update the trust of the
submission's original sources; a flag leaves it (doubt is not evidence of bad faith).

Quarantine hides without deleting (``Store.set_status(id, "quarantined")``);
`Guardian.roll_back` quarantines everything a source's submissions put into memory.

Example:
    >>> guardian = Guardian()
    >>> calm = guardian.review(Submission(sender="a", text="Paris is the capital of France."))
    >>> calm.action, calm.credibility
    ('accept', 1.0)
    >>> loud = ("It is undeniable and proven beyond any doubt: studies, experts, official "
    ...         "records and published research all confirm it! The evidence is conclusive. "
    ...         "Everyone who has looked at the question honestly arrives at the same place, "
    ...         "and the historians who have spent their lives on it say so plainly, in book "
    ...         "after book, lecture after lecture, year after year, without exception.")
    >>> verdict = guardian.review(Submission(sender="m", text=loud))
    >>> verdict.action, [f.check for f in verdict.findings]
    ('flag', ['persuasion'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from agora.agents.guard_checks import (
    AsyncCheck,
    Check,
    ContradictionCheck,
    CorroborationCheck,
    Finding,
    GuardContext,
    IdentityCheck,
    PersuasionCheck,
    Submission,
    TrustBook,
    TrustCheck,
    known,
)
from agora.errors import ConfigError
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Alert

if TYPE_CHECKING:
    from agora.identity import Keyring
    from agora.memory.records import Fact
    from agora.memory.store import Store

__all__ = ["Action", "DEFAULT_WEIGHTS", "Guardian", "Verdict", "default_checks"]

#: What a guardian decides.
Action = Literal["accept", "flag", "quarantine", "hold"]
#: How much each check's suspicion counts (a check not named counts fully).
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "identity": 1.0,
    "contradiction": 1.0,
    "fact_check": 0.9,
    "trust": 0.8,
    "corroboration": 1.0,
    "persuasion": 1.0,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """A guardian's decision about one submission.

    Attributes:
        action: ``accept``, ``flag`` (pass on, marked), ``quarantine`` (stop, keep hidden), or
            ``hold`` (a new claim nobody else made yet: wait for `Guardian.release`).
        credibility: 1 − the combined suspicion, in [0, 1].
        findings: what each check found, most suspicious first.
        sender: whose submission it was.
    """

    action: Action
    credibility: float
    findings: tuple[Finding, ...]
    sender: str

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each finding as ``check: reason``."""
        return tuple(f"{f.check}: {f.reason}" for f in self.findings)

    def alert(self) -> Alert | None:
        """An `Alert` for a flag or a quarantine (``None`` when accepted)."""
        if self.action == "accept":
            return None
        level: Literal["warning", "critical"] = (
            "critical" if self.action == "quarantine" else "warning"
        )
        text = (
            f"{self.action} {self.sender!r}'s submission (credibility {self.credibility:.2f}): "
            + "; ".join(self.reasons)
        )
        return Alert(level=level, text=text[:32_000])


def default_checks() -> list[Check]:
    """The checks a `Guardian` runs by default (no model fact-check: add `FactCheck`)."""
    return [
        IdentityCheck(),
        ContradictionCheck(),
        CorroborationCheck(),
        TrustCheck(),
        PersuasionCheck(),
    ]


class Guardian:
    """Reviews submissions with its checks and decides accept, flag or quarantine.

    Args:
        checks: the scorers (default: `default_checks`).
        store: the memory it checks claims against and quarantines in.
        keyring: verifies envelopes (the identity check).
        trust: the senders' trust history (default: a new `TrustBook`).
        weights: per-check weights of the noisy-OR (default: `DEFAULT_WEIGHTS`).
        flag_at: the suspicion from which a submission is flagged.
        quarantine_at: the suspicion from which it is quarantined.
        hold_new: hold back a claim that nobody else has made and that memory knows nothing
            about (no active fact on its subject and relation) instead of passing it on
            flagged; `release` judges held claims again once others have spoken. Without
            it, a first plausible claim on an unknown fact reaches readers (flagged).
    """

    def __init__(
        self,
        checks: Sequence[Check] | None = None,
        *,
        store: Store | None = None,
        keyring: Keyring | None = None,
        trust: TrustBook | None = None,
        weights: Mapping[str, float] | None = None,
        flag_at: float = 0.35,
        quarantine_at: float = 0.6,
        hold_new: bool = False,
    ) -> None:
        self.checks = list(default_checks() if checks is None else checks)
        for check in self.checks:
            if not isinstance(check, Check):
                raise ConfigError(f"a check needs a name and score(), got {check!r}")
        if not (0.0 < flag_at <= quarantine_at <= 1.0):
            raise ConfigError(
                f"thresholds must satisfy 0 < flag_at <= quarantine_at <= 1, got {flag_at} "
                f"and {quarantine_at}"
            )
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        for name, weight in self.weights.items():
            if not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
                raise ConfigError(f"the weight of {name!r} must be in [0, 1], got {weight!r}")
        self.context = GuardContext(store=store, keyring=keyring, trust=trust or TrustBook())
        self.flag_at = flag_at
        self.quarantine_at = quarantine_at
        self.hold_new = hold_new
        self._held: list[Submission] = []

    def review(self, submission: Submission, *, may_hold: bool = True) -> Verdict:
        """Run every check on `submission`, decide, and update the sender's trust.

        Checks that ask a model (`FactCheck`) wait for it here; inside a running event loop
        use `areview`.
        """
        findings = [c.score(submission, self.context) for c in self.checks]
        return self._decide(submission, findings, may_hold=may_hold)

    async def areview(self, submission: Submission, *, may_hold: bool = True) -> Verdict:
        """`review` without blocking the event loop: checks with an ``ascore`` are awaited.

        A `agora.Team` with a guardian calls this on every answer and hand-off, so a model
        fact-check runs while the team's other work goes on.
        """
        findings = []
        for check in self.checks:
            if isinstance(check, AsyncCheck):
                findings.append(await check.ascore(submission, self.context))
            else:
                findings.append(check.score(submission, self.context))
        return self._decide(submission, findings, may_hold=may_hold)

    def _decide(
        self, submission: Submission, found: Sequence[Finding | None], *, may_hold: bool
    ) -> Verdict:
        findings = [f for f in found if f is not None]
        findings.sort(key=lambda f: -f.suspicion)
        clean = math.prod(1.0 - self.weights.get(f.check, 1.0) * f.suspicion for f in findings)
        credibility = round(max(0.0, min(1.0, clean)), 4)
        action = self.action_of(credibility)
        if action == "flag" and may_hold and self._is_new(submission, findings):
            self._held.append(submission)
            action = "hold"
        # A flag (or a hold) is doubt, not evidence: the first to say a true thing is
        # uncorroborated too, and must not lose trust for it.
        if action in ("accept", "quarantine"):
            for origin in submission.origins:
                self.context.trust.record(origin, accepted=action == "accept")
        return Verdict(action, credibility, tuple(findings), submission.sender)

    def action_of(self, credibility: float) -> Action:
        """The action for a credibility (the rounded one a verdict carries), without holds.

        A verdict is decided from its rounded credibility, so whoever reads the credibility
        on an envelope (a resumed run, say) reaches the same action.

        Example:
            >>> Guardian().action_of(0.9), Guardian().action_of(0.5), Guardian().action_of(0.3)
            ('accept', 'flag', 'quarantine')
        """
        suspicion = 1.0 - credibility
        if suspicion >= self.quarantine_at - 1e-9:
            return "quarantine"
        return "flag" if suspicion >= self.flag_at - 1e-9 else "accept"

    def release(self) -> list[tuple[Submission, Verdict]]:
        """Judge every held claim again, now that others may have spoken; empty the hold.

        Claims asserted by more sources come first, so a corroborated claim is trusted
        before the claims that contradict it are judged. Nothing is held twice.
        """
        held, self._held = self._held, []
        held.sort(key=lambda s: -len(s.origins))
        return [(s, self.review(s, may_hold=False)) for s in held]

    @property
    def held(self) -> tuple[Submission, ...]:
        """The claims waiting for `release`."""
        return tuple(self._held)

    def _is_new(self, submission: Submission, findings: Sequence[Finding]) -> bool:
        """A claim nobody else made, on a subject and relation memory knows nothing of."""
        if not self.hold_new or submission.claim is None:
            return False
        if not any(f.check == "corroboration" for f in findings):
            return False
        store = self.context.store
        return store is None or not known(store, submission.claim)

    def review_envelope(
        self, env: Envelope, *, sources: Iterable[str] = ()
    ) -> tuple[Envelope, Verdict]:
        """Review a message; return it with its ``credibility`` set, and the verdict."""
        text = str(getattr(env.payload, "text", ""))
        claim = env.payload if env.payload.kind == "knowledge_claim" else None
        submission = Submission(
            sender=env.sender,
            text=text,
            claim=claim,
            envelope=env,
            sources=tuple(sources),
        )
        verdict = self.review(submission)
        return env.model_copy(update={"credibility": verdict.credibility}), verdict

    def roll_back(
        self,
        source: str,
        *,
        store: Store | None = None,
        origins: Callable[[Fact], Iterable[str]] | None = None,
    ) -> list[str]:
        """Quarantine every visible fact derived from `source` alone; return their ids.

        A fact is derived from `source` alone when its original sources, by lineage, are
        `source` and nothing else: an agent that repeated what `source` said does not make
        the fact independent. Facts others asserted on their own stay. Nothing is deleted.

        Args:
            source: the sender to roll back.
            store: the memory (default: the guardian's).
            origins: a fact's original sources by lineage (default: its agents).

        Raises:
            ConfigError: the guardian has no store and none is given.
        """
        target = store or self.context.store
        if target is None:
            raise ConfigError("roll_back needs a memory store: Guardian(store=...) or store=")
        origins_of = origins or (lambda fact: fact.agents)
        done = []
        visible = target.facts(statuses=("active", "disputed"))
        for fact in visible:
            if set(origins_of(fact)) == {source}:
                target.set_status(fact.id, "quarantined")
                done.append(fact.id)
        self.context.trust.record(source, accepted=False, weight=float(len(done) or 1))
        return done
