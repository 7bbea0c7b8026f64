"""One SSE stream per page, carrying every run the page shows while it is generated.

The page consumes it with the htmx SSE extension: each event is swapped into the element
whose `sse-swap` names it, and every run's events carry the run's id.

- `ready`: the stream listens (a chat page's: runs started from the page come on it).
- `place`: a run started from the page, before its first piece: the HTML that puts its
  message on the page, as out-of-band swaps.
- `snapshot-<run>`: the run's text, reasoning and notice so far, replacing what the page
  shows (a page drawn, or a stream reconnected, while the run was being generated).
- `text-<run>`, `reasoning-<run>`: escaped text to append; `status-<run>`: a notice that
  replaces the previous one.
- `done-<run>`: the final rendering of the run's message, once it has ended.
- `end` (a page with a fixed set of runs, a comparison): every run has ended.

Text in `data:` lines is escaped HTML and every line of it gets its own `data:` line
(core/sse.py), so model output can never forge an event, a swap target or an `hx-*`
attribute. Do not rely on `Last-Event-ID`: htmx's SSE extension opens a *new* EventSource
after an error, which sends none; a stream that (re)connects starts each run it carries from
a snapshot.
"""

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from django.conf import settings
from django.utils.html import escape

from playground.chat.live import REASONING, STATUS, TEXT, Feed, Piece, get_broker
from playground.chat.models import Run
from playground.core.sse import SSE_KEEPALIVE, sse_message, sse_text

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # made by the page's view, random
PAGE_HEADER = "X-Page-Id"  # sent by htmx from a chat page: where its runs are placed

# Said once the stream listens; on the page it marks the stream's state (for tests).
READY = sse_message("<span data-listening></span>", event="ready")

# What the run's final rendering is, from its id and the Run as its task left it (when the
# run was generated in this process; else None, and it is read back).
type DrawFinal = Callable[[int, Run | None], Awaitable[str]]


def page_channel(user_id: int, page: str) -> str:
    """A page's channel: the user's id is part of it, so nobody else can listen in."""
    return f"{user_id}:{page}"


async def place_on_page(request, run_id: int, html: str, *, swap: str) -> bool:
    """Place the run on the page that sent the request. When the page's stream listens it
    puts `html` into the page's message log (`swap`: `beforeend`, `innerHTML`) ahead of the
    run's first piece, and True says the response need not draw it. Else the response draws
    it, and the stream carries the run from a snapshot once it listens.

    Call it once the view's synchronous part has read `request.user`.
    """
    page = request.headers.get(PAGE_HEADER, "")
    if not (request.htmx and PAGE_ID.fullmatch(page)):
        return False
    html = f'<div id="messages" hx-swap-oob="{swap}">{html}</div>'
    return await get_broker().place(page_channel(request.user.pk, page), run_id, html)


async def page_event_stream(
    *, runs: Iterable[int], draw_final: DrawFinal, page: str | None = None
) -> AsyncIterator[bytes]:
    """The SSE messages of a page: each of `runs` (shown by the page) from a snapshot.

    With `page` (a chat page's channel) also the runs placed on the page, before this stream
    listened (from a snapshot) or while it listens (placement first, then every piece); it
    ends after PAGE_STREAM_SECONDS and the browser reconnects. Without, it ends with `end`
    once every run has ended.
    """
    connection = _Connection(draw_final, page)
    if page is None:
        carried = [connection.carry(run_id) for run_id in dict.fromkeys(runs)]
        lifetime = asyncio.ensure_future(_end_after(carried, connection))
    else:
        lifetime = asyncio.ensure_future(_follow_page(connection, page, runs))
    try:
        async for write in connection.writes(first=b"retry: 1000\n\n"):
            yield write
    finally:
        lifetime.cancel()


async def _end_after(carried: list[asyncio.Task], connection: "_Connection") -> None:
    await asyncio.gather(*carried, return_exceptions=True)
    connection.out.put_nowait(sse_message("", event="end"))
    connection.end()


async def _follow_page(connection: "_Connection", page: str, runs: Iterable[int]) -> None:
    """Carry the page's runs while its time lasts, then end the stream: the browser opens it
    again, and the runs still going on come on the new one (so too if listening fails)."""
    placements: asyncio.Queue = asyncio.Queue()

    def carry_placed() -> None:
        while not placements.empty():
            placement = placements.get_nowait()
            connection.carry(placement.run_id, placement=placement.html)

    try:
        async with asyncio.timeout(settings.PAGE_STREAM_SECONDS):
            async with get_broker().listen(page) as page_runs:
                placements = page_runs.placements
                carry_placed()  # placed while this stream started listening
                for run_id in [*runs, *page_runs.placed]:
                    connection.carry(run_id)
                connection.out.put_nowait(READY)
                while True:
                    placement = await placements.get()
                    connection.carry(placement.run_id, placement=placement.html)
    except TimeoutError:
        pass
    except Exception:
        logger.exception("The stream of page %s stopped listening", page)
    carry_placed()  # no longer listening: a run placed just before still gets on the page
    connection.end()


