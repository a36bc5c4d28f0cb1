"""Property: the public API answers hostile input with success or an `AgoraError`, nothing else.

Every argument of the constructors and methods below is drawn from hostile values (None,
bools, NaN and infinities, huge and negative numbers, lone surrogates, empty and overlong
strings, lists where a string is expected, dicts, bare objects), mixed with valid ones so
that calls also get past their first check. A call must succeed or raise an `AgoraError`
subclass (any other exception fails the test), and a call that raised must leave the
object's observable state (router membership and learning, team layout, store export,
index contents) as it was.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agora import (
    Agent,
    AgoraError,
    Budget,
    CircuitBreaker,
    Community,
    Entity,
    Episode,
    Fact,
    Goal,
    HashEmbedder,
    ModelSettings,
    Network,
    NetworkXStore,
    Price,
    Result,
    RetryPolicy,
    Router,
    Scope,
    ScriptedModel,
    SQLiteStore,
    Team,
    Tool,
    model_from_spec,
    parse_envelope,
)
from agora.embeddings import CachedEmbedder
from agora.memory import Fuser, FusionConfig, Retriever, VectorIndex, lineage
from agora.protocols.payloads import Answer, KnowledgeClaim, SplitPart, Task

SURROGATES = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2, 3, 2**63, 10**30]),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, -0.0, 1e308, 5e-324]),
    st.text(max_size=8),
    SURROGATES,
    st.sampled_from(["", " ", "geo", "chem", "a1", "t1", "geo\n", "x" * 70, "global"]),
    st.builds(object),
    st.binary(max_size=4),
)
HOSTILE = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=3), SCALARS, max_size=2),
    st.tuples(SCALARS, SCALARS),
)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def arg(*valid: Any) -> st.SearchStrategy[Any]:
    """One of the `valid` values three draws in four, else a hostile one.

    So a call with several arguments often has exactly one bad one (each check is reached)
    and now and then none (the call must then succeed or fail for a documented reason).
    """
    hostile = st.sampled_from([False, False, False, True])
    return hostile.flatmap(lambda bad: HOSTILE if bad else st.sampled_from(valid))


def outcome(call: Callable[[], Any]) -> bool:
    """Run `call`: True on success, False on an agora error; anything else propagates."""
    try:
        call()
    except AgoraError as exc:
        event(f"{type(exc).__name__}")
        return False
    event("success")
    return True


# -- constructors ---------------------------------------------------------------------------


def _add(a: int, b: int) -> int:
    return a + b


CONSTRUCTORS: dict[str, tuple[Callable[..., Any], dict[str, st.SearchStrategy[Any]]]] = {
    "ModelSettings": (
        ModelSettings,
        {
            "temperature": arg(0.0, 0.7, None),
            "max_tokens": arg(1, 256, None),
            "max_json_tokens": arg(64, None),
            "seed": arg(0, 7, None),
            "timeout_s": arg(1.5, None),
        },
    ),
    "Price": (Price, {"prompt_per_mtok": arg(0.0, 0.15), "completion_per_mtok": arg(0.6)}),
    "Budget": (
        Budget,
        {
            "hops": arg(2, 32, None),
            "tokens": arg(100, None),
            "cost_usd": arg(0.5, None),
            "wall_time_s": arg(30.0, None),
            "max_forwards": arg(0, 3),
        },
    ),
    "RetryPolicy": (
        RetryPolicy,
        {
            "max_attempts": arg(1, 4),
            "base_delay_s": arg(0.0, 0.5),
            "max_delay_s": arg(20.0),
            "timeout_s": arg(None, 5.0),
        },
    ),
    "CircuitBreaker": (
        CircuitBreaker,
        {
            "failure_threshold": arg(1, 10),
            "window": arg(50),
            "failure_rate": arg(0.9, 1.0),
            "cooldown_s": arg(0.0, 10.0),
        },
    ),
    "Router": (
        lambda **kw: Router(HashEmbedder(dim=16), **kw),
        {
            "mode": arg("top1", "topk", "dynamic"),
            "k": arg(1, 3),
            "p": arg(0.6, 1.0),
            "temperature": arg(0.05),
            "drift": arg(0.0, 0.05),
            "topic_threshold": arg(0.3, -1.0),
            "explore": arg(False, True),
            "seed": arg(0, 5),
        },
    ),
    "Network": (
        Network,
        {"names": arg(["a", "b"], ()), "alpha": arg(0.8, 0.0), "prune_below": arg(0.2)},
    ),
    "HashEmbedder": (
        HashEmbedder,
        {"dim": arg(2, 64), "char_ngrams": arg(True, False), "char_weight": arg(0.5, 0.0)},
    ),
    "CachedEmbedder": (lambda **kw: CachedEmbedder(HashEmbedder(dim=8), **kw), {"maxsize": arg(1)}),
    "VectorIndex": (
        VectorIndex,
        {
            "dim": arg(2, 16),
            "quantization": arg("int8", "float16", "float32"),
            "train_at": arg(0, 100),
            "probes": arg(1, 12),
            "seed": arg(0),
        },
    ),
    "FusionConfig": (
        FusionConfig,
        {
            "k": arg(1, 2),
            "functional": arg(None, {"born_in"}),
            "literal_relations": arg((), ["age"]),
            "margin": arg(1.0),
            "min_history": arg(3),
            "min_relevance": arg(0.1),
            "promote_to": arg("team", "global"),
            "min_trust": arg(0.75, 1.5),
        },
    ),
    "Retriever": (
        lambda **kw: Retriever(NetworkXStore(), **kw),
        {
            "embedder": arg(None, HashEmbedder(dim=8)),
            "trust": arg(None, {"a1": 0.5}),
            "half_life_s": arg(None, 3600.0),
            "expansion": arg("none", "hops", "pagerank"),
            "hops": arg(1, 2),
            "candidates": arg(16),
            "decay": arg(0.5),
            "min_similarity": arg(0.0),
        },
    ),
    "Agent": (
        lambda **kw: Agent(model=ScriptedModel([]), **kw),
        {
            "name": arg("geo", "a.b-c_1"),
            "expertise": arg("", "geography"),
            "instructions": arg(""),
            "max_answer_chars": arg(1000),
            "max_tool_calls": arg(0, 4),
            "settings": arg(None, ModelSettings()),
            "policy": arg("model", "router"),
            "aggregate": arg("vote", "weighted", "synthesize"),
            "max_neighbours": arg(8),
            "tools": arg((), [_add]),
        },
    ),
    "Tool": (
        Tool.from_function,
        {"fn": arg(_add), "name": arg(None, "plus"), "description": arg(None, "adds")},
    ),
    "Scope": (
        Scope,
        {
            "level": arg("agent", "team", "global"),
            "agent_id": arg(None, "a1"),
            "team_id": arg(None, "t1"),
        },
    ),  # fmt: skip
    "Entity.named": (Entity.named, {"name": arg("Paris"), "type": arg("", "city")}),
    "Episode": (
        Episode,
        {
            "agent": arg("a1"),
            "text": arg("saw it"),
            "kind": arg("message"),
            "created_at": arg(0.0, 1e9),
            "conversation_id": arg(None, "c1"),
            "message_id": arg(None, "m1"),
            "recipients": arg((), ("user", "a2")),
            "verified": arg(None, True, False),
        },
    ),  # fmt: skip
    "Fact": (
        Fact,
        {
            "subject": arg("e_1"),
            "relation": arg("r"),
            "literal": arg("x"),
            "agents": arg(("a1",)),
            "episodes": arg((), ("ep1",)),
            "confidence": arg(0.5, 1),
            "valid_from": arg(0.0, 10),
            "status": arg("active", "disputed"),
            "promoted_by": arg(None, "fusion"),
        },
    ),
    "Community": (
        Community,
        {"id": arg("c1"), "members": arg(("e_1",), ("e_1", "e_2")), "level": arg(0, 2)},
    ),
    "Goal": (
        Goal,
        {"agent": arg("a1"), "text": arg("plan"), "parent": arg(None, "g0"), "facts": arg(())},
    ),
    "Task": (Task, {"text": arg("2+2?"), "context": arg("")}),
    "Answer": (Answer, {"text": arg("4"), "confidence": arg(None, 0.5)}),
    "SplitPart": (SplitPart, {"to": arg("geo"), "text": arg("part"), "weight": arg(None, 1)}),
    "KnowledgeClaim": (
        KnowledgeClaim,
        {
            "subject": arg("Paris"),
            "relation": arg("in"),
            "object": arg("France"),
            "confidence": arg(0.5),
        },
    ),  # fmt: skip
    "model_from_spec": (model_from_spec, {"spec": arg("http://127.0.0.1:8080/v1#m")}),
    "parse_envelope": (parse_envelope, {"raw": arg(b"{}")}),
}


@PROPERTY
@given(data=st.data(), name=st.sampled_from(sorted(CONSTRUCTORS)))
def test_constructors_succeed_or_raise_agora_errors(data: st.DataObject, name: str) -> None:
    build, strategies = CONSTRUCTORS[name]
    kwargs = {key: data.draw(strategy, label=key) for key, strategy in strategies.items()}
    event(name)
    outcome(lambda: build(**kwargs))


# -- methods, with state that must survive an error ------------------------------------------

EXPERTS = {"geo": "geography: capitals and rivers", "chem": "chemistry: acids and reactions"}


def make_router() -> Router:
    router = Router(HashEmbedder(dim=16), mode="dynamic")
    for agent, text in EXPERTS.items():
        router.register(agent, text)
    return router


def router_state(router: Router) -> Any:
    rows = len(router)
    return (
        router.names,
        {n: router.expertise(n) for n in router.names},
        router._reliability.snapshot(),
        dict(router._load),
        router._topics.snapshot(),
        router._profiles[:rows].tobytes(),
    )


ROUTE = make_router().route("capitals")
ROUTER_CALLS: dict[str, Callable[[Router, st.DataObject], Any]] = {
    "register": lambda r, d: r.register(d.draw(arg("law", "geo")), d.draw(arg("law: courts"))),
    "unregister": lambda r, d: r.unregister(d.draw(arg("geo", "nobody"))),
    "route": lambda r, d: r.route(
        d.draw(arg("rivers", r.embed("acids"))),
        d.draw(arg(None, ["geo", "chem"], ("chem",))),
        exclude=d.draw(arg((), ["geo"])),
        mode=d.draw(arg(None, "topk", "dynamic")),
        k=d.draw(arg(None, 1, 2)),
        p=d.draw(arg(None, 0.5)),
        explore=d.draw(arg(None, False)),
    ),
    "record": lambda r, d: r.record(
        d.draw(arg(ROUTE)),
        d.draw(arg("geo", "chem")),
        d.draw(arg(1.0, 0, True)),
        d.draw(arg(None, "capital of Peru")),
    ),  # fmt: skip
    "begin": lambda r, d: r.begin(d.draw(arg("geo"))),
    "end": lambda r, d: r.end(d.draw(arg("geo"))),
    "expertise": lambda r, d: r.expertise(d.draw(arg("geo"))),
    "reliability": lambda r, d: r.reliability(d.draw(arg("geo")), d.draw(arg(-1, 0))),
    "topic_of": lambda r, d: r.topic_of(d.draw(arg("rivers"))),
    "embed": lambda r, d: r.embed(d.draw(arg("rivers"))),
}


@PROPERTY
@given(data=st.data(), name=st.sampled_from(sorted(ROUTER_CALLS)))
def test_router_methods_succeed_or_raise_and_change_nothing(data: st.DataObject, name: str) -> None:
    router = make_router()
    before = router_state(router)
    event(name)
    if not outcome(lambda: ROUTER_CALLS[name](router, data)):
        assert router_state(router) == before


ANSWER = '{"action": "answer", "answer": "x"}'


def make_team() -> Team:
    agents = [Agent(n, ScriptedModel([ANSWER], cycle=True), expertise=EXPERTS.get(n, ""))
              for n in ("hub", "geo", "chem")]  # fmt: skip
    return Team(agents, router=make_router())


def team_state(team: Team) -> Any:
    edges = sorted(team.network.graph.edges(data="weight"))
    assert team.router is not None
    return tuple(team.agents), edges, dict(team.network.pruned), team.entry, team.router.names


@functools.cache
def a_result() -> Result:
    return make_team().run_sync("capitals?")


TEAM_CALLS: dict[str, Callable[[Team, st.DataObject], Any]] = {
    "connect": lambda t, d: t.connect(
        d.draw(arg("geo", "hub")), d.draw(arg("chem")), weight=d.draw(arg(1.0, 0.5))
    ),
    "add_agent": lambda t, d: t.add_agent(
        d.draw(arg(Agent("law", ScriptedModel([ANSWER])))),
        inbound=d.draw(arg((), ["hub"])),
        outbound=d.draw(arg((), ["geo"])),
    ),
    "remove_agent": lambda t, d: t.remove_agent(d.draw(arg("geo", "hub"))),
    "member": lambda t, d: t.member(d.draw(arg("geo"))),
    "neighbours": lambda t, d: t.neighbours(d.draw(arg("hub"))),
    "feedback": lambda t, d: t.feedback(d.draw(arg(a_result())), d.draw(arg(1.0, 0.0, True))),
    "disconnect": lambda t, d: t.network.disconnect(d.draw(arg("hub")), d.draw(arg("geo"))),
    "reinforce": lambda t, d: t.network.reinforce(
        d.draw(arg([("hub", "geo")])), d.draw(arg(0.0, 1.0))
    ),
    "restore": lambda t, d: t.network.restore(d.draw(arg("hub")), d.draw(arg("geo"))),
    "run": lambda t, d: t.run_sync(
        d.draw(arg("What is 2 + 2?")),
        context=d.draw(arg("")),
        run_id=d.draw(arg(None, "run-1")),
        on_event=d.draw(arg(None, lambda event: None)),
    ),
}


@settings(PROPERTY, max_examples=100)
@given(data=st.data(), name=st.sampled_from(sorted(TEAM_CALLS)))
def test_team_methods_succeed_or_raise_and_change_nothing(data: st.DataObject, name: str) -> None:
    team = make_team()
    before = team_state(team)
    event(name)
    if not outcome(lambda: TEAM_CALLS[name](team, data)):
        assert team_state(team) == before


def make_store(backend: str) -> Any:
    store = SQLiteStore(":memory:") if backend == "sqlite" else NetworkXStore()
    a, b = Entity.named("Ada"), Entity.named("Maths")
    store.upsert_entities([a, b])
    store.add_facts([Fact.triple(a, "studied", b, agent="a1", id="f1", valid_from=1.0)])
    store.add_episode(Episode(agent="a1", text="hello", id="ep1"))
    store.put_goal(Goal(agent="a1", text="learn", id="g1"))
    return store


ADA = Entity.named("Ada").id
A1 = Scope.agent("a1")
SCOPES = arg(None, A1, Scope.GLOBAL, Scope.team("t1"))
STATUSES = arg(None, ["active"], ("active", "superseded"))
STORE_CALLS: dict[str, Callable[[Any, st.DataObject], Any]] = {
    "facts": lambda s, d: s.facts(
        about=d.draw(arg(None, ADA)),
        relation=d.draw(arg(None, "studied")),
        scope=d.draw(SCOPES),
        valid_at=d.draw(arg(None, 1.5)),
        statuses=d.draw(STATUSES),
        limit=d.draw(arg(None, 1, 0)),
    ),  # fmt: skip
    "history": lambda s, d: s.history(d.draw(arg(ADA)), d.draw(arg(None, "studied"))),
    "get": lambda s, d: (
        s.get_fact(d.draw(arg("f1"))),
        s.get_entity(d.draw(arg(ADA))),
        s.get_episode(d.draw(arg("ep1"))),
        s.get_goal(d.draw(arg("g1"))),
        s.get_facts(d.draw(arg(["f1"], ()))),
        s.find_entities(d.draw(arg("ada"))),
    ),  # fmt: skip
    "search": lambda s, d: s.search(
        d.draw(arg("ada")),
        scope=d.draw(SCOPES),
        valid_at=d.draw(arg(None, 1.5)),
        statuses=d.draw(STATUSES),
        limit=d.draw(arg(10, 0)),
    ),  # fmt: skip
    "neighbours": lambda s, d: s.neighbours(
        d.draw(arg(ADA)),
        hops=d.draw(arg(1, 2)),
        scope=d.draw(SCOPES),
        valid_at=d.draw(arg(None, 1.5)),
        limit=d.draw(arg(1000)),
    ),  # fmt: skip
    "graph": lambda s, d: s.graph(
        scope=d.draw(SCOPES),
        around=d.draw(arg(None, [ADA])),
        hops=d.draw(arg(2)),
        valid_at=d.draw(arg(None, 1.5)),
    ),  # fmt: skip
    "export": lambda s, d: (s.export(scope=d.draw(SCOPES)), s.edges(scope=d.draw(SCOPES))),
    "episodes": lambda s, d: s.episodes(scope=d.draw(SCOPES), limit=d.draw(arg(100, -1))),
    "lineage": lambda s, d: lineage(d.draw(arg(s)), d.draw(arg("f1"))),
    "goals": lambda s, d: s.goals(
        scope=d.draw(SCOPES), parent=d.draw(arg(None, "g1")), status=d.draw(arg(None, "open"))
    ),
    "communities": lambda s, d: s.communities(
        level=d.draw(arg(None, 0)), entity=d.draw(arg(None, ADA))
    ),
    "set_status": lambda s, d: s.set_status(d.draw(arg("f1")), d.draw(arg("disputed"))),
    "promote": lambda s, d: s.promote(
        d.draw(arg("f1", "g1")), d.draw(arg(Scope.GLOBAL, Scope.team("t1"))), by=d.draw(arg("x"))
    ),
    "supersede": lambda s, d: s.supersede(
        d.draw(arg("f1")),
        d.draw(arg(Fact.triple(Entity.named("Ada"), "studied", "art", agent="a1", valid_from=2.0))),
    ),  # fmt: skip
    "put_communities": lambda s, d: s.put_communities(
        d.draw(arg([Community(id="c1", members=(ADA,))], [])), level=d.draw(arg(0, 1))
    ),
    "delete_goal": lambda s, d: s.delete_goal(d.draw(arg("g1"))),
    "upsert_entities": lambda s, d: s.upsert_entities(d.draw(arg([Entity.named("Bob")]))),
    "add_facts": lambda s, d: s.add_facts(
        d.draw(arg([], [Fact.triple(Entity.named("Ada"), "r", "x", agent="a1")]))
    ),
    "add_episodes": lambda s, d: s.add_episodes(d.draw(arg([], [Episode(agent="a1", text="x")]))),
    "put_goal": lambda s, d: s.put_goal(d.draw(arg(Goal(agent="a1", text="x", id="g2")))),
}


@PROPERTY
@given(
    data=st.data(),
    name=st.sampled_from(sorted(STORE_CALLS)),
    backend=st.sampled_from(["sqlite", "networkx"]),
)
def test_store_methods_succeed_or_raise_and_change_nothing(
    data: st.DataObject, name: str, backend: str
) -> None:
    store = make_store(backend)
    before = store.export()
    event(name)
    try:
        if not outcome(lambda: STORE_CALLS[name](store, data)):
            assert store.export() == before
    finally:
        store.close()


def index_state(index: VectorIndex) -> Any:
    return len(index), index.search([1.0, 0.0], k=10)


MEMORY_CALLS: dict[str, Callable[[st.DataObject], Any]] = {
    "embed": lambda d: HashEmbedder(dim=8).embed(d.draw(arg(["a", "b"], [], ("x",)))),
    "cached-embed": lambda d: CachedEmbedder(HashEmbedder(dim=8)).embed(d.draw(arg(["a"]))),
    "retrieve": lambda d: Retriever(NetworkXStore(), embedder=HashEmbedder(dim=8)).retrieve(
        d.draw(arg("ada")),
        scope=d.draw(SCOPES),
        valid_at=d.draw(arg(None, 1.0)),
        token_budget=d.draw(arg(1000, 0)),
        query_vector=d.draw(arg(None, [0.0] * 8)),
    ),  # fmt: skip
    "index_facts": lambda d: Retriever(NetworkXStore(), embedder=HashEmbedder(dim=8)).index_facts(
        d.draw(arg([], [Fact(subject="e", relation="r", literal="x", agents=("a1",))])),
        batch=d.draw(arg(4096, 1)),
    ),
    "fuse": lambda d: Fuser(NetworkXStore(), embedder=HashEmbedder(dim=8)).fuse(
        d.draw(arg(KnowledgeClaim(subject="Paris", relation="in", object="France"))),
        agent=d.draw(arg("a1")),
        team=d.draw(arg(None, "t1")),
        episode=d.draw(arg(None, "e")),
        valid_from=d.draw(arg(None, 0.0)),
        interest=d.draw(arg(None, [0.0] * 8)),
    ),  # fmt: skip
}


@PROPERTY
@given(data=st.data(), name=st.sampled_from(sorted(MEMORY_CALLS)))
def test_memory_helpers_succeed_or_raise(data: st.DataObject, name: str) -> None:
    event(name)
    outcome(lambda: MEMORY_CALLS[name](data))


@PROPERTY
@given(
    ids=arg(["a"], ["a", "b"]),
    vectors=arg([[0.0, 1.0]], [[1.0, 0.0], [0.5, 0.5]]),
    query=arg([1.0, 0.0]),
    k=arg(1, 5),
)
def test_vector_index_succeeds_or_raises_and_changes_nothing(
    ids: Any, vectors: Any, query: Any, k: Any
) -> None:
    index = VectorIndex(2, train_at=0)
    index.add(["x"], [[1.0, 0.0]])
    before = index_state(index)
    if not outcome(lambda: index.add(ids, vectors)):
        assert index_state(index) == before
    outcome(lambda: index.search(query, k=k))
