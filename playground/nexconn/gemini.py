"""The Vertex/Gemini generateContent protocol through Nexconn's bypass (docs/api/chat.md §7.3).

Streaming is `:streamGenerateContent?alt=sse`: each `data:` line is a whole
GenerateContentResponse and the stream simply ends, so the answer counts as finished once
a candidate has carried a finishReason. Input is always an OpenAI chat message list,
translated here.
"""

import json
import mimetypes
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

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

PATH = "/bypass/vertex/v1/models/{model}"
STREAM_METHOD = ":streamGenerateContent?alt=sse"
_LABEL = "Gemini"
# Gemini 3 refuses a replayed function call without the thought signature it came with;
# Google documents this value for calls whose signature was not kept.
UNKNOWN_SIGNATURE = "skip_thought_signature_validator"
# Gemini 2.x sizes thinking with a token budget; later models with a level.
_BUDGET_MODELS = re.compile(r"^(google/)?gemini-2\.")
_LEVELS = {"none": "MINIMAL", "minimal": "MINIMAL", "xhigh": "HIGH"}
_TOOL_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}
_FILTERED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)


def build_request(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: ChatParams | None = None,
    reasoning: ReasoningStyle | None = None,
) -> WireRequest:
    params = params or ChatParams()
    system, contents = translate_messages(messages)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    config: dict[str, Any] = {}
    for name, key in (("temperature", "temperature"), ("top_p", "topP")):
        if (value := getattr(params, name)) is not None:
            config[key] = value
    if params.max_tokens is not None:
        config["maxOutputTokens"] = params.max_tokens
    if thinking := _thinking_config(model, params, reasoning):
        config["thinkingConfig"] = thinking
    if params.image_config:
        config["responseModalities"] = ["TEXT", "IMAGE"]
        names = {"aspect_ratio": "aspectRatio", "image_size": "imageSize"}
        config["imageConfig"] = {names.get(k, k): v for k, v in params.image_config.items()}
    if config:
        body["generationConfig"] = config
    if tools := function_tools(params):
        declarations = [
            {
                "name": tool.get("name"),
                **({"description": tool["description"]} if tool.get("description") else {}),
                **({"parameters": tool["parameters"]} if tool.get("parameters") else {}),
            }
            for tool in tools
        ]
        body["tools"] = [{"functionDeclarations": declarations}]
    if params.tool_choice:
        body["toolConfig"] = {"functionCallingConfig": _calling_config(params.tool_choice)}
    path = PATH.format(model=quote(model, safe=""))
    return WireRequest("POST", path + STREAM_METHOD, body)


def translate_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """OpenAI chat messages as Gemini's (system text, `contents` of user/model turns)."""
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    call_names: dict[str, str] = {}  # tool call id -> function name, for the results

    def add(role: str, parts: list[dict[str, Any]]) -> None:
        if not parts:
            return
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"] += parts
        else:
            contents.append({"role": role, "parts": parts})

    for message in messages:
        content = message.get("content")
        match message.get("role"):
            case "system" | "developer":
                if text := content_text(content):
                    system.append(text)
            case "user":
                add("user", _user_parts(content))
            case "assistant":
                for call in message.get("tool_calls") or ():
                    function = call.get("function") if isinstance(call, Mapping) else None
                    if isinstance(function, Mapping):
                        call_names[call.get("id") or ""] = function.get("name") or ""
                add("model", _model_parts(message))
            case "tool":
                name = call_names.get(message.get("tool_call_id") or "") or message.get("name")
                add("user", [{"functionResponse": {"name": name, "response": _result(content)}}])
    return "\n\n".join(system), contents


def stream_chat(client: NexconnClient, request: WireRequest) -> AsyncIterator[ChatEvent]:
    """Stream one answer; iterate inside `contextlib.aclosing`."""
    request = replace(request, path=_with_method(request.path, STREAM_METHOD))
    return stream_events(client, request, _Decoder())


def _with_method(path: str, method: str) -> str:
    return path.partition("?")[0].rpartition(":")[0] + method


def _thinking_config(
    model: str, params: ChatParams, reasoning: ReasoningStyle | None
) -> dict[str, Any]:
    """Thoughts are asked for (includeThoughts) unless thinking is switched off."""
    match reasoning:
        case None:
            return {}
        case "effort" if params.reasoning_effort:
            effort = params.reasoning_effort
            if _BUDGET_MODELS.match(model):
                budget = budget_for_effort(effort)
                return {"thinkingBudget": budget, "includeThoughts": budget > 0}
            return {"thinkingLevel": _LEVELS.get(effort, effort.upper()), "includeThoughts": True}
        case "thinking" | "enable_thinking" if params.thinking is False:
            return {"thinkingBudget": 0, "includeThoughts": False}
        case "thinking" | "enable_thinking" if params.thinking_budget is not None:
            return {"thinkingBudget": params.thinking_budget, "includeThoughts": True}
    return {"includeThoughts": True}


