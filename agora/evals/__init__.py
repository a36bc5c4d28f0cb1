"""Evaluations of agora's components on shipped, labelled data (seeded, reproducible).

- `agora.evals.routing`: does the `Router` pick the right expert? Top-1, top-K and dynamic K
  on clear and ambiguous tasks against BM25 and random baselines, learned vs static routing,
  and the end-to-end `Team` path (experts on any model with ``--model SPEC``). Run it with
  ``python -m agora.evals.routing``.
- `agora.evals.bigbench`: routing on BIG-bench: one expert per task, profiles from the
  tasks' own descriptions and keywords, top-K, dynamic K, calibration and abstention against
  BM25, nearest-example and centroid baselines. ``python -m agora.evals.bigbench fetch``
  once, then ``python -m agora.evals.bigbench run``.
- `agora.evals.router_settings`: `make_router`, the router settings the routing, BIG-bench
  and AgentNet evals share.
- `agora.evals.stats`: the 95% intervals the evals report.
- `agora.evals.tasks`: the labelled task set and the expert definitions it is scored against.
- `agora.evals.fusion`: the fused knowledge graph of many noisy agents on a generated world
  (`agora.evals.synthetic_world`), against naive union, majority vote and the two-agree rule:
  a regression check, since the world's noise is what the fuser's rules catch.
  Run it with ``python -m agora.evals.fusion``.
- `agora.evals.fusion_real`: the same question on real facts (CounterFact, zsRE) with noise
  agora's fuser was not written around, against naive union, majority vote and a
  two-agents-agree rule. Run it with ``python -m agora.evals.fusion_real --data FILE``.
- `agora.evals.knfu`: personalised vs uniform vs no fusion when agents know different
  topics. Run it with ``python -m agora.evals.knfu``.
- `agora.evals.crossteam`: does a `CrossTeam` of 3 or 5 teams beat one team on HumanEval,
  with and without pruning and insight exchange? Candidates run only in `agora.sandbox`.
  Run it with ``python -m agora.evals.crossteam`` (needs the ``evals`` extra).
- `agora.evals.demo`: does ``agora demo`` answer right and route right on any model (the
  embedded one by default), against a one-agent baseline? Run it with
  ``python -m agora.evals.demo``.
- `agora.evals.retrieval`: can memory find a fact again from its question or a rephrasing?
  Recall@k and MRR for BM25, vector and hybrid retrieval over the paper's CounterFact / zsRE
  facts, latency with the query embedding; ``--tune`` sets the common-word share and the RRF
  weights on a dev half. Run it with ``python -m agora.evals.retrieval --data PATH``.
- `agora.evals.planning`: cooperative planning on crafter's engine and rules (DAMCS): steps
  to the diamond for 1, 2 and 6 agents, with and without shared memory and communication.
  Run it with ``python -m agora.evals.planning`` (needs the ``evals`` extra: crafter).

Example:
    >>> from agora.evals.tasks import load_tasks
    >>> len(load_tasks()) >= 300
    True
"""
