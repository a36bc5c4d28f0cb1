"""Keyrings: generated, saved with owner-only permissions, loaded, and what each kind allows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agora import ConfigError
from agora.identity import Keyring


@pytest.mark.parametrize("kind", ["hmac", "ed25519"])
def test_a_saved_keyring_loads_back_and_signs_alike(tmp_path: Path, kind: str) -> None:
    ring = Keyring.generate(["geo", "math"], kind=kind)  # type: ignore[arg-type]
    path = ring.save(tmp_path / "keys.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Keyring.load(path)
    assert sorted(again.agents) == ["geo", "math", "user"]
    signature = ring.sign_bytes("geo", b"hello")
    assert signature.startswith(f"{kind}:geo:")
    assert again.check_bytes("geo", b"hello", signature) is None
    assert again.check_bytes("geo", b"hellO", signature) is not None
    assert again.check_bytes("math", b"hello", signature) == "signed as 'geo', sent as 'math'"


def test_hmac_keys_are_per_agent_so_a_name_cannot_be_swapped() -> None:
    ring = Keyring.generate(["a", "b"])
    signature = ring.sign_bytes("a", b"x")
    swapped = signature.replace("hmac:a:", "hmac:b:")
    assert ring.check_bytes("b", b"x", swapped) == "the MAC does not match"


def test_public_keys_verify_but_cannot_sign() -> None:
    ring = Keyring.generate(["remote"], kind="ed25519")
    peers = ring.public()
    assert peers.can_verify("remote") and not peers.can_sign("remote")
    assert peers.check_bytes("remote", b"x", ring.sign_bytes("remote", b"x")) is None
    with pytest.raises(ConfigError, match="cannot sign as 'remote'"):
        peers.sign_bytes("remote", b"x")


def test_two_keyrings_merge_to_verify_another_team() -> None:
    ours = Keyring.generate(["geo"])
    theirs = Keyring.generate(["remote"], kind="ed25519")
    both = ours.merged(theirs.public())
    assert both.can_sign("geo") and both.can_verify("remote") and not both.can_sign("remote")


def test_a_keyring_others_can_read_is_refused(tmp_path: Path) -> None:
    path = Keyring.generate(["geo"]).save(tmp_path / "keys.json")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        Keyring.load(path)


@pytest.mark.parametrize("text", ["not json", "{}", '{"agora_keyring": 1, "agents": {}}'])
def test_a_file_that_is_not_a_keyring_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(text)
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError, match="not an agora keyring"):
        Keyring.load(path)


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Keyring.generate(["geo"]).save(tmp_path / "keys.json")
    monkeypatch.setenv("AGORA_KEYRING", str(path))
    assert "geo" in Keyring.from_env().agents
    monkeypatch.delenv("AGORA_KEYRING")
    with pytest.raises(ConfigError, match="AGORA_KEYRING is not set"):
        Keyring.from_env()
    with pytest.raises(ConfigError, match="cannot read keyring"):
        Keyring.load(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "agents", [["a", "a"], "abc", [""], [1]], ids=["repeated", "a string", "empty", "not text"]
)
def test_bad_agent_lists_are_config_errors(agents: object) -> None:
    with pytest.raises(ConfigError):
        Keyring.generate(agents)  # type: ignore[arg-type]


def test_an_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'hmac' or 'ed25519'"):
        Keyring.generate(["a"], kind="rsa")  # type: ignore[arg-type]


def test_the_keys_command_makes_shows_and_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agora.cli.main import main

    path = tmp_path / "keys.json"
    assert main(["keys", "new", str(path), "--agents", "geo,math", "--kind", "ed25519"]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert main(["keys", "new", str(path), "--agents", "geo"]) == 1  # no silent overwrite
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["keys", "show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "geo" in shown and "ed25519" in shown and "private" not in shown
    assert main(["keys", "public", str(path), str(tmp_path / "peers.json")]) == 0
    peers = Keyring.load(tmp_path / "peers.json")
    assert peers.can_verify("geo") and not peers.can_sign("geo")
    assert "private" not in (tmp_path / "peers.json").read_text()
