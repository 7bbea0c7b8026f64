"""A chat page's own stream: every answer on the page comes on it, an answer started from the
page from its first piece, and a stream that reconnects picks up where the page is."""

import asyncio
import html
import re

import pytest
from django.test import AsyncClient
from django.urls import reverse

from playground.chat import page_stream
from playground.chat.models import Run
from playground.nexconn.sse import SSEParser
from tests.chat.streaming import RUN_ON_PAGE, page_events_url, send_message, text_of
from tests.chat.test_redis import redis_env  # noqa: F401 - a fixture used below
from tests.chat.test_runs import logged_in, run_async
from tests.core.test_markdown import assert_inert, tags

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "page-stream-test-0123456789"


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


async def open_page_stream(client: AsyncClient, *run_ids: int, page: str = PAGE) -> PageStream:
    response = await client.get(page_events_url(*run_ids, page=page))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    stream = PageStream(response)
    assert (await stream.next()).event == "ready"  # it listens from here on
    return stream


async def send_from_page(client: AsyncClient, text: str, page: str = PAGE):
    """A send from the chat page: htmx adds the page's id (chat.html's hx-headers)."""
    data = {"text": text, "model": "deepseek-v3", "conversation": ""}
    headers = {"HX-Request": "true", "X-Page-Id": page}
    response = await client.post(reverse("chat:send"), data, headers=headers)
    assert response.status_code == 200, response.content
    return response


def run_events(events, run_id: int) -> list:
    """The run's events with its id taken off their names (as text_of reads them)."""
    suffix = f"-{run_id}"
    return [
        type(event)(event=event.event.removesuffix(suffix), data=event.data, id=event.id)
        for event in events
        if event.event.endswith(suffix)
    ]


def _answer_on_the_page_stream(user):
    async def scenario():
        client = await logged_in(user)
        stream = await open_page_stream(client)
        sent = await send_from_page(client, "Tell me about tides [sim tokens=40 rate=200]")
        placed = await stream.next()
        run_id = int(RUN_ON_PAGE.search(placed.data.encode()).group(1))
        events = await stream.until(f"done-{run_id}")
        await stream.close()
        return sent, placed, run_id, events

    sent, placed, run_id, events = run_async(scenario)
    # The question and the answer go onto the page through its stream, ahead of the first
    # piece; the send's response draws neither.
    assert placed.event == "place"
    assert 'id="messages" hx-swap-oob="beforeend"' in placed.data
    assert "Tell me about tides" in placed.data and f'sse-swap="done-{run_id}"' in placed.data
    assert sent["HX-Reswap"] == "none" and b"message--" not in sent.content
    assert sent["HX-Push-Url"].startswith("/c/")
    assert b'id="composer-conversation"' in sent.content  # the new conversation's id
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.DONE
    # From the first piece on, nothing missing, nothing twice.
    mine = run_events(events, run_id)
    assert sum(event.event == "text" for event in mine) >= 2
    assert "snapshot" not in {event.event for event in mine}
    assert text_of(mine) == run.message.content
    assert "40 out" in events[-1].data  # the final rendering


def test_an_answer_sent_from_a_page_comes_on_the_pages_own_stream(owner):
    _answer_on_the_page_stream(owner)


def test_the_pages_stream_works_through_redis(owner, redis_env):  # noqa: F811
    _answer_on_the_page_stream(owner)


def test_without_a_listening_stream_the_response_draws_the_answer_and_the_stream_takes_it_up(
    owner,
):
    """A send before the page's stream listens (it is still connecting, or reconnecting)."""

    async def scenario():
        client = await logged_in(owner)
        sent = await send_from_page(client, "Hello [sim tokens=60 rate=60]")
        run_id = int(RUN_ON_PAGE.search(sent.content).group(1))
        await asyncio.sleep(0.3)
        stream = await open_page_stream(client)
        events = await stream.until(f"done-{run_id}")
        await stream.close()
        return sent, run_id, events

    sent, run_id, events = run_async(scenario)
    assert "HX-Reswap" not in sent and b"Hello" in sent.content
    mine = run_events(events, run_id)
    assert mine[0].event == "snapshot" and text_of(mine[:1]), "the text so far, at once"
    assert text_of(mine) == Run.objects.select_related("message").get(pk=run_id).message.content


