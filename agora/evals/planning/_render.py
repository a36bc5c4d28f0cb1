"""Rich tables of a planning report (internal; the CLI's only output path)."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

__all__ = ["render"]

_SHORT = {
    "collect_wood": "wood",
    "place_table": "table",
    "make_wood_pickaxe": "wood pick",
    "collect_stone": "stone",
    "place_furnace": "furnace",
    "collect_coal": "coal",
    "make_stone_pickaxe": "stone pick",
    "collect_iron": "iron",
    "make_iron_pickaxe": "iron pick",
    "collect_diamond": "diamond",
}


_VARIANT = {
    "full": "",
    "no_shared_memory": " no-mem",
    "no_communication": " no-comm",
    "independent": " indep",
}


def _ci(cell: dict[str, Any] | None, digits: int = 0) -> str:
    if not cell or cell.get("mean") is None:
        return "-"
    low, high = cell["ci95"]
    return f"{cell['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _pct(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "-"
    low, high = cell["ci95"]
    return f"{-cell['mean']:+.0%} [{-high:+.0%}, {-low:+.0%}]"


def _headline(report: dict[str, Any]) -> Table:
    setup = report["setup"]
    table = Table(
        title=f"Ticks to the diamond ({len(setup.get('seeds', []))} worlds, cap {setup['cap']}, "
        f"planner {setup.get('planner', 'scripted')}); a tick = every agent acts once",
        box=box.SIMPLE_HEAD,
    )
    for name in ("agents", "variant", "success", "ticks [95% CI]", "vs 1 agent [95% CI]",
                 "agent actions", "actions vs 1", "DAMCS"):  # fmt: skip
        table.add_column(name, justify="left" if name == "variant" else "right")
    for row in report["rows"]:
        low, high = row["success_ci95"]
        damcs = report["damcs"].get(str(row["agents"])) if row["variant"] == "full" else None
        table.add_row(
            str(row["agents"]),
            row["variant"],
            f"{row['success']:.0%} [{low:.0%}, {high:.0%}]",
            _ci(row["ticks"]),
            _pct(row.get("reduction")),
            _ci(row["agent_actions"]),
            _pct(row.get("action_reduction")),
            f"{-damcs:+.0%}" if damcs else "",
        )
    return table


def _milestones(report: dict[str, Any]) -> Table:
    table = Table(
        title="Mean ticks to each milestone [95% CI] (the first agent to unlock it; over the "
        "seeds that did). Columns: agents, variant (no-mem: no shared memory, no-comm: no "
        "communication, indep: neither)",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("milestone")
    rows = report["rows"]
    for row in rows:
        name = f"{row['agents']}{_VARIANT.get(row['variant'], ' ' + row['variant'])}"
        table.add_column(name, justify="right", no_wrap=True)
    for name in report["milestones"]:
        table.add_row(_SHORT.get(name, name), *(_ci(r["milestones"][name]) for r in rows))
    return table


def _protocol(report: dict[str, Any]) -> Table:
    table = Table(title="Protocol and memory per run (means)", box=box.SIMPLE_HEAD)
    kinds = ("share_discovery", "claim_subgoal", "help_request", "hand_over")
    for name in ("agents", "variant", *kinds, "items handed", "re-plans", "goal nodes"):
        table.add_column(name, justify="left" if name == "variant" else "right")
    for row in report["rows"]:
        table.add_row(
            str(row["agents"]),
            row["variant"],
            *(f"{row['messages'].get(k, 0):.0f}" for k in kinds),
            f"{row['handovers']:.1f}",
            f"{row['replans']:.1f}",
            f"{row['goal_nodes']:.0f}",
        )
    return table


def render(report: dict[str, Any], console: Console | None = None) -> None:
    """Print `report`'s tables on `console` (default: standard output).

    Example:
        >>> import io
        >>> from agora.evals.planning.report import run
        >>> console = Console(record=True, file=io.StringIO(), width=160)
        >>> render(run(seeds=[1], agent_counts=(1,), cap=300), console)
        >>> "Ticks to the diamond" in console.export_text()
        True
    """
    console = console or Console(width=200)
    console.print(_headline(report))
    console.print(_milestones(report))
    console.print(_protocol(report))
