"""CrossTeam: signed proposals in a checked pool, pruning, the aggregation tree, budgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from agora import (
    Agent,
    Budget,
    BudgetExceeded,
    ConfigError,
    CrossTeam,
    IdentityError,
    ModelOutputError,
    ProtocolError,
    Result,
    RunError,
    Team,
)
from agora.agents import Pool, aggregation_depth, aggregation_temperature, partition, top_half
from agora.agents import crossteam as crossteam_module
from agora.identity import Keyring, sign, verifier, verify
from agora.models import Completion, Message, Model, ModelSettings, Usage
from agora.protocols import Conversation, Envelope, Insight, Proposal, Task
from agora.testing import FunctionModel, ScriptedModel


class Recording(Model):
    """Replies with `text` (or `reply(messages)`) and records every call's temperature."""

    def __init__(self, text: str = "merged", *, reply: Any = None, tokens: int = 1) -> None:
        super().__init__()
        self.name = "recording"
        self.text, self.reply, self.tokens = text, reply, tokens
        self.temperatures: list[float | None] = []
        self.prompts: list[str] = []

    async def complete(
        self, messages: Sequence[Message], *, json_schema: Any, settings: ModelSettings
    ) -> Completion:
        self.temperatures.append(settings.temperature)
        self.prompts.append(messages[-1].content)
        text = self.reply(messages) if self.reply else self.text
        return Completion(text, Usage(self.tokens, self.tokens, 0.0, 1))


def teams_answering(*answers: str) -> list[Team]:
    return [
        Team([Agent("solver", ScriptedModel([answer], cycle=True))], name=f"t{i}")
        for i, answer in enumerate(answers)
    ]


# -- pruning ------------------------------------------------------------------------------


def test_prune_keeps_the_top_half_by_the_scorer() -> None:
    answers = ["a" * 5, "a" * 1, "a" * 4, "a" * 2, "a" * 3]
    cross = CrossTeam(teams_answering(*answers), Agent("merger", Recording()), scorer=len,
                      insights=False)  # fmt: skip
    result = cross.run_sync("write a's")
    by_id = {env.id: env for env in result.proposals}
    assert sorted(len(by_id[i].payload.text) for i in result.pruned) == [1, 2]
    assert sorted(result.scores.values()) == [1, 2, 3, 4, 5]
    merged_from = {s for m in result.merges for s in m.sources_from if s != "merger"}
    assert merged_from == {"t0", "t2", "t4"}  # the 5-, 4- and 3-letter answers


@pytest.mark.parametrize(
    "options", [{"prune": False}, {"prune_above": 5}, {"scorer": None}], ids=str
)
def test_nothing_is_pruned_when_off_below_the_threshold_or_without_a_scorer(
    options: dict[str, Any],
) -> None:
    kwargs: dict[str, Any] = {"scorer": len, "insights": False, **options}
    cross = CrossTeam(teams_answering(*"abcde"), Agent("merger", Recording()), **kwargs)
    result = cross.run_sync("letters")
    assert result.pruned == [] and len({s for m in result.merges for s in m.sources}) == 5 + 3


def test_top_half_rounds_up_and_keeps_order() -> None:
    assert top_half([3, 1, 2], score=float) == [3, 2]
    assert top_half([], score=float) == []


# -- aggregation tree ---------------------------------------------------------------------


def test_aggregation_tree_depth_and_falling_temperature() -> None:
    merger = Recording("merged")
    cross = CrossTeam(teams_answering(*"abcde"), Agent("merger", merger), insights=False,
                      temperature=0.9)  # fmt: skip
    result = cross.run_sync("letters")
    assert result.depth == aggregation_depth(5) == 3
    by_depth = {m.depth: m.temperature for m in result.merges}
    assert [by_depth[d] for d in range(3)] == [0.9, 0.6, 0.3]
    assert merger.temperatures == [m.temperature for m in result.merges]
    assert [len(m.sources) for m in result.merges] == [2, 2, 2, 2]
    assert result.final is not None and result.final.payload.layer == 3
    assert result.answer == "merged"


def test_groups_of_up_to_four_and_a_lone_proposal_passes_on() -> None:
    merger = Recording("merged")
    cross = CrossTeam(teams_answering(*"abcde"), Agent("merger", merger), insights=False,
                      group_size=4)  # fmt: skip
    result = cross.run_sync("letters")
    assert [len(m.sources) for m in result.merges] == [4, 2]
    single = CrossTeam(teams_answering("only"), Agent("merger", merger), insights=False)
    alone = single.run_sync("one")
    assert alone.answer == "only" and alone.merges == [] and alone.depth == 0


def test_groups_are_packed_by_token_budget_shortest_first() -> None:
    assert partition([30, 10, 20, 10], group_size=4, budget=40) == [[1, 3, 2], [0]]
    assert partition([50, 50], group_size=2, budget=10) == [[0, 1]]  # a layer always merges
    with pytest.raises(ConfigError, match="group_size must be an int in \\[2, 4\\]"):
        partition([1, 2], group_size=5)
    with pytest.raises(ConfigError, match="depth"):
        aggregation_temperature(3, 3)


