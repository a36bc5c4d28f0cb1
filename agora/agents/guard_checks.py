"""The checks a `agora.agents.guardian.Guardian` runs, one pluggable scorer each.

A check looks at a `Submission` (a message, or a knowledge claim on its way into shared
memory) with what a deployed system can see — the sender, the text, its signature, the memory,
the sender's history — and returns a `Finding`: a suspicion in [0, 1] with its reason, or
``None`` when it has nothing to say. None of them sees an eval's labels.

Checks:

- `IdentityCheck`: the envelope's signature (the sender is who it claims to be).
- `CorroborationCheck`: how many *independent* sources assert the claim; agents that repeat
  what one sender said count as that one sender (`Submission.sources`, by lineage).
- `ContradictionCheck`: the claim against trusted facts in memory (active ones: a disputed
  fact is not trusted; same subject and relation, another object, asserted by others).
- `TrustCheck`: the sender's history of verdicts (`TrustBook`).
- `PersuasionCheck`: cues of a persuasion attack — long, certain, evidence-heavy text, which
  is what the attack in *Flooding Spread of Manipulated Knowledge* trains for.
- `FactCheck`: a model asked, with what memory retrieves, whether the claim holds (optional;
  the embedded model by default, or any `Model`; awaited on a running team: `AsyncCheck`).

Example:
    >>> check = PersuasionCheck()
    >>> calm = Submission(sender="a", text="Paris is the capital of France.")
    >>> check.score(calm, GuardContext()) is None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agora._sync import run_sync
from agora.errors import AgoraError, ConfigError, IdentityError
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import KnowledgeClaim

if TYPE_CHECKING:
    from agora.identity import Keyring
    from agora.memory.records import Fact, FactStatus
    from agora.memory.store import Store
    from agora.models.base import Model

__all__ = [
    "AsyncCheck",
    "Check",
    "ContradictionCheck",
    "CorroborationCheck",
    "FactCheck",
    "Finding",
    "GuardContext",
    "IdentityCheck",
    "PersuasionCheck",
    "Submission",
    "TrustBook",
    "TrustCheck",
    "known",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """What one check found: a suspicion in [0, 1] (0 clean, 1 surely manipulated) and why."""

    check: str
    suspicion: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """What a guardian reviews: a message, and the knowledge claim in it if there is one.

    Attributes:
        sender: who sent it (as the envelope says).
        text: the message text.
        claim: the triple on its way into memory, if any.
        envelope: the envelope it came in, for the identity check.
        sources: the original senders the content came from, by lineage (an agent repeating
            what it read counts as the one it read it from); default: the sender alone.
    """

    sender: str
    text: str
    claim: KnowledgeClaim | None = None
    envelope: Envelope | None = None
    sources: tuple[str, ...] = ()

    @property
    def origins(self) -> tuple[str, ...]:
        """The independent sources: `sources`, or the sender alone."""
        return tuple(dict.fromkeys(self.sources)) or (self.sender,)


class TrustBook:
    """Each sender's trust: a Beta posterior over verdicts (accepted counts for, not against).

    Example:
        >>> book = TrustBook()
        >>> book.record("a", accepted=False); book.record("a", accepted=False)
        >>> round(book.trust("a"), 2), book.trust("new")
        (0.25, 0.5)
    """

    def __init__(self, prior: tuple[float, float] = (1.0, 1.0)) -> None:
        self._prior = prior
        self._counts: dict[str, list[float]] = {}

    def trust(self, sender: str) -> float:
        """The posterior mean (0.5 for a sender with no history)."""
        good, bad = self._counts.get(sender, list(self._prior))
        return good / (good + bad)

    def record(self, sender: str, *, accepted: bool, weight: float = 1.0) -> None:
        """Count one verdict on `sender`'s submission."""
        counts = self._counts.setdefault(sender, list(self._prior))
        counts[0 if accepted else 1] += weight


@dataclass(slots=True, kw_only=True)
class GuardContext:
    """What checks may consult: memory, keys, trust. Every part is optional."""

    store: Store | None = None
    keyring: Keyring | None = None
    trust: TrustBook = field(default_factory=TrustBook)


@runtime_checkable
class Check(Protocol):
    """A scorer: a name, and a `Finding` (or ``None``) for a submission."""

    @property
    def name(self) -> str:
        """The check's name (findings and weights use it)."""

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """What this check finds about `submission` (``None``: nothing to say)."""


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    """The envelope must carry its sender's valid signature (when the context has a keyring)."""

    name: str = "identity"

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """1.0 for an unsigned or forged envelope, nothing for a verified one."""
        if context.keyring is None or submission.envelope is None:
            return None
        from agora.identity import verify

        try:
            verify(submission.envelope, context.keyring)
        except IdentityError as exc:
            return Finding(self.name, 1.0, str(exc).split(". It was not")[0])
        return None


