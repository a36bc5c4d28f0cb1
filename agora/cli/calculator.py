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
from collections.abc import Callable

__all__ = ["MAX_EXPONENT", "MAX_LENGTH", "calculate"]

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


def calculate(expression: str) -> str:
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
