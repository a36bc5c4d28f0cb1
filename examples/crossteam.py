"""Cross-team collaboration: five teams write a function; the pool prunes and merges.

Run: python examples/crossteam.py           (scripted teams, offline, in a second)
     python examples/crossteam.py local     (every team and the merger on the embedded model)

Each team's proposal is signed by the team and checked by the pool. Every team shares an
insight (the objective scorer's feedback on its draft) and revises once; with more than four
proposals pooled, the best half by CTC's score survives; the merger combines them in pairs,
at a temperature that falls with each layer. Candidate code only ever runs in the sandbox.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from agora import Agent, CrossTeam, Message, Team
from agora.agents import CodeScorer, Example, extract_code
from agora.testing import FunctionModel

TASK = (
    "Write a Python function is_leap(year) that says whether a year is a leap year in the "
    "Gregorian calendar. Reply with one ```python block."
)
EXAMPLES = [
    Example("is_leap(2024)", "True"),
    Example("is_leap(1900)", "False"),
    Example("is_leap(2000)", "True"),
]
RIGHT = "def is_leap(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)"
#: What each scripted team writes first, and after reading the lessons.
DRAFTS = [
    ("def is_leap(year):\n    return year % 4 == 0", RIGHT),
    ("def is_leap(year):\n    pass", "def is_leap(year):\n    return year % 4 == 0"),
    ("def is_leap(year) return year % 4 == 0", RIGHT),
    (RIGHT, RIGHT),
    ("def is_leap(year):\n    return year % 400 == 0", "def is_leap(year):\n    return False"),
]


def scripted_team(index: int) -> Team:
    first, revised = DRAFTS[index]

    def reply(messages: Sequence[Message], schema: object) -> str:
        lessons = "Lessons the teams shared" in messages[-1].content
        return f"```python\n{revised if lessons else first}\n```"

    return Team([Agent("coder", FunctionModel(reply))], name=f"team{index}")


def scripted_merger(scorer: CodeScorer) -> Agent:
    def reply(messages: Sequence[Message], schema: object) -> str:
        parts = messages[-1].content.split("### Solution")[1:]
        codes = [extract_code(part) for part in parts]
        best = max(codes, key=scorer.passes)  # run in the sandbox, not here
        return f"```python\n{best}```"

    return Agent("merger", FunctionModel(reply))


def main(spec: str | None = None) -> list[str]:
    scorer = CodeScorer(EXAMPLES)
    if spec is None:
        teams = [scripted_team(i) for i in range(len(DRAFTS))]
        cross = CrossTeam(teams, scripted_merger(scorer), scorer=scorer)
    else:
        cross = CrossTeam.diverse(spec, teams=5, scorer=scorer)
    result = cross.run_sync(TASK)
    sender = {env.id: env.sender for env in result.proposals}
    insights = sorted(result.insights, key=lambda env: env.sender)
    lines = [f"insight {env.sender}: {env.payload.text}" for env in insights]
    lines += [f"score {sender[i]}: {score:,.0f}" for i, score in result.scores.items()]
    lines.append(f"pruned: {', '.join(sender[i] for i in result.pruned)}")
    lines += [
        f"merge depth {m.depth} at temperature {m.temperature:g}: {' + '.join(m.sources_from)}"
        for m in result.merges
    ]
    lines.append(f"answer ({result.depth} layers): {scorer.feedback(result.answer)}")
    lines.append(f"tokens: {result.total_usage.total_tokens}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
