"""Admission of new answers, so that the answers already streaming keep their pace.

A server process relays every answer it generates through one event loop, under one GIL. A
send costs far more CPU than a token (the form, the inserts, the prompt, the upstream
connection, the response), so a burst of sends starved the answers already streaming: their
tokens came seconds late (bench/README.md). While answers stream, a new send here waits
until the process has room, and sends are worked on one at a time. Nothing is refused: after
ANSWER_ADMISSION_MAX_WAIT_SECONDS a send goes ahead anyway.

Two measures say the process has no room, either one is enough:
- the event loop runs late: a timer due every _TICK_SECONDS ran more than
  ANSWER_ADMISSION_LOOP_LAG_MS late on average over the last half second. A token waits
  about that long before it is relayed, whatever the cause (the process's own work, or other
  programs on the cores);
- the process used more than ANSWER_ADMISSION_CPU_SHARE of one CPU over the last half second:
  its threads take the GIL from the loop in turns of a few milliseconds, which the loop's
  lateness does not show.
"""

import asyncio
import functools
import time
from collections import deque
from contextlib import asynccontextmanager

from django.conf import settings

from playground.chat import runs
from playground.core.loops import one_per_event_loop

_TICK_SECONDS = 0.02  # how often the loop's lateness and the process's CPU time are read
_WINDOW_TICKS = 25  # both are judged over the last half second
_SHORTEST_SPAN = 0.01  # less time than this says nothing about the CPU share
_POLL_SECONDS = 0.02  # how often a waiting send looks again


class _Admission:
    """The admission of one event loop: a lock, and a timer that keeps the last half second
    of the loop's lateness and of the process's CPU time (known before the first send)."""

    def __init__(self) -> None:
        self._one_at_a_time = asyncio.Lock()
        self._lateness: deque[float] = deque(maxlen=_WINDOW_TICKS)
        # (wall clock, CPU time of the whole process): every thread holds the same GIL.
        self._cpu: deque[tuple[float, float]] = deque(maxlen=_WINDOW_TICKS + 1)
        loop = asyncio.get_running_loop()
        self._due = loop.time()
        self._tick()

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._lateness.append(now - self._due)
        self._cpu.append((time.monotonic(), time.process_time()))
        self._due = now + _TICK_SECONDS
        loop.call_at(self._due, self._tick)

    def loop_lag(self) -> float:
        """How late the loop ran its timer, in seconds, on average over the last half
        second: one long step (a send's own work, a garbage collection) hardly counts, a
        loop that has fallen behind does."""
        return sum(self._lateness) / len(self._lateness)

    def cpu_share(self) -> float:
        """The share of one CPU the process used over the last half second or so."""
        (then, cpu_then), now = self._cpu[0], time.monotonic()
        if now - then < _SHORTEST_SPAN:
            return 0.0
        return (time.process_time() - cpu_then) / (now - then)

    def busy(self, max_lag: float, max_share: float) -> bool:
        if not runs.answers_running():
            return False
        too_late = bool(max_lag) and self.loop_lag() > max_lag
        too_busy = bool(max_share) and self.cpu_share() > max_share
        return too_late or too_busy

    @asynccontextmanager
    async def admitted(self):
        max_lag = settings.ANSWER_ADMISSION_LOOP_LAG_MS / 1000
        max_share = settings.ANSWER_ADMISSION_CPU_SHARE
        if not (max_lag or max_share):
            yield
            return
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + settings.ANSWER_ADMISSION_MAX_WAIT_SECONDS
        async with self._one_at_a_time:
            # Both measures are read, not signalled: nothing to wait on but time.
            while self.busy(max_lag, max_share) and loop.time() < give_up_at:  # noqa: ASYNC110
                await asyncio.sleep(_POLL_SECONDS)
            yield


_admission = one_per_event_loop(_Admission)


def admitted():
    """`async with admitted():` around a send's work up to the start of its run."""
    return _admission().admitted()


def starts_answers(view):
    """For an async view that starts answers: a POST to it runs once admitted (a GET, such
    as an edit form, starts nothing and goes at once)."""

    @functools.wraps(view)
    async def admitted_view(request, *args, **kwargs):
        if request.method != "POST":
            return await view(request, *args, **kwargs)
        async with admitted():
            return await view(request, *args, **kwargs)

    return admitted_view
