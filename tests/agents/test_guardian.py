"""Guardians: each check on its own, the combined verdict, trust, credibility, roll-back."""

from __future__ import annotations

import pytest

from agora import ConfigError, Guardian, KnowledgeClaim
from agora.agents import (
    ContradictionCheck,
    CorroborationCheck,
    FactCheck,
    GuardContext,
    IdentityCheck,
    PersuasionCheck,
    Submission,
    TrustBook,
    TrustCheck,
)
from agora.identity import Keyring, sign
from agora.memory import Entity, Fact, NetworkXStore
from agora.protocols import Answer, Envelope, Task
from agora.testing import ScriptedModel

CLAIM = KnowledgeClaim(subject="Danielle Darrieux", relation="native_language", object="English")


def store_with_truth() -> NetworkXStore:
    store = NetworkXStore()
    person, french = Entity.named("Danielle Darrieux"), Entity.named("French")
    store.upsert_entities([person, french])
    store.add_fact(Fact.triple(person, "native_language", french, agent="b1", confidence=0.9))
    return store


def test_identity_check_refuses_unsigned_and_forged_envelopes() -> None:
    ring = Keyring.generate(["geo"])
    env = Envelope(sender="geo", recipients=["user"], payload=Answer(text="Paris"))
    context = GuardContext(keyring=ring)
    check = IdentityCheck()
    unsigned = check.score(Submission(sender="geo", text="Paris", envelope=env), context)
    assert unsigned is not None and unsigned.suspicion == 1.0 and "not signed" in unsigned.reason
    signed = sign(env, ring)
    assert check.score(Submission(sender="geo", text="Paris", envelope=signed), context) is None
    forged = signed.model_copy(update={"payload": Answer(text="Lyon")})
    assert check.score(Submission(sender="geo", text="", envelope=forged), context) is not None
    assert check.score(Submission(sender="geo", text="", envelope=env), GuardContext()) is None


def test_corroboration_counts_independent_sources_by_lineage() -> None:
    check = CorroborationCheck()
    alone = check.score(Submission(sender="m", text="", claim=CLAIM), GuardContext())
    assert alone is not None and alone.suspicion == pytest.approx(0.35)
    # b2 repeats what m said: by lineage that is still one source
    echoed = Submission(sender="b2", text="", claim=CLAIM, sources=("m",))
    assert check.score(echoed, GuardContext()) is not None
    two = Submission(sender="b2", text="", claim=CLAIM, sources=("m", "b3"))
    assert check.score(two, GuardContext()) is None


def test_contradiction_with_trusted_memory_is_suspect() -> None:
    check = ContradictionCheck()
    context = GuardContext(store=store_with_truth())
    finding = check.score(Submission(sender="m", text="", claim=CLAIM), context)
    assert finding is not None and finding.suspicion == pytest.approx(0.9)
    assert "French" in finding.reason and "b1" in finding.reason
    agrees = KnowledgeClaim(
        subject="Danielle Darrieux", relation="native_language", object="french"
    )
    assert check.score(Submission(sender="m", text="", claim=agrees), context) is None
    own = Submission(sender="b1", text="", claim=CLAIM)  # b1 contradicting itself is no signal
    assert check.score(own, context) is None


def test_trust_falls_with_refusals_and_the_check_follows() -> None:
    book = TrustBook()
    for _ in range(3):
        book.record("m", accepted=False)
    finding = TrustCheck().score(Submission(sender="m", text=""), GuardContext(trust=book))
    assert finding is not None and finding.suspicion == pytest.approx(0.6)
    assert TrustCheck().score(Submission(sender="b", text=""), GuardContext(trust=book)) is None


@pytest.mark.parametrize(
    ("text", "suspect"),
    [
        ("Paris is the capital of France.", False),
        ("I think it might be Lyon, but I am not sure.", False),
        ("Clearly the answer is 42.", False),  # one mild cue
        (
            "Without a doubt, and as every expert and published study confirms, the records "
            "from 1953, 1961 and 1978 prove it conclusively! " * 3,
            True,
        ),
    ],
)
def test_persuasion_cues(text: str, suspect: bool) -> None:
    finding = PersuasionCheck().score(Submission(sender="x", text=text), GuardContext())
    assert (finding is not None) is suspect
    if finding is not None:
        assert finding.suspicion <= PersuasionCheck().ceiling  # alone it cannot quarantine


@pytest.mark.parametrize(
    ("verdict", "suspicion"), [("supported", None), ("contradicted", 0.8), ("unknown", 0.1)]
)
def test_a_model_fact_check(verdict: str, suspicion: float | None) -> None:
    model = ScriptedModel([{"verdict": verdict, "reason": "memory says French"}])
    finding = FactCheck(model).score(
        Submission(sender="m", text="", claim=CLAIM), GuardContext(store=store_with_truth())
    )
    assert (None if finding is None else finding.suspicion) == suspicion
    assert "French" in model.calls[0][-1].content  # retrieval reached the prompt


