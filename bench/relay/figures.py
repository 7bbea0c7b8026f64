"""The closed-loop figures: N answers started together, direct then app, in rounds.

- `table`: the full table at each N of `--n` (the default mode);
- `cost`: server CPU per answer (N=200 × 2 tokens) and per token, app against direct;
- `ttft`: added time to first token at N=1;
- `burst`: 200 answers at once: failures, completeness, the spread of time to first token;
- `idle`: server CPU with nothing asked, over `--duration`: the fixed cost of the app's
  processes (and Redis), which a low open-loop rate spreads over few answers.

Each returns its (label, direct, app) pairs, so set-ups can be compared (`--compare-workers`).
"""

import asyncio
import math

from .analysis import Phase, added, merge
from .phases import Target, burst
from .report import burst_table, met, ms, ratio, spread
from .servers import proc_stats, settle

MIN_SAMPLES = 10  # answers per N at least, over the rounds
CPU_PER_ANSWER_MS = 20.0  # issue 15's targets
CPU_PER_TOKEN_RATIO = 2.0
ADDED_TTFT_MS = 15.0

Pairs = list[tuple[str, Phase, Phase]]


async def rounds(target: Target, n: int, tokens: int, count: int) -> tuple[Phase, Phase]:
    """`count` rounds of direct then app, each N at once; samples pooled."""
    done: dict[str, list[Phase]] = {"direct": [], "app": []}
    for _ in range(count):
        for kind in ("direct", "app"):
            done[kind].append(await burst(kind, n, tokens, target))
            await asyncio.sleep(target.args.pause)
    return merge(done["direct"]), merge(done["app"])


def say(text: str) -> None:
    print(text, flush=True)


async def table(target: Target) -> Pairs:
    args = target.args
    pairs: Pairs = []
    for n in args.n or [1, 50, 200]:
        # One answer is one sample of time to first token: small N gets more rounds.
        count = max(args.rounds or 3, math.ceil(MIN_SAMPLES / n))
        direct, app = await rounds(target, n, args.tokens, count)
        say(burst_table(direct, app, args.rate) + "\n")
        pairs.append((f"N={n} × {args.tokens} tokens", direct, app))
    say("Targets (issue 15):")
    for _, direct, app in pairs:
        if direct.n == 200:
            say(f"  zero failures at 200 answers: {len(app.failures)} → {met(not app.failures)}")
        if direct.n == 1:
            p50 = added(direct, app, "ttft", 0.5)
            ok = p50 is not None and p50 * 1000 <= ADDED_TTFT_MS
            say(f"  p50 added time to first token ≤ 15 ms at N=1: {ms(p50, True)} → {met(ok)}")
    say("")
    return pairs


async def cost(target: Target) -> Pairs:
    """CPU per answer from answers of 2 tokens; per token from the difference with answers of
    `--tokens` tokens at the same N (what one more token costs, the answer's cost aside)."""
    args = target.args
    n, count, tokens = (args.n or [200])[0], args.rounds or 3, args.tokens
    short = await rounds(target, n, 2, count)
    say(burst_table(*short, args.rate) + "\n")
    long = await rounds(target, n, tokens, count)
    say(burst_table(*long, args.rate) + "\n")
    direct, app = short[0].cpu_per_answer, short[1].cpu_per_answer
    say(
        f"FIGURE server CPU per answer (N={n} × 2 tokens, {count} rounds): "
        f"app {ms(app)} ms, direct {ms(direct)} ms, ratio {ratio(app, direct)}; "
        f"failures app {len(short[1].failures)}, direct {len(short[0].failures)}"
    )
    say(f"  target: app ≤ {CPU_PER_ANSWER_MS:g} ms → {met(app * 1000 <= CPU_PER_ANSWER_MS)}")
    direct_t = (long[0].cpu_per_answer - short[0].cpu_per_answer) / (tokens - 2)
    app_t = (long[1].cpu_per_answer - short[1].cpu_per_answer) / (tokens - 2)
    say(
        f"FIGURE server CPU per token (N={n}, answers of {tokens} minus answers of 2 tokens, "
        f"per extra token): app {app_t * 1e6:.0f} µs, direct {direct_t * 1e6:.0f} µs, "
        f"ratio {ratio(app_t, direct_t)}"
    )
    if direct_t <= 0 or app_t <= 0:
        # CPU is counted in ticks of 10 ms: a few answers of a few tokens can come out even.
        say("  target: not readable, a difference at or below zero (more --n or --tokens)\n")
    else:
        ok = app_t <= CPU_PER_TOKEN_RATIO * direct_t
        say(f"  target: ≤ {CPU_PER_TOKEN_RATIO:g}× direct → {met(ok)}\n")
    return [(f"N={n} × 2 tokens", *short), (f"N={n} × {tokens} tokens", *long)]


