"""Django's ASGI handler, with requests' sync code run by a few shared threads."""

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.db import connections


class ASGIHandlerWithSharedThreads(ASGIHandler):
    """Django's ASGI handler, but the sync parts of every request (middleware, sync views,
    the ORM) run on a pool of `threads` shared threads instead of a new thread per request.

    Django starts a thread for each request (asgiref's ThreadSensitiveContext) and joins it
    when the request ends. Database connections belong to threads, so each request also
    opened and closed a connection, and a stream, which holds its request for minutes, held
    a thread all along. With 200 answers at once that made 400 threads contend for the GIL.
    Shared threads keep their connections (CONN_MAX_AGE), so at most `threads` are open.

    A request's sync calls may run on different threads of the pool, one after the other
    (never two at once: each is awaited). Nothing in a request spans two calls on one
    connection: views run in autocommit, and each transaction stays inside one call.
    """

    def __init__(self, *, threads: int):
        super().__init__()
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")

    def load_middleware(self, is_async=False):
        """The middleware settings name, with the versions of Django's security, session,
        CSRF and X-Frame-Options classes that run their I/O-free hooks in the event loop
        (`check --deploy` reads the names in settings, so they stay Django's there)."""
        from playground.core.middleware import loaded_in_event_loop  # needs the apps loaded

        named = settings.MIDDLEWARE
        settings.MIDDLEWARE = [loaded_in_event_loop(path) for path in named]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = named

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with ThreadSensitiveContext(executor=self.executor):
            await self.handle(scope, receive, send)

    def close(self) -> None:
        """Close every thread's database connections and end the threads (tests, before the
        database goes). One call per thread: each waits at a barrier until all have come."""
        everyone = threading.Barrier(self.threads)

        def close_mine():
            connections.close_all()
            everyone.wait(timeout=10)

        for _ in range(self.threads):
            self.executor.submit(close_mine)
        self.executor.shutdown(wait=True)


def get_asgi_application() -> ASGIHandlerWithSharedThreads:
    import django
    from django.conf import settings

    django.setup(set_prefix=False)
    return ASGIHandlerWithSharedThreads(threads=settings.REQUEST_THREADS)
