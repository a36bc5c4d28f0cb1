"""Learning from a judged run: router reliabilities, profiles and edge weights.

`learn` is what `Team.feedback` calls. For every routing choice in the run it grades the
agents chosen: the run's grade for the agent that answered or got the task; a failing grade
for one that got the task and forwarded it on whole, adding nothing, when the holder could
have sent it straight to the agent that answered (the router learns to do that); in a
consult, the run's grade for the experts whose answer agreed with the final one and, when the
run was right, a failing grade for those who disagreed. It records the grades in the router
(Beta reliability per topic; profile drift and solved-task memory on success) and moves the
weights of the edges used toward their grades (`Network.reinforce`; an edge of a plain route
takes the run's grade). A run without routing choices reinforces the edges its envelopes
travelled.

Example:
    >>> from agora.runtime.network import Network
    >>> from agora.runtime.result import Result
    >>> net = Network(["a", "b"]); net.connect("a", "b")
    >>> learn(Result(answer="x", answered_by="b", conversation_id="c"), 1.0, None, net)
"""

from __future__ import annotations

from agora.agents.aggregate import normalize_answer
from agora.agents.routing import Router
from agora.protocols.payloads import Answer, Forward, Split
from agora.runtime.network import Network
from agora.runtime.result import Result

__all__ = ["grades", "learn"]


def grades(result: Result, success: float) -> list[tuple[int, str, float]]:
    """``(route index, expert, grade)`` for every expert the router chose in `result`."""
    answers = _consult_answers(result)
    final = normalize_answer(result.answer)
    out: list[tuple[int, str, float]] = []
    for index, record in enumerate(result.routes):
        if not record.consult:
            out += [
                (index, expert, 0.0 if _passed_on(result, index, expert) else success)
                for expert in record.chosen
            ]
            continue
        for expert in record.chosen:
            agreed = answers.get((expert, record.holder)) == final
            if agreed:
                out.append((index, expert, success))
            elif success >= 0.5:
                out.append((index, expert, 1.0 - success))
    return out


def _passed_on(result: Result, index: int, expert: str) -> bool:
    """Whether `expert`, given the task of route `index`, forwarded it on whole to no purpose.

    Its own routing choice on the same task comes later in `result.routes`; an expert that
    answered, split the task or added a contribution to it is not one that passed it on. Nor
    is one whose holder could not have reached the agent that answered (it was not among the
    holder's candidates): then the forward was the way to the answer.
    """
    record = result.routes[index]
    if expert == record.holder:
        return False
    if result.answered_by not in {name for name, _ in record.route.ranked}:
        return False
    later = result.routes[index + 1 :]
    return any(r.holder == expert and r.task == record.task and r.forwarded for r in later)


def _consult_answers(result: Result) -> dict[tuple[str, str], str]:
    """``(consulted expert, holder) -> normalized answer`` for every experts split.

    The answer to a consult part may come from further down the line (the expert may have
    forwarded its part): it is credited to the expert the part was first given to.
    """
    by_id = {env.id: env for env in result.trace}
    answers: dict[tuple[str, str], str] = {}
    for env in result.trace:
        if not isinstance(env.payload, Answer):
            continue
        expert, parent = env.sender, by_id.get(env.parent_id or "")
        while parent is not None and isinstance(parent.payload, Forward):
            expert, parent = parent.sender, by_id.get(parent.parent_id or "")
        if parent is not None and isinstance(parent.payload, Split):
            answers[(expert, env.recipients[0])] = normalize_answer(env.payload.text)
    return answers


def learn(result: Result, success: float, router: Router | None, network: Network) -> None:
    """Update `router` and `network` from `result`, judged `success` (0 wrong .. 1 right)."""
    if not result.routes:
        network.reinforce(_travelled(result), success)
        return
    for index, expert, grade in grades(result, success):
        record = result.routes[index]
        if router is not None:
            router.record(record.route, expert, grade, task=record.task)
        if expert != record.holder:  # an edge on the path shares the run's grade
            network.reinforce([(record.holder, expert)], grade if record.consult else success)


def _travelled(result: Result) -> list[tuple[str, str]]:
    return [
        (env.sender, to)
        for env in result.trace
        if isinstance(env.payload, Forward | Split)
        for to in env.recipients
    ]
