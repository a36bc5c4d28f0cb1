"""Internal: writes a run's message episodes to memory, off the event loop, each once.

The engine hands every envelope's episode to an `EpisodeWriter` as the step is applied. The
writer keeps it in a batch and writes the batch on a small thread pool `delay_s` after the
batch's first episode (one write at a time per writer), so the event loop never waits for
the store (an SQLite commit, a network round trip for a remote store): it pays a list
append per hop and a timer per batch. `EpisodeWriter.drain` writes what is left and waits;
a team run drains before it returns, so its episodes are stored when `agora.Team.run`
returns. (A write per hop, each on a thread, cost an in-process hop about 0.2 ms of thread
hand-offs and commits; batched, a fast run writes once, at its end, and a slow one, whose
hops take longer than `delay_s`, still writes each episode within about `delay_s` of its
step.)

Each batch leaves out the episodes the store already holds (by id: an episode's id is its
envelope's). So a resumed durable run, which replays every journaled step, writes exactly
the episodes a kill lost: a step's episode is handed over only after its journal commit, and
any episode handed over but not yet written when the process died comes back with the step's
replay.

Not public: configure memory with ``agora.Team(memory=Retriever(store, ...))``.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from agora.errors import StoreError
from agora.memory.records import Episode
from agora.memory.store import Store

__all__ = ["EpisodeWriter", "episode_store"]

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:  # a few threads: writers of one store wait on its lock anyway
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="agora-episodes")
        return _POOL


def episode_store(memory: object) -> Store | None:
    """The store a team's `memory` (a `agora.memory.Retriever`) reads, or ``None``."""
    store = getattr(memory, "store", None)
    return store if isinstance(store, Store) else None


class EpisodeWriter:
    """Episodes bound for one store: batched, written in a pool thread, never twice.

    Used from one event loop (its methods are not thread-safe; its writes run elsewhere).

    Args:
        store: where they go.
        delay_s: how long a batch gathers episodes before it is written.
    """

    def __init__(self, store: Store, *, delay_s: float = 0.05) -> None:
        self.store = store
        self.delay_s = delay_s
        self.written = 0
        """How many episodes this writer stored (those already held are not counted)."""
        self._pending: list[tuple[Episode, bool]] = []  # (episode, whether surely new)
        self._timer: asyncio.TimerHandle | None = None
        self._job: Future[int] | None = None  # the write under way, or the last one
        self._error: BaseException | None = None

    def add(self, episode: Episode, *, new: bool = False) -> None:
        """Queue `episode`, to be written within about `delay_s` (must run on the loop).

        Args:
            episode: what to store, unless the store holds its id already.
            new: its id is surely not stored (a live step's fresh envelope), so the write
                does not ask the store first.
        """
        self._pending.append((episode, new))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.delay_s, self._flush)

    async def drain(self) -> None:
        """Write every episode added so far, and wait until they are stored.

        Raises:
            StoreError: a write failed (the first failure; the other batches were still
                written).
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while True:  # until nothing is under way and nothing waits (adds may come meanwhile)
            if self._job is not None:
                await _settled(self._job)
                self._harvest()
            if not self._pending:
                break
            self._start()
        error, self._error = self._error, None
        if error is not None:
            raise StoreError(
                f"episodes of this run could not be written to memory ({error}); the run's "
                "trace holds every envelope: check that the store is open and writable, then "
                "write them with agora.memory.message_episode()"
            ) from error

    def _flush(self) -> None:
        self._timer = None
        if self._job is not None and not self._job.done():  # one write at a time: wait
            self._timer = asyncio.get_running_loop().call_later(self.delay_s, self._flush)
            return
        self._harvest()
        if self._pending:
            self._start()

    def _start(self) -> None:
        batch, self._pending = self._pending, []
        self._job = _pool().submit(self._write, batch)

    def _harvest(self) -> None:
        """Count the finished write, or keep its error for `drain`."""
        job, self._job = self._job, None
        if job is None:
            return
        error = job.exception()
        if error is None:
            self.written += job.result()
        elif self._error is None:
            self._error = error

    def _write(self, batch: list[tuple[Episode, bool]]) -> int:
        store, unique = self.store, dict[str, Episode]()
        for episode, new in batch:
            if episode.id not in unique and (new or store.get_episode(episode.id) is None):
                unique[episode.id] = episode
        return store.add_episodes(unique.values()) if unique else 0


async def _settled(job: Future[int]) -> None:
    """Wait for `job` to finish, raising nothing of its own (`_harvest` reads its outcome)."""
    waiter = asyncio.wrap_future(job)
    await asyncio.wait({waiter})
    if not waiter.cancelled():
        waiter.exception()  # retrieved here, so asyncio does not log it as lost
