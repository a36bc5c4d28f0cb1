"""Crafter's rules, read from the installed ``crafter`` package's ``data.yaml``.

Nothing here is invented: the materials, what is walkable, the items and their limits, what
collecting each material requires and gives, what placing and making use and need nearby,
and the achievements are the file's (PyPI ``crafter`` 1.8.3: a table takes 2 wood, a furnace
4 stone, a tree is used up). `Rules` adds one question the file answers only implicitly:
which material an item is collected from (`Rules.source_of`).

Example:
    >>> rules = load_rules()
    >>> rules.make["iron_pickaxe"].uses == {"wood": 1, "coal": 1, "iron": 1}
    True
    >>> rules.make["iron_pickaxe"].nearby, rules.collect["diamond"].require
    (('table', 'furnace'), {'iron_pickaxe': 1})
    >>> rules.source_of("wood").material
    'tree'
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from agora.errors import ConfigError, MissingDependencyError

__all__ = ["Collect", "Make", "Place", "Rules", "crafter_module", "load_rules"]

#: How to install what the planning world needs.
INSTALL = "pip install 'agora-teams[evals]'  (or: pip install crafter==1.8.3)"


def crafter_module(name: str = "crafter") -> ModuleType:
    """Import `name` from the ``crafter`` package, or say how to install it.

    Raises:
        MissingDependencyError: ``crafter`` is not installed.

    Example:
        >>> crafter_module("crafter.engine").__name__
        'crafter.engine'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingDependencyError(
            f"the cooperative planning world runs on crafter's engine and rules, and "
            f"{name} could not be imported ({exc}); install it: {INSTALL}"
        ) from exc


@dataclass(frozen=True, slots=True)
class Collect:
    """What ``do`` on a material requires and gives (``collect:`` in data.yaml)."""

    material: str
    require: Mapping[str, int]
    receive: Mapping[str, int]
    leaves: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Place:
    """What placing something uses and where it may go (``place:`` in data.yaml)."""

    name: str
    uses: Mapping[str, int]
    where: tuple[str, ...]
    type: str


@dataclass(frozen=True, slots=True)
class Make:
    """What making a tool uses and needs nearby (``make:`` in data.yaml)."""

    name: str
    uses: Mapping[str, int]
    nearby: tuple[str, ...]
    gives: int


@dataclass(frozen=True, slots=True)
class Rules:
    """Crafter's rules as typed tables; build them with `load_rules`.

    Example:
        >>> rules = load_rules()
        >>> rules.place["table"].uses, rules.items["wood"]
        ({'wood': 2}, 9)
    """

    actions: tuple[str, ...]
    """Crafter's action names, in its order."""
    materials: tuple[str, ...]
    """Materials, in crafter's order (a material's id in the world is its index + 1)."""
    walkable: frozenset[str]
    """Materials a player can stand on."""
    items: Mapping[str, int]
    """Inventory items and their maximum count."""
    vitals: frozenset[str]
    """Items that are body stats (health, food, drink, energy), never handed over."""
    collect: Mapping[str, Collect]
    """By material."""
    place: Mapping[str, Place]
    """By the name of what is placed."""
    make: Mapping[str, Make]
    """By the tool made."""
    achievements: tuple[str, ...]
    """Crafter's achievement names."""

    def source_of(self, item: str) -> Collect | None:
        """The material `item` is collected from for sure, if any (``None`` for made items).

        Example:
            >>> load_rules().source_of("stone").require
            {'wood_pickaxe': 1}
        """
        for rule in self.collect.values():
            if item in rule.receive and rule.probability >= 1.0 and item not in self.vitals:
                return rule
        return None

    def material_id(self, material: str) -> int:
        """The id crafter's world stores `material` under (0 is unknown / nothing).

        Raises:
            ConfigError: `material` is not one of crafter's.
        """
        try:
            return self.materials.index(material) + 1
        except ValueError:
            raise ConfigError(
                f"{material!r} is not a crafter material; use one of {self.materials}"
            ) from None

    def achievement(self, kind: str, name: str) -> str:
        """Crafter's achievement for collecting, placing or making `name`.

        Example:
            >>> load_rules().achievement("collect", "wood")
            'collect_wood'
        """
        return f"{kind}_{name}"


def _counts(table: Any, where: str) -> dict[str, int]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"crafter's data.yaml: {where} is not a mapping")
    return {str(k): int(v) for k, v in table.items()}


def _parse(data: Mapping[str, Any]) -> Rules:
    items = {name: int(info["max"]) for name, info in data["items"].items()}
    vitals = frozenset(n for n in ("health", "food", "drink", "energy") if n in items)
    collect = {
        str(m): Collect(
            material=str(m),
            require=_counts(r.get("require", {}), f"collect.{m}.require"),
            receive=_counts(r.get("receive", {}), f"collect.{m}.receive"),
            leaves=str(r["leaves"]),
            probability=float(r.get("probability", 1.0)),
        )
        for m, r in data["collect"].items()
    }
    place = {
        str(n): Place(
            name=str(n),
            uses=_counts(r["uses"], f"place.{n}.uses"),
            where=tuple(str(w) for w in r["where"]),
            type=str(r["type"]),
        )
        for n, r in data["place"].items()
    }
    make = {
        str(n): Make(
            name=str(n),
            uses=_counts(r["uses"], f"make.{n}.uses"),
            nearby=tuple(str(s) for s in r["nearby"]),
            gives=int(r["gives"]),
        )
        for n, r in data["make"].items()
    }
    return Rules(
        actions=tuple(str(a) for a in data["actions"]),
        materials=tuple(str(m) for m in data["materials"]),
        walkable=frozenset(str(w) for w in data["walkable"]),
        items=items,
        vitals=vitals,
        collect=collect,
        place=place,
        make=make,
        achievements=tuple(str(a) for a in data["achievements"]),
    )


@functools.cache
def load_rules() -> Rules:
    """Crafter's rules, parsed from the ``data.yaml`` the installed package ships.

    Raises:
        MissingDependencyError: ``crafter`` is not installed.
        ConfigError: the file lacks a table the world needs.
    """
    import importlib.resources

    crafter_module("crafter")
    yaml = crafter_module("ruamel.yaml").YAML(typ="safe", pure=True)
    text = importlib.resources.files("crafter").joinpath("data.yaml").read_text()
    data = yaml.load(text)
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"crafter's data.yaml lacks what the planning world reads ({exc!r}); "
            f"install the version it was built on: {INSTALL}"
        ) from exc
