"""Bad model settings, prices, specs and request arguments raise agora errors naming them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from agora import CircuitBreaker, ConfigError, Message, ModelSettings, Price, Usage, UserError
from agora.models import model_from_spec
from agora.models.base import Completion, Model
from agora.testing import ScriptedModel


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", math.nan),
        ("temperature", math.inf),
        ("temperature", -0.1),
        ("temperature", True),
        ("temperature", "0.2"),
        ("max_tokens", -5),
        ("max_tokens", 0),
        ("max_tokens", 1.5),
        ("max_tokens", True),
        ("max_json_tokens", 0),
        ("seed", 1.0),
        ("seed", False),
        ("timeout_s", 0),
        ("timeout_s", -1.0),
        ("timeout_s", math.nan),
    ],
)
def test_model_settings_name_the_bad_argument(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"ModelSettings.{field}"):
        ModelSettings(**{field: value})


def test_valid_model_settings_are_unchanged() -> None:
    settings = ModelSettings(temperature=0, max_tokens=1, seed=-1, timeout_s=0.5)
    assert (settings.temperature, settings.max_tokens, settings.seed) == (0, 1, -1)
    assert ModelSettings(temperature=None, max_tokens=None, max_json_tokens=None).max_tokens is None


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, True, None])
def test_prices_must_be_finite_and_non_negative(value: Any) -> None:
    with pytest.raises(ConfigError, match="prompt_per_mtok"):
        Price(prompt_per_mtok=value, completion_per_mtok=0.0)


@pytest.mark.parametrize(
    "spec",
    [
        "http://host:99999/v1#m",
        "http://host:0/v1#m",
        "http://host:port/v1#m",
        "http://:8080/v1#m",
        "http://[::1/v1#m",
        "http://host:8080/v1#m\ud800",
    ],
)
def test_bad_server_urls_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError):
        model_from_spec(spec)


def test_a_good_server_url_still_builds() -> None:
    assert model_from_spec("http://127.0.0.1:8080/v1#qwen").name == "qwen @ 127.0.0.1:8080"


@pytest.mark.parametrize(
    "kwargs", [{"repair_attempts": -1}, {"repair_attempts": True}, {"retry": 3}, {"breaker": {}}]
)
def test_model_constructor_arguments_are_checked(kwargs: dict[str, Any]) -> None:
    class Silent(Model):
        async def complete(
            self, messages: Sequence[Message], *, json_schema: Any, settings: ModelSettings
        ) -> Completion:
            return Completion("x", Usage())

    with pytest.raises(ConfigError):
        Silent(**kwargs)


@pytest.mark.parametrize(
    ("messages", "output_type", "settings"),
    [
        ("hello", None, None),
        ([{"role": "user", "content": "hi"}], None, None),
        ([Message("user", "hi")], dict, None),
        ([Message("user", "hi")], None, {"temperature": 0}),
    ],
)
def test_request_arguments_are_checked(messages: Any, output_type: Any, settings: Any) -> None:
    model = ScriptedModel(["x"])
    with pytest.raises(UserError):
        model.request_sync(messages, output_type, settings=settings)
    assert model.calls == []


@pytest.mark.parametrize(("role", "content"), [("robot", "hi"), ("user", 3), ("user", "\udc80")])
def test_messages_check_their_role_and_content(role: Any, content: Any) -> None:
    with pytest.raises(UserError):
        Message(role, content)


def test_breaker_outcomes_are_bools_and_times() -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    with pytest.raises(ConfigError):
        breaker.record("no")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        breaker.record(False, started_at=math.nan)
    assert not breaker.is_open
