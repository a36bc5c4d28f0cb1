"""Fixtures shared by the generated-world evals' tests (fusion, knfu)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pytest

from agora.models.base import Message
from agora.testing import FunctionModel

_SENTENCE = re.compile(
    r"(.+?) (?:is located in|was founded by|is led by|trades with|is allied with|knows) (.+)\.$"
)


@pytest.fixture
def faithful_reader() -> FunctionModel:
    """A model that extracts the subject and object of each ``"S is located in O."``."""

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        text = messages[-1].content.split("Text:\n", 1)[1].split("\n\nClaims as JSON:")[0]
        match = _SENTENCE.match(text)
        assert match, text
        claim = {"subject": match[1], "relation": "r", "object": match[2], "confidence": 0.8}
        return json.dumps({"claims": [claim]})

    return FunctionModel(reply)
