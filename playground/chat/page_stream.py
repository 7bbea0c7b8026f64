"""One SSE stream per page, carrying every run the page shows while it is generated.

The page consumes it with the htmx SSE extension: each event is swapped into the element
whose `sse-swap` names it, and every run's events carry the run's id.

- `ready`: the stream listens (a chat page's: runs started from the page come on it).
- `place`: a run started from the page, before its first piece: the HTML that puts its
  message on the page, as out-of-band swaps.
- `snapshot-<run>`: the run's text, reasoning and notice so far, replacing what the page
  shows (a page drawn, or a stream reconnected, while the run was being generated).
- `text-<run>`, `reasoning-<run>`: escaped text to append; `status-<run>`: a notice that
  replaces the previous one (also when the answer's reasoning, then its text, begins).
- `markdown-<run>` (a chat page's stream): the text so far as Markdown, sanitized as the
  final rendering is, once every LIVE_MARKDOWN_CHARS or so: the blocks completed since the
  last one to append, the open block to replace, and the text appended since (shown raw
  after it) emptied. Rendering per piece would cost per token; between two renders the
  pieces still append as escaped text.
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
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from django.conf import settings
from django.utils.html import escape

from playground.chat.live import REASONING, STATUS, TEXT, Feed, Piece, get_broker
from playground.chat.models import Run
from playground.core.markdown import LiveMarkdown
from playground.core.sse import SSE_KEEPALIVE, sse_message, sse_text

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # made by the page's view, random
PAGE_HEADER = "X-Page-Id"  # sent by htmx from a chat page: where its runs are placed

# When a live answer's Markdown is rendered again (per run and connection): once this many
# characters have come, and not sooner than LIVE_MARKDOWN_SECONDS after the last render, so
# that renders follow the text, not the clock (an answer slowed down by a busy server is not
# rendered more often per token); and at the latest LIVE_MARKDOWN_MAX_SECONDS after it (a slow
# answer, or a pause).
LIVE_MARKDOWN_CHARS = 64
LIVE_MARKDOWN_SECONDS = 0.3
LIVE_MARKDOWN_MAX_SECONDS = 1.0

# The status once the answer's reasoning, then its text, begins: "Waiting for …" gives way.
# An SSE message with no data is not delivered, so "none" is an HTML comment (:empty in CSS).
PHASE_STATUS = {REASONING: "Thinking…", TEXT: "<!-- answering -->"}

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
    *,
    runs: Iterable[int],
    draw_final: DrawFinal,
    page: str | None = None,
    markdown: bool = False,
) -> AsyncIterator[bytes]:
    """The SSE messages of a page: each of `runs` (shown by the page) from a snapshot.

    With `page` (a chat page's channel) also the runs placed on the page, before this stream
    listened (from a snapshot) or while it listens (placement first, then every piece); it
    ends after PAGE_STREAM_SECONDS and the browser reconnects. Without, it ends with `end`
    once every run has ended. With `markdown`, `markdown-<run>` messages render the text so
    far (the page has the elements they fill: chat.html's `message`).
    """
    connection = _Connection(draw_final, page, markdown=markdown)
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

# What a run's buffer holds besides its pieces, in the order it is to be written: a run's
# messages all go through its buffer, so none can overtake another (a piece written before
# its placement, or before the snapshot that replaces the text, would be lost).
_PLACE, _SNAPSHOT, _RENDER, _DONE = "place", "snapshot", "render", "done"


class _Shown:
    """What a connection has shown of one run: whose pieces came last (reasoning or text),
    and the text as Markdown (with `markdown`)."""

    __slots__ = ("markdown", "phase", "rendered_at", "reset", "timer")

    def __init__(self, text: str | None) -> None:
        self.phase: str | None = None
        self.markdown = LiveMarkdown(text) if text is not None else None
        self.rendered_at = -math.inf
        self.reset = True  # the next render replaces what the page shows, not appends to it
        self.timer: asyncio.TimerHandle | None = None


class _Connection:
    """One SSE connection that carries several runs, their messages interleaved as they come.

    A run's pieces go from the broker straight into the connection's buffer, and one marker
    in `out` says that there is something to write: only the connection's own response task
    wakes per piece. The other messages (keep-alives, `ready`, the end) go through `out` in
    the order they come.
    """

    def __init__(self, draw_final: DrawFinal, page: str | None, *, markdown: bool = False):
        self.out: asyncio.Queue[bytes | object | None] = asyncio.Queue()  # None: the end
        self._waiting: dict[int, list[Piece]] = {}  # by run id
        self._draw_final = draw_final
        self._page = page
        self._markdown = markdown
        self._shown: dict[int, _Shown] = {}  # by run id, until its final rendering
        self._carried: set[int] = set()
        self._carrying: set[asyncio.Task] = set()

    def carry(self, run_id: int, *, placement: str | None = None) -> asyncio.Task | None:
        """Carry the run to its final rendering, once: after its placement from its first
        piece, or (without) from a snapshot of what the page shows already."""
        if run_id in self._carried:
            return None
        self._carried.add(run_id)
        if placement is not None:
            self._take(run_id, (0, _PLACE, placement))
        task = asyncio.create_task(self._carry(run_id, from_start=placement is not None))
        self._carrying.add(task)
        task.add_done_callback(self._carrying.discard)
        return task

    def end(self) -> None:
        self.out.put_nowait(None)

    def _take(self, run_id: int, piece: Piece) -> None:
        if not self._waiting:
            self.out.put_nowait(_WAITING)
        self._waiting.setdefault(run_id, []).append(piece)

    async def _carry(self, run_id: int, *, from_start: bool) -> None:
        def take(piece: Piece) -> None:
            self._take(run_id, piece)

        finished = None
        async with get_broker().follow(run_id) as feed:
            if feed is not None:
                if from_start:
                    for piece in feed.log:
                        take(piece)
                elif feed.log:
                    take((0, _SNAPSHOT, feed))
                finished = await feed.deliver(take)
        take((0, _DONE, await self._draw_final(run_id, finished)))
        if self._page is not None:
            await get_broker().forget(self._page, run_id)

    def _waiting_message(self) -> bytes:
        waiting, self._waiting = self._waiting, {}
        return b"".join(self._run_message(run_id, items) for run_id, items in waiting.items())

    def _run_message(self, run_id: int, items: list[Piece]) -> bytes:
        """A run's waiting items as SSE messages; consecutive pieces of the same kind become
        one message (fewer DOM swaps)."""
        shown = self._shown.get(run_id)
        if shown is None:
            shown = self._shown[run_id] = _Shown("" if self._markdown else None)
        out, group, group_kind = [], [], None
        for _, kind, piece in items:
            if kind != group_kind and group:
                out.append(self._group_message(run_id, shown, group_kind, group))
                group = []
            group_kind = kind
            group.append(piece)
        if group:
            out.append(self._group_message(run_id, shown, group_kind, group))
        markdown = shown.markdown
        if markdown is not None and markdown.changed and run_id in self._shown:
            since = time.monotonic() - shown.rendered_at
            if since >= LIVE_MARKDOWN_SECONDS and markdown.grown >= LIVE_MARKDOWN_CHARS:
                out.append(_markdown_message(run_id, shown))
            elif shown.timer is None:  # the first render, or one after a pause: soon
                delay = max(LIVE_MARKDOWN_MAX_SECONDS - since, 0)
                later = asyncio.get_running_loop().call_later
                shown.timer = later(delay, self._take, run_id, (0, _RENDER, None))
        return b"".join(out)

    def _group_message(self, run_id: int, shown: _Shown, kind: str, group: list) -> bytes:
        if run_id not in self._shown:  # its final rendering is written: a late render
            return b""
        if kind == _PLACE:
            return sse_message(group[-1], event="place")
        if kind == _DONE:
            if shown.timer is not None:
                shown.timer.cancel()
            del self._shown[run_id]
            return sse_message(group[-1], event=f"done-{run_id}")
        if kind == _SNAPSHOT:
            return self._snapshot_message(run_id, shown, group[-1])
        if kind == _RENDER:
            shown.timer = None
            return _markdown_message(run_id, shown) if shown.markdown.changed else b""
        if kind == STATUS:  # a notice replaces the previous one
            return sse_text(group[-1], event=f"{kind}-{run_id}")
        text = "".join(group)
        if kind == TEXT and shown.markdown is not None:
            shown.markdown.add(text)
        message = sse_text(text, event=f"{kind}-{run_id}")
        if kind in PHASE_STATUS and shown.phase != kind:  # the answer's reasoning or text begins
            shown.phase = kind
            return sse_message(PHASE_STATUS[kind], event=f"status-{run_id}") + message
        return message

    def _snapshot_message(self, run_id: int, shown: _Shown, feed: Feed) -> bytes:
        """Replace (not append to) whatever the page shows with the exact state so far: the
        escaped text, then (with `markdown`) its rendering in place of it."""
        status = None
        for _, kind, piece in feed.log:
            if kind == STATUS:
                status = escape(piece)
            elif kind != shown.phase:
                shown.phase = kind
                status = PHASE_STATUS.get(kind, status)
        text = feed.text(TEXT)
        parts = {TEXT: escape(text), REASONING: escape(feed.text(REASONING)), STATUS: status}
        html = "".join(
            f'<div id="run-{run_id}-{kind}" hx-swap-oob="innerHTML">{part}</div>'
            for kind, part in parts.items()
            if part is not None
        )
        message = sse_message(html, event=f"snapshot-{run_id}")
        if shown.markdown is None:
            return message
        shown.markdown, shown.reset = LiveMarkdown(text), True
        return message + _markdown_message(run_id, shown)

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
            for shown in self._shown.values():
                if shown.timer is not None:
                    shown.timer.cancel()
            for task in list(self._carrying):
                task.cancel()


def _markdown_message(run_id: int, shown: _Shown) -> bytes:
    """The text so far rendered: the blocks completed since the last render appended (all
    of them, replacing, after a snapshot), the open block replaced, the raw text replaced by
    what the render leaves as text (an unfinished line held back)."""
    complete, open_block = shown.markdown.render()
    text_after = escape(shown.markdown.text_after)
    shown.rendered_at = time.monotonic()
    if shown.timer is not None:
        shown.timer.cancel()
        shown.timer = None
    html = [
        f'<div id="run-{run_id}-open" hx-swap-oob="innerHTML">{open_block}</div>',
        f'<div id="run-{run_id}-text" hx-swap-oob="innerHTML">{text_after}</div>',
    ]
    if complete or shown.reset:
        swap = "innerHTML" if shown.reset else "beforeend"
        html.insert(0, f'<div id="run-{run_id}-rendered" hx-swap-oob="{swap}">{complete}</div>')
        shown.reset = False
    return sse_message("".join(html), event=f"markdown-{run_id}")
