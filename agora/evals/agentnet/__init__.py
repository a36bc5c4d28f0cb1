"""AgentNet's ablation on BBH, through real agora teams (``python -m agora.evals.agentnet``).

AgentNet (arXiv 2504.00587) reports, on BBH, 86% for its decentralized routing against 83%
for one global router, 82% for a random next agent and 71% for a random operation (Fig. 5),
and 86% with its evolving network against 76% without (Table 3). This eval asks the same
questions of agora's runtime: a `Team` of BBH experts on a sparse network, each holder
deciding through the team's `Router` restricted to its neighbours, `Team.feedback` learning
from outcomes over rounds, scored on held-out examples.

- `world`: one seed's agents (profiles from BIG-bench's own descriptions), skill matrix,
  network and split.
- `agents`: the scripted executor and the two ablations' holders.
- `answers`: ``--model`` prompts and scoring against the authors' targets.
- `executors`: scripted or real-model answering, behind one interface.
- `evaluate`: one variant through one team, round by round.
- `baselines`: one agent answering alone; the oracle ceiling.
- `report`: means and 95% intervals over seeds; `experiment`: the whole run; `cli`.

Example:
    >>> from agora.evals.bigbench.source import Family
    >>> fams = [Family(name=n, description=f"questions about {n}", keywords=(), total=4,
    ...                examples=tuple(f"{n} question {i}" for i in range(4))) for n in "abc"]
    >>> report = run(fams, seeds=[0], rounds=0, per_family=4, embedder="hash")
    >>> [row.name for row in report.rows][:3]
    ['decentralized', 'decentralized-random-entry', 'global']
"""

from agora.evals.agentnet.cli import main
from agora.evals.agentnet.evaluate import VARIANTS, Pass, VariantRun, run_variant
from agora.evals.agentnet.experiment import run
from agora.evals.agentnet.report import CurvePoint, Report, Row
from agora.evals.agentnet.world import World, make_world

__all__ = [
    "VARIANTS",
    "CurvePoint",
    "Pass",
    "Report",
    "Row",
    "VariantRun",
    "World",
    "main",
    "make_world",
    "run",
    "run_variant",
]