async def ttft(target: Target) -> Pairs:
    count = target.args.rounds or 20
    direct, app = await rounds(target, 1, target.args.tokens, count)
    say(burst_table(direct, app, target.args.rate) + "\n")
    p50, p99 = added(direct, app, "ttft", 0.5), added(direct, app, "ttft", 0.99)
    say(
        f"FIGURE added time to first token at N=1 ({count} answers each): "
        f"p50 {ms(p50, True)} ms (app {ms(app.q('ttft', 0.5))}, direct "
        f"{ms(direct.q('ttft', 0.5))}), p99 {ms(p99, True)} ms; "
        f"failures app {len(app.failures)}, direct {len(direct.failures)}"
    )
    ok = p50 is not None and p50 * 1000 <= ADDED_TTFT_MS and not app.failures
    say(f"  target: p50 ≤ {ADDED_TTFT_MS:g} ms → {met(ok)}\n")
    return [("N=1", direct, app)]


async def burst_figure(target: Target) -> Pairs:
    args = target.args
    n, count = (args.n or [200])[0], args.rounds or 1
    direct, app = await rounds(target, n, args.tokens, count)
    say(burst_table(direct, app, args.rate) + "\n")
    total = len(app.results)
    complete = total - len(app.failures)
    say(
        f"FIGURE {n}-answer burst ({args.tokens} tokens at {args.rate:g}/s, {count} round(s)): "
        f"failures app {len(app.failures)}/{total}, direct {len(direct.failures)}/{total}; "
        f"complete (the whole answer and its final event) app {complete}/{total}"
    )
    say("  time to first token (ms)     min      p50      p90      p99      max")
    for label, phase in (("direct", direct), ("app", app)):
        say(f"    {label:24}" + "".join(f"{ms(v):>9}" for v in spread(phase)))
    say(
        f"  answers streaming at once, peak: app {app.peak_answering}, "
        f"direct {direct.peak_answering}; server CPU per answer: app {ms(app.cpu_per_answer)} "
        f"ms, direct {ms(direct.cpu_per_answer)} ms"
    )
    say(f"  target: 0 failures, every answer complete → {met(not app.failures)}\n")
    return [(f"burst N={n}", direct, app)]


async def idle(target: Target) -> Pairs:
    seconds = target.args.duration
    await settle([target.app.pid])
    app_before, redis_before = proc_stats(target.app.pid).cpu, target.redis.read()
    await asyncio.sleep(seconds)
    app_after, redis_after = proc_stats(target.app.pid).cpu, target.redis.read()
    redis = ""
    if redis_before is not None:
        redis = f", Redis server {(redis_after - redis_before) / seconds * 1000:.1f} ms/s"
    say(
        f"FIGURE idle server CPU over {seconds:g} s, nothing asked ({target.app.name}): "
        f"app {(app_after - app_before) / seconds * 1000:.1f} ms/s{redis}\n"
    )
    return []


FIGURES = {"table": table, "cost": cost, "ttft": ttft, "burst": burst_figure, "idle": idle}
