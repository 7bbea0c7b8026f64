"""Admission of new answers, so that the answers already streaming keep their pace.

A server process relays every answer it generates through one event loop, under one GIL. A
send costs far more CPU than a token (the form, the inserts, the prompt, the upstream
connection, the response), so a burst of sends starved the answers already streaming: their
tokens came seconds late (bench/README.md). While answers stream, a new send here waits until
the process has CPU to spare, and sends are worked on one at a time. Nothing is refused: after
ANSWER_ADMISSION_MAX_WAIT_SECONDS a send goes ahead anyway.
"""

import asyncio
import functools
import time
from collections import deque
from contextlib import asynccontextmanager

from django.conf import settings

from playground.chat import runs
from playground.core.loops import one_per_event_loop

_SAMPLE_SECONDS = 0.1  # how often the process's CPU time is read
_SHORTEST_SPAN = 0.01  # less time than this says nothing about the share
_WINDOW_SAMPLES = 5  # the share is taken over the last half second
_POLL_SECONDS = 0.02  # how often a waiting send looks again


class _Admission:
    """The admission of one event loop: a lock, and the process's CPU time read every
    _SAMPLE_SECONDS (a timer, so the share is known before the first send waits)."""

    def __init__(self) -> None:
        self._one_at_a_time = asyncio.Lock()
        # (wall clock, CPU time of the whole process): every thread holds the same GIL.
        self._samples: deque[tuple[float, float]] = deque(maxlen=_WINDOW_SAMPLES + 1)
        self._sample()

    def _sample(self) -> None:
        self._samples.append((time.monotonic(), time.process_time()))
        asyncio.get_running_loop().call_later(_SAMPLE_SECONDS, self._sample)

    def cpu_share(self) -> float:
        """The share of one CPU the process used over the last half second or so."""
        (then, cpu_then), now = self._samples[0], time.monotonic()
        if now - then < _SHORTEST_SPAN:
            return 0.0
        return (time.process_time() - cpu_then) / (now - then)

    def busy(self, max_share: float) -> bool:
        return runs.answers_running() > 0 and self.cpu_share() > max_share

    @asynccontextmanager
    async def admitted(self):
        max_share = settings.ANSWER_ADMISSION_CPU_SHARE
        if not max_share:
            yield
            return
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + settings.ANSWER_ADMISSION_MAX_WAIT_SECONDS
        async with self._one_at_a_time:
            # The CPU share is read, not signalled: nothing to wait on but time.
            while self.busy(max_share) and loop.time() < give_up_at:  # noqa: ASYNC110
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
