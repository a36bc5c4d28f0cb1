"""Quick start: a three-agent team on the embedded local model.

Run:  python examples/quickstart.py ["your question"]
      python examples/quickstart.py "What is 12 * 7?" --model http://127.0.0.1:8080/v1#qwen

The triage agent holds the task first and decides, with its own model, whether to answer it
or hand it to the expert whose description fits. No manager agent, no API key, no download.
"""

from __future__ import annotations

import argparse

from agora import Agent, Model, ModelSettings, Team, model_from_spec


def build_team(model: Model) -> Team:
    """Three agents sharing one model; triage may forward to either expert."""
    settings = ModelSettings(temperature=0.0, max_tokens=160)
    triage = Agent(
        "triage",
        model,
        expertise="routing questions to the right expert",
        max_answer_chars=240,
        settings=settings,
    )
    geographer = Agent(
        "geographer", model, expertise="countries, capitals and rivers", settings=settings
    )
    mathematician = Agent(
        "mathematician", model, expertise="arithmetic and numbers", settings=settings
    )
    return Team([triage, geographer, mathematician])  # triage -> each expert


def main(question: str = "What is the capital of France?", model: Model | str = "local") -> str:
    """Ask the team one question and print who answered what."""
    team = build_team(model_from_spec(model))
    result = team.run_sync(question)
    for envelope in result.trace:
        print(f"{envelope.sender:>13} -> {', '.join(envelope.recipients):<13} {envelope.kind}")
    print(f"answer ({result.answered_by}): {result.answer}")
    print(f"tokens: {result.total_usage.total_tokens}, time: {result.elapsed_s:.1f} s")
    return result.answer


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Ask a three-agent team one question.")
    parser.add_argument("question", nargs="?", default="What is the capital of France?")
    parser.add_argument("--model", default="local", help="model spec (default: local)")
    args = parser.parse_args()
    main(args.question, args.model)
