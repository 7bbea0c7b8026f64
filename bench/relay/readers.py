"""The benchmark's client: streamed responses read cheaply, stamped on arrival.

The read loop only stamps each socket read (`time.perf_counter()`) and keeps the bytes;
parsing happens after the phase (`analysis`), so the client does as little as possible while
it measures.
"""

import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .servers import API_KEY, HOST

MODEL = "deepseek-v3"  # no reasoning text: the answer is all `text`
RUN_ON_PAGE = re.compile(r'sse-swap="text-(\d+)"')  # an answer being written, as drawn
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# When a stream's request goes: awaited just before it, returns the moment its clock starts.
Gate = Callable[[], Awaitable[float]]


@dataclass
class Record:
    """One stream as it was read: raw chunks stamped on arrival, parsed afterwards."""

    prompt: str
    start: float = 0.0  # the clock of its time to first token starts here
    launched: float = 0.0  # its request actually went (open loop: late if the client was)
    posted: float = 0.0  # app: the send POST answered
    connected: float = 0.0  # app: the SSE response's headers arrived
    end: float = 0.0
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    raw_http: bool = False  # chunks are the whole HTTP response, not the decoded body
    error: str | None = None


async def now() -> float:
    return time.perf_counter()


def after_barrier(barrier: asyncio.Barrier) -> Gate:
    """All streams of a burst go together, once every one is ready."""

    async def gate() -> float:
        await barrier.wait()
        return time.perf_counter()

    return gate


async def sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


def at(moment: float) -> Gate:
    """An answer due at a moment (open loop): its clock starts then, even if the client (or
    the page's stream it waited for) made it go later."""

    async def gate() -> float:
        await sleep_until(moment)
        return moment

    return gate


class HTTPDecoder:
    """The body of an HTTP/1.1 response read raw: head, then chunked or plain body."""

    def __init__(self) -> None:
        self.buffer = b""
        self.status: int | None = None
        self.chunked = False
        self.data_left = 0  # bytes of the current chunk still to come
        self.crlf_left = 0  # bytes of the CRLF after it still to skip
        self.finished = False

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        if self.status is None:
            head, found, rest = self.buffer.partition(b"\r\n\r\n")
            if not found:
                return b""
            lines = head.decode("latin-1").split("\r\n")
            self.status = int(lines[0].split()[1])
            self.chunked = any(
                line.lower().replace(" ", "") == "transfer-encoding:chunked" for line in lines
            )
            self.buffer = rest
        if not self.chunked:
            body, self.buffer = self.buffer, b""
            return body
        out = []
        while self.buffer and not self.finished:
            if self.data_left:
                piece = self.buffer[: self.data_left]
                out.append(piece)
                self.buffer, self.data_left = self.buffer[len(piece) :], self.data_left - len(piece)
            elif self.crlf_left:
                skip = min(self.crlf_left, len(self.buffer))
                self.buffer, self.crlf_left = self.buffer[skip:], self.crlf_left - skip
            else:
                line, found, rest = self.buffer.partition(b"\r\n")
                if not found:
                    break
                size = int(line.split(b";")[0], 16)
                self.buffer, self.data_left, self.crlf_left = rest, size, 2
                self.finished = size == 0
        return b"".join(out)


class _Stamper(asyncio.Protocol):
    """Keeps every read of a socket with its arrival time, and nothing else."""

    def __init__(
        self,
        record: Record,
        closed: asyncio.Future,
        until: bytes | None,
        opened: asyncio.Event | None,
    ) -> None:
        self.append, self.now, self.closed = record.chunks.append, time.perf_counter, closed
        self.until, self.tail = until, b""  # a page's stream ends with the answer's `done`
        self.opened = opened  # set when a page's stream says `ready` (or the socket closes)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.append((self.now(), data))
        if self.opened is not None and b"event: ready" in data:
            self.opened.set()
        if self.until is not None:
            if self.until in self.tail + data:
                self.transport.close()
            self.tail = data[-len(self.until) :]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.opened is not None:
            self.opened.set()
        if not self.closed.done():
            self.closed.set_result(exc)


async def read_stream(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    record: Record,
    *,
    raw: bool,
    until: bytes | None = None,
    opened: asyncio.Event | None = None,
    **kwargs,
) -> None:
    """Read one streamed response into `record.chunks`, stamped as it arrives.

    raw: a bare socket and one `Connection: close` HTTP/1.1 request, the response kept as
    received (head and chunked body) and decoded after the phase; a few µs per read. Else
    httpx (h11), which costs ~100 µs of client CPU per read: at 10,000 reads a second that
    is most of a core, and it skews what is measured on a 2-core machine.

    until: stop reading once these bytes have come (a page's stream does not end by itself).
    opened: set once a page's stream says `ready` (or the stream is over).
    """
    if not raw:
        try:
            await _read_with_httpx(client, method, path, record, until, opened, **kwargs)
        finally:
            if opened is not None:
                opened.set()  # the caller goes on, even when the stream failed
        return
    request = client.build_request(method, path, **kwargs)
    request.headers["Connection"] = "close"
    request.headers.pop("Accept-Encoding", None)  # keep the body as the server wrote it
    head = [f"{method} {request.url.raw_path.decode()} HTTP/1.1"]
    head += [f"{key}: {value}" for key, value in request.headers.items()]
    body = request.read()
    loop = asyncio.get_running_loop()
    closed = loop.create_future()
    port = request.url.port
    transport, _ = await loop.create_connection(
        lambda: _Stamper(record, closed, until, opened), HOST, port
    )
    try:
        transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await closed
    finally:
        transport.close()
    record.raw_http = True


