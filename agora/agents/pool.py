"""The shared pool of a cross-team run and the arithmetic of pruning and aggregating it.

- `Pool`: the signed `Proposal` and `Insight` envelopes teams put in, each checked on entry
  (signature, conversation, replay) by the run's `agora.protocols.Conversation`.
- `top_half`: CTC's pruning, the best ⌈n/2⌉ by an objective score.
- `partition`: CTC's greedy grouping, shortest first, each group within a token budget.
- `aggregation_temperature`: the aggregator's temperature, falling with depth.

Example:
    >>> partition([5, 1, 3, 2], group_size=2, budget=100)
    [[1, 3], [2, 0]]
    >>> [aggregation_temperature(d, 3, base=0.9) for d in range(3)]
    [0.9, 0.6, 0.3]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from agora._checks import check_int, check_number
from agora.errors import ProtocolError
from agora.protocols.conversation import Conversation
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Insight, Proposal

__all__ = ["Pool", "aggregation_depth", "aggregation_temperature", "partition", "top_half"]

T = TypeVar("T")


class Pool:
    """Proposals and insights of one cross-team run, each accepted only once it checks out.

    Args:
        conversation: the run's conversation; with a verifier (``Conversation(verifier=...)``)
            every envelope's signature is checked, and a replay is refused.

    Example:
        >>> from agora.protocols import Task
        >>> conv = Conversation("c")
        >>> conv.accept(Envelope(conversation_id="c", sender="user", recipients=["t1"],
        ...                      payload=Task(text="Write f")))
        >>> pool = Pool(conv)
        >>> env = pool.add(Envelope(conversation_id="c", sender="t1", recipients=["pool"],
        ...                         payload=Proposal(text="def f(): ...")))
        >>> [e.sender for e in pool.proposals]
        ['t1']
    """

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.proposals: list[Envelope] = []
        self.insights: list[Envelope] = []

    def add(self, env: Envelope) -> Envelope:
        """Check `env` and keep it; return it.

        Raises:
            IdentityError: unsigned, tampered with, signed by someone else, or replayed.
            ProtocolError: not a proposal or insight, or from no participant of the run.
        """
        if not isinstance(env, Envelope):
            raise ProtocolError(f"the pool takes Envelopes, got {type(env).__name__}")
        if not isinstance(env.payload, Proposal | Insight):
            raise ProtocolError(
                f"the pool takes proposals and insights, got a {env.kind}", field="payload.kind"
            )
        self.conversation.accept(env)
        (self.proposals if isinstance(env.payload, Proposal) else self.insights).append(env)
        return env

    def proposal(self, envelope_id: str) -> Envelope:
        """The proposal with id `envelope_id`.

        Raises:
            ProtocolError: no such proposal is in the pool.
        """
        for env in self.proposals:
            if env.id == envelope_id:
                return env
        raise ProtocolError(f"no proposal {envelope_id!r} in the pool", field="parent_id")


def top_half(items: Sequence[T], score: Callable[[T], float]) -> list[T]:
    """The best ⌈n/2⌉ of `items` by `score`, in their original order (ties: earlier first).

    Example:
        >>> top_half(["a", "bbb", "cc", "dddd", "e"], score=len)
        ['bbb', 'cc', 'dddd']
    """
    keep = math.ceil(len(items) / 2)
    ranked = sorted(range(len(items)), key=lambda i: (-score(items[i]), i))[:keep]
    return [items[i] for i in sorted(ranked)]


def partition(sizes: Sequence[int], *, group_size: int = 2, budget: int = 8192) -> list[list[int]]:
    """Group indices of items with token `sizes`: shortest first, greedily, within `budget`.

    A group takes the next shortest item while it has fewer than `group_size` and the sum
    of its sizes stays within `budget`. A layer must merge something, so when every group
    would hold one item the two shortest are grouped anyway (over the budget).

    Raises:
        ConfigError: `group_size` is not in [2, 4] or `budget` is not a positive int.

    Example:
        >>> partition([10, 10, 10], group_size=2, budget=15)
        [[0, 1], [2]]
    """
    check_int(group_size, "group_size", low=2, high=4)
    check_int(budget, "budget", low=1)
    order = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
    groups: list[list[int]] = []
    total = 0
    for index in order:
        if groups and len(groups[-1]) < group_size and total + sizes[index] <= budget:
            groups[-1].append(index)
            total += sizes[index]
        else:
            groups.append([index])
            total = sizes[index]
    if len(groups) > 1 and all(len(group) == 1 for group in groups):
        groups = [[order[0], order[1]], *([i] for i in order[2:])]
    return groups


def aggregation_depth(count: int, group_size: int = 2) -> int:
    """Layers needed to merge `count` proposals in groups of `group_size` (0 for one).

    Example:
        >>> aggregation_depth(5), aggregation_depth(3, 4), aggregation_depth(1)
        (3, 1, 0)
    """
    check_int(count, "count", low=0)
    check_int(group_size, "group_size", low=2, high=4)
    depth = 0
    while count > 1:
        count = math.ceil(count / group_size)
        depth += 1
    return depth


def aggregation_temperature(depth: int, total: int, *, base: float = 1.0) -> float:
    """CTC's aggregation temperature: ``base × (1 − depth / total)``, falling to the root.

    Args:
        depth: the layer being merged, 0 for the first.
        total: the planned number of layers (`aggregation_depth`).
        base: the temperature of the first layer.

    Raises:
        ConfigError: `depth` not in [0, total), or `base` not a finite number >= 0.
    """
    check_int(total, "total", low=1)
    check_int(depth, "depth", low=0, high=total - 1)
    check_number(base, "base", low=0.0)
    return round(base * (1 - depth / total), 6)
