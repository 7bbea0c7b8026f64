"""How much the app adds to streamed chat answers, against reading the simulator directly.

    .venv/bin/python -m bench.relay [--n 1 50 200] [--tokens 100] [--rate 50]

Starts the standalone simulator and the app (uvicorn, one worker) as subprocesses on
loopback, signs up and logs in like a browser, then for every N runs two phases one after
the other, never at the same time:

- direct: N concurrent `POST /v1/chat/completions` streams read from the simulator;
- app: N concurrent answers through the app (`POST /send/`, then the run's SSE stream).

Every stream asks for the same kind of answer (`[sim tokens=T rate=R]`, a distinct prompt
per stream), so each phase's figures are comparable with the other's. The read loop only
stamps and keeps the raw chunks; parsing happens after the phase, so the client does as
little as possible while it measures. See bench/README.md for what each figure means.

Environment: BENCH_DATABASE_URL (default: a fresh SQLite file in a temporary directory),
BENCH_PROFILE=<file.prof> (run the app server under cProfile and print its top functions;
only the event-loop thread is profiled).
"""

import argparse
import asyncio
import contextlib
import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from playground.nexconn.sse import SSEParser
from playground.simulator import answers
from playground.simulator.app import split_directive

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MODEL = "deepseek-v3"  # no reasoning text: the answer is all `text`
API_KEY = "bench-key"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIN_SAMPLES = 10  # streams per N at least, over the rounds
RUN_URL = re.compile(r'sse-connect="(/runs/\d+/events/)"')
RUN_SUFFIX = re.compile(r"-\d+$")  # on a page's stream, `text-12` is run 12's text
SNAPSHOT_TEXT = re.compile(r'<div id="message-\d+-text" hx-swap-oob="innerHTML">(.*?)</div>', re.S)
FENCE_INFO = re.compile(r"```[^\n`]+")
MARKUP = re.compile(r"<[^>]*>")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Subprocesses ----------------------------------------------------------------------


class Server:
    """A server subprocess on a free loopback port, stopped for sure on the way out."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name = name
        self.port = port
        self.url = f"http://{HOST}:{port}"
        # Its own session: a Ctrl+C in the terminal reaches only the benchmark, which then
        # stops the servers itself (gracefully, so a profile gets written).
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=2).status_code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {self.url}{path} in {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def free_ports(count: int) -> list[int]:
    """Distinct free ports: every socket stays bound until all are chosen."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


@dataclass(frozen=True)
class ProcStats:
    cpu: float  # user + system seconds, children included
    hwm: int  # VmHWM: peak resident set over the process's life, bytes
    rss: int  # VmRSS now, bytes


def proc_stats(pid: int) -> ProcStats:
    """The process and its live children (uvicorn's workers): CPU and memory added up."""
    cpu = hwm = rss = 0
    for member in (pid, *_children(pid)):
        # Fields after the command name start at field 3 (state); utime is field 14.
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        cpu += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "VmHWM":
                hwm += int(value.split()[0]) * 1024
            elif key == "VmRSS":
                rss += int(value.split()[0]) * 1024
    return ProcStats(cpu, hwm, rss)


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        listing = task / "children"
        if listing.exists():
            children.extend(int(child) for child in listing.read_text().split())
    return children


def client_cpu() -> float:
    times = os.times()
    return times.user + times.system


# --- Streams ----------------------------------------------------------------------------


@dataclass
class Record:
    """One stream as it was read: raw chunks stamped on arrival, parsed afterwards."""

    prompt: str
    start: float = 0.0
    posted: float = 0.0  # app: the send POST answered
    connected: float = 0.0  # app: the SSE response's headers arrived
    end: float = 0.0
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    raw_http: bool = False  # chunks are the whole HTTP response, not the decoded body
    error: str | None = None


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


