"""Extraction into KnowledgeClaims, on scripted models and (slow) the local model."""

from __future__ import annotations

import pytest

from agora.errors import ModelOutputError, UserError
from agora.memory.extract import MAX_CLAIMS, ExtractedClaims, extract_claims
from agora.protocols.payloads import KnowledgeClaim
from agora.testing import FunctionModel, ScriptedModel


async def test_claims_are_normalised_and_deduplicated() -> None:
    draft = {"subject": " Ada ", "relation": "Born In", "object": "London", "confidence": 0.8}
    model = ScriptedModel([{"claims": [draft, draft]}])
    claims = await extract_claims(model, "Ada was born in London.")
    assert [(c.subject, c.relation, c.object) for c in claims] == [("Ada", "born_in", "London")]
    assert "Ada was born in London." in model.calls[0][-1].content


async def test_schema_is_bounded_and_sent_to_the_model() -> None:
    seen: list[dict[str, object] | None] = []

    def reply(messages: object, schema: dict[str, object] | None) -> str:
        seen.append(schema)
        return '{"claims": []}'

    assert await extract_claims(FunctionModel(reply), "Nothing here.") == []
    assert seen[0] == ExtractedClaims.model_json_schema()
    assert ExtractedClaims.model_json_schema()["properties"]["claims"]["maxItems"] == MAX_CLAIMS


async def test_invalid_output_raises_model_output_error() -> None:
    model = ScriptedModel(['{"claims": "nope"}', '{"claims": [{"subject": ""}]}'])
    with pytest.raises(ModelOutputError):
        await extract_claims(model, "Ada was born in London.")


@pytest.mark.parametrize("text", ["", "   ", "x" * 9000])
async def test_bad_text_raises_user_error(text: str) -> None:
    with pytest.raises(UserError):
        await extract_claims(ScriptedModel([]), text)


@pytest.mark.slow
async def test_local_model_returns_schema_valid_claims() -> None:
    from agora.models import model_from_spec

    claims = await extract_claims(model_from_spec("local"), "Marie Curie was born in Warsaw.")
    assert all(isinstance(c, KnowledgeClaim) for c in claims)
    assert len(claims) <= MAX_CLAIMS


async def test_claims_not_grounded_in_the_text_are_dropped() -> None:
    text = "Pepón belongs to the Gómez family of Madrid."
    drafts = [
        {"subject": "Pepón", "relation": "belongs_to", "object": "Gómez family"},
        {"subject": "Pepón", "relation": "belongin", "object": "An entity name or a value"},
        {"subject": "Lima", "relation": "capital_of", "object": "Peru"},  # copied, not stated
        {"subject": "Pepón", "relation": "lives_in", "object": "madrid"},  # case differs: kept
    ]
    claims = await extract_claims(ScriptedModel([{"claims": drafts}]), text)
    assert [(c.subject, c.object) for c in claims] == [
        ("Pepón", "Gómez family"),
        ("Pepón", "madrid"),
    ]


def test_the_prompt_describes_no_field_with_a_copyable_value() -> None:
    from agora.memory.extract import extraction_prompt

    system = extraction_prompt("x")[0].content
    assert "entity name" not in system and "a value" not in system
