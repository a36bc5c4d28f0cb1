"""The shared Model behaviour: structured output, repair, retries, breaker, specs."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from agora import (
    CircuitBreaker,
    ConfigError,
    Message,
    ModelOutputError,
    ModelUnavailableError,
    RetryPolicy,
    UserError,
)
from agora.errors import ModelTransientError
from agora.models import model_from_spec
from agora.models.embedded import embedded_model_path, verify_sha256
from agora.models.resilience import call_with_retries
from agora.testing import FunctionModel, ScriptedModel

ASK = [Message("user", "hi")]


class City(BaseModel):
    name: str
    population: int = Field(ge=0)


def test_text_reply_and_usage() -> None:
    model = ScriptedModel(["hello there"])
    reply = model.request_sync(ASK)
    assert reply.text == "hello there"
    assert reply.output is None
    assert reply.usage.requests == 1
    assert reply.usage.completion_tokens == 2
    model.assert_complete()


def test_structured_output_is_validated() -> None:
    reply = ScriptedModel([City(name="Paris", population=2)]).request_sync(ASK, City)
    assert reply.output == City(name="Paris", population=2)


def test_repair_retry_shows_the_validation_error() -> None:
    model = ScriptedModel(
        ['{"name": "Paris", "population": -1}', '{"name": "Paris", "population": 1}']
    )
    reply = model.request_sync(ASK, City)
    assert reply.output is not None and reply.output.population == 1
    assert reply.usage.requests == 2
    repair = model.calls[1]
    assert repair[-2].role == "assistant"
    assert "population" in repair[-1].content and "greater than or equal" in repair[-1].content


def test_repair_is_bounded_then_typed_error() -> None:
    model = ScriptedModel(["not json", "{}", "unused"])
    with pytest.raises(ModelOutputError) as info:
        model.request_sync(ASK, City)
    assert info.value.raw == "{}"
    assert len(model.calls) == 2
    assert "City" in str(info.value)


def test_no_repair_when_disabled() -> None:
    model = ScriptedModel(["nope", "unused"])
    model.repair_attempts = 0
    with pytest.raises(ModelOutputError):
        model.request_sync(ASK, City)
    assert len(model.calls) == 1


def test_scripted_model_runs_out_with_a_clear_error() -> None:
    model = ScriptedModel(["one"])
    model.request_sync(ASK)
    with pytest.raises(UserError, match="ran out of steps"):
        model.request_sync(ASK)
    with pytest.raises(AssertionError):
        ScriptedModel(["a", "b"]).assert_complete()


def test_transient_errors_are_retried() -> None:
    model = ScriptedModel([ModelTransientError("429", retry_after=0.0), "ok"])
    model.retry = RetryPolicy(max_attempts=2, base_delay_s=0.0)
    assert model.request_sync(ASK).text == "ok"


def test_retries_run_out_into_unavailable() -> None:
    model = ScriptedModel([ModelTransientError("500")] * 3)
    model.retry = RetryPolicy(max_attempts=3, base_delay_s=0.0)
    with pytest.raises(ModelUnavailableError, match="3 attempt"):
        model.request_sync(ASK)


def test_attempt_timeout_is_transient() -> None:
    calls = 0

    async def slow_then_fast(messages, schema) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(5)
        return "fast"

    model = FunctionModel(slow_then_fast)
    model.retry = RetryPolicy(max_attempts=2, base_delay_s=0.0, timeout_s=0.05)
    assert model.request_sync(ASK).text == "fast"
    assert calls == 2


def test_backoff_is_jittered_exponential_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=5.0)
    rng = random.Random(0)
    waits = [policy.delay(n, None, rng) for n in range(6) for _ in range(50)]
    assert all(0 <= w <= 5.0 for w in waits)
    assert max(policy.delay(0, None, rng) for _ in range(50)) <= 1.0
    assert policy.delay(0, 3.0, rng) >= 3.0
    assert policy.delay(0, 60.0, rng) == 5.0  # capped


def test_breaker_opens_on_a_dead_endpoint_and_fails_fast() -> None:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=60)
    calls = 0

    async def dead() -> str:
        nonlocal calls
        calls += 1
        raise ModelTransientError("connection refused")

    policy = RetryPolicy(max_attempts=3, base_delay_s=0.0)
    with pytest.raises(ModelUnavailableError):
        asyncio.run(call_with_retries(dead, policy, breaker))
    assert breaker.is_open and calls == 3
    with pytest.raises(ModelUnavailableError, match="circuit breaker open"):
        asyncio.run(call_with_retries(dead, policy, breaker))
    assert calls == 3  # no call reached the endpoint: failing fast needs no clock to show


def test_unreachable_endpoint_is_not_retried_but_counts_for_the_breaker() -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=60)
    calls = 0

    async def refused() -> str:
        nonlocal calls
        calls += 1
        raise ModelUnavailableError("nothing is listening there")

    policy = RetryPolicy(max_attempts=4, base_delay_s=0.0)
    with pytest.raises(ModelUnavailableError, match="nothing is listening"):
        asyncio.run(call_with_retries(refused, policy, breaker))
    assert calls == 1 and not breaker.is_open
    with pytest.raises(ModelUnavailableError, match="nothing is listening"):
        asyncio.run(call_with_retries(refused, policy, breaker))
    assert calls == 2 and breaker.is_open


@pytest.mark.parametrize("error", [ConfigError("bad key"), asyncio.CancelledError()])
def test_a_probe_that_ends_without_a_verdict_frees_the_next_probe(error: BaseException) -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=0.0)
    breaker.record(False)

    async def fails() -> str:
        raise error

    with pytest.raises(type(error)):
        asyncio.run(call_with_retries(fails, RetryPolicy(max_attempts=1), breaker))
    assert breaker.is_open and breaker.allow()  # not stuck open behind a lost probe


def test_a_call_sent_before_the_breaker_opened_does_not_free_the_probe() -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=0.0)

    async def main() -> None:
        started = asyncio.Event()

        async def cancelled_later() -> str:
            started.set()
            await asyncio.sleep(60)
            return "never"

        early = asyncio.create_task(call_with_retries(cancelled_later, RetryPolicy(), breaker))
        await started.wait()  # sent while the breaker was closed
        breaker.record(False)
        assert breaker.allow()  # the half-open probe is out
        early.cancel()
        with pytest.raises(asyncio.CancelledError):
            await early
        assert not breaker.allow()  # still one probe at a time

    asyncio.run(main())


def test_breaker_half_opens_after_cooldown() -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=0.0)
    breaker.record(False)
    assert breaker.is_open and breaker.allow()
    breaker.record(True)
    assert not breaker.is_open


def test_breaker_stays_closed_at_thirty_percent_failures() -> None:
    breaker = CircuitBreaker()
    rng = random.Random(7)
    for _ in range(10_000):
        breaker.record(rng.random() >= 0.3)
        assert not breaker.is_open


@pytest.mark.parametrize("bad", [None, "", "gpt-4", "openai:", "http://x:1/v1", 3])
def test_bad_specs_are_config_errors(bad) -> None:
    with pytest.raises(ConfigError):
        model_from_spec(bad)


def test_spec_parses_servers_and_local_options() -> None:
    model = model_from_spec("http://127.0.0.1:9/v1#tiny")
    assert model.name == "tiny @ 127.0.0.1:9"
    local = model_from_spec("local?n_ctx=512&n_gpu_layers=0")
    assert local.n_ctx == 512 and local.offloaded_layers == 0  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="unknown option"):
        model_from_spec("local?bogus=1")
    with pytest.raises(ConfigError, match="integer"):
        model_from_spec("local?n_ctx=big")


def test_a_bare_gguf_path_is_a_local_spec(tmp_path: Path) -> None:
    path = embedded_model_path()
    bare = model_from_spec(f"{path}?n_ctx=256")
    assert bare.n_ctx == 256  # type: ignore[attr-defined]
    assert bare.name == model_from_spec(f"local:{path}").name
    with pytest.raises(ConfigError):
        model_from_spec(str(tmp_path / "missing.gguf"))


def test_embedded_model_is_found_and_verified(tmp_path: Path) -> None:
    path = embedded_model_path()
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF tampered")
    with pytest.raises(ConfigError, match="corrupt or was replaced"):
        verify_sha256(fake, "0" * 64, fix="reinstall")
