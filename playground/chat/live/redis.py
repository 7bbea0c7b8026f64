"""The broker over Redis (`REDIS_URL`): a run started through one server process can be
followed, and stopped, through any other.

Per run: a Redis stream holds its pieces for followers that come late (a snapshot), and a
key with a short expiry says the run is alive, refreshed while it runs, so a process that
dies leaves runs that are visibly not live. Per page: a set of the runs placed on it, and a
channel for placements. Pieces, and stop requests, go out on one channel each that every
process listens to.

What keeps the cost per answer near the in-process broker's: the pieces of every run
generated in a process go out together, once per BATCH_SECONDS, in one pipeline (an XADD
per run with new pieces, and one PUBLISH for them all), not per piece; and each process
listens over one pub/sub connection and hands the pieces to its own followers, so a
follower costs no command, and no message, per piece.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as redis

from playground.chat.live.base import ENDED_RUN_KEEP_SECONDS, Feed, PageRuns, Piece, Placement
from playground.core.loops import one_per_event_loop

logger = logging.getLogger(__name__)

BATCH_SECONDS = 0.015  # pieces wait this long at most, to go out with the others
ALIVE_SECONDS = 10
REFRESH_SECONDS = 3
CHECK_SECONDS = 15  # a follower that has heard nothing for this long checks the run is alive
PAGE_KEEP_SECONDS = 3600  # a page's set of runs, after the last one was placed
FINISHED_KEEP_SECONDS = 30  # a run's final state, for its followers in this process


class _Hub:
    """One pub/sub connection for everything a process listens to. Each message goes to the
    handlers of its channel, in the reader task, as it comes. The channels every process
    listens to (`always`) are subscribed once, when it starts."""

    def __init__(self, client: redis.Redis, always: dict[str, Callable[[bytes], None]]):
        self._client = client
        self._always = {channel.encode(): handler for channel, handler in always.items()}
        self._pubsub = client.pubsub()
        self._handlers = {channel: {handler} for channel, handler in self._always.items()}
        self._subscribed: dict[bytes, asyncio.Future] = {}  # done once Redis has confirmed
        self._pongs: list[asyncio.Future] = []
        self._started: asyncio.Future | None = None

    async def start(self) -> None:
        """Listening to the `always` channels (Redis has confirmed them)."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        channels = list(self._handlers)
        for channel in channels:
            self._subscribed[channel] = loop.create_future()
        await self._pubsub.subscribe(*channels)
        self._reader = asyncio.create_task(self._read())
        await asyncio.gather(*(self._subscribed[channel] for channel in channels))

    async def _read(self) -> None:
        try:
            async for message in self._pubsub.listen():
                match message["type"]:
                    case "message":
                        for handler in list(self._handlers.get(message["channel"], ())):
                            handler(message["data"])
                    case "subscribe":
                        subscribed = self._subscribed.get(message["channel"])
                        if subscribed is not None and not subscribed.done():
                            subscribed.set_result(None)
                    case "pong" if self._pongs:
                        self._pongs.pop(0).set_result(None)
        except Exception as error:
            # Past redis-py's own reconnecting: whoever waits is told, and the next use
            # listens again (pages reconnect; their streams start from a snapshot).
            logger.warning("Redis: the pub/sub connection was lost: %s", error)
            lost = ConnectionError("the Redis pub/sub connection was lost")
            for waiting in [*self._subscribed.values(), *self._pongs]:
                if not waiting.done():
                    waiting.set_exception(lost)
            self._pubsub = self._client.pubsub()
            self._handlers = {channel: {handler} for channel, handler in self._always.items()}
            self._subscribed, self._pongs, self._started = {}, [], None

    @asynccontextmanager
    async def subscription(self, channel: str, handler: Callable[[bytes], None]):
        """`handler` gets each message of the channel from when Redis has confirmed the
        subscription (before this enters) until it exits."""
        await self.start()
        key = channel.encode()
        handlers = self._handlers.setdefault(key, set())
        if not handlers:
            self._subscribed[key] = asyncio.get_running_loop().create_future()
            await self._pubsub.subscribe(key)
        handlers.add(handler)
        try:
            await asyncio.shield(self._subscribed[key])
            yield
        finally:
            handlers.discard(handler)
            if not handlers and self._handlers.get(key) is handlers:
                del self._handlers[key]
                del self._subscribed[key]
                await self._pubsub.unsubscribe(key)

    async def caught_up(self) -> None:
        """Every message Redis sent before this call has gone to its handlers."""
        pong = asyncio.get_running_loop().create_future()
        self._pongs.append(pong)
        await self._pubsub.ping()
        await pong


@dataclass
class _LocalRun:
    """A run generated in this process."""

    stop: Callable[[], None]
    seq: int = 0


