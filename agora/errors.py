"""The one error hierarchy of agora.

Every error agora raises on purpose derives from `AgoraError`::

    AgoraError
    ├── UserError                  a usage mistake: fix the call or the configuration
    │   ├── ConfigError            a bad model spec, path, option or team layout
    │   ├── MissingDependencyError an optional package is not installed
    │   ├── InvalidRecordError     a memory record with a bad field, or one the store rejects
    │   ├── RecordNotFoundError    a memory operation named an id the store does not hold
    │   └── ScopeError             a memory write outside the writer's own scope
    ├── ProtocolError              a message that fails validation on receipt
    │   └── IdentityError          a message or journal entry whose signature does not verify
    ├── ModelError                 a model call that did not produce a usable reply
    │   ├── ModelTransientError    a failure worth retrying (429, 5xx, timeout, bad body)
    │   ├── ModelUnavailableError  unreachable, retries exhausted, or the circuit breaker open
    │   └── ModelOutputError       structured output still invalid after the repair retry
    ├── ToolError                  a tool raised or got bad arguments
    ├── RunError                   a team run that could not finish
    │   ├── BudgetExceeded         a team-wide budget (hops, tokens, wall time) ran out
    │   └── DeliveryError          an envelope had nowhere valid to go
    └── StoreError                 a memory store that cannot serve the call (closed, corrupt)

Messages say what happened and what to do about it. Constructors have no side effects.
"""

from __future__ import annotations

from functools import partial
from typing import Any

__all__ = [
    "AgoraError",
    "BudgetExceeded",
    "ConfigError",
    "DeliveryError",
    "IdentityError",
    "InvalidRecordError",
    "MissingDependencyError",
    "ModelError",
    "ModelOutputError",
    "ModelTransientError",
    "ModelUnavailableError",
    "ProtocolError",
    "RecordNotFoundError",
    "RunError",
    "ScopeError",
    "StoreError",
    "ToolError",
    "UserError",
]


class AgoraError(Exception):
    """Base class of every error agora raises on purpose.

    Attributes:
        partial: when the error ended a team run, the run so far (an `agora.Result` with the
            trace and usage up to the failure, and an empty answer); otherwise ``None``.

    Example:
        >>> try:
        ...     raise ConfigError("unknown model spec 'foo'")
        ... except AgoraError as exc:
        ...     print(type(exc).__name__)
        ConfigError
    """

    partial: Any = None


class UserError(AgoraError):
    """A usage mistake: the call, its arguments or the configuration must change."""


class ConfigError(UserError):
    """A bad model spec, file path, option value or team layout."""


class MissingDependencyError(UserError):
    """An optional package is missing; the message names the `pip install` that fixes it."""


class ProtocolError(AgoraError):
    """A message failed validation on receipt.

    Attributes:
        field: dotted path of the offending field (``"payload.text"``), or ``None`` when the
            document as a whole is bad (not JSON, too large, invalid UTF-8).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IdentityError(ProtocolError):
    """A message or journal entry that fails authentication: spoofed, tampered or unsigned.

    Attributes:
        alert: an `agora.Alert` payload describing the rejection, to pass on to the team.
        envelope_id: the rejected envelope's id, when an envelope was rejected.

    Example:
        >>> IdentityError("bad signature", field="signature").field
        'signature'
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        alert: Any = None,
        envelope_id: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.alert = alert
        self.envelope_id = envelope_id


class ModelError(AgoraError):
    """A model call that did not produce a usable reply."""


class ModelTransientError(ModelError):
    """A failure worth retrying: rate limit, server error, timeout or unreadable body.

    Attributes:
        retry_after: seconds the server asked us to wait, when it said so.
        status: the HTTP status, when there was one.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class ModelUnavailableError(ModelError):
    """The model could not be reached.

    Nothing listens at its endpoint or the host is unknown (raised at once, not retried), the
    retries ran out, or the circuit breaker is open. The message names the endpoint and the fix.
    """


class ModelOutputError(ModelError):
    """Structured output was still invalid after the bounded repair retry.

    Attributes:
        raw: the last text the model produced.
        usage: what the failed attempts cost (an `agora.Usage`; team budgets count it).
    """

    def __init__(self, message: str, *, raw: str = "", usage: Any = None) -> None:
        super().__init__(message)
        self.raw = raw
        self.usage = usage


class ToolError(AgoraError):
    """A tool raised, or was called with arguments that do not match its signature."""


class RunError(AgoraError):
    """A team run that could not finish."""


class BudgetExceeded(RunError):
    """A team-wide budget ran out.

    Attributes:
        resource: which budget: ``"hops"``, ``"tokens"`` or ``"wall_time_s"``.
        limit: the configured limit.
        used: how much was used when the run stopped.
    """

    def __init__(self, resource: str, *, limit: float, used: float) -> None:
        super().__init__(
            f"team budget for {resource} exceeded: used {used:g} of {limit:g}. "
            f"Raise it with Budget({resource}=...) on the Team, or simplify the task."
        )
        self.resource = resource
        self.limit = limit
        self.used = used

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild through __init__'s keywords, so the error survives pickling (process pools).
        return partial(type(self), self.resource, limit=self.limit, used=self.used), ()


class DeliveryError(RunError):
    """An envelope had no valid recipient (unknown agent, or one already on the task's path)."""


class InvalidRecordError(UserError):
    """A memory record with a bad field, or one the store rejects (duplicate id, unknown entity).

    The store is left unchanged.

    Attributes:
        field: the offending field (``"confidence"``, ``"subject"``), or ``None``.

    Example:
        >>> InvalidRecordError("confidence must be within 0..1", field="confidence").field
        'confidence'
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RecordNotFoundError(UserError):
    """A memory operation named an episode, entity, fact, community or goal id not in the store."""


class ScopeError(UserError):
    """A memory write outside the writer's own scope; wider scopes are reached by promotion."""


class StoreError(AgoraError):
    """A memory store that cannot serve the call: closed, unreadable, or of another schema."""
