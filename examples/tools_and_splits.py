"""Tools and splits: an agent calls a typed Python function; a lead splits work in parallel.

Run:  python examples/tools_and_splits.py --model http://127.0.0.1:8080/v1#qwen2.5-7b-instruct

Splitting and tool use need a model that follows instructions; the embedded 135M model rarely
does either, so point this example at a larger GGUF (``--model local:/path/model.gguf``) or an
OpenAI-compatible server. The tool's JSON Schema comes from its signature and docstring.
"""

from __future__ import annotations

import argparse

from agora import Agent, Model, Team, model_from_spec


def population(city: str) -> int:
    """Population of a European capital, from a small built-in table."""
    table = {"paris": 2_102_650, "madrid": 3_332_035, "rome": 2_758_454}
    return table[city.strip().lower()]


def build_team(model: Model) -> Team:
    """A lead that may split a question between a statistician (with a tool) and a writer."""
    lead = Agent("lead", model, expertise="planning: split questions into parts for experts")
    statistician = Agent("statistician", model, expertise="city populations", tools=[population])
    writer = Agent("writer", model, expertise="one-sentence explanations")
    return Team([lead, statistician, writer])


def main(question: str, model: Model | str) -> str:
    """Ask the team, then print each message and the answer."""
    result = build_team(model_from_spec(model)).run_sync(question)
    for envelope in result.trace:
        print(f"{envelope.sender:>12} -> {', '.join(envelope.recipients):<22} {envelope.kind}")
    print(f"answer ({result.answered_by}): {result.answer}")
    return result.answer


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Tools and splits in one team.")
    parser.add_argument(
        "question",
        nargs="?",
        default="How many people live in Paris, and why is it called the City of Light?",
    )
    parser.add_argument("--model", default="local", help="model spec (default: local)")
    args = parser.parse_args()
    main(args.question, args.model)
