"""The eval's suites: which families compete, and how many sit out each seed with no expert.

- ``bbh`` (the headline): the 20 BIG-bench tasks that BIG-Bench Hard's 23 tasks come from
  and that BIG-bench ships as JSON. The other three sources (``boolean_expressions``,
  ``multistep_arithmetic``, ``web_of_lies``) are programmatic tasks with no ``task.json``.
  BBH is the set AgentNet routes on, and 20 families keep MiniLM runs to about a minute.
- ``all``: every JSON task with at least `MIN_EXAMPLES` distinct inputs, less those BIG-bench's
  authors keyword ``"example task"`` (templates for task writers): about 150 families, a
  stress test of a large expert pool.
- ``domains``: agora's own eight-domain routing set (`agora.evals.tasks`, clear tasks only),
  with neutral dictionary definitions as profiles (``data/routing_domains_neutral.json``)
  instead of the tuned ones the routing eval uses.

Example:
    >>> len(BBH_SOURCES), held_out_count("bbh", len(BBH_SOURCES))
    (20, 4)
    >>> [f.name for f in domains_suite()][:2]
    ['arithmetic', 'code']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Literal

from agora.evals.bigbench.source import Family, select
from agora.evals.tasks import load_tasks

__all__ = [
    "BBH_SOURCES",
    "HELD_OUT",
    "MIN_EXAMPLES",
    "SuiteName",
    "bigbench_suite",
    "domains_pairs",
    "domains_suite",
]

SuiteName = Literal["bbh", "all", "domains"]
BBH_SOURCES = (
    "causal_judgment",
    "date_understanding",
    "disambiguation_qa",
    "dyck_languages",
    "formal_fallacies_syllogisms_negation",
    "geometric_shapes",
    "hyperbaton",
    "logical_deduction",
    "movie_recommendation",
    "navigate",
    "object_counting",
    "penguins_in_a_table",
    "reasoning_about_colored_objects",
    "ruin_names",
    "salient_translation_error_detection",
    "snarks",
    "sports_understanding",
    "temporal_sequences",
    "tracking_shuffled_objects",
    "word_sorting",
)
#: Fewest distinct inputs a task needs to join the ``all`` suite (20 train, 20 test).
MIN_EXAMPLES = 40
#: Share of a suite's families held out (no expert) each seed, rounded: 4 of 20 for ``bbh``,
#: 2 of 8 for ``domains``.
HELD_OUT: dict[str, float] = {"bbh": 0.2, "all": 0.2, "domains": 0.25}


def held_out_count(suite: SuiteName, families: int) -> int:
    """How many of `families` one seed holds out.

    Example:
        >>> held_out_count("all", 150), held_out_count("bbh", 20)
        (30, 4)
    """
    return round(HELD_OUT[suite] * families)


def bigbench_suite(families: Sequence[Family], suite: SuiteName) -> list[Family]:
    """The ``bbh`` or ``all`` families out of `families` (all of the sdist's).

    Raises:
        ConfigError: a BBH source task is missing from `families`.
    """
    if suite == "bbh":
        return select(families, BBH_SOURCES)
    return [f for f in families if f.total >= MIN_EXAMPLES and "example task" not in f.keywords]


def domains_suite() -> list[Family]:
    """The eight domains, each with its neutral definition and its clear tasks.

    Example:
        >>> fams = domains_suite()
        >>> len(fams), min(len(f.examples) for f in fams) >= 20
        (8, True)
    """
    text = resources.files("agora.evals").joinpath("data", "routing_domains_neutral.json")
    experts = json.loads(text.read_text(encoding="utf-8"))["experts"]
    tasks = [t for t in load_tasks() if t.clear]
    out = []
    for expert in experts:
        texts = tuple(t.text for t in tasks if t.domains[0] == expert["domain"])
        out.append(
            Family(
                name=expert["name"],
                description=expert["expertise"],
                keywords=(),
                examples=texts,
                total=len(texts),
            )
        )
    return out


def domains_pairs() -> list[tuple[tuple[str, ...], str]]:
    """The routing set's two-domain tasks as ``(expert names, text)``: dynamic K's test.

    They are never trained on (the ``domains`` suite trains on clear tasks only), so whether
    dynamic K takes both experts shows how the learned probabilities spread on a task that
    genuinely needs two.

    Example:
        >>> pairs = domains_pairs()
        >>> len(pairs), len(pairs[0][0])
        (68, 2)
    """
    text = resources.files("agora.evals").joinpath("data", "routing_domains_neutral.json")
    experts = json.loads(text.read_text(encoding="utf-8"))["experts"]
    name_of = {e["domain"]: e["name"] for e in experts}
    return [(tuple(name_of[d] for d in t.domains), t.text) for t in load_tasks() if not t.clear]
