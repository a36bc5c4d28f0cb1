"""`CrossTeam`: several teams solve one task, share signed proposals, and merge the best.

The shape of *Cross-Team Collaboration* (ChatDev's CTC, later "Croto"):

1. **Solve.** Every `Team` runs the task independently; diversity comes from how the teams
   differ (temperature, persona, model; `CrossTeam.diverse` builds such teams). Each
   answer becomes a `Proposal`, signed by its team, and enters the shared `Pool`, which
   verifies it with public keys only: a tampered or forged proposal is an `IdentityError`.
2. **Exchange insights** (``insights=True``). Each team shares an `Insight` about its
   proposal (the scorer's ``feedback`` where it has one, else a lesson its own agent
   writes), then revises its proposal once, seeing its draft and every team's lesson.
3. **Prune.** Once more than `prune_above` proposals are pooled (CTC: 4), each is scored
   by the objective `scorer` and the top half is kept (`top_half`).
4. **Aggregate.** The survivors are partitioned into groups of up to `group_size`
   (greedily by token length within `context_tokens`, `partition`); the aggregator
   merges each group into one proposal (a lone one passes on unchanged), layer after
   layer until one remains, at a temperature falling with depth
   (`aggregation_temperature`). The last proposal is the answer.

`budget` limits tokens, cost and wall time across every team and the aggregator: usage is
counted after each team run and each aggregation call, and the run stops with
`BudgetExceeded` (its ``partial`` is the `CrossTeamResult` so far) once a limit is passed.
Each team's own `Budget` still bounds its runs.

In one process, the cross team holds every team's private key (it signs for them); the
pool holds public keys only, so it can tell any change made after signing.

Example:
    >>> from agora import Agent, Team
    >>> from agora.testing import ScriptedModel
    >>> teams = [Team([Agent("solver", ScriptedModel([text]))], name=f"t{i}")
    ...          for i, text in enumerate(["draft A", "draft B"])]
    >>> merger = Agent("merger", ScriptedModel(["A and B, merged"]))
    >>> result = CrossTeam(teams, merger, insights=False).run_sync("Write a plan")
    >>> result.answer, [m.sources_from for m in result.merges]
    ('A and B, merged', [('t0', 't1')])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from agora._sync import run_sync
from agora.agents._crossteam_args import (
    approx_tokens,
    check_keyring,
    check_options,
    check_teams,
    clip,
    diverse_teams,
    gather_or_cancel,
    scoring_function,
    task_payload,
    verifying_keyring,
)
from agora.agents._crossteam_result import CrossTeamResult, Merge, Progress
from agora.agents.agent import Agent
from agora.agents.pool import (
    Pool,
    aggregation_depth,
    aggregation_temperature,
    partition,
    top_half,
)
from agora.agents.prompts import aggregation_messages, lesson_messages, revision_context
from agora.errors import AgoraError, BudgetExceeded, RunError
from agora.identity import Keyring, sign, verifier
from agora.models.base import Model, ModelSettings, Usage
from agora.protocols.conversation import USER, Conversation
from agora.protocols.envelope import Envelope, new_id
from agora.protocols.payloads import Insight, Payload, Proposal, Task
from agora.runtime.budget import Budget, BudgetTracker

if TYPE_CHECKING:
    from agora.agents.scoring import Scorer
    from agora.runtime.team import Team

__all__ = ["CrossTeam", "CrossTeamResult", "Merge"]

_MERGER = (
    "You merge several teams' solutions to one task into a single solution that keeps the "
    "strengths of each and none of its mistakes."
)


class CrossTeam:
    """Teams that solve the same task independently, then prune and merge their proposals.

    Args:
        teams: the `Team`s, each with its own name (it signs the team's proposals).
        aggregator: the `Agent` that merges groups of proposals (default: an agent on the
            first team's entry model).
        scorer: a `agora.agents.Scorer` (or a plain ``str -> float`` function) used to prune;
            `agora.agents.CodeScorer` is CTC's for code. Without one, nothing is pruned.
        prune: prune to the top half once more than `prune_above` proposals are pooled.
        prune_above: the pool size above which pruning starts (CTC: 4).
        insights: share an `Insight` per proposal and let every team revise once.
        group_size: proposals merged per aggregation call, 2 to 4.
        context_tokens: token budget of one group's proposals together.
        temperature: the aggregator's temperature at the first layer; it falls to
            ``temperature / depth`` at the last.
        budget: tokens, cost and wall time across all teams and the aggregator (its hops
            and forwards are left to each team's own budget). Default: unlimited.
        keyring: signs as every team, the aggregator and ``"user"`` (default: fresh
            Ed25519 key pairs); the pool verifies with its public keys.
        tokens: counts a text's tokens for the grouping (default: characters / 4).
    """

    def __init__(
        self,
        teams: Sequence[Team],
        aggregator: Agent | None = None,
        *,
        scorer: Scorer | Callable[[str], float] | None = None,
        prune: bool = True,
        prune_above: int = 4,
        insights: bool = True,
        group_size: int = 2,
        context_tokens: int = 8192,
        temperature: float = 1.0,
        budget: Budget | None = None,
        keyring: Keyring | None = None,
        tokens: Callable[[str], int] | None = None,
    ) -> None:
        if aggregator is None:
            aggregator = _default_aggregator(check_teams(teams, "aggregator"))
        check_options(
            aggregator=aggregator,
            scorer=scorer,
            prune=prune,
            prune_above=prune_above,
            insights=insights,
            group_size=group_size,
            context_tokens=context_tokens,
            temperature=temperature,
            budget=budget,
            tokens=tokens,
        )
        assert isinstance(aggregator, Agent)
        self.teams = check_teams(teams, aggregator.name)
        self.aggregator = aggregator
        self.scorer = scorer
        self.prune = prune
        self.prune_above = prune_above
        self.insights = insights
        self.group_size = group_size
        self.context_tokens = context_tokens
        self.temperature = float(temperature)
        self.budget = budget or Budget(hops=None, wall_time_s=None)
        signers = [team.name for team in self.teams] + [aggregator.name]
        self.keyring = check_keyring(keyring, signers)
        #: What the pool verifies with: public keys only when every signer has a key pair.
        self.verifying_keyring = verifying_keyring(self.keyring, signers)
        self.tokens = tokens or approx_tokens
        self._score = scoring_function(scorer)

    @classmethod
    def diverse(
        cls,
        models: Model | str | Sequence[Model | str],
        *,
        teams: int = 3,
        temperatures: Sequence[float] | None = None,
        personas: Sequence[str] = (),
        settings: ModelSettings | None = None,
        max_answer_chars: int = 8000,
        team_budget: Budget | None = None,
        **options: Any,
    ) -> CrossTeam:
        """`teams` one-agent teams that differ in temperature, persona and model.

        Team ``i`` is ``team{i}``, its agent ``solver`` on ``models[i % len(models)]`` at
        ``temperatures[i]`` (default: evenly from 0.2 to 1.0) with ``personas[i]`` as its
        instructions, where given. The aggregator runs on the first model. Each team runs
        under `team_budget` (default: `Team`'s own; teams sharing one local model wait for
        it in turn, and that wait counts toward a wall-time limit, so raise or lift it there:
        ``Budget(wall_time_s=None)``). `options` go to `CrossTeam` (``scorer=``,
        ``insights=``, ``budget=``...).

        Example:
            >>> from agora.testing import ScriptedModel
            >>> ct = CrossTeam.diverse(ScriptedModel(["x"], cycle=True), teams=3)
            >>> [t.member("solver").settings.temperature for t in ct.teams]
            [0.2, 0.6, 1.0]
        """
        built, default = diverse_teams(
            models,
            teams=teams,
            temperatures=temperatures,
            personas=personas,
            settings=settings or ModelSettings(max_tokens=1024),
            max_answer_chars=max_answer_chars,
            instructions=_MERGER,
            team_budget=team_budget,
        )
        aggregator = options.pop("aggregator", None) or default
        return cls(built, aggregator, **options)

    async def run(self, task: str, *, context: str = "") -> CrossTeamResult:
        """Solve `task` with every team, then prune and merge their proposals into one.

        Raises:
            BudgetExceeded: the cross-team budget ran out (``partial``: the run so far).
            IdentityError: a proposal or insight failed verification in the pool.
            RunError: no team gave a proposal (every answer was empty or withheld).
            UserError: the task is empty or too long.
            ModelError: a team's or the aggregator's model failed.
        """
        payload = task_payload(task, context)
        progress = self._start(payload)
        limit = self.budget.wall_time_s
        try:
            try:
                async with asyncio.timeout(limit) as deadline:
                    return await self._run(progress)
            except TimeoutError:
                if not deadline.expired():
                    raise
                used = time.perf_counter() - progress.started
                raise BudgetExceeded("wall_time_s", limit=limit or 0.0, used=used) from None
        except AgoraError as exc:
            if exc.partial is None:
                exc.partial = progress.result()
            raise

    def run_sync(self, task: str, **kwargs: Any) -> CrossTeamResult:
        """`run` for scripts and notebooks without a running event loop."""
        return run_sync(self.run(task, **kwargs))

    # -- the phases ---------------------------------------------------------------------

    def _start(self, payload: Task) -> Progress:
        conversation = Conversation(new_id(), verifier=verifier(self.verifying_keyring))
        recipients = [team.name for team in self.teams] + [self.aggregator.name]
        first = Envelope(
            conversation_id=conversation.id, sender=USER, recipients=recipients, payload=payload
        )
        signed = sign(first, self.keyring)
        conversation.accept(signed)
        return Progress(task=signed, pool=Pool(conversation), tracker=BudgetTracker(self.budget))

    async def _run(self, progress: Progress) -> CrossTeamResult:
        solved = await gather_or_cancel(self._solve(progress, team) for team in self.teams)
        live = [env for env in solved if env is not None]
        if not live:
            raise RunError(
                "no team gave a proposal: every team's answer was empty or withheld; "
                "check the teams' models and guardians"
            )
        if self.insights:
            live = await self._exchange(progress, live)
        live = await self._pruned(progress, live)
        final = await self._aggregate(progress, live)
        return progress.result(final)

    async def _solve(
        self, progress: Progress, team: Team, *, context: str = "", revises: str | None = None
    ) -> Envelope | None:
        progress.tracker.check_tokens()
        task = progress.task.payload
        assert isinstance(task, Task)
        joined = "\n\n".join(part for part in (task.context, context) if part)
        result = await team.run(task.text, context=clip(joined))
        progress.runs.setdefault(team.name, []).append(result)
        self._spend(progress, team.name, result.total_usage)
        if not result.answer.strip():
            return None
        sources = [revises] if revises else []
        proposal = Proposal(text=clip(result.answer), sources=sources)
        return self._pool(progress, team.name, [self.aggregator.name], proposal)

    async def _exchange(self, progress: Progress, live: list[Envelope]) -> list[Envelope]:
        lessons = await gather_or_cancel(self._insight(progress, env) for env in live)
        shared = [(env.sender, _text(env)) for env in lessons]
        revised = await gather_or_cancel(
            self._solve(
                progress,
                self._team(env.sender),
                context=revision_context(_text(env), shared),
                revises=env.id,
            )
            for env in live
        )
        return [new or old for new, old in zip(revised, live, strict=True)]

    async def _insight(self, progress: Progress, proposal: Envelope) -> Envelope:
        text = _text(proposal)
        feedback = getattr(self.scorer, "feedback", None)
        if callable(feedback):
            lesson = str(await asyncio.to_thread(feedback, text))
        else:
            progress.tracker.check_tokens()
            agent = self._team(proposal.sender).member(self._team(proposal.sender).entry)
            task = progress.task.payload
            assert isinstance(task, Task)
            messages = lesson_messages(system=agent.system, task=task.text, solution=text)
            response = await agent.model.request(messages, settings=agent.settings)
            self._spend(progress, proposal.sender, response.usage)
            lesson = response.text
        others = [t.name for t in self.teams if t.name != proposal.sender] or [proposal.sender]
        insight = Insight(text=clip(lesson.strip() or "(no lesson)"))
        return self._pool(progress, proposal.sender, others, insight, parent=proposal.id)

    async def _pruned(self, progress: Progress, live: list[Envelope]) -> list[Envelope]:
        score = self._score
        if score is None or not self.prune or len(live) <= self.prune_above:
            return live
        values = await gather_or_cancel(asyncio.to_thread(score, _text(env)) for env in live)
        for env, value in zip(live, values, strict=True):
            progress.scores[env.id] = float(value)
        kept = top_half(live, lambda env: progress.scores[env.id])
        progress.pruned += [env.id for env in live if env not in kept]
        return kept

    async def _aggregate(self, progress: Progress, live: list[Envelope]) -> Envelope:
        depth, temperature = 0, self.temperature
        planned = aggregation_depth(len(live), self.group_size)
        while len(live) > 1:
            planned = max(planned, depth + aggregation_depth(len(live), self.group_size))
            temperature = min(
                temperature, aggregation_temperature(depth, planned, base=self.temperature)
            )
            sizes = [self.tokens(_text(env)) for env in live]
            groups = partition(sizes, group_size=self.group_size, budget=self.context_tokens)
            live = await gather_or_cancel(
                self._merge(progress, [live[i] for i in group], depth, temperature)
                for group in groups
            )
            depth += 1
        return live[0]

    async def _merge(
        self, progress: Progress, group: list[Envelope], depth: int, temperature: float
    ) -> Envelope:
        if len(group) == 1:
            return group[0]
        progress.tracker.check_tokens()
        task = progress.task.payload
        assert isinstance(task, Task)
        agent = self.aggregator
        messages = aggregation_messages(
            system=agent.system, task=task.text, solutions=[(e.sender, _text(e)) for e in group]
        )
        settings = replace(agent.settings, temperature=temperature)
        response = await agent.model.request(messages, settings=settings)
        self._spend(progress, agent.name, response.usage)
        text = clip(response.text.strip()[: agent.max_answer_chars])
        fallback = not text
        proposal = Proposal(
            text=text or _text(group[0]), layer=depth + 1, sources=[env.id for env in group]
        )
        merged = self._pool(progress, agent.name, [agent.name], proposal)
        progress.merges.append(
            Merge(
                depth=depth,
                temperature=temperature,
                sources=tuple(env.id for env in group),
                sources_from=tuple(env.sender for env in group),
                result=merged.id,
                fallback=fallback,
            )
        )
        return merged

    # -- helpers ------------------------------------------------------------------------

    def _pool(
        self,
        progress: Progress,
        sender: str,
        recipients: list[str],
        payload: Payload,
        *,
        parent: str | None = None,
    ) -> Envelope:
        env = Envelope(
            conversation_id=progress.task.conversation_id,
            parent_id=parent or progress.task.id,
            sender=sender,
            recipients=recipients,
            payload=payload,
        )
        return progress.pool.add(sign(env, self.keyring))

    def _spend(self, progress: Progress, who: str, usage: Usage) -> None:
        progress.usage[who] = progress.usage.get(who, Usage()) + usage
        progress.tracker.spend(usage)

    def _team(self, name: str) -> Team:
        return next(team for team in self.teams if team.name == name)


def _text(env: Envelope) -> str:
    payload = env.payload
    assert isinstance(payload, Proposal | Insight)
    return payload.text


def _default_aggregator(teams: Sequence[Team]) -> Agent:
    first = teams[0]
    model = first.member(first.entry).model
    return Agent("aggregator", model, instructions=_MERGER, max_answer_chars=8000)
