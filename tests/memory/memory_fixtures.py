"""Small worlds the memory tests share."""

from __future__ import annotations

from dataclasses import dataclass

from agora.memory import Entity, Fact, Scope, Store


@dataclass
class World:
    ada: Entity
    math: Entity
    london: Entity
    babbage: Entity
    engine: Entity
    studied: Fact
    lived: Fact
    worked: Fact
    built: Fact


def fill(store: Store) -> World:
    """Five entities and four facts by agents a1 (team t1) and a2 (team t1)."""
    ada, math, london = (
        Entity.named("Ada Lovelace"),
        Entity.named("mathematics"),
        Entity.named("London"),
    )
    babbage, engine = Entity.named("Charles Babbage"), Entity.named("Analytical Engine")
    store.upsert_entities([ada, math, london, babbage, engine])
    a1, a2 = Scope.agent("a1", team="t1"), Scope.agent("a2", team="t1")
    studied = Fact.triple(
        ada, "studied", math, agent="a1", scope=a1, valid_from=10.0, confidence=0.9
    )
    lived = Fact.triple(ada, "lived_in", london, agent="a1", scope=a1, valid_from=11.0)
    worked = Fact.triple(ada, "worked_with", babbage, agent="a2", scope=a2, valid_from=12.0)
    built = Fact.triple(babbage, "designed", engine, agent="a2", scope=a2, valid_from=13.0)
    store.add_facts([studied, lived, worked, built])
    return World(ada, math, london, babbage, engine, studied, lived, worked, built)
