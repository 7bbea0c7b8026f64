"""The broker within one server process (the default): runs and pages in dictionaries."""

import asyncio
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from playground.chat.live.base import ENDED_RUN_KEEP_SECONDS, Feed, PageRuns, Piece, Placement


class _Follower:
    """One follower of a run. Pieces wait in a list until it delivers them (between its copy
    of the log and its call to `deliver`), then go straight to its `take`."""

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
class _Run:
    stop: Callable[[], None]
    log: list[Piece] = field(default_factory=list)
    followers: set[_Follower] = field(default_factory=set)


@dataclass
class _Page:
    runs: dict[int, None] = field(default_factory=dict)  # placed, in order
    listeners: set[asyncio.Queue[Placement]] = field(default_factory=set)


class InProcessBroker:
    def __init__(self) -> None:
        self._runs: dict[int, _Run] = {}
        self._pages: dict[str, _Page] = {}
        self._placed_on: dict[int, set[str]] = {}  # run id -> the pages it was placed on

    async def open(self, run_id: int, *, stop: Callable[[], None]) -> None:
        self._runs[run_id] = _Run(stop=stop)

    def publish(self, run_id: int, kind: str, piece: str) -> None:
        run = self._runs[run_id]
        item = (len(run.log) + 1, kind, piece)
        run.log.append(item)
        for follower in run.followers:
            follower(item)

    async def close(self, run_id: int, *, finished: Any = None) -> None:
        run = self._runs.pop(run_id, None)
        for follower in run.followers if run else ():
            follower.end(finished)
        self._forget_later(run_id)

    def followed_here(self, run_id: int) -> bool:
        run = self._runs.get(run_id)
        return bool(run and run.followers)

    async def is_live(self, run_id: int) -> bool:
        return run_id in self._runs

    async def request_stop(self, run_id: int) -> bool:
        run = self._runs.get(run_id)
        if run is None:
            return False
        run.stop()
        return True

    @asynccontextmanager
    async def follow(self, run_id: int):
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

    async def place(self, page: str, run_id: int, html: str) -> bool:
        placed = self._pages.setdefault(page, _Page())
        placed.runs[run_id] = None
        self._placed_on.setdefault(run_id, set()).add(page)
        if run_id not in self._runs:  # it has ended already
            self._forget_later(run_id)
        for queue in placed.listeners:
            queue.put_nowait(Placement(run_id, html))
        return bool(placed.listeners)

    @asynccontextmanager
    async def listen(self, page: str):
        placed = self._pages.setdefault(page, _Page())
        queue: asyncio.Queue[Placement] = asyncio.Queue()
        placed.listeners.add(queue)
        try:
            yield PageRuns(placed=list(placed.runs), placements=queue)
        finally:
            placed.listeners.discard(queue)
            self._drop_if_unused(page)

    async def forget(self, page: str, run_id: int) -> None:
        if placed := self._pages.get(page):
            placed.runs.pop(run_id, None)
            self._drop_if_unused(page)

    def _forget_later(self, run_id: int) -> None:
        """An ended run stays on its pages for a while (see ENDED_RUN_KEEP_SECONDS)."""
        if run_id in self._placed_on:
            loop = asyncio.get_running_loop()
            loop.call_later(ENDED_RUN_KEEP_SECONDS, self._forget_everywhere, run_id)

    def _forget_everywhere(self, run_id: int) -> None:
        for page in self._placed_on.pop(run_id, ()):
            if placed := self._pages.get(page):
                placed.runs.pop(run_id, None)
                self._drop_if_unused(page)

    def _drop_if_unused(self, page: str) -> None:
        placed = self._pages.get(page)
        if placed is not None and not placed.runs and not placed.listeners:
            del self._pages[page]
