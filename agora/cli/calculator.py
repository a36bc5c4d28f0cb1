"""`calculate`: the demo mathematician's tool, a safe arithmetic evaluator built on `ast`.

Only numbers, ``+ - * / // % **``, unary ``+``/``-`` and parentheses are accepted; names,
calls, attributes and everything else are refused before anything is evaluated, so a model
cannot reach Python through the tool. Exponents and magnitudes are capped so that no
expression can eat the CPU or memory (``9 ** 9 ** 9`` is refused, not computed).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from agora.agents.tools import Tool

__all__ = [
    "EXPRESSION_PATTERN",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "Expression",
    "calculate",
    "calculate_tool",
    "expressions_in",
]

#: Largest absolute exponent accepted by ``**``.
MAX_EXPONENT = 1_000
#: Longest expression accepted, in characters.
MAX_LENGTH = 200
_MAX_BITS = 3_322  # about 1,000 decimal digits: larger integer results are refused

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


#: What a model may write as an expression: digits, operators, parentheses, dots and spaces.
#: As a JSON-Schema ``pattern`` it becomes part of llama.cpp's grammar, so a model's call can
#: only contain arithmetic.
EXPRESSION_PATTERN = r"^[0-9+*/%(). -]{1,80}$"
Expression = Annotated[str, Field(min_length=1, max_length=80, pattern=EXPRESSION_PATTERN)]


def calculate(expression: Expression) -> str:
    """Evaluate an arithmetic expression (numbers, + - * / // % ** and parentheses).

    Anything else (names, calls, attributes) is refused, and so are huge powers.

    Args:
        expression: the arithmetic to evaluate.

    Raises:
        ValueError: the expression is not plain arithmetic, divides by zero, or is too large.

    Example:
        >>> calculate("12 * (3 + 4)")
        '84'
        >>> calculate("7 / 2"), calculate("-2 ** 10")
        ('3.5', '-1024')
        >>> calculate("__import__('os')")
        Traceback (most recent call last):
        ...
        ValueError: only arithmetic is allowed: a function call is not ...
    """
    text = expression.strip()
    if not text:
        raise ValueError("the expression is empty; pass arithmetic such as '2 + 2'")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the expression is over {MAX_LENGTH} characters; shorten it")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ValueError(f"{text!r} is not valid arithmetic") from None
    value = _eval(tree.body)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{text!r} overflows")
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


_CANDIDATE = re.compile(r"[-(]*\d[\d\s.+\-*/%()]*")
_WORDS = (
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"\b(?:times|multiplied by)\b", "*"),
    (r"\bdivided by\b", "/"),
    (r"\bto the power of\b", "**"),
)


def expressions_in(text: str) -> tuple[str, ...]:
    """The arithmetic expressions `text` writes out, each one `calculate` accepts.

    Operator words between numbers count ("15 plus 27" is ``15 + 27``).

    Example:
        >>> expressions_in("What is (15 + 27) * 3? And 15 plus 27.")
        ('(15 + 27) * 3', '15 + 27')
        >>> expressions_in("Write a poem about 3 cats.")
        ()
    """
    for pattern, symbol in _WORDS:
        text = re.sub(pattern, symbol, text, flags=re.IGNORECASE)
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        candidate = " ".join(match.group().split()).rstrip(" .")
        if not any(op in candidate for op in "+-*/%") or not re.search(r"\d\D+\d", candidate):
            continue
        try:
            calculate(candidate)
        except ValueError:
            continue
        if candidate not in found:
            found.append(candidate)
    return tuple(found)


def calculate_tool() -> Tool:
    """`calculate` as a tool whose expression is narrowed to the ones the task writes out.

    A task that writes its arithmetic (``What is 12 * 7?``) offers exactly that expression
    as an enum, so a small model under a grammar cannot miscopy it (a 135M model wrote
    ``.12 * 7``); a task that does not (``twelve times seven``) leaves the model to write
    one, constrained to `EXPRESSION_PATTERN`.

    Example:
        >>> schema = calculate_tool().for_task("What is 12 * 7?").args_model.model_json_schema()
        >>> schema["properties"]["expression"]["const"]
        '12 * 7'
    """
    return Tool.from_function(calculate, narrow=_narrow)


def _narrow(task: str) -> type[BaseModel] | None:
    found = expressions_in(task)
    return _expression_model(found) if found else None


@lru_cache(maxsize=1024)
def _expression_model(expressions: tuple[str, ...]) -> type[BaseModel]:
    choices: Any = Literal.__getitem__(expressions)
    return create_model(
        "calculate_args", __config__=ConfigDict(extra="forbid"), expression=(choices, ...)
    )


def _eval(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ValueError(f"only numbers are allowed, not {node.value!r}")
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ValueError("division by zero") from None
        except OverflowError:
            raise ValueError("the result is too large") from None
        if isinstance(result, complex):  # e.g. (-8) ** 0.5
            raise ValueError("the result is not a real number")
        if isinstance(result, int) and abs(result).bit_length() > _MAX_BITS:
            raise ValueError("the result has more than about 1,000 digits")
        return result
    raise ValueError(
        f"only arithmetic is allowed: {_describe(node)} is not (use numbers, + - * / // % ** "
        "and parentheses)"
    )


def _check_power(base: Number, exponent: Number) -> None:
    if abs(exponent) > MAX_EXPONENT:
        raise ValueError(f"exponent {exponent} is too large (the limit is {MAX_EXPONENT})")
    # Bound the size of an integer result before computing it.
    exact = isinstance(base, int) and isinstance(exponent, int) and exponent > 0
    if exact and (abs(int(base)).bit_length() - 1) * int(exponent) > _MAX_BITS:
        raise ValueError(f"{base} ** {exponent} has more than about 1,000 digits")


def _describe(node: ast.expr) -> str:
    kinds = {
        ast.Call: "a function call",
        ast.Name: "a name",
        ast.Attribute: "an attribute",
        ast.Subscript: "indexing",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.Lambda: "a lambda",
    }
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    return f"{type(node).__name__!r}"
