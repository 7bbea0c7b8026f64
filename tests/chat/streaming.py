"""Helpers for driving a chat answer through the app's own views, as the page does."""

import html
import re
import secrets
from dataclasses import dataclass

from django.test import AsyncClient
from django.urls import reverse

from playground.nexconn.sse import SSEEvent, SSEParser

# An answer being written, as a page draws it: its elements take the run's events.
RUN_ON_PAGE = re.compile(rb'sse-swap="text-(\d+)"')


async def send_message(
    client: AsyncClient,
    text: str,
    *,
    model: str = "deepseek-v3",
    conversation_id=None,
    extra: dict | None = None,
):
    data = {"text": text, "model": model, "conversation": conversation_id or "", **(extra or {})}
    response = await client.post(reverse("chat:send"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content
    match = RUN_ON_PAGE.search(response.content)
    assert match, response.content.decode()[:3000]
    return response, int(match.group(1))


def page_events_url(*run_ids: int, page: str | None = None) -> str:
    """A chat page's stream (a page of its own unless `page` is given), naming the runs the
    page shows while they are written."""
    url = reverse("chat:page-events", args=[page or secrets.token_urlsafe(18)])
    return url + "".join(f"{'&' if i else '?'}run={run_id}" for i, run_id in enumerate(run_ids))


@dataclass
class RunEvents:
    """One run's events on a page's stream, named as for a page of that run alone: the
    run's id is taken off their names (`text-12` is `text`)."""

    response: object
    run_id: int


async def open_events(client: AsyncClient, run_id: int) -> RunEvents:
    """A newly loaded page that shows the run (a reload: the stream starts from a snapshot)."""
    response = await client.get(page_events_url(run_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    return RunEvents(response, run_id)


async def iter_stream(response):
    """Every event of a stream, until it ends."""
    parser = SSEParser()
    async for chunk in response.streaming_content:
        for event in parser.feed(chunk):
            yield event
    for event in parser.close():
        yield event


def stream_url_of(page: bytes) -> str | None:
    """The URL of the stream a page opens (its `sse-connect`), if it opens one."""
    match = re.search(rb'sse-connect="([^"]+)"', page)
    return html.unescape(match.group(1).decode()) if match else None


async def iter_events(stream: RunEvents):
    """The run's events, until its `done` (then the page's stream is closed)."""
    suffix = f"-{stream.run_id}"
    parser = SSEParser()
    content = stream.response.streaming_content
    try:
        async for chunk in content:
            for event in parser.feed(chunk):
                if event.event and event.event.endswith(suffix):
                    name = event.event.removesuffix(suffix)
                    yield SSEEvent(event=name, data=event.data, id=event.id)
                    if name == "done":
                        return
    finally:
        await content.aclose()


async def read_all(stream: RunEvents) -> list[SSEEvent]:
    return [event async for event in iter_events(stream)]


def text_of(events, kind="text") -> str:
    """The text as the page shows it: a snapshot replaces, pieces append (data is escaped HTML)."""
    shown = ""
    for event in events:
        if event.event == "snapshot":  # a notice is left out of it when there is none
            part = _SNAPSHOT_PART[kind].search(event.data)
            shown = html.unescape(part.group(1)) if part else ""
        elif event.event == kind == "status":  # a notice replaces the previous one
            shown = html.unescape(event.data)
        elif event.event == kind:
            shown += html.unescape(event.data)
    return shown


_SNAPSHOT_PART = {
    kind: re.compile(rf'id="run-\d+-{kind}" hx-swap-oob="innerHTML">(.*?)</div>', re.DOTALL)
    for kind in ("text", "reasoning", "status")
}
