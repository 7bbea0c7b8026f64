"""Nothing per token touches the database, renders a template or logs."""

import asyncio
import logging
import re
import secrets
import time
from contextlib import contextmanager

import pytest
from django.test.signals import template_rendered
from django.urls import reverse

from playground.chat import page_stream
from playground.chat.live import TEXT, get_broker
from playground.chat.models import Run
from playground.nexconn.sse import SSEParser
from tests.chat.streaming import open_events, page_events_url, read_all, send_message, text_of
from tests.chat.test_runs import logged_in, run_async

pytestmark = pytest.mark.django_db(transaction=True)
# Django logs a write as "(0.001) UPDATE …", and an executemany as "(0.001) 5 times: UPDATE …".
WRITE = re.compile(r"\([\d.]+\) (\d+ times: )?(UPDATE|INSERT INTO)")
MESSAGE_UPDATE = re.compile(r'\([\d.]+\) (\d+ times: )?UPDATE "chat_message" SET')


class _Recorder(logging.Handler):
    """Every log record from every thread (the run writes from worker threads)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)  # Handler.handle already holds the handler's lock


@contextmanager
def every_log_record():
    """Every log record, SQL statements included, from every thread."""
    recorder = _Recorder()
    root, sql_logger = logging.getLogger(), logging.getLogger("django.db.backends")
    old_levels = root.level, sql_logger.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    sql_logger.setLevel(logging.DEBUG)  # "django" is at INFO, which would hide the SQL
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(old_levels[0])
        sql_logger.setLevel(old_levels[1])


def test_a_2000_token_answer_costs_a_few_writes_per_second_and_no_work_per_token(owner, settings):
    settings.DEBUG = True  # Django then logs every SQL statement, from every thread
    settings.RUN_FLUSH_INTERVAL_SECONDS = 1.0
    renders = []

    def count_render(sender, template, **kwargs):
        renders.append(template.name)

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Essay [sim tokens=2000 rate=500]")
        started = time.monotonic()
        recorder.records.clear()
        renders.clear()
        events = await read_all(await open_events(client, run_id))
        return events, time.monotonic() - started

    template_rendered.connect(count_render)
    try:
        with every_log_record() as recorder:
            events, seconds = run_async(scenario)
    finally:
        template_rendered.disconnect(count_render)

    assert len(text_of(events).split()) > 1000 and seconds > 3
    sql = [r.getMessage() for r in recorder.records if r.name == "django.db.backends"]
    writes = [s for s in sql if WRITE.match(s)]
    # markdown-it logs its parser steps at DEBUG while the final answer is rendered, once.
    other_logs = [
        r for r in recorder.records if not r.name.startswith(("django.db.backends", "markdown_it"))
    ]
    assert writes, "the run's writes are seen"
    assert len(writes) <= 3 * seconds + 6, f"{len(writes)} writes in {seconds:.1f} s"
    assert len(sql) <= 6 * seconds + 20, f"{len(sql)} statements in {seconds:.1f} s"
    assert len(renders) <= 5, renders  # the final rendering, not one per piece
    assert len(other_logs) <= 5, [r.getMessage() for r in other_logs]


def test_answers_streaming_together_share_one_write_per_interval(owner, settings):
    """Five answers at once: their growing texts go to the database in one batch per
    interval, not one write per answer (each was a thread hop and an ORM update)."""
    settings.DEBUG = True
    settings.RUN_FLUSH_INTERVAL_SECONDS = 0.5

    async def scenario():
        client = await logged_in(owner)
        run_ids = []
        for number in range(5):  # five conversations, so none waits for another
            _, run_id = await send_message(client, f"Essay {number} [sim tokens=250 rate=100]")
            run_ids.append(run_id)
        started = time.monotonic()
        streams = [read_all(await open_events(client, run_id)) for run_id in run_ids]
        answers = await asyncio.gather(*streams)
        return answers, time.monotonic() - started

    with every_log_record() as recorder:
        answers, seconds = run_async(scenario)
    assert all(len(text_of(events).split()) > 100 for events in answers)
    sql = [r.getMessage() for r in recorder.records if r.name == "django.db.backends"]
    message_writes = [s for s in sql if MESSAGE_UPDATE.match(s)]
    batches = len(message_writes) - 5  # one final write per answer
    assert 1 <= batches <= seconds / 0.5 + 2, f"{batches} batches in {seconds:.1f} s"


def test_a_short_answer_on_its_page_costs_one_database_job(owner, settings):
    """An answer that ends within the first interval: its start, its final text and its
    final rendering for the page go in one transaction, with no empty batch after it; the
    page's stream still gets the rendering, and "inspect" has the request."""
    settings.DEBUG = True
    settings.RUN_FLUSH_INTERVAL_SECONDS = 0.3
    marks = {}

    async def scenario():
        client = await logged_in(owner)
        page = secrets.token_urlsafe(18)
        stream = await client.get(page_events_url(page=page))
        content = stream.streaming_content
        await anext(content)  # listening
        headers = {"HX-Request": "true", "X-Page-Id": page}
        data = {"text": "Hi [sim tokens=2 rate=50]", "model": "deepseek-v3", "conversation": ""}
        marks["sent"] = len(recorder.records)
        response = await client.post(reverse("chat:send"), data, headers=headers)
        assert response.status_code == 200 and response["HX-Reswap"] == "none"
        parser, done = SSEParser(), None
        async for chunk in content:
            done = next((e for e in parser.feed(chunk) if e.event.startswith("done-")), None)
            if done:
                break
        await asyncio.sleep(0.6)  # two intervals: any batch would have been written
        await content.aclose()
        return done

    with every_log_record() as recorder:
        done = run_async(scenario)
    assert "Simulated" in done.data  # the final rendering, on the page's stream
    after_send = [
        r.getMessage()
        for r in recorder.records[marks["sent"] :]
        if r.name == "django.db.backends" and r.threadName.startswith("run-db")
    ]
    begins = [s for s in after_send if "BEGIN" in s]
    assert len(begins) == 1, after_send  # no empty batch, no write of the start alone
    assert any('"started_at"' in s for s in after_send), after_send  # the start, with it
    run = Run.objects.get()
    assert run.status == Run.Status.DONE and run.started_at and run.request["body"]["messages"]


