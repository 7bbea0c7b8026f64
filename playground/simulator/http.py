"""What every route of the simulator shares: the request it gets, and the ways to answer.

The app (app.py) reads the body, checks the key and hands a `Request` to the route's handler;
chat protocols, media families and the Files API all answer through the senders here.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

type Scope = MutableMapping[str, Any]
type Message = MutableMapping[str, Any]
type Receive = Callable[[], Awaitable[Message]]
type Send = Callable[[Message], Awaitable[None]]

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

_SHORT_PAUSE = 0.25  # seconds


@dataclass(slots=True)
class Connection:
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
class Request:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    connection: Connection
    scheme: str = "http"
    params: dict[str, str] = field(default_factory=dict)  # from `{name}` segments of a route


type Handler = Callable[[Request, Send], Awaitable[None]]
type Route = tuple[str, str, Handler]  # method, path template, handler


def public[H: Callable[..., Any]](handler: H) -> H:
    """Mark a handler as served without an API key (media links, signed in real life)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


async def send_error(
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
    await send_json(send, status, {"error": error}, headers=headers)


async def send_json(
    send: Send, status: int, payload: Any, *, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await send_raw(send, status, body, content_type=b"application/json", headers=headers)


async def send_raw(
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


async def read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)
