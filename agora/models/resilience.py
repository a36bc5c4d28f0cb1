"""Fault tolerance of model calls: timeouts, retries with jittered backoff, a circuit breaker.

`call_with_retries` runs one attempt after another until one succeeds, an error that is not
transient escapes, or the policy runs out. Waits follow "full jitter" exponential backoff
(a random wait in ``[0, min(max_delay, base * 2**n)]``), but never less than the server's
``Retry-After``. The `CircuitBreaker` fails fast once an endpoint looks dead, so a team does
not queue hundreds of doomed calls behind it; after a cool-down it lets one probe through.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agora.errors import ConfigError, ModelTransientError, ModelUnavailableError

__all__ = ["CircuitBreaker", "RetryPolicy", "call_with_retries"]

R = TypeVar("R")
_RNG = random.Random()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures.

    Attributes:
        max_attempts: attempts in all, the first one included.
        base_delay_s: the backoff scale; the n-th retry waits up to ``base * 2**n`` seconds.
        max_delay_s: cap on one wait (a longer ``Retry-After`` is capped here too).
        timeout_s: limit on one attempt; ``None`` waits as long as the backend takes.

    Example:
        >>> RetryPolicy(max_attempts=4, base_delay_s=0.05).max_attempts
        4
    """

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not _is_int(self.max_attempts) or self.max_attempts < 1:
            raise ConfigError(
                f"RetryPolicy.max_attempts must be an int >= 1, got {self.max_attempts!r}"
            )
        if not (_finite(self.base_delay_s) and _finite(self.max_delay_s)):
            raise ConfigError("RetryPolicy delays must be finite numbers >= 0")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ConfigError("RetryPolicy delays must be >= 0")
        if self.timeout_s is not None and not (_finite(self.timeout_s) and self.timeout_s > 0):
            raise ConfigError(f"RetryPolicy.timeout_s must be > 0 or None, got {self.timeout_s!r}")

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2**retry))
        wait = rng.uniform(0.0, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay_s))
        return wait


