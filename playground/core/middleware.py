from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
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
