"""The routing eval's data: labelled tasks and the experts they are routed to.

Both ship inside the package (``agora/evals/data/``), so the eval needs no download:

- ``routing_tasks.jsonl``: one task a line, ``{"id", "text", "domains", "split"}``. Clear tasks
  have one domain and split ``"train"`` or ``"test"``; ambiguous tasks span two domains and
  have split ``"ambiguous"``.
- ``routing_experts.json``: one expert per domain (``name``, ``domain``, ``expertise``), plus
  a ``vague`` profile used to mislead the router in the learning experiment.

Example:
    >>> experts = load_experts()
    >>> [e.domain for e in experts][:3]
    ['arithmetic', 'code', 'geography']
    >>> task = load_tasks()[0]
    >>> task.id, task.domains, task.clear
    ('ari-01', ('arithmetic',), True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from agora.errors import ConfigError

__all__ = [
    "Expert",
    "Task",
    "load_experts",
    "load_tasks",
    "misleading_profiles",
    "vague_profile",
]

SPLITS = ("train", "test", "ambiguous")


@dataclass(frozen=True, slots=True)
class Task:
    """One labelled task.

    Attributes:
        id: unique id, e.g. ``"geo-07"`` or ``"chem+ari-01"``.
        text: the task as a user would write it.
        domains: the domains whose expert can answer it (two for an ambiguous task).
        split: ``"train"``, ``"test"`` (clear tasks) or ``"ambiguous"``.
    """

    id: str
    text: str
    domains: tuple[str, ...]
    split: str

    @property
    def clear(self) -> bool:
        """Whether the task belongs to exactly one domain."""
        return len(self.domains) == 1


@dataclass(frozen=True, slots=True)
class Expert:
    """An expert agent of the eval: its name, its true domain and its expertise profile."""

    name: str
    domain: str
    expertise: str


def _read(name: str) -> str:
    return resources.files("agora.evals").joinpath("data", name).read_text(encoding="utf-8")


def _task(row: Mapping[str, Any]) -> Task:
    try:
        return Task(
            id=str(row["id"]),
            text=str(row["text"]),
            domains=tuple(str(d) for d in row["domains"]),
            split=str(row.get("split", "test")),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"bad routing task {row!r}: {exc}; see agora.evals.tasks") from None


def load_tasks() -> list[Task]:
    """The shipped routing tasks, in file order.

    Example:
        >>> sum(t.clear for t in load_tasks()) >= 240
        True
    """
    lines = _read("routing_tasks.jsonl").splitlines()
    return [_task(json.loads(line)) for line in lines if line.strip()]


def _experts_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_read("routing_experts.json"))
    return data


def load_experts() -> list[Expert]:
    """The shipped experts, one per domain, with their (accurate) expertise profiles.

    Example:
        >>> len(load_experts())
        8
    """
    return [
        Expert(name=e["name"], domain=e["domain"], expertise=e["expertise"])
        for e in _experts_file()["experts"]
    ]


def vague_profile() -> str:
    """A profile that describes no domain at all.

    Example:
        >>> "generalist" in vague_profile()
        True
    """
    return str(_experts_file()["vague"])


def misleading_profiles(experts: Sequence[Expert]) -> dict[str, str]:
    """Profiles that mislead at first: 3 of the experts describe something they are not.

    The ``chemistry`` and ``music`` experts swap profiles, and ``law`` gets the vague one;
    the other experts keep theirs.

    Example:
        >>> experts = load_experts()
        >>> profiles = misleading_profiles(experts)
        >>> profiles["chemistry"] == next(e.expertise for e in experts if e.name == "music")
        True
        >>> profiles["law"] == vague_profile()
        True
    """
    by_name = {e.name: e.expertise for e in experts}
    return {
        **by_name,
        "chemistry": by_name["music"],
        "music": by_name["chemistry"],
        "law": vague_profile(),
    }
