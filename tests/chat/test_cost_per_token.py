"""Nothing per token touches the database, renders a template or logs."""

import asyncio
import logging
import re
import time
from contextlib import contextmanager

import pytest
from django.test.signals import template_rendered

from tests.chat.streaming import open_events, read_all, send_message, text_of
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
