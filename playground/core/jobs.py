"""What the studio's and the files' jobs share: calling the upstream from synchronous code (a
task in the worker, or a sync view), and enqueueing the next poll of a job the provider is
still working on.

Each upstream call gets a client of its own for its one event loop and closes it after. A poll
re-enqueues itself with backoff instead of sleeping, so a waiting job never holds a worker.
"""

import datetime as dt
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from django.tasks import Task
from django.utils import timezone

from playground.nexconn.client import NexconnClient, client_from_settings
from playground.nexconn.errors import NexconnError

# Each poll waits half as long again as the one before; past this many the wait is at its cap.
_MAX_BACKOFF_STEPS = 20


def call_upstream[T](
    call: Callable[[NexconnClient], Awaitable[T]], *, api_key: str | None = None
) -> T:
    """Run `call` with a fresh client, from synchronous code: the instance key's, or with
    `api_key` (a stored key, accounts/keys.py) one for it. A NexconnError comes out with the
    key taken out of its text."""

    async def run() -> T:
        client = client_from_settings(api_key=api_key)
        try:
            return await call(client)
        except NexconnError as error:
            raise client.redact(error) from None
        finally:
            await client.aclose()

    return async_to_sync(run)()


def poll_later(
    task: Task, *args: object, step: int, first_seconds: float, max_seconds: float
) -> None:
    """Enqueue `task(*args)` to run after a backoff delay: `first_seconds` at step 0, half as
    long again at each further step, never more than `max_seconds`."""
    delay = min(first_seconds * 1.5 ** min(step, _MAX_BACKOFF_STEPS), max_seconds)
    task.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(*args)
