"""The routing methods the eval compares: agora's `Router` (pluggable) and three baselines.

Every method implements `Method`: `Method.fit` sees the experts (a name and a profile each)
and the train split; `Method.rank` ranks the experts for each text with probabilities, a *fit*
score (how well the best expert fits, on the method's own scale) and whether it abstains.

- `RouterMethod`: any router with `agora.agents.Router`'s ``register`` / ``route`` /
  ``record`` calls, built by a factory (so a new router drops in). It abstains when the route
  says so (`Route.abstain`: its best fit is below the router's ``min_fit``, learned from
  outcomes once there are some; the check behind ``events.NoFit``); with
  ``learn_rounds`` it first routes the train split (Thompson exploration on) and records
  the outcomes: with ``feedback="forward"`` as a team run would, an expert that cannot solve
  a task forwarding it to the next-ranked expert not yet tried, every attempt recorded; with
  ``"own"`` only its first pick.
- `BM25Method`: BM25 of the text against each profile.
- `NearestMethod`: cosine to the nearest train example of each family.
- `CentroidMethod`: cosine to the mean of each family's train examples.

The baselines' probabilities are a softmax of their scores at a temperature fitted on the
train split (least negative log-likelihood; train examples are scored leave-one-out where the
method has seen them), and they abstain below the fit that 5% of in-family train examples fall
under. Both are designed on the train split only.

Example:
    >>> from agora.embeddings import CachedEmbedder, HashEmbedder
    >>> experts = {"geo": "capitals rivers", "chem": "acids molecules"}
    >>> bm25 = BM25Method()
    >>> bm25.fit(experts, [Example("geo", "capitals of rivers"), Example("chem", "acids")])
    >>> bm25.rank(["which rivers"])[0].ranked[0][0]
    'geo'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from agora.embeddings import Embedder
from agora.errors import UserError
from agora.evals.bigbench.metrics import dynamic_count
from agora.evals.router_settings import make_router
from agora.runtime.budget import Budget

__all__ = [
    "DYNAMIC_P",
    "FALSE_ABSTAIN_TARGET",
    "K_MAX",
    "MAX_FORWARDS",
    "BM25Method",
    "CentroidMethod",
    "Example",
    "Method",
    "NearestMethod",
    "Ranking",
    "RouterLike",
    "RouterMethod",
    "decompose_router",
    "default_router",
]

#: Dynamic K's cumulative-probability threshold and cap, as in `agora.evals.router_settings`.
DYNAMIC_P = 0.7
K_MAX = 4
#: The baselines abstain below the fit of this share of in-family train examples.
FALSE_ABSTAIN_TARGET = 0.05
#: Forwards a train task may take in forwarding feedback: the team runtime's default.
MAX_FORWARDS = Budget().max_forwards
_TEMPERATURES = np.logspace(-3, 2, 61)
Feedback = Literal["forward", "own"]
_Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Example:
    """One routed text and the family it comes from."""

    family: str
    text: str


@dataclass(frozen=True, slots=True)
class Ranking:
    """A method's answer for one text.

    Attributes:
        ranked: ``(expert, probability)``, best first (all experts, or a shortlist).
        fit: how well the best expert fits, on the method's own scale.
        abstain: the method says no expert fits.
        chosen: the experts dynamic K takes; ``None``: the shared rule (`DYNAMIC_P`,
            `K_MAX`) over `ranked` decides.
    """

    ranked: tuple[tuple[str, float], ...]
    fit: float
    abstain: bool
    chosen: tuple[str, ...] | None = None

    def dynamic(self) -> tuple[str, ...]:
        """The experts dynamic K takes for this text."""
        if self.chosen is not None:
            return self.chosen
        count = dynamic_count([p for _, p in self.ranked], p=DYNAMIC_P, k_max=K_MAX)
        return tuple(name for name, _ in self.ranked[:count])


@runtime_checkable
class Method(Protocol):
    """A routing method under test (see the module doc)."""

    name: str

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Set up on the experts (name to profile) and the train split."""
        ...

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """Rank the experts for each of `texts`."""
        ...


class RouterLike(Protocol):
    """The part of `agora.agents.Router`'s API the eval drives."""

    def register(self, name: str, expertise: str) -> None:
        """Add an expert."""
        ...

    def route(
        self,
        task: str,
        *,
        exclude: Collection[str] = (),
        mode: Any = None,
        explore: bool | None = None,
    ) -> Any:
        """Rank the experts for `task`; returns an `agora.agents.routing.Route`-like object."""
        ...

    def record(self, route: Any, agent: str, success: float | bool, task: str | None) -> None:
        """Learn from how `agent` did on `task`."""
        ...


RouterFactory = Callable[[Embedder, int], RouterLike]


def default_router(embedder: Embedder, seed: int) -> RouterLike:
    """`agora.evals.router_settings.make_router`'s `Router` (dynamic p = 0.7, K <= 4)."""
    return make_router(embedder, {}, seed=seed)


