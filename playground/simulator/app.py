"""The Nexconn simulator: a plain ASGI app serving Nexconn's paths in the vendors' exact shapes.

Scenario knobs are chosen per request, by a `[sim key=value flag]` directive in the last user
message or by `X-Sim-<Key>` headers (the directive wins). See `KNOBS` for the list. The chat
protocols are in `protocols/`, the image and video task families in `media/`.
"""

import asyncio
import json
import os
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from playground.nexconn.catalog import CHAT_MODELS

type Scope = MutableMapping[str, Any]
type Message = MutableMapping[str, Any]
type Receive = Callable[[], Awaitable[Message]]
type Send = Callable[[Message], Awaitable[None]]

DEFAULT_TOKEN_RATE = 40.0
_DIRECTIVE = re.compile(r"\s*\[sim\b([^\]]*)\]", re.IGNORECASE)
_SWITCH_VALUES = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False}
_SWITCH_VALUES |= {"0": False, "no": False}
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Headers that carry the API key, depending on the protocol's SDK.
_KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")
_BEARER = re.compile(r"bearer\s+\S", re.IGNORECASE)
# The Authorization form accepted: "bearer" (`Bearer <key>`) or "bare" (`<key>`). The real
# API's choice is not settled (docs/api/auth.md), so the simulator takes
# only the one configured, and a client that sends the other is caught.
AUTH_SCHEMES = ("bearer", "bare")

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


def _tool(value: str) -> str:
    if value.lower() in ("auto", "off"):
        return value.lower()
    if not _TOOL_NAME.fullmatch(value):
        raise ValueError(value)
    return value


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
    # The body ends after the finish reason, without the protocol's terminator (chat
    # completions' [DONE], Anthropic's message_stop), as several gateways end it. Gemini and
    # Responses have none after their finish event.
    "no_done": _switch,
    "stall": _count,  # after N text tokens the stream stays open, silent
    "malformed": _count,  # a chunk of invalid JSON after N text tokens
    "stream_error": _count,  # after N text tokens, the protocol's error event ends the stream
    "echo": _switch,  # the answer is the prompt itself
    "tool": _tool,  # auto|off|<tool name>: whether the answer is a tool call (protocols/tools.py)
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
    no_done: bool = False
    stall: int | None = None
    malformed: int | None = None
    stream_error: int | None = None
    echo: bool = False
    tool: str | None = None


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


_SHORT_PAUSE = 0.25  # seconds


@dataclass(slots=True)
class _Connection:
    """Per-request state shared with the task that watches for the client going away."""

    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False

    async def pause(self, seconds: float) -> bool:
        """Sleep, waking early if the client leaves. True if it has left."""
        if seconds <= _SHORT_PAUSE:
            # A plain sleep: a gap between tokens is too short for leaving to go unseen, and
            # a timeout around a wait cost most of the simulator's CPU per token (it is
            # cancelled, raised and caught every time).
            await asyncio.sleep(seconds)
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

    def __init__(self, *, token_rate: float | None = None, auth_scheme: str | None = None) -> None:
        self.token_rate = token_rate
        # None: SIMULATOR_AUTH_SCHEME, else the app's NEXCONN_AUTH_SCHEME (demo mode), else
        # bearer; read per request, like the token rate.
        self.auth_scheme = auth_scheme
        self.received: list[dict[str, Any]] = []
        self.disconnects = 0
        self._failures: dict[str, int] = {}
        self._routes: dict[tuple[str, str], Handler] = {
            ("GET", "/v1/models"): self._list_models,
        }
        self._patterns: list[tuple[str, re.Pattern[str], Handler]] = []
        # Both import this module.
        from playground.simulator.media.routes import media_routes
        from playground.simulator.protocols import chat_routes

        for method, template, handler in chat_routes(self) + media_routes(self):
            self.add_route(method, template, handler)
        from playground.simulator.files import register_files  # it imports this module too

        register_files(self)

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
                "headers": {k: v for k, v in headers.items() if k not in _KEY_HEADERS},
                "json": payload,
                "client": tuple(scope.get("client") or ()),  # a kept connection keeps its port
            }
        )
        handler, params, known_path = self._resolve(method, path)
        if handler is None:
            status = 405 if known_path else 404
            message = f"{method} {path} is not supported." if known_path else f"No route {path}."
            await _send_error(send, status, message=message)
            return
        public = getattr(handler, "public", False)  # e.g. media links, signed in real life
        if not public and not any(headers.get(key, "").strip() for key in _KEY_HEADERS):
            await _send_error(send, 401, message="Missing Authorization header.")
            return
        if not public and not self._authorization_form_accepted(headers):
            await _send_error(send, 401)
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

    def accepted_auth_scheme(self) -> str:
        scheme = self.auth_scheme or os.environ.get("SIMULATOR_AUTH_SCHEME")
        scheme = scheme or os.environ.get("NEXCONN_AUTH_SCHEME") or "bearer"
        return scheme.strip().lower()

    def _authorization_form_accepted(self, headers: dict[str, str]) -> bool:
        """An Authorization header must be in the accepted form (the Anthropic and Gemini
        SDKs' own key headers, x-api-key and x-goog-api-key, carry the bare key anyway)."""
        authorization = headers.get("authorization", "").strip()
        if not authorization:
            return True
        return bool(_BEARER.match(authorization)) == (self.accepted_auth_scheme() == "bearer")

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