def test_a_page_reloaded_mid_answer_shows_the_text_so_far_then_every_piece(owner):
    async def scenario():
        client = await logged_in(owner)
        response, run_id = await send_message(client, "Long one [sim tokens=80 rate=60]")
        await asyncio.sleep(0.4)
        page = await client.get(response["HX-Push-Url"])
        stream_url = html.unescape(
            page.content.decode().split('sse-connect="', 1)[1].split('"', 1)[0]
        )
        parser, events = SSEParser(), []
        response = await client.get(stream_url)
        async for chunk in response.streaming_content:
            events.extend(parser.feed(chunk))
            if any(event.event == f"done-{run_id}" for event in events):
                break
        await response.streaming_content.aclose()
        return stream_url, run_id, events

    stream_url, run_id, events = run_async(scenario)
    assert stream_url.endswith(f"?run={run_id}")  # the page names the answer it shows
    mine = run_events(events, run_id)
    assert mine[0].event == "snapshot" and text_of(mine[:1])
    # The text so far then renders as Markdown in place of the escaped text.
    assert mine[1].event == "markdown"
    assert f'<div id="run-{run_id}-rendered" hx-swap-oob="innerHTML"><p><strong>' in mine[1].data
    assert sum(event.event == "text" for event in mine) >= 2, "then live pieces"
    assert text_of(mine) == Run.objects.select_related("message").get(pk=run_id).message.content


def test_a_stream_that_reconnects_takes_up_the_answers_placed_on_its_page(owner, settings):
    """The stream ends (its time is up, or the connection dropped) mid-answer; the browser
    opens it again, and the answer placed on the page goes on from a snapshot."""
    settings.PAGE_STREAM_SECONDS = 0.5

    async def scenario():
        client = await logged_in(owner)
        first = await open_page_stream(client)
        await send_from_page(client, "Keep going [sim tokens=80 rate=40]")
        placed = await first.next()
        run_id = int(RUN_ON_PAGE.search(placed.data.encode()).group(1))
        before = []
        with pytest.raises(StopAsyncIteration):
            while True:
                before.append(await first.next())
        settings.PAGE_STREAM_SECONDS = 30
        again = await open_page_stream(client)
        after = await again.until(f"done-{run_id}")
        await again.close()
        return run_id, before, after

    run_id, before, after = run_async(scenario)
    assert any(event.event == f"text-{run_id}" for event in before)
    mine = run_events(after, run_id)
    assert mine[0].event == "snapshot"
    assert text_of(mine) == Run.objects.select_related("message").get(pk=run_id).message.content


def test_another_user_listening_on_the_same_page_id_hears_nothing(owner, other_user):
    async def scenario():
        eavesdropper = await logged_in(other_user)
        stream = await open_page_stream(eavesdropper)
        sent = await send_from_page(await logged_in(owner), "Secret plans [sim tokens=5 rate=200]")
        try:
            heard = await stream.next(within=1.0)
        except TimeoutError:
            heard = None
        await stream.close()
        return sent, heard

    sent, heard = run_async(scenario)
    assert heard is None
    assert b"Secret plans" in sent.content  # the owner's page had no stream: the response draws it


def test_a_regenerated_answer_is_placed_with_its_thread(owner):
    async def scenario():
        client = await logged_in(owner)
        _, first_id = await send_message(client, "Once [sim tokens=5 rate=200]")
        while await Run.objects.filter(pk=first_id, status=Run.Status.DONE).acount() == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        message_id = (await Run.objects.aget(pk=first_id)).message_id
        stream = await open_page_stream(client)
        regenerated = await client.post(
            reverse("chat:message-regenerate", args=[message_id]),
            headers={"HX-Request": "true", "X-Page-Id": PAGE},
        )
        placed = await stream.next()
        run_id = int(RUN_ON_PAGE.search(placed.data.encode()).group(1))
        events = await stream.until(f"done-{run_id}")
        await stream.close()
        return regenerated, placed, run_id, events

    regenerated, placed, run_id, events = run_async(scenario)
    assert regenerated["HX-Reswap"] == "none" and not regenerated.content
    assert placed.event == "place" and 'id="messages" hx-swap-oob="innerHTML"' in placed.data
    mine = run_events(events, run_id)
    assert text_of(mine) == Run.objects.select_related("message").get(pk=run_id).message.content


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


# What the page's own elements in a `markdown` message are (chat.html's `message`).
OWN_WRAPPER = re.compile(r'<div id="run-\d+-(rendered|open|text)" hx-swap-oob="[a-zA-Z]+">|</div>$')

