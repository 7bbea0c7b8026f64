"""The SSE stream of one run, as the page's htmx SSE extension consumes it.

Events: `snapshot` replaces what the page shows (a connection without Last-Event-ID),
`text`/`reasoning` append escaped text, `status` replaces a notice, `done` swaps in the
final rendering and closes. Every piece has an id, so EventSource can resume after it.

A page that shows several runs at once (a comparison) follows them all over one connection
(`runs_event_stream`): each run's events carry its id (`text-12`, `done-12`), and the stream
ends with `end` once every run has.

A chat page's own stream (`page_event_stream`) is open before anything is sent: it says
`ready` once it listens, then carries each run announced on it (`run` with "run-id
message-id", then the run's events with the run's id) from the run's first piece. It ends
after PAGE_STREAM_SECONDS; the page reconnects, and a run it was carrying goes on over the
run's own stream.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape

from playground.chat import runs, selectors, services
from playground.chat.broker import REASONING, STATUS, TEXT, Feed, Piece, get_broker
from playground.chat.models import Run
from playground.core.sse import SSE_KEEPALIVE, sse_message, sse_text

KEEPALIVE_SECONDS = 15
MESSAGE_TEMPLATE = "chat/chat.html#message"


type RenderFinal = Callable[[int], Awaitable[str]]


async def run_event_stream(
    run: Run,
    *,
    last_event_id: int | None,
    suffix: str = "",
    render_final: RenderFinal | None = None,
) -> AsyncIterator[bytes]:
    """The SSE messages of one run: a snapshot or the missed pieces, live pieces, the end.

    `suffix` is appended to every event name; `render_final(run_id)` draws the last event's
    HTML (the chat message by default).
    """
    connection = _Connection(render_final)
    carried = connection.carry(run, last_event_id=last_event_id, suffix=suffix)
    carried.add_done_callback(lambda _: connection.end())
    async for write in connection.writes(first=b"retry: 1000\n\n"):
        yield write


async def runs_event_stream(runs: list[Run], *, render_final: RenderFinal) -> AsyncIterator[bytes]:
    """Several runs over one SSE connection, their messages interleaved as they come."""
    connection = _Connection(render_final)
    remaining = len(runs)

    def one_more_ended(_=None) -> None:
        nonlocal remaining
        remaining -= 1
        if remaining <= 0:
            connection.out.put_nowait(sse_message("", event="end"))
            connection.end()

    for run in runs:
        carried = connection.carry(run, last_event_id=None, suffix=f"-{run.pk}")
        carried.add_done_callback(one_more_ended)
    if not runs:
        one_more_ended()
    async for write in connection.writes(first=b"retry: 1000\n\n"):
        yield write


def page_channel(user_id: int, page: str) -> str:
    """A page's channel: the user's id is part of it, so nobody else can listen in."""
    return f"{user_id}:{page}"


async def page_event_stream(channel: str) -> AsyncIterator[bytes]:
    """The runs announced on a page's channel while it is open, each from its first piece."""
    connection = _Connection()

    async def carry_announced(announcements: asyncio.Queue) -> None:
        while True:
            run_id, message_id = await announcements.get()
            connection.out.put_nowait(sse_message(f"{run_id} {message_id}", event="run"))
            # From piece 1 on, as plain pieces: the page has shown nothing of this run yet.
            run = Run(pk=run_id, message_id=message_id)
            connection.carry(run, last_event_id=0, suffix=f"-{run_id}")

    time_up = asyncio.get_running_loop().call_later(settings.PAGE_STREAM_SECONDS, connection.end)
    async with get_broker().listen(channel) as announcements:
        carrying = asyncio.create_task(carry_announced(announcements))
        try:
            ready = b"retry: 1000\n\n" + sse_message("", event="ready")
            async for write in connection.writes(first=ready):
                yield write
        finally:
            time_up.cancel()
            carrying.cancel()


_WAITING = object()  # in a connection's queue: pieces wait in its buffer to be written


