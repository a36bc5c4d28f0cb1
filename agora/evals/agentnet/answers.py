"""``--model`` runs: the prompt an agent answers, and how its answer is scored.

The prompt is the example as BIG-bench gives it: the ``task_prefix`` of its ``task.json``,
then its input, then, for a multiple-choice example, its options, one per line, and a
request to reply with one of them. An answer is *right* when, after normalisation (case,
surrounding spaces and punctuation, inner whitespace), it equals an accepted answer; for a
multiple-choice example, an answer that equals no option but contains exactly one of them
counts as that option (small models wrap the option in a sentence). Nothing else is lenient.

Example:
    >>> from agora.evals.bigbench.source import Target
    >>> target = Target(answers=("plausible",), choices=("plausible", "implausible"))
    >>> correct("It is plausible.", target), correct("implausible", target)
    (True, False)
    >>> correct("Three", Target(answers=("three", "3")))
    True
"""

from __future__ import annotations

import re

from agora.evals.bigbench.source import Target

__all__ = ["correct", "normalize", "prompt"]

_EDGE = re.compile(r"^[\s\"'`.,;:!?()\[\]]+|[\s\"'`.,;:!?()\[\]]+$")


def normalize(text: str) -> str:
    """`text` casefolded, with inner whitespace collapsed and edge punctuation stripped.

    Example:
        >>> normalize("  (A)  Sam's office. ")
        "a) sam's office"
    """
    return _EDGE.sub("", " ".join(text.split()).casefold())


def prompt(text: str, target: Target) -> str:
    """The task an agent answers for example `text`.

    Example:
        >>> print(prompt("2 + 2 =", Target(answers=("4",), choices=("3", "4"), prefix="Add.")))
        Add.
        2 + 2 =
        Options:
        - 3
        - 4
        Reply with one option, exactly as written.
    """
    lines = [target.prefix] if target.prefix else []
    lines.append(text)
    if target.multiple_choice:
        lines.append("Options:")
        lines += [f"- {choice}" for choice in target.choices]
        lines.append("Reply with one option, exactly as written.")
    return "\n".join(lines)


def _chosen(answer: str, choices: tuple[str, ...]) -> str | None:
    """The option `answer` names: equal to it, else the only option it contains."""
    said = normalize(answer)
    options = {normalize(c): c for c in choices}
    if said in options:
        return options[said]
    inside = [
        c for n, c in options.items() if n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", said)
    ]
    return inside[0] if len(inside) == 1 else None


def correct(answer: str, target: Target) -> bool:
    """Whether `answer` is right for `target` (see the module doc)."""
    accepted = {normalize(a) for a in target.answers}
    if not target.multiple_choice:
        return normalize(answer) in accepted
    chosen = _chosen(answer, target.choices)
    return chosen is not None and normalize(chosen) in accepted
