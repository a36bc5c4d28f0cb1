"""Per-conversation state machine: which messages are possible at this point of a run.

A task is *held* by the agent it was delivered to. The holder may answer it (the answer goes to
whoever awaits the task), forward it (the neighbour becomes the holder and the holder's duty
passes on) or split it (each part is held by its recipient, whose answers return to the
splitter, who still owes the answer to the whole). Anything else is impossible and rejected
with `ProtocolError`: an answer to no task, a reply from an agent that was never asked, an
answer sent to someone who is not waiting for it, a second answer to the same task.

Example:
    >>> from agora.protocols.payloads import Task, Answer
    >>> conv = Conversation("c1")
    >>> task = Envelope(conversation_id="c1", sender="user", recipients=["a"],
    ...                 payload=Task(text="2+2?"))
    >>> conv.accept(task)
    >>> conv.accept(Envelope(conversation_id="c1", parent_id="nope", sender="a",
    ...                      recipients=["user"], payload=Answer(text="4")))
    Traceback (most recent call last):
    ...
    agora.errors.ProtocolError: answer refers to unknown task 'nope'

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agora.errors import IdentityError, ProtocolError
from agora.protocols.envelope import Envelope

__all__ = ["USER", "Conversation", "Holding"]

#: The name of the caller outside the team (the sender of the first task).
USER = "user"


@dataclass(slots=True)
class Holding:
    """One agent's duty to answer one task carrier (task, forward or split part).

    ``forwarded_to`` names the holding (forward id, new holder) that took the duty over.
    """

    holder: str
    owner: str
    open: bool = True
    waiting_on_split: str | None = None
    forwarded_to: tuple[str, str] | None = None


class Conversation:
    """Tracks held tasks of one conversation and rejects impossible messages.

    Args:
        conversation_id: the conversation's id.
        verifier: called on every envelope before anything else (e.g.
            ``agora.identity.verifier(keyring)``); it raises `IdentityError` for a message
            its sender did not sign. With a verifier, a replayed envelope (an id seen
            before, or one signed for another conversation) is an `IdentityError` too.
    """

    def __init__(
        self, conversation_id: str, *, verifier: Callable[[Envelope], object] | None = None
    ) -> None:
        self.id = conversation_id
        self.participants: set[str] = {USER}
        self.holdings: dict[tuple[str, str], Holding] = {}
        self.seen: set[str] = set()
        self.verifier = verifier

    def accept(self, env: Envelope) -> None:
        """Check `env` against the conversation so far and record it.

        Raises:
            IdentityError: the verifier rejected it, or (with a verifier) it is a replay.
            ProtocolError: the message is impossible here; nothing is recorded.
        """
        if self.verifier is not None:
            self.verifier(env)
        if env.conversation_id != self.id:
            self._refuse(
                f"conversation_id {env.conversation_id!r} does not belong to conversation "
                f"{self.id!r}",
                "conversation_id",
                env,
            )
        if env.id in self.seen:
            self._refuse(f"duplicate message id {env.id!r}", "id", env)
        if env.sender not in self.participants:
            raise ProtocolError(
                f"sender {env.sender!r} is not part of conversation {self.id!r}: "
                "no task was ever delivered to it",
                field="sender",
            )
        kind = env.payload.kind
        if kind == "task":
            self._accept_task(env)
        elif kind in ("forward", "split", "answer"):
            held = self._held_by_sender(env)
            if kind == "forward":
                self._accept_forward(env, held)
            elif kind == "split":
                self._accept_split(env, held)
            else:
                self._accept_answer(env, held)
        elif kind == "critique" and (env.parent_id is None or env.parent_id not in self.seen):
            raise ProtocolError(
                f"critique refers to unknown message {env.parent_id!r}", field="parent_id"
            )
        self.seen.add(env.id)

    def _refuse(self, message: str, field: str, env: Envelope) -> None:
        """A replay when messages are verified (its signature is good), else a bad message."""
        if self.verifier is None:
            raise ProtocolError(message, field=field)
        from agora.protocols.payloads import Alert

        text = f"replayed envelope {env.id!r} from {env.sender!r} refused: {message}"
        raise IdentityError(
            text, field=field, alert=Alert(level="critical", text=text), envelope_id=env.id
        )

    def open_tasks(self) -> list[tuple[str, str]]:
        """The (carrier id, holder) pairs still waiting for an answer."""
        return [key for key, h in self.holdings.items() if h.open]

    def _open(self, carrier_id: str, holders: list[str], owner: str) -> None:
        for holder in holders:
            self.holdings[(carrier_id, holder)] = Holding(holder=holder, owner=owner)
            self.participants.add(holder)

    def _accept_task(self, env: Envelope) -> None:
        self._open(env.id, env.recipients, env.sender)

    def _held_by_sender(self, env: Envelope) -> Holding:
        if env.parent_id is None:
            raise ProtocolError(
                f"a {env.payload.kind} must name the task it continues in parent_id",
                field="parent_id",
            )
        held = self.holdings.get((env.parent_id, env.sender))
        if held is None:
            if not any(cid == env.parent_id for cid, _ in self.holdings):
                raise ProtocolError(
                    f"{env.payload.kind} refers to unknown task {env.parent_id!r}",
                    field="parent_id",
                )
            raise ProtocolError(
                f"sender: {env.sender!r} answered task {env.parent_id!r} but was never asked "
                "to hold it",
                field="sender",
            )
        if not held.open:
            raise ProtocolError(
                f"task {env.parent_id!r} held by {env.sender!r} was already handled",
                field="parent_id",
            )
        return held

    @staticmethod
    def _check_no_revisit(env: Envelope) -> None:
        for recipient in env.recipients:
            if recipient == env.sender or recipient in env.path[:-1]:
                raise ProtocolError(
                    f"{recipient!r} already held this task; a task never revisits an agent",
                    field="recipients",
                )

    def _accept_forward(self, env: Envelope, held: Holding) -> None:
        self._check_no_revisit(env)
        if len(env.recipients) != 1:
            raise ProtocolError("a forward goes to exactly one recipient", field="recipients")
        if held.waiting_on_split is not None:
            raise ProtocolError("a split task cannot be forwarded", field="parent_id")
        held.open = False
        held.forwarded_to = (env.id, env.recipients[0])
        self._open(env.id, env.recipients, held.owner)

    def _accept_split(self, env: Envelope, held: Holding) -> None:
        self._check_no_revisit(env)
        assert env.payload.kind == "split"
        targets = [part.to for part in env.payload.parts]
        if sorted(set(targets)) != sorted(env.recipients) or len(set(targets)) != len(targets):
            raise ProtocolError(
                "a split's recipients must be exactly its parts' distinct targets",
                field="recipients",
            )
        if held.waiting_on_split is not None:
            raise ProtocolError("this task is already split", field="parent_id")
        held.waiting_on_split = env.id
        self._open(env.id, env.recipients, env.sender)

    def _accept_answer(self, env: Envelope, held: Holding) -> None:
        if env.recipients != [held.owner]:
            raise ProtocolError(
                f"the answer must go to {held.owner!r}, who awaits it, not {env.recipients}",
                field="recipients",
            )
        if held.waiting_on_split is not None:
            parts = [k for k in self.holdings if k[0] == held.waiting_on_split]
            if not all(self._settled(k) for k in parts):
                raise ProtocolError(
                    "the task was split and not every part has been answered yet",
                    field="parent_id",
                )
        held.open = False

    def _settled(self, key: tuple[str, str]) -> bool:
        """Whether the duty behind `key` was answered, following it along any forwards."""
        held = self.holdings[key]
        while held.forwarded_to is not None:
            held = self.holdings[held.forwarded_to]
        return not held.open
