"""Live run output, fanned out to every page that follows the run.

In-process: one RunStream per running answer, kept in memory by the process that
generates it. Each piece of text gets a sequence number, so a reconnecting page can
resume after the last piece it saw (`Last-Event-ID`) or start from a snapshot.
"""

import asyncio
from dataclasses import dataclass, field

TEXT = "text"
REASONING = "reasoning"
STATUS = "status"  # a short notice such as "retrying"; not part of the answer


@dataclass
class RunStream:
    log: list[tuple[str, str]] = field(default_factory=list)  # (kind, piece); seq = index + 1
    subscribers: set[asyncio.Queue] = field(default_factory=set)
    finished: bool = False

    @property
    def seq(self) -> int:
        return len(self.log)

    def publish(self, kind: str, piece: str) -> None:
        self.log.append((kind, piece))
        item = (self.seq, kind, piece)
        for queue in self.subscribers:
            queue.put_nowait(item)

    def finish(self) -> None:
        self.finished = True
        for queue in self.subscribers:
            queue.put_nowait(None)

    def text_so_far(self, kind: str) -> str:
        return "".join(piece for k, piece in self.log if k == kind)

    def latest(self, kind: str) -> str:
        return next((piece for k, piece in reversed(self.log) if k == kind), "")

    def since(self, seq: int) -> list[tuple[int, str, str]]:
        return [(i + 1, kind, piece) for i, (kind, piece) in enumerate(self.log[seq:], start=seq)]

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        if self.finished:
            queue.put_nowait(None)
        self.subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.subscribers.discard(queue)


_streams: dict[int, RunStream] = {}


def stream_open(run_id: int) -> RunStream:
    return _streams.setdefault(run_id, RunStream())


def stream_get(run_id: int) -> RunStream | None:
    return _streams.get(run_id)


def stream_close(run_id: int) -> None:
    """Tell followers the run has ended (its final state is in the database by now)."""
    stream = _streams.pop(run_id, None)
    if stream is not None:
        stream.finish()