def decompose_router(embedder: Embedder, seed: int) -> RouterLike:
    """`default_router` with dynamic K by decomposition (``dynamic_rule="decompose"``).

    Its dynamic K takes the best-ranked expert plus every other of the first four whose share
    of a non-negative decomposition of the task's vector is at least 0.2 (`agora.agents.Router`'s
    ``min_share``, chosen on the dev split); top-1 and the probabilities are `default_router`'s.
    """
    return make_router(embedder, {}, seed=seed, dynamic_rule="decompose")


class RouterMethod:
    """A `Router` (or any `RouterLike`) under test.

    Args:
        embedder: passed to `factory`.
        name: the row's name.
        factory: builds an empty router from the embedder and a seed.
        learn_rounds: feedback rounds over the train split before testing (0: profiles only).
        feedback: ``"forward"``: as in a team run, an expert that cannot solve a train task
            passes it on (the router ranks the experts not yet tried, at most
            `agora.runtime.Budget`'s ``max_forwards`` times), and every attempt is recorded,
            the solver's success included; ``"own"``: only the router's first pick is
            recorded.
        teach: first give each expert its family's train examples as solved tasks
            (`agora.agents.Router.teach`): the supervision the example-based baselines get.
        seed: seeds the router and the order of the train split.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        name: str = "router",
        factory: RouterFactory = default_router,
        learn_rounds: int = 0,
        feedback: Feedback = "forward",
        teach: bool = False,
        seed: int = 0,
    ) -> None:
        if feedback not in ("forward", "own"):
            raise UserError(f"feedback must be 'forward' or 'own', got {feedback!r}")
        self.name = name
        self.embedder, self.factory = embedder, factory
        self.learn_rounds, self.feedback, self.seed = learn_rounds, feedback, seed
        self.teach = teach
        self.router: RouterLike | None = None

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Register every expert's profile, then learn from `learn_rounds` over `train`."""
        router = self.router = self.factory(self.embedder, self.seed)
        for name, profile in experts.items():
            router.register(name, profile)
        if self.teach:
            taught = getattr(router, "teach", None)
            if not callable(taught):
                raise UserError(f"{self.name}: this router has no teach(name, tasks) method")
            for name in experts:
                examples = [e.text for e in train if e.family == name]
                if examples:
                    taught(name, examples)
        forwards = MAX_FORWARDS if self.feedback == "forward" else 0
        forwards = min(forwards, len(experts) - 1)
        rng = np.random.default_rng(self.seed)
        for _ in range(self.learn_rounds):
            for index in rng.permutation(len(train)):
                example = train[int(index)]
                _attempt(router, example, forwards)

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """Route each text in dynamic mode, exploration off."""
        if self.router is None:
            raise RuntimeError("call fit() before rank()")
        min_fit = float(getattr(self.router, "min_fit", -math.inf))
        out = []
        for text in texts:
            route = self.router.route(text, mode="dynamic", explore=False)
            fit = float(route.best_fit())
            abstain = getattr(route, "abstain", min_fit > 0 and fit < min_fit)
            out.append(Ranking(tuple(route.ranked), fit, abstain, tuple(route.experts)))
        return out


def _attempt(router: RouterLike, example: Example, forwards: int) -> None:
    """Route `example` top-1 with exploration; on a miss, forward it up to `forwards` times.

    Each expert tried is recorded with whether it was the right one (a scripted expert solves
    exactly its own family's tasks), so the solver's success folds the task into its memory.
    """
    tried: list[str] = []
    for _ in range(forwards + 1):
        route = router.route(example.text, exclude=tried, mode="top1", explore=True)
        right = route.primary == example.family
        router.record(route, route.primary, right, task=example.text)
        if right:
            return
        tried.append(route.primary)


class _Softmaxed:
    """Shared by the baselines: a train-fitted temperature and abstention threshold."""

    name = "baseline"

    def __init__(self) -> None:
        self._names: list[str] = []
        self._temperature = 1.0
        self._threshold = -math.inf

    def _calibrate(self, scores: _Matrix, labels: Sequence[str]) -> None:
        if not len(labels):
            return
        column = {name: i for i, name in enumerate(self._names)}
        rows = np.arange(len(labels))
        truth = np.array([column[label] for label in labels])
        best, best_nll = 1.0, math.inf
        for t in _TEMPERATURES:
            logp = _log_softmax(scores / t)
            nll = float(-logp[rows, truth].mean())
            if nll < best_nll:
                best, best_nll = float(t), nll
        self._temperature = best
        self._threshold = float(np.quantile(scores.max(axis=1), FALSE_ABSTAIN_TARGET))

    def _rankings(self, scores: _Matrix) -> list[Ranking]:
        probs = np.exp(_log_softmax(scores / self._temperature))
        out = []
        for row, prob in zip(scores, probs, strict=True):
            order = np.argsort(-prob, kind="stable")
            ranked = tuple((self._names[i], float(prob[i])) for i in order)
            fit = float(row.max())
            out.append(Ranking(ranked, fit, fit < self._threshold))
        return out


