"""Live run output, fanned out to every page that follows the run.

The process that generates an answer publishes each piece of it here; any process serving
that run's SSE stream follows it. Each piece gets a sequence number, so a reconnecting page
resumes after the last piece it saw (`Last-Event-ID`) or starts from a snapshot.

A chat page also has a stream of its own, opened when the page loads: a send from that page
announces its run on the page's channel, and the page's stream carries the run from its first
piece, with no second request on the way to the first token.

Two implementations with one interface: in-process (the default: one server process), and
Redis (`REDIS_URL`: a run started through one process can be followed from another).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings

TEXT = "text"
REASONING = "reasoning"
STATUS = "status"  # a short notice such as "retrying"; not part of the answer

type Piece = tuple[int, str, str]  # (sequence number, kind, text)


@dataclass
class Feed:
    """What a follower gets: the pieces so far, then batches of new ones until the end.

    `batches(idle)` yields an empty batch after `idle` seconds without news, so the caller
    can keep its connection alive.
    """

    log: list[Piece]
    batches: Callable[[float], AsyncIterator[list[Piece]]]

    def text(self, kind: str) -> str:
        return "".join(piece for _, k, piece in self.log if k == kind)

    def latest(self, kind: str) -> str:
        return next((piece for _, k, piece in reversed(self.log) if k == kind), "")

    @property
    def seq(self) -> int:
        return self.log[-1][0] if self.log else 0


# --- In-process -----------------------------------------------------------------------


@dataclass
class _LocalRun:
    log: list[Piece] = field(default_factory=list)
    followers: set[asyncio.Queue] = field(default_factory=set)
    stop: Callable[[], None] | None = None


type Announcement = tuple[int, int]  # (run id, answer message id)


class InProcessBroker:
    def __init__(self):
        self._runs: dict[int, _LocalRun] = {}
        self._pages: dict[str, set[asyncio.Queue]] = {}

    async def announce(self, channel: str, run_id: int, message_id: int) -> bool:
        """Tell the page streams on `channel` about a new run; False when none listens."""
        listeners = self._pages.get(channel, ())
        for queue in listeners:
            queue.put_nowait((run_id, message_id))
        return bool(listeners)

    @asynccontextmanager
    async def listen(self, channel: str):
        """A queue of the Announcements made on `channel` while this is open."""
        queue: asyncio.Queue[Announcement] = asyncio.Queue()
        self._pages.setdefault(channel, set()).add(queue)
        try:
            yield queue
        finally:
            listeners = self._pages[channel]
            listeners.discard(queue)
            if not listeners:
                del self._pages[channel]

    async def open(self, run_id: int, *, stop: Callable[[], None]) -> None:
        self._runs[run_id] = _LocalRun(stop=stop)

    def publish(self, run_id: int, kind: str, piece: str) -> None:
        run = self._runs[run_id]
        item = (len(run.log) + 1, kind, piece)
        run.log.append(item)
        for queue in run.followers:
            queue.put_nowait(item)

    async def close(self, run_id: int) -> None:
        """The run has ended and its final state is in the database."""
        run = self._runs.pop(run_id, None)
        for queue in run.followers if run else ():
            queue.put_nowait(None)

    async def is_live(self, run_id: int) -> bool:
        return run_id in self._runs

    async def request_stop(self, run_id: int) -> bool:
        """Ask the live run to stop; False when no process is generating it."""
        run = self._runs.get(run_id)
        if run is None or run.stop is None:
            return False
        run.stop()
        return True

    @asynccontextmanager
    async def follow(self, run_id: int):
        """A Feed for a live run, or None when the run is not being generated here."""
        run = self._runs.get(run_id)
        if run is None:
            yield None
            return
        queue: asyncio.Queue = asyncio.Queue()
        run.followers.add(queue)
        try:
            yield Feed(log=list(run.log), batches=lambda idle: _drain_batches(queue, idle))
        finally:
            run.followers.discard(queue)


_TICK = object()  # a keep-alive marker in a follower's queue


async def _drain_batches(queue: asyncio.Queue, idle: float) -> AsyncIterator[list[Piece]]:
    """Everything already waiting comes as one batch, so a burst of tokens is one message.

    A repeating timer drops a marker into the queue every `idle` seconds, and a batch of
    markers only is yielded empty (a keep-alive): cheaper than a timeout around every wait,
    which was one timer set and cancelled per piece.
    """
    loop = asyncio.get_running_loop()

    def tick() -> None:
        nonlocal ticker
        queue.put_nowait(_TICK)
        ticker = loop.call_later(idle, tick)

    ticker = loop.call_later(idle, tick)
    try:
        while True:
            item = await queue.get()
            batch, ticked = [], False
            while item is not None:
                if item is _TICK:
                    ticked = True
                else:
                    batch.append(item)
                if queue.empty():
                    break
                item = queue.get_nowait()
            if batch or ticked:
                yield batch
            if item is None:
                return
    finally:
        ticker.cancel()


@cache
def get_broker():
    if settings.REDIS_URL:
        from playground.chat.redis_broker import RedisBroker

        return RedisBroker(settings.REDIS_URL)
    return InProcessBroker()
