"""The evolving network: weights, pruning and recovery, membership."""

from __future__ import annotations

import pytest

from agora import ConfigError
from agora.runtime.network import Network


def make() -> Network:
    net = Network(["a", "b", "c"], alpha=0.5, prune_below=0.3)
    net.connect("a", "b")
    net.connect("a", "c", weight=0.9)
    return net


def test_neighbours_are_ordered_by_weight_and_follow_changes() -> None:
    net = make()
    assert net.neighbours("a") == ("b", "c")
    net.reinforce([("a", "b")], 0.0)  # 0.5
    assert net.neighbours("a") == ("c", "b")
    assert net.weight("a", "b") == pytest.approx(0.5)
    assert net.neighbours("zzz") == ()


def test_weak_edges_are_pruned_and_recoverable() -> None:
    net = make()
    net.reinforce([("a", "b")], 0.0)
    net.reinforce([("a", "b")], 0.0)  # 0.25 <= 0.3
    assert net.neighbours("a") == ("c",)
    assert net.pruned == {("a", "b"): pytest.approx(0.25)}
    assert net.weight("a", "b") == pytest.approx(0.25)
    net.reinforce([("a", "b")], 1.0)  # pruned edges learn nothing
    net.restore("a", "b")
    assert net.neighbours("a") == ("c", "b")
    assert not net.pruned
    with pytest.raises(ConfigError, match="not pruned"):
        net.restore("a", "b")


def test_success_strengthens_toward_one() -> None:
    net = make()
    net.reinforce([("a", "c")], 1.0)
    assert net.weight("a", "c") == pytest.approx(0.95)


def test_membership_changes() -> None:
    net = make()
    net.add_agent("d")
    net.connect("d", "a")
    net.remove_agent("a")
    assert "a" not in net and net.neighbours("d") == ()
    assert net.names == ("b", "c", "d")
    net.connect("b", "c")
    net.disconnect("b", "c")
    assert net.weight("b", "c") == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda n: n.connect("a", "zzz"),
        lambda n: n.connect("a", "a"),
        lambda n: n.connect("a", "b", weight=0),
        lambda n: n.connect("a", "b", weight=True),
        lambda n: n.disconnect("b", "a"),
        lambda n: n.remove_agent("zzz"),
        lambda n: n.reinforce([("a", "b")], 2.0),
    ],
)
def test_bad_changes_raise_config_error_and_change_nothing(call: object) -> None:
    net = make()
    with pytest.raises(ConfigError):
        call(net)  # type: ignore[operator]
    assert net.neighbours("a") == ("b", "c")
    assert net.weight("a", "b") == 1.0


@pytest.mark.parametrize("kwargs", [{"alpha": 1.0}, {"prune_below": -0.1}, {"alpha": "x"}])
def test_bad_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Network(**kwargs)  # type: ignore[arg-type]
