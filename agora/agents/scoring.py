r"""Objective scorers for a cross-team pool: the `Scorer` seam and CTC's default for code.

A `Scorer` is anything with ``score(candidate) -> float`` (higher is better); `CrossTeam`
prunes its pool to the top half by it. One may also have ``feedback(candidate) -> str``, a
short lesson about the candidate that a team shares as its `agora.protocols.Insight`.

`CodeScorer` is the objective score of *Cross-Team Collaboration* (ChatDev's ``waiting.py``),
``(executability × 10 + completeness) × 10,000 − unimplemented functions``, for Python:

- **executability** in [0, 1]: 0 when the program does not run (a syntax error, an
  exception on import, a timeout); otherwise the share of the task's own examples
  (`docstring_examples`) it passes, or 1 when there are none. The program runs in
  `agora.sandbox`, never in the scorer's process.
- **completeness** in [0, 1]: the share of its functions that are implemented (1 when it
  defines none but has code).
- **unimplemented**: functions whose body is only ``pass``, ``...``, a docstring or
  ``raise NotImplementedError``, counted with `ast` (`count_unimplemented`).

Example:
    >>> scorer = CodeScorer([Example("double(2)", "4")])
    >>> scorer.score("def double(x):\n    return 2 * x")
    110000.0
    >>> scorer.score("def double(x):\n    pass")
    -1.0
    >>> scorer.feedback("def double(x):\n    return x")
    'runs; passes 0 of 1 examples; double(2) gave 2, expected 4'
"""

from __future__ import annotations

import ast
import doctest
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agora._checks import check_number, check_text
from agora.errors import ConfigError
from agora.sandbox import run_python

__all__ = [
    "CodeScorer",
    "Example",
    "Scorer",
    "count_unimplemented",
    "docstring_examples",
    "extract_code",
]


@runtime_checkable
class Scorer(Protocol):
    """Scores a candidate solution; higher is better. Called off the event loop."""

    def score(self, candidate: str) -> float:
        """The candidate's objective score."""
        ...


@dataclass(frozen=True, slots=True)
class Example:
    """A visible example of a task: an expression and the value it should give.

    Attributes:
        call: a Python expression, e.g. ``"add(2, 3)"``.
        expected: the expected value as Python source (``"5"``), or, where that is not a
            literal, the ``repr`` the value should print as (a doctest's output).
    """

    call: str
    expected: str


def count_unimplemented(code: str) -> int:
    r"""How many functions in `code` are stubs (``pass``, ``...``, a docstring, NotImplemented).

    Code that does not parse counts as one unimplemented function.

    Example:
        >>> count_unimplemented("def f():\n    ...\ndef g():\n    raise NotImplementedError")
        2
    """
    tree = _parse(code)
    if tree is None:
        return 1
    return sum(_is_stub(node) for node in _functions(tree))


def extract_code(text: str) -> str:
    r"""The Python code in a model's reply: its fenced blocks joined, else the text itself.

    Example:
        >>> extract_code("Here:\n```python\ndef f():\n    return 1\n```\nDone.")
        'def f():\n    return 1\n'
    """
    blocks = re.findall(r"```[ \t]*(?:python|py|Python)?[ \t]*\n(.*?)```", text, re.S)
    if blocks:
        return "\n".join(blocks)
    return text


_ARROWS = r"(?:==|=>|➞|->|should\s+return|returns?)"


def docstring_examples(prompt: str, entry_point: str) -> list[Example]:
    """The examples a task's docstring gives for `entry_point`: doctests and ``f(x) => y``.

    Lines such as ``f(1) == 2``, ``f(1) => 2``, ``f(1) ➞ 2`` or ``f(1) should return 2``
    count when the call's arguments and the expected value are Python literals.

    Example:
        >>> docstring_examples('''def inc(x):
        ...     \"\"\"Adds one.
        ...     >>> inc(1)
        ...     2
        ...     inc(5) ➞ 6
        ...     \"\"\"''', "inc")
        [Example(call='inc(1)', expected='2'), Example(call='inc(5)', expected='6')]
    """
    check_text(prompt, "prompt")
    check_text(entry_point, "entry_point", empty=False)
    found: list[Example] = []
    for example in doctest.DocTestParser().get_examples(prompt):
        call = example.source.strip()
        if call.startswith(f"{entry_point}(") and _checkable(call):
            want = _want(example.want)
            if _is_comparison(call) and want not in ("True", "False"):
                want = "True"  # ">>> f(x) == y" with no output line
            if want is not None:
                found.append(Example(call, want))
    pattern = re.compile(
        rf"^\s*(?:for\s+)?(?P<call>{re.escape(entry_point)}\(.*\))\s*{_ARROWS}\s*(?P<want>.+?)"
        r"\s*\.?\s*$"
    )
    for line in prompt.splitlines():
        if line.lstrip().startswith(">>>"):
            continue
        match = pattern.match(line)
        if match and _literal_call(match["call"]) and _literal(match["want"]):
            found.append(Example(match["call"], match["want"]))
    unique = dict.fromkeys(found)
    return list(unique)


