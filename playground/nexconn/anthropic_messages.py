"""The Anthropic Messages protocol (docs/api/chat.md §7.1-7.2), turned into ChatEvents.

Nexconn serves it at /v1/messages for every chat model, and forwards it unchanged to
Anthropic at /bypass/anthropic/v1/messages. Input is always an OpenAI chat message list;
it is translated here: system text apart, content blocks, tool_use / tool_result blocks.
Failures follow chat_completions: NexconnError before the body, StreamError after.
"""

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from playground.nexconn.chat_completions import (
    arguments_object,
    content_text,
    function_tools,
    optional_int,
)
from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import (
    cut_off_error,
    error_from_stream_payload,
    unsupported_content_error,
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
from playground.nexconn.params import (
    ChatParams,
    ReasoningStyle,
    WireRequest,
    budget_for_effort,
    data_url_parts,
)
from playground.nexconn.sse import SSEEvent, json_data, stream_events

PATH = "/v1/messages"
BYPASS_PATH = "/bypass/anthropic/v1/messages"
# Whether Nexconn needs the version header is unknown (docs/api/chat.md §1.2); Anthropic does.
HEADERS = {"anthropic-version": "2023-06-01"}
DEFAULT_MAX_TOKENS = 4096  # Anthropic requires max_tokens; a thinking budget comes on top
DEFAULT_THINKING_BUDGET = 2048  # thinking on without a budget: Anthropic needs one
_LABEL = "Anthropic"

# Anthropic's stop reasons in the chat-completions words the rest of the app uses.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def build_request(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: ChatParams | None = None,
    reasoning: ReasoningStyle | None = None,
    bypass: bool = False,
) -> WireRequest:
    """`bypass` sends to the pass-through route, which only Claude models answer."""
    params = params or ChatParams()
    system, turns = translate_messages(messages)
    thinking = _thinking(params, reasoning)
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS + thinking.get("budget_tokens", 0),
        "messages": turns,
    }
    if system:
        body["system"] = system
    for name in ("temperature", "top_p"):
        if (value := getattr(params, name)) is not None:
            body[name] = value
    if thinking:
        body["thinking"] = thinking
    if tools := function_tools(params):
        body["tools"] = [
            {
                "name": tool.get("name"),
                **({"description": tool["description"]} if tool.get("description") else {}),
                "input_schema": tool.get("parameters") or {"type": "object", "properties": {}},
            }
            for tool in tools
        ]
    if params.tool_choice:
        body["tool_choice"] = _tool_choice(params.tool_choice)
    body["stream"] = True
    return WireRequest("POST", BYPASS_PATH if bypass else PATH, body, dict(HEADERS))


def translate_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """OpenAI chat messages as Anthropic's (system text, alternating user/assistant turns)."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if turns and turns[-1]["role"] == role:  # Anthropic wants the roles to alternate
            turns[-1]["content"] += blocks
        else:
            turns.append({"role": role, "content": blocks})

    for message in messages:
        content = message.get("content")
        match message.get("role"):
            case "system" | "developer":
                if text := content_text(content):
                    system.append(text)
            case "user":
                add("user", _user_blocks(content))
            case "assistant":
                add("assistant", _assistant_blocks(message))
            case "tool":
                result = {
                    "type": "tool_result",
                    "tool_use_id": message.get("tool_call_id"),
                    "content": content_text(content),
                }
                add("user", [result])
    return "\n\n".join(system), turns


def stream_chat(client: NexconnClient, request: WireRequest) -> AsyncIterator[ChatEvent]:
    """Stream one answer; iterate inside `contextlib.aclosing`."""
    request = replace(request, body={**request.body, "stream": True})
    return stream_events(client, request, _Decoder())


def _thinking(params: ChatParams, reasoning: ReasoningStyle | None) -> dict[str, Any]:
    """Anthropic's one reasoning switch, from whichever control the model has."""
    match reasoning:
        case "effort" if params.reasoning_effort:
            budget = budget_for_effort(params.reasoning_effort)
            return {"type": "enabled", "budget_tokens": budget} if budget else {"type": "disabled"}
        case "thinking" | "enable_thinking" if params.thinking is not None:
            if not params.thinking:
                return {"type": "disabled"}
            budget = params.thinking_budget or DEFAULT_THINKING_BUDGET
            return {"type": "enabled", "budget_tokens": budget}
    return {}


