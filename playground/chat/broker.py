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
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings

TEXT = "text"
REASONING = "reasoning"
STATUS = "status"  # a short notice such as "retrying"; not part of the answer

type Piece = tuple[int, str, str]  # (sequence number, kind, text)


@dataclass
class Feed:
    """What a follower gets: the pieces so far (`log`), then each new one as it comes.

    `await deliver(take)` calls `take(piece)` for every piece published after the log, as it
    is published, and returns once the run has ended (or its process has gone away). No task
    wakes per piece on the way: a connection that carries several runs takes their pieces
    into one buffer and writes them in its own time. It returns what `close` was given (the
    finished Run) when the run was generated in this process, and None otherwise.
    """

    log: list[Piece]
    deliver: Callable[[Callable[[Piece], None]], Awaitable[Any]]

    def text(self, kind: str) -> str:
        return "".join(piece for _, k, piece in self.log if k == kind)

    def latest(self, kind: str) -> str:
        return next((piece for _, k, piece in reversed(self.log) if k == kind), "")

    @property
    def seq(self) -> int:
        return self.log[-1][0] if self.log else 0


# --- In-process -----------------------------------------------------------------------


class _Follower:
    """One follower of a run generated here. Pieces wait in a list until it delivers them
    (between its copy of the log and its call to `deliver`), then go straight to its `take`."""

    def __init__(self) -> None:
        self.waiting: list[Piece] = []
        self.take: Callable[[Piece], None] | None = None
        self.ended = asyncio.get_running_loop().create_future()  # set to what close gave

    def __call__(self, piece: Piece) -> None:
        if self.take is None:
            self.waiting.append(piece)
        else:
            self.take(piece)

    def end(self, finished: Any) -> None:
        if not self.ended.done():
            self.ended.set_result(finished)

    async def deliver(self, take: Callable[[Piece], None]) -> Any:
        for piece in self.waiting:
            take(piece)
        self.waiting, self.take = [], take
        return await self.ended


@dataclass
class _LocalRun:
    log: list[Piece] = field(default_factory=list)
    followers: set[_Follower] = field(default_factory=set)
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
        for follower in run.followers:
            follower(item)

    async def close(self, run_id: int, *, finished: Any = None) -> None:
        """The run has ended and its final state is in the database. `finished` (the Run as
        its task left it) goes to the followers here, so they need not read it back."""
        run = self._runs.pop(run_id, None)
        for follower in run.followers if run else ():
            follower.end(finished)

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
        follower = _Follower()
        run.followers.add(follower)
        try:
            yield Feed(log=list(run.log), deliver=follower.deliver)
        finally:
            run.followers.discard(follower)


@cache
def get_broker():
    if settings.REDIS_URL:
        from playground.chat.redis_broker import RedisBroker

        return RedisBroker(settings.REDIS_URL)
    return InProcessBroker()