def _calling_config(choice: str) -> dict[str, Any]:
    if mode := _TOOL_MODES.get(choice):
        return {"mode": mode}
    return {"mode": "ANY", "allowedFunctionNames": [choice]}


def _user_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping):
            continue
        match part.get("type"):
            case "text":
                if text := part.get("text"):
                    parts.append({"text": text})
            case "image_url":
                parts.append(_media(_url(part, "image_url"), "image/jpeg"))
            case "video_url":
                parts.append(_media(_url(part, "video_url"), "video/mp4"))
            case "file_url":
                parts.append(_media(_url(part, "file_url"), "application/pdf"))
            case "input_audio":
                audio = part.get("input_audio") or {}
                mime = f"audio/{audio.get('format') or 'wav'}"
                parts.append({"inlineData": {"mimeType": mime, "data": audio.get("data")}})
            case "file":
                parts.append(_file(part.get("file")))
            case other:
                raise unsupported_content_error(_LABEL, f"“{other}” parts")
    return parts


def _model_parts(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An assistant turn: its text, then its function calls (Vertex has no call ids), each
    part with the thought signature it came with (docs/api/chat.md §11). Google's OpenAI layer keeps
    a signature in extra_content.google.thought_signature, on a tool call or the message."""
    parts: list[dict[str, Any]] = []
    if text := content_text(message.get("content")):
        parts.append({"text": text} | _signature(message))
    for image in message.get("images") or ():
        if isinstance(image, Mapping) and (url := _url(image, "image_url")):
            # Gemini 3 image models check the signature of every picture they drew.
            signature = _signature(image) or {"thoughtSignature": UNKNOWN_SIGNATURE}
            parts.append(_media(url, "image/png") | signature)
    calls = [
        call
        for call in message.get("tool_calls") or ()
        if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping)
    ]
    for position, call in enumerate(calls):
        function = call["function"]
        part: dict[str, Any] = {
            "functionCall": {
                "name": function.get("name"),
                "args": arguments_object(function.get("arguments")),
            }
        } | _signature(call)
        if position == 0 and "thoughtSignature" not in part:
            # Only the first call of a turn carries a signature (Google's rule).
            part["thoughtSignature"] = UNKNOWN_SIGNATURE
        parts.append(part)
    return parts


def _signature(holder: Mapping[str, Any]) -> dict[str, str]:
    extra = holder.get("extra_content")
    google = extra.get("google") if isinstance(extra, Mapping) else None
    signature = google.get("thought_signature") if isinstance(google, Mapping) else None
    return {"thoughtSignature": signature} if isinstance(signature, str) and signature else {}


def _result(content: Any) -> dict[str, Any]:
    """A tool's output as the object functionResponse.response must be."""
    text = content_text(content)
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"result": text}


def _url(part: Mapping[str, Any], key: str) -> str:
    inner = part.get(key)
    url = inner.get("url") if isinstance(inner, Mapping) else inner
    return url if isinstance(url, str) else ""


def _media(url: str, default_mime: str) -> dict[str, Any]:
    if parts := data_url_parts(url):
        mime, data = parts
        return {"inlineData": {"mimeType": mime, "data": data}}
    mime = mimetypes.guess_type(url.partition("?")[0])[0] or default_mime
    return {"fileData": {"mimeType": mime, "fileUri": url}}


def _file(file: Any) -> dict[str, Any]:
    """A qfile id (docs/api/files.md) as a file URI, or inline file data."""
    file = file if isinstance(file, Mapping) else {}
    if isinstance(data := file.get("file_data"), str) and data_url_parts(data):
        return _media(data, "application/octet-stream")
    mime = file.get("format") or "application/octet-stream"
    return {"fileData": {"mimeType": mime, "fileUri": file.get("file_id")}}


def _get(mapping: Mapping[str, Any], camel: str, snake: str) -> Any:
    """Google's JSON uses lowerCamelCase; its proto names (snake_case) are accepted too."""
    return mapping.get(camel, mapping.get(snake))


