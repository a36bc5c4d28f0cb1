"""Argument checks and small helpers of `CrossTeam` (internal)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from agora._checks import check_bool, check_int, check_number
from agora.agents.agent import Agent
from agora.errors import ConfigError, ProtocolError, UserError
from agora.identity import Keyring
from agora.models.base import Model, ModelSettings
from agora.protocols.conversation import USER
from agora.protocols.payloads import MAX_TEXT, Task
from agora.runtime.budget import Budget

if TYPE_CHECKING:
    from agora.runtime.team import Team

T = TypeVar("T")
MAX_TEAMS = 32


def check_teams(teams: object, aggregator: str) -> list[Team]:
    """The teams as a list, or `ConfigError` naming what is wrong with them."""
    from agora.runtime.team import Team

    if isinstance(teams, Team | str) or not isinstance(teams, Iterable):
        raise ConfigError("CrossTeam takes a list of Teams, e.g. CrossTeam([team_a, team_b])")
    teams = list(teams)
    if not 1 <= len(teams) <= MAX_TEAMS:
        raise ConfigError(f"CrossTeam needs 1 to {MAX_TEAMS} teams, got {len(teams)}")
    if not all(isinstance(team, Team) for team in teams):
        raise ConfigError("CrossTeam's teams must be Team objects")
    names = [team.name for team in teams]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"two teams share a name in {names}; name each one (Team(..., name='team1')): "
            "it signs the team's proposals"
        )
    if USER in names or aggregator in names:
        raise ConfigError(
            f"a team is named {USER!r} or like the aggregator ({aggregator!r}); rename it"
        )
    return teams


def check_options(
    *,
    aggregator: object,
    scorer: object,
    prune: object,
    prune_above: object,
    insights: object,
    group_size: object,
    context_tokens: object,
    temperature: object,
    budget: object,
    tokens: object,
) -> None:
    """Raise `ConfigError` naming the first bad option of `CrossTeam`."""
    if not isinstance(aggregator, Agent):
        raise ConfigError(f"aggregator must be an Agent, got {type(aggregator).__name__}")
    if scorer is not None and not (callable(getattr(scorer, "score", None)) or callable(scorer)):
        raise ConfigError(
            "scorer must have a score(candidate) -> float method or be such a function, "
            f"got {type(scorer).__name__}"
        )
    check_bool(prune, "prune")
    check_bool(insights, "insights")
    check_int(prune_above, "prune_above", low=1)
    check_int(group_size, "group_size", low=2, high=4)
    check_int(context_tokens, "context_tokens", low=1)
    check_number(temperature, "temperature", low=0.0)
    if budget is not None and not isinstance(budget, Budget):
        raise ConfigError(f"budget must be a Budget, got {type(budget).__name__}")
    if tokens is not None and not callable(tokens):
        raise ConfigError(f"tokens must count a text's tokens, got {type(tokens).__name__}")


def check_keyring(keyring: object, signers: Sequence[str]) -> Keyring:
    """`keyring`, or a fresh Ed25519 one; `ConfigError` if it cannot sign for everyone."""
    if keyring is None:
        return Keyring.generate(signers, kind="ed25519", domain="crossteam")
    if not isinstance(keyring, Keyring):
        raise ConfigError(f"keyring must be a Keyring, got {type(keyring).__name__}")
    for name in (USER, *signers):
        if not keyring.can_sign(name):
            raise ConfigError(
                f"the keyring cannot sign as {name!r}; CrossTeam signs as every team, the "
                f"aggregator and 'user' (agora keys new FILE --agents {','.join(signers)} "
                "--kind ed25519)"
            )
    return keyring


def verifying_keyring(keyring: Keyring, signers: Sequence[str]) -> Keyring:
    """What the pool verifies with: public keys only, where every signer has a key pair."""
    if all(keyring.kind(name) == "ed25519" for name in (USER, *signers)):
        return keyring.public()
    return keyring


def task_payload(task: object, context: object) -> Task:
    """The shared task, or `UserError` for an empty or overlong one."""
    if not isinstance(task, str) or not task.strip():
        raise UserError("the task must be a non-empty string")
    if not isinstance(context, str):
        raise UserError(f"context must be a string, got {type(context).__name__}")
    try:
        return Task(text=task, context=context)
    except ProtocolError as exc:
        raise UserError(f"invalid task: {exc}") from None


def clip(text: str) -> str:
    """`text` cut to what a payload holds."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT]


def approx_tokens(text: str) -> int:
    """A model-free token estimate: about four characters a token."""
    return max(1, len(text) // 4)


async def gather_or_cancel(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Run `coros` concurrently; on the first failure cancel the rest and raise it."""
    tasks: list[asyncio.Future[T]] = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception()]
        pending = [t for t in tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    if failed:
        error = failed[0].exception()
        assert error is not None
        raise error
    return [t.result() for t in tasks]


def scoring_function(scorer: Any) -> Callable[[str], float] | None:
    """``scorer.score``, or `scorer` itself when it is a plain function."""
    if scorer is None:
        return None
    method = getattr(scorer, "score", None)
    return method if callable(method) else scorer  # type: ignore[no-any-return]


def diverse_teams(
    models: Model | str | Sequence[Model | str],
    *,
    teams: int,
    temperatures: Sequence[float] | None,
    personas: Sequence[str],
    settings: ModelSettings,
    max_answer_chars: int,
    instructions: str,
    team_budget: Budget | None = None,
) -> tuple[list[Team], Agent]:
    """One-agent teams differing in temperature, persona and model, and an aggregator."""
    from agora.runtime.team import Team

    pool = [models] if isinstance(models, Model | str) else list(models)
    check_int(teams, "teams", low=1, high=MAX_TEAMS)
    if temperatures is None:
        step = 0.8 / max(1, teams - 1)
        temperatures = [round(0.2 + step * i, 6) for i in range(teams)]
    if team_budget is not None and not isinstance(team_budget, Budget):
        raise ConfigError(f"team_budget must be a Budget, got {type(team_budget).__name__}")
    if len(temperatures) < teams or (personas and len(personas) < teams) or not pool:
        raise ConfigError(
            "give at least one model, and one temperature (and persona, if any) for each "
            f"of the {teams} teams"
        )
    built = [
        Team(
            [
                Agent(
                    "solver",
                    pool[i % len(pool)],
                    instructions=personas[i] if personas else "",
                    settings=replace(settings, temperature=temperatures[i]),
                    max_answer_chars=max_answer_chars,
                )
            ],
            name=f"team{i}",
            budget=team_budget,
        )
        for i in range(teams)
    ]
    aggregator = Agent(
        "aggregator",
        pool[0],
        instructions=instructions,
        settings=settings,
        max_answer_chars=max_answer_chars,
    )
    return built, aggregator