class CodeScorer:
    """CTC's objective score for Python code, run in the sandbox (see the module docstring).

    Args:
        examples: the task's visible examples (`docstring_examples`); never hidden tests.
        timeout_s: wall-clock limit of each sandboxed run.
        memory_mb: address-space limit of each sandboxed run.
        prefix: code put before each candidate (e.g. the task's imports).

    Results are cached per distinct candidate, so scoring and feedback cost one run.
    """

    def __init__(
        self,
        examples: Sequence[Example] = (),
        *,
        timeout_s: float = 5.0,
        memory_mb: int = 512,
        prefix: str = "",
    ) -> None:
        if isinstance(examples, str) or not all(isinstance(e, Example) for e in examples):
            raise ConfigError("examples must be a list of Example(call, expected)")
        check_number(timeout_s, "timeout_s", low=0.0, high=3600.0, low_open=True)
        check_text(prefix, "prefix")
        self.examples = list(examples)
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.prefix = prefix
        self._runs: dict[str, _Run] = {}

    def score(self, candidate: str) -> float:
        """``(executability × 10 + completeness) × 10,000 − unimplemented functions``."""
        code = extract_code(candidate)
        run = self._run(code)
        executability = 0.0 if not run.ran else run.passed / max(1, len(self.examples))
        if run.ran and not self.examples:
            executability = 1.0
        missing = count_unimplemented(code)
        total = _function_count(code)
        completeness = (1.0 - missing / total) if total else float(bool(code.strip()))
        return (executability * 10 + completeness) * 10_000 - missing

    def feedback(self, candidate: str) -> str:
        """A one-line lesson: whether it runs, how many examples pass, the first failure."""
        run = self._run(extract_code(candidate))
        if not run.ran:
            return f"does not run: {run.error}"
        if not self.examples:
            return "runs; the task gives no examples to check"
        text = f"runs; passes {run.passed} of {len(self.examples)} examples"
        return f"{text}; {run.failure}" if run.failure else text

    def passes(self, candidate: str) -> int:
        """How many of the examples `candidate` passes (0 when it does not run)."""
        run = self._run(extract_code(candidate))
        return run.passed if run.ran else 0

    def _run(self, code: str) -> _Run:
        cached = self._runs.get(code)
        if cached is None:
            cached = self._runs[code] = self._execute(code)
        return cached

    def _execute(self, code: str) -> _Run:
        mark = secrets.token_hex(8)
        script = "\n".join([self.prefix, code, _harness(self.examples, mark)])
        result = run_python(script, timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        line = next((x for x in result.stdout.splitlines() if x.startswith(mark)), None)
        if result.timed_out:
            return _Run(False, 0, f"timed out after {self.timeout_s:g} s", "")
        if line is None:
            tail = result.stderr.strip().splitlines()
            return _Run(False, 0, tail[-1] if tail else f"exit status {result.returncode}", "")
        report = json.loads(line[len(mark) :])
        return _Run(True, int(report["passed"]), "", str(report["failure"]))


@dataclass(frozen=True, slots=True)
class _Run:
    ran: bool
    passed: int
    error: str
    failure: str


def _harness(examples: Sequence[Example], mark: str) -> str:
    """Code that checks `examples` after the candidate and prints one tagged JSON line."""
    cases = json.dumps([[e.call, e.expected] for e in examples])
    return f"""
def __agora_check(cases):
    import ast, json, math
    passed, failure = 0, ""
    for call, expected in cases:
        try:
            got = eval(call, globals())
        except BaseException as exc:
            failure = failure or f"{{call}} raised {{type(exc).__name__}}"
            continue
        try:
            want = ast.literal_eval(expected)
            same = got == want or (
                isinstance(got, float) and isinstance(want, float) and math.isclose(got, want)
            )
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            same = repr(got) == expected or str(got) == expected
        if same:
            passed += 1
        else:
            failure = failure or f"{{call}} gave {{got!r:.80}}, expected {{expected:.80}}"
    print({mark!r} + json.dumps({{"passed": passed, "failure": failure}}))
__agora_check({cases})
"""


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _function_count(code: str) -> int:
    tree = _parse(code)
    return 1 if tree is None else len(_functions(tree))


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = list(node.body)
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body = body[1:] if isinstance(first.value.value, str) else body  # the docstring
    return all(_is_placeholder(statement) for statement in body)


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _want(output: str) -> str | None:
    """A doctest's expected output: the shortest run of its lines that is a literal.

    The output runs on to the docstring's closing quotes or to prose after it, so the first
    line is taken unless more lines make a literal (a list written over several lines).
    """
    lines = [line.strip() for line in output.strip().splitlines()]
    if not lines or lines[0].startswith(('"""', "'''")):
        return None
    for end in range(1, len(lines) + 1):
        if _literal(" ".join(lines[:end])):
            return " ".join(lines[:end])
    return lines[0]


def _is_comparison(call: str) -> bool:
    return isinstance(ast.parse(call, mode="eval").body, ast.Compare)


def _checkable(call: str) -> bool:
    """Whether `call` is an expression: a call, or a comparison of one."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.Call | ast.Compare)


def _literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _literal_call(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    if not isinstance(node, ast.Call):
        return False
    values = [*node.args, *(keyword.value for keyword in node.keywords)]
    return all(_literal(ast.unparse(value)) for value in values)
