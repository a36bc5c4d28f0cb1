"""Helpers shared by the generated-world evals (`agora.evals.fusion`, `agora.evals.knfu`).

Internal: intervals over seeds, the ``--model`` path (an agent says each assertion as a
sentence and the model extracts the claim back, through `agora.evals.fusion_extract`), and
the CLIs' ``--seeds`` / ``--seed`` / ``--json OUT`` arguments and error paths (which
`agora.evals.routing` shares too).

Example:
    >>> interval([0.9, 1.0, 1.0]).high
    1.0
    >>> phrase("located_in")
    '{} is located in'
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agora.errors import ConfigError
from agora.evals.fusion_real import Interval
from agora.evals.stats import mean_ci

if TYPE_CHECKING:
    from agora.evals.synthetic_world import Assertion
    from agora.models.base import Model

__all__ = [
    "Interval",
    "add_seed_arguments",
    "add_world_arguments",
    "cell",
    "check_out",
    "fail",
    "interval",
    "phrase",
    "said_by_model",
    "seeds_of",
    "signed",
    "stderr_progress",
    "write_json",
]

Progress = Callable[[str], None]
_PHRASES = {
    "located_in": "{} is located in",
    "founded_by": "{} was founded by",
    "led_by": "{} is led by",
    "trades_with": "{} trades with",
    "allied_with": "{} is allied with",
    "knows": "{} knows",
}


def interval(values: Sequence[float], *, clip: bool = True) -> Interval:
    """Mean of `values` (one per seed) with its 95% Student-t interval, clipped to 0..1.

    Example:
        >>> interval([0.2, 0.4], clip=False).low < 0
        True
    """
    mean, low, high = mean_ci(values)
    if clip:
        low, high = max(0.0, low), min(1.0, high)
    return Interval(mean, low, high)


def cell(value: Interval) -> str:
    """``0.950 [0.93, 0.97]``: a table cell for a share with its interval."""
    return f"{value.mean:.3f} [{value.low:.2f}, {value.high:.2f}]"


def signed(value: Interval | None) -> str:
    """``+0.012 [-0.01, +0.03]`` for a difference; ``-`` when there is none."""
    if value is None:
        return "-"
    return f"{value.mean:+.3f} [{value.low:+.2f}, {value.high:+.2f}]"


def phrase(relation: str) -> str:
    """The sentence template an agent uses for `relation` (``{}`` is the subject)."""
    return _PHRASES.get(relation, "{} " + relation.replace("_", " "))


def said_by_model(
    model: Model, assertions: Sequence[Assertion], *, progress: Progress | None = None
) -> list[Assertion]:
    """`assertions` as `model` reads them back from the sentences the agents say.

    Each assertion is said as ``"Kalomi is located in Ravetu."`` and
    `agora.evals.fusion_extract.extract_assertions` has the model extract the claim; the
    agent's claim becomes the extracted subject and object, its relation stays the one it
    was asserting (relation naming is not what these evals measure). An assertion the model
    extracts nothing usable from is lost.

    Example:
        >>> from agora.evals.synthetic_world import Assertion
        >>> from agora.testing import ScriptedModel
        >>> model = ScriptedModel([{"claims": [{"subject": "Kalomi", "relation": "in",
        ...                                     "object": "Ravetu"}]}, {"claims": []}])
        >>> said = [Assertion("a1", "Kalomi", "located_in", "Ravetu", 0.9, ""),
        ...         Assertion("a2", "Ravetu", "knows", "Kalomi", 0.8, "")]
        >>> [(a.agent, a.subject, a.object) for a in said_by_model(model, said)]
        [('a1', 'Kalomi', 'Ravetu')]
    """
    from agora.evals.fusion_extract import extract_assertions
    from agora.evals.fusion_world import Assertion as Spoken

    out: list[Assertion] = []
    for index, a in enumerate(assertions, 1):
        spoken = Spoken(a.agent, a.subject, phrase(a.relation), a.object, a.confidence, None)
        heard = extract_assertions(model, [spoken])
        if heard:
            out.append(dataclasses.replace(a, subject=heard[0].subject, object=heard[0].object))
        if progress is not None and (index % 25 == 0 or index == len(assertions)):
            progress(f"extracted {index}/{len(assertions)} ({len(out)} kept)")
    return out


def add_seed_arguments(parser: argparse.ArgumentParser) -> None:
    """``--seeds N`` (seeds 0..N-1, default 5) and ``--seed N`` (that one seed only)."""
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--seed", type=int, help="run this one seed only (instead of --seeds)")


def add_world_arguments(parser: argparse.ArgumentParser) -> None:
    """``--max-assertions N``, ``--model SPEC`` and ``--json OUT`` of the generated worlds."""
    parser.add_argument(
        "--max-assertions",
        type=int,
        metavar="N",
        help="fuse only each world's first N assertions (keeps a --model run small)",
    )
    parser.add_argument(
        "--model",
        metavar="SPEC",
        help="agents say each assertion as a sentence and this model extracts the claim "
        "('local', a .gguf path, http://host:port/v1#name, openai:NAME)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the report here")


def seeds_of(args: argparse.Namespace, checks: Sequence[tuple[bool, str]] = ()) -> list[int]:
    """The seeds to run, once `checks` (``(bad, message)``) and the shared arguments pass.

    Raises:
        ConfigError: the first bad argument: one of `checks`, then ``--seeds``, ``--seed``,
            ``--max-assertions`` (where the parser has it) and ``--json``.
    """
    limit = getattr(args, "max_assertions", None)
    shared = (
        (args.seeds < 1, f"--seeds must be at least 1, got {args.seeds}"),
        (args.seed is not None and args.seed < 0, f"--seed must be >= 0, got {args.seed}"),
        (limit is not None and limit < 1, f"--max-assertions must be at least 1, got {limit}"),
    )
    for bad, message in (*checks, *shared):
        if bad:
            raise ConfigError(message)
    check_out(args.json)
    return list(range(args.seeds)) if args.seed is None else [args.seed]


def check_out(path: Path | None) -> None:
    """Fail before a long run when ``--json OUT`` cannot be a file.

    Raises:
        ConfigError: `path` is an existing folder.
    """
    if path is not None and path.is_dir():
        raise ConfigError(f"--json {path} is a folder; give a file path, e.g. --json report.json")


def write_json(path: Path, data: object) -> None:
    """Write `data` as indented JSON to `path`, creating its folder.

    Raises:
        ConfigError: the file cannot be written (the message says why).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--json {path}: cannot write it ({exc}); give a writable path") from None


def fail(exc: Exception) -> int:
    """Print `exc` as ``Type: message`` in red on standard error; return exit status 1."""
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True).print(Text.assemble((type(exc).__name__, "red"), f": {exc}"))
    return 1


def stderr_progress(prefix: str) -> Progress:
    """A progress callback that prints ``prefix: line`` to standard error."""

    def say(line: str) -> None:
        print(f"{prefix}: {line}", file=sys.stderr, flush=True)

    return say
