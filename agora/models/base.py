"""The `Model` seam: messages (and an optional pydantic output type) in, a reply out.

A backend implements one coroutine, `Model.complete`, which sends chat messages and returns raw
text. Everything else is shared here, so every backend behaves alike:

- structured output: the backend gets the JSON Schema of the output type to constrain decoding;
  the reply is then validated against the pydantic type, and on failure the model is shown its
  validation error once (a bounded repair retry) before `ModelOutputError` is raised;
- resilience: transient failures (`ModelTransientError`) are retried with jittered exponential
  backoff that honours ``Retry-After``, behind a circuit breaker (see `agora.models.resilience`).
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from pydantic import BaseModel, ValidationError

from agora._checks import check_choice, check_int, check_number, check_text, is_number
from agora._sync import run_sync
from agora.errors import ConfigError, ModelOutputError, UserError
from agora.models.resilience import CircuitBreaker, RetryPolicy, call_with_retries

__all__ = [
    "Completion",
    "Message",
    "Model",
    "Price",
    "ModelResponse",
    "ModelSettings",
    "Usage",
]

T = TypeVar("T", bound=BaseModel)
Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message.

    Example:
        >>> Message("user", "What is the capital of France?").role
        'user'
    """

    role: Role
    content: str

    def __post_init__(self) -> None:
        check_choice(self.role, "Message role", ("system", "user", "assistant"), error=UserError)
        check_text(self.content, "Message content", error=UserError)

    def to_openai(self) -> dict[str, str]:
        """Return the message in the OpenAI chat wire format."""
        return {"role": self.role, "content": self.content}