@dataclass(frozen=True, slots=True)
class CorroborationCheck:
    """A claim only one independent source asserts is suspect until another agrees.

    Attributes:
        needed: independent sources that make a claim corroborated.
        alone: the suspicion of a claim with a single source.
    """

    needed: int = 2
    alone: float = 0.35
    name: str = "corroboration"

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """`alone` scaled by how far the claim is from `needed` independent sources."""
        claim = submission.claim
        if claim is None:
            return None
        sources = set(submission.origins) | _asserted_by(context.store, claim)
        if len(sources) >= self.needed:
            return None
        missing = (self.needed - len(sources)) / max(1, self.needed - 1)
        reason = f"asserted by {len(sources)} independent source(s): {', '.join(sorted(sources))}"
        return Finding(self.name, min(1.0, self.alone * missing), reason)


@dataclass(frozen=True, slots=True)
class ContradictionCheck:
    """A claim that contradicts trusted memory is suspect in proportion to that memory's trust.

    Attributes:
        trusted: the confidence from which a stored fact counts as trusted.
    """

    trusted: float = 0.6
    name: str = "contradiction"

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """The highest confidence among trusted facts (by others) that the claim contradicts."""
        claim, store = submission.claim, context.store
        if claim is None or store is None:
            return None
        origins = set(submission.origins)
        worst = None
        for fact in _facts_on(store, claim, statuses=("active",)):  # disputed is not trusted
            if fact.confidence < self.trusted or set(fact.agents) <= origins:
                continue
            if _object_of(store, fact).strip().casefold() == claim.object.strip().casefold():
                continue
            if worst is None or fact.confidence > worst.confidence:
                worst = fact
        if worst is None:
            return None
        reason = (
            f"contradicts {worst.text or worst.id!r} (confidence {worst.confidence:.2f}, by "
            f"{', '.join(worst.agents)})"
        )
        return Finding(self.name, worst.confidence, reason)


@dataclass(frozen=True, slots=True)
class TrustCheck:
    """A sender whose past submissions were refused is suspect: 2 x (0.5 - trust), from 0."""

    name: str = "trust"

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """Suspicion from the least trusted of the submission's origins."""
        trust = min(context.trust.trust(origin) for origin in submission.origins)
        if trust >= 0.5:
            return None
        return Finding(self.name, min(1.0, 2 * (0.5 - trust)), f"sender trust {trust:.2f}")