_WAITING = object()  # in a connection's queue: pieces wait in its buffer to be written


class _Connection:
    """One SSE connection that carries several runs, their messages interleaved as they come.

    A run's pieces go from the broker straight into the connection's buffer, and one marker
    in `out` says that there is something to write: only the connection's own response task
    wakes per piece. The other messages (a placement, a snapshot, a run's final rendering,
    keep-alives) go through `out` in the order they come.
    """

    def __init__(self, draw_final: DrawFinal, page: str | None):
        self.out: asyncio.Queue[bytes | object | None] = asyncio.Queue()  # None: the end
        self._waiting: dict[int, list[Piece]] = {}  # by run id
        self._draw_final = draw_final
        self._page = page
        self._carried: set[int] = set()
        self._carrying: set[asyncio.Task] = set()

    def carry(self, run_id: int, *, placement: str | None = None) -> asyncio.Task | None:
        """Carry the run to its final rendering, once: after its placement from its first
        piece, or (without) from a snapshot of what the page shows already."""
        if run_id in self._carried:
            return None
        self._carried.add(run_id)
        if placement is not None:
            self.out.put_nowait(sse_message(placement, event="place"))
        task = asyncio.create_task(self._carry(run_id, from_start=placement is not None))
        self._carrying.add(task)
        task.add_done_callback(self._carrying.discard)
        return task

    def end(self) -> None:
        self.out.put_nowait(None)

    async def _carry(self, run_id: int, *, from_start: bool) -> None:
        def take(piece: Piece) -> None:
            if not self._waiting:
                self.out.put_nowait(_WAITING)
            self._waiting.setdefault(run_id, []).append(piece)

        finished = None
        async with get_broker().follow(run_id) as feed:
            if feed is not None:
                if from_start:
                    for piece in feed.log:
                        take(piece)
                elif feed.log:
                    self.out.put_nowait(_snapshot_message(feed, run_id))
                finished = await feed.deliver(take)
        final = await self._draw_final(run_id, finished)
        self.out.put_nowait(sse_message(final, event=f"done-{run_id}"))
        if self._page is not None:
            await get_broker().forget(self._page, run_id)

    def _waiting_message(self) -> bytes:
        waiting, self._waiting = self._waiting, {}
        return b"".join(_pieces_message(run_id, items) for run_id, items in waiting.items())

    async def writes(self, *, first: bytes) -> AsyncIterator[bytes]:
        """Everything that has piled up in `out` as one write (the first one led by
        `first`), until the end."""
        loop = asyncio.get_running_loop()

        def keep_alive() -> None:
            nonlocal ticker
            self.out.put_nowait(SSE_KEEPALIVE)
            ticker = loop.call_later(KEEPALIVE_SECONDS, keep_alive)

        ticker = loop.call_later(KEEPALIVE_SECONDS, keep_alive)
        try:
            lead = first
            while True:
                items = [await self.out.get()]
                while not self.out.empty():
                    items.append(self.out.get_nowait())
                ended = None in items
                if ended:  # what came after the end is not written
                    items = items[: items.index(None)]
                parts = [self._waiting_message() if item is _WAITING else item for item in items]
                if write := b"".join([lead, *parts]):
                    lead = b""
                    yield write
                if ended:
                    return
        finally:
            ticker.cancel()
            for task in list(self._carrying):
                task.cancel()


def _pieces_message(run_id: int, items: list[Piece]) -> bytes:
    """Consecutive pieces of the same kind become one SSE message (fewer DOM swaps)."""
    out, group, group_kind = [], [], None
    for _, kind, piece in items:
        if kind != group_kind and group:
            out.append(_group_message(run_id, group_kind, group))
            group = []
        group_kind = kind
        group.append(piece)
    if group:
        out.append(_group_message(run_id, group_kind, group))
    return b"".join(out)


def _group_message(run_id: int, kind: str, group: list[str]) -> bytes:
    if kind == STATUS:  # a notice replaces the previous one
        return sse_text(group[-1], event=f"{kind}-{run_id}")
    return sse_text("".join(group), event=f"{kind}-{run_id}")


def _snapshot_message(feed: Feed, run_id: int) -> bytes:
    """Replace (not append to) whatever the page shows with the exact state so far."""
    parts = {TEXT: feed.text(TEXT), REASONING: feed.text(REASONING), STATUS: feed.latest(STATUS)}
    html = "".join(
        f'<div id="run-{run_id}-{kind}" hx-swap-oob="innerHTML">{escape(text)}</div>'
        for kind, text in parts.items()
        if text or kind != STATUS
    )
    return sse_message(html, event=f"snapshot-{run_id}")
