"""The once-per-machine probe that keeps llama.cpp's default kernels from killing the process.

The crash it guards against (SIGILL in llama.cpp's AMX kernels on some Xeon VMs) cannot happen
on a CPU without AMX, so the crash is played by a child that kills itself with SIGILL; the
fallback load (plain CPU buffers, what such a machine gets) runs for real on the embedded model.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

from agora import ConfigError, Message, ModelSettings
from agora.models import cpu_probe
from agora.models.cpu_probe import CpuVerdict, cpu_verdict, probe_load
from agora.models.embedded import embedded_model_path
from agora.models.llamacpp import LlamaCppModel

SIGILL_CHILD = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cpu_probe.ENV_CACHE_DIR, str(tmp_path / "cache"))
    monkeypatch.delenv(cpu_probe.ENV_EXTRA_BUFFERS, raising=False)
    monkeypatch.setattr(cpu_probe, "_MEMO", {})
    return tmp_path / "cache" / "llama-cpu-probe.json"


def fake_probe(
    monkeypatch: pytest.MonkeyPatch, outcomes: dict[bool, tuple[bool | None, str]]
) -> list[bool]:
    """Replace the child process: `outcomes` maps extra_buffers to what the probe reports."""
    calls: list[bool] = []

    def probe(path: object, *, extra_buffers: bool, **_: object) -> tuple[bool | None, str]:
        calls.append(extra_buffers)
        return outcomes[extra_buffers]

    monkeypatch.setattr(cpu_probe, "probe_load", probe)
    return calls


def test_a_child_killed_by_sigill_is_reported_as_a_crash(tmp_path: Path) -> None:
    works, detail = probe_load(tmp_path / "x.gguf", extra_buffers=True, command=SIGILL_CHILD)
    assert works is False
    assert detail == f"child killed by {signal.SIGILL.name}"


def test_a_child_that_fails_without_a_signal_gives_no_verdict(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "raise SystemExit('no llama here')"]
    works, detail = probe_load(tmp_path / "x.gguf", extra_buffers=True, command=command)
    assert works is None
    assert "no llama here" in detail


def test_a_crash_with_extra_buffers_falls_back_to_plain_ones_and_is_cached(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_probe(
        monkeypatch, {True: (False, "child killed by SIGILL"), False: (True, "probe passed")}
    )
    verdict = cpu_verdict("model.gguf")
    assert verdict == CpuVerdict(False, "child killed by SIGILL")
    assert calls == [True, False]
    assert list(json.loads(cache.read_text()).values()) == [
        {"extra_buffers": False, "reason": "child killed by SIGILL", "usable": True}
    ]
    monkeypatch.setattr(cpu_probe, "_MEMO", {})  # a new process reads the file, no new probe
    assert cpu_verdict("model.gguf") == verdict
    assert calls == [True, False]


def test_a_machine_where_both_loads_crash_gets_a_typed_error_at_load(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_probe(monkeypatch, {True: (False, "child killed by SIGILL"), False: (False, "SIGSEGV")})
    model = LlamaCppModel(embedded_model_path())
    with pytest.raises(ConfigError, match="GGML_NATIVE=OFF") as info:
        model.load()
    assert "crashes on this CPU" in str(info.value)
    assert model._weights is None


def test_a_probe_without_verdict_uses_plain_buffers_and_caches_nothing(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_probe(monkeypatch, {True: (None, "TimeoutExpired")})
    assert cpu_verdict("model.gguf") == CpuVerdict(False, "probe failed")
    assert not cache.exists()


def test_an_unwritable_cache_costs_only_a_new_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(cpu_probe.ENV_CACHE_DIR, str(blocker / "sub"))  # a folder under a file
    monkeypatch.setattr(cpu_probe, "_MEMO", {})
    fake_probe(monkeypatch, {True: (True, "probe passed")})
    assert cpu_verdict("model.gguf").extra_buffers is True


def test_a_corrupt_cache_file_is_probed_over(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    calls = fake_probe(monkeypatch, {True: (True, "probe passed")})
    assert cpu_verdict("model.gguf").extra_buffers is True
    assert calls == [True]
    assert json.loads(cache.read_text())  # rewritten whole


@pytest.mark.parametrize(("value", "extra"), [("off", False), ("ON", True), ("0", False)])
def test_the_environment_overrides_the_probe(
    cache: Path, monkeypatch: pytest.MonkeyPatch, value: str, extra: bool
) -> None:
    calls = fake_probe(monkeypatch, {})
    monkeypatch.setenv(cpu_probe.ENV_EXTRA_BUFFERS, value)
    assert cpu_verdict("model.gguf").extra_buffers is extra
    assert calls == []


def test_a_bad_override_is_a_config_error(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cpu_probe.ENV_EXTRA_BUFFERS, "maybe")
    with pytest.raises(ConfigError, match="on, off or auto"):
        cpu_verdict("model.gguf")


def test_extra_buffers_must_be_a_bool_or_none() -> None:
    with pytest.raises(ConfigError, match="extra_buffers"):
        LlamaCppModel(embedded_model_path(), extra_buffers="no")  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_real_probe_passes_on_this_machine(cache: Path) -> None:
    works, detail = probe_load(embedded_model_path(), extra_buffers=True)
    assert (works, detail) == (True, "probe passed")
    works, detail = probe_load(embedded_model_path(), extra_buffers=False)
    assert (works, detail) == (True, "probe passed")


@pytest.mark.slow
def test_the_fallback_load_answers_for_real() -> None:
    """What a machine whose probe crashed gets: plain CPU buffers, and a real answer."""
    model = LlamaCppModel(embedded_model_path(), n_ctx=512, extra_buffers=False)
    assert model.cpu_verdict() == CpuVerdict(False, "set by extra_buffers=")
    reply = model.request_sync(
        [
            Message("system", "You are a helpful assistant."),
            Message("user", "What is the capital of France?"),
        ],
        settings=ModelSettings(temperature=0.0, max_tokens=16),
    )
    assert "Paris" in reply.text
