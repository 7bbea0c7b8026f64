"""The OpenAI chat-completions protocol, as spoken by Nexconn, turned into ChatEvents.

Failures before the response is accepted are raised as NexconnError (after retries);
failures once the answer has started are yielded as a StreamError, then the stream ends.
"""

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import httpx

from playground.nexconn.client import NexconnClient, OnRetry, transport_error
from playground.nexconn.errors import (
    cut_off_error,
    error_from_stream_payload,
    malformed_body_error,
    malformed_stream_error,
)
from playground.nexconn.events import (
    ChatEvent,
    Finish,
    ImageOutput,
    ReasoningDelta,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from playground.nexconn.sse import SSEParser

PATH = "/v1/chat/completions"


def build_request(
    *,
    model: str,
    messages: list[dict[str, Any]],
    temperature: float | None = None,
    max_tokens: int | None = None,
    stream: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream:
        body["stream_options"] = {"include_usage": True}  # usage is otherwise not sent
    return body


async def stream_chat(
    client: NexconnClient, body: dict[str, Any], *, on_retry: OnRetry | None = None
) -> AsyncIterator[ChatEvent]:
    """Stream one answer. Iterate inside `contextlib.aclosing` so stopping early closes
    the upstream response at once."""
    body = {**body, "stream": True}
    async with client.stream("POST", PATH, json=body, on_retry=on_retry) as response:
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
                    if sse.data.strip() == "[DONE]":
                        return
                    for event in _events_from_sse_data(sse.data):
                        if isinstance(event, StreamError):
                            yield StreamError(client.redact(event.error))
                            return
                        yield event
        yield StreamError(cut_off_error())


async def complete_chat(
    client: NexconnClient, body: dict[str, Any], *, on_retry: OnRetry | None = None
) -> list[ChatEvent]:
    """One non-streaming answer, as the same events a stream would give."""
    body = {key: value for key, value in body.items() if key != "stream_options"}
    data = await client.request_json(
        "POST", PATH, json={**body, "stream": False}, on_retry=on_retry
    )
    if data.get("error"):
        raise client.redact(error_from_stream_payload(data))
    if not isinstance(data.get("choices"), list):
        raise client.redact(malformed_body_error(f"no choices in: {json.dumps(data)[:300]}"))
    return _events_from_chunk(data, key="message")


def _events_from_sse_data(data: str) -> list[ChatEvent]:
    try:
        payload = json.loads(data)
    except ValueError:
        return [StreamError(malformed_stream_error(f"invalid JSON chunk: {data[:300]!r}"))]
    if not isinstance(payload, dict):
        return [StreamError(malformed_stream_error(f"unexpected chunk: {data[:300]!r}"))]
    if payload.get("error"):
        return [StreamError(error_from_stream_payload(payload))]
    return _events_from_chunk(payload, key="delta")


def _events_from_chunk(payload: Mapping[str, Any], *, key: str) -> list[ChatEvent]:
    """Events of a chunk (`delta`) or a whole response (`message`), first choice only."""
    events: list[ChatEvent] = []
    for choice in payload.get("choices") or ():
        if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
            continue
        part = choice.get(key)
        if isinstance(part, Mapping):
            events += _events_from_message(part)
        if reason := choice.get("finish_reason"):
            events.append(Finish(str(reason)))
    if isinstance(usage := payload.get("usage"), Mapping):
        events.append(_usage(usage))
    return events


def _events_from_message(part: Mapping[str, Any]) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    reasoning = part.get("reasoning_content") or part.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        events.append(ReasoningDelta(reasoning))
    if text := _text(part.get("content")):
        events.append(TextDelta(text))
    for position, call in enumerate(part.get("tool_calls") or ()):
        if not isinstance(call, Mapping):
            continue
        function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
        events.append(
            ToolCallDelta(
                index=int(call.get("index", position)),
                id=call.get("id"),
                name=function.get("name"),
                arguments=function.get("arguments") or "",
            )
        )
    for image in part.get("images") or ():
        if url := _image_url(image):
            events.append(ImageOutput(url))
    return events


def _text(content: Any) -> str:
    """`content` is usually a string; some upstreams send a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text") or ""
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def _image_url(image: Any) -> str | None:
    if not isinstance(image, Mapping):
        return None
    inner = image.get("image_url")
    url = inner.get("url") if isinstance(inner, Mapping) else inner or image.get("url")
    return url if isinstance(url, str) and url else None


def _usage(usage: Mapping[str, Any]) -> Usage:
    completion = usage.get("completion_tokens_details") or {}
    prompt = usage.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        reasoning_tokens=_optional_int(completion.get("reasoning_tokens")),
        cached_tokens=_optional_int(prompt.get("cached_tokens")),
    )


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
