"""A phase: streams read from one server (the simulator directly, or the app), with what the
phase cost each process. Direct and app phases run one after the other, never together."""

import argparse
import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass

import httpx

from .analysis import Phase, analyse_all, peak_overlap, prompts
from .readers import (
    Record,
    after_barrier,
    app_page_stream,
    app_stream,
    client_for,
    direct_client,
    direct_stream,
    now,
)
from .servers import ProcStats, RedisCPU, Server, client_cpu, proc_stats, settle


@dataclass
class Target:
    """What the phases run against: the simulator, one app server and its signed-in user."""

    simulator: Server
    app: Server
    session: dict
    redis: RedisCPU
    args: argparse.Namespace
    workers: int = 1

    def client(self, kind: str) -> httpx.AsyncClient:
        if kind == "direct":
            return direct_client(self.simulator.url)
        return client_for(self.app.url, cookies=self.session["cookies"])

    @property
    def raw(self) -> bool:
        return self.args.reader == "raw"


class Meter:
    """CPU over a phase: the phase's server, the simulator, Redis and this client."""

    def __init__(self, target: Target, server: Server) -> None:
        self.target, self.server = target, server
        self.before = self._read()

    def _read(self):
        return (
            proc_stats(self.server.pid),
            proc_stats(self.target.simulator.pid),
            client_cpu(),
            self.target.redis.read(),
        )

    async def stop(self) -> dict:
        # The answers' last writes come after their last event: wait for both servers to
        # be idle, so that work is counted here and not in the next phase.
        await settle([self.target.simulator.pid, self.target.app.pid])
        server, simulator, client, redis = self._read()
        server0, simulator0, client0, redis0 = self.before
        return {
            "server": ProcStats(server.cpu - server0.cpu, server.hwm, server.rss, server.processes),
            "simulator_cpu": simulator.cpu - simulator0.cpu,
            "client_cpu": client - client0,
            "redis_cpu": None if redis is None else redis - redis0,
        }


async def run_streams(
    kind: str,
    target: Target,
    client: httpx.AsyncClient,
    records: list[Record],
    streams: list[Coroutine],
    *,
    tokens: int,
    limit: float,
) -> Phase:
    """Run the streams (each waits for its own start), at most `limit` seconds in all."""
    server = target.simulator if kind == "direct" else target.app
    meter = Meter(target, server)
    started = time.perf_counter()
    async with client:
        tasks = [asyncio.create_task(stream) for stream in streams]
        _, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - started
    costs = await meter.stop()
    for task, record in zip(tasks, records, strict=True):
        if task in pending and not record.error:
            record.error = f"not finished after {limit:.0f} s"
    results = analyse_all(records, kind, tokens, target.args.rate)
    return Phase(
        kind=kind,
        n=len(records),
        results=results,
        wall=wall,
        server_name=server.name,
        peak_answering=peak_overlap([r.answering for r in results if r.answering]),
        tokens=tokens,
        **costs,
    )


async def burst(kind: str, n: int, tokens: int, target: Target) -> Phase:
    """N streams at once, all from the same start (the app's pages all open first)."""
    args = target.args
    records = [Record(prompt) for prompt in prompts(n, tokens, args.rate)]
    client = target.client(kind)
    if kind == "direct":
        streams = [direct_stream(client, record, target.raw, now) for record in records]
    elif args.stream == "page":
        gate = after_barrier(asyncio.Barrier(n))
        csrf = target.session["csrf"]
        streams = [app_page_stream(client, csrf, record, target.raw, gate) for record in records]
    else:
        csrf = target.session["csrf"]
        streams = [app_stream(client, csrf, record, target.raw, now) for record in records]
    limit = tokens / args.rate + args.timeout
    return await run_streams(kind, target, client, records, streams, tokens=tokens, limit=limit)
