"""Prompt text for agents, kept short and explicit so that even tiny local models follow it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agora.agents.tools import Tool
from agora.models.base import Message

__all__ = [
    "aggregation_messages",
    "answer_messages",
    "decision_messages",
    "lesson_messages",
    "revision_context",
    "synthesis_messages",
]


def system_prompt(name: str, expertise: str, instructions: str) -> str:
    """The agent's persona: who it is and what it knows."""
    text = f"You are {name}, an expert in {expertise or 'general questions'}."
    if instructions:
        text += f" {instructions.strip()}"
    return text


def decision_messages(
    *,
    system: str,
    task: str,
    context: str,
    neighbours: Mapping[str, str],
    tools: Sequence[Tool],
    tool_results: Sequence[tuple[str, str]],
    allow_split: bool,
    handoff: Sequence[tuple[str, str]] = (),
    tools_only: bool = False,
) -> list[Message]:
    """Messages asking for a typed decision about `task`.

    Example:
        >>> msgs = decision_messages(system="You are a.", task="2+2?", context="",
        ...                          neighbours={"math": "arithmetic"}, tools=[],
        ...                          tool_results=[], allow_split=False)
        >>> "math: arithmetic" in msgs[1].content
        True
    """
    lines = _task_lines(task, context, handoff, tool_results)
    options = ['"answer": answer the task yourself']
    if tools_only and tools:
        options, neighbours = [], {}
    if neighbours:
        lines.append("Neighbours you can forward to:")
        lines += [f"- {name}: {expertise or 'general'}" for name, expertise in neighbours.items()]
        options.append(
            '"forward": pass the task to the neighbour whose expertise fits best, with your '
            'work so far in "contribution"'
        )
        if allow_split and len(neighbours) >= 2:
            options.append('"split": give different parts of the task to different neighbours')
    if tools:
        lines.append("Tools you can call:")
        lines += [f"- call:{tool.name}: {tool.description}" for tool in tools]
        options.append('"call:<tool>": call a tool and see its result')
    lines.append("Choose one action: " + "; ".join(options) + ".")
    lines.append("Reply with JSON only.")
    return [Message("system", system), Message("user", "\n".join(lines))]


def answer_messages(
    *,
    system: str,
    task: str,
    context: str,
    tool_results: Sequence[tuple[str, str]],
    handoff: Sequence[tuple[str, str]] = (),
) -> list[Message]:
    """Messages asking for a plain-text answer, when answering is the only possible decision.

    Example:
        >>> msgs = answer_messages(system="You are a.", task="Write a haiku.", context="",
        ...                        tool_results=[])
        >>> msgs[1].content
        'Write a haiku.'
    """
    if not (context or handoff or tool_results):
        return [Message("system", system), Message("user", task)]
    lines = _task_lines(task, context, handoff, tool_results)
    lines.append("Answer the task.")
    return [Message("system", system), Message("user", "\n".join(lines))]


def _task_lines(
    task: str,
    context: str,
    handoff: Sequence[tuple[str, str]],
    tool_results: Sequence[tuple[str, str]],
) -> list[str]:
    lines = [f"Task: {task}"]
    if context:
        lines.append(f"Context: {context}")
    if handoff:
        lines.append("Work handed to you (build on it):")
        lines += [f"- {who}: {work}" for who, work in handoff]
    for call, result in tool_results:
        lines.append(f"Result of {call}: {result}")
    return lines


def synthesis_messages(
    *, system: str, task: str, parts: Sequence[tuple[str, str]]
) -> list[Message]:
    """Messages asking the agent to combine its helpers' answers into one answer."""
    lines = [f"Task: {task}", "Answers from your helpers:"]
    lines += [f"- {who}: {answer}" for who, answer in parts]
    lines.append("Write one short, complete answer to the task using these answers.")
    return [Message("system", system), Message("user", "\n".join(lines))]


def aggregation_messages(
    *, system: str, task: str, solutions: Sequence[tuple[str, str]]
) -> list[Message]:
    """Messages asking an aggregator to merge several teams' solutions into one.

    Each solution is shown as ``### Solution N (from WHO)`` followed by its text; a code
    solution keeps its fenced block, so the merged one can be read back from the reply.

    Example:
        >>> msgs = aggregation_messages(system="You merge.", task="Write f.",
        ...                             solutions=[("t0", "A"), ("t1", "B")])
        >>> "### Solution 2 (from t1)" in msgs[1].content
        True
    """
    lines = [f"Task: {task}", "", f"{len(solutions)} teams solved it independently:"]
    for index, (who, text) in enumerate(solutions, 1):
        lines += ["", f"### Solution {index} (from {who})", text.strip()]
    lines += [
        "",
        "Compare the solutions. Keep what each does well, drop its mistakes, and write one "
        "complete solution to the task. Reply with that solution only.",
    ]
    return [Message("system", system), Message("user", "\n".join(lines))]


def revision_context(own: str, lessons: Sequence[tuple[str, str]]) -> str:
    """The context a team revises its solution with: its own draft and every team's lesson.

    Example:
        >>> print(revision_context("def f(): ...", [("t1", "f(2) gave 3, expected 4")]))
        Your team's solution so far:
        def f(): ...
        Lessons the teams shared:
        - t1: f(2) gave 3, expected 4
        Revise your solution with these lessons and reply with the complete solution.
    """
    lines = ["Your team's solution so far:", own.strip(), "Lessons the teams shared:"]
    lines += [f"- {who}: {lesson}" for who, lesson in lessons]
    lines.append("Revise your solution with these lessons and reply with the complete solution.")
    return "\n".join(lines)


def lesson_messages(*, system: str, task: str, solution: str) -> list[Message]:
    """Messages asking a team's agent for one lesson of its solution, for the other teams."""
    text = (
        f"Task: {task}\nYour solution:\n{solution.strip()}\n"
        "In one or two sentences, state the most useful lesson from your solution for other "
        "teams working on the same task (a pitfall, a check, a key idea)."
    )
    return [Message("system", system), Message("user", text)]
