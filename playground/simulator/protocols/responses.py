"""POST /bypass/openai/v1/responses in OpenAI's Responses shapes (docs/api/chat.md §7.4): typed SSE
events with sequence numbers, output items (reasoning with a summary, message, function
call) opened and closed in order, and response.completed (or response.incomplete) last.
A failure mid-answer is response.failed. Errors before the answer are OpenAI-style.
"""

import base64
import hashlib
from collections import OrderedDict
from typing import Any

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

_SUMMARIES = ("auto", "concise", "detailed")
# The function calls answered after reasoning, by output item id -> the reasoning item's id:
# OpenAI refuses such a call given back with its id but without its reasoning.
_REASONING_BEFORE: OrderedDict[str, str] = OrderedDict()
_REMEMBERED = 10_000


def parse(request: Request) -> Ask:
    body = request.json
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise BadRequest("Missing required parameter: 'model'.")
    given = body.get("input")
    if isinstance(given, str):
        items = [{"role": "user", "content": given}]
    elif isinstance(given, list) and given:
        items = [item for item in given if isinstance(item, dict)]
    else:
        raise BadRequest("Missing required parameter: 'input'.")
    messages = [item for item in items if item.get("type", "message") == "message"]
    users = [item for item in messages if item.get("role") == "user"]
    tools = tuple(
        Tool(
            str(tool.get("name")), str(tool.get("description") or ""), tool.get("parameters") or {}
        )
        for tool in body.get("tools") or ()
        if isinstance(tool, dict) and tool.get("type") == "function"
    )
    choice = body.get("tool_choice")
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    instructions = body.get("instructions") if isinstance(body.get("instructions"), str) else ""
    max_tokens = body.get("max_output_tokens")
    _check_reasoning_items(items, store=body.get("store") is not False)
    include = body.get("include") if isinstance(body.get("include"), list) else []
    return Ask(
        model=body["model"],
        prompt=_text(users[-1]) if users else "",
        prompt_tokens=message_tokens([t for t in [instructions, *map(_text, messages)] if t]),
        stream=bool(body.get("stream")),
        max_tokens=max_tokens if isinstance(max_tokens, int) else None,
        tools=tools,
        tool_choice=choice.get("name") if isinstance(choice, dict) else choice,
        tool_result=_tool_result(items),
        reasoning=_reasoning_switch(reasoning),
        encrypted_reasoning="reasoning.encrypted_content" in include,
    )


def _check_reasoning_items(items: list[dict[str, Any]], *, store: bool) -> None:
    """Reasoning given back: the simulator keeps nothing (its responses say `store: false`),
    so a reasoning item must carry its encrypted content, and it must be the simulator's; a
    function call given back with its id needs the reasoning that came before it."""
    for position, item in enumerate(items):
        match item.get("type"):
            case "reasoning":
                item_id, encrypted = item.get("id"), item.get("encrypted_content")
                if encrypted is None:
                    hint = (
                        ""
                        if store
                        else " Items are not persisted when `store` is set to false. Try again"
                        " with `store` set to true, or remove this item from your input."
                    )
                    raise BadRequest(f"Item with id '{item_id}' not found.{hint}")
                if _reasoning_text(encrypted) is None:
                    raise BadRequest(
                        f"The encrypted content for item {item_id} could not be verified."
                    )
            case "function_call" if reasoning_id := _REASONING_BEFORE.get(str(item.get("id"))):
                before = items[position - 1] if position else {}
                if before.get("type") != "reasoning" or before.get("id") != reasoning_id:
                    raise BadRequest(
                        f"Item '{item['id']}' of type 'function_call' was provided without its "
                        f"required 'reasoning' item: '{reasoning_id}'."
                    )


def _encrypted(text: str) -> str:
    """Stands in for OpenAI's encrypted reasoning: the text and a check of it."""
    check = hashlib.sha256(f"reasoning|{text}".encode()).hexdigest()[:32]
    return base64.b64encode(f"{check}|{text}".encode()).decode()


def _reasoning_text(encrypted: Any) -> str | None:
    try:
        _, _, text = base64.b64decode(str(encrypted), validate=True).decode().partition("|")
    except ValueError:
        return None
    return text if _encrypted(text) == encrypted else None


