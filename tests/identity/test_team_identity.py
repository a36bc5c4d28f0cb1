"""Signed team runs: every envelope verifies, and a journal changed by hand is not replayed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from agora import Agent, ConfigError, IdentityError, Team
from agora.identity import Keyring, verify
from agora.testing import ScriptedModel


def forward(to: str) -> str:
    return json.dumps({"action": "forward", "to": to, "reason": "theirs"})


def team(ring: Keyring | None, checkpoint: Path | None = None) -> Team:
    triage = Agent("triage", ScriptedModel([forward("geo")], cycle=True))
    geo = Agent("geo", ScriptedModel(["Paris"], cycle=True))
    return Team([triage, geo], keyring=ring, checkpoint=checkpoint)


@pytest.mark.parametrize("kind", ["hmac", "ed25519"])
def test_every_envelope_of_a_signed_run_verifies(kind: str) -> None:
    ring = Keyring.generate(["triage", "geo"], kind=kind)  # type: ignore[arg-type]
    result = team(ring).run_sync("Capital of France?")
    assert result.answer == "Paris"
    for env in result.trace:
        assert env.signature is not None and env.signature.startswith(f"{kind}:{env.sender}:")
        verify(env, ring)


def test_a_keyring_that_cannot_sign_for_a_member_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot sign as 'geo'"):
        team(Keyring.generate(["triage"]))
    ring = Keyring.generate(["triage", "geo"])
    signed = team(ring)
    with pytest.raises(ConfigError, match="cannot sign as 'writer'"):
        signed.add_agent(Agent("writer", ScriptedModel([])), inbound=["triage"])
    assert "writer" not in signed.agents
    with pytest.raises(ConfigError, match="keyring must be a Keyring"):
        team("secret")  # type: ignore[arg-type]


def durable_run(tmp_path: Path, ring: Keyring | None) -> Path:
    db = tmp_path / "runs.sqlite"
    assert team(ring, db).run_sync("Capital of France?", run_id="r1").answer == "Paris"
    return db


def rewrite(db: Path, sql: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql)


def test_resume_of_an_untouched_signed_journal_replays_it(tmp_path: Path) -> None:
    ring = Keyring.generate(["triage", "geo"])
    db = durable_run(tmp_path, ring)
    assert team(ring, db).resume_sync("r1").answer == "Paris"


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE agora_steps SET envelope = replace(envelope, '\"Paris\"', '\"Lyon\"')",
        "UPDATE agora_steps SET usage = '[0, 0, 0.0, 0, 0.0, 0.0]'",
        "DELETE FROM agora_steps WHERE seq = 1",
        "UPDATE agora_steps SET mac = NULL",
        "UPDATE agora_runs SET task = 'Capital of Italy?'",
    ],
    ids=["answer rewritten", "usage rewritten", "middle step removed", "mac dropped", "task"],
)
def test_resume_refuses_a_journal_changed_by_hand(tmp_path: Path, tamper: str) -> None:
    ring = Keyring.generate(["triage", "geo"])
    db = durable_run(tmp_path, ring)
    rewrite(db, tamper)
    with pytest.raises(IdentityError, match="cannot be trusted"):
        team(ring, db).resume_sync("r1")


def test_without_a_keyring_a_rewritten_answer_is_replayed(tmp_path: Path) -> None:
    """What issue 12 measured: an unsigned journal is trusted as it is."""
    db = durable_run(tmp_path, None)
    rewrite(db, "UPDATE agora_steps SET envelope = replace(envelope, '\"Paris\"', '\"Lyon\"')")
    assert team(None, db).resume_sync("r1").answer == "Lyon"


def test_a_journal_written_without_keys_is_not_trusted_with_them(tmp_path: Path) -> None:
    db = durable_run(tmp_path, None)
    with pytest.raises(IdentityError, match="written without this keyring"):
        team(Keyring.generate(["triage", "geo"]), db).resume_sync("r1")


def test_another_keyring_cannot_resume_the_run(tmp_path: Path) -> None:
    db = durable_run(tmp_path, Keyring.generate(["triage", "geo"]))
    with pytest.raises(IdentityError):
        team(Keyring.generate(["triage", "geo"]), db).resume_sync("r1")
