"""POST /v1/messages and /bypass/anthropic/v1/messages in Anthropic's exact shapes (docs/api/chat.md
§7.1-7.2): typed SSE events (`event:` lines) ending with message_stop, no [DONE]; errors
as {"type": "error", "error": {type, message}}. Either auth header is accepted (x-api-key, as
Anthropic's SDK sends it, or Authorization); anthropic-version is not required.
"""

import base64
import hashlib
import json
from typing import Any

from playground.simulator.http import ERRORS, Request, Send, send_json
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

# status -> Anthropic's error type
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
_TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}


def parse(request: Request) -> Ask:
    body = request.json
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise BadRequest("model: Field required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise BadRequest("max_tokens: Field required (a positive integer)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    messages = [message for message in messages if isinstance(message, dict)]
    prompt = next(
        (
            text
            for message in reversed(messages)
            if message.get("role") == "user" and (text := _text(message.get("content")))
        ),
        "",
    )
    tools = tuple(
        Tool(str(tool.get("name")), str(tool.get("description") or ""), tool["input_schema"])
        for tool in body.get("tools") or ()
        if isinstance(tool, dict) and isinstance(tool.get("input_schema"), dict)
    )
    thinking = body.get("thinking")
    switch = thinking.get("type") if isinstance(thinking, dict) else None
    _check_thinking_blocks(messages, thinking_on=switch == "enabled")
    texts = [_text(body.get("system"))] + [_text(m.get("content")) for m in messages]
    return Ask(
        model=body["model"],
        prompt=prompt,
        prompt_tokens=message_tokens([text for text in texts if text]),
        stream=bool(body.get("stream")),
        max_tokens=max_tokens,
        tools=tools,
        tool_choice=_tool_choice(body.get("tool_choice")),
        tool_result=_tool_result(messages),
        reasoning={"enabled": True, "disabled": False}.get(switch),
    )


def _check_thinking_blocks(messages: list[dict[str, Any]], *, thinking_on: bool) -> None:
    """Anthropic's rules for thinking replayed in assistant turns (extended thinking with tool
    use): every thinking block keeps the signature it came with, and with thinking on, the
    turn that called the tools being answered starts with its thinking."""
    last_assistant = None
    for position, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        last_assistant = position
        for index, block in enumerate(_blocks(message)):
            if block.get("type") == "thinking" and block.get("signature") != _signature(
                str(block.get("thinking") or "")
            ):
                raise BadRequest(
                    f"messages.{position}.content.{index}: Invalid `signature` in `thinking` block"
                )
    if not thinking_on or last_assistant is None or _tool_result(messages[-1:]) is None:
        return
    blocks = _blocks(messages[last_assistant])
    first = blocks[0].get("type") if blocks else "text"
    if first not in ("thinking", "redacted_thinking"):
        raise BadRequest(
            f"messages.{last_assistant}.content.0.type: Expected `thinking` or "
            f"`redacted_thinking`, but found `{first}`. When `thinking` is enabled, a final "
            "`assistant` message must start with a thinking block (preceeding the lastmost "
            "set of `tool_use` and `tool_result` blocks). We recommend you include thinking "
            "blocks from previous turns. To avoid this requirement, disable `thinking`. Please "
            "consult our documentation at "
            "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
        )


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return (
        [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []
    )


def _text(content: Any) -> str:
    """A string, or the text of text blocks (tool_result blocks included)."""
    if isinstance(content, str):
        return content
    texts = []
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
    return " ".join(texts)


def _tool_choice(choice: Any) -> str | None:
    if not isinstance(choice, dict):
        return None
    if choice.get("type") == "tool":
        return choice.get("name")
    return _TOOL_CHOICES.get(choice.get("type"))


def _tool_result(messages: list[dict[str, Any]]) -> ToolResult | None:
    last = messages[-1]
    blocks = last.get("content") if last.get("role") == "user" else None
    results = [
        block
        for block in (blocks if isinstance(blocks, list) else ())
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]
    if not results:
        return None
    names = {
        block.get("id"): block.get("name")
        for message in messages
        if message.get("role") == "assistant" and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_use"
    }
    result = results[-1]
    name = names.get(result.get("tool_use_id")) or "tool"
    return ToolResult(str(name), _text(result.get("content")))


class MessagesEncoder(Encoder):
    """Content blocks open and close as the answer moves from thinking to text to tool use."""

    _block: str | None = None  # the kind of the open block
    _index = -1

    def start(self) -> bytes:
        message = self._message(content=[], stop_reason=None)
        message["usage"] = self._usage(output_tokens=1)
        return _event("message_start", {"message": message}) + _event("ping", {})

    def reasoning(self, piece: str) -> bytes:
        opening = self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        return opening + self._delta({"type": "thinking_delta", "thinking": piece})

    def text(self, piece: str) -> bytes:
        opening = self._open("text", {"type": "text", "text": ""})
        return opening + self._delta({"type": "text_delta", "text": piece})

    def tool_arguments(self, piece: str) -> bytes:
        call = self.turn.tool_call
        assert call is not None
        block = {"type": "tool_use", "id": self._tool_id(), "name": call.name, "input": {}}
        opening = self._open("tool_use", block)
        return opening + self._delta({"type": "input_json_delta", "partial_json": piece})

    def finish(self) -> bytes:
        delta = {"stop_reason": STOP_REASONS[self.turn.finish], "stop_sequence": None}
        usage = self._usage(output_tokens=self.turn.output_tokens)
        return self._close() + _event("message_delta", {"delta": delta, "usage": usage})

    def end(self) -> bytes:
        return _event("message_stop", {})

    def malformed(self) -> bytes:
        return (
            b"event: content_block_delta\n"
            b'data: {"type": "content_block_delta", "index": 0, "delta": {"type"\n\n'
        )

    def error(self) -> bytes:
        return _event("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})

    def whole(self) -> dict[str, Any]:
        turn = self.turn
        content: list[dict[str, Any]] = []
        if turn.reasoning:
            thinking = "".join(turn.reasoning)
            content.append(
                {"type": "thinking", "thinking": thinking, "signature": _signature(thinking)}
            )
        if turn.text:
            content.append({"type": "text", "text": "".join(turn.text)})
        if call := turn.tool_call:
            content.append(
                {
                    "type": "tool_use",
                    "id": self._tool_id(),
                    "name": call.name,
                    "input": json.loads(call.arguments),
                }
            )
        message = self._message(content=content, stop_reason=STOP_REASONS[turn.finish])
        message["usage"] = self._usage(output_tokens=turn.output_tokens)
        return message

    def _message(self, *, content: list[dict[str, Any]], stop_reason: str | None) -> dict:
        return {
            "id": f"msg_{self.turn.id[:24]}",
            "type": "message",
            "role": "assistant",
            "model": self.turn.model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
        }

    def _usage(self, *, output_tokens: int) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "input_tokens": self.turn.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
        }
        if self.turn.reasoning and output_tokens > 1:
            usage["output_tokens_details"] = {"thinking_tokens": len(self.turn.reasoning)}
        return usage

    def _open(self, kind: str, block: dict[str, Any]) -> bytes:
        if self._block == kind:
            return b""
        closing = self._close()
        self._block, self._index = kind, self._index + 1
        start = {"index": self._index, "content_block": block}
        return closing + _event("content_block_start", start)

    def _close(self) -> bytes:
        if self._block is None:
            return b""
        closing = b""
        if self._block == "thinking":
            signature = _signature("".join(self.turn.reasoning))
            closing = self._delta({"type": "signature_delta", "signature": signature})
        self._block = None
        return closing + _event("content_block_stop", {"index": self._index})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return _event("content_block_delta", {"index": self._index, "delta": delta})

    def _tool_id(self) -> str:
        return f"toolu_{self.turn.id[:24]}"


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return sse({"type": kind} | payload, event=kind)


def _signature(thinking: str) -> str:
    """Stands in for the opaque signature that lets thinking be replayed."""
    return base64.b64encode(hashlib.sha256(thinking.encode()).digest()).decode()


async def send_error(send: Send, status: int, message: str | None, headers: dict[str, str]) -> None:
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    text = message or ERRORS.get(status, ("", "", f"HTTP {status}"))[2]
    body = {"type": "error", "error": {"type": kind, "message": text}}
    await send_json(send, status, body, headers={"request-id": "req_sim"} | headers)


API = Api(parse=parse, encoder=MessagesEncoder, error=send_error)
