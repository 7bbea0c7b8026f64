"""Which upstream the app talks to, and over what: decided here only, from settings.

With `NEXCONN_API_KEY` set, the configured API over the network, read through aiohttp under
httpx's interface (the kept library httpx-aiohttp): with many answers streaming at once, it
reads a streamed body at about half the CPU per token of httpx's own transport. Without a
key (demo mode), the embedded simulator, run in process by an httpx transport that streams
its answers token by token. The API clients (`client.client_from_settings`) and the
downloads of results from the API's own links (`core.downloads`) both take their base URL
and transport from here.
"""

from dataclasses import dataclass

import aiohttp
import httpx
from django.conf import settings
from httpx_aiohttp import AiohttpTransport

DEMO_BASE_URL = "http://simulator.local"  # never looked up: demo requests stay in process


@dataclass(frozen=True, slots=True)
class Upstream:
    base_url: str
    api_key: str
    demo: bool

    def transport(self) -> httpx.AsyncBaseTransport:
        """A new transport for one httpx client."""
        if not self.demo:
            return AiohttpTransport(client=_aiohttp_session)
        # Imported here: a deployment with a key never loads the simulator.
        from playground.simulator.app import application
        from playground.simulator.transport import StreamingASGITransport

        return StreamingASGITransport(app=application)


def configured_upstream() -> Upstream:
    if settings.NEXCONN_API_KEY:
        return Upstream(settings.NEXCONN_BASE_URL, settings.NEXCONN_API_KEY, demo=False)
    return Upstream(DEMO_BASE_URL, "demo", demo=True)


def _aiohttp_session() -> aiohttp.ClientSession:
    """The transport's session, made on its first request, in the event loop it serves.

    No cap on connections (aiohttp's default is 100): every running answer holds one for its
    whole length. httpx keeps the cookies, so aiohttp keeps none; proxies come from the
    environment, as with httpx.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, ssl=httpx.create_ssl_context()),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=True,
    )


def timed_out(exc: httpx.HTTPError) -> bool:
    """Whether a transport failure was a timeout. httpx-aiohttp 0.2 reports every failed
    connection (refused, reset, dropped) as a ConnectTimeout; the aiohttp error it carries
    as the cause says whether time really ran out."""
    if not isinstance(exc, httpx.TimeoutException):
        return False
    cause = exc.__cause__
    return not isinstance(cause, aiohttp.ClientError) or isinstance(cause, TimeoutError)
