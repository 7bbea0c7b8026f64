"""What every chat protocol of the simulator shares: the knobs, the answer (a `Turn`) and
its pacing. A protocol module only reads its request into an `Ask` and writes a `Turn` in
its own wire shape through an `Encoder`, so the same prompt gives the same answer, and the
same knobs the same faults, whichever protocol asked.
"""

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from playground.nexconn.catalog import chat_model
from playground.simulator import answers
from playground.simulator.http import Connection, Request, Send, send_raw
from playground.simulator.knobs import Scenario, header_knobs, parse_knobs, split_directive
from playground.simulator.media.families.gemini_image import GEMINI_IMAGE_MODELS, IMAGE_TOKENS
from playground.simulator.media.render import MAX_IMAGE_SIDE, fit, render_png
from playground.simulator.protocols.tools import Tool, pick_tool, tool_arguments

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

type FinishReason = Literal["stop", "length", "tool_calls"]
# (send, status, message or None for the status's usual one, extra headers)
type ErrorSender = Callable[[Send, int, str | None, dict[str, str]], Awaitable[None]]


class BadRequest(Exception):
    """The request does not fit the protocol; answered with a 400 in its error shape."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    name: str
    output: str


@dataclass(frozen=True, slots=True)
class Ask:
    """What the simulator needs from a chat request, whatever its protocol."""

    model: str
    prompt: str  # the last user text, `[sim …]` directive included
    prompt_tokens: int
    stream: bool
    max_tokens: int | None = None
    tools: tuple[Tool, ...] = ()
    tool_choice: str | None = None  # auto | none | required | the name of a tool
    tool_result: ToolResult | None = None  # the conversation ends with a tool's output
    reasoning: bool | None = None  # the request's own switch; None: the model's default
    encrypted_reasoning: bool = False  # Responses: the reasoning items carry it (`include`)
    aspect_ratio: str | None = None  # image models
    image_size: str | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: str  # JSON text
    pieces: list[str]  # how the arguments stream


@dataclass(frozen=True, slots=True)
class Turn:
    """One answer, before any protocol has shaped it."""

    id: str  # hex; each protocol adds its own prefix
    created: int
    model: str
    reasoning: list[str]
    text: list[str]
    tool_call: ToolCall | None
    images: list[str]  # base64 PNGs
    finish: FinishReason
    input_tokens: int
    image_tokens: int = 0
    encrypted_reasoning: bool = False

    @property
    def output_tokens(self) -> int:
        arguments = len(self.tool_call.pieces) if self.tool_call else 0
        return len(self.reasoning) + len(self.text) + arguments + self.image_tokens

    @property
    def content(self) -> list[tuple[Literal["text", "tool"], str]]:
        """The pieces the fault knobs count: the text, then the tool call's arguments."""
        pieces: list[tuple[Literal["text", "tool"], str]] = [("text", p) for p in self.text]
        if self.tool_call:
            pieces += [("tool", piece) for piece in self.tool_call.pieces]
        return pieces


