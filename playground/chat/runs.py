"""The run executor: generates one answer server-side, apart from any browser connection.

It streams from the upstream, publishes each piece to the broker, writes the growing text
to the database at most once per RUN_FLUSH_INTERVAL_SECONDS (never per token; one batch for
all the answers streaming at once) and once at the end.
"""

import asyncio
import contextlib
import contextvars
import copy
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from playground.accounts import keys
from playground.chat import prompts, rendering, services
from playground.chat.live import REASONING, STATUS, TEXT, get_broker
from playground.chat.models import Run
from playground.core.downloads import DownloadError, decode_data_url, download
from playground.core.loops import one_per_event_loop
from playground.core.redaction import redact
from playground.nexconn import catalog
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import (
    Finish,
    ImageOutput,
    ReasoningDelta,
    ReplayState,
    Retrying,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
    WireMessage,
)
from playground.nexconn.params import WireRequest
from playground.nexconn.protocols import DEFAULT_PROTOCOL, PROTOCOLS

logger = logging.getLogger(__name__)

_EXCHANGE_LIMIT = 1_000_000  # characters of raw exchange kept per answer
# Base64 payloads (images in answers) are shortened in the kept exchange.
_BASE64_MIN = 512
_BASE64_RUN = re.compile(rf"[A-Za-z0-9+/]{{{_BASE64_MIN},}}={{0,2}}")


def _base64_marker(match: re.Match) -> str:
    return f"<base64, {len(match.group(0)) * 3 // 4 // 1024} KB>"


_tasks: dict[int, asyncio.Task] = {}


# One thread does the runs' database work and keeps its connection: opening and closing a
# connection for every write cost more than the writes. SQLite serialises writes anyway.
_db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-db")


