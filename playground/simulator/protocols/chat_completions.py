"""POST /v1/chat/completions in OpenAI's exact shapes, with Nexconn's extra fields:
`reasoning_content` (docs/api/chat.md §6) and, for the Gemini image models, `images`
(docs/api/images.md §4.2).
"""

from typing import Any

from playground.nexconn.catalog import chat_model
from playground.simulator import http
from playground.simulator.http import Request, Send
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


def parse(request: Request) -> Ask:
    body = request.json
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise BadRequest("`model` is required.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("`messages` must be a non-empty list.")
    messages = [message for message in messages if isinstance(message, dict)]
    tools = tuple(
        Tool(
            str(function.get("name")),
            str(function.get("description") or ""),
            function.get("parameters") or {},
        )
        for tool in body.get("tools") or ()
        if isinstance(tool, dict) and isinstance(function := tool.get("function"), dict)
    )
    image_config = body.get("image_config") if isinstance(body.get("image_config"), dict) else {}
    _check_reasoning_replayed(body["model"], messages, _reasoning_switch(body))
    return Ask(
        model=body["model"],
        prompt=next((_message_text(m) for m in reversed(messages) if m.get("role") == "user"), ""),
        prompt_tokens=message_tokens([_message_text(message) for message in messages]),
        stream=bool(body.get("stream")),
        max_tokens=_integer(body.get("max_completion_tokens") or body.get("max_tokens")),
        tools=tools,
        tool_choice=_tool_choice(body.get("tool_choice")),
        tool_result=_tool_result(messages),
        reasoning=_reasoning_switch(body),
        aspect_ratio=image_config.get("aspect_ratio"),
        image_size=image_config.get("image_size"),
    )


def _check_reasoning_replayed(
    model: str, messages: list[dict[str, Any]], switch: bool | None
) -> None:
    """DeepSeek and Kimi, thinking, refuse an assistant turn with tool calls that comes back
    without its reasoning_content (DeepSeek's thinking-mode guide: it must be passed back in
    every later request)."""
    name = model.lower()
    family = "deepseek" if "deepseek" in name else "kimi" if "kimi" in name else None
    thinking = switch if switch is not None else chat_model(model).returns_reasoning_text
    if family is None or not thinking:
        return
    for index, message in enumerate(messages):
        if message.get("role") != "assistant" or not message.get("tool_calls"):
            continue
        if "reasoning_content" in message:
            continue
        if family == "kimi":
            raise BadRequest(
                "thinking is enabled but reasoning_content is missing in assistant tool call "
                f"message at index {index}"
            )
        raise BadRequest(
            f"Missing `reasoning_content` field in the assistant message at message index "
            f"{index}. For more information, please refer to "
            "https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
        )


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _tool_choice(choice: Any) -> str | None:
    if isinstance(choice, dict):
        function = choice.get("function")
        return function.get("name") if isinstance(function, dict) else None
    return choice if isinstance(choice, str) else None


def _tool_result(messages: list[dict[str, Any]]) -> ToolResult | None:
    last = messages[-1]
    if last.get("role") != "tool":
        return None
    names = {
        call.get("id"): (call.get("function") or {}).get("name")
        for message in messages
        for call in message.get("tool_calls") or ()
        if isinstance(call, dict)
    }
    name = names.get(last.get("tool_call_id")) or last.get("name") or "tool"
    return ToolResult(str(name), _message_text(last))


def _reasoning_switch(body: dict[str, Any]) -> bool | None:
    """The request's own reasoning switch (docs/api/chat.md §5), whatever the model's style."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "disabled"):
        return thinking["type"] == "enabled"
    if isinstance(body.get("enable_thinking"), bool):
        return body["enable_thinking"]
    if body.get("reasoning_effort") == "none":
        return False
    return None


class ChatEncoder(Encoder):
    _tool_started = False

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return sse(self._envelope("chat.completion.chunk", choices=[choice]))

    def start(self) -> bytes:
        return self.chunk({"role": "assistant", "content": ""})

    def reasoning(self, piece: str) -> bytes:
        return self.chunk({"reasoning_content": piece})

    def text(self, piece: str) -> bytes:
        return self.chunk({"content": piece})

    def tool_arguments(self, piece: str) -> bytes:
        call = self.turn.tool_call
        assert call is not None
        first = b""
        if not self._tool_started:
            self._tool_started = True
            function = {"name": call.name, "arguments": ""}
            first = self._tool_delta(
                {"id": self._call_id(), "type": "function", "function": function}
            )
        return first + self._tool_delta({"function": {"arguments": piece}})

    def image(self, index: int, png_base64: str) -> bytes:
        return self.chunk({"images": [_image(index, png_base64)]})

    def finish(self) -> bytes:
        usage = self._envelope("chat.completion.chunk", choices=[], usage=self._usage())
        return self.chunk({}, self.turn.finish) + sse(usage)

    def end(self) -> bytes:
        return b"data: [DONE]\n\n"

    def malformed(self) -> bytes:
        return b'data: {"id": "' + self._id().encode() + b'", "choices": [{"delta": {"content"\n\n'

    def error(self) -> bytes:
        error = {"message": "The upstream model failed mid-answer.", "type": "server_error"}
        return sse({"error": error | {"param": None, "code": "internal_error"}})

    def whole(self) -> dict[str, Any]:
        turn = self.turn
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(turn.text) if turn.text or not turn.tool_call else None,
            "refusal": None,
        }
        if turn.reasoning:
            message["reasoning_content"] = "".join(turn.reasoning)
        if call := turn.tool_call:
            function = {"name": call.name, "arguments": call.arguments}
            message["tool_calls"] = [
                {"id": self._call_id(), "type": "function", "function": function}
            ]
        if turn.images:
            message["images"] = [_image(index, data) for index, data in enumerate(turn.images)]
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": turn.finish}
        return self._envelope("chat.completion", choices=[choice], usage=self._usage())

    def _tool_delta(self, call: dict[str, Any]) -> bytes:
        return self.chunk({"tool_calls": [{"index": 0, **call}]})

    def _id(self) -> str:
        return f"chatcmpl-{self.turn.id[:24]}"

    def _call_id(self) -> str:
        return f"call_{self.turn.id[:24]}"

    def _envelope(self, kind: str, **fields: Any) -> dict[str, Any]:
        turn = self.turn
        return {"id": self._id(), "object": kind, "created": turn.created, "model": turn.model} | (
            fields
        )

    def _usage(self) -> dict[str, Any]:
        turn = self.turn
        completion = {"reasoning_tokens": len(turn.reasoning)}
        if turn.image_tokens:
            completion["image_tokens"] = turn.image_tokens
        return {
            "prompt_tokens": turn.input_tokens,
            "completion_tokens": turn.output_tokens,
            "total_tokens": turn.input_tokens + turn.output_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": completion,
        }


def _image(index: int, png_base64: str) -> dict[str, Any]:
    url = f"data:image/png;base64,{png_base64}"
    return {"type": "image_url", "image_url": {"url": url}, "index": index}


async def send_error(send: Send, status: int, message: str | None, headers: dict[str, str]) -> None:
    await http.send_error(send, status, message=message, headers=headers)


API = Api(parse=parse, encoder=ChatEncoder, error=send_error, images=True)