def test_aggregator_sees_every_solution_of_its_group_and_an_empty_merge_falls_back() -> None:
    merger = Recording("")
    cross = CrossTeam(teams_answering("first draft", "second draft"), Agent("merger", merger),
                      insights=False)  # fmt: skip
    result = cross.run_sync("draft")
    assert "### Solution 1 (from t0)" in merger.prompts[0]
    assert "second draft" in merger.prompts[0]
    assert result.merges[0].fallback and result.answer == "first draft"


# -- signatures ---------------------------------------------------------------------------


def test_proposals_and_insights_are_signed_and_verify_with_public_keys_only() -> None:
    cross = CrossTeam(teams_answering("x = 1", "x = 2"), Agent("merger", Recording("x = 3")),
                      scorer=len)  # fmt: skip
    result = cross.run_sync("set x")
    assert not cross.verifying_keyring.can_sign("t0")
    signed = [result.task, *result.proposals, *result.insights]
    assert all(env.signature and env.signature.startswith("ed25519:") for env in signed)
    assert all(verify(env, cross.verifying_keyring) is env for env in signed)
    assert {env.sender for env in result.proposals} == {"t0", "t1", "merger"}


def pool_with_task(ring: Keyring) -> tuple[Pool, Envelope]:
    conv = Conversation("c", verifier=verifier(ring.public()))
    task = sign(
        Envelope(
            conversation_id="c", sender="user", recipients=["t0", "t1"], payload=Task(text="solve")
        ),  # fmt: skip
        ring,
    )
    conv.accept(task)
    return Pool(conv), task


def test_a_tampered_forged_or_replayed_proposal_is_refused() -> None:
    ring = Keyring.generate(["t0", "t1"], kind="ed25519")
    pool, task = pool_with_task(ring)
    env = sign(
        Envelope(
            conversation_id="c",
            parent_id=task.id,
            sender="t0",
            recipients=["t1"],
            payload=Proposal(text="def f(): return 1"),
        ),  # fmt: skip
        ring,
    )
    tampered = env.model_copy(update={"payload": Proposal(text="def f(): return 2")})
    with pytest.raises(IdentityError, match="fails verification") as caught:
        pool.add(tampered)
    assert caught.value.field == "signature"
    with pytest.raises(IdentityError, match="signed as 't0', sent as 't1'"):
        pool.add(env.model_copy(update={"sender": "t1"}))
    pool.add(env)
    with pytest.raises(IdentityError, match="replayed"):
        pool.add(env)
    with pytest.raises(ProtocolError, match="proposals and insights"):
        pool.add(task)
    assert [e.id for e in pool.proposals] == [env.id]


def test_a_proposal_tampered_in_a_run_stops_it_with_the_identity_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def tamper(env: Envelope, ring: Keyring) -> Envelope:
        signed = sign(env, ring)
        if env.sender == "t1" and isinstance(env.payload, Proposal):
            return signed.model_copy(update={"payload": Proposal(text="import os")})
        return signed

    monkeypatch.setattr(crossteam_module, "sign", tamper)
    cross = CrossTeam(teams_answering("a", "b"), Agent("merger", Recording()), insights=False)
    with pytest.raises(IdentityError, match="from 't1' fails verification") as caught:
        cross.run_sync("letters")
    assert caught.value.partial is not None and caught.value.partial.answer == ""


# -- insights -----------------------------------------------------------------------------


class Feedback:
    def score(self, candidate: str) -> float:
        return float(len(candidate))

    def feedback(self, candidate: str) -> str:
        return f"{candidate!r} is {len(candidate)} long"


def test_insights_carry_lessons_and_every_team_revises_once() -> None:
    seen: list[str] = []

    def solver(draft: str) -> FunctionModel:
        def reply(messages: Sequence[Message], schema: object) -> str:
            seen.append(messages[-1].content)
            return draft if len(seen) <= 2 else draft.upper()

        return FunctionModel(reply)

    teams = [Team([Agent("solver", solver(d))], name=f"t{i}") for i, d in enumerate(["ab", "c"])]
    result = CrossTeam(teams, Agent("merger", Recording()), scorer=Feedback()).run_sync("go")
    assert [i.payload.text for i in result.insights] == ["'ab' is 2 long", "'c' is 1 long"]
    first = {
        p.sender: p for p in result.proposals if p.payload.layer == 0 and not p.payload.sources
    }
    assert all(i.parent_id == first[i.sender].id for i in result.insights)
    assert result.insights[0].recipients == ["t1"]
    revised = [p for p in result.proposals if p.payload.sources and p.payload.layer == 0]
    assert {p.payload.text for p in revised} == {"AB", "C"}
    assert all(p.payload.sources == [first[p.sender].id] for p in revised)
    assert "- t1: 'c' is 1 long" in seen[-1] and "Your team's solution so far" in seen[-1]
    assert [len(runs) for runs in result.runs.values()] == [2, 2]


