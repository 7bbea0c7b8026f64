"""What a stream read earlier shows: when each token of the answer came, and whether all did.

Also the figures over many streams: quantiles, and how many streamed at once.
"""

import html
import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from playground.nexconn.sse import SSEParser
from playground.simulator import answers
from playground.simulator.app import split_directive

from .readers import MODEL, HTTPDecoder, Record
from .servers import ProcStats

RUN_SUFFIX = re.compile(r"-\d+$")  # on a page's stream, `text-12` is run 12's text
SNAPSHOT_TEXT = re.compile(r'<div id="run-\d+-text" hx-swap-oob="innerHTML">(.*?)</div>', re.S)
FENCE_INFO = re.compile(r"```[^\n`]+")
MARKUP = re.compile(r"<[^>]*>")


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
    lag: float = 0.0  # how much later than due its request went (open loop)
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
    if record.launched:
        result.lag = record.launched - record.start
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
    redis_cpu: float | None = None  # the Redis server's CPU over the phase, all its clients
    tokens: int = 0  # per answer

    @property
    def cpu_per_answer(self) -> float:
        """Server CPU seconds per answer (all of its processes, children included)."""
        return self.server.cpu / self.n if self.n else 0.0

    @property
    def failures(self) -> list[str]:
        return [r.failure for r in self.results if r.failure]

    def values(self, name: str) -> list[float]:
        """Sorted samples of one figure over the streams that did not fail."""
        ok = [r for r in self.results if not r.failure]
        if name in ("delays", "live_delays"):
            return sorted(d for r in ok for d in getattr(r, name))
        return sorted(v for r in ok if (v := getattr(r, name)) is not None)

    def q(self, name: str, q: float) -> float | None:
        return quantile(self.values(name), q)


def added(direct: Phase, app: Phase, name: str, q: float) -> float | None:
    """App minus direct, quantile by quantile (same q of each phase's own samples)."""
    d, a = direct.q(name, q), app.q(name, q)
    return None if d is None or a is None else a - d


def analyse_all(records: list[Record], kind: str, tokens: int, rate: float) -> list[Result]:
    results = []
    for record in records:
        expected, boundaries = expectation(record.prompt, tokens)
        results.append(analyse(record, kind, expected, boundaries, rate))
    return results


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
            rounds[-1].server.processes,
        ),
        server_name=rounds[0].server_name,
        simulator_cpu=sum(phase.simulator_cpu for phase in rounds) / count,
        client_cpu=sum(phase.client_cpu for phase in rounds) / count,
        rounds=count,
        peak_answering=max(phase.peak_answering for phase in rounds),
        redis_cpu=None
        if rounds[0].redis_cpu is None
        else sum(phase.redis_cpu or 0.0 for phase in rounds) / count,
        tokens=rounds[0].tokens,
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
    """Nearest rank on sorted values: the smallest value with at least q of them at or
    below it (p50 of 10 values is the 5th, p99 of 100 the 99th)."""
    if not values:
        return None
    rank = math.ceil(q * len(values) - 1e-9)  # 0.07 * 100 is 7.000000000000001
    return values[min(len(values), max(1, rank)) - 1]


def prompts(n: int, tokens: int, rate: float, label: str = "") -> list[str]:
    """Distinct prompts (so distinct answers); a phase pair uses the same ones."""
    return [
        f"Relay benchmark stream {i} of {n}{label} [sim tokens={tokens} rate={rate:g}]"
        for i in range(n)
    ]


def expectation(prompt: str, tokens: int) -> tuple[str, list[int]]:
    pieces = answers.answer_tokens(split_directive(prompt)[0], model=MODEL, tokens=tokens)
    boundaries = [0]
    for piece in pieces:
        boundaries.append(boundaries[-1] + len(piece))
    return "".join(pieces), boundaries
