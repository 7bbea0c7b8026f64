from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.middleware import common, csp
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


def in_event_loop(base, *, response_in_thread: bool = False):
    """`base` (a Django middleware) with its hooks run in the event loop.

    Under ASGI Django's MiddlewareMixin runs every process_request and process_response in
    the request's worker thread: two thread hops per middleware per request, which added up
    to most of the time of a small request. The hooks wrapped here do no I/O (they set
    headers, read cookies, or attach lazy objects). A response hook that may write (the
    session, messages kept in it) stays in the thread with `response_in_thread`.
    """

    class InEventLoop(base):
        async def __acall__(self, request):
            response = None
            if hasattr(self, "process_request"):
                response = self.process_request(request)
            response = response or await self.get_response(request)
            if hasattr(self, "process_response"):
                if response_in_thread:
                    hook = sync_to_async(self.process_response, thread_sensitive=True)
                    response = await hook(request, response)
                else:
                    response = self.process_response(request, response)
            return response

    InEventLoop.__name__ = InEventLoop.__qualname__ = base.__name__
    return InEventLoop


CommonMiddleware = in_event_loop(common.CommonMiddleware)
AuthenticationMiddleware = in_event_loop(auth.AuthenticationMiddleware)
MessageMiddleware = in_event_loop(messages.MessageMiddleware, response_in_thread=True)
ContentSecurityPolicyMiddleware = in_event_loop(csp.ContentSecurityPolicyMiddleware)