def _tool_choice(choice: str) -> dict[str, Any]:
    match choice:
        case "auto" | "none":
            return {"type": choice}
        case "required":
            return {"type": "any"}
    return {"type": "tool", "name": choice}


def _user_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping):
            continue
        match part.get("type"):
            case "text":
                if text := part.get("text"):
                    blocks.append({"type": "text", "text": text})
            case "image_url":
                blocks.append({"type": "image", "source": _source(_url(part, "image_url"))})
            case "file_url":
                blocks.append({"type": "document", "source": _source(_url(part, "file_url"))})
            case "file":
                blocks.append({"type": "document", "source": _file_source(part.get("file"))})
            case "input_audio":
                raise unsupported_content_error(_LABEL, "audio")
            case "video_url":
                raise unsupported_content_error(_LABEL, "video")
            case other:
                raise unsupported_content_error(_LABEL, f"“{other}” parts")
    return blocks


def _assistant_blocks(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    # Signed thinking blocks go back first so that Claude can continue its reasoning
    # (docs/api/chat.md §11); reasoning text without a signature cannot be replayed.
    blocks = [
        dict(block)
        for block in message.get("thinking_blocks") or ()
        if isinstance(block, Mapping)
        and (block.get("signature") or block.get("type") == "redacted_thinking")
    ]
    if text := content_text(message.get("content")):
        blocks.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.get("id"),
                    "name": function.get("name"),
                    "input": arguments_object(function.get("arguments")),
                }
            )
    return blocks


def _url(part: Mapping[str, Any], key: str) -> str:
    inner = part.get(key)
    url = inner.get("url") if isinstance(inner, Mapping) else inner
    return url if isinstance(url, str) else ""


def _source(url: str) -> dict[str, Any]:
    if parts := data_url_parts(url):
        media_type, data = parts
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": url}


def _file_source(file: Any) -> dict[str, Any]:
    """A Files API id (a qfile on Nexconn, docs/api/files.md) or inline file data."""
    file = file if isinstance(file, Mapping) else {}
    if isinstance(data := file.get("file_data"), str) and data_url_parts(data):
        return _source(data)
    return {"type": "file", "file_id": file.get("file_id")}


def _block_events(block: Mapping[str, Any]) -> list[ChatEvent]:
    """The events of a text, thinking or image block as it starts (or, whole, in a message)."""
    match block.get("type"):
        case "text" if block.get("text"):
            return [TextDelta(block["text"])]
        case "thinking" if block.get("thinking"):
            return [ReasoningDelta(block["thinking"])]
        case "image" if isinstance(source := block.get("source"), Mapping):
            if source.get("type") == "base64":
                return [ImageOutput(f"data:{source.get('media_type')};base64,{source.get('data')}")]
            if isinstance(source.get("url"), str):
                return [ImageOutput(source["url"])]
    return []


def _replay_events(block: Mapping[str, Any]) -> list[ChatEvent]:
    """A whole thinking block goes back with its signature, as it came: Anthropic refuses a
    tool use turn with thinking on that lacks it (docs/api/chat.md §11)."""
    match block.get("type"):
        case "thinking" if block.get("signature"):
            kept = {"type": "thinking", "thinking": block.get("thinking") or ""}
            return [ReplayState("thinking_blocks", kept | {"signature": block["signature"]})]
        case "redacted_thinking" if block.get("data"):
            return [
                ReplayState("thinking_blocks", {"type": "redacted_thinking", "data": block["data"]})
            ]
    return []


