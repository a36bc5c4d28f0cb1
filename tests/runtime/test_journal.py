"""The run journal: atomic step + memory writes, idempotency keys, ordering."""

from __future__ import annotations

from pathlib import Path

import pytest

from agora import ConfigError, UserError
from agora.models.base import Usage
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Answer, Task
from agora.runtime.journal import Journal, JournalEpisode, StepRecord


def step(key: str, text: str = "x") -> StepRecord:
    env = Envelope(sender="user", recipients=["a"], payload=Task(text=text))
    return StepRecord(key, "a", env, Usage(3, 4, 0.5, 1), {"experts": ["a"]})


def test_steps_round_trip_in_commit_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.start_run("r", conversation_id="c", task="t", context="", entry="a")
    for key in ("k2", "k1", "k3"):
        journal.record("r", step(key, key))
    steps = journal.steps("r")
    assert [s.key for s in steps] == ["k2", "k1", "k3"]
    assert steps[0].usage == Usage(3, 4, 0.5, 1) and steps[0].route == {"experts": ["a"]}
    assert steps[0].envelope.payload.text == "k2"  # type: ignore[union-attr]
    assert journal.steps("other") == []
    journal.close()


def test_a_key_is_written_once_and_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.record("r", step("k"), JournalEpisode("a", "t", "answer"))
    with pytest.raises(Exception):  # noqa: B017 - sqlite3.IntegrityError: the key exists
        journal.record("r", step("k"), JournalEpisode("a", "t", "again"))
    journal.close()
    reopened = Journal(tmp_path / "j.sqlite")
    assert [s.key for s in reopened.steps("r")] == ["k"]
    assert reopened.episodes("r") == [JournalEpisode("a", "t", "answer")]
    reopened.close()


def test_rollback_when_the_episode_write_fails(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.record("r", step("k0"), JournalEpisode("a", "t", "first"))
    env = Envelope(sender="a", recipients=["user"], parent_id="p", payload=Answer(text="x"))
    record = StepRecord("k1", "a", env, Usage())

    class Boom(Exception):
        pass

    def fail(*args: object) -> None:
        raise Boom

    journal._write_episode = fail  # type: ignore[method-assign]
    with pytest.raises(Boom):
        journal.record("r", record, JournalEpisode("a", "t", "x"))
    assert [s.key for s in journal.steps("r")] == ["k0"]
    journal.close()


def test_runs(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.start_run("r", conversation_id="c", task="t", context="ctx", entry="a")
    with pytest.raises(UserError, match="resume"):
        journal.start_run("r", conversation_id="c", task="t", context="", entry="a")
    journal.finish("r", "done")
    info = journal.run("r")
    assert info is not None and (info.context, info.answer) == ("ctx", "done")
    assert info.finished_at is not None and journal.run("x") is None
    journal.close()


def test_unopenable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot open"):
        Journal(tmp_path / "missing" / "j.sqlite")
