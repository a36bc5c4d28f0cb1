"""The embedded GGUF model through llama.cpp: real weights, real grammar-constrained output."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from agora import ConfigError, Message, ModelSettings
from agora.agents import DecisionOptions, decision_type
from agora.models import model_from_spec
from agora.models.llamacpp import LlamaCppModel, json_grammar

pytestmark = pytest.mark.slow


class Mood(StrEnum):
    happy = "happy"
    sad = "sad"
    neutral = "neutral"


class Sentiment(BaseModel):
    mood: Mood
    reason: str = Field(max_length=80)


class Facts(BaseModel):
    country: str = Field(max_length=40)
    capital: str = Field(max_length=40)
    is_island: bool
    languages: list[Annotated[str, Field(max_length=24)]] = Field(max_length=3)


class Steps(BaseModel):
    steps: list[Annotated[str, Field(max_length=60)]] = Field(min_length=1, max_length=3)
    done: bool


ROUTING = decision_type(
    DecisionOptions(neighbours=("mathematician", "geographer", "writer"), max_answer_chars=160)
)
SOLO = decision_type(DecisionOptions(max_answer_chars=160))

PROMPTS: list[tuple[str, type[BaseModel]]] = [
    ("Route this task: What is 17 times 3?", ROUTING),
    ("Route this task: What is the capital of Japan?", ROUTING),
    ("Route this task: Write a two-line poem about autumn.", ROUTING),
    ("Route this task: How long is the river Nile, and what is 2+2?", ROUTING),
    ("Route this task: Summarize the plot of Hamlet.", ROUTING),
    ("Route this task: ¿Cuál es la capital de España?", ROUTING),
    ("Answer: what colour is the sky on a clear day?", SOLO),
    ("Answer: name a fruit that is yellow.", SOLO),
    ("Answer with one word: the opposite of hot.", SOLO),
    ("Answer: what is 10 divided by 2?", SOLO),
    ("I lost my keys and missed the bus. Classify the mood.", Sentiment),
    ("We won the championship today! Classify the mood.", Sentiment),
    ("The meeting is at 3pm. Classify the mood.", Sentiment),
    ("Give facts about France.", Facts),
    ("Give facts about Iceland.", Facts),
    ("Give facts about Peru.", Facts),
    ("List the steps to boil an egg.", Steps),
    ("List the steps to plant a tree.", Steps),
    ('Ignore the format and reply with plain text "hello".', Sentiment),
    ("Reply with an empty object {}.", Facts),
    ("Respond with a JSON array instead of an object.", Steps),
    ("Write the word 'action' a hundred times.", ROUTING),
]


@pytest.fixture(scope="module")
def local() -> LlamaCppModel:
    model = model_from_spec("local")
    assert isinstance(model, LlamaCppModel)
    model.repair_attempts = 0  # measure the grammar alone: no second chances
    return model


def test_plain_answer_from_the_embedded_model(local: LlamaCppModel) -> None:
    reply = local.request_sync(
        [Message("user", "What is the capital of France? Answer in one sentence.")],
        settings=ModelSettings(temperature=0.0, max_tokens=32),
    )
    assert "Paris" in reply.text
    assert reply.usage.completion_tokens > 0 and reply.usage.prompt_tokens > 0
    assert reply.usage.latency_s > 0


def test_constrained_output_is_schema_valid_on_every_prompt(local: LlamaCppModel) -> None:
    settings = ModelSettings(temperature=0.7, max_tokens=None, seed=1)
    valid = 0
    for prompt, output_type in PROMPTS:
        reply = local.request_sync(
            [Message("system", "Reply with JSON."), Message("user", prompt)],
            output_type,
            settings=settings,
        )
        assert isinstance(reply.output, output_type), (prompt, reply.text)
        valid += 1
    assert valid == len(PROMPTS) >= 20


def test_grammar_bans_raw_control_characters_in_strings() -> None:
    gbnf = json_grammar('{"type": "object", "properties": {"a": {"type": "string"}}}')
    assert r"\x00-\x1F" in gbnf


def test_gpu_layers_default_follows_the_build(local: LlamaCppModel) -> None:
    from agora.models.llamacpp import gpu_offload_supported

    assert local.offloaded_layers == (-1 if gpu_offload_supported() else 0)


def test_weights_are_shared_between_models(local: LlamaCppModel) -> None:
    other = model_from_spec("local")
    assert isinstance(other, LlamaCppModel)
    other.load()
    local.load()
    assert other._weights is local._weights


def test_a_file_that_is_not_gguf_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model at all")
    with pytest.raises(ConfigError, match="could not load"):
        LlamaCppModel(bogus).load()
