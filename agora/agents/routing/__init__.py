"""Routing: the `Router` that scores which agents a task could go to, and its `Route`.

- `agora.agents.routing.router`: `Router` (fit, lexical evidence, reliability, load; learns
  from outcomes and calibrates its probabilities), `DynamicRule`, `COARSE_FROM`.
- `agora.agents.routing.route`: `Route`, what one call of `Router.route` chose, and
  `RouteMode`.

The underscored modules are the router's parts: argument checks (`_args`), the two-stage
index (`_index`), what it learns from outcomes (`_learn`), its lexical evidence
(`_lexical`) and dynamic K by decomposition (`_mix`).
"""

from agora.agents.routing.route import Route, RouteMode
from agora.agents.routing.router import COARSE_FROM, DynamicRule, Router

__all__ = ["COARSE_FROM", "DynamicRule", "Route", "RouteMode", "Router"]
