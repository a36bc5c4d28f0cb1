"""Demo eval: does ``agora demo`` answer right and route right, on the embedded model?

Run it with ``python -m agora.evals.demo`` (``--seeds 20``, ``--model SPEC`` for any model,
``--json`` for machine-readable output, ``--baseline`` to add the one-agent baseline row).

The questions (`agora.evals.data.demo_questions.jsonl`, split ``test``) are the README's, the
ones a tester asked in issue 11, and more written before the demo team was redesigned; only
the ``dev`` split was used while designing it. Each seed also draws ten "What is the capital
of X?" questions over countries of the atlas's held-out half (a fixed hash of the name puts a
quarter of the countries in it; none was used while designing), scored against
``countryinfo``'s data, which no one here wrote.

How each number is scored:

- **routed right**: the agent that answered is the expert for the question's kind
  (geography → geographer, arithmetic → mathematician, writing → writer; a question that
  spans two experts counts when either answered).
- **answered right**: geography and arithmetic: the answer contains an expected value
  (numbers compared without thousands separators); writing: the answer has at least five
  words and is not the task echoed back (a loose check that catches the failures seen
  before: empty answers, the task or a schema word copied).
- **generation tok/s**: completion tokens per second of llama.cpp's decode time, over every
  call of the run (prompt processing excluded); where a backend does not report decode time
  it is tokens over call latency.

Every row shows the share over all questions and seeds with a Wilson 95% interval, and the
lowest and highest share of a single seed. The baseline row is the simplest thing that
could work: one agent on the same model, answering every question in plain text.

Example:
    >>> from agora.testing import FunctionModel
    >>> report = run(FunctionModel(lambda m, s: "Paris is the capital."), seeds=[0], drawn=0)
    >>> report.rows[0].label, report.rows[0].kind
    ('demo team', 'geography')
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

from agora.agents.agent import Agent
from agora.cli.atlas import Atlas
from agora.cli.demo import build_demo_team
from agora.errors import AgoraError
from agora.evals.stats import wilson
from agora.models.base import Model, ModelSettings, Usage
from agora.runtime.team import Team

__all__ = ["KINDS", "DemoReport", "Question", "Row", "load_questions", "main", "run", "score"]

#: Question kinds, and the expert that should answer each.
KINDS: dict[str, tuple[str, ...]] = {
    "geography": ("geographer",),
    "arithmetic": ("mathematician",),
    "writing": ("writer",),
    "spanning": ("geographer", "mathematician"),
}
_HELD_OUT = "0123"  # first hex digit of sha256(country name): the atlas's held-out quarter


@dataclass(frozen=True, slots=True)
class Question:
    """One eval question.

    Attributes:
        id: a stable name.
        text: what is asked.
        kind: one of `KINDS`.
        expect: strings of which one must be in a right answer (none for writing).
        split: ``"test"`` or ``"dev"``.
    """

    id: str
    text: str
    kind: str
    expect: tuple[str, ...] = ()
    split: str = "test"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one question went in one seed."""

    question: str
    kind: str
    answered_by: str
    answer: str
    routed: bool
    right: bool


@dataclass(slots=True)
class Row:
    """A table row: one team (or the baseline) on one kind of question, over every seed."""

    label: str
    kind: str
    count: int = 0
    routed: int = 0
    right: int = 0
    per_seed: dict[int, list[bool]] = field(default_factory=dict)

    @property
    def right_share(self) -> float:
        """Share answered right."""
        return self.right / self.count if self.count else 0.0

    @property
    def routed_share(self) -> float:
        """Share routed to the right expert."""
        return self.routed / self.count if self.count else 0.0

    def interval(self) -> tuple[float, float]:
        """Wilson 95% interval of `right_share`."""
        return wilson(self.right, self.count)

    def seed_range(self) -> tuple[float, float]:
        """Lowest and highest share answered right in one seed."""
        shares = [sum(v) / len(v) for v in self.per_seed.values() if v]
        return (min(shares), max(shares)) if shares else (0.0, 0.0)


