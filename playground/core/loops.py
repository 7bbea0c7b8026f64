"""Objects bound to an event loop (connection pools, their tasks): one per running loop.

The server has one loop; tests and asgiref's `async_to_sync` run loops of their own, and an
object made in one must not be used from another.
"""

import asyncio
import functools
import weakref
from collections.abc import Callable


def one_per_event_loop[T](factory: Callable[[], T]) -> Callable[[], T]:
    """`factory()` made once per running loop and kept while the loop lives; the returned
    function's `forget_all()` drops them all (after a settings change, between tests)."""
    instances: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    @functools.wraps(factory)
    def for_running_loop() -> T:
        loop = asyncio.get_running_loop()
        if (instance := instances.get(loop)) is None:
            instance = instances[loop] = factory()
        return instance

    for_running_loop.forget_all = instances.clear
    return for_running_loop
