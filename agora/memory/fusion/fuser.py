"""Knowledge fusion: many agents' claims become one consistent, attributable picture.

`Fuser.fuse` takes one `KnowledgeClaim` from one agent and applies, over any `Store`:

1. **Entity resolution** (normalize → exact → fuzzy → embedding, see `EntityResolver`).
2. **KnFu gate**: a claim from an agent whose past claims proved ineffective, or one that is
   not relevant to the receiver's interest profile, is kept in the sender's own scope only;
   so is one from a source outside the receiver's personal ``weights`` (`agora.memory.fusion.knfu`).
3. **Merge**: a claim already held gains the agent as provenance; confidence is the noisy-OR
   over independent agents weighted by trust, ``1 - prod(1 - trust_i * conf_i)``. The fused
   fact is rewritten through `Store.supersede`, so every earlier version stays as history.
4. **Contradictions** on functional relations: a strictly newer ``valid_from`` supersedes the
   older fact; otherwise both sides become ``disputed`` until one leads by `FusionConfig.margin`
   with at least `FusionConfig.k` agents, when it turns active and the rest are quarantined.
5. **Promotion** to the team (or global) scope once `FusionConfig.k` independent agents agree.

Two views read the result. `Fuser.fused` is the *promoted* view: active facts with at least k
agents, i.e. what the store shares at team or global scope. `Fuser.accepted` is the *accepted*
view: what the fuser holds true, computed over the whole batch with trust learnt from it
(see `agora.memory.fusion._view`): the promoted facts, plus single-source facts from a reliable
agent that nothing contradicts. Acceptance never changes scope: a single agent's fact stays in
its scope until k agents agree.

Trust is learnt. While fusing, `Fuser.effectiveness` (corroborated against quarantined claims,
uniform prior) weights noisy-OR and drives the KnFu gate. For acceptance, `Fuser.reliability`
is stricter: the share of *all* the agent's held claims that k agents corroborate. Pass
``trust=`` to fix either.

Example:
    >>> from agora.memory import NetworkXStore
    >>> from agora.protocols.payloads import KnowledgeClaim
    >>> store = NetworkXStore()
    >>> fuser = Fuser(store, FusionConfig(functional={"capital_of"}))
    >>> claim = KnowledgeClaim(subject="Paris", relation="capital_of", object="France",
    ...                        confidence=0.9)
    >>> fuser.fuse(claim, agent="a1", team="t1", valid_from=0.0).action
    'added'
    >>> variant = claim.model_copy(update={"subject": "paris"})
    >>> result = fuser.fuse(variant, agent="a2", team="t1", valid_from=0.0)
    >>> result.action, result.fact.agents, result.fact.scope.key, round(result.fact.confidence, 3)
    ('merged', ('a1', 'a2'), 'team:t1', 0.84)
    >>> lyon = claim.model_copy(update={"subject": "Paris", "object": "Lyon"})
    >>> fuser.fuse(lyon, agent="a3", team="t1", valid_from=0.0).fact.status  # outvoted
    'quarantined'
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from agora._checks import check_int, is_number
from agora.embeddings import Embedder
from agora.errors import ConfigError, InvalidRecordError, RecordNotFoundError, UserError
from agora.memory import _args
from agora.memory.fusion._config import Action, FusionConfig, FusionResult, noisy_or
from agora.memory.fusion._view import accepted_keys
from agora.memory.fusion.resolve import EntityResolver, Match, name_key
from agora.memory.records import Entity, Fact, FactStatus
from agora.memory.scope import Scope
from agora.memory.store import Store
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["FusionConfig", "FusionResult", "Fuser", "noisy_or"]

Key = tuple[str, str, str]


@dataclass(slots=True)
class _Held:
    fact_id: str
    supports: dict[str, float] = field(default_factory=dict)
    status: FactStatus = "active"


class Fuser:
    """Fuses claims into a `Store`; keeps its index of fused facts in memory.

    Args:
        store: where facts go (any backend).
        config: thresholds.
        embedder: for entity-name matching and the KnFu relevance test; ``None`` skips both.
        trust: fixed sender trust in 0..1; agents not named (or all, when ``None``) get their
            learnt effectiveness.
        weights: a receiver's personal source weights in 0..1 (KnFu, see
            `agora.memory.fusion.SourceWeights.trust`): each sender's trust and reliability are
            scaled by its weight, and the claims of a sender not named stay private.
            ``None`` weighs every sender 1.
    """

    def __init__(
        self,
        store: Store,
        config: FusionConfig | None = None,
        *,
        embedder: Embedder | None = None,
        trust: Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        _args.check_store(store, "Fuser")
        if config is not None and not isinstance(config, FusionConfig):
            raise ConfigError(f"config must be a FusionConfig, got {type(config).__name__}")
        _args.check_embedder(embedder, "Fuser")
        self.weights = None if weights is None else _args.check_unit_map(weights, "source weights")
        trust = None if trust is None else _args.check_unit_map(trust, "trust")
        self.store = store
        self.config = config or FusionConfig()
        self.embedder = embedder
        self.resolver = EntityResolver(embedder=embedder)
        self.trust_fixed = dict(trust or {})
        self._held: dict[Key, _Held] = {}
        self._by_pair: defaultdict[tuple[str, str], set[Key]] = defaultdict(set)
        self._by_agent: defaultdict[str, set[Key]] = defaultdict(set)
        self._scopes: dict[str, Scope] = {}
        # Kept as facts change so no fuse() rescans everything held (that made fusing a
        # batch quadratic): per pair, its keys with k agents; per relation, its pairs holding
        # two such keys; per key, the agents it counts for and what it counts; per agent,
        # (corroborated, quarantined) over its keys.
        self._agreed: Counter[tuple[str, str]] = Counter()
        self._multi: Counter[str] = Counter()
        self._members: defaultdict[Key, set[str]] = defaultdict(set)
        self._counted: dict[Key, tuple[int, int]] = {}
        self._records: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])

    # trust -------------------------------------------------------------------------------
    def effectiveness(self, agent: str) -> float:
        """Share of `agent`'s fused claims corroborated, vs quarantined (prior 1/2).

        Example:
            >>> from agora.memory import NetworkXStore
            >>> Fuser(NetworkXStore()).effectiveness("nobody")
            0.5
        """
        good, bad = self._record(agent)
        return (good + 1) / (good + bad + 2)

    def _record(self, agent: str) -> tuple[int, int]:
        """(corroborated, quarantined) over the keys `agent` asserted, kept by `_recount`."""
        record = self._records.get(agent)
        return (0, 0) if record is None else (record[0], record[1])

    def _recount(self, key: Key) -> None:
        """Bring the agents' records up to date after `key`'s status or supports changed."""
        held = self._held[key]
        new = (
            int(held.status == "active" and len(held.supports) > 1),
            int(held.status == "quarantined"),
        )
        old = self._counted.get(key, (0, 0))
        if new != old:
            for agent in self._members[key]:
                record = self._records[agent]
                record[0] += new[0] - old[0]
                record[1] += new[1] - old[1]
            self._counted[key] = new

    def _join(self, key: Key, agent: str) -> None:
        """`agent` asserted `key`: the key counts in its record from now on."""
        self._by_agent[agent].add(key)
        if agent not in self._members[key]:
            self._members[key].add(agent)
            good, bad = self._counted.get(key, (0, 0))
            record = self._records[agent]
            record[0] += good
            record[1] += bad

    def _count_agreed(self, pair: tuple[str, str], delta: int) -> None:
        before = self._agreed[pair]
        after = self._agreed[pair] = before + delta
        if before < 2 <= after:
            self._multi[pair[1]] += 1
        elif after < 2 <= before:
            self._multi[pair[1]] -= 1

    def reliability(self, agent: str) -> float:
        """Share of `agent`'s held claims corroborated by k agents (prior 1/2); fixed trust wins.

        Read over everything fused so far, so a view that uses it after the batch learns it
        from the whole batch; no ground truth is involved.

        Example:
            >>> from agora.memory import NetworkXStore
            >>> Fuser(NetworkXStore()).reliability("nobody")
            0.5
        """
        if agent in self.trust_fixed:
            return self.trust_fixed[agent] * self.weight(agent)
        held = [self._held[key] for key in self._by_agent.get(agent, ())]
        held = [h for h in held if h.status != "superseded"]
        good = sum(len(h.supports) >= self.config.k for h in held)
        return (good + 1) / (len(held) + 2) * self.weight(agent)

    def trust(self, agent: str) -> float:
        """The weight of `agent`'s confidence in noisy-OR: fixed, or its effectiveness.

        Scaled by the receiver's personal weight of `agent` when `weights` are given.
        """
        return self.trust_fixed.get(agent, self.effectiveness(agent)) * self.weight(agent)

    def weight(self, agent: str) -> float:
        """The receiver's personal weight of `agent` as a source: 1 without `weights`.

        Example:
            >>> from agora.memory import NetworkXStore
            >>> fuser = Fuser(NetworkXStore(), weights={"me": 1.0, "peer": 0.5})
            >>> fuser.weight("peer"), fuser.weight("stranger"), fuser.trust("peer")
            (0.5, 0.0, 0.25)
        """
        return 1.0 if self.weights is None else self.weights.get(agent, 0.0)

    def confidence(self, key: Key) -> float:
        """Current fused confidence of a held fact, with current trust."""
        supports = self._held[key].supports
        return noisy_or((self.trust(a), c) for a, c in supports.items())

    def admits(
        self, claim: KnowledgeClaim, agent: str, interest: npt.NDArray[np.float32] | None
    ) -> bool:
        """The KnFu gate: is `agent` a weighted source, effective, and `claim` relevant?"""
        if self.weights is not None and agent not in self.weights:
            return False
        good, bad = self._record(agent)
        experienced = agent not in self.trust_fixed and good + bad >= self.config.min_history
        if experienced and self.effectiveness(agent) < self.config.min_effectiveness:
            return False
        if interest is None or self.embedder is None:
            return True
        text = claim.text or f"{claim.subject} {claim.relation} {claim.object}"
        relevance = float(self.embedder.embed([text])[0] @ interest)
        return relevance >= self.config.min_relevance

    # fusing ------------------------------------------------------------------------------
    def fuse(
        self,
        claim: KnowledgeClaim,
        *,
        agent: str,
        team: str | None = None,
        episode: str | None = None,
        valid_from: float | None = None,
        interest: npt.NDArray[np.float32] | None = None,
    ) -> FusionResult:
        """Fuse one claim asserted by `agent` (a member of `team`).

        Args:
            claim: the assertion.
            agent: who asserted it; every write is attributed to it.
            team: the agent's team, whose scope agreed facts are promoted to.
            episode: id of the episode it came from, kept as provenance.
            valid_from: when it became true (default: now).
            interest: the receiver's unit-norm interest profile, for the KnFu relevance test.

        Raises:
            InvalidRecordError: a bad claim, agent name, episode or time; the store is
                unchanged.
            UserError: an `interest` that is not a finite vector of the embedder's dim.
        """
        if not isinstance(claim, KnowledgeClaim):
            raise InvalidRecordError(
                f"fuse() takes a KnowledgeClaim, got {type(claim).__name__}", field="claim"
            )
        scope = Scope.agent(agent, team=team)
        if interest is not None and self.embedder is not None:
            interest = _args.check_vector(interest, self.embedder.dim, "interest")
        subject = self.resolver.resolve(claim.subject)
        obj = None
        if claim.relation not in self.config.literal_relations:
            obj = self.resolver.resolve(claim.object)
        fact = _fact(claim, subject.entity, obj, scope, agent, episode, valid_from)
        admitted = self.admits(claim, agent, interest)
        self._write_entities(claim, subject, obj)
        self._scopes.setdefault(agent, scope)
        if not admitted:
            self.store.add_fact(fact)
            return FusionResult("private", fact, subject, obj)
        key = _key(fact)
        held = self._held.get(key)
        if held is not None and held.status != "superseded":
            action, stored = self._merge(key, held, fact, agent)
        else:
            action, stored = self._add(key, fact, agent)
        return FusionResult(action, stored, subject, obj)

    def set_aside(
        self,
        claim: KnowledgeClaim,
        *,
        agent: str,
        team: str | None = None,
        episode: str | None = None,
    ) -> FusionResult:
        """Keep `claim` in memory quarantined, without fusing it (a guardian stopped it).

        The claim is stored as its own fact in `agent`'s scope with status ``quarantined``:
        hidden from every reader and from fusion (it supports nothing, contradicts nothing,
        counts toward no agent's trust), but kept, with its episode, for review and lineage.

        Raises:
            InvalidRecordError: a bad claim, agent name or episode; the store is unchanged.
        """
        if not isinstance(claim, KnowledgeClaim):
            raise InvalidRecordError(
                f"set_aside() takes a KnowledgeClaim, got {type(claim).__name__}", field="claim"
            )
        scope = Scope.agent(agent, team=team)
        subject = self.resolver.resolve(claim.subject)
        obj = None
        if claim.relation not in self.config.literal_relations:
            obj = self.resolver.resolve(claim.object)
        fact = _fact(claim, subject.entity, obj, scope, agent, episode, None)
        fact = dataclasses.replace(fact, status="quarantined")
        self._write_entities(claim, subject, obj)
        self.store.add_fact(fact)
        return FusionResult("quarantined", fact, subject, obj)

    def _write_entities(self, claim: KnowledgeClaim, subject: Match, obj: Match | None) -> None:
        entities = [subject.entity] + ([obj.entity] if obj is not None else [])
        missing = {e.id: e for e in entities if self.store.get_entity(e.id) is None}
        if missing:
            self.store.upsert_entities(missing.values())
        self.resolver.register(subject.entity, claim.subject)
        if obj is not None:
            self.resolver.register(obj.entity, claim.object)

    def _merge(self, key: Key, held: _Held, fact: Fact, agent: str) -> tuple[Action, Fact]:
        old = self._require(held.fact_id)
        if agent in held.supports:
            held.supports[agent] = max(held.supports[agent], fact.confidence)
            return "repeat", old
        held.supports[agent] = fact.confidence
        if len(held.supports) == self.config.k and key in self._by_pair[key[:2]]:
            self._count_agreed(key[:2], 1)
        self._join(key, agent)
        self._recount(key)
        merged = dataclasses.replace(
            old,
            id=fact.id,
            agents=(*old.agents, agent),
            episodes=tuple(dict.fromkeys((*old.episodes, *fact.episodes))),
            confidence=self.confidence(key),
            recorded_at=fact.recorded_at,
            scope=self._scopes[old.agents[0]],
            promoted_by=None,
        )
        self.store.supersede(old.id, merged)
        held.fact_id = merged.id
        self._settle(key[:2], agent)
        self._promote(key, agent)
        return "merged", self._require(held.fact_id)

    def _add(self, key: Key, fact: Fact, agent: str) -> tuple[Action, Fact]:
        raw = fact.confidence
        fact = dataclasses.replace(fact, confidence=noisy_or([(self.trust(agent), raw)]))
        rivals = self._rivals(key)
        starts = [self._require(self._held[r].fact_id).valid_from for r in rivals]
        if rivals and fact.valid_from < min(starts):
            old = dataclasses.replace(fact, status="superseded", valid_to=min(starts))
            self.store.add_fact(old)
            return "history", old
        action: Action = "added"
        if rivals and fact.valid_from > max(starts):
            latest = rivals[starts.index(max(starts))]
            self.store.supersede(self._held[latest].fact_id, fact)
            self._held[latest].status = "superseded"
            self._recount(latest)
            if latest in self._by_pair[key[:2]]:
                self._by_pair[key[:2]].discard(latest)
                if len(self._held[latest].supports) >= self.config.k:
                    self._count_agreed(key[:2], -1)
            action = "superseded"
        else:
            self.store.add_fact(fact)
        self._held[key] = _Held(fact.id, {agent: raw})
        if key not in self._by_pair[key[:2]]:
            self._by_pair[key[:2]].add(key)
            if self.config.k <= 1:
                self._count_agreed(key[:2], 1)
        self._recount(key)
        self._join(key, agent)
        self._settle(key[:2], agent)
        self._promote(key, agent)
        return action, self._require(self._held[key].fact_id)

    def _rivals(self, key: Key) -> list[Key]:
        if not self._functional(key[1]):
            return []
        return sorted(k for k in self._by_pair.get(key[:2], ()) if k != key)

    def _functional(self, relation: str) -> bool:
        """Configured, or inferred: functional until two subjects hold two agreed objects."""
        known = self.config.is_functional(relation)
        if known is not None:
            return known
        return self._multi[relation] < 2

    def _settle(self, pair: tuple[str, str], agent: str) -> None:
        keys = sorted(self._by_pair.get(pair, ()))
        if not self._functional(pair[1]) or len(keys) < 2:
            wanted = dict.fromkeys(keys, cast_status("active"))
        else:
            ranked = sorted(keys, key=lambda k: (self.confidence(k), k), reverse=True)
            best, second = ranked[0], ranked[1]
            lead = _evidence(self.confidence(best)) - _evidence(self.confidence(second))
            if lead >= self.config.margin and len(self._held[best].supports) >= self.config.k:
                wanted = dict.fromkeys(ranked, cast_status("quarantined"))
                wanted[best] = "active"
            else:
                wanted = dict.fromkeys(ranked, cast_status("disputed"))
        for key, status in wanted.items():
            held = self._held[key]
            if held.status != status:
                self.store.set_status(held.fact_id, status)
                held.status = status
                self._recount(key)
                self._promote(key, agent)

    def _promote(self, key: Key, agent: str) -> None:
        held = self._held[key]
        if held.status != "active" or len(held.supports) < self.config.k:
            return
        fact = self._require(held.fact_id)
        if fact.scope.level != "agent":
            return
        team = fact.scope.team_id
        target = Scope.team(team) if team and self.config.promote_to == "team" else Scope.GLOBAL
        self.store.promote(fact.id, target, by=agent)

    def _require(self, fact_id: str) -> Fact:
        fact = self.store.get_fact(fact_id)
        if fact is None:
            raise RecordNotFoundError(
                f"fused fact {fact_id!r} vanished from the store; build a new Fuser over it"
            )
        return fact

    # reading -----------------------------------------------------------------------------
    def fused(self, *, min_agents: int | None = None) -> list[Fact]:
        """The fused view: active facts asserted by at least `min_agents` (default k) agents.

        Example:
            >>> from agora.memory import NetworkXStore
            >>> Fuser(NetworkXStore()).fused()
            []
        """
        check_int(min_agents, "min_agents", low=0, none=True, error=UserError)
        least = self.config.k if min_agents is None else min_agents
        return [
            self._require(h.fact_id)
            for h in self._held.values()
            if h.status == "active" and len(h.supports) >= least
        ]

    def accepted(self) -> list[Fact]:
        """The accepted view: facts held true now (see the module docstring).

        Corroborated facts that win their relation, plus single-source facts from reliable
        agents that nothing contradicts; store status and scope are left as they are.

        Example:
            >>> from agora.memory import NetworkXStore
            >>> fuser = Fuser(NetworkXStore(), FusionConfig(functional={"capital_of"}))
            >>> paris = KnowledgeClaim(subject="Paris", relation="capital_of", object="France")
            >>> _ = fuser.fuse(paris, agent="a1", valid_from=0.0)
            >>> len(fuser.fused()), len(fuser.accepted())  # reliability 0.5 < min_trust
            (0, 0)
            >>> fuser.trust_fixed["a1"] = 0.9
            >>> len(fuser.accepted())
            1
        """
        return [self._require(self._held[key].fact_id) for key in accepted_keys(self)]


def cast_status(status: FactStatus) -> FactStatus:
    """`status`, typed as a `FactStatus` (for dict literals)."""
    return status


def _evidence(confidence: float) -> float:
    return -math.log(max(1e-9, 1.0 - confidence))


def _key(fact: Fact) -> Key:
    obj = f"e:{fact.object_id}" if fact.object_id else f"l:{name_key(fact.literal or '')}"
    return (fact.subject, fact.relation, obj)


def _fact(
    claim: KnowledgeClaim,
    subject: Entity,
    obj: Match | None,
    scope: Scope,
    agent: str,
    episode: str | None,
    valid_from: float | None,
) -> Fact:
    name = claim.object if obj is None else obj.entity.name
    ref = {"literal": claim.object} if obj is None else {"object_id": obj.entity.id}
    when = time.time() if valid_from is None else valid_from
    if not is_number(when):
        raise InvalidRecordError(
            f"valid_from must be a finite time, got {when!r}", field="valid_from"
        )
    return Fact(
        subject=subject.id,
        relation=claim.relation,
        text=claim.text or f"{subject.name} {claim.relation} {name}",
        agents=(agent,),
        episodes=() if episode is None else (episode,),
        confidence=claim.confidence,
        valid_from=float(when),
        scope=scope,
        **ref,  # type: ignore[arg-type]
    )
