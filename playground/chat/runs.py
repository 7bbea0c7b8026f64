"""The run executor: generates one answer server-side, apart from any browser connection.

It streams from the upstream, publishes each piece to the broker, writes the growing text
to the database at most once per RUN_FLUSH_INTERVAL_SECONDS (never per token) and once at
the end.
"""

import asyncio
import contextvars
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from playground.chat import broker, selectors, services
from playground.chat.models import Run
from playground.nexconn import chat_completions
from playground.nexconn.client import get_client
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import (
    Finish,
    ReasoningDelta,
    StreamError,
    TextDelta,
    Usage,
)

logger = logging.getLogger(__name__)

_tasks: dict[int, asyncio.Task] = {}


def db(function):
    """Run a sync ORM function off the event loop, on a pooled thread, then let go of the
    thread's connection: a run must not pin a database connection while it streams."""

    def call_and_release(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(call_and_release, thread_sensitive=False)


def run_start(run_id: int) -> None:
    """Start generating in the background of the current event loop."""
    broker.stream_open(run_id)
    # A fresh context: the task must not inherit the request's thread-sensitive context,
    # which is torn down when the request that started it ends.
    task = asyncio.get_running_loop().create_task(
        _execute(run_id), context=contextvars.Context()
    )
    _tasks[run_id] = task
    task.add_done_callback(lambda _: _tasks.pop(run_id, None))


def _load(run_id: int) -> tuple[Run, dict]:
    run = Run.objects.select_related("message__conversation").get(pk=run_id)
    conversation = run.message.conversation
    body = chat_completions.build_request(
        model=run.model,
        messages=selectors.run_prompt_messages(run=run),
        temperature=conversation.temperature,
        max_tokens=conversation.max_tokens,
    )
    services.run_mark_started(run=run)
    return run, body


async def _execute(run_id: int) -> None:
    stream = broker.stream_get(run_id)
    try:
        run, body = await db(_load)(run_id)
    except Run.DoesNotExist:  # deleted before it started
        broker.stream_close(run_id)
        return
    text: list[str] = []
    reasoning: list[str] = []
    pending_write: asyncio.Task | None = None
    last_write = time.monotonic()

    def write_progress() -> None:
        nonlocal pending_write, last_write
        if pending_write is None or pending_write.done():
            last_write = time.monotonic()
            pending_write = asyncio.create_task(
                db(services.run_save_progress)(
                    run=run, text="".join(text), reasoning="".join(reasoning)
                )
            )

    def on_retry(attempt: int, delay: float, error: NexconnError) -> None:
        stream.publish(broker.STATUS, f"{error.message_for_user} Retrying in {delay:.0f} s…")

    run.status = Run.Status.DONE
    try:
        client = get_client()
        async for event in chat_completions.stream_chat(client, body, on_retry=on_retry):
            match event:
                case TextDelta(text=piece) | ReasoningDelta(text=piece):
                    if run.first_token_at is None:
                        run.first_token_at = timezone.now()
                    kind = broker.TEXT if isinstance(event, TextDelta) else broker.REASONING
                    (text if kind == broker.TEXT else reasoning).append(piece)
                    stream.publish(kind, piece)
                case Usage():
                    run.input_tokens = event.input_tokens
                    run.output_tokens = event.output_tokens
                    run.reasoning_tokens = event.reasoning_tokens
                case Finish(reason=reason):
                    run.finish_reason = reason or ""
                case StreamError(error=error):
                    raise error
            if time.monotonic() - last_write >= settings.RUN_FLUSH_INTERVAL_SECONDS:
                write_progress()
    except NexconnError as error:
        run.status = Run.Status.FAILED
        run.error_kind = error.kind
        run.error_message = error.message_for_user
        logger.warning("Run %s failed: %s (%s)", run_id, error.kind, error.status)
    except asyncio.CancelledError:
        run.status = Run.Status.STOPPED
        raise
    except Exception:
        logger.exception("Run %s crashed", run_id)
        run.status = Run.Status.FAILED
        run.error_kind = "internal"
        run.error_message = "Something went wrong on our side. Please try again."
    finally:
        if pending_write is not None:
            await asyncio.shield(pending_write)
        await asyncio.shield(
            db(services.run_finish)(run=run, text="".join(text), reasoning="".join(reasoning))
        )
        broker.stream_close(run_id)