@dataclass
class _Writer:
    """Sends the pieces of every run generated in this process, one pipeline per batch.

    One task does every write, in order: a run's end marker never overtakes its pieces."""

    client: redis.Redis
    broker: "RedisBroker"  # names the keys
    local: dict[int, _LocalRun]
    pending: dict[int, list[Piece]] = field(default_factory=dict)
    ending: dict[int, asyncio.Future] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    refreshed: float = field(default_factory=time.monotonic)

    def add(self, run_id: int, piece: Piece) -> None:
        self.pending.setdefault(run_id, []).append(piece)
        self._start()

    async def end(self, run_id: int) -> None:
        ended = self.ending[run_id] = asyncio.get_running_loop().create_future()
        self._start()
        await ended

    def _start(self) -> None:
        self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        """Until no run of this process is left: wait for pieces (or the next refresh of the
        runs' alive keys), let the batch fill, send it."""
        while self.local or self.pending or self.ending:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), REFRESH_SECONDS)
                await asyncio.sleep(BATCH_SECONDS)
            self.wake.clear()
            pending, self.pending = self.pending, {}
            ending, self.ending = self.ending, {}
            refresh = time.monotonic() - self.refreshed >= REFRESH_SECONDS
            if not (pending or ending or (refresh and self.local)):
                continue
            try:
                await self._send(pending, ending, refresh=refresh)
            except Exception as error:
                # The runs go on and end in the database; their pages miss these pieces.
                logger.warning("Redis: a batch of run pieces was not sent: %s", error)
            for ended in ending.values():
                if not ended.done():
                    ended.set_result(None)

    async def _send(self, pending, ending, *, refresh: bool) -> None:
        keys = self.broker
        async with self.client.pipeline(transaction=False) as pipe:
            published = []  # [run id, its pieces] or [run id, None] for its end, in order
            for run_id, pieces in pending.items():
                pipe.xadd(keys.log_key(run_id), {"pieces": json.dumps(pieces)})
                published.append([run_id, pieces])
            for run_id in ending:
                pipe.xadd(keys.log_key(run_id), {"end": "1"})
                pipe.expire(keys.log_key(run_id), ENDED_RUN_KEEP_SECONDS)
                pipe.delete(keys.alive_key(run_id))
                published.append([run_id, None])
            if published:  # after the log: what a follower reads there came first
                pipe.publish(keys.pieces_channel, json.dumps(published))
            if refresh:
                self.refreshed = time.monotonic()
                for run_id in self.local:
                    if run_id not in ending:
                        pipe.set(keys.alive_key(run_id), "1", ex=ALIVE_SECONDS)
            await pipe.execute()


@dataclass
class _Connections:
    """What the broker holds per event loop (a Redis client is bound to its loop)."""

    client: redis.Redis
    hub: _Hub
    writer: _Writer


class _Follower:
    """One follower of a run, fed by the hub: the pieces past the log it was given."""

    def __init__(self) -> None:
        self.seen = 0  # the last sequence number it has
        self.waiting: list[Piece] = []
        self.take: Callable[[Piece], None] | None = None
        self.ended = asyncio.get_running_loop().create_future()

    def receive(self, pieces: list) -> None:
        for seq, kind, text in pieces:
            if seq > self.seen:
                self.seen = seq
                if self.take is None:
                    self.waiting.append((seq, kind, text))
                else:
                    self.take((seq, kind, text))

    def end(self, finished: Any) -> None:
        if not self.ended.done():
            self.ended.set_result(finished)


