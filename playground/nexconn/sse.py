"""An incremental Server-Sent Events parser (WHATWG HTML, "event stream interpretation"),
and the loop every streaming wire protocol reads its answer with."""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from playground.nexconn.client import NexconnClient, transport_error
from playground.nexconn.errors import malformed_stream_error
from playground.nexconn.events import ChatEvent, Retrying, StreamError, WireMessage
from playground.nexconn.params import WireRequest

# Line endings are ASCII, and UTF-8 never uses these bytes inside a multi-byte character,
# so splitting the raw bytes first and decoding whole lines is safe.
_LINE_END = re.compile(rb"\r\n|\r|\n")


# After the protocol's last event only the end of the body should follow, at once.
_END_OF_BODY_WAIT_SECONDS = 0.1
_END_OF_BODY_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str | None
    data: str
    id: str | None


class SSEParser:
    """Feed bytes as they arrive; get back the events completed by them."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the current unfinished line, in pieces
        self._skip_lf = False  # the last chunk ended in "\r"; a leading "\n" belongs to it
        self._first_line = True
        self._event: str | None = None
        self._data: list[str] = []
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\n" not in chunk and b"\r" not in chunk:
            if chunk:
                self._pending.append(chunk)
            return []
        self._pending.append(chunk)
        data = b"".join(self._pending)
        # Most streams end lines with "\n" alone: a plain split is much cheaper than the regex.
        *lines, rest = _LINE_END.split(data) if b"\r" in data else data.split(b"\n")
        self._pending = [rest] if rest else []
        # A "\r" at the very end may be the first half of "\r\n".
        self._skip_lf = chunk.endswith(b"\r")
        events: list[SSEEvent] = []
        for line in lines:
            if (event := self._process(line)) is not None:
                events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream. Leniently dispatch an event that lacks its final blank line."""
        events: list[SSEEvent] = []
        for line in (b"".join(self._pending), b""):
            if (event := self._process(line)) is not None:
                events.append(event)
        self._pending = []
        return events

    def _process(self, raw: bytes) -> SSEEvent | None:
        if raw.startswith(b"data:") and not self._first_line:  # nearly every line: at once
            self._data.append((raw[6:] if raw[5:6] == b" " else raw[5:]).decode("utf-8", "replace"))
            return None
        line = raw.decode("utf-8", "replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        match field:
            case "data":
                self._data.append(value)
            case "event":
                self._event = value or None
            case "id" if "\0" not in value:
                self._last_id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        event, data = self._event, self._data
        self._event, self._data = None, []
        if not data:
            return None
        return SSEEvent(event=event, data="\n".join(data), id=self._last_id)


def json_data(sse: SSEEvent) -> dict[str, Any] | StreamError:
    """An event's data as a JSON object, or the StreamError of a malformed stream."""
    try:
        payload = json.loads(sse.data)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        return payload
    return StreamError(malformed_stream_error(f"invalid JSON chunk: {sse.data[:300]!r}"))


class StreamDecoder(Protocol):
    """One wire protocol's stream, event by event, as ChatEvents."""

    done: bool  # the protocol's last event has arrived: stop reading

    def feed(self, sse: SSEEvent) -> list[ChatEvent]: ...

    def end(self) -> list[ChatEvent]:
        """The body ended before `done`: a cut-off, unless the protocol ends by closing."""
        ...


async def stream_events(
    client: NexconnClient, request: WireRequest, decoder: StreamDecoder
) -> AsyncIterator[ChatEvent]:
    """Send a streaming request and yield the decoder's events as the body arrives.

    Before the answer: a Retrying for each failed attempt that is tried again. Then each raw
    SSE message as a WireMessage, followed by what the decoder made of it. Failures before
    the response is accepted are raised as NexconnError (after retries); failures once the
    answer has started are yielded as a StreamError, then the stream ends. Iterate inside
    `contextlib.aclosing` so stopping early closes the response at once.
    """
    attempts = client.attempts(
        request.method, request.path, json=request.body, headers=request.headers
    )
    async with aclosing(attempts):
        async for attempt in attempts:
            if isinstance(attempt, Retrying):
                yield attempt
            else:
                response = attempt
    try:
        parser = SSEParser()
        chunks = response.aiter_bytes()
        async with aclosing(chunks):
            ended = False
            while not ended:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    sse_events, ended = parser.close(), True
                except httpx.HTTPError as exc:
                    yield StreamError(client.redact(transport_error(exc)))
                    return
                else:
                    sse_events = parser.feed(chunk)
                for sse in sse_events:
                    yield WireMessage(sse.event, sse.data)
                    for event in decoder.feed(sse):
                        if isinstance(event, StreamError):
                            yield StreamError(client.redact(event.error))
                            return
                        yield event
                    if decoder.done:
                        await _read_to_the_end(chunks)
                        return
    finally:
        await response.aclose()
    for event in decoder.end():
        yield StreamError(client.redact(event.error)) if isinstance(event, StreamError) else event


async def _read_to_the_end(chunks: AsyncIterator[bytes]) -> None:
    """Read the end of a body whose last event has come. A connection read to its end is
    kept for the next answer (no new TCP and TLS handshakes on the way to its first token);
    one left unread is closed. An upstream that goes on sending is cut off."""
    received = 0
    try:
        async with asyncio.timeout(_END_OF_BODY_WAIT_SECONDS):
            async for chunk in chunks:
                received += len(chunk)
                if received > _END_OF_BODY_MAX_BYTES:
                    return
    except (TimeoutError, httpx.HTTPError):
        pass
