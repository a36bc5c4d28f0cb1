"""A research-assistant network: six experts behind a routing desk, durable and learning.

Run:  python examples/research_assistant.py [--model local] [--checkpoint runs.sqlite]

The desk makes no model call to route: the team's router scores the experts' profiles (offline
MiniLM embeddings) against each question and picks one expert, or — when the question spans
fields and no single expert dominates — consults several at once (dynamic K, Harder Tasks Need
More Experts) and writes one answer from theirs. Every run is journaled when ``--checkpoint``
is given (kill it and run again with ``--resume RUN_ID``), and ``team.feedback`` teaches the
router which experts do well on which topics. The embedded 135M model answers briefly and
often wrongly; point ``--model`` at a larger GGUF or a server for useful answers.
"""

from __future__ import annotations

import argparse

from agora import Agent, Embedder, Model, ModelSettings, Result, Router, Team, model_from_spec

EXPERTS = {
    "librarian": "finding papers, citations, prior work, literature reviews and surveys",
    "statistician": "statistics: hypothesis tests, p-values, confidence intervals, sample "
    "sizes, regression and experimental design",
    "coder": "programming: Python code, data analysis scripts, pandas, plotting, debugging",
    "biologist": "biology: cells, genes, proteins, evolution, ecology and lab methods",
    "writer": "writing: abstracts, summaries, clear explanations and editing prose",
    "critic": "peer review: checking claims, finding flaws, confounders and threats to validity",
}

QUESTIONS = [
    "How many participants do I need to detect a small effect with 80% power?",
    "Write a Python snippet that loads a CSV with pandas and plots one column.",
    "Summarize what CRISPR does in two sentences for a general audience.",
    "Is my claim that coffee causes longevity valid if it comes from an observational study?",
]


def build_team(
    model: Model, *, embedder: Embedder | None = None, checkpoint: str | None = None
) -> Team:
    """The desk (routes, never answers itself) and six experts, all on `model`."""
    settings = ModelSettings(temperature=0.2, max_tokens=200)
    desk = Agent("desk", model, "", policy="router", aggregate="synthesize", settings=settings)
    experts = [
        Agent(name, model, profile, settings=settings, max_answer_chars=400)
        for name, profile in EXPERTS.items()
    ]
    router = Router(embedder, mode="dynamic", p=0.6, k_max=3)
    return Team([desk, *experts], router=router, checkpoint=checkpoint)


def main(
    questions: list[str],
    model: Model | str,
    *,
    embedder: Embedder | None = None,
    checkpoint: str | None = None,
) -> list[Result]:
    """Ask each question, print who was consulted and the answer; return the results."""
    team = build_team(model_from_spec(model), embedder=embedder, checkpoint=checkpoint)
    results = []
    for question in questions:
        result = team.run_sync(question)
        (route,) = result.routes
        scores = ", ".join(f"{name} {p:.2f}" for name, p in route.route.ranked[:3])
        print(
            f"\n? {question}\n  router: {scores}  -> K={len(route.chosen)}: "
            f"{', '.join(route.chosen)}"
        )
        print(f"  answer ({result.answered_by}, run {result.run_id[:8]}): {result.answer}")
        results.append(result)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Six research experts behind a routing desk.")
    parser.add_argument("questions", nargs="*", default=QUESTIONS)
    parser.add_argument("--model", default="local", help="model spec (default: local)")
    parser.add_argument("--checkpoint", help="SQLite file that makes runs durable")
    parser.add_argument("--resume", metavar="RUN_ID", help="finish an interrupted durable run")
    args = parser.parse_args()
    if args.resume:
        team = build_team(model_from_spec(args.model), checkpoint=args.checkpoint)
        print(team.resume_sync(args.resume).answer)
    else:
        main(args.questions, args.model, checkpoint=args.checkpoint)
