"""Open loop: answers arrive as a Poisson process at a given rate, whatever the server does.

At each rate the direct phase runs, then the app phase, with the same arrivals and prompts.
An answer's clock starts when it is due: if the client (or the page's stream it waits for)
sends it later, that lateness counts in its time to first token. Every answer due in the
duration counts, finished or not.
"""

import asyncio
import random
import time
from dataclasses import dataclass

from .analysis import Phase, added, prompts
from .phases import Target, run_streams
from .readers import Record, app_page_stream, app_stream, at, direct_stream
from .report import Table, met, ms

PAGE_LEAD = 0.5  # a page opens its stream this long before its answer is due (page load)
TTFT_P99_MS = 250.0  # issue 15's capacity: the highest rate within these, with no failures
DELAY_P99_MS = 30.0
SEARCH_STEPS_UP = 5


def poisson_schedule(rate: float, duration: float, seed: int) -> list[float]:
    """Arrival times in [0, duration) of a Poisson process of `rate` per second: gaps drawn
    independently from an exponential distribution of mean 1/rate. One (seed, rate), one
    schedule: the direct and app phases at a rate get the same arrivals."""
    rng = random.Random(f"{seed}:{rate!r}")
    arrivals, moment = [], rng.expovariate(rate)
    while moment < duration:
        arrivals.append(moment)
        moment += rng.expovariate(rate)
    return arrivals


def next_probe(passed: float, failed: float, resolution: float) -> float | None:
    """The rate to try between the highest that met the targets and the lowest that did
    not (bisection on a grid of `resolution`), or None once they are neighbours."""
    middle = round((passed + failed) / 2 / resolution) * resolution
    if middle <= passed or middle >= failed:
        return None
    return middle


@dataclass
class RatePair:
    rate: float
    direct: Phase
    app: Phase

    def added(self, name: str, q: float) -> float | None:
        return added(self.direct, self.app, name, q)

    @property
    def meets(self) -> bool:
        ttft, delay = self.added("ttft", 0.99), self.added("delays", 0.99)
        return (
            not self.app.failures
            and not self.direct.failures
            and ttft is not None
            and delay is not None
            and ttft * 1000 <= TTFT_P99_MS
            and delay * 1000 <= DELAY_P99_MS
        )


async def open_phase(kind: str, rate: float, target: Target) -> Phase:
    args = target.args
    schedule = poisson_schedule(rate, args.duration, args.seed)
    label = f" at {rate:g}/s"
    records = [Record(p) for p in prompts(len(schedule), args.tokens, args.rate, label)]
    client = target.client(kind)
    origin = time.perf_counter() + PAGE_LEAD + 0.2
    due = [origin + moment for moment in schedule]
    if kind == "direct":
        streams = [
            direct_stream(client, r, target.raw, at(t)) for r, t in zip(records, due, strict=True)
        ]
    elif args.stream == "page":
        csrf = target.session["csrf"]
        streams = [
            app_page_stream(client, csrf, r, target.raw, at(t), opens_at=t - PAGE_LEAD)
            for r, t in zip(records, due, strict=True)
        ]
    else:
        csrf = target.session["csrf"]
        streams = [
            app_stream(client, csrf, r, target.raw, at(t))
            for r, t in zip(records, due, strict=True)
        ]
    tail = args.tokens / args.rate + args.timeout
    limit = origin - time.perf_counter() + args.duration + tail
    return await run_streams(
        kind, target, client, records, streams, tokens=args.tokens, limit=limit
    )


def rate_table(pair: RatePair, target: Target) -> str:
    direct, app = pair.direct, pair.app
    table = Table(direct, app)
    table.row("answers started (due in the duration)", str(direct.n), str(app.n))
    complete = [len(p.results) - len(p.failures) for p in (direct, app)]
    table.row("answers completed", str(complete[0]), str(complete[1]))
    table.failures()
    table.timing("time to first token p50 (ms)", "ttft", 0.5)
    table.timing("time to first token p99 (ms)", "ttft", 0.99)
    table.timing("per-token delay p50 (ms)", "delays", 0.5)
    table.timing("per-token delay p99 (ms)", "delays", 0.99)
    table.timing("per-token delay max (ms)", "delays", 1.0)
    table.timing("request start lag p99 (ms)", "lag", 0.99)
    p50, p99 = ms(app.q("send", 0.5)), ms(app.q("send", 0.99))
    table.row("app: send POST p50/p99 (ms)", "", f"{p50}/{p99}")
    table.row(
        "answers streaming at once, peak", str(direct.peak_answering), str(app.peak_answering)
    )
    table.cpu()
    args = target.args
    header = (
        f"Open loop at {pair.rate:g} answers/s for {args.duration:g} s ({args.tokens} tokens at "
        f"{args.rate:g}/s each); direct: the simulator, app: {app.server_name}"
    )
    ttft, delay = pair.added("ttft", 0.99), pair.added("delays", 0.99)
    verdict = (
        f"  → p99 added TTFT {ms(ttft, True)} ms (≤ {TTFT_P99_MS:g}), p99 added per-token delay "
        f"{ms(delay, True)} ms (≤ {DELAY_P99_MS:g}), failures app {len(app.failures)}, "
        f"direct {len(direct.failures)}: {met(pair.meets)}"
    )
    return table.render(header) + "\n" + verdict