def _text(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    return " ".join(
        part["text"]
        for part in (content if isinstance(content, list) else ())
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    )


def _tool_result(items: list[dict[str, Any]]) -> ToolResult | None:
    last = items[-1]
    if last.get("type") != "function_call_output":
        return None
    names = {
        item.get("call_id"): item.get("name")
        for item in items
        if item.get("type") == "function_call"
    }
    output = last.get("output")
    text = output if isinstance(output, str) else _text({"content": output})
    return ToolResult(str(names.get(last.get("call_id")) or "tool"), text)


def _reasoning_switch(reasoning: dict[str, Any]) -> bool | None:
    if reasoning.get("effort") == "none":
        return False
    return True if reasoning.get("summary") in _SUMMARIES else None


class ResponsesEncoder(Encoder):
    """Output items open and close as the answer moves from reasoning to text to a call."""

    _sequence = 0
    _open: str | None = None  # the type of the open output item
    _position = -1  # its output_index

    def start(self) -> bytes:
        response = self._response("in_progress", output=[])
        return self._event("response.created", response=response) + self._event(
            "response.in_progress", response=response
        )

    def reasoning(self, piece: str) -> bytes:
        opening = self._start_item("reasoning")
        if opening:
            part = {"type": "summary_text", "text": ""}
            opening += self._event(
                "response.reasoning_summary_part.added", **self._at(), summary_index=0, part=part
            )
        return opening + self._event(
            "response.reasoning_summary_text.delta", **self._at(), summary_index=0, delta=piece
        )

    def text(self, piece: str) -> bytes:
        opening = self._start_item("message")
        if opening:
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            opening += self._event(
                "response.content_part.added", **self._at(), content_index=0, part=part
            )
        return opening + self._event(
            "response.output_text.delta", **self._at(), content_index=0, delta=piece, logprobs=[]
        )

    def tool_arguments(self, piece: str) -> bytes:
        opening = self._start_item("function_call")
        return opening + self._event(
            "response.function_call_arguments.delta", **self._at(), delta=piece
        )

    def finish(self) -> bytes:
        closing = self._close()
        response = self.whole()
        kind = f"response.{response['status']}"  # completed or incomplete
        return closing + self._event(kind, response=response)

    def malformed(self) -> bytes:
        return (
            b"event: response.output_text.delta\n"
            b'data: {"type": "response.output_text.delta", "delta"\n\n'
        )

    def error(self) -> bytes:
        error = {"code": "server_error", "message": "The model failed while answering."}
        response = self._response("failed", output=[]) | {"error": error}
        return self._event("response.failed", response=response)

    def whole(self) -> dict[str, Any]:
        turn = self.turn
        kinds = [
            kind
            for kind, present in (
                ("reasoning", turn.reasoning),
                ("message", turn.text),
                ("function_call", turn.tool_call),
            )
            if present
        ]
        output = [self._item(kind, done=True) for kind in kinds]
        if turn.finish == "length":
            response = self._response("incomplete", output=output, usage=True)
            return response | {"incomplete_details": {"reason": "max_output_tokens"}}
        return self._response("completed", output=output, usage=True)

    def _event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, **fields, "sequence_number": self._sequence}
        self._sequence += 1
        return sse(payload, event=kind)

    def _at(self) -> dict[str, Any]:
        return {"item_id": self._item_id(self._open or ""), "output_index": self._position}

    def _start_item(self, kind: str) -> bytes:
        """Open an output item of this kind (closing the one before); b"" if it is open."""
        if self._open == kind:
            return b""
        closing = self._close()
        self._open, self._position = kind, self._position + 1
        item = self._item(kind, done=False)
        return closing + self._event(
            "response.output_item.added", output_index=self._position, item=item
        )

    def _close(self) -> bytes:
        kind = self._open
        if kind is None:
            return b""
        turn, at, events = self.turn, self._at(), b""
        if kind == "reasoning":
            text = "".join(turn.reasoning)
            part = {"type": "summary_text", "text": text}
            events += self._event(
                "response.reasoning_summary_text.done", **at, summary_index=0, text=text
            )
            events += self._event(
                "response.reasoning_summary_part.done", **at, summary_index=0, part=part
            )
        elif kind == "message":
            text = "".join(turn.text)
            part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
            events += self._event(
                "response.output_text.done", **at, content_index=0, text=text, logprobs=[]
            )
            events += self._event("response.content_part.done", **at, content_index=0, part=part)
        elif turn.tool_call:
            call = turn.tool_call
            events += self._event(
                "response.function_call_arguments.done",
                **at,
                name=call.name,
                arguments=call.arguments,
            )
        self._open = None
        item = self._item(kind, done=True)
        return events + self._event(
            "response.output_item.done", output_index=at["output_index"], item=item
        )

    def _item(self, kind: str, *, done: bool) -> dict[str, Any]:
        turn, status = self.turn, "completed" if done else "in_progress"
        item: dict[str, Any] = {"id": self._item_id(kind), "type": kind}
        match kind:
            case "reasoning":
                text = "".join(turn.reasoning)
                item["summary"] = [{"type": "summary_text", "text": text}] if done else []
                if turn.encrypted_reasoning:
                    item["encrypted_content"] = _encrypted(text) if done else None
                return item
            case "message":
                content = [
                    {
                        "type": "output_text",
                        "text": "".join(turn.text),
                        "annotations": [],
                        "logprobs": [],
                    }
                ]
                return item | {
                    "status": status,
                    "role": "assistant",
                    "content": content if done else [],
                }
        call = turn.tool_call
        assert call is not None
        if turn.reasoning:
            _REASONING_BEFORE[item["id"]] = self._item_id("reasoning")
            while len(_REASONING_BEFORE) > _REMEMBERED:
                _REASONING_BEFORE.popitem(last=False)
        return item | {
            "status": status,
            "arguments": call.arguments if done else "",
            "call_id": f"call_{turn.id[:24]}",
            "name": call.name,
        }

    def _item_id(self, kind: str) -> str:
        prefix = {"reasoning": "rs", "message": "msg", "function_call": "fc"}.get(kind, "item")
        return f"{prefix}_{self.turn.id[:24]}"

    def _response(
        self, status: str, *, output: list[dict[str, Any]], usage: bool = False
    ) -> dict[str, Any]:
        turn = self.turn
        response: dict[str, Any] = {
            "id": f"resp_{turn.id}",
            "object": "response",
            "created_at": turn.created,
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "max_output_tokens": None,
            "model": turn.model,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "store": False,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": None,
            "user": None,
            "metadata": {},
        }
        if usage:
            response["usage"] = {
                "input_tokens": turn.input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": turn.output_tokens,
                "output_tokens_details": {"reasoning_tokens": len(turn.reasoning)},
                "total_tokens": turn.input_tokens + turn.output_tokens,
            }
        return response


async def send_error(send: Send, status: int, message: str | None, headers: dict[str, str]) -> None:
    await http.send_error(send, status, message=message, headers=headers)


API = Api(parse=parse, encoder=ResponsesEncoder, error=send_error)