def test_the_verdict_combines_checks_and_updates_trust() -> None:
    guardian = Guardian(store=store_with_truth())
    attack = Submission(sender="m", text="Trust me.", claim=CLAIM)
    verdict = guardian.review(attack)
    assert verdict.action == "quarantine"
    assert [f.check for f in verdict.findings] == ["contradiction", "corroboration"]
    assert verdict.credibility == pytest.approx((1 - 0.9) * (1 - 0.35), abs=1e-3)
    alert = verdict.alert()
    assert alert is not None and alert.level == "critical" and "contradicts" in alert.text
    assert guardian.context.trust.trust("m") < 0.5
    benign = guardian.review(
        Submission(
            sender="b2", text="She was French.", claim=CLAIM.model_copy(update={"object": "French"})
        )
    )
    assert benign.action == "accept" and benign.alert() is None


def test_a_reviewed_envelope_carries_its_credibility_outside_the_signature() -> None:
    ring = Keyring.generate(["geo"])
    env = sign(Envelope(sender="user", recipients=["geo"], payload=Task(text="Hi")), ring)
    seen, verdict = Guardian(keyring=ring).review_envelope(env)
    assert seen.credibility == verdict.credibility == 1.0
    from agora.identity import verify

    verify(seen, ring)  # setting the score does not break the signature


def test_roll_back_quarantines_exactly_what_the_source_alone_put_in() -> None:
    store = store_with_truth()
    person, english, france = (Entity.named(n) for n in ("Danielle Darrieux", "English", "France"))
    store.upsert_entities([english, france])
    planted = Fact.triple(person, "native_language", english, agent="m", confidence=0.9)
    also_by_m = Fact.triple(english, "spoken_in", france, agent="m")
    corroborated = Fact.triple(france, "uses", english, agent="m")
    corroborated = Fact(**{**_fields(corroborated), "agents": ("m", "b2")})
    store.add_facts([planted, also_by_m, corroborated])
    guardian = Guardian(store=store)
    assert set(guardian.roll_back("m")) == {planted.id, also_by_m.id}
    for fact_id in (planted.id, also_by_m.id):
        fact = store.get_fact(fact_id)
        assert fact is not None and fact.status == "quarantined"  # hidden, not deleted
    kept = store.get_fact(corroborated.id)
    assert kept is not None and kept.status == "active"  # b2 asserted it too
    assert {f.id for f in store.facts()} == {corroborated.id} | {
        f.id for f in store.facts() if "m" not in f.agents
    }
    assert guardian.context.trust.trust("m") < 0.5


def _fields(fact: Fact) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(fact, f.name) for f in dataclasses.fields(fact)}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"flag_at": 0.0},
        {"flag_at": 0.7, "quarantine_at": 0.5},
        {"weights": {"trust": 2.0}},
        {"checks": [object()]},
    ],
)
def test_bad_guardian_options_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Guardian(**kwargs)  # type: ignore[arg-type]


def test_roll_back_without_a_store_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs a memory store"):
        Guardian().roll_back("m")


def test_a_new_uncorroborated_claim_is_held_then_judged_with_what_others_said() -> None:
    store = NetworkXStore()
    guardian = Guardian(store=store, hold_new=True)
    person, english, french = (Entity.named(n) for n in ("Danielle Darrieux", "English", "French"))
    store.upsert_entities([person, english, french])
    attack = Submission(sender="m", text="She was English.", claim=CLAIM)
    assert guardian.review(attack).action == "hold"  # nobody has said anything yet
    assert guardian.held == (attack,)
    assert guardian.context.trust.trust("m") == 0.5  # holding is no verdict on the sender
    for who in ("b1", "b2"):  # meanwhile two agents state what they know
        store.add_fact(Fact.triple(person, "native_language", french, agent=who, confidence=0.7))
    ((released, verdict),) = guardian.release()
    assert released is attack and verdict.action == "quarantine"
    assert "contradiction" in [f.check for f in verdict.findings]
    assert guardian.held == () and guardian.release() == []


def test_a_claim_on_a_known_fact_is_judged_at_once_even_when_holding() -> None:
    guardian = Guardian(store=store_with_truth(), hold_new=True)
    assert guardian.review(Submission(sender="m", text="", claim=CLAIM)).action == "quarantine"
    assert guardian.held == ()


def test_a_fact_check_defaults_to_the_embedded_model_and_loads_it_only_when_used() -> None:
    from agora.errors import ConfigError

    check = FactCheck()
    assert repr(check) == "FactCheck(model='local')"  # nothing built yet
    with pytest.raises(ConfigError, match="model spec"):
        FactCheck(3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="contradicted"):
        FactCheck(contradicted=1.5)
    with pytest.raises(ConfigError, match="unknown model spec"):
        _ = FactCheck("gpt-4").model  # a bad spec fails where it is first used, typed


def test_a_fact_check_waits_outside_a_loop_and_is_awaited_inside_one() -> None:
    import asyncio

    from agora.errors import UserError

    model = ScriptedModel([{"verdict": "contradicted", "reason": "no"}] * 2)
    guardian = Guardian([FactCheck(model)])
    claim = Submission(sender="m", text="The moon is cheese.")
    assert guardian.review(claim).action == "quarantine"

    async def inside() -> str:
        with pytest.raises(UserError):
            guardian.review(claim)  # blocking inside a loop is refused, not hung
        return (await guardian.areview(claim)).action

    assert asyncio.run(inside()) == "quarantine"
