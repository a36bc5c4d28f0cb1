"""``python -m agora.evals.bigbench``: ``fetch`` the sdist once, then ``run`` the eval.

Example:
    >>> main(["run", "--suite", "domains", "--embedder", "hash", "--seeds", "2",
    ...       "--learn-rounds", "0"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from agora.errors import AgoraError, UserError
from agora.evals._synthetic import check_out, fail, write_json
from agora.evals.bigbench.methods import RouterFactory, default_router

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.bigbench",
        description="Routing on BIG-bench: one expert per task, profiles from the tasks' "
        "own descriptions and keywords, against BM25, nearest-example and centroid baselines.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="download and verify the bigbench 1.0.0 sdist")
    fetch.add_argument("--dir", type=Path, help="cache folder (default $AGORA_CACHE_DIR/bigbench)")
    run = commands.add_parser("run", help="run the eval (the sdist must be fetched)")
    run.add_argument("--suite", choices=("bbh", "all", "domains"), default="bbh")
    run.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    run.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    run.add_argument("--per-family", type=int, default=40, help="example pool per family")
    run.add_argument("--learn-rounds", type=int, default=2, help="feedback rounds (0: no row)")
    run.add_argument(
        "--dev",
        action="store_true",
        help="score on a dev split carved from train (the test split is not read)",
    )
    run.add_argument("--sdist", type=Path, help="the sdist (default: the cached one)")
    run.add_argument("--model", metavar="SPEC", help="add a row: this model picks the expert")
    run.add_argument("--model-sample", type=int, default=20, help="examples per seed it sees")
    run.add_argument(
        "--router",
        metavar="MODULE:FACTORY",
        help="the router under test: FACTORY(embedder, seed) returns a Router-like object",
    )
    run.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")
    run.add_argument("--diagram", type=Path, metavar="OUT.svg", help="write reliability diagrams")
    return parser


def _factory(spec: str | None) -> RouterFactory:
    if spec is None:
        return default_router
    module, _, name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise UserError(f"--router {spec!r}: {exc}; write it as 'package.module:factory'") from None
    if not callable(factory):
        raise UserError(f"--router {spec!r} is not callable")
    return factory  # type: ignore[no-any-return]


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from agora.evals.bigbench._render import render
    from agora.evals.bigbench.diagram import write_svg
    from agora.evals.bigbench.evaluate import run

    if args.seeds < 1:
        raise UserError("--seeds must be >= 1")
    check_out(args.json)  # before the run: a folder given as --json would lose its results
    report = run(
        args.suite,
        embedder=args.embedder,
        seeds=range(args.seeds),
        per_family=args.per_family,
        sdist=args.sdist,
        model=args.model,
        model_sample=args.model_sample,
        router=_factory(args.router),
        learn_rounds=args.learn_rounds,
        dev=args.dev,
        progress=_progress,
    )
    render(report)
    if args.json:
        write_json(args.json, report.to_dict())
        _progress(f"wrote {args.json}")
    if args.diagram:
        panels = {row.method: row.reliability for row in report.rows}
        title = f"Reliability, {report.suite} ({report.embedder}), seeds pooled"
        _progress(f"wrote {write_svg(args.diagram, panels, title=title)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors print as ``Type: message``)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "fetch":
            from agora.evals.bigbench.source import fetch

            print(fetch(args.dir, progress=_progress))
            return 0
        return _run(args)
    except AgoraError as exc:
        return fail(exc)