async def direct_stream(client: httpx.AsyncClient, record: Record, raw: bool) -> None:
    body = {
        "model": MODEL,
        "stream": True,
        "messages": [{"role": "user", "content": record.prompt}],
    }
    record.start = time.perf_counter()
    try:
        await read_stream(client, "POST", "/v1/chat/completions", record, raw=raw, json=body)
    except (httpx.HTTPError, OSError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    finally:
        record.end = time.perf_counter()


async def app_page_stream(
    client: httpx.AsyncClient, csrf: str, record: Record, raw: bool, ready: asyncio.Barrier
) -> None:
    """As the chat page does: its own stream is open (page load, not timed), then the send."""
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
        await ready.wait()  # every page is open: the sends start together
        record.start = time.perf_counter()
        response = await client.post(
            "/send/",
            data={"text": record.prompt, "model": MODEL, "page": page},
            headers={"HX-Request": "true", "X-CSRFToken": csrf},
        )
        if response.status_code != 200 or "data-page-run" not in response.text:
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


async def app_stream(client: httpx.AsyncClient, csrf: str, record: Record, raw: bool) -> None:
    """The answer's own stream, opened after the send (a page whose stream is down)."""
    record.start = time.perf_counter()
    try:
        response = await client.post(
            "/send/",
            data={"text": record.prompt, "model": MODEL},
            headers={"HX-Request": "true", "X-CSRFToken": csrf},
        )
        match = RUN_URL.search(response.text)
        if response.status_code != 200 or match is None:
            record.error = f"send: HTTP {response.status_code}, no run in the answer"
            return
        record.posted = time.perf_counter()
        headers = {"Accept": "text/event-stream"}
        await read_stream(client, "GET", match.group(1), record, raw=raw, headers=headers)
    except (httpx.HTTPError, OSError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    finally:
        record.end = time.perf_counter()


@dataclass
class Result:
    """A parsed stream: when each token of the answer arrived, and whether all did."""

    ttft: float | None = None
    duration: float = 0.0
    send: float | None = None  # app: POST /send/ round trip
    connect: float | None = None  # app: from the POST's answer to the SSE headers
    delays: list[float] = field(default_factory=list)  # every token, see `analyse`
    live_delays: list[float] = field(default_factory=list)  # those after the first message
    by_render: bool = False  # the live text fell short; the final rendering completed it
    answering: tuple[float, float] | None = None  # first and last token's arrival
    failure: str | None = None


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def token_arrivals(
    pieces: list[tuple[float, int]], boundaries: list[int]
) -> tuple[list[float], int]:
    """Arrival time of every whole token, from (time, length of the text so far) pairs.

    `boundaries[k]` is the length of the first k tokens, so a text of length L holds
    `bisect_right(boundaries, L) - 1` whole tokens; coalesced pieces share their time.
    """
    arrivals: list[float] = []
    for stamp, length in pieces:
        whole = bisect_right(boundaries, length) - 1
        arrivals.extend([stamp] * (whole - len(arrivals)))
    return arrivals, (pieces[-1][1] if pieces else 0)


def analyse(record: Record, kind: str, expected: str, boundaries: list[int], rate: float):
    """Parse a stream read earlier. A token's delay is how late it came against the ideal
    schedule (one token every 1/rate s), anchored where the stream was most on time:
    `(a_i - i/rate) - min_j (a_j - j/rate)`. With no catch-up that anchor is the first
    token, so this is `a_i - a_0 - i/rate`; when the first message is a snapshot holding
    several tokens (the page connected late), its tokens count as late, not the rest early.
    """
    result = Result(duration=record.end - record.start)
    parser, decoder = SSEParser(), HTTPDecoder() if record.raw_http else None
    text, pieces, finished, rendered = "", [], False, False
    for stamp, data in record.chunks:
        chunk = data
        if decoder is not None:
            had_head, chunk = decoder.status is not None, decoder.feed(data)
            if not had_head and decoder.status is not None:
                record.connected = record.connected or stamp
                if decoder.status != 200:
                    record.error = record.error or f"HTTP {decoder.status}"
        for event in parser.feed(chunk):
            if event.event:
                event = replace(event, event=RUN_SUFFIX.sub("", event.event))
            if kind == "direct":
                if event.data == "[DONE]":
                    finished = True
                    continue
                choices = json.loads(event.data).get("choices") or [{}]
                piece = (choices[0].get("delta") or {}).get("content")
                if piece:
                    text += piece
                    pieces.append((stamp, len(text)))
            elif event.event == "text":
                text += html.unescape(event.data)
                pieces.append((stamp, len(text)))
            elif event.event == "snapshot":
                match = SNAPSHOT_TEXT.search(event.data)
                text = html.unescape(match.group(1)) if match else ""
                if text:
                    pieces.append((stamp, len(text)))
            elif event.event == "done":
                finished = True
                # The final rendering (Markdown) shows the whole answer: whatever the live
                # text lacked arrives with it (a page that connected after the run ended
                # gets nothing else). Checked on the letters and digits, markup aside.
                shown = _letters(html.unescape(MARKUP.sub("", event.data)))
                # A fence's language ("```python") becomes a class, not text.
                if _letters(FENCE_INFO.sub("```", expected)) in shown and expected.startswith(text):
                    rendered = len(text) < len(expected)
                    text = expected
                    pieces.append((stamp, len(text)))
    if record.posted:
        result.send = record.posted - record.start
        if record.connected > record.posted:  # the answer's own stream, opened after the send
            result.connect = record.connected - record.posted
    result.by_render = rendered
    arrivals, _ = token_arrivals(pieces, boundaries)
    if arrivals:
        result.ttft = arrivals[0] - record.start
        result.answering = (arrivals[0], arrivals[-1])
        lateness = [stamp - i / rate for i, stamp in enumerate(arrivals)]
        anchor = min(lateness)
        result.delays = [late - anchor for late in lateness]
        first_message = arrivals.count(arrivals[0])
        result.live_delays = result.delays[first_message:]
    if record.error:
        result.failure = record.error
    elif text != expected:
        shown = f"{len(text)} of {len(expected)} characters"
        result.failure = f"text differs or incomplete ({shown}, done: {finished})"
    elif not finished:
        result.failure = "the stream ended without its final event"
    return result


# --- Phases -----------------------------------------------------------------------------


@dataclass
class Phase:
    kind: str
    n: int
    results: list[Result]
    wall: float
    server: ProcStats  # the server of the phase: its CPU is the delta over the phase
    server_name: str
    simulator_cpu: float  # the simulator's CPU over the phase (for app: the upstream's share)
    client_cpu: float
    rounds: int = 1
    peak_answering: int = 0  # streams between their first and last token at one time

    @property
    def failures(self) -> list[str]:
        return [r.failure for r in self.results if r.failure]

    def values(self, name: str) -> list[float]:
        """Sorted samples of one figure over the streams that did not fail."""
        ok = [r for r in self.results if not r.failure]
        if name in ("delays", "live_delays"):
            return sorted(d for r in ok for d in getattr(r, name))
        return sorted(v for r in ok if (v := getattr(r, name)) is not None)


def merge(rounds: list[Phase]) -> Phase:
    """Rounds of one phase as one: samples pooled, CPU and wall time per round (mean)."""
    count = len(rounds)
    return Phase(
        kind=rounds[0].kind,
        n=rounds[0].n,
        results=[result for phase in rounds for result in phase.results],
        wall=sum(phase.wall for phase in rounds) / count,
        server=ProcStats(
            sum(phase.server.cpu for phase in rounds) / count,
            rounds[-1].server.hwm,
            rounds[-1].server.rss,
        ),
        server_name=rounds[0].server_name,
        simulator_cpu=sum(phase.simulator_cpu for phase in rounds) / count,
        client_cpu=sum(phase.client_cpu for phase in rounds) / count,
        rounds=count,
        peak_answering=max(phase.peak_answering for phase in rounds),
    )


def peak_overlap(spans: list[tuple[float, float]]) -> int:
    """The most spans that hold one moment in common."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    peak = current = 0
    for _, step in edges:  # at a tie an end sorts first: touching spans do not overlap
        current += step
        peak = max(peak, current)
    return peak


def quantile(values: list[float], q: float) -> float | None:
    """Nearest rank on sorted values."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def prompts(n: int, tokens: int, rate: float) -> list[str]:
    return [
        f"Relay benchmark stream {i} of {n} [sim tokens={tokens} rate={rate:g}]" for i in range(n)
    ]


def expectation(prompt: str, tokens: int) -> tuple[str, list[int]]:
    pieces = answers.answer_tokens(split_directive(prompt)[0], model=MODEL, tokens=tokens)
    boundaries = [0]
    for piece in pieces:
        boundaries.append(boundaries[-1] + len(piece))
    return "".join(pieces), boundaries


def client_for(base_url: str, n: int, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        limits=httpx.Limits(max_connections=2 * n + 10, max_keepalive_connections=2 * n + 10),
        timeout=httpx.Timeout(120.0, connect=30.0, pool=120.0),
        **kwargs,
    )


async def run_phase(kind, n, args, simulator, app, session) -> Phase:
    """N streams at once, all from the same start; CPU and memory over the phase."""
    server = simulator if kind == "direct" else app
    records = [Record(prompt) for prompt in prompts(n, args.tokens, args.rate)]
    if kind == "direct":
        client = client_for(simulator.url, n, headers={"Authorization": f"Bearer {API_KEY}"})
        streams = [direct_stream(client, record, args.reader == "raw") for record in records]
    else:
        client = client_for(app.url, n, cookies=session["cookies"])
        raw = args.reader == "raw"
        if args.stream == "page":
            ready = asyncio.Barrier(n)
            streams = [
                app_page_stream(client, session["csrf"], record, raw, ready) for record in records
            ]
        else:
            streams = [app_stream(client, session["csrf"], record, raw) for record in records]
    before, sim_before, cpu_before = proc_stats(server.pid), proc_stats(simulator.pid), client_cpu()
    started = time.perf_counter()
    async with client:
        tasks = [asyncio.create_task(stream) for stream in streams]
        _, pending = await asyncio.wait(tasks, timeout=args.tokens / args.rate + args.timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - started
    after, sim_after, cpu_after = proc_stats(server.pid), proc_stats(simulator.pid), client_cpu()
    for task, record in zip(tasks, records, strict=True):
        if task in pending and not record.error:
            record.error = f"not finished after {args.tokens / args.rate + args.timeout:.0f} s"
    results = []
    for record in records:
        expected, boundaries = expectation(record.prompt, args.tokens)
        results.append(analyse(record, kind, expected, boundaries, args.rate))
    return Phase(
        kind=kind,
        n=n,
        results=results,
        wall=wall,
        server=ProcStats(after.cpu - before.cpu, after.hwm, after.rss),
        server_name=server.name,
        simulator_cpu=sim_after.cpu - sim_before.cpu,
        client_cpu=cpu_after - cpu_before,
        peak_answering=peak_overlap([r.answering for r in results if r.answering]),
    )


async def sign_in(app: Server) -> dict:
    """Sign up (the form), then log in (the form) like a browser; return the session."""
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
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
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        page = await client.get("/accounts/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        response = await client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if response.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"login failed: HTTP {response.status_code}")
        return {"cookies": dict(client.cookies), "csrf": client.cookies["csrftoken"]}


# --- Report -----------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def ratio(app: float | None, direct: float | None) -> str:
    if app is None or direct is None or direct <= 0:
        return "-"
    return f"{app / direct:.2f}"


def report(direct: Phase, app: Phase, args) -> str:
    n = direct.n
    rows: list[tuple[str, str, str, str, str]] = []

    def timing(label, name, q, scale=ms):
        d, a = quantile(direct.values(name), q), quantile(app.values(name), q)
        added = None if d is None or a is None else a - d
        rows.append((label, scale(d), scale(a), scale(added), ratio(a, d)))

    rows.append(
        (
            "failures (streams)",
            f"{len(direct.failures)}/{len(direct.results)}",
            f"{len(app.failures)}/{len(app.results)}",
            "",
            "",
        )
    )
    timing("time to first token p50 (ms)", "ttft", 0.5)
    timing("time to first token p99 (ms)", "ttft", 0.99)
    timing("per-token delay p50 (ms)", "delays", 0.5)
    timing("per-token delay p99 (ms)", "delays", 0.99)
    timing("per-token delay max (ms)", "delays", 1.0)
    timing("  p99 after the first message (ms)", "live_delays", 0.99)
    timing("  max after the first message (ms)", "live_delays", 1.0)
    for label, name in (("app: send POST", "send"), ("app: SSE headers after it", "connect")):
        values = app.values(name)
        p50, p99 = ms(quantile(values, 0.5)), ms(quantile(values, 0.99))
        rows.append((f"{label} p50/p99 (ms)", "", f"{p50}/{p99}", "", ""))
    rows.append(
        (
            "streams answering at once, peak",
            str(direct.peak_answering),
            str(app.peak_answering),
            "",
            "",
        )
    )
    rows.append(
        (
            "streams completed only by `done`",
            "",
            f"{sum(r.by_render for r in app.results if not r.failure)}/{len(app.results)}",
            "",
            "",
        )
    )
    timing("stream duration p50 (ms)", "duration", 0.5)
    timing("stream duration max (ms)", "duration", 1.0)
    mib = 1024 * 1024
    rows.append(
        (
            "server CPU per round (s)",
            f"{direct.server.cpu:.2f}",
            f"{app.server.cpu:.2f}",
            "",
            ratio(app.server.cpu, direct.server.cpu),
        )
    )
    rows.append(
        (
            "server CPU per stream (ms)",
            f"{direct.server.cpu / n * 1000:.1f}",
            f"{app.server.cpu / n * 1000:.1f}",
            "",
            ratio(app.server.cpu, direct.server.cpu),
        )
    )
    rows.append(
        (
            "server peak RSS, VmHWM (MiB)",
            f"{direct.server.hwm / mib:.1f}",
            f"{app.server.hwm / mib:.1f}",
            "",
            ratio(app.server.hwm, direct.server.hwm),
        )
    )
    rows.append(
        (
            "server RSS after phase (MiB)",
            f"{direct.server.rss / mib:.1f}",
            f"{app.server.rss / mib:.1f}",
            "",
            ratio(app.server.rss, direct.server.rss),
        )
    )
    for label, name in (
        ("simulator CPU per round (s)", "simulator_cpu"),
        ("client CPU per round (s)", "client_cpu"),
        ("phase wall time per round (s)", "wall"),
    ):
        rows.append((label, f"{getattr(direct, name):.2f}", f"{getattr(app, name):.2f}", "", ""))
    header = (
        f"N = {n}: {args.tokens} tokens at {args.rate:g}/s per stream, {direct.rounds} rounds "
        f"pooled; server = simulator (direct) / app (app)"
    )
    lines = [header, f"{'':36}{'direct':>10}{'app':>12}{'added':>10}{'app/direct':>12}"]
    lines += [f"{label:36}{d:>10}{a:>12}{added:>10}{r:>12}" for label, d, a, added, r in rows]
    for phase in (direct, app):
        kinds: dict[str, int] = {}
        for failure in phase.failures:
            kinds[failure] = kinds.get(failure, 0) + 1
        for failure, count in sorted(kinds.items(), key=lambda item: -item[1])[:5]:
            lines.append(f"  {phase.kind} failure ×{count}: {failure}")
    return "\n".join(lines)


def verdict(phases: dict[int, tuple[Phase, Phase]]) -> str:
    lines = ["Targets:"]

    def added(n, name, q):
        direct, app = phases[n]
        d, a = quantile(direct.values(name), q), quantile(app.values(name), q)
        return None if d is None or a is None else a - d

    if 200 in phases:
        failures = len(phases[200][1].failures)
        lines.append(
            f"  zero failures at 200 streams: {failures} → {'met' if not failures else 'MISSED'}"
        )
        p99 = added(200, "delays", 0.99)
        ok = p99 is not None and p99 <= 0.050
        state = "met" if ok else "MISSED"
        lines.append(f"  p99 added per-token delay ≤ 50 ms at 200: {ms(p99)} ms → {state}")
        direct, app = phases[200]
        lines.append(
            f"    (streams answering at once, peak: {app.peak_answering} through the app, "
            f"{direct.peak_answering} direct)"
        )
    if 1 in phases:
        p50 = added(1, "ttft", 0.5)
        ok = p50 is not None and p50 <= 0.020
        state = "met" if ok else "MISSED"
        lines.append(f"  p50 added time to first token ≤ 20 ms at 1: {ms(p50)} ms → {state}")
    return "\n".join(lines)


# --- Main -------------------------------------------------------------------------------


async def bench(args, simulator: Server, app: Server) -> None:
    session = await sign_in(app)
    # Warm up both paths (imports, templates, the model list cache); not measured.
    for kind in ("direct", "app"):
        await run_phase(kind, 2, args, simulator, app, session)
    phases: dict[int, tuple[Phase, Phase]] = {}
    for n in args.n:
        rounds: dict[str, list[Phase]] = {"direct": [], "app": []}
        # One stream is one sample of time to first token: small N gets more rounds.
        for _ in range(max(args.rounds, -(-MIN_SAMPLES // n))):
            for kind in ("direct", "app"):
                rounds[kind].append(await run_phase(kind, n, args, simulator, app, session))
                await asyncio.sleep(args.pause)
        direct, app_phase = merge(rounds["direct"]), merge(rounds["app"])
        phases[n] = (direct, app_phase)
        print(report(direct, app_phase, args), end="\n\n", flush=True)
    print(verdict(phases), flush=True)


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def code_version() -> str:
    """The commit the app runs from, and whether its code has uncommitted changes."""
    try:
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(  # noqa: S603
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(  # noqa: S603
            [*git, "status", "--porcelain", "playground", "templates"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}{' with uncommitted changes' if changed else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 50, 200], help="streams at once")
    parser.add_argument("--tokens", type=int, default=100, help="tokens per answer")
    parser.add_argument("--rate", type=float, default=50.0, help="tokens per second per stream")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds past the answer")
    parser.add_argument(
        "--reader",
        choices=["raw", "httpx"],
        default="raw",
        help="how streamed responses are read: a bare socket (default) or httpx",
    )
    parser.add_argument(
        "--stream",
        choices=["page", "run"],
        default="page",
        help="app: the page's own stream, open before the send (default), or the answer's "
        "own stream, opened after the send",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="phases per N, samples pooled (at least 10 streams per N)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="Redis, with --workers above 1"
    )
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between phases")
    args = parser.parse_args()
    if args.rate <= 0 or args.tokens < 2 or args.rounds < 1:
        parser.error("--rate must be positive, --tokens at least 2, --rounds at least 1")

    python = str(ROOT / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        sim_port, app_port = free_ports(2)
        env = os.environ | {
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "NEXCONN_API_KEY": API_KEY,
            "NEXCONN_BASE_URL": f"http://{HOST}:{sim_port}",
            "DATABASE_URL": database,
            "STATIC_ROOT": f"{tmp}/static",  # DEBUG=false needs the manifest of collectstatic
            "WHITENOISE_USE_FINDERS": "true",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
        }
        for command in ("migrate", "collectstatic"):
            subprocess.run(  # noqa: S603
                [python, "manage.py", command, "--noinput", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        uvicorn = ["-m", "uvicorn", "playground.asgi:application", "--host", HOST]
        uvicorn += ["--port", str(app_port), "--log-level", "warning"]
        uvicorn += ["--timeout-graceful-shutdown", "2"]
        if args.workers > 1:
            # Several processes share the answers through Redis (see the README).
            uvicorn += ["--workers", str(args.workers)]
            env["REDIS_URL"] = args.redis_url
            env["REDIS_KEY_PREFIX"] = f"bench-{os.getpid()}"
        profile = os.environ.get("BENCH_PROFILE")
        if profile:
            uvicorn = ["-m", "cProfile", "-o", str(Path(profile).resolve()), *uvicorn]
        servers: list[Server] = []
        # SIGTERM stops the benchmark the way Ctrl+C does: through the cleanup below.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            simulator = Server(
                "simulator",
                [
                    python,
                    "-m",
                    "playground.simulator",
                    "--host",
                    HOST,
                    "--port",
                    str(sim_port),
                    "--log-level",
                    "warning",
                ],
                env,
                sim_port,
            )
            servers.append(simulator)
            app = Server("app", [python, *uvicorn], env, app_port)
            servers.append(app)
            simulator.wait_ready("/v1/models")
            app.wait_ready("/healthz")
            print(f"Machine: {machine()}; app code: {code_version()}", flush=True)
            print(
                f"Database: {database.split('://')[0]}; reader: {args.reader}; "
                f"app stream: {args.stream}",
                flush=True,
            )
            print(
                f"Command: .venv/bin/python -m bench.relay {' '.join(sys.argv[1:])}\n", flush=True
            )
            runner = asyncio.run
            with contextlib.suppress(ImportError):
                import uvloop

                runner = uvloop.run
            runner(bench(args, simulator, app))
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            sys.exit(130)
        finally:
            for server in reversed(servers):
                server.stop()
        if profile:
            import pstats

            print(f"\nApp server profile ({profile}), top 30 by own time:")
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