@dataclass(slots=True)
class Usage:
    """Token and time accounting of one or more model calls.

    Example:
        >>> u = Usage(prompt_tokens=10, completion_tokens=5, latency_s=0.5, requests=1)
        >>> (u + u).total_tokens, round(u.tokens_per_s)
        (30, 10)
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    requests: int = 0
    cost_usd: float = 0.0
    #: Seconds spent generating completion tokens, prompt processing excluded, where the
    #: backend reports it (llama.cpp does); 0 when unknown.
    generation_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def tokens_per_s(self) -> float:
        """Generation speed: completion tokens per second of generation time.

        Where the backend does not report generation time (`generation_s` is 0), the whole
        latency of the calls is used, prompt processing and network included (0 when
        nothing was timed).
        """
        seconds = self.generation_s if self.generation_s > 0 else self.latency_s
        return self.completion_tokens / seconds if seconds > 0 else 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            latency_s=self.latency_s + other.latency_s,
            requests=self.requests + other.requests,
            cost_usd=self.cost_usd + other.cost_usd,
            generation_s=self.generation_s + other.generation_s,
        )


@dataclass(frozen=True, slots=True)
class Price:
    """What a model charges, in US dollars per million tokens (set `Model.price` to it).

    Example:
        >>> Price(prompt_per_mtok=0.15, completion_per_mtok=0.60).cost(Usage(1000, 500))
        0.00045
    """

    prompt_per_mtok: float
    completion_per_mtok: float

    def __post_init__(self) -> None:
        for name in ("prompt_per_mtok", "completion_per_mtok"):
            value = getattr(self, name)
            if not is_number(value) or value < 0:
                raise ConfigError(
                    f"Price.{name} must be a finite number >= 0 (dollars per million tokens), "
                    f"got {value!r}"
                )

    def cost(self, usage: Usage) -> float:
        """The cost of `usage` in US dollars."""
        return (
            usage.prompt_tokens * self.prompt_per_mtok
            + usage.completion_tokens * self.completion_per_mtok
        ) / 1e6


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSettings:
    """Sampling settings for one call; ``None`` leaves the backend's default.

    Attributes:
        temperature: sampling temperature, a finite number >= 0.
        max_tokens: cap on plain-text replies, an int >= 1.
        max_json_tokens: cap on structured replies, an int >= 1.
        seed: sampling seed (an int), where the backend supports one.
        timeout_s: per-request timeout in seconds (> 0) for network backends (default: the
            retry policy's).

    Raises:
        ConfigError: a setting of the wrong type or out of range; the message names it.

    Example:
        >>> ModelSettings(temperature=0.0, max_tokens=128).max_tokens
        128
    """

    temperature: float | None = 0.2
    max_tokens: int | None = 256
    #: Cap for structured (JSON) replies. Bounded schemas (``maxLength``, ``maxItems``)
    #: end well before it; it stops a small model looping inside an unbounded string.
    max_json_tokens: int | None = 1024
    seed: int | None = None
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        check_number(self.temperature, "ModelSettings.temperature", low=0.0, none=True)
        check_int(self.max_tokens, "ModelSettings.max_tokens", low=1, none=True)
        check_int(self.max_json_tokens, "ModelSettings.max_json_tokens", low=1, none=True)
        check_int(self.seed, "ModelSettings.seed", none=True)
        check_number(self.timeout_s, "ModelSettings.timeout_s", low=0.0, low_open=True, none=True)


@dataclass(frozen=True, slots=True)
class Completion:
    """What a backend's `Model.complete` returns: raw text plus usage of that one call."""

    text: str
    usage: Usage


@dataclass(slots=True)
class ModelResponse(Generic[T]):
    """The reply of `Model.request`.

    Attributes:
        text: the raw text of the last completion.
        output: the validated object when an output type was given, else ``None``.
        usage: usage summed over every attempt of this request (repairs included).
    """

    text: str
    output: T | None = None
    usage: Usage = field(default_factory=Usage)


class Model(abc.ABC):
    """A chat model. Subclasses implement `complete`; callers use `request`.

    Example:
        >>> import asyncio
        >>> from agora.testing import ScriptedModel
        >>> model = ScriptedModel(["Paris."])
        >>> asyncio.run(model.request([Message("user", "Capital of France?")])).text
        'Paris.'
    """

    #: A short human-readable name, shown in traces and the demo.
    name: str = "model"
    #: What the model charges; ``None`` (local models) costs nothing. Budgets count it.
    price: Price | None = None

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        repair_attempts: int = 1,
    ) -> None:
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        if breaker is not None and not isinstance(breaker, CircuitBreaker):
            raise ConfigError(f"breaker must be a CircuitBreaker, got {type(breaker).__name__}")
        check_int(repair_attempts, "repair_attempts", low=0)
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self.repair_attempts = repair_attempts

    @abc.abstractmethod
    async def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        settings: ModelSettings,
    ) -> Completion:
        """Send one chat completion and return its text.

        Args:
            messages: the conversation so far.
            json_schema: when given, constrain the reply to this JSON Schema if the backend
                can; validation happens afterwards in `request` either way.
            settings: sampling settings.

        Raises:
            ModelTransientError: for failures worth retrying (rate limits, 5xx, timeouts,
                unreadable bodies); `request` retries them.
        """

    @overload
    async def request(
        self,
        messages: Sequence[Message],
        output_type: None = None,
        *,
        settings: ModelSettings | None = None,
    ) -> ModelResponse[Any]: ...

    @overload
    async def request(
        self,
        messages: Sequence[Message],
        output_type: type[T],
        *,
        settings: ModelSettings | None = None,
    ) -> ModelResponse[T]: ...

    async def request(
        self,
        messages: Sequence[Message],
        output_type: type[T] | None = None,
        *,
        settings: ModelSettings | None = None,
    ) -> ModelResponse[Any]:
        """Ask the model, optionally for a validated object of `output_type`.

        Raises:
            ModelOutputError: the reply failed validation after the repair retries.
            ModelUnavailableError: transient failures outlasted the retry policy, or the
                circuit breaker is open.
        """
        _check_request(messages, output_type, settings)
        settings = settings or ModelSettings()
        schema = json_schema_of(output_type) if output_type is not None else None
        history = list(messages)
        usage = Usage()
        for attempt in range(self.repair_attempts + 1):
            completion = await self._complete_resilient(history, schema, settings)
            usage = completion.usage if attempt == 0 else usage + completion.usage
            if output_type is None:
                return ModelResponse(completion.text, None, usage)
            try:
                output = parse_structured(completion.text, output_type)
            except ValueError as exc:
                if attempt == self.repair_attempts:
                    raise ModelOutputError(
                        f"{self.name} did not produce a valid {output_type.__name__} after "
                        f"{attempt + 1} attempt(s): {exc}. Use a larger model, or simplify "
                        "the output type (enums and short strings suit small models).",
                        raw=completion.text,
                        usage=usage,
                    ) from None
                history += [Message("assistant", completion.text), repair_message(exc)]
                continue
            return ModelResponse(completion.text, output, usage)
        raise AssertionError("unreachable")  # pragma: no cover

    def request_sync(
        self,
        messages: Sequence[Message],
        output_type: type[T] | None = None,
        *,
        settings: ModelSettings | None = None,
    ) -> ModelResponse[Any]:
        """`request` for scripts and notebooks without a running event loop.

        Raises:
            UserError: called from inside a running event loop (use ``await request`` there).
        """
        return run_sync(self.request(messages, output_type, settings=settings))

    async def _complete_resilient(
        self, messages: Sequence[Message], schema: dict[str, Any] | None, settings: ModelSettings
    ) -> Completion:
        async def once() -> Completion:
            started = time.perf_counter()
            completion = await self.complete(messages, json_schema=schema, settings=settings)
            if completion.usage.latency_s == 0.0:
                completion.usage.latency_s = time.perf_counter() - started
            if self.price is not None:
                completion.usage.cost_usd = self.price.cost(completion.usage)
            return completion

        return await call_with_retries(once, self.retry, self.breaker, name=self.name)