def db(function):
    """Run a sync ORM function for a run off the event loop, on the runs' database thread."""

    async def call(*args, **kwargs):
        work = partial(_with_fresh_connection_on_error, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(_db_thread, work)

    return call


def _with_fresh_connection_on_error(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except (InterfaceError, OperationalError):
        # The kept connection may have gone stale (a database restart): reconnect once.
        # The run's writes set values, so doing one twice is harmless.
        connections.close_all()
        return function(*args, **kwargs)


def release_db_connection() -> None:
    """Close the runs' kept database connection (tests, before the database goes away)."""
    _db_thread.submit(connections.close_all).result()


class _ProgressWriter:
    """Writes the growing text of every streaming answer in one batch per
    RUN_FLUSH_INTERVAL_SECONDS: one database job however many answers stream, where a job
    per answer cost each a thread hop and two ORM updates (bench/README.md). The answers'
    starts (status, request) go in the same batch, or with the final write of an answer
    that ends first: not a job of their own."""

    def __init__(self) -> None:
        self._due: dict[int, _Answer] = {}
        self._starting: dict[int, _Answer] = {}
        self._scheduled = False

    def mark(self, answer: "_Answer") -> None:
        """The answer has grown: it goes into the next batch."""
        self._due[answer.run.pk] = answer
        if not self._scheduled:
            self._schedule()

    def mark_started(self, answer: "_Answer") -> None:
        """The answer's request has gone out: its start goes into the next batch."""
        self._starting[answer.run.pk] = answer
        if not self._scheduled:
            self._schedule()

    def forget(self, answer: "_Answer") -> bool:
        """The answer is being written whole: no batch after this may overwrite it. A batch
        already handed to the database thread runs before the final write (one thread, in
        order). True when its start is not written yet: the final write writes it."""
        self._due.pop(answer.run.pk, None)
        return self._starting.pop(answer.run.pk, None) is not None

    def _schedule(self) -> None:
        self._scheduled = True
        task = asyncio.get_running_loop().create_task(
            self._write_after_interval(), context=contextvars.Context()
        )
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def _write_after_interval(self) -> None:
        await asyncio.sleep(settings.RUN_FLUSH_INTERVAL_SECONDS)
        self._scheduled = False
        due, self._due = self._due, {}
        starting, self._starting = self._starting, {}
        if not due and not starting:  # every answer of the batch ended first
            return
        texts, first_tokens = {}, {}
        for answer in due.values():
            texts[answer.run.message_id] = ("".join(answer.text), "".join(answer.reasoning))
            if not answer.first_token_written:
                answer.first_token_written = True
                first_tokens[answer.run.pk] = answer.run.first_token_at
        starts = [answer.started_record() for answer in starting.values()]
        await db(_save_progress)(starts=starts, texts=texts, first_tokens=first_tokens)


def _save_progress(*, starts: list[dict], texts: dict, first_tokens: dict) -> None:
    with transaction.atomic():
        for start in starts:
            services.run_save_started(**start)
        if texts or first_tokens:
            services.runs_save_progress(texts=texts, first_tokens=first_tokens)


_background: set[asyncio.Task] = set()
_progress_writer = one_per_event_loop(_ProgressWriter)


type Loaded = tuple[Run, WireRequest]

# Work that takes a thread waits this long at most for the upstream to answer a new run's
# request: the thread would hold the GIL that the event loop needs to send the request and
# read the answer (bench/README.md).
UPSTREAM_ANSWER_WAIT_SECONDS = 0.03


async def until_upstream_answered(upstream_answered: asyncio.Event) -> None:
    """Wait for the event `run_start` returned, at most UPSTREAM_ANSWER_WAIT_SECONDS."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(upstream_answered.wait(), UPSTREAM_ANSWER_WAIT_SECONDS)


async def run_start(run_id: int, *, loaded: Loaded | None = None) -> asyncio.Event:
    """Start generating in the background of the current event loop.

    `loaded` is what `load(run_id)` returned, when the caller already ran it in its own
    thread: the upstream request then goes out at once, without a database round trip.
    Returns an event set once the upstream has sent its first event, or the run has ended.
    """
    upstream_answered = asyncio.Event()
    # Open the run's feed before the page can ask for it, so it is never taken for dead.
    await get_broker().open(run_id, stop=lambda: _tasks[run_id].cancel())
    # A fresh context: the task must not inherit the request's thread-sensitive context,
    # which is torn down when the request that started it ends.
    task = asyncio.get_running_loop().create_task(
        _execute(run_id, loaded, upstream_answered), context=contextvars.Context()
    )
    _tasks[run_id] = task
    task.add_done_callback(lambda _: _tasks.pop(run_id, None))
    task.add_done_callback(lambda _: upstream_answered.set())
    return upstream_answered


def load(run: Run | int, *, branch: prompts.Branch | None = None) -> Loaded:
    """The run (given, with its message and conversation, or read by id) and its wire
    request (sync: the ORM). `branch`: see prompts.prompt_messages."""
    if isinstance(run, Run):
        # The run's task sets fields of its copies of the run and its message as the answer
        # grows and ends; the caller's stay as they were. The conversation can be shared (a
        # model's copy has its own state and cache of related objects).
        message = copy.copy(run.message)
        run = copy.copy(run)
        run.message = message
    else:
        run = Run.objects.select_related("message__conversation", "paying_key").get(pk=run)
    _ = run.paying_key  # the key that pays is read here, not in the run's task
    conversation = run.message.conversation
    model = catalog.chat_model(run.model)
    # The panel's values were checked when the message was sent; a model switched since then
    # simply ignores what it does not support.
    params, _ = model.clean_params(conversation.params)
    protocol = PROTOCOLS.get(run.protocol) or PROTOCOLS[DEFAULT_PROTOCOL]
    request = protocol.build_request(
        model=run.model,
        messages=prompts.prompt_messages(run=run, branch=branch),
        params=params,
        reasoning=model.reasoning,
    )
    return run, request


class _Answer:
    """The answer as it grows, and its batched writes to the database."""

    def __init__(self, run: Run, upstream_answered: asyncio.Event | None = None):
        self.run = run
        # Set by the upstream's first event (see run_start).
        self.upstream_answered = upstream_answered or asyncio.Event()
        self.broker = get_broker()
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.image_links: list[str] = []
        self.tool_calls: dict[int, dict] = {}
        self.replay_state: dict[str, list[dict]] = {}
        self.exchange: list[list] = []  # [ms since the request, raw SSE message]
        self._exchange_size = 0
        self._started = time.monotonic()
        self.images: list[tuple[bytes, str]] = []  # (content, content type), once fetched
        self._progress = _progress_writer()
        self.first_token_written = False

    def apply(self, event) -> None:
        """Take one event of the upstream's answer: keep it, and publish what the page shows."""
        match event:
            case TextDelta(text=piece):
                self._add(self.text, TEXT, piece)
            case ReasoningDelta(text=piece):
                self._add(self.reasoning, REASONING, piece)
            case WireMessage():
                self._record(event)
            case Usage():
                self.run.input_tokens = event.input_tokens
                self.run.output_tokens = event.output_tokens
                self.run.reasoning_tokens = event.reasoning_tokens
                self.run.cached_tokens = event.cached_tokens
            case ToolCallDelta():
                self._add_tool_call(event)
            case ImageOutput(url=url):
                self.image_links.append(url)
                self.broker.publish(self.run.pk, STATUS, "An image arrived; it shows at the end.")
            case Finish(reason=reason):
                self.run.finish_reason = reason or ""
            case ReplayState(key=key, item=item):
                self.replay_state.setdefault(key, []).append(item)
            case Retrying(delay=delay, error=error):
                notice = f"{error.message_for_user} Retrying in {delay:.0f} s…"
                self.broker.publish(self.run.pk, STATUS, notice)
            case StreamError(error=error):
                raise error

    def mark_started(self, request: WireRequest) -> None:
        """Record that the request goes out, without holding it up: it is written with the
        next batch of progress (or the final write), not in a job of its own."""
        self.run.status = Run.Status.STREAMING
        self.run.started_at = timezone.now()
        self.run.request = services.request_record(request)
        self._progress.mark_started(self)

    def started_record(self) -> dict:
        return {
            "run_id": self.run.pk,
            "started_at": self.run.started_at,
            "request": self.run.request,
        }

    def _record(self, message: WireMessage) -> None:
        """Keep the raw exchange for "inspect" (written once, with the final text, and
        redacted then). The first message also tells that the upstream has answered."""
        self.upstream_answered.set()
        if self._exchange_size > _EXCHANGE_LIMIT:
            return
        data = message.data
        if len(data) >= _BASE64_MIN:  # shorter data holds no run of base64 to shorten
            data = _BASE64_RUN.sub(_base64_marker, data)
        event = message.event
        raw = f"event: {event}\ndata: {data}" if event and event != "message" else f"data: {data}"
        self._exchange_size += len(raw)
        if self._exchange_size > _EXCHANGE_LIMIT:
            raw = "… (the rest is not kept: the exchange is too long to store)"
        self.exchange.append([round((time.monotonic() - self._started) * 1000), raw])

    def _add_tool_call(self, delta: ToolCallDelta) -> None:
        """Fragments with the same index make one call; its arguments arrive in pieces."""
        call = self.tool_calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
        call["id"] = delta.id or call["id"]
        call["name"] = delta.name or call["name"]
        call["arguments"] += delta.arguments
        if delta.name:
            self.broker.publish(self.run.pk, STATUS, f"Calling {delta.name}…")

    def _add(self, parts: list[str], kind: str, piece: str) -> None:
        if self.run.first_token_at is None:
            self.run.first_token_at = timezone.now()
        parts.append(piece)
        self.broker.publish(self.run.pk, kind, piece)
        self._progress.mark(self)

    async def fetch_images(self) -> None:
        """Images arrive as data URLs or links; both end up as stored files."""
        limit = settings.MEDIA_MAX_DOWNLOAD_MB * 1024 * 1024
        for link in self.image_links:
            try:
                if link.startswith("data:"):
                    self.images.append(decode_data_url(link, max_bytes=limit))
                else:
                    fetched = await download(link, max_bytes=limit)
                    with fetched.file:
                        self.images.append((fetched.file.read(), fetched.content_type))
            except DownloadError as error:
                logger.warning("Run %s: an output image was not kept: %s", self.run.pk, error)
        self.image_links.clear()

    async def save_final(self, *, draw: bool) -> str | None:
        """The final write, with the start when no batch has written it yet; and, with
        `draw`, the message's final rendering, drawn in the same trip to the database
        thread."""
        starting = self._progress.forget(self)
        # An upstream may echo the key back (an error event): none of it is stored.
        self.run.exchange = redact(self.exchange)
        return await db(_write_final)(
            start=self.started_record() if starting else None,
            draw=draw,
            run=self.run,
            text="".join(self.text),
            reasoning="".join(self.reasoning),
            images=self.images,
            tool_calls=[
                {**call, "id": call["id"] or f"call_{index}"}
                for index, call in sorted(self.tool_calls.items())
            ],
            replay_state=self.replay_state,
        )


def _write_final(*, start: dict | None, draw: bool, **final) -> str | None:
    if start is not None:
        with transaction.atomic():
            services.run_save_started(**start)
            services.run_finish(**final)
    else:
        services.run_finish(**final)
    return rendering.final_message_html(final["run"]) if draw else None


async def _execute(run_id: int, loaded: Loaded | None, upstream_answered: asyncio.Event) -> None:
    broker = get_broker()
    if loaded is None:
        loading = asyncio.ensure_future(db(load)(run_id))
        try:
            loaded = await asyncio.shield(loading)
        except Run.DoesNotExist:  # deleted before it started
            await broker.close(run_id)
            return
        except asyncio.CancelledError:
            # Stopped before it began: let the load finish so that the stop is recorded.
            run, _ = await loading
            run.status = Run.Status.STOPPED
            await _finish(_Answer(run))
            raise
    run, request = loaded
    answer = _Answer(run, upstream_answered)
    answer.mark_started(request)

    run.status = Run.Status.DONE
    try:
        protocol = PROTOCOLS.get(run.protocol) or PROTOCOLS[DEFAULT_PROTOCOL]
        events = protocol.stream_chat(keys.client_for_run(run), request)
        async with aclosing(events):  # leaving early closes the upstream response at once
            async for event in events:
                answer.apply(event)
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
        await asyncio.shield(_finish(answer))


async def _finish(answer: _Answer) -> None:
    await answer.fetch_images()
    broker, run = get_broker(), answer.run
    # Followed here (a page's stream in this process): the final rendering is drawn with
    # the final write, and the followers take it from there.
    html = await answer.save_final(draw=broker.followed_here(run.pk))
    if html is not None:
        rendering.keep_drawn(("message", run.pk), html)
    # The followers here draw the final message from this run, without reading it back.
    await broker.close(run.pk, finished=run)
