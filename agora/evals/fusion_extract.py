"""Model agents for the real-facts fusion eval: each assertion is said, then extracted.

By default an agent's assertion goes to fusion as it was drawn. With a model
(``--model SPEC``), each assertion is first rendered as the sentence the agent would say
(`sentence`: the data's prompt with the subject filled in, then the object) and the model
extracts the claim from it with `agora.memory.extract_claims`; the agent's claim is the
first extracted triple's subject and object. The relation stays the prompt the agent was
answering: a model names relations freely ("plays_sport", "sport"), and mapping those onto
one another is not what this eval measures. An assertion the model extracts nothing usable
from is lost, and counted.

Example:
    >>> from agora.evals.fusion_world import Assertion
    >>> sentence(Assertion("a1", "David Robinson", "{} professionally plays the sport",
    ...                    "basketball", 0.9, None))
    'David Robinson professionally plays the sport basketball.'
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence

from agora.errors import ModelError
from agora.evals.fusion_world import Assertion
from agora.memory import extract_claims
from agora.models.base import Model

__all__ = ["extract_assertions", "sentence"]


def sentence(assertion: Assertion) -> str:
    """The sentence an agent says for `assertion` (a question gets its answer after it).

    Example:
        >>> sentence(Assertion("a1", "UniFirst", "What is the product made by {}?",
        ...                    "uniform", 0.9, None))
        'What is the product made by UniFirst? uniform.'
    """
    stem = assertion.relation.replace("{}", assertion.subject, 1)
    return f"{stem} {assertion.object}."


async def _extract_all(
    model: Model, assertions: Sequence[Assertion], progress: Callable[[str], None] | None
) -> list[Assertion]:
    out: list[Assertion] = []
    for index, assertion in enumerate(assertions, 1):
        try:
            claims = await extract_claims(model, sentence(assertion))
        except ModelError:
            claims = []
        if claims:
            first = claims[0]
            out.append(dataclasses.replace(assertion, subject=first.subject, object=first.object))
        if progress is not None and (index % 25 == 0 or index == len(assertions)):
            progress(f"extracted {index}/{len(assertions)} ({len(out)} kept)")
    return out


def extract_assertions(
    model: Model,
    assertions: Sequence[Assertion],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[Assertion]:
    """`assertions` as `model` extracts them from their sentences; unusable ones dropped.

    A model error on one sentence (invalid output after the repair retry, an unreachable
    server) loses that assertion only.

    Example:
        >>> from agora.testing import ScriptedModel
        >>> said = Assertion("a1", "Paris", "{} is the capital of", "France", 0.9, None)
        >>> model = ScriptedModel([{"claims": [{"subject": "Paris", "relation": "capital_of",
        ...                                     "object": "France"}]}])
        >>> [(a.subject, a.relation, a.object) for a in extract_assertions(model, [said])]
        [('Paris', '{} is the capital of', 'France')]
    """
    return asyncio.run(_extract_all(model, assertions, progress))
