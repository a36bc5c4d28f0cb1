"""Lineage: messages as L0 episodes, and the way back from a fact to them.

A team run with memory writes each envelope it sends as an episode (`message_episode`):
one per message, under the envelope's id, in the sender's own scope within the team. Facts
extracted or fused from an answer keep that id in `Fact.episodes`, so `lineage` leads from
any fact to the messages it came from, and from them to their senders, recipients and
conversation.

Example:
    >>> from agora.memory import Entity, Fact, NetworkXStore
    >>> from agora.protocols import Envelope
    >>> from agora.protocols.payloads import Answer
    >>> store = NetworkXStore()
    >>> said = Envelope(id="m2", conversation_id="c1", sender="geo", recipients=["user"],
    ...                 payload=Answer(text="Paris is the capital of France."))
    >>> store.add_episode(message_episode(said, team="t"))
    >>> paris, france = Entity.named("Paris"), Entity.named("France")
    >>> _ = store.upsert_entities([paris, france])
    >>> fact = Fact.triple(paris, "capital_of", france, agent="geo", episodes=("m2",))
    >>> store.add_fact(fact)
    >>> [(e.agent, e.kind, e.conversation_id, e.recipients) for e in lineage(store, fact.id)]
    [('geo', 'answer', 'c1', ('user',))]
"""

from __future__ import annotations

from agora._checks import check_text
from agora.errors import RecordNotFoundError, UserError
from agora.memory.records import MAX_TEXT, Episode
from agora.memory.scope import Scope
from agora.memory.store import Store
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import PLANNING_KINDS, Forward, Split

__all__ = ["lineage", "message_episode"]


def message_episode(
    envelope: Envelope, *, team: str | None = None, verified: bool | None = None
) -> Episode:
    """The L0 episode of one message: what `envelope` said, who sent it to whom, and when.

    The episode's id is the envelope's, so writing a message twice is caught by its id (a
    resumed run skips what is stored). It sits in the sender's own scope (``user`` for a
    team's caller), within `team` when given: an agent writes only its own scope, and every
    write is attributable to whoever wrote it. Its `kind` is the payload's; its text the
    payload's text, with a forward's contribution, or a split's parts, after it; a planning
    payload (`agora.protocols.PLANNING_KINDS`) reads as its fields in JSON (cut at
    `agora.memory.records.MAX_TEXT` characters; any other payload without text reads
    ``(empty <kind>)``).

    Args:
        envelope: the message.
        team: the team it was sent in (the scope's team).
        verified: whether its signature was checked and held (``None``: nothing checked).

    Raises:
        UserError: `envelope` is not an `agora.protocols.Envelope`.
        InvalidRecordError: a field the envelope carries that memory cannot hold (such as a
            send time past the year 9999), named.

    Example:
        >>> from agora.protocols import Envelope
        >>> from agora.protocols.payloads import Forward
        >>> env = Envelope(sender="triage", recipients=["geo"],
        ...                payload=Forward(text="capital of France?", contribution="Europe"))
        >>> ep = message_episode(env, team="t")
        >>> ep.id == env.id, ep.kind, ep.scope.key, ep.text.splitlines()
        (True, 'forward', 'agent:t/triage', ['capital of France?', '', 'Contribution: Europe'])
    """
    if not isinstance(envelope, Envelope):
        raise UserError(
            f"message_episode() takes an agora.protocols.Envelope, got {type(envelope).__name__}"
        )
    return Episode(
        id=envelope.id,
        agent=envelope.sender,
        text=_text(envelope),
        kind=envelope.payload.kind,
        scope=Scope.agent(envelope.sender, team=team),
        created_at=envelope.created_at,
        conversation_id=envelope.conversation_id,
        message_id=envelope.id,
        parent_id=envelope.parent_id,
        recipients=tuple(envelope.recipients),
        verified=verified,
    )


def lineage(store: Store, fact_id: str) -> list[Episode]:
    """The episodes `fact_id` came from, in the order its provenance lists them.

    For a fact a team learnt (`agora.Team.learn_facts`) these are the answers it was
    extracted from: each names its sender (`Episode.agent`), recipients, conversation and
    envelope (`Episode.message_id`); a fused fact lists the answers of every agent that
    asserted it. Episode ids the store does not hold (written elsewhere, or never) are left
    out.

    Raises:
        UserError: `store` is not a `Store`, or `fact_id` is not a non-empty string.
        RecordNotFoundError: the store holds no fact `fact_id` (in any status).

    Example:
        >>> from agora.memory import Entity, Episode, Fact, SQLiteStore
        >>> with SQLiteStore(":memory:") as store:
        ...     store.add_episode(Episode(id="ep1", agent="a1", text="Ada was born in 1815"))
        ...     ada = Entity.named("Ada")
        ...     _ = store.upsert_entities([ada])
        ...     fact = Fact.triple(ada, "born", "1815", agent="a1", episodes=("ep1", "gone"))
        ...     store.add_fact(fact)
        ...     [e.text for e in lineage(store, fact.id)]
        ['Ada was born in 1815']
    """
    if not isinstance(store, Store):
        raise UserError(f"lineage() takes a memory Store first, got {type(store).__name__}")
    check_text(fact_id, "fact_id", empty=False, error=UserError)
    fact = store.get_fact(fact_id)
    if fact is None:
        raise RecordNotFoundError(
            f"no fact {fact_id!r} in the store; pass the id of a fact it holds (Fact.id)"
        )
    found = (store.get_episode(episode_id) for episode_id in fact.episodes)
    return [episode for episode in found if episode is not None]


def _text(envelope: Envelope) -> str:
    payload = envelope.payload
    text = getattr(payload, "text", "")
    if payload.kind in PLANNING_KINDS:
        text = payload.model_dump_json(exclude={"kind"}, exclude_defaults=True)
    elif isinstance(payload, Forward) and payload.contribution:
        text = f"{text}\n\nContribution: {payload.contribution}"
    elif isinstance(payload, Split):
        if payload.mode == "experts":
            experts = ", ".join(p.to for p in payload.parts)
            text = f"{text}\n\nExperts: {experts} ({payload.aggregate})"
        else:
            text = text + "\n" + "".join(f"\n- {p.to}: {p.text}" for p in payload.parts)
    if not text.strip():
        return f"(empty {payload.kind})"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
