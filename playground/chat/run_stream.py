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
):
    """The SSE messages of one run: a snapshot or the missed pieces, live pieces, the end.

    `suffix` is appended to every event name (several runs on one connection);
    `render_final(run_id)` draws the last event's HTML (the chat message by default).
    """
    async with get_broker().follow(run.pk) as feed:
        if feed is not None:
            if last_event_id is not None and last_event_id <= feed.seq:
                backlog = _pieces_message(
                    [p for p in feed.log if p[0] > last_event_id], suffix=suffix
                )
            else:
                backlog = _snapshot_message(feed, run.message_id, suffix=suffix)
            yield b"retry: 1000\n\n" + backlog
            async for batch in feed.batches(KEEPALIVE_SECONDS):
                yield _pieces_message(batch, suffix=suffix) if batch else SSE_KEEPALIVE
    final = await (render_final or _final_html)(run.pk)
    yield sse_message(final, event="done" + suffix)


async def runs_event_stream(runs: list[Run], *, render_final: RenderFinal) -> AsyncIterator[bytes]:
    """Several runs over one SSE connection, their messages interleaved as they come."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def pump(run: Run) -> None:
        try:
            await _relay(run, queue, last_event_id=None, render_final=render_final)
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(pump(run)) for run in runs]
    try:
        remaining = len(tasks)
        while remaining:
            message = await queue.get()
            if message is None:
                remaining -= 1
            else:
                yield message
        yield sse_message("", event="end")
    finally:
        for task in tasks:
            task.cancel()


async def _relay(
    run: Run,
    out: asyncio.Queue,
    *,
    last_event_id: int | None,
    render_final: RenderFinal | None = None,
) -> None:
    """One run's messages, its id in their event names, into a stream shared with others."""
    stream = run_event_stream(
        run, last_event_id=last_event_id, suffix=f"-{run.pk}", render_final=render_final
    )
    async for message in stream:
        await out.put(message)


def page_channel(user_id: int, page: str) -> str:
    """A page's channel: the user's id is part of it, so nobody else can listen in."""
    return f"{user_id}:{page}"


async def page_event_stream(channel: str) -> AsyncIterator[bytes]:
    """The runs announced on a page's channel while it is open, each from its first piece."""
    out: asyncio.Queue[bytes | None] = asyncio.Queue()  # None: time is up
    tasks: set[asyncio.Task] = set()

    async def pump(run_id: int, message_id: int) -> None:
        await out.put(sse_message(f"{run_id} {message_id}", event="run"))
        # From piece 1 on, as plain pieces: the page has shown nothing of this run yet.
        await _relay(Run(pk=run_id, message_id=message_id), out, last_event_id=0)

    async def follow_announced(announcements: asyncio.Queue) -> None:
        while True:
            task = asyncio.create_task(pump(*await announcements.get()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            out.put_nowait(SSE_KEEPALIVE)

    # Keep-alives and the end come through the queue too: no timer around every piece.
    time_up = asyncio.get_running_loop().call_later(
        settings.PAGE_STREAM_SECONDS, out.put_nowait, None
    )
    async with get_broker().listen(channel) as announcements:
        tasks.add(asyncio.create_task(follow_announced(announcements)))
        tasks.add(asyncio.create_task(keep_alive()))
        try:
            yield b"retry: 1000\n\n" + sse_message("", event="ready")
            while (message := await out.get()) is not None:
                while not out.empty():  # what piled up goes out in one write
                    more = out.get_nowait()
                    if more is None:
                        out.put_nowait(None)  # time is up: after this write
                        break
                    message += more
                yield message
        finally:
            time_up.cancel()
            for task in list(tasks):
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
    entry = selectors.message_entry(message=run.message)
    context = {
        "message": run.message,
        "conversation": run.message.conversation,
        "entry": entry,
        "leaf_id": run.message_id,  # an answer that just ended is the newest message
    }
    return render_to_string(MESSAGE_TEMPLATE, context)