async def _read_with_httpx(client, method, path, record, until, opened, **kwargs) -> None:
    async with client.stream(method, path, **kwargs) as response:
        record.connected = record.connected or time.perf_counter()
        if response.status_code != 200:
            record.error = f"{path}: HTTP {response.status_code}"
            return
        append, now = record.chunks.append, time.perf_counter
        async for chunk in response.aiter_raw():
            append((now(), chunk))
            if opened is not None and b"event: ready" in chunk:
                opened.set()
            if until is not None and until in chunk:
                break


async def direct_stream(client: httpx.AsyncClient, record: Record, raw: bool, gate: Gate) -> None:
    body = {
        "model": MODEL,
        "stream": True,
        "messages": [{"role": "user", "content": record.prompt}],
    }
    record.start = await gate()
    record.launched = time.perf_counter()
    try:
        await read_stream(client, "POST", "/v1/chat/completions", record, raw=raw, json=body)
    except (httpx.HTTPError, OSError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    finally:
        record.end = time.perf_counter()


async def app_page_stream(
    client: httpx.AsyncClient,
    csrf: str,
    record: Record,
    raw: bool,
    gate: Gate,
    opens_at: float | None = None,
) -> None:
    """As the chat page does: its own stream is open (page load, not timed), then the send.

    opens_at: when the page loads (open loop: a little before its answer is due).
    """
    if opens_at is not None:
        await sleep_until(opens_at)
    page = secrets.token_urlsafe(18)
    opened = asyncio.Event()
    reading = asyncio.create_task(
        read_stream(
            client,
            "GET",
            f"/pages/{page}/events/",
            record,
            raw=raw,
            until=b"event: done-",
            opened=opened,
            headers={"Accept": "text/event-stream"},
        )
    )
    try:
        await opened.wait()
        record.start = await gate()
        record.launched = time.perf_counter()
        response = await client.post(
            "/send/",
            data={"text": record.prompt, "model": MODEL},
            headers={"HX-Request": "true", "X-CSRFToken": csrf, "X-Page-Id": page},
        )
        # Placed on the page through its stream, the answer is not drawn by the response.
        if response.status_code != 200 or response.headers.get("HX-Reswap") != "none":
            record.error = f"send: HTTP {response.status_code}, not on the page's stream"
            reading.cancel()
            return
        record.posted = time.perf_counter()
        await reading
    except (httpx.HTTPError, OSError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
        reading.cancel()
    finally:
        record.end = time.perf_counter()
        if not reading.done():  # cancelled from outside (the phase's deadline)
            reading.cancel()


async def app_stream(
    client: httpx.AsyncClient, csrf: str, record: Record, raw: bool, gate: Gate
) -> None:
    """A page's stream opened after the send, naming the answer (`?run=`): as a page loaded
    while its answer is written, or whose stream was not listening yet."""
    record.start = await gate()
    record.launched = time.perf_counter()
    try:
        response = await client.post(
            "/send/",
            data={"text": record.prompt, "model": MODEL},
            headers={"HX-Request": "true", "X-CSRFToken": csrf},
        )
        match = RUN_ON_PAGE.search(response.text)
        if response.status_code != 200 or match is None:
            record.error = f"send: HTTP {response.status_code}, no run in the answer"
            return
        record.posted = time.perf_counter()
        path = f"/pages/{secrets.token_urlsafe(18)}/events/?run={match.group(1)}"
        headers = {"Accept": "text/event-stream"}
        await read_stream(
            client, "GET", path, record, raw=raw, until=b"event: done-", headers=headers
        )
    except (httpx.HTTPError, OSError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    finally:
        record.end = time.perf_counter()


def client_for(base_url: str, **kwargs) -> httpx.AsyncClient:
    """One client per phase, as many connections as its streams need (sends and pages)."""
    return httpx.AsyncClient(
        base_url=base_url,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
        timeout=httpx.Timeout(120.0, connect=30.0, pool=120.0),
        **kwargs,
    )


def direct_client(simulator_url: str) -> httpx.AsyncClient:
    return client_for(simulator_url, headers={"Authorization": f"Bearer {API_KEY}"})


async def sign_in(app_url: str) -> dict:
    """Sign up (the form), then log in (the form) like a browser; return the session."""
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    async with httpx.AsyncClient(base_url=app_url, timeout=30) as client:
        page = await client.get("/accounts/signup/")
        token = CSRF_INPUT.search(page.text).group(1)
        response = await client.post(
            "/accounts/signup/",
            data={
                "username": username,
                "password1": password,
                "password2": password,
                "csrfmiddlewaretoken": token,
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-up failed: HTTP {response.status_code}")
    async with httpx.AsyncClient(base_url=app_url, timeout=30) as client:
        page = await client.get("/accounts/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        response = await client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if response.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"login failed: HTTP {response.status_code}")
        return {"cookies": dict(client.cookies), "csrf": client.cookies["csrftoken"]}