_CERTAIN = re.compile(
    r"\b(undeniabl[ey]|undoubtedly|unquestionabl[ey]|certainly|definitely|clearly|obviously|"
    r"without (a )?doubt|beyond (any|all) doubt|indisputabl[ey]|irrefutabl[ey]|absolutely|"
    r"conclusively|proven|proves|prove|the truth is|everyone knows|it is a fact|in fact|"
    r"there is no (question|doubt)|must accept|cannot be denied|no one can deny)\b",
    re.IGNORECASE,
)
_EVIDENCE = re.compile(
    r"\b(stud(y|ies)|research(ers)?|survey|experts?|scientists?|scholars?|historians?|"
    r"according to|evidence|data|statistics|records?|documents?|archives?|reports?|published|"
    r"journal|university|institute|analysis|confirmed|verified|sources?|official(ly)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PersuasionCheck:
    """Cues of a persuasion attack: length, certainty and evidence markers, exclamations.

    The cues come from how the attack is built (persuasive replies trained to be long,
    confident and evidence-heavy), not from any data set's texts. Each cue adds to the
    suspicion; a plain short statement scores nothing.

    Attributes:
        long_words: from this many words a text counts as long.
        ceiling: the most it adds: cues are not proof, so alone they flag (the default
            `Guardian` flags from 0.35) but do not quarantine (from 0.6).
    """

    long_words: int = 60
    ceiling: float = 0.5
    name: str = "persuasion"

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """Up to 1.0 as long, certain, evidence-laden and emphatic cues add up."""
        text = submission.text
        words = len(text.split())
        certain = len(_CERTAIN.findall(text))
        evidence = len(_EVIDENCE.findall(text))
        numbers = len(re.findall(r"\b\d[\d,.]*\b", text))
        emphatic = text.count("!")
        cues = []
        suspicion = 0.0
        if words >= self.long_words:
            suspicion += 0.2
            cues.append(f"{words} words")
        if certain:
            suspicion += min(0.3, 0.1 * certain)
            cues.append(f"{certain} certainty marker(s)")
        if evidence >= 2:
            suspicion += min(0.3, 0.075 * evidence)
            cues.append(f"{evidence} appeals to evidence or authority")
        if numbers >= 3:
            suspicion += 0.1
            cues.append(f"{numbers} figures")
        if emphatic:
            suspicion += min(0.1, 0.05 * emphatic)
            cues.append(f"{emphatic} exclamation(s)")
        if suspicion < 0.3:  # one mild cue (a long text, one "clearly") is no sign
            return None
        score = self.ceiling * min(1.0, suspicion)
        return Finding(self.name, score, "persuasion cues: " + ", ".join(cues))


class _Judgement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["supported", "contradicted", "unknown"]
    reason: str = Field(default="", max_length=160)


class FactCheck:
    """A model judges the claim against what memory knows (retrieval) and its own knowledge.

    The model is the embedded local one unless you pass another (any `Model`, or a spec
    such as ``"http://127.0.0.1:8080/v1#qwen"``); a spec is resolved on first use, so
    building a guardian loads nothing. The output is a three-way enum, which small local
    models manage.

    A guardian on a running team calls `ascore` (the model is awaited, the event loop keeps
    running); `score` is the same for scripts without a running loop.

    Args:
        model: a `Model` or a model spec (default ``"local"``: the embedded model).
        contradicted: the suspicion of a claim the model says is contradicted.
        unknown: the suspicion of one it cannot judge.

    Raises:
        ConfigError: `model` is neither a `Model` nor a spec string, or a suspicion is not
            in [0, 1].

    Example:
        >>> from agora.testing import ScriptedModel
        >>> check = FactCheck(ScriptedModel([{"verdict": "contradicted", "reason": "no"}]))
        >>> check.score(Submission(sender="m", text="The moon is cheese."), GuardContext())
        Finding(check='fact_check', suspicion=0.8, reason='model says contradicted: no')
    """

    name = "fact_check"

    def __init__(
        self, model: Model | str = "local", *, contradicted: float = 0.8, unknown: float = 0.1
    ) -> None:
        from agora.models.base import Model

        if not isinstance(model, Model | str) or (isinstance(model, str) and not model.strip()):
            raise ConfigError(
                f"FactCheck needs a Model or a model spec such as 'local', got {model!r}"
            )
        for label, value in (("contradicted", contradicted), ("unknown", unknown)):
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"FactCheck's {label} must be in [0, 1], got {value!r}")
        self._spec = model
        self.contradicted = float(contradicted)
        self.unknown = float(unknown)

    def __repr__(self) -> str:
        spec = self._spec if isinstance(self._spec, str) else self._spec.name
        return f"FactCheck(model={spec!r})"

    @property
    def model(self) -> Model:
        """The model that judges (a spec is resolved, and the model built, on first use)."""
        from agora.models.spec import model_from_spec

        if isinstance(self._spec, str):
            self._spec = model_from_spec(self._spec)
        return self._spec

    def score(self, submission: Submission, context: GuardContext) -> Finding | None:
        """Ask the model and wait (outside a running event loop; there, use `ascore`).

        Raises:
            UserError: called inside a running event loop.
        """
        return run_sync(self.ascore(submission, context))

    async def ascore(self, submission: Submission, context: GuardContext) -> Finding | None:
        """Ask the model without blocking the event loop; a failed request is "unknown"."""
        from agora.models.base import Message

        claim = submission.claim
        statement = submission.text[:500]
        if claim is not None:
            statement = claim.text or f"{claim.subject} {claim.relation} {claim.object}"
        known = [fact.text for fact in _facts_on(context.store, claim)]
        prompt = f"Claim: {statement}\n"
        if known:
            prompt += "Known facts:\n" + "\n".join(f"- {text}" for text in known[:5]) + "\n"
        prompt += "Is the claim supported, contradicted, or unknown? Reply with JSON."
        try:
            reply = await self.model.request(
                [Message("system", "You check facts. Be strict."), Message("user", prompt)],
                _Judgement,
            )
        except AgoraError as exc:
            return Finding(self.name, self.unknown, f"fact check failed: {type(exc).__name__}")
        judgement = reply.output
        assert judgement is not None
        if judgement.verdict == "supported":
            return None
        suspicion = self.contradicted if judgement.verdict == "contradicted" else self.unknown
        return Finding(self.name, suspicion, f"model says {judgement.verdict}: {judgement.reason}")


@runtime_checkable
class AsyncCheck(Check, Protocol):
    """A check that can also score without blocking the event loop (e.g. `FactCheck`).

    `agora.agents.guardian.Guardian.areview` awaits `ascore` where a check has one.
    """

    async def ascore(self, submission: Submission, context: GuardContext) -> Finding | None:
        """What this check finds about `submission`, awaited."""


def _facts_on(
    store: Store | None,
    claim: KnowledgeClaim | None,
    *,
    statuses: tuple[FactStatus, ...] = ("active", "disputed"),
) -> list[Fact]:
    """Visible facts in `store` (of `statuses`) with the claim's subject and relation."""
    if store is None or claim is None:
        return []
    found = []
    for entity in store.find_entities(claim.subject):
        for fact in store.facts_about(entity.id, statuses=statuses):
            if fact.subject == entity.id and fact.relation == claim.relation:
                found.append(fact)
    return found


def known(store: Store, claim: KnowledgeClaim) -> bool:
    """Whether memory holds an active fact on the claim's subject and relation."""
    return bool(_facts_on(store, claim, statuses=("active",)))


def _object_of(store: Store, fact: Fact) -> str:
    """The fact's object as text: its literal, or its object entity's name."""
    if fact.literal is not None:
        return fact.literal
    if fact.object_id is not None:
        entity = store.get_entity(fact.object_id)
        if entity is not None:
            return entity.name
    return ""


def _asserted_by(store: Store | None, claim: KnowledgeClaim) -> set[str]:
    if store is None:
        return set()
    wanted = claim.object.strip().casefold()
    agents: set[str] = set()
    for fact in _facts_on(store, claim):
        if _object_of(store, fact).strip().casefold() == wanted:
            agents.update(fact.agents)
    return agents
