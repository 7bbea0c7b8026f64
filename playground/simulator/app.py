"""The Nexconn simulator: a plain ASGI app serving Nexconn's paths in OpenAI's exact shapes.

Scenario knobs are chosen per request, by a `[sim key=value flag]` directive in the last user
message or by `X-Sim-<Key>` headers (the directive wins). See `KNOBS` for the list.
"""

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from playground.nexconn.catalog import CHAT_MODELS, chat_model
from playground.simulator import answers

type Scope = MutableMapping[str, Any]
type Message = MutableMapping[str, Any]
type Receive = Callable[[], Awaitable[Message]]
type Send = Callable[[Message], Awaitable[None]]

DEFAULT_TOKEN_RATE = 40.0
_DIRECTIVE = re.compile(r"\s*\[sim\b([^\]]*)\]", re.IGNORECASE)
_SWITCH_VALUES = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False}
_SWITCH_VALUES |= {"0": False, "no": False}

# status -> (error.type, error.code, message), in OpenAI's error-body style.
ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request_error", "invalid_request", "The request was not valid."),
    401: ("authentication_error", "invalid_api_key", "Incorrect API key provided."),
    402: ("billing_error", "insufficient_balance", "Your account balance is insufficient."),
    403: ("permission_error", "model_not_allowed", "This API key may not use this model."),
    404: ("invalid_request_error", "not_found", "The model or endpoint does not exist."),
    429: ("rate_limit_error", "rate_limit_exceeded", "Rate limit reached. Retry later."),
    500: ("server_error", "internal_error", "The server had an error processing the request."),
    502: ("server_error", "bad_gateway", "The upstream model provider failed."),
    503: ("server_error", "service_unavailable", "The service is temporarily overloaded."),
}


def _switch(value: str) -> bool:
    return _SWITCH_VALUES[value.lower()]


def _count(value: str) -> int:
    if (number := int(value)) < 0:
        raise ValueError(value)
    return number


def _seconds(value: str) -> float:
    if (number := float(value)) < 0:
        raise ValueError(value)
    return number


def _status(value: str) -> int:
    if not 400 <= (status := int(value)) <= 599:
        raise ValueError(value)
    return status


KNOBS: dict[str, Callable[[str], Any]] = {
    "tokens": _count,  # answer length in tokens (default 120: past the code sample)
    "rate": _seconds,  # tokens per second; 0 = as fast as possible
    "reasoning": _switch,  # on|off; default: whether the catalog model returns reasoning text
    "reasoning_tokens": _count,  # default 20
    "error": _status,  # answer with this HTTP status and an OpenAI-style error body
    "retry_after": _seconds,  # Retry-After on 429/503 (default 1)
    "fail_times": _count,  # with error: only the first K requests with this directive fail
    "delay": _seconds,  # seconds before the response headers
    "cut": _count,  # the body ends after N text tokens, without [DONE]
    "stall": _count,  # after N text tokens the stream stays open, silent
    "malformed": _count,  # a chunk of invalid JSON after N text tokens
    "echo": _switch,  # the answer is the prompt itself
}


@dataclass(frozen=True, slots=True)
class Scenario:
    tokens: int = 120
    rate: float = DEFAULT_TOKEN_RATE
    reasoning: bool | None = None
    reasoning_tokens: int = 20
    error: int | None = None
    retry_after: float = 1.0
    fail_times: int | None = None
    delay: float = 0.0
    cut: int | None = None
    stall: int | None = None
    malformed: int | None = None
    echo: bool = False


def parse_knobs(raw: Iterable[tuple[str, str]]) -> dict[str, Any]:
    knobs: dict[str, Any] = {}
    for key, value in raw:
        if key not in KNOBS:
            raise ValueError(f"unknown simulator knob {key!r}")
        try:
            knobs[key] = KNOBS[key](value)
        except (ValueError, KeyError):
            raise ValueError(f"bad value for simulator knob {key}: {value!r}") from None
    return knobs


