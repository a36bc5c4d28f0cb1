"""Evaluations of agora's components on shipped, labelled data (seeded, reproducible).

- `agora.evals.routing`: does the `Router` pick the right expert? Top-1, top-K and dynamic K
  on clear and ambiguous tasks, learned vs static routing, and the end-to-end `Team` path.
  Run it with ``python -m agora.evals.routing``.
- `agora.evals.tasks`: the labelled task set and the expert definitions it is scored against.
- `agora.evals.fusion`: how good is the fused knowledge graph of many noisy agents?
  Run it with ``python -m agora.evals.fusion``.
- `agora.evals.knfu`: personalised vs uniform vs no fusion when agents know different
  topics. Run it with ``python -m agora.evals.knfu``.
- `agora.evals.demo`: does ``agora demo`` answer right and route right on any model (the
  embedded one by default), against a one-agent baseline? Run it with
  ``python -m agora.evals.demo``.
- `agora.evals.planning`: cooperative planning on crafter's engine and rules (DAMCS): steps
  to the diamond for 1, 2 and 6 agents, with and without shared memory and communication.
  Run it with ``python -m agora.evals.planning`` (needs the ``evals`` extra: crafter).

Example:
    >>> from agora.evals.tasks import load_tasks
    >>> len(load_tasks()) >= 300
    True
"""