class _Connection:
    """One SSE connection that carries one run or several (`carry`), in order.

    A run's pieces go from the broker straight into the connection's buffer, and one marker
    in `out` says that there is something to write: only the connection's own response task
    wakes per piece. The other messages (a snapshot, a notice that a run starts, a run's
    final rendering, keep-alives) go through `out` in the order they come.
    """

    def __init__(self, render_final: RenderFinal | None = None):
        self.out: asyncio.Queue[bytes | object | None] = asyncio.Queue()  # None: the end
        self._waiting: dict[str, list[Piece]] = {}  # by the run's event-name suffix
        self._render_final = render_final  # None: the chat message
        self._carrying: set[asyncio.Task] = set()

    def carry(self, run: Run, *, last_event_id: int | None, suffix: str) -> asyncio.Task:
        """Carry the run from where the page is (see run_event_stream) to its final
        rendering. The task is asleep while the run streams, and ends with the connection."""
        task = asyncio.create_task(self._carry(run, last_event_id, suffix))
        self._carrying.add(task)
        task.add_done_callback(self._carrying.discard)
        return task

    def end(self) -> None:
        self.out.put_nowait(None)

    async def _carry(self, run: Run, last_event_id: int | None, suffix: str) -> None:
        def take(piece: Piece) -> None:
            if not self._waiting:
                self.out.put_nowait(_WAITING)
            self._waiting.setdefault(suffix, []).append(piece)

        finished = None
        async with get_broker().follow(run.pk) as feed:
            if feed is not None:
                if last_event_id is not None and last_event_id <= feed.seq:
                    for piece in feed.log:
                        if piece[0] > last_event_id:
                            take(piece)
                else:
                    self.out.put_nowait(_snapshot_message(feed, run.message_id, suffix=suffix))
                finished = await feed.deliver(take)
        if finished is not None and self._render_final is None:
            # The run ended here: its message is drawn as the run left it, not read back.
            final = await runs.db(_message_html)(finished)
        else:
            final = await (self._render_final or _final_html)(run.pk)
        self.out.put_nowait(sse_message(final, event="done" + suffix))

    def _waiting_message(self) -> bytes:
        waiting, self._waiting = self._waiting, {}
        return b"".join(_pieces_message(items, suffix=suffix) for suffix, items in waiting.items())

    async def writes(self, *, first: bytes) -> AsyncIterator[bytes]:
        """`first`, then everything that has piled up in `out` as one write, until the end."""
        loop = asyncio.get_running_loop()

        def keep_alive() -> None:
            nonlocal ticker
            self.out.put_nowait(SSE_KEEPALIVE)
            ticker = loop.call_later(KEEPALIVE_SECONDS, keep_alive)

        ticker = loop.call_later(KEEPALIVE_SECONDS, keep_alive)
        try:
            yield first
            while True:
                items = [await self.out.get()]
                while not self.out.empty():
                    items.append(self.out.get_nowait())
                ended = None in items
                if ended:  # what came after the end is not written
                    items = items[: items.index(None)]
                parts = [self._waiting_message() if item is _WAITING else item for item in items]
                if write := b"".join(parts):
                    yield write
                if ended:
                    return
        finally:
            ticker.cancel()
            for task in list(self._carrying):
                task.cancel()


def _pieces_message(items: list[Piece], *, suffix: str = "") -> bytes:
    """Consecutive pieces of the same kind become one SSE message (fewer DOM swaps)."""
    out, group, group_kind = [], [], None
    for seq, kind, piece in items:
        if kind != group_kind and group:
            out.append(_group_message(group_kind + suffix, group, notice=group_kind == STATUS))
            group = []
        group_kind = kind
        group.append((seq, piece))
    if group:
        out.append(_group_message(group_kind + suffix, group, notice=group_kind == STATUS))
    return b"".join(out)


def _group_message(event: str, group: list[tuple[int, str]], *, notice: bool) -> bytes:
    last_seq = group[-1][0]
    if notice:  # a notice replaces the previous one
        return sse_text(group[-1][1], event=event, id=last_seq)
    return sse_text("".join(piece for _, piece in group), event=event, id=last_seq)


def _snapshot_message(feed: Feed, message_id: int, *, suffix: str = "") -> bytes:
    """Replace (not append to) whatever the page shows with the exact state so far."""
    parts = {TEXT: feed.text(TEXT), REASONING: feed.text(REASONING), STATUS: feed.latest(STATUS)}
    html = "".join(
        f'<div id="message-{message_id}-{kind}" hx-swap-oob="innerHTML">{escape(text)}</div>'
        for kind, text in parts.items()
        if text or kind != STATUS
    )
    return sse_message(html, event="snapshot" + suffix, id=None if suffix else feed.seq)


async def _final_html(run_id: int) -> str:
    live = await get_broker().is_live(run_id)
    # Drawn on the runs' database thread, not in the event loop that relays every stream.
    return await runs.db(_final_message_html)(run_id, live=live)


def _final_message_html(run_id: int, *, live: bool) -> str:
    try:
        run = selectors.run_for_render(run_id=run_id)
    except Run.DoesNotExist:  # the conversation was deleted meanwhile
        return ""
    if run.is_active and not live:
        services.run_mark_interrupted(run=run)
    return _message_html(run)


def _message_html(run: Run) -> str:
    """The run's message as the page shows it once the answer has ended."""
    message = run.message
    context = {
        "message": message,
        "conversation": message.conversation,
        "entry": selectors.message_entry(message=message),
        "leaf_id": message.pk,  # an answer that just ended is the newest message
    }
    return render_to_string(MESSAGE_TEMPLATE, context)
