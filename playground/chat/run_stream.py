"""The SSE stream of one run, as the page's htmx SSE extension consumes it.

Events: `snapshot` replaces what the page shows (a connection without Last-Event-ID),
`text`/`reasoning` append escaped text, `status` replaces a notice, `done` swaps in the
final rendering and closes. Every piece has an id, so EventSource can resume after it.
"""

from django.template.loader import render_to_string
from django.utils.html import escape

from playground.chat import runs, selectors, services
from playground.chat.broker import REASONING, STATUS, TEXT, Feed, Piece, get_broker
from playground.chat.models import Run
from playground.core.sse import SSE_KEEPALIVE, sse_message, sse_text

KEEPALIVE_SECONDS = 15
MESSAGE_TEMPLATE = "chat/chat.html#message"


async def run_event_stream(run: Run, *, last_event_id: int | None):
    """The SSE messages of one run: a snapshot or the missed pieces, live pieces, the end."""
    async with get_broker().follow(run.pk) as feed:
        if feed is not None:
            if last_event_id is not None and last_event_id <= feed.seq:
                backlog = _pieces_message([p for p in feed.log if p[0] > last_event_id])
            else:
                backlog = _snapshot_message(feed, run.message_id)
            yield b"retry: 1000\n\n" + backlog
            async for batch in feed.batches(KEEPALIVE_SECONDS):
                yield _pieces_message(batch) if batch else SSE_KEEPALIVE
    yield sse_message(await _final_html(run.pk), event="done")


def _pieces_message(items: list[Piece]) -> bytes:
    """Consecutive pieces of the same kind become one SSE message (fewer DOM swaps)."""
    out, group, group_kind = [], [], None
    for seq, kind, piece in items:
        if kind != group_kind and group:
            out.append(_group_message(group_kind, group))
            group = []
        group_kind = kind
        group.append((seq, piece))
    if group:
        out.append(_group_message(group_kind, group))
    return b"".join(out)


def _group_message(kind: str, group: list[tuple[int, str]]) -> bytes:
    last_seq = group[-1][0]
    if kind == STATUS:  # a notice replaces the previous one
        return sse_text(group[-1][1], event=kind, id=last_seq)
    return sse_text("".join(piece for _, piece in group), event=kind, id=last_seq)


def _snapshot_message(feed: Feed, message_id: int) -> bytes:
    """Replace (not append to) whatever the page shows with the exact state so far."""
    parts = {TEXT: feed.text(TEXT), REASONING: feed.text(REASONING), STATUS: feed.latest(STATUS)}
    html = "".join(
        f'<div id="message-{message_id}-{kind}" hx-swap-oob="innerHTML">{escape(text)}</div>'
        for kind, text in parts.items()
        if text or kind != STATUS
    )
    return sse_message(html, event="snapshot", id=feed.seq)


async def _final_html(run_id: int) -> str:
    try:
        run = await runs.db(selectors.run_for_render)(run_id=run_id)
    except Run.DoesNotExist:  # the conversation was deleted meanwhile
        return ""
    if run.is_active and not await get_broker().is_live(run_id):
        await runs.db(services.run_mark_interrupted)(run=run)
    entry = await runs.db(selectors.message_entry)(message=run.message)
    context = {"message": run.message, "conversation": run.message.conversation, "entry": entry}
    return render_to_string(MESSAGE_TEMPLATE, context)
