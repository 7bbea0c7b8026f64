"""The final rendering of a run's message, drawn once per run in this process however many
pages show the run (two tabs, a comparison seen by a team)."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable

from django.template.loader import render_to_string

from playground.chat import runs, selectors, services
from playground.chat.live import get_broker
from playground.chat.models import Run
from playground.core.loops import one_per_event_loop

# The message, and the conversation's totals now that the answer counts (out of band).
MESSAGE_TEMPLATE = "chat/chat.html#message-final"
KEEP_SECONDS = 30  # a drawing is reused this long: every page showing the run has it by then

_drawings = one_per_event_loop(dict)


async def drawn_once(key: Hashable, draw: Callable[[], Awaitable[str]]) -> str:
    """What `draw()` gives, drawn by the first caller with this key; the others wait for it.
    A caller that goes away does not cancel the drawing for the rest."""
    drawings: dict[Hashable, asyncio.Future[str]] = _drawings()
    drawing = drawings.get(key)
    if drawing is None:
        drawing = drawings[key] = asyncio.ensure_future(draw())
        asyncio.get_running_loop().call_later(KEEP_SECONDS, drawings.pop, key, None)
    return await asyncio.shield(drawing)


def keep_drawn(key: Hashable, html: str) -> None:
    """A drawing made already (with the run's final write): callers with `key` get it."""
    drawings: dict[Hashable, asyncio.Future[str]] = _drawings()
    if key not in drawings:
        drawing = drawings[key] = asyncio.get_running_loop().create_future()
        drawing.set_result(html)
        asyncio.get_running_loop().call_later(KEEP_SECONDS, drawings.pop, key, None)


async def message_html(run_id: int, finished: Run | None) -> str:
    """The run's chat message as the page shows it once the answer has ended. `finished` is
    the Run as its task left it, when it ran in this process; else it is read back."""

    async def draw() -> str:
        if finished is not None:
            return await runs.db(_message_html)(finished)
        live = await get_broker().is_live(run_id)
        return await runs.db(_stored_message_html)(run_id, live=live)

    return await drawn_once(("message", run_id), draw)


def _stored_message_html(run_id: int, *, live: bool) -> str:
    try:
        run = selectors.run_for_render(run_id=run_id)
    except Run.DoesNotExist:  # the conversation was deleted meanwhile
        return ""
    if run.is_active and not live:
        services.run_mark_interrupted(run=run)
    return _message_html(run)


def final_message_html(run: Run) -> str:
    """The run's message as `message_html` draws it, from the Run its task finished (sync:
    the runs' database thread draws it with the final write)."""
    return _message_html(run)


def _message_html(run: Run) -> str:
    message = run.message
    context = {
        "message": message,
        "conversation": message.conversation,
        "totals": selectors.conversation_totals(conversation=message.conversation),
        "entry": selectors.message_entry(message=message),
        "leaf_id": message.pk,  # an answer that just ended is the newest message
    }
    return render_to_string(MESSAGE_TEMPLATE, context)
