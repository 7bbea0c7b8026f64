"""How much the app adds to streamed chat answers, against reading the simulator directly.

Starts the standalone simulator and the app (uvicorn) as subprocesses on loopback, signs up
and logs in like a browser, and reads streamed answers over HTTP only. Every figure has its
direct baseline in the same run: the same answers read from the simulator, one phase after
the other, never at the same time (they would share the cores).

  python -m bench.relay                              the table at N = 1, 50, 200
  python -m bench.relay --figure cost                server CPU per answer and per token
  python -m bench.relay --figure ttft                added time to first token at N=1
  python -m bench.relay --figure burst               200 answers at once
  python -m bench.relay --open-loop 10 20 25 30      Poisson arrivals, 30 s per rate
  python -m bench.relay --open-loop 10 20 --search   the highest rate within the targets
  python -m bench.relay --open-loop 10 20 --compare-workers 1 2    1 worker against 2 + Redis

Environment: BENCH_DATABASE_URL (default: a fresh SQLite file in a temporary directory),
BENCH_REDIS_URL (default for --redis-url), BENCH_PROFILE=<file.prof> (run the app server
under cProfile and print its top functions). See bench/README.md for what each figure means.
"""