def test_a_live_answers_markdown_is_rendered_per_so_many_characters_not_per_piece(monkeypatch):
    """Each render of the answer so far costs CPU: renders follow the text (one per
    LIVE_MARKDOWN_CHARS or so), not the pieces, nor the clock (an answer slowed down by a
    busy server must not be rendered more often per token)."""
    monkeypatch.setattr(page_stream, "LIVE_MARKDOWN_SECONDS", 0.005)
    monkeypatch.setattr(page_stream, "LIVE_MARKDOWN_MAX_SECONDS", 0.25)
    pieces, seconds, run_id = 200, 1.0, 10**9

    async def scenario():
        broker = get_broker()
        await broker.open(run_id, stop=lambda: None)

        async def final(_run_id, _finished):
            return "<p>the end</p>"

        async def read():
            stream = page_stream.page_event_stream(runs=[run_id], draw_final=final, markdown=True)
            return b"".join([chunk async for chunk in stream])

        reading = asyncio.ensure_future(read())
        await asyncio.sleep(0.01)
        for _ in range(pieces):
            broker.publish(run_id, TEXT, " *a*")  # markup in every piece: each one changes it
            await asyncio.sleep(seconds / pieces)
        await broker.close(run_id)
        return await reading

    written = run_async(scenario)
    renders = written.count(b"event: markdown-")
    by_text = pieces * 4 / page_stream.LIVE_MARKDOWN_CHARS
    assert by_text / 2 <= renders <= by_text + seconds / 0.25 + 2, renders
