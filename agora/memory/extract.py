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

from pydantic import BaseModel, ConfigDict, Field

from agora.errors import UserError
from agora.models.base import Message, Model, ModelSettings
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["MAX_CLAIMS", "ClaimDraft", "ExtractedClaims", "extract_claims", "extraction_prompt"]

#: Most claims one extraction returns.
MAX_CLAIMS = 8
#: Longest text extraction reads, in characters.
MAX_INPUT = 8_000

_SYSTEM = (
    "You extract facts as knowledge-graph triples. Reply with JSON only. Each claim has a "
    "short subject (an entity name), a relation in snake_case (e.g. born_in, capital_of), an "
    "object (an entity name or a value) and your confidence from 0 to 1. Extract only facts "
    "the text states; return an empty list when there are none."
)


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


def _relation(name: str) -> str:
    return "_".join(name.strip().lower().split())


async def extract_claims(
    model: Model, text: str, *, settings: ModelSettings | None = None
) -> list[KnowledgeClaim]:
    """The knowledge claims `model` finds in `text`, duplicates dropped, in order.

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
    for draft in reply.output.claims:
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