@dataclass(slots=True)
class DemoReport:
    """Everything the eval measured."""

    model: str
    seeds: list[int]
    rows: list[Row]
    outcomes: dict[str, list[Outcome]]
    generation_tok_s: float
    failures: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (per-question outcomes included)."""
        return {
            "model": self.model,
            "seeds": self.seeds,
            "generation_tok_s": round(self.generation_tok_s, 1),
            "failures": self.failures,
            "rows": [
                {
                    "label": r.label,
                    "kind": r.kind,
                    "n": r.count,
                    "routed_right": round(r.routed_share, 4),
                    "answered_right": round(r.right_share, 4),
                    "wilson95": [round(x, 4) for x in r.interval()],
                    "seed_range": [round(x, 4) for x in r.seed_range()],
                }
                for r in self.rows
            ],
            "outcomes": {k: [asdict(o) for o in v] for k, v in self.outcomes.items()},
        }


def load_questions(split: str = "test") -> list[Question]:
    """The shipped questions of `split`, with the atlas's facts filled in where named."""
    atlas = Atlas.load()
    text = resources.files("agora.evals").joinpath("data/demo_questions.jsonl").read_text()
    questions = []
    for line in text.splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        if data["split"] != split:
            continue
        expect = tuple(data.get("expect", ()))
        if "expect_fact" in data:  # [country, fact, factor]: a number from the atlas
            country, fact, *factor = data["expect_fact"]
            expect = (_fact_number(atlas, country, fact, factor[0] if factor else 1),)
        questions.append(Question(data["id"], data["text"], data["kind"], expect, split))
    return questions


def drawn_questions(seed: int, count: int) -> list[Question]:
    """`count` capital questions over the atlas's held-out countries, drawn by `seed`."""
    atlas = Atlas.load()
    held_out = [n for n in atlas.names if hashlib.sha256(n.encode()).hexdigest()[0] in _HELD_OUT]
    rng = random.Random(seed)
    return [
        Question(
            f"capital:{name}",
            f"What is the capital of {name}?",
            "geography",
            (atlas.capital(name),),
        )
        for name in rng.sample(held_out, min(count, len(held_out)))
    ]


def score(question: Question, answered_by: str, answer: str) -> Outcome:
    """Score one answer (see the module docstring).

    Example:
        >>> q = Question("x", "What is 2 ** 10?", "arithmetic", ("1024",))
        >>> score(q, "mathematician", "1,024").right, score(q, "mathematician", "0.1024").right
        (True, False)
    """
    routed = answered_by in KINDS[question.kind]
    if question.kind == "writing":
        words = answer.split()
        right = len(words) >= 5 and question.text.casefold().rstrip(".") not in answer.casefold()
    else:
        right = any(_found(expected, answer) for expected in question.expect)
    return Outcome(question.id, question.kind, answered_by, answer, routed, right)