@dataclass(slots=True, kw_only=True)
class CircuitBreaker:
    """Opens after an endpoint fails persistently; fails fast while open.

    The breaker opens when the last `failure_threshold` calls all failed, or when at least
    `failure_rate` of the last `window` calls failed. While open, calls fail at once with
    `ModelUnavailableError`; after `cooldown_s` one probe call is let through, and its
    success closes the breaker again. A flaky endpoint (say 30% failures) keeps it closed; a
    dead one opens it within `failure_threshold` calls.

    A failed call that started before the latest success does not count: the endpoint
    answered after it was sent, so it is not evidence of an outage. Without this rule,
    concurrent callers would see slow failures (timeouts) arrive in a bunch after the fast
    successes, above all at the tail of a batch, and a flaky endpoint would trip the breaker.

    Example:
        >>> breaker = CircuitBreaker(failure_threshold=2)
        >>> breaker.record(False); breaker.record(False)
        >>> breaker.is_open
        True
    """

    failure_threshold: int = 10
    window: int = 50
    failure_rate: float = 0.9
    cooldown_s: float = 10.0
    _outcomes: deque[bool] = field(default_factory=deque, repr=False, init=False)
    _consecutive_failures: int = field(default=0, init=False)
    _opened_at: float | None = field(default=None, init=False)
    _last_success_at: float = field(default=float("-inf"), init=False)
    _probing: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not (_is_int(self.failure_threshold) and self.failure_threshold >= 1):
            raise ConfigError("CircuitBreaker.failure_threshold must be an int >= 1")
        if not (_is_int(self.window) and self.window >= 1):
            raise ConfigError("CircuitBreaker.window must be an int >= 1")
        if not (_finite(self.failure_rate) and 0 < self.failure_rate <= 1):
            raise ConfigError("CircuitBreaker.failure_rate must be in (0, 1]")
        if not (_finite(self.cooldown_s) and self.cooldown_s >= 0):
            raise ConfigError("CircuitBreaker.cooldown_s must be a finite number >= 0")

    @property
    def is_open(self) -> bool:
        """Whether calls are currently refused (a probe may pass once the cool-down ends)."""
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go ahead now."""
        if self._opened_at is None:
            return True
        if self._probing or time.monotonic() - self._opened_at < self.cooldown_s:
            return False
        self._probing = True  # half-open: exactly one probe until its outcome is recorded
        return True

    def release(self) -> None:
        """Give up the probe of a call that says nothing about the endpoint's health.

        Such a call was cancelled, or refused for its content (a bad key, a bad request);
        the next call may probe instead, so the breaker cannot stay open for good.
        """
        self._probing = False

    def record(self, success: bool, *, started_at: float | None = None) -> None:
        """Record the outcome of one call that began at `started_at` (`time.monotonic`).

        Raises:
            ConfigError: `success` is not a bool, or `started_at` not a finite time.
        """
        if not isinstance(success, bool):
            raise ConfigError(f"record() takes success as True or False, got {success!r}")
        if started_at is not None and not _finite(started_at):
            raise ConfigError(f"started_at must be a time.monotonic() value, got {started_at!r}")
        self._probing = False
        if success:
            self._last_success_at = time.monotonic()
        elif started_at is not None and started_at < self._last_success_at:
            return
        self._outcomes.append(success)
        while len(self._outcomes) > self.window:
            self._outcomes.popleft()
        if success:
            self._consecutive_failures = 0
            self._opened_at = None
            return
        self._consecutive_failures += 1
        failures = self._outcomes.count(False)
        full_window = len(self._outcomes) >= self.window
        if self._consecutive_failures >= self.failure_threshold or (
            full_window and failures / len(self._outcomes) >= self.failure_rate
        ):
            self._opened_at = time.monotonic()


async def call_with_retries(
    attempt: Callable[[], Awaitable[R]],
    policy: RetryPolicy,
    breaker: CircuitBreaker,
    *,
    name: str = "model",
    rng: random.Random | None = None,
) -> R:
    """Run `attempt` until it succeeds, retrying `ModelTransientError` per `policy`.

    An attempt's `ModelUnavailableError` (the endpoint cannot be reached at all) counts as a
    failure for the breaker and escapes at once; other errors escape without a verdict.

    Raises:
        ModelUnavailableError: the endpoint is unreachable, the breaker is open, or every
            attempt failed transiently.
    """
    rng = rng or _RNG
    last: ModelTransientError | None = None
    for n in range(policy.max_attempts):
        if not breaker.allow():
            raise ModelUnavailableError(
                f"{name}: circuit breaker open after repeated failures; calls fail fast for "
                f"{breaker.cooldown_s:g}s. Check that the endpoint is up."
            )
        probe = breaker.is_open  # let through while open: this call is the half-open probe
        started_at = time.monotonic()
        try:
            if policy.timeout_s is None:
                result = await attempt()
            else:
                try:
                    async with asyncio.timeout(policy.timeout_s):
                        result = await attempt()
                except TimeoutError:
                    raise ModelTransientError(
                        f"{name}: no reply within {policy.timeout_s:g}s"
                    ) from None
        except ModelTransientError as exc:
            breaker.record(False, started_at=started_at)
            last = exc
            if n + 1 < policy.max_attempts:
                await asyncio.sleep(policy.delay(n, exc.retry_after, rng))
            continue
        except ModelUnavailableError:  # unreachable (nothing listening): an outage, not retried
            breaker.record(False, started_at=started_at)
            raise
        except BaseException:
            if probe:
                breaker.release()
            raise
        breaker.record(True)
        return result
    reason = str(last).removeprefix(f"{name}: ").rstrip(".")
    raise ModelUnavailableError(
        f"{name}: {policy.max_attempts} attempt(s) failed; last error: {reason}. "
        "Raise RetryPolicy.max_attempts, or check the endpoint."
    ) from last