class RedisBroker:
    def __init__(self, url: str, *, prefix: str) -> None:
        self._url = url
        self._prefix = prefix
        self._local: dict[int, _LocalRun] = {}
        self._followers: dict[int, set[_Follower]] = {}  # run id -> its followers here
        self._finished: dict[int, Any] = {}  # run id -> the Run its task left (this process)
        self._connections = one_per_event_loop(self._connect)

    def _connect(self) -> _Connections:
        client = redis.Redis.from_url(self._url)
        always = {self._stop_channel: self._stop_requested, self.pieces_channel: self._receive}
        return _Connections(client, _Hub(client, always), _Writer(client, self, self._local))

    def log_key(self, run_id: int) -> str:
        return f"{self._prefix}:run:{run_id}:log"

    def alive_key(self, run_id: int) -> str:
        return f"{self._prefix}:run:{run_id}:alive"

    @property
    def pieces_channel(self) -> str:
        return f"{self._prefix}:pieces"

    @property
    def _stop_channel(self) -> str:
        return f"{self._prefix}:run-stop"

    def _page_key(self, page: str) -> str:
        return f"{self._prefix}:page:{page}:runs"

    def _page_channel(self, page: str) -> str:
        return f"{self._prefix}:page:{page}"

    # --- The process that generates the run --------------------------------------------

    async def open(self, run_id: int, *, stop: Callable[[], None]) -> None:
        connections = self._connections()
        await connections.hub.start()  # hears stop requests from other processes
        await connections.client.set(self.alive_key(run_id), "1", ex=ALIVE_SECONDS)
        self._local[run_id] = _LocalRun(stop)

    def publish(self, run_id: int, kind: str, piece: str) -> None:
        run = self._local[run_id]
        run.seq += 1
        self._connections().writer.add(run_id, (run.seq, kind, piece))

    async def close(self, run_id: int, *, finished: Any = None) -> None:
        if self._local.pop(run_id, None) is None:
            return
        if finished is not None:
            self._finished[run_id] = finished
            loop = asyncio.get_running_loop()
            loop.call_later(FINISHED_KEEP_SECONDS, self._finished.pop, run_id, None)
        await self._connections().writer.end(run_id)

    def _stop_requested(self, data: bytes) -> None:
        with suppress(ValueError):
            run = self._local.get(int(data))
            if run is not None:
                run.stop()

    # --- Any process --------------------------------------------------------------------

    def followed_here(self, run_id: int) -> bool:
        return bool(self._followers.get(run_id))

    async def is_live(self, run_id: int) -> bool:
        if run_id in self._local:
            return True
        return bool(await self._connections().client.exists(self.alive_key(run_id)))

    async def request_stop(self, run_id: int) -> bool:
        run = self._local.get(run_id)
        if run is not None:
            run.stop()
            return True
        if not await self.is_live(run_id):
            return False
        await self._connections().client.publish(self._stop_channel, str(run_id))
        return True

    @asynccontextmanager
    async def follow(self, run_id: int):
        if not await self.is_live(run_id):
            yield None
            return
        connections = self._connections()
        await connections.hub.start()
        follower = _Follower()
        followers = self._followers.setdefault(run_id, set())
        followers.add(follower)
        try:
            # Taking pieces before reading the log: a batch published in between comes
            # twice, and the follower drops what the log had.
            log, ended = _read_log(await connections.client.xrange(self.log_key(run_id)))
            if log:
                follower.waiting = [piece for piece in follower.waiting if piece[0] > log[-1][0]]
                follower.seen = max(follower.seen, log[-1][0])
            if ended:
                follower.end(self._finished.get(run_id))

            async def deliver(take: Callable[[Piece], None]) -> Any:
                for piece in follower.waiting:
                    take(piece)
                follower.waiting, follower.take = [], take
                while True:
                    try:
                        return await asyncio.wait_for(asyncio.shield(follower.ended), CHECK_SECONDS)
                    except TimeoutError:
                        if not await self.is_live(run_id):
                            return None  # its process went away; the caller settles it

            yield Feed(log=log, deliver=deliver)
        finally:
            followers.discard(follower)
            if not followers and self._followers.get(run_id) is followers:
                del self._followers[run_id]

    def _receive(self, data: bytes) -> None:
        """A batch from the pieces channel: each run's pieces (or end) to its followers here."""
        for run_id, pieces in json.loads(data):
            for follower in list(self._followers.get(run_id, ())):
                if pieces is None:
                    follower.end(self._finished.get(run_id))
                else:
                    follower.receive(pieces)

    async def place(self, page: str, run_id: int, html: str) -> bool:
        client = self._connections().client
        key = self._page_key(page)
        message = json.dumps({"run": run_id, "html": html})
        async with client.pipeline(transaction=True) as pipe:
            pipe.sadd(key, run_id).expire(key, PAGE_KEEP_SECONDS)
            pipe.publish(self._page_channel(page), message)
            *_, listeners = await pipe.execute()
        return listeners > 0

    @asynccontextmanager
    async def listen(self, page: str):
        connections = self._connections()
        queue: asyncio.Queue[Placement] = asyncio.Queue()

        def receive(data: bytes) -> None:
            with suppress(ValueError, KeyError, TypeError):
                placement = json.loads(data)
                queue.put_nowait(Placement(int(placement["run"]), str(placement["html"])))

        async with connections.hub.subscription(self._page_channel(page), receive):
            members = await connections.client.smembers(self._page_key(page))
            if members:
                # A run placed while this started listening is in the set and on the
                # channel: its placement is in the queue once the hub has caught up.
                await connections.hub.caught_up()
            yield PageRuns(placed=sorted(int(member) for member in members), placements=queue)

    async def forget(self, page: str, run_id: int) -> None:
        await self._connections().client.srem(self._page_key(page), run_id)


def _read_log(entries) -> tuple[list[Piece], bool]:
    pieces: list[Piece] = []
    ended = False
    for _, fields in entries:
        if b"end" in fields:
            ended = True
        elif b"pieces" in fields:
            pieces.extend(tuple(item) for item in json.loads(fields[b"pieces"]))
    return pieces, ended