class Encoder:
    """A Turn in one protocol's wire shape. The streaming methods return the bytes to send
    (b"" for nothing); `whole` is the non-streaming body."""

    content_type = b"text/event-stream; charset=utf-8"

    def __init__(self, turn: Turn) -> None:
        self.turn = turn

    def start(self) -> bytes:
        return b""

    def reasoning(self, piece: str) -> bytes:
        raise NotImplementedError

    def text(self, piece: str) -> bytes:
        raise NotImplementedError

    def tool_arguments(self, piece: str) -> bytes:
        raise NotImplementedError

    def image(self, index: int, png_base64: str) -> bytes:
        return b""

    def finish(self) -> bytes:
        """The finish reason and usage, after closing whatever is open."""
        raise NotImplementedError

    def end(self) -> bytes:
        """The last bytes of a complete stream: b"" where the stream just ends."""
        return b""

    def malformed(self) -> bytes:
        """A chunk cut off in the middle of its JSON."""
        raise NotImplementedError

    def error(self) -> bytes:
        """An error event, as the upstream sends one when it fails mid-answer."""
        raise NotImplementedError

    def whole(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Api:
    """One protocol: how to read its requests, shape its answers and its errors."""

    parse: Callable[[Request], Ask]
    encoder: Callable[[Turn], Encoder]
    error: ErrorSender
    images: bool = False  # whether image models answer with pictures on this protocol


async def answer(simulator: "Simulator", api: Api, request: Request, send: Send) -> None:
    """Answer a chat request: knobs, delay and error first, then the turn."""
    try:
        ask = api.parse(request)
    except BadRequest as exc:
        await api.error(send, 400, str(exc), {})
        return
    prompt, directive = split_directive(ask.prompt)
    try:
        knobs = parse_knobs(header_knobs(request.headers) + directive)
    except ValueError as exc:
        await api.error(send, 400, str(exc), {})
        return
    scenario = Scenario(**({"rate": simulator.default_rate()} | knobs))
    if scenario.delay and await request.connection.pause(scenario.delay):
        return
    if scenario.error is not None and simulator.should_fail(scenario, knobs):
        headers = {}
        if scenario.error in (429, 503):
            headers["retry-after"] = f"{scenario.retry_after:g}"
        await api.error(send, scenario.error, None, headers)
        return
    try:
        turn = await plan(ask, prompt, scenario, images=api.images)
    except BadRequest as exc:
        await api.error(send, 400, str(exc), {})
        return
    encoder = api.encoder(turn)
    if ask.stream:
        await stream(send, encoder, scenario, request.connection)
    else:
        await respond(send, encoder, scenario, request.connection, api.error)


async def plan(ask: Ask, prompt: str, scenario: Scenario, *, images: bool) -> Turn:
    """The answer to `ask`: a picture for image models, a tool call when one is due, an
    answer that uses a tool's output, or the usual text (chat answers in answers.py)."""
    model = ask.model
    wants_reasoning = scenario.reasoning
    if wants_reasoning is None:
        wants_reasoning = ask.reasoning
    if wants_reasoning is None:
        # Claude thinks only when the request switches extended thinking on (docs/api/chat.md §5).
        entry = chat_model(model)
        wants_reasoning = entry.returns_reasoning_text and entry.vendor != "Anthropic"
    reasoning = (
        answers.reasoning_tokens(prompt, tokens=scenario.reasoning_tokens)
        if wants_reasoning
        else []
    )
    pictures: list[str] = []
    call = None
    tool = pick_tool(
        ask.tools, ask.tool_choice, prompt, knob=scenario.tool, after_result=bool(ask.tool_result)
    )
    if images and model in GEMINI_IMAGE_MODELS:
        text = answers.caption_tokens(prompt)
        pictures = [await _picture(ask, prompt)]
    elif tool is not None:
        arguments = json.dumps(tool_arguments(tool, prompt), ensure_ascii=False)
        call, text = ToolCall(tool.name, arguments, answers.tokenize(arguments)), []
    elif ask.tool_result is not None:
        result = ask.tool_result
        text = answers.tool_answer_tokens(
            prompt, tool=result.name, output=result.output, tokens=scenario.tokens
        )
    elif scenario.echo:
        text = answers.tokenize(prompt)
    else:
        text = answers.answer_tokens(prompt, model=model, tokens=scenario.tokens)
    finish: FinishReason = "tool_calls" if call else "stop"
    if ask.max_tokens is not None and 0 < ask.max_tokens < len(text):
        text, finish = text[: ask.max_tokens], "length"
    return Turn(
        id=uuid.uuid4().hex,
        created=int(time.time()),
        model=model,
        reasoning=reasoning,
        text=text,
        tool_call=call,
        images=pictures,
        finish=finish,
        input_tokens=ask.prompt_tokens,
        image_tokens=IMAGE_TOKENS * len(pictures),
        encrypted_reasoning=ask.encrypted_reasoning,
    )


async def _picture(ask: Ask, prompt: str) -> str:
    """A real PNG of the prompt in the asked aspect ratio (docs/api/images.md §4.1)."""
    ratios, sizes = GEMINI_IMAGE_MODELS[ask.model]
    aspect = ask.aspect_ratio or "1:1"
    if aspect not in ratios:
        raise BadRequest(f"aspect_ratio must be one of: {', '.join(ratios)}.")
    if ask.image_size is not None and ask.image_size not in sizes:
        raise BadRequest(f"image_size must be one of: {', '.join(sizes)}.")
    across, down = (int(side) for side in aspect.split(":"))
    width, height = fit(across, down, 512 if ask.image_size == "512" else MAX_IMAGE_SIDE)
    png = await asyncio.to_thread(render_png, width, height, prompt, f"{ask.model}|{prompt}")
    return base64.b64encode(png).decode()


async def stream(send: Send, encoder: Encoder, scenario: Scenario, connection: Connection) -> None:
    """Stream the turn at the scenario's rate; cut, stall, malformed and stream_error count
    the pieces of text (and then of tool-call arguments) already sent."""
    turn = encoder.turn
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", encoder.content_type),
                (b"cache-control", b"no-cache"),
                (b"x-request-id", turn.id.encode()),
            ],
        }
    )
    interval = 1 / scenario.rate if scenario.rate else 0.0

    async def emit(data: bytes) -> bool:
        """Send a piece of the body; False once the client has gone."""
        if connection.disconnected.is_set():
            return False
        if not data:
            return True
        try:
            await send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:  # some servers raise once the client is gone
            return False
        return True

    async def close(data: bytes = b"") -> None:
        connection.finished = True
        await send({"type": "http.response.body", "body": data, "more_body": False})

    if not await emit(encoder.start()):
        return
    for piece in turn.reasoning:
        if await connection.pause(interval) or not await emit(encoder.reasoning(piece)):
            return
    content = turn.content
    for sent in range(len(content) + 1):
        if sent == scenario.cut:
            await close()
            return
        if sent == scenario.stall:
            await connection.disconnected.wait()
            return
        if sent == scenario.stream_error:
            await close(encoder.error())
            return
        if sent == scenario.malformed and not await emit(encoder.malformed()):
            return
        if sent < len(content):
            kind, piece = content[sent]
            data = encoder.text(piece) if kind == "text" else encoder.tool_arguments(piece)
            if await connection.pause(interval) or not await emit(data):
                return
    for index, picture in enumerate(turn.images):
        if await connection.pause(interval) or not await emit(encoder.image(index, picture)):
            return
    if await emit(encoder.finish()):
        await close(b"" if scenario.no_done else encoder.end())


async def respond(
    send: Send,
    encoder: Encoder,
    scenario: Scenario,
    connection: Connection,
    error: ErrorSender,
) -> None:
    """The non-streaming answer, after the time generating it would have taken."""
    if scenario.stall is not None:
        await connection.disconnected.wait()
        return
    turn = encoder.turn
    pieces = len(turn.reasoning) + len(turn.content)
    if scenario.rate and await connection.pause(pieces / scenario.rate):
        return
    connection.finished = True
    if scenario.stream_error is not None:
        await error(send, 500, None, {})
        return
    body = json.dumps(encoder.whole(), ensure_ascii=False).encode()
    if scenario.cut is not None or scenario.malformed is not None:
        body = body[: len(body) // 2]
    await send_raw(send, 200, body, content_type=b"application/json")


def sse(payload: dict[str, Any], event: str | None = None) -> bytes:
    """One server-sent event: data only, or named (`event:` first, as Anthropic and
    OpenAI's Responses send them)."""
    data = b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"
    return f"event: {event}\n".encode() + data if event else data


def message_tokens(texts: list[str]) -> int:
    """Prompt tokens of a conversation: each message's text plus a little framing."""
    return sum(3 + answers.count_tokens(text) for text in texts)
