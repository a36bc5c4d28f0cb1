"""Shared memory: a knowledge graph in levels, scoped agent ⊂ team ⊂ global.

L0 `Episode` → L1 `Entity` and `Fact` → L2 `Community` → L3 `Goal`, held by a `Store`:
`SQLiteStore` (default, WAL + FTS5) or `NetworkXStore` (in memory). Facts are never
overwritten: `Store.supersede` closes the old one's validity and keeps it as history.
`PlanMemory` builds DAMCS's hierarchy on top: step episodes → goal nodes → long-term goals.

Example:
    >>> from agora.memory import Entity, Fact, SQLiteStore
    >>> with SQLiteStore(":memory:") as store:
    ...     paris, france = Entity.named("Paris"), Entity.named("France")
    ...     _ = store.upsert_entities([paris, france])
    ...     old = Fact.triple(paris, "population", "2.1M", agent="a1", valid_from=1.0)
    ...     store.add_fact(old)
    ...     new = Fact.triple(paris, "population", "2.2M", agent="a1", valid_from=2.0)
    ...     _ = store.supersede(old.id, new)
    ...     [f.literal for f in store.facts(about=paris.id, valid_at=1.5)]
    ['2.1M']
"""

from __future__ import annotations

from agora.memory.extract import ExtractedClaims, extract_claims
from agora.memory.fusion.fuser import Fuser, FusionConfig, FusionResult, noisy_or
from agora.memory.fusion.knfu import (
    SourceWeights,
    profile_distance,
    source_weights,
    topic_profile,
    topic_profiles,
)
from agora.memory.graph.communities import build_communities, label_propagation
from agora.memory.graph.views import neighbourhood, personalized_pagerank, working_set
from agora.memory.lineage import lineage, message_episode
from agora.memory.plan import GoalNode, GoalSummary, PlanMemory, PrerequisiteCheck
from agora.memory.records import (
    Community,
    Entity,
    Episode,
    Fact,
    FactStatus,
    Goal,
    GoalStatus,
    normalize_name,
)
from agora.memory.retrieval.ranking import reciprocal_rank_fusion
from agora.memory.retrieval.retriever import Expansion, Retrieval, RetrievedFact, Retriever
from agora.memory.retrieval.vector_index import Quantization, VectorIndex
from agora.memory.scope import Scope, ScopeLevel
from agora.memory.store import EdgeList, Snapshot, Store, StoreStats
from agora.memory.stores.networkx_store import NetworkXStore
from agora.memory.stores.sqlite_store import SQLiteStore

__all__ = [
    # records, by level
    "Episode",
    "Entity",
    "Fact",
    "FactStatus",
    "Community",
    "Goal",
    "GoalStatus",
    "normalize_name",
    # scopes
    "Scope",
    "ScopeLevel",
    # stores
    "Store",
    "SQLiteStore",
    "NetworkXStore",
    "StoreStats",
    "Snapshot",
    "EdgeList",
    # graph view
    "working_set",
    "neighbourhood",
    "personalized_pagerank",
    "label_propagation",
    "build_communities",
    # retrieval
    "Retriever",
    "Retrieval",
    "RetrievedFact",
    "Expansion",
    "reciprocal_rank_fusion",
    "VectorIndex",
    "Quantization",
    # fusion and extraction
    "Fuser",
    "FusionConfig",
    "FusionResult",
    "noisy_or",
    "SourceWeights",
    "source_weights",
    "topic_profile",
    "topic_profiles",
    "profile_distance",
    "ExtractedClaims",
    "extract_claims",
    # lineage
    "message_episode",
    "lineage",
    # plan memory (DAMCS): steps -> goal nodes -> long-term goals
    "PlanMemory",
    "GoalNode",
    "GoalSummary",
    "PrerequisiteCheck",
]
