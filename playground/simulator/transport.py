"""An httpx transport that runs an ASGI app in process and streams its response body.

httpx's own ASGITransport collects the whole body before returning, which would turn a
token stream into one late lump. Here the app runs in a task and each body message is
handed to httpx as soon as the app sends it. The request's read timeout is honoured
(for the first byte and between chunks) so timeout handling can be exercised in process.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any

import httpx

type Scope = MutableMapping[str, Any]
type Message = MutableMapping[str, Any]
type ASGIApp = Callable[..., Any]

_END = object()
_SHUTDOWN_GRACE = 1.0  # seconds an app gets to notice http.disconnect before it is cancelled


class StreamingASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, *, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        read_timeout = request.extensions.get("timeout", {}).get("read")
        exchange = _Exchange(request, body, read_timeout)
        exchange.task = asyncio.create_task(exchange.run(self.app, self._scope(request)))
        try:
            async with asyncio.timeout(read_timeout):
                start = await asyncio.shield(exchange.started)
        except TimeoutError:
            await exchange.shutdown()
            raise httpx.ReadTimeout("no response headers in time", request=request) from None
        except BaseException:  # the app failed, or the caller was cancelled
            await exchange.shutdown()
            raise
        return httpx.Response(
            start["status"], headers=start.get("headers", []), stream=exchange, request=request
        )

    def _scope(self, request: httpx.Request) -> Scope:
        url = request.url
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "client": self.client,
            "state": {},
        }


class _Exchange(httpx.AsyncByteStream):
    """One request's conversation with the app; also the response body stream."""

    def __init__(self, request: httpx.Request, body: bytes, read_timeout: float | None) -> None:
        self.request = request
        self.body: bytes | None = body
        self.read_timeout = read_timeout
        self.started: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.chunks: asyncio.Queue[Any] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        try:
            await app(scope, self.receive, self.send)
        except Exception as exc:
            self._fail_start(f"the app failed: {exc!r}", cause=exc)
            self.chunks.put_nowait(exc)
        else:
            self._fail_start("the app sent no response")
        finally:
            self.chunks.put_nowait(_END)

    def _fail_start(self, message: str, *, cause: Exception | None = None) -> None:
        # Once the caller has gone (timeout, cancel) nobody would read the error.
        if self.started.done() or self.disconnected.is_set():
            return
        error = httpx.RemoteProtocolError(message, request=self.request)
        error.__cause__ = cause
        self.started.set_exception(error)

    async def receive(self) -> Message:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if not self.started.done():
                self.started.set_result(message)
        elif message["type"] == "http.response.body" and not self.disconnected.is_set():
            if chunk := message.get("body", b""):
                self.chunks.put_nowait(bytes(chunk))
            if not message.get("more_body", False):
                self.chunks.put_nowait(_END)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                async with asyncio.timeout(self.read_timeout):
                    item = await self.chunks.get()
            except TimeoutError:
                raise httpx.ReadTimeout("no data in time", request=self.request) from None
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise httpx.RemoteProtocolError(
                    f"the app failed mid-response: {item!r}", request=self.request
                ) from item
            yield item

    async def aclose(self) -> None:
        await self.shutdown()

    async def shutdown(self) -> None:
        """Tell the app the client went away; cancel it if it does not finish soon."""
        self.disconnected.set()
        task = self.task
        if task is None or task.done():
            return
        await asyncio.wait({task}, timeout=_SHUTDOWN_GRACE)
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
