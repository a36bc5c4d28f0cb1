"""Who answers in the eval, and how an answer is judged: scripted skills, or a real model.

An *executor* gives every agent its model and turns an example into the task text a team
runs, and judges the final answer:

- `ScriptedExecutor`: each agent's model is `agora.evals.agentnet.agents.scripted_model`
  over its row of the skill matrix; the task text is the example's input (what the BIG-bench
  routing eval routes on); right means the answer is ``"right"``.
- `ModelExecutor`: every agent runs on one real model (loaded once); the task text is the
  example's full prompt (`agora.evals.agentnet.answers.prompt`); right means the answer
  matches the authors' target (`agora.evals.agentnet.answers.correct`).

Example:
    >>> from agora.evals.bigbench.methods import Example
    >>> ex = ScriptedExecutor({"a": {"f": 1.0}}, [Example("f", "q")])
    >>> ex.text(Example("f", "q")), ex.judge(Example("f", "q"), "right")
    ('q', True)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from agora.errors import UserError
from agora.evals.agentnet.agents import RIGHT, scripted_model
from agora.evals.agentnet.answers import correct, prompt
from agora.evals.bigbench.methods import Example
from agora.evals.bigbench.source import Family, Target
from agora.models.base import Model, ModelSettings

__all__ = ["Executor", "ModelExecutor", "ScriptedExecutor"]


class Executor(Protocol):
    """What the runner needs from an executor."""

    scripted: bool
    """Whether answers are scripted (splits then combine by `split_answer`)."""

    def model(self, agent: str, rng: random.Random) -> Model:
        """The model agent `agent` answers with (`rng` draws scripted outcomes)."""
        ...

    def options(self) -> dict[str, Any]:
        """Extra `Agent` keyword arguments (answer settings)."""
        ...

    def text(self, example: Example) -> str:
        """The task text a team runs for `example`."""
        ...

    def judge(self, example: Example, answer: str) -> bool:
        """Whether `answer` is right for `example`."""
        ...


class ScriptedExecutor:
    """Scripted agents whose chance of being right is their skill on the example's family.

    Args:
        skill: ``skill[agent][family]``.
        examples: every example a team may be given (their inputs are the task texts).
    """

    scripted = True

    def __init__(
        self, skill: Mapping[str, Mapping[str, float]], examples: Iterable[Example]
    ) -> None:
        self.skill = skill
        self.family_of = {e.text: e.family for e in examples}

    def model(self, agent: str, rng: random.Random) -> Model:
        """A `scripted_model` over `agent`'s row of the skill matrix."""
        return scripted_model(self.skill[agent], self.family_of, rng)

    def options(self) -> dict[str, Any]:
        """No extra options."""
        return {}

    def text(self, example: Example) -> str:
        """The example's input."""
        return example.text

    def judge(self, example: Example, answer: str) -> bool:
        """Right when the scripted answer says so."""
        return answer.strip() == RIGHT


class ModelExecutor:
    """Every agent on one real model, judged against the BIG-bench targets.

    Args:
        model: the loaded model (shared by every agent).
        families: the families the examples come from, with their targets.
        max_tokens: cap on each answer.

    Raises:
        UserError: a family carries no targets (an index built before targets were kept is
            rebuilt by `agora.evals.bigbench.source.load_families`).
    """

    scripted = False

    def __init__(self, model: Model, families: Sequence[Family], *, max_tokens: int = 48) -> None:
        self._model = model
        self.max_tokens = max_tokens
        self._targets: dict[tuple[str, str], Target] = {}
        for family in families:
            if len(family.targets) != len(family.examples):
                raise UserError(
                    f"family {family.name!r} has no targets, so --model answers cannot be "
                    "scored; load the families with agora.evals.bigbench.source.load_families"
                )
            for text, target in zip(family.examples, family.targets, strict=True):
                self._targets[(family.name, text)] = target

    def model(self, agent: str, rng: random.Random) -> Model:
        """The shared model."""
        return self._model

    def options(self) -> dict[str, Any]:
        """Greedy decoding, short answers."""
        return {
            "settings": ModelSettings(temperature=0.0, max_tokens=self.max_tokens),
            "max_answer_chars": 200,
        }

    def target(self, example: Example) -> Target:
        """The authors' target for `example`."""
        return self._targets[(example.family, example.text)]

    def text(self, example: Example) -> str:
        """The example's prompt: prefix, input, options."""
        return prompt(example.text, self.target(example))

    def judge(self, example: Example, answer: str) -> bool:
        """Whether `answer` matches the target."""
        return correct(answer, self.target(example))
