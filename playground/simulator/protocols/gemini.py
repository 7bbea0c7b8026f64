"""POST /bypass/vertex/v1/models/{model}:streamGenerateContent and :generateContent in
Google's shapes (docs/api/chat.md §7.3). The stream is SSE (what `alt=sse` asks for; Google's JSON
array form without it is not simulated): each `data:` line a GenerateContentResponse, the
last one with finishReason and usageMetadata, then the body just ends. Errors are
{"error": {code, message, status}}. camelCase and snake_case field names are both read.
"""

import base64
import hashlib
import json
import time
from typing import Any

from playground.simulator.http import ERRORS, Request, Send, send_json
from playground.simulator.media.families.gemini_image import GEMINI_IMAGE_MODELS
from playground.simulator.protocols.engine import (
    Api,
    Ask,
    BadRequest,
    Encoder,
    ToolResult,
    message_tokens,
    sse,
)
from playground.simulator.protocols.tools import Tool

STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
FINISH_REASONS = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}
# Google documents this stand-in for a signature that was not kept; it passes validation.
SKIP_SIGNATURE = "skip_thought_signature_validator"
_MODES = {"AUTO": "auto", "NONE": "none", "ANY": "required", "VALIDATED": "auto"}


def _get(mapping: Any, camel: str, snake: str) -> Any:
    return mapping.get(camel, mapping.get(snake)) if isinstance(mapping, dict) else None


def parse(request: Request, *, stream: bool) -> Ask:
    body = request.json
    contents = body.get("contents") if isinstance(body, dict) else None
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    contents = [content for content in contents if isinstance(content, dict)]
    users = [content for content in contents if content.get("role", "user") == "user"]
    prompt = next((text for content in reversed(users) if (text := _text(content))), "")
    system = _get(body, "systemInstruction", "system_instruction")
    config = _get(body, "generationConfig", "generation_config") or {}
    thinking = _get(config, "thinkingConfig", "thinking_config") or {}
    image = _get(config, "imageConfig", "image_config") or {}
    max_tokens = _get(config, "maxOutputTokens", "max_output_tokens")
    _check_thought_signatures(request.params["model"], contents)
    _check_image_signatures(request.params["model"], contents)
    return Ask(
        model=request.params["model"],
        prompt=prompt,
        prompt_tokens=message_tokens([_text(c) for c in [system or {}, *contents] if _text(c)]),
        stream=stream,
        max_tokens=max_tokens if isinstance(max_tokens, int) else None,
        tools=_tools(body.get("tools")),
        tool_choice=_tool_choice(body),
        tool_result=_tool_result(contents),
        reasoning=_reasoning_switch(thinking),
        aspect_ratio=_get(image, "aspectRatio", "aspect_ratio"),
        image_size=_get(image, "imageSize", "image_size"),
    )


def _check_thought_signatures(model: str, contents: list[dict[str, Any]]) -> None:
    """Gemini 3 validates thought signatures on function calls: in the current turn (since
    the last user text), the first call of each model step must carry the signature it came
    with; any signature given must be one the model made (or Google's stand-in)."""
    current = max(
        (
            i
            for i, content in enumerate(contents)
            if content.get("role", "user") == "user" and _text(content)
        ),
        default=0,
    )
    for position, content in enumerate(contents):
        if content.get("role") != "model":
            continue
        calls = [
            part
            for part in content.get("parts") or ()
            if isinstance(part, dict) and isinstance(_call(part), dict)
        ]
        for part in calls:
            signature = _get(part, "thoughtSignature", "thought_signature")
            if signature is not None and signature not in (SKIP_SIGNATURE, _signature(_call(part))):
                raise BadRequest(
                    "Unable to submit request because it has an invalid thought signature "
                    f"for content at index {position}"
                )
        first = calls[0] if calls else None
        if (
            model.startswith("gemini-3")
            and position > current
            and first is not None
            and not _get(first, "thoughtSignature", "thought_signature")
        ):
            raise BadRequest(
                "Function call is missing a thought_signature in functionCall parts. This is "
                "required for tools to work correctly, and missing thought_signature may lead "
                "to degraded model performance. Additional data, function call "
                f"`default_api:{_call(first).get('name')}` , position {position + 1}. Please "
                "refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more "
                "details."
            )


def _check_image_signatures(model: str, contents: list[dict[str, Any]]) -> None:
    """Gemini 3 image models check the signature of every picture of theirs given back (an
    edit continues from the picture); a signature given must be theirs (or the stand-in)."""
    if not model.startswith("gemini-3") or model not in GEMINI_IMAGE_MODELS:
        return
    for position, content in enumerate(contents):
        if content.get("role") != "model":
            continue
        for part in content.get("parts") or ():
            inline = _get(part, "inlineData", "inline_data")
            if not isinstance(inline, dict) or part.get("thought"):
                continue
            signature = _get(part, "thoughtSignature", "thought_signature")
            if not signature:
                raise BadRequest(
                    "Image part is missing a thought_signature in content at index "
                    f"{position}. Please refer to "
                    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
                )
            if signature not in (SKIP_SIGNATURE, _image_signature(inline)):
                raise BadRequest(
                    "Unable to submit request because it has an invalid thought signature "
                    f"for content at index {position}"
                )


def _image_signature(inline: dict[str, Any]) -> str:
    made = f"image|{inline.get('data')}"
    return base64.b64encode(hashlib.sha256(made.encode()).digest()).decode()


def _call(part: dict[str, Any]) -> Any:
    return _get(part, "functionCall", "function_call")


