"""Database connections of requests that stay open for minutes (SSE streams)."""

from asgiref.sync import sync_to_async
from django.db import connections


async def release_request_connection() -> None:
    """Hand back the database connection this request's reads took, before its response
    streams.

    Django closes a request's connections only when the response ends, and a stream ends
    minutes later: every open page would keep a connection (a slot of the pool, on
    PostgreSQL) for nothing (docs/deploy.md, "Database connections"). The connections are the
    request thread's own, so they are closed there (thread-sensitive, `sync_to_async`'s
    default). A read after this opens a fresh one, closed again when the response ends.
    """
    await sync_to_async(close_request_connections)()


def close_request_connections() -> None:
    """`release_request_connection` from the request thread's sync code: the view's last
    reads before its response streams, then this, in one trip to the thread."""
    connections.close_all()