class _Decoder:
    def __init__(self) -> None:
        self.done = False  # the stream ends by closing; `end` tells a cut from a finish
        self._finished = False
        self._tool_calls = 0
        self._images = 0
        self._usage: Mapping[str, Any] | None = None

    def feed(self, sse: SSEEvent) -> list[ChatEvent]:
        payload = json_data(sse)
        if isinstance(payload, StreamError):
            return [payload]
        return self.events(payload)

    def end(self) -> list[ChatEvent]:
        if self._finished:
            return []
        return [StreamError(cut_off_error("the stream ended without a finishReason"))]

    def events(self, payload: Mapping[str, Any]) -> list[ChatEvent]:
        """The events of one GenerateContentResponse (one chunk of the stream)."""
        if payload.get("error"):
            return [StreamError(error_from_stream_payload(payload))]
        events: list[ChatEvent] = []
        reason = None
        candidates = payload.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        if isinstance(candidate, Mapping):
            content = candidate.get("content")
            parts = content.get("parts") if isinstance(content, Mapping) else None
            for part in parts if isinstance(parts, list) else ():
                if isinstance(part, Mapping):
                    events += self._part_events(part)
            reason = _get(candidate, "finishReason", "finish_reason")
        feedback = _get(payload, "promptFeedback", "prompt_feedback")
        if candidate is None and isinstance(feedback, Mapping):
            reason = "SAFETY" if _get(feedback, "blockReason", "block_reason") else None
        usage = _get(payload, "usageMetadata", "usage_metadata")
        if isinstance(usage, Mapping):
            self._usage = usage
        if reason and not self._finished:
            self._finished = True
            events.append(Finish(self._finish_reason(reason)))
            if self._usage is not None:
                events.append(_usage(self._usage))
        elif self._finished and isinstance(usage, Mapping):
            events.append(_usage(usage))
        return events

    def _part_events(self, part: Mapping[str, Any]) -> list[ChatEvent]:
        thought = bool(part.get("thought"))
        signature = _get(part, "thoughtSignature", "thought_signature")
        if isinstance(call := _get(part, "functionCall", "function_call"), Mapping):
            index = self._tool_calls
            self._tool_calls += 1
            call_id = call.get("id") or f"call_{uuid.uuid4().hex[:24]}"
            arguments = json.dumps(call.get("args") or {})
            events: list[ChatEvent] = [ToolCallDelta(index, call_id, call.get("name"), arguments)]
            if isinstance(signature, str) and signature:
                events.append(
                    ReplayState("thought_signatures", {"call": index, "signature": signature})
                )
            return events
        if isinstance(text := part.get("text"), str):
            events = [ReasoningDelta(text) if thought else TextDelta(text)] if text else []
            if isinstance(signature, str) and signature and not thought:
                # A signature on the answer's text (or on an empty part after it) goes back
                # on the text; a later one replaces it.
                item = {"text": True, "signature": signature}
                events.append(ReplayState("thought_signatures", item))
            return events
        if thought:  # Gemini image models also draw interim "thought" images
            return []
        if isinstance(inline := _get(part, "inlineData", "inline_data"), Mapping):
            mime = _get(inline, "mimeType", "mime_type") or "image/png"
            if mime.startswith("image/") and inline.get("data"):
                events = [ImageOutput(f"data:{mime};base64,{inline['data']}")]
                if isinstance(signature, str) and signature:
                    item = {"image": self._images, "signature": signature}
                    events.append(ReplayState("thought_signatures", item))
                self._images += 1
                return events
        if isinstance(file := _get(part, "fileData", "file_data"), Mapping):
            mime = _get(file, "mimeType", "mime_type") or ""
            if mime.startswith("image/") and (uri := _get(file, "fileUri", "file_uri")):
                return [ImageOutput(uri)]
        return []

    def _finish_reason(self, reason: str) -> str:
        if reason == "STOP":
            return "tool_calls" if self._tool_calls else "stop"
        if reason == "MAX_TOKENS":
            return "length"
        return "content_filter" if reason in _FILTERED else reason.lower()


def _usage(usage: Mapping[str, Any]) -> Usage:
    # Gemini counts thoughts apart from the answer; the app counts both as output.
    thoughts = optional_int(_get(usage, "thoughtsTokenCount", "thoughts_token_count"))
    answer = _get(usage, "candidatesTokenCount", "candidates_token_count") or 0
    return Usage(
        input_tokens=int(_get(usage, "promptTokenCount", "prompt_token_count") or 0),
        output_tokens=int(answer) + (thoughts or 0),
        reasoning_tokens=thoughts,
        cached_tokens=optional_int(
            _get(usage, "cachedContentTokenCount", "cached_content_token_count")
        ),
    )


def stream_decoder() -> "_Decoder":
    """A new decoder of this protocol's stream, for reading events as they come (the API
    explorer relays the raw events and decodes them beside)."""
    return _Decoder()
