"""The error hierarchy: one tree under AgoraError, messages that say what to do, picklable."""

from __future__ import annotations

import pickle

import pytest

import agora.errors as errors
from agora.errors import (
    AgoraError,
    BudgetExceeded,
    ConfigError,
    DeliveryError,
    IdentityError,
    InvalidRecordError,
    MissingDependencyError,
    ModelError,
    ModelOutputError,
    ModelTransientError,
    ModelUnavailableError,
    ProtocolError,
    RecordNotFoundError,
    RunError,
    ScopeError,
    StoreError,
    ToolError,
    UserError,
)

PARENTS = {
    UserError: AgoraError,
    ConfigError: UserError,
    MissingDependencyError: UserError,
    ProtocolError: AgoraError,
    IdentityError: ProtocolError,
    ModelError: AgoraError,
    ModelTransientError: ModelError,
    ModelUnavailableError: ModelError,
    ModelOutputError: ModelError,
    ToolError: AgoraError,
    RunError: AgoraError,
    BudgetExceeded: RunError,
    DeliveryError: RunError,
    InvalidRecordError: UserError,
    RecordNotFoundError: UserError,
    ScopeError: UserError,
    StoreError: AgoraError,
}

EXAMPLES = [
    ConfigError("unknown model spec 'foo'"),
    ProtocolError("payload.text: too long", field="payload.text"),
    IdentityError("envelope 'e1' from 'geo' fails verification", field="signature"),
    ModelTransientError("HTTP 429", retry_after=2.5, status=429),
    ModelOutputError("still invalid", raw="{not json"),
    BudgetExceeded("tokens", limit=1000, used=1234),
    DeliveryError("no agent 'x'"),
]


@pytest.mark.parametrize(("cls", "parent"), PARENTS.items(), ids=lambda c: c.__name__)
def test_each_error_sits_where_the_tree_says(cls: type[Exception], parent: type) -> None:
    assert cls.__bases__ == (parent,)
    assert issubclass(cls, AgoraError)


def test_the_tree_covers_every_error_and_is_drawn_in_the_docstring() -> None:
    assert set(PARENTS) | {AgoraError} == {getattr(errors, n) for n in errors.__all__}
    assert errors.__doc__ is not None
    for name in errors.__all__:
        assert name in errors.__doc__


def test_issubclass_relations_users_rely_on() -> None:
    assert issubclass(AgoraError, Exception)
    assert issubclass(BudgetExceeded, RunError) and issubclass(BudgetExceeded, AgoraError)
    for cls in (ModelTransientError, ModelUnavailableError, ModelOutputError):
        assert issubclass(cls, ModelError)
    assert not issubclass(ProtocolError, UserError)
    assert not issubclass(BudgetExceeded, UserError)


def test_budget_exceeded_says_what_ran_out_and_how_to_raise_the_limit() -> None:
    exc = BudgetExceeded("hops", limit=20, used=21)
    assert (exc.resource, exc.limit, exc.used) == ("hops", 20, 21)
    message = str(exc)
    assert "hops" in message and "21" in message and "20" in message
    assert "Budget(hops=...)" in message


@pytest.mark.parametrize("resource", ["hops", "tokens", "wall_time"])
def test_budget_exceeded_names_the_setting_for_each_resource(resource: str) -> None:
    assert f"Budget({resource}=...)" in str(BudgetExceeded(resource, limit=1.5, used=2.25))


def test_protocol_error_names_the_field() -> None:
    assert ProtocolError("envelope is not valid JSON").field is None
    exc = ProtocolError("payload.text: too long", field="payload.text")
    assert exc.field == "payload.text"
    assert str(exc) == "payload.text: too long"
    with pytest.raises(TypeError):
        ProtocolError("m", "payload.text")  # type: ignore[misc]  # field is keyword-only


def test_model_errors_carry_their_details() -> None:
    exc = ModelTransientError("HTTP 503")
    assert (exc.retry_after, exc.status) == (None, None)
    assert ModelOutputError("bad").raw == ""


@pytest.mark.parametrize("exc", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_survive_pickling(exc: AgoraError) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert vars(copy) == vars(exc)
