"""CTC's objective score for code, its examples and its stub counting."""

from __future__ import annotations

from pathlib import Path

import pytest

from agora import ConfigError
from agora.agents import CodeScorer, Example, count_unimplemented, docstring_examples, extract_code

EXAMPLES = [Example("add(2, 3)", "5"), Example("add(-1, 1)", "0")]


def test_unimplemented_functions_are_counted_with_ast() -> None:
    code = '''
def a():
    pass
def b():
    """Only a docstring."""
def c():
    ...
def d():
    raise NotImplementedError("later")
def e():
    return 1
'''
    assert count_unimplemented(code) == 4
    assert count_unimplemented("def broken(:") == 1


def test_the_score_orders_correct_buggy_stub_and_broken_code() -> None:
    scorer = CodeScorer(EXAMPLES)
    correct = scorer.score("def add(a, b):\n    return a + b")
    half = scorer.score("def add(a, b):\n    return 5")
    stub = scorer.score("def add(a, b):\n    pass")
    broken = scorer.score("def add(a, b) return a + b")
    crashing = scorer.score("raise SystemExit(1)")
    assert correct == 110_000 and half == 60_000
    assert correct > half > stub >= broken and crashing < half
    assert scorer.feedback("def add(a, b) return").startswith("does not run: SyntaxError")
    assert scorer.feedback("def add(a, b):\n    return a * b") == (
        "runs; passes 0 of 2 examples; add(2, 3) gave 6, expected 5"
    )


def test_a_timeout_scores_as_not_executable() -> None:
    scorer = CodeScorer(EXAMPLES, timeout_s=0.5)
    assert scorer.score("def add(a, b):\n    while True: pass") == 10_000  # completeness only
    assert "timed out" in scorer.feedback("def add(a, b):\n    while True: pass")


def test_candidates_run_in_the_sandbox_not_here(tmp_path: Path) -> None:
    here = Path.cwd()
    CodeScorer(EXAMPLES).score("open('pwned.txt', 'w').write('x')\ndef add(a, b):\n    return 0")
    assert not (here / "pwned.txt").exists()


def test_fenced_code_is_extracted() -> None:
    reply = "Sure:\n```python\ndef f():\n    return 1\n```\nand\n```\nx = 2\n```"
    assert extract_code(reply) == "def f():\n    return 1\n\nx = 2\n"
    assert extract_code("x = 1") == "x = 1"


def test_docstring_examples_in_their_many_spellings() -> None:
    prompt = '''
def f(x):
    """Doubles.
    >>> f(1)
    2
    >>> f(2) == 4
    f(3) => 6
    f(4) ➞ 8
    f(5) should return 10.
    for f(6) == 12
    f(y) == 2   (not a literal: left out)
    f(1) = 2    (a definition, not an example: left out)
    """
'''
    found = docstring_examples(prompt, "f")
    assert found == [
        Example("f(1)", "2"),
        Example("f(2) == 4", "True"),
        Example("f(3)", "6"),
        Example("f(4)", "8"),
        Example("f(5)", "10"),
        Example("f(6)", "12"),
    ]
    scorer = CodeScorer(found)
    assert scorer.passes("def f(x):\n    return 2 * x") == 6


def test_bad_scorer_options() -> None:
    with pytest.raises(ConfigError, match="examples"):
        CodeScorer("f(1) == 2")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="timeout_s"):
        CodeScorer(timeout_s=0)
