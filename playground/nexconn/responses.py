"""The OpenAI Responses protocol through Nexconn's bypass (docs/api/chat.md §7.4), as ChatEvents.

Input is always an OpenAI chat message list: system text becomes `instructions`, the rest
`input` items (messages, function_call, function_call_output). The stream is typed events
ended by response.completed (or response.incomplete); response.failed and error end it
with a StreamError.
"""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from playground.nexconn.chat_completions import content_text, function_tools, optional_int
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
    effort_for_budget,
)
from playground.nexconn.sse import SSEEvent, json_data, stream_events

PATH = "/bypass/openai/v1/responses"
_LABEL = "Responses"
_TOOL_CHOICE_MODES = ("auto", "none", "required")
# Why a response stopped early, in the chat-completions words the app uses.
_INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}
_TERMINAL = ("response.completed", "response.incomplete")


def build_request(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: ChatParams | None = None,
    reasoning: ReasoningStyle | None = None,
) -> WireRequest:
    params = params or ChatParams()
    instructions, items = translate_messages(messages)
    body: dict[str, Any] = {"model": model, "input": items}
    if instructions:
        body["instructions"] = instructions
    for name in ("temperature", "top_p"):
        if (value := getattr(params, name)) is not None:
            body[name] = value
    if params.max_tokens is not None:
        body["max_output_tokens"] = params.max_tokens
    if settings := _reasoning(params, reasoning):
        body["reasoning"] = settings
    if reasoning is not None:
        # Nothing is kept upstream: each reasoning item comes back encrypted and goes back
        # with the next request, which a tool call's answer needs to continue its reasoning.
        body["store"] = False
        body["include"] = ["reasoning.encrypted_content"]
    if tools := function_tools(params):
        body["tools"] = [
            {
                "type": "function",
                "name": tool.get("name"),
                **({"description": tool["description"]} if tool.get("description") else {}),
                "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
                # Responses makes tools strict unless told; chat tools are not.
                "strict": bool(tool.get("strict", False)),
            }
            for tool in tools
        ]
    if choice := params.tool_choice:
        body["tool_choice"] = (
            choice if choice in _TOOL_CHOICE_MODES else {"type": "function", "name": choice}
        )
    body["stream"] = True
    return WireRequest("POST", PATH, body)


def translate_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """OpenAI chat messages as (instructions, Responses input items)."""
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        match message.get("role"):
            case "system" | "developer":
                if text := content_text(content):
                    instructions.append(text)
            case "user":
                items.append({"role": "user", "content": _user_content(content)})
            case "assistant":
                # The answer's reasoning items first, as they came (prompts.py keeps them).
                items += [
                    dict(item)
                    for item in message.get("reasoning_items") or ()
                    if isinstance(item, Mapping)
                ]
                if text := content_text(content):
                    items.append({"role": "assistant", "content": text})
                for call in message.get("tool_calls") or ():
                    function = call.get("function") if isinstance(call, Mapping) else None
                    if isinstance(function, Mapping):
                        item_id = call.get("item_id")
                        items.append(
                            {
                                "type": "function_call",
                                **({"id": item_id} if item_id else {}),
                                "call_id": call.get("id"),
                                "name": function.get("name"),
                                "arguments": function.get("arguments") or "{}",
                            }
                        )
            case "tool":
                items.append(
                    {
                        "type": "function_call_output",
                        "call_id": message.get("tool_call_id"),
                        "output": content_text(content),
                    }
                )
    return "\n\n".join(instructions), items


def stream_chat(client: NexconnClient, request: WireRequest) -> AsyncIterator[ChatEvent]:
    """Stream one answer; iterate inside `contextlib.aclosing`."""
    request = replace(request, body={**request.body, "stream": True})
    return stream_events(client, request, _Decoder())


def _reasoning(params: ChatParams, style: ReasoningStyle | None) -> dict[str, Any]:
    """reasoning.effort from whichever control the model has; a summary of the reasoning is
    asked for unless it is switched off (the only reasoning text OpenAI gives back)."""
    match style:
        case None:
            return {}
        case "effort" if params.reasoning_effort:
            effort = params.reasoning_effort
            return {"effort": effort} | ({"summary": "auto"} if effort != "none" else {})
        case "thinking" | "enable_thinking" if params.thinking is False:
            return {"effort": "minimal"}
        case "thinking" | "enable_thinking" if params.thinking_budget is not None:
            return {"effort": effort_for_budget(params.thinking_budget), "summary": "auto"}
    return {"summary": "auto"}


def _user_content(content: Any) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping):
            continue
        match part.get("type"):
            case "text":
                parts.append({"type": "input_text", "text": part.get("text") or ""})
            case "image_url":
                image = part.get("image_url")
                image = image if isinstance(image, Mapping) else {"url": image}
                detail = image.get("detail") or "auto"
                parts.append(
                    {"type": "input_image", "image_url": image.get("url"), "detail": detail}
                )
            case "input_audio":
                parts.append({"type": "input_audio", "input_audio": part.get("input_audio")})
            case "file":
                file = part.get("file") if isinstance(part.get("file"), Mapping) else {}
                parts.append({"type": "input_file", **_file_fields(file)})
            case "file_url":
                file_url = part.get("file_url")
                url = file_url.get("url") if isinstance(file_url, Mapping) else file_url
                parts.append({"type": "input_file", "file_url": url})
            case "video_url":
                raise unsupported_content_error(_LABEL, "video")
            case other:
                raise unsupported_content_error(_LABEL, f"“{other}” parts")
    return parts


