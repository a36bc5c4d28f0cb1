"""The retrieval eval's corpus and queries, built from the paper's CounterFact / zsRE files.

A file's records (read where they lie by `agora.evals.spread_data.load_cases`, never copied)
become one corpus of true facts:

- each case's own fact, ``prompt + " " + truth`` ("David Robinson professionally plays the
  sport basketball"; for zsRE a question and its answer, "What is the product made by
  UniFirst? uniform");
- each case's locality fact, ``locality_prompt + " " + locality_truth``, as a distractor
  (CounterFact: another subject with the same relation and answer, "Shaquille O'Neal plays
  basketball"; zsRE: an unrelated Natural Questions pair).

Identical texts are one document. Every case asks two queries whose one relevant document is
its own fact: the ``prompt`` (the fact less its answer, so an easy query) and the
``rephrase``. The rephrases differ in kind: zsRE's paraphrase the question ("What will be the
product of UniFirst?"), CounterFact's are generation prompts that only name the subject
("David Robinson's greatest weakness is"). Both always contain the subject verbatim.

Cases are split once, by a hash of their id, into a *dev* half (for tuning) and a *held-out*
half (for reporting); the split depends on nothing else, so no seed, sample size or file
order moves a case across it.

Example:
    >>> from agora.evals.spread_data import shipped_cases
    >>> corpus = Corpus.of(shipped_cases(seed=0, count=4), name="shipped")
    >>> len(corpus.queries), corpus.queries[0].kind
    (8, 'prompt')
    >>> corpus.docs[corpus.queries[0].relevant].startswith(corpus.queries[0].text)
    True
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agora.errors import ConfigError
from agora.evals.spread_data import SpreadCase, load_cases

__all__ = ["QUERY_KINDS", "Corpus", "Query", "QueryKind", "Split", "load_corpus", "split_of"]

#: What a query is made of: the case's prompt, or its rephrase.
QueryKind = Literal["prompt", "rephrase"]
QUERY_KINDS: tuple[QueryKind, ...] = ("prompt", "rephrase")
#: The half of the cases a query belongs to.
Split = Literal["dev", "held-out"]

_EXAMPLE = "../shared/data/knowledge-spread/zsre_mend_train-evidence-1k.json"


@dataclass(frozen=True, slots=True)
class Query:
    """One query and the id of its one relevant document."""

    case: str
    kind: QueryKind
    text: str
    relevant: str
    split: Split


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents of one file (id to text, in file order) and the queries over them."""

    name: str
    docs: dict[str, str]
    queries: tuple[Query, ...]

    @classmethod
    def of(cls, cases: Sequence[SpreadCase], *, name: str) -> Corpus:
        """The corpus of `cases`: their facts and locality facts, their two queries each."""
        ids: dict[str, str] = {}  # normalized text -> doc id

        def doc(text: str) -> str:
            key = " ".join(text.lower().split())
            return ids.setdefault(key, f"d{len(ids)}")

        docs: dict[str, str] = {}
        queries = []
        for case in cases:
            own, locality = case.prompt, case.locality_prompt
            for text in (_fact(own, case.truth), _fact(locality, case.locality_truth)):
                docs.setdefault(doc(text), text)
            relevant, split = doc(_fact(case.prompt, case.truth)), split_of(case.id)
            queries += [
                Query(case.id, "prompt", case.prompt, relevant, split),
                Query(case.id, "rephrase", case.rephrase, relevant, split),
            ]
        return cls(name=name, docs=docs, queries=tuple(queries))

    def cases(self, split: Split) -> list[str]:
        """The ids of the cases in `split`, in file order."""
        return list(dict.fromkeys(q.case for q in self.queries if q.split == split))

    def sample(self, split: Split, *, seed: int, count: int) -> list[Query]:
        """The queries of `count` cases of `split` drawn by `seed` (all of them if fewer)."""
        cases = self.cases(split)
        picked = set(random.Random(seed).sample(cases, min(count, len(cases))))
        return [q for q in self.queries if q.case in picked]


def split_of(case_id: str) -> Split:
    """The half a case belongs to, from a hash of its id alone.

    Example:
        >>> split_of("3087"), split_of("3087") == split_of("3087")
        ('dev', True)
    """
    digest = hashlib.blake2b(case_id.encode(), digest_size=8, person=b"agora-retr-split")
    return "dev" if digest.digest()[0] % 2 == 0 else "held-out"


def load_corpus(path: str | Path) -> Corpus:
    """The corpus of one CounterFact- or zsRE-layout file, named after it.

    Raises:
        ConfigError: naming ``--data``: the path is not a file, or not in either layout.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"--data {file}: no such file; pass a CounterFact or zsRE JSON file of the paper, "
            f"e.g. --data {_EXAMPLE}"
        )
    try:
        cases = load_cases(file)
    except ConfigError as exc:
        raise ConfigError(f"--data {file}: {exc}; pass a CounterFact or zsRE JSON file") from None
    return Corpus.of(cases, name=file.name)


def _fact(prompt: str, answer: str) -> str:
    return f"{prompt.strip()} {answer.strip()}"
