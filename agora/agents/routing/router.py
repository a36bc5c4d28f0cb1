"""`Router`: scores the agents a task could go to, and learns from how they did.

The router is a scoring service, not a manager: it never holds a task. The agent holding a
task asks it to rank *its own* unvisited neighbours and then decides. A score combines

* **fit**, the similarity between the task and each agent's vector: its profile (its
  expertise, drifting toward the tasks it solved) blended with the running mean of the tasks
  it solved, the mean weighing ``n / (n + prior)`` after ``n`` solved tasks (with
  ``normalize``, the cosine to that blend; with ``repel``, the mean of the tasks it failed
  pushes it away);
* **lexical evidence** (``lexical_weight`` > 0), BM25 of the task's words against the
  agent's expertise plus the texts of the tasks it solved (`agora.agents.routing._lexical`),
  as a share of the most a query can score or (``lexical_relative``) of the best
  shortlisted agent's; with ``learn_lexical`` its weight is refit from outcomes;
* **reliability**, a Beta posterior per agent and topic updated from outcomes (topics are
  clusters of task embeddings found online);
* **load**, the tasks an agent holds right now.

Scoring is two-stage so it stays under a millisecond over 10,000 candidates: one
matrix-vector product over all profiles and an ``argpartition`` pick a shortlist
(`agora.agents.routing._index`), which is then reranked with lexical evidence, reliability and
load, and turned into probabilities by a softmax. Because the blend is linear in the task
vector, the first pass already scores the full fit.

With ``calibrate`` on, `Router.record` keeps its outcomes and refits the softmax temperature
to them (the recorded agent's probability against its success), and the abstain threshold
``min_fit`` to the best fit that ``abstain_quantile`` of the routes whose pick succeeded fall
under (the best fit is what the abstain check compares); `Route.abstain` then says no
expert fits.
Modes: ``top1``, ``topk`` (fixed K) and ``dynamic`` (Harder Tasks Need More Experts: take
experts in order until their cumulative probability reaches ``p``, at most ``k_max``). With
``dynamic_rule="decompose"``, dynamic mode instead takes the best-ranked expert plus every
other of the first ``k_max`` whose share of a non-negative decomposition of the task's vector
is at least ``min_share`` (`agora.agents.routing._mix`): a task that needs two fields gets both
experts even when the softmax is sure of one.

Example:
    >>> from agora.embeddings import HashEmbedder
    >>> router = Router(HashEmbedder())
    >>> router.register("geo", "geography: capitals, countries, rivers")
    >>> router.register("chem", "chemistry: elements, molecules, reactions")
    >>> router.route("What is the capital of Peru?").primary
    'geo'
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from agora._checks import check_text
from agora.agents.routing import _args as args
from agora.agents.routing._index import (
    COARSE_FROM,
    CoarseIndex,
    RowSets,
    candidate_rows,
    grow,
    softmax,
    unit,
)
from agora.agents.routing._index import shortlist as shortlist_of
from agora.agents.routing._learn import Calibrator, Centroid
from agora.agents.routing._lexical import Lexicon, words
from agora.agents.routing._mix import decomposed
from agora.agents.routing._topics import Reliability, Topics
from agora.agents.routing.route import Route, RouteMode
from agora.embeddings.cached import CachedEmbedder
from agora.errors import ConfigError, UserError

if TYPE_CHECKING:
    from agora.embeddings import Embedder

__all__ = ["COARSE_FROM", "DynamicRule", "Route", "RouteMode", "Router"]

_MODES = ("top1", "topk", "dynamic")
DynamicRule = Literal["cumulative", "decompose"]
_Vec = npt.NDArray[np.float32]


class Router:
    """Ranks candidate agents for a task and learns per-topic reliability from outcomes.

    Args:
        embedder: turns text into unit vectors (default: `agora.embeddings.default_embedder`).
        mode: ``"top1"``, ``"topk"`` or ``"dynamic"``.
        k: experts chosen in ``topk`` mode.
        p: cumulative probability that ends ``dynamic`` selection (the expert that crosses
            it is included, so at least one is chosen).
        k_max: most experts ``dynamic`` mode chooses.
        temperature: softmax temperature over scores; lower is more decisive (with
            ``calibrate``, the starting value until outcomes refit it).
        reliability_weight: how much a reliability of 1 (or 0) adds to (or takes from) a score.
        load_weight: score taken off per task an agent currently holds.
        drift: how far an agent's profile moves toward each task it solves (0 disables).
        memory_size: solved tasks the running mean of an agent's solved tasks counts at
            most (later ones move it as an exponential mean).
        prior: how many solved tasks the profile is worth: after ``n`` the agent's vector
            is ``(prior * profile + n * mean) / (prior + n)``.
        repel: how far the tasks an agent failed push its vector away: ``repel * m / (m +
            prior)`` times their mean after ``m`` failures (0: failures only lower reliability).
        shortlist: candidates reranked after the first, similarity-only pass.
        topic_threshold: cosine similarity to a topic's centroid to join it (0.3 suits
            MiniLM, whose same-field questions sit at 0.3-0.5).
        max_topics: topics kept; later tasks join the nearest one.
        explore: sample reliabilities from their posteriors (Thompson sampling) instead of
            using their means, so untried experts get tried.
        seed: seed for exploration.
        min_fit: a task whose best similarity to every candidate is below this fits none
            of them; the team then emits `agora.runtime.events.NoFit` with the scores (it
            still routes to the best). 0.15 suits MiniLM, whose unrelated texts sit near 0
            and same-field ones at 0.3-0.5; 0 or less turns the check off. With
            ``abstain_quantile`` > 0 and ``calibrate``, outcomes replace it.
        calibrate: refit ``temperature`` (and ``min_fit``) to recorded outcomes, every
            ``calibrate_every`` of them once that many exist.
        calibrate_every: outcomes between refits.
        abstain_quantile: ``min_fit`` becomes the best fit (a route's highest, each task
            left out of the memories that hold it) this share of recorded successes fall
            under: about this share of tasks some expert can solve are then wrongly
            abstained on (0 keeps ``min_fit`` as given).
        lexical_weight: how much lexical evidence adds to a shortlisted agent's score: BM25
            of the task's words against the agent's expertise plus the tasks it solved,
            scaled into [0, 1) (0 turns it off; a task given as a vector gets none).
        normalize: score the cosine to each agent's blended vector instead of the dot
            product, so an agent whose solved tasks are spread out (a short mean) is not
            outscored by one whose tasks all look alike.
        lexical_relative: scale each shortlisted agent's BM25 by the best shortlisted
            agent's (the best gets 1) instead of by the most the query's words can score,
            so the evidence separates agents even when the task shares few words with any.
        learn_lexical: with ``calibrate``, refit ``lexical_weight`` with the temperature
            from recorded outcomes (the weight among
            `agora.agents.routing._learn.LEXICAL_WEIGHTS`, 0 to 0.5, whose softmax best
            predicts them); ``lexical_weight`` is the starting value. Lexical evidence is
            then computed even while its weight is 0.
        dynamic_rule: how ``dynamic`` mode counts experts: ``"cumulative"`` (take them in
            order until their probabilities reach ``p``) or ``"decompose"`` (the best-ranked
            one plus every other of the first ``k_max`` whose share of a non-negative
            least-squares decomposition of the task's vector onto theirs, all centred on the
            mean agent vector (not centred when those are all the agents), is at least
            ``min_share``; ``p`` is then unused). Decompose
            takes both experts of a task that needs two fields far more often at a small
            cost in experts per ordinary task (see `docs/evals.md`, *Dynamic K by
            decomposition*).
        min_share: the share of the decomposition's weight an expert other than the first
            needs under ``dynamic_rule="decompose"`` (0.2 was chosen on a dev split; 0
            takes every one with a positive weight).

    The options other than ``embedder``, ``seed``, ``calibrate`` and ``calibrate_every`` stay
    attributes of the same name; a change to one is checked as the constructor checks it
    (`ConfigError`, the old value kept), and ``memory_size``, which sizes the solved-task
    memories and lexical documents, is fixed once it is built. ``embedder`` is there to read:
    the router keeps its own cache of it and its dimension, so build a new router to change
    it.

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> router = Router(HashEmbedder(), mode="dynamic", p=0.9)
        >>> for name, text in [("a", "cooking recipes"), ("b", "baking bread recipes")]:
        ...     router.register(name, text)
        >>> route = router.route("recipes for bread")
        >>> route.k >= 1 and route.primary in ("a", "b")
        True
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        mode: RouteMode = "top1",
        k: int = 3,
        p: float = 0.6,
        k_max: int = 4,
        temperature: float = 0.05,
        reliability_weight: float = 0.3,
        load_weight: float = 0.02,
        drift: float = 0.05,
        memory_size: int = 256,
        prior: float = 4.0,
        repel: float = 0.0,
        shortlist: int = 32,
        topic_threshold: float = 0.3,
        max_topics: int = 1024,
        explore: bool = False,
        seed: int = 0,
        min_fit: float = 0.15,
        calibrate: bool = True,
        calibrate_every: int = 16,
        abstain_quantile: float = 0.05,
        normalize: bool = False,
        lexical_weight: float = 0.0,
        lexical_relative: bool = False,
        learn_lexical: bool = False,
        dynamic_rule: DynamicRule = "cumulative",
        min_share: float = 0.2,
    ) -> None:
        # The settings first: `__setattr__` checks each (before the default embedder loads).
        self.mode: RouteMode = mode
        self.dynamic_rule: DynamicRule = dynamic_rule
        self.k, self.p, self.k_max = k, p, k_max
        self.temperature = temperature
        self.reliability_weight = reliability_weight
        self.load_weight = load_weight
        self.drift = drift
        self.memory_size = memory_size
        self.shortlist = shortlist
        self.topic_threshold = topic_threshold
        self.max_topics = max_topics
        self.explore = explore
        self.min_fit = min_fit
        self.prior = prior
        self.repel = repel
        self.abstain_quantile = abstain_quantile
        self.normalize = normalize
        self.lexical_weight = lexical_weight
        self.lexical_relative = lexical_relative
        self.min_share = min_share
        self.learn_lexical = learn_lexical
        if learn_lexical and calibrate is False:
            raise ConfigError(
                "Router learn_lexical=True needs calibrate=True (the weight is refit from "
                "recorded outcomes); pass calibrate=True or leave learn_lexical off"
            )
        embedder = args.check_options(
            embedder,
            counts=(("calibrate_every", calibrate_every),),
            flags=(("calibrate", calibrate),),
            seed=seed,
        )
        self.embedder = embedder
        self._texts = embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
        self._lexicon = Lexicon(limit=self.memory_size)
        self._calibrator = (
            Calibrator(512, self.shortlist + 1, every=calibrate_every) if calibrate else None
        )
        self._rng = np.random.default_rng(seed)
        dim = int(embedder.dim)
        self._dim = dim
        self._names: list[str] = []
        self._rows: dict[str, int] = {}
        self._expertise: dict[str, str] = {}
        self._profiles: _Vec = np.zeros((16, dim), dtype=np.float32)  # blended: scored
        self._base: _Vec = np.zeros((16, dim), dtype=np.float32)  # expertise, drifted
        self._sum = np.zeros(dim, dtype=np.float64)  # of the scored vectors: their mean centres
        self._memory: dict[str, Centroid] = {}
        self._misses: dict[str, Centroid] = {}  # tasks it failed, when `repel` > 0
        self._reliability = Reliability()
        self._load: dict[str, int] = {}
        self._topics = Topics(dim)
        self._row_sets: RowSets = OrderedDict()
        self._coarse = CoarseIndex()  # the first pass from COARSE_FROM agents on
        self._built = True  # from here on `__setattr__` treats settings as changes

    def __setattr__(self, name: str, value: object) -> None:
        """Check a setting changed after construction as the constructor checks it.

        Raises:
            ConfigError: the value is of the wrong type or out of range (the router keeps its
                old value), ``memory_size`` is changed (it sizes the memories), or
                ``learn_lexical`` is turned on for a router built without ``calibrate``.
        """
        if name in args.SETTINGS:
            built = "_built" in self.__dict__
            value = args.check_setting(name, value, built=built)
            if name == "learn_lexical" and value and built and self._calibrator is None:
                raise ConfigError(
                    "Router learn_lexical=True needs calibrate=True (the weight is refit from "
                    "recorded outcomes); build the router with calibrate=True"
                )
        object.__setattr__(self, name, value)

    # -- membership -------------------------------------------------------------------

    def register(self, name: str, expertise: str) -> None:
        """Add agent `name` with its expertise text (re-registering resets its profile)."""
        args.check_register(name, expertise)
        vector = self.embed(expertise) if expertise.strip() else np.zeros(self._dim, np.float32)
        row = self._rows.get(name)
        if row is None:
            row = len(self._names)
            if row == len(self._profiles):
                self._profiles, self._base = grow(self._profiles), grow(self._base)
            self._names.append(name)
            self._rows[name] = row
        self._base[row] = vector
        self._memory.pop(name, None)
        self._misses.pop(name, None)
        self._refresh(row)
        self._expertise[name] = expertise
        self._lexicon.set(name, expertise)

    def teach(self, name: str, tasks: Sequence[str]) -> None:
        """Fold example tasks that `name` solves into its solved-task memory.

        For experts that come with examples of their work (a labelled train split, past
        runs): each task counts as one solved task in the running mean and in the lexical
        document, as a recorded success would, but changes no reliability, opens no topic,
        does not drift the profile and gives the calibration no outcome (route and `record`
        real tasks for that). Each distinct text counts once in the lexical document.

        Raises:
            UserError: `name` is not registered, or `tasks` is not a list or tuple of
                non-empty strings; nothing is learned then.

        Example:
            >>> from agora.embeddings import HashEmbedder
            >>> router = Router(HashEmbedder())
            >>> router.register("a", "general help")
            >>> router.register("b", "general help")
            >>> router.teach("b", ["knit a scarf", "knit socks"])
            >>> router.route("how do I knit mittens?").primary
            'b'
        """
        texts = args.check_teach(name, tasks, name in self._rows)
        if not texts:
            return
        vectors = self._texts.embed(texts)
        memory = self._memory.get(name)
        if memory is None:
            memory = self._memory[name] = Centroid(self.memory_size, self._dim)
        for text, vector in zip(texts, vectors, strict=True):
            memory.add(vector, text)
            self._lexicon.add(name, text)
        self._refresh(self._rows[name])

    def unregister(self, name: str) -> None:
        """Forget agent `name` (its reliability record is kept should it come back)."""
        args.check_agent(name)
        row = self._rows.pop(name, None)
        if row is None:
            return
        last = len(self._names) - 1
        self._sum -= self._profiles[row]
        if row != last:  # keep rows dense: move the last agent into the gap
            moved = self._names[last]
            self._profiles[row] = self._profiles[last]
            self._base[row] = self._base[last]
            self._project(row)
            self._names[row] = moved
            self._rows[moved] = row
        self._names.pop()
        self._profiles[last] = 0.0
        self._base[last] = 0.0
        self._row_sets.clear()  # rows moved
        self._memory.pop(name, None)
        self._misses.pop(name, None)
        self._expertise.pop(name, None)
        self._lexicon.remove(name)

    def __contains__(self, name: object) -> bool:
        return name in self._rows

    def __len__(self) -> int:
        return len(self._names)

    @property
    def names(self) -> tuple[str, ...]:
        """Registered agents, in registration order (after removals, not exactly)."""
        return tuple(self._names)

    def expertise(self, name: str) -> str:
        """The expertise text `name` was registered with.

        Raises:
            UserError: `name` is not registered.
        """
        args.check_agent(name)
        if name not in self._expertise:
            raise UserError(f"{name!r} is not registered with the router: {list(self._names)}")
        return self._expertise[name]

    # -- load -------------------------------------------------------------------------

    def begin(self, name: str) -> None:
        """Count one more task held by `name` (the runtime calls this on delivery)."""
        args.check_agent(name)
        self._load[name] = self._load.get(name, 0) + 1

    def end(self, name: str) -> None:
        """Count one task fewer held by `name`."""
        args.check_agent(name)
        self._load[name] = max(0, self._load.get(name, 0) - 1)

    # -- scoring ----------------------------------------------------------------------

    def embed(self, text: str) -> _Vec:
        """The unit vector of `text` (cached: routers see the same task text many times)."""
        vector: _Vec = self._texts.embed([text])[0]
        return vector

    def route(
        self,
        task: str | _Vec,
        candidates: Sequence[str] | None = None,
        *,
        exclude: Collection[str] = (),
        mode: RouteMode | None = None,
        k: int | None = None,
        p: float | None = None,
        explore: bool | None = None,
    ) -> Route:
        """Rank `candidates` (default: every registered agent) for `task` and choose experts.

        Args:
            task: the task text, or its embedding.
            candidates: agent names to consider; unknown names raise `UserError`.
            exclude: names never chosen (e.g. agents the task already visited).
            mode: overrides the router's mode for this call.
            k: overrides ``k`` (``topk``) for this call.
            p: overrides ``p`` (``dynamic``) for this call.
            explore: overrides ``explore`` for this call (e.g. off while evaluating).

        Routing changes no state: topics are opened and reliabilities learned by `record`.

        Raises:
            UserError: no candidate is left, a candidate is not registered, or an argument is
                of the wrong type or out of range (``k < 1``, ``p`` outside [0, 1]...).
        """
        mode = self.mode if mode is None else mode
        args.check_choice("mode", mode, _MODES)
        vector = args.query_vector(task, self._dim)
        names_in, exclude = args.check_route(candidates, exclude, k, p, explore)
        query = self.embed(task) if vector is None else vector  # type: ignore[arg-type]
        rows = candidate_rows(self._rows, len(self._names), names_in, exclude, self._row_sets)
        picked, sims = shortlist_of(
            self._profiles, len(self._names), query, rows, self.shortlist, self._coarse
        )
        topic = self._topic(query, create=False)
        sample = self.explore if explore is None else explore
        names = [self._names[r] for r in picked]
        fits = sims.astype(np.float64)
        evidence = fits
        if vector is None:
            lexical = self._lexical(task, names)  # type: ignore[arg-type]
            if lexical is not None:
                evidence = fits + self.lexical_weight * lexical
        logits = self._scores(names, evidence, topic, sample)
        probs = softmax(logits / self.temperature)
        order = np.argsort(-probs, kind="stable")
        ranked = tuple((names[i], float(probs[i])) for i in order)
        fit = tuple((names[i], round(float(fits[i]), 4)) for i in order)
        if mode == "dynamic" and self.dynamic_rule == "decompose":
            top = picked[order[: self.k_max]]
            # Centred on the mean of every agent, unless these are all of them (their centred
            # vectors would then sum to zero and one direction be lost).
            centre = self._sum / len(self._names) if len(self._names) > len(top) else self._sum * 0
            chosen = decomposed(
                self._profiles[top],
                query,
                centre,
                min_share=self.min_share,
                k_max=self.k_max,
            )
            experts = tuple(ranked[i][0] for i in chosen)
        else:
            count = self._count(mode, [pr for _, pr in ranked], k, p)
            experts = tuple(name for name, _ in ranked[:count])
        abstain = self.min_fit > 0 and float(fits.max()) < self.min_fit
        return Route(experts, ranked, topic, mode, fit=fit, abstain=abstain)

    def _lexical(
        self, task: str, names: Sequence[str], left_out: str | None = None
    ) -> npt.NDArray[np.float64] | None:
        """The lexical evidence for `names` (None when the router uses none)."""
        if self.lexical_weight <= 0 and not self.learn_lexical:
            return None
        lexical = self._lexicon.scores(words(task), names, left_out=left_out)
        if self.lexical_relative and len(lexical):
            top = float(lexical.max())
            if top > 0:
                lexical = lexical / top
        return lexical

    def _project(self, row: int) -> None:
        self._coarse.project(row, self._profiles[row], len(self._profiles))

    def _refresh(self, row: int) -> None:
        """Recompute the scored vector of `row`: its profile blended with its solved tasks."""
        name = self._names[row]
        memory, misses = self._memory.get(name), self._misses.get(name)
        vector = self._base[row] if memory is None else memory.blend(self._base[row], self.prior)
        if misses is not None and self.repel > 0:
            vector = vector - self.repel * misses.weight(self.prior) * misses.mean
        scored = unit(vector) if self.normalize else vector
        self._sum += scored.astype(np.float64) - self._profiles[row]
        self._profiles[row] = scored
        self._project(row)

    def _scores(
        self, names: Sequence[str], fits: npt.NDArray[np.float64], topic: int, sample: bool
    ) -> npt.NDArray[np.float64]:
        """Fit plus reliability, less load, for each of `names`."""
        ab = self._reliability.counts(names, topic)
        mean = ab[:, 0] / ab.sum(axis=1)
        reliability = self._rng.beta(ab[:, 0], ab[:, 1]) if sample else mean
        load = np.array([self._load.get(name, 0) for name in names], dtype=np.float64)
        out: npt.NDArray[np.float64] = (
            fits + self.reliability_weight * (reliability - 0.5) - self.load_weight * load
        )
        return out

    def _count(self, mode: RouteMode, probs: list[float], k: int | None, p: float | None) -> int:
        if mode == "top1":
            return 1
        if mode == "topk":
            return max(1, min(k or self.k, len(probs)))
        threshold = self.p if p is None else p
        total = 0.0
        for index, prob in enumerate(probs):
            total += prob
            if total >= threshold or index + 1 >= self.k_max:
                return index + 1
        return len(probs)

    def _topic(self, query: _Vec, *, create: bool) -> int:
        limit = self.max_topics
        return self._topics.find(query, threshold=self.topic_threshold, limit=limit, create=create)

    # -- learning ---------------------------------------------------------------------

    def record(
        self, route: Route, agent: str, success: float | bool, task: str | None = None
    ) -> None:
        """Learn from how `agent` did on the task `route` was made for.

        Updates the agent's Beta reliability for the route's topic; on success (>= 0.5), also
        moves its profile toward the task and folds the task into its solved-task mean. With
        ``calibrate`` (and `task` given), the outcome is kept to refit the temperature and
        ``min_fit``.

        Args:
            route: what `route` returned for the task.
            agent: the agent whose work is judged.
            success: 1/True for right, 0/False for wrong, or a grade in between.
            task: the task text (needed for the profile drift and the memory).

        Raises:
            UserError: `success` is not a bool or a number in [0, 1], or another argument is
                of the wrong type.
        """
        score = args.check_record(route, agent, success, task)
        query = None if task is None else self.embed(task)
        topic = route.topic
        if topic >= len(self._topics):  # made by another router (e.g. from a journal)
            topic = -1
        if topic < 0 and query is not None:
            topic = self._topic(query, create=True)
        if query is not None and agent in self._rows:
            self._observe(route, agent, score, (query, task or ""), topic)
        self._reliability.update(agent, topic, score)
        if query is None or agent not in self._rows:
            return
        self._topics.join(topic, query)
        row = self._rows[agent]
        if score < 0.5:
            if self.repel > 0:
                self._misses.setdefault(agent, Centroid(self.memory_size, self._dim)).add(query)
                self._refresh(row)
            return
        if self.drift > 0 and self._base[row].any():
            self._base[row] = unit((1 - self.drift) * self._base[row] + self.drift * query)
        memory = self._memory.get(agent)
        if memory is None:
            memory = self._memory[agent] = Centroid(self.memory_size, self._dim)
        memory.add(query, task)
        if task is not None:
            self._lexicon.add(agent, task)
        self._refresh(row)

    def _observe(
        self, route: Route, agent: str, score: float, task: tuple[_Vec, str], topic: int
    ) -> None:
        """Keep the outcome for calibration, scored as the router sees the task now.

        The task itself is left out of the solved-task means that hold it.
        """
        if self._calibrator is None:
            return
        query, text = task
        names = [name for name, _ in route.ranked if name in self._rows]
        # A shortlist widened after construction: keep what the calibrator holds (it was
        # sized by the shortlist then), the judged agent included.
        names = names[: self._calibrator.width - (agent not in names[: self._calibrator.width])]
        if agent not in names:
            names.append(agent)
        rows = np.fromiter((self._rows[n] for n in names), np.intp, len(names))
        fits = (self._profiles[rows] @ query).astype(np.float64)
        for i, name in enumerate(names):
            memory = self._memory.get(name)
            if memory is None:
                continue
            if not self.normalize:
                fits[i] = memory.left_out(float(fits[i]), text, self.prior)
                continue
            without = memory.blend_without(self._base[rows[i]], query, text, self.prior)
            if without is not None:
                fits[i] = float(unit(without) @ query)
        lexical = self._lexical(text, names, left_out=text)
        scores = self._scores(names, fits, topic, sample=False)  # lexical evidence apart
        index = names.index(agent)
        # The abstain check compares a route's best fit with min_fit: learn it from the same.
        if self._calibrator.add(scores, index, score, float(fits.max()), lexical):
            if self.learn_lexical:
                self.temperature, self.lexical_weight = self._calibrator.weights()
            else:
                weight = self.lexical_weight if lexical is not None else 0.0
                self.temperature = self._calibrator.temperature(weight)
            quantile = self.abstain_quantile
            learned = self._calibrator.min_fit(quantile) if quantile > 0 else None
            if learned is not None:  # a left-out fit can fall just outside [-1, 1]
                self.min_fit = min(1.0, max(-1.0, learned))

    def topic_of(self, task: str) -> int:
        """The topic `task` belongs to (-1: none yet)."""
        check_text(task, "task", error=UserError)
        return self._topic(self.embed(task), create=False)

    def reliability(self, agent: str, topic: int) -> float:
        """The posterior mean reliability of `agent` on `topic` (0.5 before any outcome)."""
        args.check_agent(agent)
        args.check_topic(topic)
        return self._reliability.mean(agent, topic)
