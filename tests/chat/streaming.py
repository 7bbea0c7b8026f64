"""Helpers for driving a chat answer through the app's own views, as the page does."""

import html
import re

from django.test import AsyncClient
from django.urls import reverse

from playground.nexconn.sse import SSEEvent, SSEParser

RUN_URL = re.compile(rb'sse-connect="/runs/(\d+)/events/"')


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
    match = RUN_URL.search(response.content)
    assert match, response.content.decode()[:3000]
    return response, int(match.group(1))


async def open_events(client: AsyncClient, run_id: int, *, last_event_id: int | None = None):
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    response = await client.get(reverse("chat:run-events", args=[run_id]), headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    return response


async def iter_events(response):
    parser = SSEParser()
    async for chunk in response.streaming_content:
        for event in parser.feed(chunk):
            yield event
    for event in parser.close():
        yield event


async def read_all(response) -> list[SSEEvent]:
    return [event async for event in iter_events(response)]


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
    kind: re.compile(rf'id="message-\d+-{kind}" hx-swap-oob="innerHTML">(.*?)</div>', re.DOTALL)
    for kind in ("text", "reasoning", "status")
}
