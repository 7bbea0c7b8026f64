"""Command line of `python -m bench.relay` (see the package's docstring and bench/README.md)."""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile

from . import __doc__ as DOC
from .figures import FIGURES, say
from .openloop import open_loop
from .phases import Target, burst
from .readers import sign_in
from .report import met, ms, ratio
from .servers import (
    Ports,
    RedisCPU,
    Server,
    base_env,
    code_version,
    machine,
    prepare,
    start_app,
    start_simulator,
)

REDIS_PATH_RATIO = 1.3  # issue 15: the Redis path costs at most this × the in-process one


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.relay",
        description=DOC.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=DOC.split("\n\n", 1)[1],
    )
    what = parser.add_argument_group("what to measure (default: --figure table)")
    what.add_argument(
        "--figure",
        nargs="+",
        choices=list(FIGURES),
        default=[],
        help="figures, in turn: table (every N of --n), cost, ttft, burst; idle (--duration)",
    )
    what.add_argument(
        "--open-loop",
        nargs="+",
        type=float,
        default=[],
        metavar="RATE",
        help="open loop at these rates (answers per second), one after the other",
    )
    what.add_argument("--duration", type=float, default=30.0, help="open loop: seconds per rate")
    what.add_argument(
        "--search",
        action="store_true",
        help="open loop: stop at the first rate that misses the targets, then bisect",
    )
    what.add_argument(
        "--resolution", type=float, default=1.0, help="open loop: the search's step (answers/s)"
    )
    what.add_argument("--seed", type=int, default=1, help="open loop: the arrivals' seed")
    shape = parser.add_argument_group("answers and rounds")
    shape.add_argument("--n", type=int, nargs="+", help="answers at once (default per figure)")
    shape.add_argument("--tokens", type=int, default=100, help="tokens per answer")
    shape.add_argument("--rate", type=float, default=50.0, help="tokens per second per answer")
    shape.add_argument(
        "--rounds", type=int, help="closed loop: rounds per N, samples pooled (default per figure)"
    )
    shape.add_argument("--pause", type=float, default=1.0, help="seconds between phases")
    shape.add_argument("--timeout", type=float, default=60.0, help="seconds past the answer")
    shape.add_argument(
        "--reader",
        choices=["raw", "httpx"],
        default="raw",
        help="how streamed responses are read: a bare socket (default) or httpx",
    )
    shape.add_argument(
        "--stream",
        choices=["page", "run"],
        default="page",
        help="app: the page's own stream, open before the send (default), or opened after "
        "the send naming the answer (a page loaded while its answer is written)",
    )
    serving = parser.add_argument_group("how the app is served")
    serving.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serving.add_argument(
        "--compare-workers",
        type=int,
        nargs="+",
        metavar="W",
        help="run everything once per worker count (a fresh app each) and compare the server "
        "CPU per answer",
    )
    serving.add_argument(
        "--redis", action="store_true", help="the Redis broker even with one worker"
    )
    serving.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis for more than one worker (or --redis); default $BENCH_REDIS_URL or DB 0",
    )
    serving.add_argument(
        "--port-base", type=int, help="ports from here up (default: free ones from the system)"
    )
    args = parser.parse_args()
    if args.rate <= 0 or args.tokens < 2 or (args.rounds is not None and args.rounds < 1):
        parser.error("--rate must be positive, --tokens at least 2, --rounds at least 1")
    if "cost" in args.figure and args.tokens <= 2:
        parser.error("--figure cost compares answers of 2 tokens with --tokens: more than 2")
    if any(rate <= 0 for rate in args.open_loop) or args.duration <= 0 or args.resolution <= 0:
        parser.error("open-loop rates, --duration and --resolution must be positive")
    if args.search and not args.open_loop:
        parser.error("--search needs --open-loop with the rates to start from")
    if not args.figure and not args.open_loop:
        args.figure = ["table"]
    return args


async def measure(target: Target) -> list[tuple[str, object, object]]:
    target.session = await sign_in(target.app.url)
    # Warm up both paths (imports, templates, the model list cache), every worker of the
    # app with luck (the kernel spreads the connections); not measured.
    await burst("direct", 2, target.args.tokens, target)
    await burst("app", 2 if target.workers == 1 else 8 * target.workers, target.args.tokens, target)
    pairs = []
    for figure in target.args.figure:
        pairs += await FIGURES[figure](target)
    if target.args.open_loop:
        pairs += await open_loop(target)
    return pairs


def compare(setups: list[tuple[str, list]]) -> None:
    """Server CPU per answer of each set-up beside the first's, run by run."""
    (first, base), others = setups[0], setups[1:]
    say("FIGURE server CPU per answer by set-up (all server processes, children included):")
    for name, pairs in others:
        say(f"  {name} against {first}:")
        by_label = {label: app for label, _, app in base}
        for label, direct, app in pairs:
            if label in by_label:
                one, this = by_label[label].cpu_per_answer, app.cpu_per_answer
                share = ratio(this, one)
                ok = one > 0 and this <= REDIS_PATH_RATIO * one
                say(
                    f"    {label:28} {ms(one)} ms → {ms(this)} ms, ratio {share} "
                    f"(≤ {REDIS_PATH_RATIO:g}: {met(ok)}); direct {ms(direct.cpu_per_answer)} ms"
                )


def main() -> None:
    args = parse()
    counts = args.compare_workers or [args.workers]
    ports = Ports(args.port_base)
    runner = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        runner = uvloop.run
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        sim_port = ports.take()
        env = base_env(tmp, sim_port)
        prepare(env)
        servers: list[Server] = []
        # SIGTERM stops the benchmark the way Ctrl+C does: through the cleanup below.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            simulator = start_simulator(env, sim_port)
            servers.append(simulator)
            say(f"Machine: {machine()}; app code: {code_version()}")
            say(
                f"Database: {env['DATABASE_URL'].split('://')[0]}; reader: {args.reader}; "
                f"app stream: {args.stream}"
            )
            say(f"Command: .venv/bin/python -m bench.relay {' '.join(sys.argv[1:])}\n")
            setups = []
            for workers in counts:
                redis_url = args.redis_url if workers > 1 or args.redis else None
                app = start_app(env, ports.take(), workers, redis_url)
                servers.append(app)
                say(f"=== {app.name} ===\n")
                target = Target(simulator, app, {}, RedisCPU(redis_url), args, workers)
                setups.append((app.name, runner(measure(target))))
                app.stop()
            if len(setups) > 1 and any(pairs for _, pairs in setups):  # idle alone has none
                compare(setups)
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            sys.exit(130)
        finally:
            for server in reversed(servers):
                server.stop()
    profile = os.environ.get("BENCH_PROFILE")
    if profile:
        import pstats

        print(f"\nApp server profile ({profile}), top 30 by own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
