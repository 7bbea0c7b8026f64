"""A chat page's own stream: answers sent from the page come on it from their first piece."""

import asyncio
import html

import pytest
from django.test import AsyncClient
from django.urls import reverse

from playground.chat.models import Run
from playground.nexconn.sse import SSEParser
from tests.chat.test_redis import redis_env  # noqa: F401 - a fixture used below
from tests.chat.test_runs import logged_in, run_async

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "page-stream-test-0123456789"
HTMX = {"HX-Request": "true"}


class PageStream:
    """A page's stream read as the page reads it, one SSE event at a time."""

    def __init__(self, response):
        self.content = response.streaming_content
        self.parser = SSEParser()
        self.waiting = []

    async def next(self, *, within: float = 10.0):
        """The next event; TimeoutError when none comes `within` seconds."""
        while not self.waiting:
            chunk = await asyncio.wait_for(anext(self.content), within)
            self.waiting.extend(self.parser.feed(chunk))
        return self.waiting.pop(0)

    async def until(self, event_name: str) -> list:
        events = [await self.next()]
        while events[-1].event != event_name:
            events.append(await self.next())
        return events

    async def close(self):
        await self.content.aclose()


async def open_page_stream(client: AsyncClient, page: str = PAGE) -> PageStream:
    response = await client.get(reverse("chat:page-events", args=[page]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    stream = PageStream(response)
    assert (await stream.next()).event == "ready"  # it listens from here on
    return stream


async def send(client: AsyncClient, text: str, **extra):
    data = {"text": text, "model": "deepseek-v3", "conversation": "", **extra}
    response = await client.post(reverse("chat:send"), data, headers=HTMX)
    assert response.status_code == 200, response.content
    return response.content.decode()


def _answer_on_the_page_stream(user):
    async def scenario():
        client = await logged_in(user)
        stream = await open_page_stream(client)
        sent = await send(client, "Tell me about tides [sim tokens=40 rate=200]", page=PAGE)
        announced = await stream.next()
        run_id, message_id = map(int, announced.data.split())
        events = await stream.until(f"done-{run_id}")
        await stream.close()
        return sent, announced, run_id, message_id, events

    sent, announced, run_id, message_id, events = run_async(scenario)
    assert announced.event == "run"
    # The answer in the send's response waits for the page's stream: none of its own.
    assert "sse-connect" not in sent
    assert f'data-page-run="{run_id}"' in sent and f'id="message-{message_id}"' in sent
    pieces = [event for event in events if event.event == f"text-{run_id}"]
    assert len(pieces) >= 2
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.message_id == message_id and run.status == Run.Status.DONE
    # From the first piece on, nothing missing, nothing twice.
    assert "".join(html.unescape(event.data) for event in pieces) == run.message.content
    assert "40 out" in events[-1].data  # the final rendering


def test_an_answer_sent_from_a_page_comes_on_the_pages_own_stream(owner):
    _answer_on_the_page_stream(owner)


def test_the_pages_stream_works_through_redis(owner, redis_env):  # noqa: F811
    _answer_on_the_page_stream(owner)


def test_without_a_listening_page_stream_the_answer_streams_on_its_own(owner):
    async def scenario():
        client = await logged_in(owner)
        return await send(client, "Hello [sim tokens=5 rate=200]", page=PAGE)

    sent = run_async(scenario)
    assert 'sse-connect="/runs/' in sent and "data-page-run" not in sent


def test_another_user_listening_on_the_same_page_id_hears_nothing(owner, other_user):
    async def scenario():
        eavesdropper = await logged_in(other_user)
        stream = await open_page_stream(eavesdropper)
        sent = await send(await logged_in(owner), "Secret plans [sim tokens=5 rate=200]", page=PAGE)
        try:
            heard = await stream.next(within=1.0)
        except TimeoutError:
            heard = None
        await stream.close()
        return sent, heard

    sent, heard = run_async(scenario)
    assert heard is None
    assert 'sse-connect="/runs/' in sent  # the owner's page had no stream: it gets its own


@pytest.mark.parametrize("page", ["short", "not%20a%20page%20id%20at%20all!!"])
def test_a_page_id_that_is_not_one_is_not_found(owner_client, page):
    assert owner_client.get(f"/pages/{page}/events/").status_code == 404


def test_the_pages_stream_needs_a_login(client):
    response = client.get(reverse("chat:page-events", args=[PAGE]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_pages_stream_ends_when_its_time_is_up(owner, settings):
    settings.PAGE_STREAM_SECONDS = 0.3

    async def scenario():
        stream = await open_page_stream(await logged_in(owner))
        try:
            await stream.next(within=5.0)
        except StopAsyncIteration:
            return True
        return False

    assert run_async(scenario), "the page's stream went on past its time"
