"""``python -m agora.evals.agentnet``: AgentNet's router and evolution ablations on BBH.

Example:
    >>> main(["--seeds", "0"])
    1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agora.errors import AgoraError, UserError
from agora.evals._synthetic import check_out, fail, write_json

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.agentnet",
        description="AgentNet's ablation on BBH: decentralized routing vs one global router "
        "vs a random next agent vs a random operation, and an evolving vs a frozen network, "
        "through real agora teams (scripted experts by default, or --model).",
    )
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="feedback rounds (default 3)")
    parser.add_argument("--per-family", type=int, default=30, help="examples per family")
    parser.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    parser.add_argument(
        "--model",
        metavar="SPEC",
        help="every agent answers on this model ('local', a .gguf path, "
        "http://host:port/v1#name); default: scripted agents",
    )
    parser.add_argument(
        "--sample", type=int, metavar="N", help="train and test examples per seed at most"
    )
    parser.add_argument("--max-tokens", type=int, default=48, help="per answer, with --model")
    parser.add_argument(
        "--variants", metavar="A,B", help="comma-separated team variants (default: all)"
    )
    parser.add_argument("--sdist", type=Path, help="the BIG-bench sdist (default: the cached one)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")
    return parser


def _progress(line: str) -> None:
    print(f"agentnet: {line}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from agora.evals.agentnet._render import render
    from agora.evals.agentnet.evaluate import VARIANTS
    from agora.evals.agentnet.experiment import run
    from agora.evals.bigbench.evaluate import suite_families

    if args.seeds < 1:
        raise UserError(f"--seeds must be >= 1, got {args.seeds}")
    check_out(args.json)  # before the run: a folder given as --json would lose its results
    if args.max_tokens < 1:
        raise UserError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    variants = VARIANTS if not args.variants else tuple(args.variants.split(","))
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise UserError(f"--variants names unknown variants {unknown}; use some of {VARIANTS}")
    model = None
    if args.model:
        from agora.models.spec import model_from_spec

        model = model_from_spec(args.model)
    families = suite_families("bbh", args.sdist, _progress)
    report = run(
        families,
        seeds=range(args.seeds),
        rounds=args.rounds,
        per_family=args.per_family,
        embedder=args.embedder,
        model=model,
        sample=args.sample,
        variants=variants,
        progress=_progress,
    )
    render(report)
    if args.json:
        write_json(args.json, report.to_dict())
        _progress(f"wrote {args.json}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors print as ``Type: message``)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except AgoraError as exc:
        return fail(exc)
