from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest
from django.middleware import clickjacking, common, csp, csrf, security
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware:
    """WhiteNoise's static file serving, for static paths only.

    WhiteNoise's own middleware is sync-only, so Django would run every request below it,
    streams included, through thread hops. Here only static files take that path.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        if not iscoroutinefunction(get_response):
            raise TypeError("StaticFilesMiddleware needs an async middleware chain")
        self.get_response = get_response
        self.whitenoise = WhiteNoiseMiddleware(get_response=None)  # its file table and serve()
        markcoroutinefunction(self)

    async def __call__(self, request):
        if request.path_info.startswith(self.whitenoise.static_prefix):
            static_file = await sync_to_async(self._find)(request.path_info)
            if static_file is not None:
                return await sync_to_async(self.whitenoise.serve)(static_file, request)
        return await self.get_response(request)

    def _find(self, path: str):
        if self.whitenoise.autorefresh:
            return self.whitenoise.find_file(path)
        return self.whitenoise.files.get(path)


def in_event_loop(base, *, response_in_thread: Callable[[HttpRequest], bool] | None = None):
    """`base` (a Django middleware) with its request and response hooks run in the event
    loop (a process_view hook still runs in a thread).

    Under ASGI Django's MiddlewareMixin runs every process_request and process_response in
    the request's worker thread: two thread hops per middleware per request, which added up
    to most of the time of a small request. The hooks wrapped here do no I/O (they set
    headers, read cookies, or attach lazy objects). A response hook that may write (the
    session, messages kept in it) goes to the thread when `response_in_thread(request)`.
    """

    class InEventLoop(base):
        async def __acall__(self, request):
            response = None
            if hasattr(self, "process_request"):
                response = self.process_request(request)
            response = response or await self.get_response(request)
            if hasattr(self, "process_response"):
                if response_in_thread is not None and response_in_thread(request):
                    hook = sync_to_async(self.process_response, thread_sensitive=True)
                    response = await hook(request, response)
                else:
                    response = self.process_response(request, response)
            return response

    InEventLoop.__name__ = InEventLoop.__qualname__ = base.__name__
    return InEventLoop


def _session_to_save(request: HttpRequest) -> bool:
    """The session middleware writes only a changed session (or every one, if so set)."""
    session = getattr(request, "session", None)
    return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


def _messages_to_store(request: HttpRequest) -> bool:
    """Messages are stored (maybe in the session, read from the database first) only when
    some were read or added."""
    storage = getattr(request, "_messages", None)
    return storage is not None and (storage.used or storage.added_new)


CommonMiddleware = in_event_loop(common.CommonMiddleware)
AuthenticationMiddleware = in_event_loop(auth.AuthenticationMiddleware)
MessageMiddleware = in_event_loop(messages.MessageMiddleware, response_in_thread=_messages_to_store)
ContentSecurityPolicyMiddleware = in_event_loop(csp.ContentSecurityPolicyMiddleware)
SecurityMiddleware = in_event_loop(security.SecurityMiddleware)
SessionMiddleware = in_event_loop(sessions.SessionMiddleware, response_in_thread=_session_to_save)
# Its process_view (which reads the form) keeps its thread; its cookie hooks do no I/O, unless
# the token is kept in the session (CSRF_USE_SESSIONS), when the class stays Django's own.
CsrfViewMiddleware = in_event_loop(csrf.CsrfViewMiddleware)
XFrameOptionsMiddleware = in_event_loop(clickjacking.XFrameOptionsMiddleware)


def loaded_in_event_loop(path: str) -> str:
    """The class the ASGI handler loads for a middleware that settings name.

    Security, sessions, CSRF and X-Frame-Options are named as Django's own classes in
    settings, because `check --deploy` looks for them by name; the handler loads their
    versions above instead (playground/core/asgi.py)."""
    if path == "django.middleware.csrf.CsrfViewMiddleware" and settings.CSRF_USE_SESSIONS:
        return path
    return _LOADED_INSTEAD.get(path, path)


_LOADED_INSTEAD = {
    f"{base.__module__}.{base.__name__}": f"{__name__}.{base.__name__}"
    for base in (
        security.SecurityMiddleware,
        sessions.SessionMiddleware,
        csrf.CsrfViewMiddleware,
        clickjacking.XFrameOptionsMiddleware,
    )
}