def _signature(call: dict[str, Any]) -> str:
    """Stands in for the opaque signature Gemini puts on a function call: made from the
    call itself, so that a replayed one can be checked."""
    made = f"{call.get('name')}|{json.dumps(call.get('args') or {}, sort_keys=True)}"
    return base64.b64encode(hashlib.sha256(made.encode()).digest()).decode()


def _text(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, dict) else None
    return " ".join(
        part["text"]
        for part in (parts if isinstance(parts, list) else ())
        if isinstance(part, dict) and isinstance(part.get("text"), str) and not part.get("thought")
    )


def _tools(tools: Any) -> tuple[Tool, ...]:
    found: list[Tool] = []
    for tool in tools if isinstance(tools, list) else ():
        for declaration in _get(tool, "functionDeclarations", "function_declarations") or ():
            if isinstance(declaration, dict):
                schema = declaration.get("parameters") or _get(
                    declaration, "parametersJsonSchema", "parameters_json_schema"
                )
                description = str(declaration.get("description") or "")
                found.append(Tool(str(declaration.get("name")), description, schema or {}))
    return tuple(found)


def _tool_choice(body: dict[str, Any]) -> str | None:
    calling = _get(
        _get(body, "toolConfig", "tool_config"), "functionCallingConfig", "function_calling_config"
    )
    if not isinstance(calling, dict):
        return None
    names = _get(calling, "allowedFunctionNames", "allowed_function_names")
    mode = _MODES.get(str(calling.get("mode")).upper())
    if mode == "required" and isinstance(names, list) and len(names) == 1:
        return names[0]
    return mode


def _tool_result(contents: list[dict[str, Any]]) -> ToolResult | None:
    parts = contents[-1].get("parts")
    responses = [
        response
        for part in (parts if isinstance(parts, list) else ())
        if isinstance(response := _get(part, "functionResponse", "function_response"), dict)
    ]
    if not responses:
        return None
    result = responses[-1]
    return ToolResult(str(result.get("name") or "tool"), json.dumps(result.get("response")))


def _reasoning_switch(thinking: Any) -> bool | None:
    if not isinstance(thinking, dict):
        return None
    if _get(thinking, "thinkingBudget", "thinking_budget") == 0:
        return False
    include = _get(thinking, "includeThoughts", "include_thoughts")
    return include if isinstance(include, bool) else None


class GeminiEncoder(Encoder):
    _called = False

    def reasoning(self, piece: str) -> bytes:
        return self._chunk([{"text": piece, "thought": True}])

    def text(self, piece: str) -> bytes:
        return self._chunk([{"text": piece}])

    def tool_arguments(self, piece: str) -> bytes:
        """Gemini sends a function call whole, so only the first piece sends anything."""
        if self._called:
            return b""
        self._called = True
        return self._chunk([self._call_part()])

    def image(self, index: int, png_base64: str) -> bytes:
        return self._chunk([self._image_part(png_base64)])

    def finish(self) -> bytes:
        return self._chunk([{"text": ""}], final=True)

    def malformed(self) -> bytes:
        return b'data: {"candidates": [{"content": {"role": "model", "parts": [{"text"\n\n'

    def error(self) -> bytes:
        error = {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}
        return sse({"error": error})

    def whole(self) -> dict[str, Any]:
        turn = self.turn
        parts: list[dict[str, Any]] = []
        if turn.reasoning:
            parts.append({"text": "".join(turn.reasoning), "thought": True})
        if turn.text:
            parts.append({"text": "".join(turn.text)})
        if turn.tool_call:
            parts.append(self._call_part())
        parts += [self._image_part(data) for data in turn.images]
        return self._response(parts, final=True)

    def _chunk(self, parts: list[dict[str, Any]], *, final: bool = False) -> bytes:
        return sse(self._response(parts, final=final))

    def _response(self, parts: list[dict[str, Any]], *, final: bool) -> dict[str, Any]:
        turn = self.turn
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
        response: dict[str, Any] = {"candidates": [candidate]}
        if final:
            candidate["finishReason"] = FINISH_REASONS[turn.finish]
            reasoning = len(turn.reasoning)
            response["usageMetadata"] = {
                "promptTokenCount": turn.input_tokens,
                "candidatesTokenCount": turn.output_tokens - reasoning,
                "totalTokenCount": turn.input_tokens + turn.output_tokens,
                **({"thoughtsTokenCount": reasoning} if reasoning else {}),
            }
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(turn.created))
        return response | {
            "modelVersion": turn.model,
            "createTime": created,
            "responseId": turn.id[:22],
        }

    def _image_part(self, png_base64: str) -> dict[str, Any]:
        part: dict[str, Any] = {"inlineData": {"mimeType": "image/png", "data": png_base64}}
        if self.turn.model.startswith("gemini-3"):  # Gemini 3 signs each picture it draws
            part["thoughtSignature"] = _image_signature(part["inlineData"])
        return part

    def _call_part(self) -> dict[str, Any]:
        call = self.turn.tool_call
        assert call is not None
        function_call = {"name": call.name, "args": json.loads(call.arguments)}
        return {"functionCall": function_call, "thoughtSignature": _signature(function_call)}


async def send_error(send: Send, status: int, message: str | None, headers: dict[str, str]) -> None:
    text = message or ERRORS.get(status, ("", "", f"HTTP {status}"))[2]
    state = STATUSES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
    error = {"code": status, "message": text, "status": state}
    await send_json(send, status, {"error": error}, headers=headers)


STREAM_API = Api(
    parse=lambda request: parse(request, stream=True),
    encoder=GeminiEncoder,
    error=send_error,
    images=True,
)
SINGLE_API = Api(
    parse=lambda request: parse(request, stream=False),
    encoder=GeminiEncoder,
    error=send_error,
    images=True,
)