def summary(pairs: list[RatePair], search: bool) -> str:
    lines = [
        "FIGURE open loop (added = app − direct at the same rate; CPU per answer started):",
        f"  {'rate/s':>7}{'started':>9}{'done':>6}{'failed':>8}{'TTFT p50':>10}{'p99':>9}"
        f"{'delay p50':>11}{'p99':>8}{'CPU/answer app':>16}{'direct':>8}{'client':>8}  targets",
    ]
    for pair in sorted(pairs, key=lambda p: p.rate):
        app = pair.app
        lines.append(
            f"  {pair.rate:>7g}{app.n:>9}{len(app.results) - len(app.failures):>6}"
            f"{len(app.failures):>8}{ms(pair.added('ttft', 0.5), True):>10}"
            f"{ms(pair.added('ttft', 0.99), True):>9}{ms(pair.added('delays', 0.5), True):>11}"
            f"{ms(pair.added('delays', 0.99), True):>8}{ms(app.cpu_per_answer):>13} ms"
            f"{ms(pair.direct.cpu_per_answer):>8}{app.client_cpu / app.wall:>8.0%}  "
            f"{met(pair.meets)}"
        )
    passing = [pair.rate for pair in pairs if pair.meets]
    failing = [pair.rate for pair in pairs if not pair.meets]
    best = max((r for r in passing if all(r < f for f in failing)), default=None)
    limits = f"p99 added TTFT ≤ {TTFT_P99_MS:g} ms, p99 added per-token ≤ {DELAY_P99_MS:g} ms"
    if best is None:
        lines.append(f"  highest rate within the targets ({limits}, 0 failures): none tested")
    else:
        above = min(failing, default=None)
        bound = f" (next tested, {above:g}/s, missed)" if above else " (no tested rate missed)"
        lines.append(
            f"  highest rate within the targets ({limits}, 0 failures): {best:g} answers/s{bound}"
        )
        if search and above is None:
            lines.append("  the search found no upper bound: try higher rates")
    return "\n".join(lines)


async def open_loop(target: Target) -> list[tuple[str, Phase, Phase]]:
    """Each rate of `--open-loop` in turn. With `--search`: stop at the first that misses the
    targets (if none does, go on up by half again each time), then bisect between it and the
    highest below it that met them."""
    args = target.args
    pairs: list[RatePair] = []

    async def run(rate: float) -> RatePair:
        direct = await open_phase("direct", rate, target)
        await asyncio.sleep(args.pause)
        app = await open_phase("app", rate, target)
        await asyncio.sleep(args.pause)
        pair = RatePair(rate, direct, app)
        print(rate_table(pair, target) + "\n", flush=True)
        pairs.append(pair)
        return pair

    for rate in sorted(args.open_loop):
        if not (await run(rate)).meets and args.search:
            break
    if args.search:
        # Every rate met the targets: go up by half again until one misses.
        for _ in range(SEARCH_STEPS_UP):
            if any(not p.meets for p in pairs):
                break
            await run(round(pairs[-1].rate * 1.5 / args.resolution) * args.resolution)
        failed = min((p.rate for p in pairs if not p.meets), default=None)
        if failed is not None:
            passed = max((p.rate for p in pairs if p.meets and p.rate < failed), default=0.0)
            while (probe := next_probe(passed, failed, args.resolution)) is not None:
                if (await run(probe)).meets:
                    passed = probe
                else:
                    failed = probe
    print(summary(pairs, args.search) + "\n", flush=True)
    pairs.sort(key=lambda pair: pair.rate)
    return [(f"open loop {pair.rate:g}/s", pair.direct, pair.app) for pair in pairs]