def _check_request(messages: object, output_type: object, settings: object) -> None:
    """Raise `UserError` unless the arguments of `Model.request` have the right types."""
    if isinstance(messages, str | Message) or not isinstance(messages, Sequence):
        raise UserError(
            f"messages must be a list of Message, got {type(messages).__name__}; "
            "e.g. [Message('user', 'Hello')]"
        )
    for index, message in enumerate(messages):
        if not isinstance(message, Message):
            raise UserError(f"messages[{index}] is a {type(message).__name__}, not a Message")
    if output_type is not None and not (
        isinstance(output_type, type) and issubclass(output_type, BaseModel)
    ):
        raise UserError(f"output_type must be a pydantic model class, got {output_type!r}")
    if settings is not None and not isinstance(settings, ModelSettings):
        raise UserError(f"settings must be a ModelSettings, got {type(settings).__name__}")


_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


def json_schema_of(output_type: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of `output_type`, computed once per type (it sits on the hot path).

    Example:
        >>> from pydantic import BaseModel
        >>> class City(BaseModel):
        ...     name: str
        >>> json_schema_of(City)["required"]
        ['name']
    """
    schema = _SCHEMAS.get(output_type)
    if schema is None:
        schema = _SCHEMAS[output_type] = output_type.model_json_schema()
    return schema


def parse_structured(text: str, output_type: type[T]) -> T:
    """Parse and validate `text` as `output_type`, raising `ValueError` with a readable reason.

    Example:
        >>> from pydantic import BaseModel
        >>> class City(BaseModel):
        ...     name: str
        >>> parse_structured('{"name": "Paris"}', City).name
        'Paris'
    """
    try:
        return output_type.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ValueError(problems or "invalid JSON") from None


def repair_message(error: Exception) -> Message:
    """The user message that shows a model why its last reply was rejected."""
    return Message(
        "user",
        f"Your last reply was not valid: {error}. Reply again with only the corrected JSON.",
    )


def schema_text(schema: dict[str, Any]) -> str:
    """A compact JSON rendering of a schema, for prompts of backends without constraints."""
    return json.dumps(schema, separators=(",", ":"))
