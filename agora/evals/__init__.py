"""Evaluations of agora's components on shipped, labelled data (seeded, reproducible).

- `agora.evals.routing`: does the `Router` pick the right expert? Top-1, top-K and dynamic K
  on clear and ambiguous tasks, learned vs static routing, and the end-to-end `Team` path.
  Run it with ``python -m agora.evals.routing``.
- `agora.evals.tasks`: the labelled task set and the expert definitions it is scored against.

Example:
    >>> from agora.evals.tasks import load_tasks
    >>> len(load_tasks()) >= 300
    True
"""