def _usage(usage: Mapping[str, Any]) -> Usage:
    # Anthropic counts cached input apart from input_tokens; the app counts all input.
    cache_read = optional_int(usage.get("cache_read_input_tokens"))
    cache_write = optional_int(usage.get("cache_creation_input_tokens")) or 0
    details = usage.get("output_tokens_details")
    thinking = details.get("thinking_tokens") if isinstance(details, Mapping) else None
    return Usage(
        input_tokens=int(usage.get("input_tokens") or 0) + cache_write + (cache_read or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        reasoning_tokens=optional_int(thinking),
        cached_tokens=cache_read,
    )


@dataclass(slots=True)
class _ToolBlock:
    index: int  # the tool call's index among this answer's tool calls
    start_input: Any  # `input` as given at the start; sent if no input_json_delta follows
    streamed: bool = False


class _Decoder:
    """Typed events (`event:` lines; the data's `type` is read, so either will do), ended by
    message_stop. No [DONE]. A stream that ends after the stop_reason (message_delta) is
    complete without message_stop, as with chat completions' [DONE] (docs/api/chat.md §6.2,
    §7.2)."""

    def __init__(self) -> None:
        self.done = False
        self._finished = False
        self._usage: dict[str, Any] = {}
        self._tools: dict[int, _ToolBlock] = {}  # content block index -> tool call
        self._thinking: dict[int, dict[str, Any]] = {}  # index -> thinking block so far

    def feed(self, sse: SSEEvent) -> list[ChatEvent]:
        payload = json_data(sse)
        if isinstance(payload, StreamError):
            return [payload]
        index, block = payload.get("index"), payload.get("content_block")
        match payload.get("type") or sse.event:
            case "message_start":
                message = payload.get("message")
                usage = message.get("usage") if isinstance(message, Mapping) else None
                self._usage = dict(usage) if isinstance(usage, Mapping) else {}
            case "content_block_start" if isinstance(block, Mapping):
                if block.get("type") == "tool_use":
                    tool = self._tools[index] = _ToolBlock(len(self._tools), block.get("input"))
                    return [ToolCallDelta(tool.index, block.get("id"), block.get("name"), "")]
                if block.get("type") == "thinking":
                    self._thinking[index] = dict(block)
                    return _block_events(block)
                return _block_events(block) + _replay_events(block)
            case "content_block_delta" if isinstance(delta := payload.get("delta"), Mapping):
                return self._delta(index, delta)
            case "content_block_stop" if thinking := self._thinking.pop(index, None):
                return _replay_events(thinking)
            case "content_block_stop" if (tool := self._tools.get(index)) and not tool.streamed:
                if tool.start_input:
                    return [ToolCallDelta(tool.index, None, None, json.dumps(tool.start_input))]
            case "message_delta":
                return self._message_delta(payload)
            case "message_stop":
                self.done = True
            case "error":
                return [StreamError(error_from_stream_payload(payload))]
        return []

    def end(self) -> list[ChatEvent]:
        if self._finished:
            return []
        return [StreamError(cut_off_error("the stream ended before a stop_reason"))]

    def _delta(self, index: Any, delta: Mapping[str, Any]) -> list[ChatEvent]:
        match delta.get("type"):
            case "text_delta" if delta.get("text"):
                return [TextDelta(delta["text"])]
            case "thinking_delta" if delta.get("thinking"):
                if (thinking := self._thinking.get(index)) is not None:
                    thinking["thinking"] = (thinking.get("thinking") or "") + delta["thinking"]
                return [ReasoningDelta(delta["thinking"])]
            case "signature_delta" if (thinking := self._thinking.get(index)) is not None:
                thinking["signature"] = (thinking.get("signature") or "") + (
                    delta.get("signature") or ""
                )
            case "input_json_delta" if (tool := self._tools.get(index)) is not None:
                tool.streamed = True
                if partial := delta.get("partial_json"):
                    return [ToolCallDelta(tool.index, None, None, partial)]
        return []

    def _message_delta(self, payload: Mapping[str, Any]) -> list[ChatEvent]:
        events: list[ChatEvent] = []
        delta = payload.get("delta")
        if isinstance(delta, Mapping) and (reason := delta.get("stop_reason")):
            self._finished = True
            events.append(Finish(FINISH_REASONS.get(reason, reason)))
        if isinstance(usage := payload.get("usage"), Mapping):
            # message_delta counts are running totals; those it leaves out keep their value.
            self._usage |= {key: value for key, value in usage.items() if value is not None}
            events.append(_usage(self._usage))
        return events


def stream_decoder() -> "_Decoder":
    """A new decoder of this protocol's stream, for reading events as they come (the API
    explorer relays the raw events and decodes them beside)."""
    return _Decoder()