STREAMED = """[sim echo rate=150]## Why tides

The **Moon** pulls [the sea](https://example.com/tides) and [this](javascript:alert(1)).

- <script>fetch("/pwned")</script>
- <img src=x onerror="fetch('/pwned')">
- <a href="javascript:fetch('/pwned')">raw link</a> <div hx-get="/pwned" hx-trigger="load">x</div>

```python
print("<b>hi</b>")
```

That is all there is to it, and the rest of this sentence is only here to keep it going."""


def test_the_answer_renders_as_markdown_while_it_streams_and_nothing_in_it_runs(owner, monkeypatch):
    """Headings, bold, lists and code render while the answer is written, sanitized as the
    final rendering is: hostile markup stays text at every moment, not only at the end. The
    conversation's totals come with the final rendering."""
    monkeypatch.setattr(page_stream, "LIVE_MARKDOWN_SECONDS", 0.05)
    monkeypatch.setattr(page_stream, "LIVE_MARKDOWN_CHARS", 16)

    async def scenario():
        client = await logged_in(owner)
        stream = await open_page_stream(client)
        await send_from_page(client, STREAMED)
        placed = await stream.next()
        run_id = int(RUN_ON_PAGE.search(placed.data.encode()).group(1))
        events = await stream.until(f"done-{run_id}")
        await stream.close()
        return run_id, events

    run_id, events = run_async(scenario)
    mine = run_events(events, run_id)
    rendered = [event.data for event in mine if event.event == "markdown"]
    assert len(rendered) >= 5, "rendered again and again while it streamed"
    for message in rendered:
        own = OWN_WRAPPER.findall(message)
        assert len(own) >= 2  # the open block and the raw text, at least
        inner = OWN_WRAPPER.sub("", message)
        assert_inert(inner)
        assert "<script" not in inner and "<img" not in inner  # shown as text, escaped
    shown = tags("".join(rendered))
    for tag in ("h2", "strong", "a", "li", "pre", "code"):
        assert tag in shown, (tag, rendered)
    assert 'href="https://example.com/tides"' in "".join(rendered)
    # Between two renders, the pieces come as escaped text; the answer ends rendered whole.
    assert all("<" not in event.data for event in mine if event.event == "text")
    done = mine[-1].data
    assert "<h2>Why tides</h2>" in done and "<script" not in done
    assert 'id="conversation-totals" hx-swap-oob="true"' in done
    assert re.search(r"1 answer · \d+ tokens in · \d+ out", done), done


def test_the_status_gives_way_to_the_reasoning_then_to_the_answer(owner):
    """ "Waiting for …" until the model answers; "Thinking…" while it reasons; then nothing,
    the answer itself shows it is coming. A page that comes in late is told the same."""

    async def scenario():
        client = await logged_in(owner)
        stream = await open_page_stream(client)
        data = {
            "text": "Why is the sky blue? [sim tokens=20 reasoning_tokens=20 rate=60]",
            "model": "moonshotai/kimi-k2.5",
            "conversation": "",
        }
        headers = {"HX-Request": "true", "X-Page-Id": PAGE}
        await client.post(reverse("chat:send"), data, headers=headers)
        placed = await stream.next()
        run_id = int(RUN_ON_PAGE.search(placed.data.encode()).group(1))
        events = []
        while not any(event.event == f"text-{run_id}" for event in events):
            events.append(await stream.next())
        late = await client.get(page_events_url(run_id))  # another page, opened mid-answer
        late_stream = PageStream(late)
        late_events = await late_stream.until(f"done-{run_id}")
        await late_stream.close()
        events += await stream.until(f"done-{run_id}")
        await stream.close()
        return run_id, events, late_events

    run_id, events, late_events = run_async(scenario)
    mine = [event.event for event in run_events(events, run_id)]
    statuses = [event.data for event in run_events(events, run_id) if event.event == "status"]
    assert statuses == ["Thinking…", "<!-- answering -->"]
    assert mine.index("status") < mine.index("reasoning")  # Thinking…, then the reasoning
    assert mine.index("status", mine.index("reasoning")) < mine.index("text")
    snapshot = next(event for event in run_events(late_events, run_id) if event.event == "snapshot")
    assert f'<div id="run-{run_id}-status" hx-swap-oob="innerHTML"><!-- answering --></div>' in (
        snapshot.data
    )