def _file_fields(file: Mapping[str, Any]) -> dict[str, Any]:
    if file.get("file_data"):
        return {"file_data": file["file_data"], "filename": file.get("filename") or "file"}
    return {"file_id": file.get("file_id")}


def _replay_events(item: Mapping[str, Any]) -> list[ChatEvent]:
    """A reasoning item, kept to go back with the next request: its id, its summary and its
    encrypted content (the reasoning itself, which only OpenAI can read)."""
    if not item.get("id"):
        return []
    kept = {"type": "reasoning", "id": item["id"], "summary": item.get("summary") or []}
    if item.get("encrypted_content"):
        kept["encrypted_content"] = item["encrypted_content"]
    return [ReplayState("reasoning_items", kept)]


def _call_item_events(index: int, item: Mapping[str, Any]) -> list[ChatEvent]:
    """A function call's output item id: with it, OpenAI pairs the call with its reasoning."""
    if not isinstance(item_id := item.get("id"), str) or not item_id:
        return []
    return [ReplayState("call_item_ids", {"call": index, "id": item_id})]


def _closing_events(response: Mapping[str, Any], *, tool_calls: int) -> list[ChatEvent]:
    """Finish and Usage from a finished response object."""
    details = response.get("incomplete_details")
    if response.get("status") == "incomplete" and isinstance(details, Mapping):
        reason = str(details.get("reason") or "incomplete")
        events: list[ChatEvent] = [Finish(_INCOMPLETE_REASONS.get(reason, reason))]
    else:
        events = [Finish("tool_calls" if tool_calls else "stop")]
    if isinstance(usage := response.get("usage"), Mapping):
        output = usage.get("output_tokens_details")
        input_details = usage.get("input_tokens_details")
        events.append(
            Usage(
                input_tokens=int(usage.get("input_tokens") or 0),
                output_tokens=int(usage.get("output_tokens") or 0),
                reasoning_tokens=optional_int(
                    output.get("reasoning_tokens") if isinstance(output, Mapping) else None
                ),
                cached_tokens=optional_int(
                    input_details.get("cached_tokens")
                    if isinstance(input_details, Mapping)
                    else None
                ),
            )
        )
    return events


@dataclass(slots=True)
class _Call:
    index: int  # among this answer's tool calls
    arguments: str = ""  # as streamed so far


class _Decoder:
    def __init__(self) -> None:
        self.done = False
        self._calls: dict[Any, _Call] = {}  # output_index -> function call

    def feed(self, sse: SSEEvent) -> list[ChatEvent]:
        payload = json_data(sse)
        if isinstance(payload, StreamError):
            return [payload]
        kind = payload.get("type") or sse.event
        delta = payload.get("delta")
        item = payload.get("item") if isinstance(payload.get("item"), Mapping) else {}
        position = payload.get("output_index")
        match kind:
            case "response.output_text.delta" if delta:
                return [TextDelta(delta)]
            case "response.reasoning_summary_text.delta" | "response.reasoning_text.delta":
                return [ReasoningDelta(delta)] if delta else []
            case "response.reasoning_summary_part.added" if payload.get("summary_index"):
                return [ReasoningDelta("\n\n")]  # summary parts are paragraphs
            case "response.output_item.added" if item.get("type") == "function_call":
                call = self._calls[position] = _Call(len(self._calls), item.get("arguments") or "")
                start = ToolCallDelta(
                    call.index, item.get("call_id"), item.get("name"), call.arguments
                )
                return [start, *_call_item_events(call.index, item)]
            case "response.function_call_arguments.delta" if call := self._calls.get(position):
                call.arguments += delta or ""
                return [ToolCallDelta(call.index, None, None, delta)] if delta else []
            case "response.output_item.done":
                return self._item_done(position, item)
            case _ if kind in _TERMINAL:
                self.done = True
                response = payload.get("response")
                response = response if isinstance(response, Mapping) else {}
                return _closing_events(response, tool_calls=len(self._calls))
            case "response.failed":
                response = payload.get("response")
                return [StreamError(error_from_stream_payload(response or payload))]
            case "error":
                return [StreamError(error_from_stream_payload(payload))]
        return []

    def end(self) -> list[ChatEvent]:
        return [StreamError(cut_off_error("the stream ended without response.completed"))]

    def _item_done(self, position: Any, item: Mapping[str, Any]) -> list[ChatEvent]:
        if item.get("type") == "reasoning":
            return _replay_events(item)
        if item.get("type") == "image_generation_call" and item.get("result"):
            return [ImageOutput(f"data:image/png;base64,{item['result']}")]
        call = self._calls.get(position)
        arguments = item.get("arguments")
        # Arguments that came whole, without deltas: send what the deltas did not.
        if not (call and isinstance(arguments, str) and arguments.startswith(call.arguments)):
            return []
        rest, call.arguments = arguments[len(call.arguments) :], arguments
        return [ToolCallDelta(call.index, None, None, rest)] if rest else []


def stream_decoder() -> "_Decoder":
    """A new decoder of this protocol's stream, for reading events as they come (the API
    explorer relays the raw events and decodes them beside)."""
    return _Decoder()
