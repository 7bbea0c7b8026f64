"""The Nexconn simulator: a plain ASGI app serving Nexconn's paths in the vendors' exact shapes.

Scenario knobs are chosen per request (knobs.py). The chat protocols are in `protocols/`, the
image and video task families in `media/`, the Files API in files.py; what their handlers
share is in http.py.
"""

import asyncio
import json
import os
import re
from typing import Any

from playground.nexconn.catalog import CHAT_MODELS
from playground.simulator.files import files_routes
from playground.simulator.http import (
    Connection,
    Handler,
    Receive,
    Request,
    Route,
    Scope,
    Send,
    read_body,
    send_error,
    send_json,
)
from playground.simulator.knobs import DEFAULT_TOKEN_RATE, Scenario, split_directive
from playground.simulator.media.routes import media_routes
from playground.simulator.protocols import chat_routes

# Headers that carry the API key, depending on the protocol's SDK.
_KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")
_BEARER = re.compile(r"bearer\s+\S", re.IGNORECASE)
# The Authorization form accepted: "bearer" (`Bearer <key>`) or "bare" (`<key>`). The real
# API's choice is not settled (docs/api/auth.md), so the simulator takes
# only the one configured, and a client that sends the other is caught.
AUTH_SCHEMES = ("bearer", "bare")

# split_directive is knobs.py's; the bench and the browser tests take it from here.
__all__ = ["AUTH_SCHEMES", "Simulator", "application", "split_directive"]


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
        routes: list[Route] = [*chat_routes(self), *media_routes(self), *files_routes()]
        for method, template, handler in routes:
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
        body = await read_body(receive)
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
            await send_error(send, status, message=message)
            return
        public = getattr(handler, "public", False)  # e.g. media links, signed in real life
        if not public and not any(headers.get(key, "").strip() for key in _KEY_HEADERS):
            await send_error(send, 401, message="Missing Authorization header.")
            return
        if not public and not self._authorization_form_accepted(headers):
            await send_error(send, 401)
            return
        if body and payload is None:
            await send_error(send, 400, message="The request body is not valid JSON.")
            return
        connection = Connection()
        watcher = asyncio.create_task(self._watch(receive, connection))
        try:
            request = Request(
                method, path, headers, payload, connection, scope.get("scheme", "http"), params
            )
            await handler(request, send)
        finally:
            connection.finished = True
            watcher.cancel()

    async def _watch(self, receive: Receive, connection: Connection) -> None:
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

    async def _list_models(self, request: Request, send: Send) -> None:
        data = [
            {
                "id": model.id,
                "object": "model",
                "created": 1735689600,
                "owned_by": model.vendor.lower().replace(" ", "-"),
            }
            for model in CHAT_MODELS
        ]
        await send_json(send, 200, {"object": "list", "data": data})

    def default_rate(self) -> float:
        if self.token_rate is not None:
            return self.token_rate
        return float(os.environ.get("SIMULATOR_TOKEN_RATE") or DEFAULT_TOKEN_RATE)

    def should_fail(self, scenario: Scenario, knobs: dict[str, Any]) -> bool:
        """Whether a request with the `error` knob fails this time (see `fail_times`)."""
        if scenario.fail_times is None:
            return True
        key = json.dumps(knobs, sort_keys=True)
        self._failures[key] = self._failures.get(key, 0) + 1
        return self._failures[key] <= scenario.fail_times


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = Simulator()
