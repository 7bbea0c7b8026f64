"""The OpenAI chat-completions protocol, as spoken by Nexconn, turned into ChatEvents.

Failures before the response is accepted are raised as NexconnError (after retries);
failures once the answer has started are yielded as a StreamError, then the stream ends.
"""

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import (
    cut_off_error,
    error_from_stream_payload,
)
from playground.nexconn.events import (
    ChatEvent,
    Finish,
    ImageOutput,
    ReasoningDelta,
    ReplayState,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from playground.nexconn.params import ChatParams, ReasoningStyle, WireRequest
from playground.nexconn.sse import SSEEvent, json_data, stream_events

PATH = "/v1/chat/completions"
_TOOL_CHOICE_MODES = ("auto", "none", "required")


def build_request(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: ChatParams | None = None,
    reasoning: ReasoningStyle | None = None,
) -> WireRequest:
    """The request for `messages` (OpenAI's shape, sent as they are) with `params` (docs/api/chat.md
    §4-5); `reasoning` says how this model's reasoning is switched (the catalog knows)."""
    params = params or ChatParams()
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    for name in ("temperature", "top_p", "max_tokens"):
        if (value := getattr(params, name)) is not None:
            body[name] = value
    body |= _reasoning_fields(params, reasoning)
    if params.tools:
        body["tools"] = list(params.tools)
    if params.tool_choice:
        body["tool_choice"] = _tool_choice(params.tool_choice)
    if params.image_config:
        body["image_config"] = dict(params.image_config)  # top level (docs/api/images.md §4.2)
    body["stream_options"] = {"include_usage": True}  # usage is otherwise not sent
    return WireRequest("POST", PATH, body)


def _tool_choice(choice: str) -> str | dict[str, Any]:
    """ "auto", "none", "required", or the name of the one function to call."""
    if choice in _TOOL_CHOICE_MODES:
        return choice
    return {"type": "function", "function": {"name": choice}}


def stream_chat(client: NexconnClient, request: WireRequest) -> AsyncIterator[ChatEvent]:
    """Stream one answer. Iterate inside `contextlib.aclosing` so stopping early closes
    the upstream response at once."""
    body = {**request.body, "stream": True, "stream_options": {"include_usage": True}}
    return stream_events(client, replace(request, body=body), _Decoder())


def _reasoning_fields(params: ChatParams, reasoning: ReasoningStyle | None) -> dict[str, Any]:
    """The model's own reasoning switch (docs/api/chat.md §5); nothing when left to the model."""
    match reasoning:
        case "effort" if params.reasoning_effort:
            return {"reasoning_effort": params.reasoning_effort}
        case "thinking" if params.thinking is not None:
            thinking: dict[str, Any] = {"type": "enabled" if params.thinking else "disabled"}
            if params.thinking and params.thinking_budget is not None:
                thinking["budget_tokens"] = params.thinking_budget
            return {"thinking": thinking}
        case "enable_thinking" if params.thinking is not None:
            return {"enable_thinking": params.thinking}
    return {}


class _Decoder:
    """Data-only chunks, ended by `data: [DONE]`. Several gateways never send it: a stream
    that ends after its finish reason is complete all the same (docs/api/chat.md §6.2)."""

    def __init__(self) -> None:
        self.done = False
        self._finished = False

    def feed(self, sse: SSEEvent) -> list[ChatEvent]:
        data = sse.data
        if len(data) < 16 and data.strip() == "[DONE]":
            self.done = True
            return []
        events = _events_from_sse_data(sse)
        if not self._finished:
            self._finished = any(isinstance(event, Finish) for event in events)
        return events

    def end(self) -> list[ChatEvent]:
        if self._finished:
            return []
        return [StreamError(cut_off_error("the stream ended before a finish_reason"))]


def _events_from_sse_data(sse: SSEEvent) -> list[ChatEvent]:
    payload = json_data(sse)
    if isinstance(payload, StreamError):
        return [payload]
    if payload.get("error"):
        return [StreamError(error_from_stream_payload(payload))]
    return _events_from_chunk(payload)


def _events_from_chunk(payload: Mapping[str, Any]) -> list[ChatEvent]:
    """Events of a chunk, first choice only."""
    events: list[ChatEvent] = []
    # Chunks are parsed JSON: `dict`, whose check is much cheaper than the ABC's, per token.
    for choice in payload.get("choices") or ():
        if not isinstance(choice, dict) or choice.get("index", 0) != 0:
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict):
            events += _events_from_delta(delta)
        if reason := choice.get("finish_reason"):
            events.append(Finish(str(reason)))
    if isinstance(usage := payload.get("usage"), dict):
        events.append(_usage(usage))
    return events


def _events_from_delta(part: Mapping[str, Any]) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    reasoning = part.get("reasoning_content") or part.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        events.append(ReasoningDelta(reasoning))
    content = part.get("content")
    if text := content if type(content) is str else content_text(content):
        events.append(TextDelta(text))
    for position, call in enumerate(part.get("tool_calls") or ()):
        if not isinstance(call, Mapping):
            continue
        function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
        index = int(call.get("index", position))
        events.append(
            ToolCallDelta(
                index=index,
                id=call.get("id"),
                name=function.get("name"),
                arguments=function.get("arguments") or "",
            )
        )
        # Gemini through an OpenAI layer signs a call here (Google's shape), to go back on it.
        extra = call.get("extra_content")
        google = extra.get("google") if isinstance(extra, Mapping) else None
        if isinstance(google, Mapping) and (signature := google.get("thought_signature")):
            item = {"call": index, "signature": signature}
            events.append(ReplayState("thought_signatures", item))
    # Claude's signed thinking, to go back as the request's thinking_blocks (docs/api/chat.md §4.2).
    for block in part.get("thinking_blocks") or ():
        if isinstance(block, Mapping) and (block.get("signature") or block.get("data")):
            events.append(ReplayState("thinking_blocks", dict(block)))
    for image in part.get("images") or ():
        if url := _image_url(image):
            events.append(ImageOutput(url))
    return events


def content_text(content: Any) -> str:
    """The text of a message's `content`: a string, or a list of parts of which the text
    parts count."""
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
        reasoning_tokens=optional_int(completion.get("reasoning_tokens")),
        cached_tokens=optional_int(prompt.get("cached_tokens")),
    )


def function_tools(params: ChatParams) -> list[dict[str, Any]]:
    """The `function` objects of the OpenAI-shaped tools in `params`."""
    return [
        tool["function"]
        for tool in params.tools
        if isinstance(tool, Mapping) and isinstance(tool.get("function"), Mapping)
    ]


def arguments_object(arguments: Any) -> dict[str, Any]:
    """A tool call's JSON `arguments` string as the object other protocols carry."""
    try:
        value = json.loads(arguments) if isinstance(arguments, str) and arguments else {}
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def stream_decoder() -> "_Decoder":
    """A new decoder of this protocol's stream, for reading events as they come (the API
    explorer relays the raw events and decodes them beside)."""
    return _Decoder()