def split_directive(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove `[sim ...]` directives from a prompt; return the prompt and their knobs."""
    pairs: list[tuple[str, str]] = []
    for match in _DIRECTIVE.finditer(text):
        for word in match.group(1).split():
            key, equals, value = word.partition("=")
            pairs.append((key.lower(), value if equals else "on"))
    return _DIRECTIVE.sub("", text).strip(), pairs


@dataclass(slots=True)
class _Connection:
    """Per-request state shared with the task that watches for the client going away."""

    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False

    async def pause(self, seconds: float) -> bool:
        """Sleep, waking early if the client leaves. True if it has left."""
        if seconds <= 0:
            await asyncio.sleep(0)  # let the disconnect watcher run
            return self.disconnected.is_set()
        try:
            async with asyncio.timeout(seconds):
                await self.disconnected.wait()
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    connection: _Connection
    scheme: str = "http"
    params: dict[str, str] = field(default_factory=dict)  # from `{name}` segments of a route


type Handler = Callable[[_Request, Send], Awaitable[None]]


class Simulator:
    """The ASGI app. `received` and `disconnects` let tests see what the upstream saw."""

    def __init__(self, *, token_rate: float | None = None) -> None:
        self.token_rate = token_rate
        self.received: list[dict[str, Any]] = []
        self.disconnects = 0
        self._failures: dict[str, int] = {}
        self._routes: dict[tuple[str, str], Handler] = {
            ("GET", "/v1/models"): self._list_models,
            ("POST", "/v1/chat/completions"): self._chat_completions,
        }
        self._patterns: list[tuple[str, re.Pattern[str], Handler]] = []
        from playground.simulator.media.routes import media_routes  # it imports this module

        for method, template, handler in media_routes(self):
            self.add_route(method, template, handler)

    def add_route(self, method: str, template: str, handler: Handler) -> None:
        """Serve `template`; its `{name}` segments arrive as `request.params[name]`."""
        if "{" not in template:
            self._routes[(method, template)] = handler
            return
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._patterns.append((method, re.compile(pattern), handler))

    def _resolve(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """The handler and path parameters for a request, and whether the path exists at all."""
        if handler := self._routes.get((method, path)):
            return handler, {}, True
        known_path = any(route_path == path for _, route_path in self._routes)
        for route_method, pattern, handler in self._patterns:
            if match := pattern.fullmatch(path):
                if route_method == method:
                    return handler, match.groupdict(), True
                known_path = True
        return None, {}, known_path

    def reset(self) -> None:
        self.received.clear()
        self.disconnects = 0
        self._failures.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        method, path = scope["method"], scope["path"]
        self.received.append(
            {
                "method": method,
                "path": path,
                "headers": {k: v for k, v in headers.items() if k != "authorization"},
                "json": payload,
            }
        )
        handler, params, known_path = self._resolve(method, path)
        if handler is None:
            status = 405 if known_path else 404
            message = f"{method} {path} is not supported." if known_path else f"No route {path}."
            await _send_error(send, status, message=message)
            return
        public = getattr(handler, "public", False)  # e.g. media links, signed in real life
        if not public and not headers.get("authorization", "").strip():
            await _send_error(send, 401, message="Missing Authorization header.")
            return
        if body and payload is None:
            await _send_error(send, 400, message="The request body is not valid JSON.")
            return
        connection = _Connection()
        watcher = asyncio.create_task(self._watch(receive, connection))
        try:
            request = _Request(
                method, path, headers, payload, connection, scope.get("scheme", "http"), params
            )
            await handler(request, send)
        finally:
            connection.finished = True
            watcher.cancel()

    async def _watch(self, receive: Receive, connection: _Connection) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if not connection.finished:
            self.disconnects += 1
        connection.disconnected.set()

    async def _list_models(self, request: _Request, send: Send) -> None:
        data = [
            {
                "id": model.id,
                "object": "model",
                "created": 1735689600,
                "owned_by": model.vendor.lower().replace(" ", "-"),
            }
            for model in CHAT_MODELS
        ]
        await _send_json(send, 200, {"object": "list", "data": data})

    async def _chat_completions(self, request: _Request, send: Send) -> None:
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            await _send_error(send, 400, message="`model` is required.", param="model")
            return
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            await _send_error(send, 400, message="`messages` must be a non-empty list.")
            return
        prompt, directive = split_directive(_last_user_text(messages))
        try:
            header_knobs = [
                (key.removeprefix("x-sim-").replace("-", "_"), value)
                for key, value in request.headers.items()
                if key.startswith("x-sim-")
            ]
            knobs = parse_knobs(header_knobs + directive)
        except ValueError as exc:
            await _send_error(send, 400, message=str(exc))
            return
        scenario = Scenario(**({"rate": self._default_rate()} | knobs))

        if scenario.delay and await request.connection.pause(scenario.delay):
            return
        if scenario.error is not None and self._should_fail(scenario, knobs):
            headers = {}
            if scenario.error in (429, 503):
                headers["retry-after"] = f"{scenario.retry_after:g}"
            await _send_error(send, scenario.error, headers=headers)
            return

        model = body["model"]
        text = answers.tokenize(prompt) if scenario.echo else None
        if text is None:
            text = answers.answer_tokens(prompt, model=model, tokens=scenario.tokens)
        finish_reason = "stop"
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(max_tokens, int) and 0 < max_tokens < len(text):
            text, finish_reason = text[:max_tokens], "length"
        wants_reasoning = scenario.reasoning
        if wants_reasoning is None:
            wants_reasoning = chat_model(model).returns_reasoning_text
        reasoning = (
            answers.reasoning_tokens(prompt, tokens=scenario.reasoning_tokens)
            if wants_reasoning
            else []
        )
        answer = _Answer(
            id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
            created=int(time.time()),
            model=model,
            reasoning=reasoning,
            text=text,
            finish_reason=finish_reason,
            usage=_usage(messages, reasoning=len(reasoning), text=len(text)),
        )
        if body.get("stream"):
            await _stream_answer(send, answer, scenario, request.connection)
        else:
            await _send_answer(send, answer, scenario, request.connection)

    def _default_rate(self) -> float:
        if self.token_rate is not None:
            return self.token_rate
        return float(os.environ.get("SIMULATOR_TOKEN_RATE") or DEFAULT_TOKEN_RATE)

    def _should_fail(self, scenario: Scenario, knobs: dict[str, Any]) -> bool:
        if scenario.fail_times is None:
            return True
        key = json.dumps(knobs, sort_keys=True)
        self._failures[key] = self._failures.get(key, 0) + 1
        return self._failures[key] <= scenario.fail_times


@dataclass(frozen=True, slots=True)
class _Answer:
    id: str
    created: int
    model: str
    reasoning: list[str]
    text: list[str]
    finish_reason: str
    usage: dict[str, Any]

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return _sse(self._envelope("chat.completion.chunk", choices=[choice]))

    def usage_chunk(self) -> bytes:
        return _sse(self._envelope("chat.completion.chunk", choices=[], usage=self.usage))

    def completion(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.text),
            "refusal": None,
        }
        if self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": self.finish_reason,
        }
        return self._envelope("chat.completion", choices=[choice], usage=self.usage)

    def _envelope(self, kind: str, **fields: Any) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model} | (
            fields
        )


async def _stream_answer(
    send: Send, answer: _Answer, scenario: Scenario, connection: _Connection
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-request-id", answer.id.encode()),
            ],
        }
    )
    interval = 1 / scenario.rate if scenario.rate else 0.0

    async def emit(data: bytes) -> bool:
        """Send a piece of the body; False once the client has gone."""
        if connection.disconnected.is_set():
            return False
        try:
            await send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:  # some servers raise once the client is gone
            return False
        return True

    if not await emit(answer.chunk({"role": "assistant", "content": ""})):
        return
    for piece in answer.reasoning:
        if await connection.pause(interval) or not await emit(
            answer.chunk({"reasoning_content": piece})
        ):
            return
    for sent in range(len(answer.text) + 1):
        if sent == scenario.cut:
            connection.finished = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if sent == scenario.stall:
            await connection.disconnected.wait()
            return
        if sent == scenario.malformed and not await emit(
            b'data: {"id": "' + answer.id.encode() + b'", "choices": [{"delta": {"content"\n\n'
        ):
            return
        if sent < len(answer.text) and (
            await connection.pause(interval)
            or not await emit(answer.chunk({"content": answer.text[sent]}))
        ):
            return
    for data in (answer.chunk({}, answer.finish_reason), answer.usage_chunk()):
        if not await emit(data):
            return
    connection.finished = True
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


async def _send_answer(
    send: Send, answer: _Answer, scenario: Scenario, connection: _Connection
) -> None:
    """The non-streaming answer, after the time generating it would have taken."""
    if scenario.stall is not None:
        await connection.disconnected.wait()
        return
    tokens = len(answer.reasoning) + len(answer.text)
    if scenario.rate and await connection.pause(tokens / scenario.rate):
        return
    if scenario.cut is not None or scenario.malformed is not None:
        body = json.dumps(answer.completion()).encode()
        connection.finished = True
        await _send_raw(send, 200, body[: len(body) // 2], content_type=b"application/json")
        return
    connection.finished = True
    await _send_json(send, 200, answer.completion())


def _usage(messages: list[Any], *, reasoning: int, text: int) -> dict[str, Any]:
    prompt = sum(
        3 + answers.count_tokens(_message_text(message))
        for message in messages
        if isinstance(message, dict)
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": reasoning + text,
        "total_tokens": prompt + reasoning + text,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


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


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _message_text(message)
    return ""


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


async def _send_error(
    send: Send,
    status: int,
    *,
    message: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    kind, code, default_message = ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", str(status), "")
    )
    error = {"message": message or default_message or f"HTTP {status}", "type": kind}
    error |= {"param": param, "code": code}
    await _send_json(send, status, {"error": error}, headers=headers)


async def _send_json(
    send: Send, status: int, payload: Any, *, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await _send_raw(send, status, body, content_type=b"application/json", headers=headers)


async def _send_raw(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    raw_headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    raw_headers += [(key.encode(), value.encode()) for key, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = Simulator()
