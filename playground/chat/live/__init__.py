"""Live run output, from the process that generates an answer to every page that shows it.

One interface (base.Broker), two backends: in-process (memory.py, the default: one server
process) and Redis (redis.py, with `REDIS_URL`: a run started through one process can be
followed, and stopped, through any other).
"""

from functools import cache

from django.conf import settings

from playground.chat.live.base import (
    REASONING,
    STATUS,
    TEXT,
    Broker,
    Feed,
    PageRuns,
    Piece,
    Placement,
)
from playground.chat.live.memory import InProcessBroker
from playground.chat.live.redis import RedisBroker

__all__ = [
    "REASONING",
    "STATUS",
    "TEXT",
    "Broker",
    "Feed",
    "PageRuns",
    "Piece",
    "Placement",
    "get_broker",
]


@cache
def get_broker() -> Broker:
    if settings.REDIS_URL:
        return RedisBroker(settings.REDIS_URL, prefix=settings.REDIS_KEY_PREFIX)
    return InProcessBroker()
