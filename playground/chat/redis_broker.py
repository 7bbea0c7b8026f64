"""The broker over Redis: a run started through one server process can be followed, and
stopped, through any other.

Per run: a Redis stream holds the pieces in batches (one XADD per batch, not per token),
then an end marker; a key with a short expiry says the run is alive, refreshed while it
runs, so a process that dies leaves runs that are visibly not live. Stop requests go out on
one pub/sub channel that every process listens to. A page's announcements go out on a
pub/sub channel of that page.
"""

import asyncio
import json
import logging
import weakref
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress

import redis.asyncio as redis
from django.conf import settings

from playground.chat.broker import Feed, Piece

logger = logging.getLogger(__name__)

ALIVE_SECONDS = 10
REFRESH_SECONDS = 3
ENDED_RUN_KEEP_SECONDS = 300
MAX_CONNECTIONS = 5000
BLOCK_SECONDS = 15  # a follower's longest XREAD block: then it checks the run is still alive
READ_TIMEOUT_SECONDS = 60  # above the longest XREAD block


class _Publisher:
    """The generating process's side of one run: pieces wait here for the writer task."""

    def __init__(self, stop: Callable[[], None]):
        self.stop = stop
        self.seq = 0
        self.pending: asyncio.Queue[Piece | None] = asyncio.Queue()
        self.writer: asyncio.Task | None = None


class RedisBroker:
    def __init__(self, url: str):
        self._url = url
        self._prefix = settings.REDIS_KEY_PREFIX
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._local: dict[int, _Publisher] = {}
        self._stop_listeners: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _redis(self) -> redis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # Every follower holds a connection while it waits (XREAD BLOCK): allow many, and
            # let a read wait longer than the longest block (redis-py's default is 5 s).
            client = redis.Redis.from_url(
                self._url, max_connections=MAX_CONNECTIONS, socket_timeout=READ_TIMEOUT_SECONDS
            )
            self._clients[loop] = client
        return client

    def _log_key(self, run_id: int) -> str:
        return f"{self._prefix}:run:{run_id}:log"

    def _alive_key(self, run_id: int) -> str:
        return f"{self._prefix}:run:{run_id}:alive"

    def _page_channel(self, channel: str) -> str:
        return f"{self._prefix}:page:{channel}"

    @property
    def _stop_channel(self) -> str:
        return f"{self._prefix}:run-stop"

    # --- The generating process -------------------------------------------------------

    async def open(self, run_id: int, *, stop: Callable[[], None]) -> None:
        self._ensure_stop_listener()
        await self._redis().set(self._alive_key(run_id), "1", ex=ALIVE_SECONDS)
        publisher = self._local[run_id] = _Publisher(stop)
        publisher.writer = asyncio.create_task(self._write(run_id, publisher))

    def publish(self, run_id: int, kind: str, piece: str) -> None:
        publisher = self._local[run_id]
        publisher.seq += 1
        publisher.pending.put_nowait((publisher.seq, kind, piece))

    async def close(self, run_id: int, *, finished: object = None) -> None:
        """`finished` stays here: followers in other processes read the run back."""
        publisher = self._local.pop(run_id, None)
        if publisher is None or publisher.writer is None:
            return
        publisher.pending.put_nowait(None)
        await publisher.writer

    async def _write(self, run_id: int, publisher: _Publisher) -> None:
        """Send what has piled up as one stream entry; keep the run marked alive."""
        client, log_key = self._redis(), self._log_key(run_id)
        ended = False
        while not ended:
            try:
                item = await asyncio.wait_for(publisher.pending.get(), REFRESH_SECONDS)
            except TimeoutError:
                await client.set(self._alive_key(run_id), "1", ex=ALIVE_SECONDS)
                continue
            batch = []
            while item is not None:
                batch.append(item)
                if publisher.pending.empty():
                    break
                item = publisher.pending.get_nowait()
            ended = item is None
            async with client.pipeline(transaction=False) as pipe:
                if batch:
                    pipe.xadd(log_key, {"pieces": json.dumps(batch)})
                if ended:
                    pipe.xadd(log_key, {"end": "1"})
                    pipe.expire(log_key, ENDED_RUN_KEEP_SECONDS)
                    pipe.delete(self._alive_key(run_id))
                else:
                    pipe.set(self._alive_key(run_id), "1", ex=ALIVE_SECONDS)
                await pipe.execute()

    def _ensure_stop_listener(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._stop_listeners.get(loop)
        if task is None or task.done():
            self._stop_listeners[loop] = loop.create_task(self._listen_for_stops())

    async def _listen_for_stops(self) -> None:
        async with self._redis().pubsub() as pubsub:
            await pubsub.subscribe(self._stop_channel)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                with suppress(ValueError):
                    publisher = self._local.get(int(message["data"]))
                    if publisher is not None:
                        publisher.stop()

    # --- Any process --------------------------------------------------------------------

    async def is_live(self, run_id: int) -> bool:
        return run_id in self._local or bool(await self._redis().exists(self._alive_key(run_id)))

    async def request_stop(self, run_id: int) -> bool:
        publisher = self._local.get(run_id)
        if publisher is not None:
            publisher.stop()
            return True
        if not await self.is_live(run_id):
            return False
        await self._redis().publish(self._stop_channel, str(run_id))
        return True

    async def announce(self, channel: str, run_id: int, message_id: int) -> bool:
        receivers = await self._redis().publish(
            self._page_channel(channel), f"{run_id} {message_id}"
        )
        return receivers > 0

    @asynccontextmanager
    async def listen(self, channel: str):
        queue: asyncio.Queue = asyncio.Queue()
        async with self._redis().pubsub() as pubsub:
            await pubsub.subscribe(self._page_channel(channel))

            async def pump() -> None:
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        with suppress(ValueError):
                            run_id, message_id = message["data"].split()
                            queue.put_nowait((int(run_id), int(message_id)))

            task = asyncio.create_task(pump())
            try:
                yield queue
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    @asynccontextmanager
    async def follow(self, run_id: int):
        if not await self.is_live(run_id):
            yield None
            return
        client, log_key = self._redis(), self._log_key(run_id)
        entries = await client.xrange(log_key)
        log, ended = _pieces(entries)
        last_id = entries[-1][0] if entries else "0-0"

        async def deliver(take: Callable[[Piece], None]) -> None:
            nonlocal last_id
            if ended:
                return
            while True:
                answer = await client.xread({log_key: last_id}, block=BLOCK_SECONDS * 1000)
                if not answer:
                    if not await self.is_live(run_id):
                        return  # its process went away; the caller settles it
                    continue
                new_entries = answer[0][1]
                last_id = new_entries[-1][0]
                pieces, finished = _pieces(new_entries)
                for piece in pieces:
                    take(piece)
                if finished:
                    return

        yield Feed(log=log, deliver=deliver)


def _pieces(entries) -> tuple[list[Piece], bool]:
    pieces: list[Piece] = []
    ended = False
    for _, fields in entries:
        if b"end" in fields:
            ended = True
        elif b"pieces" in fields:
            pieces.extend(tuple(item) for item in json.loads(fields[b"pieces"]))
    return pieces, ended