def run(
    model: Model,
    *,
    seeds: Sequence[int] = tuple(range(20)),
    drawn: int = 10,
    baseline: bool = False,
    questions: Sequence[Question] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Run the demo team (and optionally the baseline) on every question for every seed.

    Args:
        model: the model every agent shares.
        seeds: sampling seeds; each also draws its own capital questions.
        drawn: capital questions drawn per seed from the atlas's held-out countries.
        baseline: also run the one-agent baseline.
        questions: the fixed questions (default: the shipped test split).
        progress: called with a line after each seed and team.
    """
    teams: dict[str, Callable[[int], Team]] = {
        "demo team": lambda seed: build_demo_team(model, seed=seed)
    }
    if baseline:
        teams["one agent (baseline)"] = lambda seed: _baseline(model, seed)
    rows = {(label, kind): Row(label, kind) for label in teams for kind in KINDS}
    outcomes: dict[str, list[Outcome]] = {label: [] for label in teams}
    failures = {label: 0 for label in teams}
    usage = Usage()
    fixed = list(questions) if questions is not None else load_questions("test")
    for seed in seeds:
        questions = [*fixed, *drawn_questions(seed, drawn)]
        for label, make in teams.items():
            team = make(seed)
            for question in questions:
                try:
                    result = team.run_sync(question.text)
                    outcome = score(question, result.answered_by, result.answer)
                    usage = usage + result.total_usage
                except AgoraError as exc:  # counted as wrong, and reported
                    failures[label] += 1
                    outcome = Outcome(question.id, question.kind, "", f"{exc!r}", False, False)
                outcomes[label].append(outcome)
                row = rows[(label, question.kind)]
                row.count += 1
                row.routed += outcome.routed
                row.right += outcome.right
                row.per_seed.setdefault(seed, []).append(outcome.right)
            if progress is not None:
                progress(f"seed {seed}: {label} done")
    return DemoReport(
        model=model.name,
        seeds=list(seeds),
        rows=[r for r in rows.values() if r.count],
        outcomes=outcomes,
        generation_tok_s=usage.tokens_per_s,
        failures=failures,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m agora.evals.demo", description=__doc__)
    parser.add_argument("--model", default="local", help="model spec (default: local)")
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    parser.add_argument("--drawn", type=int, default=10, help="drawn capital questions a seed")
    parser.add_argument("--baseline", action="store_true", help="add the one-agent baseline")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.drawn < 0:
        print("UserError: --seeds must be >= 1 and --drawn >= 0", file=sys.stderr)
        return 1
    from agora.models.spec import model_from_spec

    try:
        model = model_from_spec(args.model)
        report = run(
            model,
            seeds=range(args.seeds),
            drawn=args.drawn,
            baseline=args.baseline,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except AgoraError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _render(report)
    return 0


def _render(report: DemoReport) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"agora demo on {report.model}, seeds {report.seeds[0]}-{report.seeds[-1]}",
        box=box.SIMPLE_HEAD,
    )
    for name in ("team", "kind", "n", "routed right", "answered right", "Wilson 95%", "seeds"):
        table.add_column(name, justify="left" if name in ("team", "kind") else "right")
    for r in report.rows:
        low, high = r.interval()
        worst, best = r.seed_range()
        table.add_row(
            r.label,
            r.kind,
            str(r.count),
            "-" if r.label != "demo team" else f"{100 * r.routed_share:.1f}%",
            f"{100 * r.right_share:.1f}%",
            f"{100 * low:.1f}-{100 * high:.1f}%",
            f"{100 * worst:.0f}-{100 * best:.0f}%",
        )
    console = Console()
    console.print(table)
    console.print(
        f"generation speed {report.generation_tok_s:.1f} tok/s (decode time, prompt processing "
        f"excluded); runs that raised an agora error: {report.failures}"
    )


def _baseline(model: Model, seed: int) -> Team:
    settings = ModelSettings(temperature=0.1, max_tokens=160, seed=seed)
    return Team(
        [Agent("solo", model, "general questions", settings=settings, max_answer_chars=240)]
    )


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _found(expected: str, answer: str) -> bool:
    """A number must appear as a whole number ("84" is not in "0.84"), a word as text."""
    plain = re.sub(r"(?<=\d),(?=\d{3}\b)", "", answer)
    if _NUMBER.fullmatch(expected.replace(",", "")):
        value = float(expected.replace(",", ""))
        return any(float(n) == value for n in _NUMBER.findall(plain))
    return expected.casefold() in plain.casefold()


def _fact_number(atlas: Atlas, country: str, fact: str, factor: float) -> str:
    sentence = atlas.answer(country, fact)
    number = float(re.findall(r"\d[\d,]*(?:\.\d+)?", sentence)[-1].replace(",", ""))
    value = number * factor
    return str(int(value)) if value.is_integer() else repr(value)


if __name__ == "__main__":
    raise SystemExit(main())
