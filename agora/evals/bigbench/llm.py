"""`ModelMethod`: a language model reads the experts' profiles and picks one (or none).

This is the eval's one row with a model in it (``--model SPEC``): the other methods embed
text. The model gets every expert's name and profile and the task, and must reply with a
JSON object naming one expert, or ``"none"`` when no expert fits, and its confidence. The
expert field is an enum of the names, so backends with constrained decoding cannot invent one.
It ranks a single expert, so its top-K and dynamic K equal its top-1.

Example:
    >>> from agora.testing import ScriptedModel
    >>> method = ModelMethod(ScriptedModel([{"expert": "geo", "confidence": 0.8}]))
    >>> method.fit({"geo": "capitals", "chem": "acids"}, [])
    >>> ranking = method.rank(["What is the capital of Peru?"])[0]
    >>> ranking.ranked, ranking.abstain
    ((('geo', 0.8),), False)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field, create_model

from agora.errors import ModelError
from agora.evals.bigbench.methods import Example, Ranking
from agora.models.base import Message, Model, ModelSettings
from agora.models.spec import model_from_spec

__all__ = ["NONE", "ModelMethod"]

#: What the model answers when no expert fits.
NONE = "none"
_SYSTEM = (
    "You route tasks to experts. Each expert is listed as `name: profile`. Pick the one "
    "expert whose profile fits the task best. If no profile fits the task, pick "
    f'"{NONE}". Give your confidence, between 0 and 1, that your pick is right.'
)


class ModelMethod:
    """A model that picks the expert from the profiles (see the module doc).

    Args:
        model: a `Model`, or a spec for `agora.models.spec.model_from_spec`.
        name: the row's name (default: ``"model <name>"``).
    """

    def __init__(self, model: Model | str, *, name: str | None = None) -> None:
        self.model = model_from_spec(model)
        self.name = name or f"model {self.model.name}"
        self._experts: dict[str, str] = {}
        self._output: type[BaseModel] = BaseModel
        self.failures = 0

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Keep the profiles (the model sees no train example)."""
        self._experts = dict(experts)
        members = {f"e{i}": n for i, n in enumerate([*experts, NONE])}
        choices: Any = enum.Enum("Expert", members)  # type: ignore[misc]
        self._output = create_model(
            "Pick",
            expert=(choices, Field(description="an expert's name, or 'none'")),
            confidence=(float, Field(ge=0.0, le=1.0)),
        )

    def _messages(self, text: str) -> list[Message]:
        listing = "\n".join(f"- {name}: {profile}" for name, profile in self._experts.items())
        user = f"Experts:\n{listing}\n\nTask:\n{text}\n\nReply with JSON: expert, confidence."
        return [Message("system", _SYSTEM), Message("user", user)]

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """Ask the model once per text; a reply that stays invalid counts as a wrong pick."""
        settings = ModelSettings(temperature=0.0, max_json_tokens=64)
        out = []
        for text in texts:
            try:
                reply = self.model.request_sync(
                    self._messages(text), self._output, settings=settings
                )
            except ModelError:
                self.failures += 1
                out.append(Ranking((), 0.0, False))
                continue
            pick: Any = reply.output
            expert, confidence = str(pick.expert.value), float(pick.confidence)
            if expert == NONE:
                out.append(Ranking((), confidence, True))
            else:
                out.append(Ranking(((expert, confidence),), confidence, False))
        return out