class BM25Method(_Softmaxed):
    """BM25 (k1 = 1.2, b = 0.75) of each text against each expert's profile."""

    def __init__(self, *, name: str = "BM25 over descriptions") -> None:
        super().__init__()
        self.name = name
        self._docs: list[Counter[str]] = []
        self._idf: dict[str, float] = {}
        self._avg = 1.0

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Index the profiles; calibrate on `train` (which the index never saw)."""
        self._names = list(experts)
        self._docs = [Counter(_words(text)) for text in experts.values()]
        n = len(self._docs)
        df = Counter(word for doc in self._docs for word in doc)
        self._idf = {w: math.log((n - c + 0.5) / (c + 0.5) + 1.0) for w, c in df.items()}
        self._avg = max(1.0, sum(sum(d.values()) for d in self._docs) / max(1, n))
        self._calibrate(self._scores([e.text for e in train]), [e.family for e in train])

    def _scores(self, texts: Sequence[str]) -> _Matrix:
        out = np.zeros((len(texts), len(self._docs)))
        lengths = [sum(d.values()) for d in self._docs]
        for i, text in enumerate(texts):
            for word in set(_words(text)) & self._idf.keys():
                idf = self._idf[word]
                for j, doc in enumerate(self._docs):
                    tf = doc.get(word, 0)
                    if tf:
                        norm = 1.2 * (0.25 + 0.75 * lengths[j] / self._avg)
                        out[i, j] += idf * tf * 2.2 / (tf + norm)
        return out

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """BM25 scores, softmaxed at the fitted temperature."""
        return self._rankings(self._scores(texts))


class _Embedded(_Softmaxed):
    def __init__(self, embedder: Embedder, name: str) -> None:
        super().__init__()
        self.name = name
        self.embedder = embedder
        self._train = np.zeros((0, embedder.dim))
        self._labels: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)

    def _embed(self, texts: Sequence[str]) -> _Matrix:
        if not texts:
            return np.zeros((0, self.embedder.dim))
        return np.asarray(self.embedder.embed(list(texts)), dtype=np.float64)

    def _setup(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        self._names = [name for name in experts if any(e.family == name for e in train)]
        column = {name: i for i, name in enumerate(self._names)}
        kept = [e for e in train if e.family in column]
        self._train = self._embed([e.text for e in kept])
        self._labels = np.array([column[e.family] for e in kept], dtype=np.intp)


class NearestMethod(_Embedded):
    """Cosine to the nearest train example of each family (leave-one-out on train)."""

    def __init__(self, embedder: Embedder, *, name: str = "nearest train example") -> None:
        super().__init__(embedder, name)

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Embed the train split; calibrate leave-one-out on it."""
        self._setup(experts, train)
        sims = self._train @ self._train.T
        np.fill_diagonal(sims, -np.inf)
        self._calibrate(self._per_family(sims), [self._names[i] for i in self._labels])

    def _per_family(self, sims: _Matrix) -> _Matrix:
        out = np.full((len(sims), len(self._names)), -1.0)
        for j in range(len(self._names)):
            cols = sims[:, self._labels == j]
            if cols.shape[1]:
                out[:, j] = np.maximum(cols.max(axis=1), -1.0)
        return out

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """Nearest-example cosines per family, softmaxed at the fitted temperature."""
        return self._rankings(self._per_family(self._embed(texts) @ self._train.T))


class CentroidMethod(_Embedded):
    """Cosine to the normalized mean of each family's train examples."""

    def __init__(self, embedder: Embedder, *, name: str = "class centroid") -> None:
        super().__init__(embedder, name)
        self._sums = np.zeros((0, embedder.dim))

    def fit(self, experts: Mapping[str, str], train: Sequence[Example]) -> None:
        """Average the train split per family; calibrate leave-one-out on it."""
        self._setup(experts, train)
        self._sums = np.zeros((len(self._names), self.embedder.dim))
        np.add.at(self._sums, self._labels, self._train)
        scores = self._train @ _unit_rows(self._sums).T
        for i, (x, j) in enumerate(zip(self._train, self._labels, strict=True)):
            rest = self._sums[j] - x  # the centroid without the example itself
            norm = float(np.linalg.norm(rest))
            scores[i, j] = float(x @ rest) / norm if norm > 1e-9 else 0.0
        self._calibrate(scores, [self._names[i] for i in self._labels])

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """Centroid cosines, softmaxed at the fitted temperature."""
        return self._rankings(self._embed(texts) @ _unit_rows(self._sums).T)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _log_softmax(x: _Matrix) -> _Matrix:
    shifted = x - x.max(axis=1, keepdims=True)
    out: _Matrix = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def _unit_rows(matrix: _Matrix) -> _Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: _Matrix = matrix / np.where(norms > 0, norms, 1.0)
    return out