def test_without_a_feedback_method_each_team_writes_its_own_lesson() -> None:
    model = ScriptedModel(["draft", "check the edge cases", "final"])
    team = Team([Agent("solver", model)], name="solo")
    result = CrossTeam([team], Agent("merger", Recording())).run_sync("go")
    assert [i.payload.text for i in result.insights] == ["check the edge cases"]
    assert result.insights[0].recipients == ["solo"] and result.answer == "final"
    model.assert_complete()


# -- budgets and failures -----------------------------------------------------------------


def test_a_budget_across_teams_stops_the_run_with_the_typed_error() -> None:
    teams = [Team([Agent("solver", Recording("draft", tokens=40))], name=f"t{i}") for i in range(3)]
    cross = CrossTeam(teams, Agent("merger", Recording()), insights=False,
                      budget=Budget(tokens=150))  # fmt: skip
    with pytest.raises(BudgetExceeded, match="tokens") as caught:
        cross.run_sync("go")
    assert caught.value.resource == "tokens" and caught.value.used > 150
    partial = caught.value.partial
    assert partial.answer == "" and partial.total_usage.total_tokens > 150
    roomy = CrossTeam(teams, Agent("merger", Recording()), insights=False,
                      budget=Budget(tokens=1_000))  # fmt: skip
    done = roomy.run_sync("go")
    assert done.total_usage.total_tokens == 3 * 80 + 2 * 2
    assert set(done.usage) == {"t0", "t1", "t2", "merger"}


class Withheld(Team):
    """A team whose every answer its guardian withheld (the answer comes back empty)."""

    async def run(self, task: str, **kwargs: Any) -> Result:
        return Result(answer="", answered_by="", conversation_id="c")


def test_no_proposal_at_all_is_a_run_error_and_a_model_failure_propagates() -> None:
    teams = [Withheld([Agent("solver", Recording())], name="t0")]
    with pytest.raises(RunError, match="no team gave a proposal"):
        CrossTeam(teams, Agent("merger", Recording()), insights=False).run_sync("go")
    failing = teams_answering("a") + [Team([Agent("solver", Recording(" "))], name="t1")]
    with pytest.raises(ModelOutputError, match="empty answer") as caught:
        CrossTeam(failing, Agent("merger", Recording()), insights=False).run_sync("go")
    assert caught.value.partial is not None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: CrossTeam(teams_answering("a") * 2), "two teams share a name"),
        (lambda: CrossTeam([]), "1 to 32 teams"),
        (lambda: CrossTeam("team"), "list of Teams"),  # type: ignore[arg-type]
        (lambda: CrossTeam(teams_answering("a"), group_size=5), "group_size"),
        (lambda: CrossTeam(teams_answering("a"), scorer=3), "scorer"),  # type: ignore[arg-type]
        (lambda: CrossTeam(teams_answering("a"), budget=5), "budget"),  # type: ignore[arg-type]
        (lambda: CrossTeam(teams_answering("a"), keyring=Keyring.generate(["x"])), "sign as"),
        (lambda: CrossTeam.diverse("local", teams=3, temperatures=[0.1]), "one temperature"),
    ],
)
def test_bad_options_are_config_errors_that_say_the_fix(build: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build()


def test_diverse_teams_differ_in_temperature_and_persona() -> None:
    model = ScriptedModel(["x"], cycle=True)
    cross = CrossTeam.diverse(model, teams=2, personas=["Be terse.", "Be careful."])
    solvers = [team.member("solver") for team in cross.teams]
    assert [s.settings.temperature for s in solvers] == [0.2, 1.0]
    assert [s.instructions for s in solvers] == ["Be terse.", "Be careful."]
    assert cross.aggregator.name == "aggregator" and cross.run_sync("go").answer == "x"


def test_diverse_teams_run_under_the_team_budget_given() -> None:
    model = ScriptedModel(["x"], cycle=True)
    lifted = Budget(wall_time_s=None)
    cross = CrossTeam.diverse(model, teams=2, team_budget=lifted)
    assert [team.budget for team in cross.teams] == [lifted, lifted]
    assert CrossTeam.diverse(model, teams=1).teams[0].budget == Budget()  # Team's default
    with pytest.raises(ConfigError, match="team_budget must be a Budget"):
        CrossTeam.diverse(model, teams=2, team_budget=30)  # type: ignore[arg-type]


async def test_run_is_async_first() -> None:
    cross = CrossTeam(teams_answering("a", "b"), Agent("merger", Recording("ab")), insights=False)
    assert (await cross.run("letters")).answer == "ab"


def test_insight_payload_needs_text() -> None:
    with pytest.raises(ProtocolError, match="text"):
        Insight(text="")
