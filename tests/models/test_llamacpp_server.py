"""agora against llama-cpp-python's real server (``python -m llama_cpp.server``) on 127.0.0.1.

The embedded SmolLM2-135M GGUF is served by a subprocess; agora reaches it through the spec
``http://127.0.0.1:PORT/v1#smollm2``: real server, real wire format, real structured output.
Tests that start a server are marked slow (CI runs them too).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from agora import (
    Agent,
    ConfigError,
    Message,
    MissingDependencyError,
    ModelSettings,
    ModelUnavailableError,
    Team,
)
from agora.cli.main import main
from agora.models import model_from_spec
from agora.models.embedded import embedded_model_path
from agora.models.openai import OpenAIModel
from agora.testing import LlamaCppServer, start_llamacpp_server
from agora.testing.llamacpp_server import _wait_until_serving

SETTINGS = ModelSettings(temperature=0.0, max_tokens=48, max_json_tokens=160, seed=1)


class Capital(BaseModel):
    country: str = Field(max_length=40)
    city: Literal["Paris", "London", "Rome", "Madrid"]


@pytest.fixture(scope="module")
def server() -> Iterator[LlamaCppServer]:
    server = start_llamacpp_server(embedded_model_path(), alias="smollm2", n_ctx=2048)
    try:
        yield server
    finally:
        server.stop()
    assert server.process.returncode is not None  # stopped, not left running


def served_model(server: LlamaCppServer) -> OpenAIModel:
    model = model_from_spec(server.spec)
    assert isinstance(model, OpenAIModel)
    return model


@pytest.mark.slow
def test_spec_names_the_model_and_endpoint(server: LlamaCppServer) -> None:
    model = served_model(server)
    port = server.base_url.split(":")[2].split("/")[0]
    assert server.spec == f"http://127.0.0.1:{port}/v1#smollm2"
    assert model.name == f"smollm2 @ 127.0.0.1:{port}"
    assert model.base_url == server.base_url


@pytest.mark.slow
async def test_plain_reply_with_usage(server: LlamaCppServer) -> None:
    model = served_model(server)
    ask = [Message("user", "What is the capital of France? Answer in one sentence.")]
    reply = await model.request(ask, settings=SETTINGS)
    await model.aclose()
    assert reply.text.strip()
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


@pytest.mark.slow
async def test_direct_structured_request_falls_back_to_json_object(
    server: LlamaCppServer,
) -> None:
    model = served_model(server)
    model.repair_attempts = 0  # the server's schema constraint alone must produce it
    ask = [Message("user", "France: give the country and its capital city.")]
    reply = await model.request(ask, Capital, settings=SETTINGS)
    await model.aclose()
    assert isinstance(reply.output, Capital)
    assert reply.output.country.strip()
    # The server answered json_schema with HTTP 500 and took json_object with a schema.
    assert model.structured_mode == "json_object"


@pytest.mark.slow
async def test_team_decides_over_the_wire(server: LlamaCppServer) -> None:
    model = served_model(server)
    bounded = {"max_answer_chars": 120, "settings": SETTINGS}
    team = Team(
        [
            Agent("triage", model, "routes questions to the right expert", **bounded),
            Agent("geographer", model, "geography: countries and capital cities", **bounded),
        ]
    )
    result = await team.run("What is the capital of France?")
    await model.aclose()
    assert result.answer.strip()
    assert result.answered_by in ("triage", "geographer")
    assert sum(u.requests for u in result.usage.values()) >= 1
    assert result.trace[-1].kind == "answer"
    assert model.structured_mode == "json_object"  # every decision is structured output


@pytest.mark.slow
def test_demo_banner_names_the_server(
    server: LlamaCppServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", "--no-tui", "--model", server.spec, "What is the capital of France?"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    endpoint = server.base_url.removeprefix("http://").removesuffix("/v1")
    assert f"[model]   smollm2 @ {endpoint}, shared by all 4 agents" in captured.out
    assert "openai:" not in captured.out
    assert "\nanswer: " in captured.out


@pytest.mark.slow
async def test_a_stopped_server_fails_fast_naming_the_endpoint() -> None:
    server = start_llamacpp_server(embedded_model_path(), alias="smollm2", n_ctx=512)
    model = served_model(server)
    try:
        assert (await model.request([Message("user", "Hi")], settings=SETTINGS)).text
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(ModelUnavailableError, match="nothing is listening there") as caught:
        await model.request([Message("user", "Hi again")], settings=SETTINGS)
    await model.aclose()
    assert server.base_url in str(caught.value)


@pytest.mark.slow
def test_a_server_that_cannot_load_its_model_fails_with_its_output(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a GGUF file")
    with pytest.raises(ModelUnavailableError, match=r"exited with code [1-9]") as caught:
        start_llamacpp_server(bogus, alias="bogus", startup_timeout_s=60)
    message = str(caught.value)
    assert "llama-cpp-python's server on http://127.0.0.1:" in message
    assert "Its output ends with:\n" in message and str(bogus) in message  # its stderr


def test_missing_server_extra_and_bad_path_are_user_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="is not a file"):
        start_llamacpp_server(tmp_path / "missing.gguf")
    find_spec = importlib.util.find_spec

    def without_uvicorn(name: str, *args: Any) -> Any:
        return None if name == "uvicorn" else find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_uvicorn)
    with pytest.raises(MissingDependencyError, match=r'needs uvicorn: pip install "agora-teams'):
        start_llamacpp_server(embedded_model_path())


def test_a_server_killed_by_sigill_gets_the_cpu_hint(tmp_path: Path) -> None:
    suicide = "import os, signal; os.kill(os.getpid(), signal.SIGILL)"
    process = subprocess.Popen([sys.executable, "-c", suicide])
    process.wait()
    log = tmp_path / "server.log"
    server = LlamaCppServer(
        process=process,
        base_url="http://127.0.0.1:1/v1",
        alias="x",
        log_path=log,
        _log=log.open("wb"),
    )
    with pytest.raises(ModelUnavailableError, match=r"code -4\. It died on an illegal instruction"):
        _wait_until_serving(server, 5.0)
    server.stop()
    assert not log.exists()


@pytest.mark.slow
async def test_the_plain_buffer_launcher_serves_for_real() -> None:
    """What a machine whose CPU probe crashed gets: the server through agora's launcher."""
    server = start_llamacpp_server(
        embedded_model_path(), alias="smollm2", n_ctx=512, extra_buffers=False
    )
    try:
        assert "_llama_buffers.py" in " ".join(server.process.args)  # type: ignore[arg-type]
        model = served_model(server)
        reply = await model.request([Message("user", "Capital of France?")], settings=SETTINGS)
        await model.aclose()
        assert reply.text.strip()
    finally:
        server.stop()
