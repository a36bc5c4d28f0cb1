"""``python -m agora.evals.planning``: the cooperative planning eval from the command line.

Example:
    >>> main(["--seeds", "1", "--agents", "1", "--cap", "300", "--quiet"])
    0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from agora.errors import AgoraError
from agora.evals.planning.choice import ModelChooser, RandomChooser
from agora.evals.planning.harness import ChooserFactory
from agora.evals.planning.report import VARIANTS, render, run
from agora.evals.planning.world import seeds_with

__all__ = ["main"]


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.planning",
        description="Cooperative planning on crafter's rules: steps to the diamond for 1, 2 "
        "and 6 agents, with and without shared memory and communication.",
    )
    parser.add_argument("--seeds", type=int, default=20, help="worlds (with a diamond); 20")
    parser.add_argument("--agents", type=_ints, default=[1, 2, 6], help="e.g. 1,2,6")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, among {', '.join(VARIANTS)} (default: all)",
    )
    parser.add_argument("--cap", type=int, default=1000, help="ticks per run (default 1000)")
    parser.add_argument(
        "--model",
        metavar="SPEC",
        help="agents pick subgoals with this model ('local', a .gguf path, "
        "http://host:port/v1#name); movement stays scripted",
    )
    parser.add_argument(
        "--planner", choices=("scripted", "random"), default="scripted",
        help="without --model: scripted priorities (default) or random feasible subgoals",
    )  # fmt: skip
    parser.add_argument("--reach", type=int, help="hand-overs only within N steps")
    parser.add_argument("--json", type=Path, help="write the report here too")
    parser.add_argument("--quiet", action="store_true", help="no tables, no progress")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.seeds < 1 or args.cap < 1 or not args.agents or min(args.agents) < 1:
        print("UserError: --seeds, --cap and every --agents count must be >= 1", file=sys.stderr)
        return 1
    try:
        seeds, skipped = seeds_with("diamond", args.seeds)
        chooser: ChooserFactory | None = None
        planner = args.planner
        if args.model:
            from agora.models.spec import model_from_spec

            model = model_from_spec(args.model)
            chooser, planner = (lambda name: ModelChooser(model)), f"model {model.name}"
        elif args.planner == "random":
            chooser = lambda name: RandomChooser(seed=sum(map(ord, name)))  # noqa: E731
        progress = None if args.quiet else _progress
        report = run(
            seeds=seeds,
            agent_counts=args.agents,
            variants=[v for v in args.variants.split(",") if v],
            cap=args.cap,
            chooser=chooser,
            planner=planner,
            reach=args.reach,
            progress=progress,
        )
    except AgoraError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    report["setup"]["skipped_without_diamond"] = skipped
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if not args.quiet:
        render(report)
    return 0


def _progress(line: str) -> None:
    print(f"planning: {line}", file=sys.stderr, flush=True)
