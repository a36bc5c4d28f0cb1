"""Extraction: a message or answer becomes typed `KnowledgeClaim`s, by constrained output.

The model is asked for an `ExtractedClaims` object, whose JSON Schema bounds every string and
the number of claims, so a small local model decodes it under a grammar and stops in time.

Example:
    >>> import asyncio
    >>> from agora.testing import ScriptedModel
    >>> model = ScriptedModel([{"claims": [
    ...     {"subject": "Ada Lovelace", "relation": "born_in", "object": "London",
    ...      "confidence": 0.9}]}])
    >>> claims = asyncio.run(extract_claims(model, "Ada Lovelace was born in London."))
    >>> [(c.subject, c.relation, c.object, c.text) for c in claims]
    [('Ada Lovelace', 'born_in', 'London', 'Ada Lovelace born_in London')]
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from agora.errors import UserError
from agora.models.base import Message, Model, ModelSettings
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["MAX_CLAIMS", "ClaimDraft", "ExtractedClaims", "extract_claims", "extraction_prompt"]

#: Most claims one extraction returns.
MAX_CLAIMS = 8
#: Longest text extraction reads, in characters.
MAX_INPUT = 8_000

# No field is described by a phrase a model could copy as a value ("an entity name"): a
# 135M model stored "An entity name or a value" as an object. Fields are named, not described.
_SYSTEM = (
    "You extract facts as knowledge-graph triples. Reply with JSON only. In each claim, "
    "subject and object are words copied from the text, relation is snake_case, and "
    "confidence is from 0 to 1. Extract only facts the text states; return an empty list "
    "when there are none."
)
_WORD = re.compile(r"\w+")


class ClaimDraft(BaseModel):
    """One triple as the model writes it (short, bounded fields).

    Example:
        >>> ClaimDraft(subject="Paris", relation="capital_of", object="France").confidence
        0.5
    """

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=80)
    relation: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_ ]*$")
    object: str = Field(min_length=1, max_length=80)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class ExtractedClaims(BaseModel):
    """The structured output of extraction: at most `MAX_CLAIMS` claims.

    Example:
        >>> ExtractedClaims.model_json_schema()["properties"]["claims"]["maxItems"]
        8
    """

    model_config = ConfigDict(extra="forbid")

    claims: list[ClaimDraft] = Field(default_factory=list, max_length=MAX_CLAIMS)


def extraction_prompt(text: str) -> list[Message]:
    """The messages that ask a model for the claims in `text`.

    Example:
        >>> [m.role for m in extraction_prompt("The sky is blue.")]
        ['system', 'user']
    """
    return [Message("system", _SYSTEM), Message("user", f"Text:\n{text}\n\nClaims as JSON:")]


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def _grounded(value: str, text_words: set[str]) -> bool:
    words = _words(value)
    return bool(words) and 2 * len(words & text_words) >= len(words)


def _relation(name: str) -> str:
    return "_".join(name.strip().lower().split())


async def extract_claims(
    model: Model, text: str, *, settings: ModelSettings | None = None
) -> list[KnowledgeClaim]:
    """The knowledge claims `model` finds in `text`, duplicates dropped, in order.

    A claim is kept only when its subject and its object are *grounded*: at least half of
    the words of each occur in `text`. What a model invents, or copies from its
    instructions, is dropped.

    Raises:
        UserError: `text` is not a string, or is empty or longer than `MAX_INPUT` characters.
        ModelOutputError: the model's reply was not valid claims after the repair retry.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_INPUT:
        raise UserError(
            f"extract_claims() takes a non-empty text of at most {MAX_INPUT} characters; "
            "split longer texts and extract from each part"
        )
    settings = settings or ModelSettings(temperature=0.0)
    reply = await model.request(extraction_prompt(text), ExtractedClaims, settings=settings)
    assert reply.output is not None
    seen: set[tuple[str, str, str]] = set()
    claims: list[KnowledgeClaim] = []
    words = _words(text)
    for draft in reply.output.claims:
        if not (_grounded(draft.subject, words) and _grounded(draft.object, words)):
            continue
        relation = _relation(draft.relation)
        key = (draft.subject.strip().casefold(), relation, draft.object.strip().casefold())
        if key in seen:
            continue
        seen.add(key)
        claims.append(
            KnowledgeClaim(
                subject=draft.subject.strip(),
                relation=relation,
                object=draft.object.strip(),
                text=f"{draft.subject.strip()} {relation} {draft.object.strip()}",
                confidence=draft.confidence,
            )
        )
    return claims
