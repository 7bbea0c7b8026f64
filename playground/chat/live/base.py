"""What the two brokers (in-process: memory.py, Redis: redis.py) offer, and what they hand out.

The process that generates an answer publishes each piece of it to the broker; any process
serving a page that shows the answer follows it. Each piece gets a sequence number within
its run. A page also has runs of its own: a run started from the page is placed on it, so
the page's stream carries it from its first piece, and carries it again after reconnecting.
"""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

TEXT = "text"
REASONING = "reasoning"
STATUS = "status"  # a short notice such as "retrying"; not part of the answer

type Piece = tuple[int, str, str]  # (sequence number, kind, text)

# A run that has ended stays known to the pages it was placed on for this long, so a page
# whose stream reconnects meanwhile still gets its final rendering.
ENDED_RUN_KEEP_SECONDS = 300


@dataclass
class Feed:
    """What a follower gets: the pieces so far (`log`), then each new one as it comes.

    `await deliver(take)` calls `take(piece)` for every piece published after the log, as it
    is published, and returns once the run has ended (or its process has gone away). No task
    wakes per piece on the way: a stream that carries several runs takes their pieces into
    one buffer and writes them in its own time. It returns what `close` was given (the
    finished Run) when the run was generated in this process, and None otherwise.
    """

    log: list[Piece]
    deliver: Callable[[Callable[[Piece], None]], Awaitable[Any]]

    def text(self, kind: str) -> str:
        return "".join(piece for _, k, piece in self.log if k == kind)

    def latest(self, kind: str) -> str:
        return next((piece for _, k, piece in reversed(self.log) if k == kind), "")


@dataclass(frozen=True, slots=True)
class Placement:
    """A run placed on a page, with the HTML that puts its message on the page."""

    run_id: int
    html: str


@dataclass
class PageRuns:
    """What a page's stream listens to: the runs placed on the page before it listened
    (`placed`), then each new Placement as it is made (`placements`)."""

    placed: list[int]
    placements: asyncio.Queue[Placement]


class Broker(Protocol):
    # --- The process that generates the run --------------------------------------------

    async def open(self, run_id: int, *, stop: Callable[[], None]) -> None:
        """The run is about to start here; `stop()` stops it (see request_stop)."""

    def publish(self, run_id: int, kind: str, piece: str) -> None:
        """One more piece of the run (TEXT, REASONING or STATUS)."""

    async def close(self, run_id: int, *, finished: Any = None) -> None:
        """The run has ended and its final state is in the database. `finished` (the Run as
        its task left it) goes to the followers in this process, so they need not read it
        back."""

    def followed_here(self, run_id: int) -> bool:
        """Some follower in this process follows the run (a page's stream)."""

    # --- Any process --------------------------------------------------------------------

    async def is_live(self, run_id: int) -> bool:
        """Some process is generating the run now."""

    async def request_stop(self, run_id: int) -> bool:
        """Ask the live run to stop; False when no process is generating it."""

    def follow(self, run_id: int) -> AbstractAsyncContextManager[Feed | None]:
        """A Feed for a live run, or None when no process is generating it."""

    async def place(self, page: str, run_id: int, html: str) -> bool:
        """Place the run on the page: its stream, if one listens, puts `html` on the page
        and carries the run from its first piece; a stream that listens later carries it
        from a snapshot. True when a stream listened."""

    def listen(self, page: str) -> AbstractAsyncContextManager[PageRuns]:
        """Listen to the page's runs while this is open."""

    async def forget(self, page: str, run_id: int) -> None:
        """The page has the run's final rendering: a reconnecting stream need not send it."""
