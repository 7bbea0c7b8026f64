"""A server killed mid-answer (SIGKILL) leaves the answer interrupted with the text up to
the last batch write; after a restart the page says so and Retry works."""

import signal
import time

import pytest

from playground.chat.models import Message, Run
from tests.chat.servers import logged_in_http, read_events, start_server
from tests.chat.streaming import RUN_ON_PAGE

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_killed_server_leaves_the_answer_interrupted_and_retry_works(owner):
    first, url = start_server()
    try:
        http = logged_in_http(owner, url)
        form = {"text": "Long [sim tokens=100 rate=40]", "model": "deepseek-v3"}
        sent = http.post("/send/", data=form)
        run_id = int(RUN_ON_PAGE.search(sent.content).group(1))
        message = Message.objects.get(run__pk=run_id)
        deadline = time.monotonic() + 10
        while not Message.objects.get(pk=message.pk).content and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    saved = Message.objects.get(pk=message.pk).content
    assert saved, "some batch writes happened before the kill"
    assert Run.objects.get(pk=run_id).status == Run.Status.STREAMING

    second, url = start_server()
    try:
        http = logged_in_http(owner, url)
        events = read_events(http, run_id)
        assert events[-1].event == "done"
        assert "restarted" in events[-1].data
        run = Run.objects.select_related("message").get(pk=run_id)
        assert run.status == Run.Status.INTERRUPTED
        assert run.message.content == saved, "the text up to the last batch write is kept"
        page = http.get(f"/c/{run.message.conversation_id}/")
        assert "Retry" in page.text and "restarted" in page.text

        retry = http.post(f"/runs/{run_id}/retry/")
        new_run_id = int(RUN_ON_PAGE.search(retry.content).group(1))
        read_events(http, new_run_id)
        new_run = Run.objects.select_related("message").get(pk=new_run_id)
        assert new_run.status == Run.Status.DONE and new_run.message.content
    finally:
        second.terminate()
        second.wait(5)
