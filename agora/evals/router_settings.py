"""The router settings every routing eval shares: `make_router` and its constants.

`agora.evals.routing`, the BIG-bench eval (`agora.evals.bigbench`) and AgentNet's ablation
(`agora.evals.agentnet`) all build their routers here, so one setting changes them together.
The settings marked below were chosen on the BIG-bench eval's dev split, never on a test split.
"""

from __future__ import annotations

from collections.abc import Mapping

from agora.agents.routing import DynamicRule, RouteMode, Router
from agora.embeddings import Embedder

__all__ = ["DYNAMIC_P", "TEMPERATURE", "TOPIC_THRESHOLD", "make_router"]

#: Softmax temperature of every router in the eval (the `Router` default).
TEMPERATURE = 0.05
#: Topic clustering threshold: MiniLM puts same-domain questions at cosine ~0.3-0.5, so the
#: `Router` default (0.5) makes almost one topic per task and reliabilities do not transfer.
TOPIC_THRESHOLD = 0.3
#: The ``p`` thresholds of dynamic K that the routing eval reports; the middle one is the
#: headline and `make_router`'s.
DYNAMIC_P = (0.6, 0.7, 0.8)


def make_router(
    embedder: Embedder,
    profiles: Mapping[str, str],
    *,
    mode: RouteMode = "top1",
    explore: bool = False,
    seed: int = 0,
    dynamic_rule: DynamicRule = "cumulative",
) -> Router:
    """A `Router` with the eval's settings and one registered agent per profile.

    `dynamic_rule` is the router's (``"decompose"``: the BIG-bench eval's extra row).

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> router = make_router(HashEmbedder(), {"geo": "capitals and rivers"})
        >>> router.route("Which river flows through Paris?").primary
        'geo'
    """
    router = Router(
        embedder,
        mode=mode,
        temperature=TEMPERATURE,
        p=DYNAMIC_P[1],
        k_max=4,
        topic_threshold=TOPIC_THRESHOLD,
        explore=explore,
        seed=seed,
        # Chosen on the BIG-bench eval's dev split (bbh, carved from train, 5 seeds:
        # `python -m agora.evals.bigbench run --dev`), never on a test split.
        normalize=True,
        repel=0.5,
        lexical_weight=0.1,
        # Chosen on the dev split of bbh and all (12-03): top-1 of the taught router on
        # `all` 72.1 -> 74.5 (seed 0), bbh 98.1 -> 98.3 (3 seeds); `learn_lexical` added
        # nothing there and is left off.
        lexical_relative=True,
        dynamic_rule=dynamic_rule,
    )
    for name, text in profiles.items():
        router.register(name, text)
    return router
