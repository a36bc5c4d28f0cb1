"""Bad arguments to Agent, Tool and Router raise agora errors and change nothing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from agora import Agent, ConfigError, UserError
from agora.agents.routing import Router
from agora.agents.tools import Tool
from agora.embeddings import HashEmbedder
from agora.testing import ScriptedModel

EXPERTS = {"geo": "geography: capitals and rivers", "chem": "chemistry: acids and reactions"}


def make_router() -> Router:
    router = Router(HashEmbedder(dim=64))
    for name, text in EXPERTS.items():
        router.register(name, text)
    return router


@pytest.mark.parametrize("name", ["geo\n", "geo\r\n", "\ngeo", "a b", "", "x" * 65])
def test_agent_names_are_matched_whole(name: str) -> None:
    with pytest.raises(ConfigError):
        Agent(name, ScriptedModel([]))


@pytest.mark.parametrize(
    "kwargs", [{"expertise": "\ud800"}, {"instructions": "ok\udfff"}, {"expertise": 3}]
)
def test_agent_text_must_be_valid_unicode(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Agent("geo", ScriptedModel([]), **kwargs)


@pytest.mark.parametrize(
    ("task", "kwargs"),
    [
        ("", {}),
        (None, {}),
        ("\ud800", {}),
        ("x", {"context": 5}),
        ("x", {"neighbours": ["chem"]}),
        ("x", {"neighbours": {"chem": None}}),
        ("x", {"allow_split": "yes"}),
        ("x", {"route": {"experts": ["chem"]}}),
    ],
)
def test_decide_checks_its_arguments_before_calling_the_model(
    task: Any, kwargs: dict[str, Any]
) -> None:
    model = ScriptedModel(['{"action": "answer", "answer": "x"}'])
    with pytest.raises(UserError):
        Agent("geo", model).decide_sync(task, **kwargs)
    assert model.calls == []


def test_tool_names_are_matched_whole_and_tools_check_their_fields() -> None:
    def add(a: int, b: int) -> int:
        return a + b

    with pytest.raises(ConfigError):
        Tool.from_function(add, name="add\n")
    with pytest.raises(ConfigError):
        Tool.from_function(add, description=5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        Tool.from_function(42)  # type: ignore[arg-type]
    tool = Tool.from_function(add)
    with pytest.raises(ConfigError):
        Tool("add\n", "adds", add, tool.args_model)
    with pytest.raises(ConfigError):
        Tool("add", "adds", add, dict)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": 0},
        {"k": True},
        {"k": 1.5},
        {"p": 1.5},
        {"p": -0.1},
        {"p": math.nan},
        {"explore": "yes"},
        {"candidates": "geo"},
        {"candidates": [["geo"]]},
        {"candidates": 5},
        {"exclude": "geo"},
        {"exclude": [{"geo"}]},
        {"mode": "best"},
        {"mode": ""},
    ],
)
def test_route_options_are_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UserError):
        make_router().route("rivers", **kwargs)


@pytest.mark.parametrize(
    "task", [None, 3, [1.0, 2.0], np.zeros(63), np.full(64, np.nan), "\ud800", {"a": 1}]
)
def test_route_tasks_are_text_or_vectors_of_the_embedders_dim(task: Any) -> None:
    with pytest.raises(UserError):
        make_router().route(task)


def test_a_vector_task_of_the_right_dim_still_routes() -> None:
    router = make_router()
    assert router.route(router.embed("rivers")).primary == "geo"


@pytest.mark.parametrize(
    "call",
    [
        lambda r, route: r.record("route", "geo", 1.0),
        lambda r, route: r.record(route, ["geo"], 1.0),
        lambda r, route: r.record(route, "geo", math.nan),
        lambda r, route: r.record(route, "geo", "1"),
        lambda r, route: r.record(route, "geo", 1.0, task=5),
        lambda r, route: r.register(["geo"], "x"),
        lambda r, route: r.register("geo", "\ud800"),
        lambda r, route: r.unregister({"geo"}),
        lambda r, route: r.expertise("nobody"),
        lambda r, route: r.begin(None),
        lambda r, route: r.reliability("geo", "0"),
        lambda r, route: r.topic_of(None),
    ],
)
def test_router_methods_check_their_arguments_and_change_nothing(call: Any) -> None:
    router = make_router()
    route = router.route("rivers")
    before = (router.names, router.reliability("geo", route.topic), router.topic_of("rivers"))
    with pytest.raises(UserError):
        call(router, route)
    after = (router.names, router.reliability("geo", route.topic), router.topic_of("rivers"))
    assert after == before


@pytest.mark.parametrize(
    "kwargs", [{"seed": -1}, {"seed": 1.5}, {"explore": 1}, {"embedder": object()}]
)
def test_router_constructor_arguments_are_checked(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("embedder", HashEmbedder(dim=8))
    with pytest.raises(ConfigError):
        Router(**kwargs)
