"""An httpx transport whose wire is aiohttp: the streamed answers' upstream connections.

httpx's own transport reads a streamed body through httpcore, h11 (pure Python) and an anyio
cancel scope around every read. With hundreds of answers streaming at once the app spends
most of its time there; aiohttp parses HTTP in C and reads with a plain asyncio protocol
(bench/README.md, "aiohttp for the upstream"). The
client keeps httpx's interface (requests, responses, exceptions, respx in tests): only the
connection underneath changes.

Chat requests are small JSON bodies; a body that has not been read yet is read here first,
so uploads stay on httpx's own transport (`client_from_settings`).
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """aiohttp's exceptions as the httpx ones the client maps to messages for the user."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connecting timed out") from exc
    except (aiohttp.ServerTimeoutError, TimeoutError) as exc:  # `sock_read`: nothing came
        raise httpx.ReadTimeout(str(exc) or "reading timed out") from exc
    except aiohttp.ClientConnectorError as exc:  # refused, unreachable, unknown host
        raise httpx.ConnectError(str(exc)) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
        raise httpx.RemoteProtocolError(str(exc) or "the connection was cut") from exc
    except aiohttp.ClientOSError as exc:  # reset by peer and the like
        raise httpx.ReadError(str(exc)) from exc
    except aiohttp.ClientError as exc:
        raise httpx.TransportError(str(exc) or type(exc).__name__) from exc


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            # Whatever has arrived, as soon as it has: one chunk per network read.
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()  # read to the end: the connection can be reused
        else:
            # Left early (Stop, an error): closing the socket is what tells the upstream to
            # stop generating.
            self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session, made on first use in the running event loop (it is bound to it),
    with no limit on connections: every running answer holds one for its whole length."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ssl=httpx.create_ssl_context()),
                auto_decompress=False,  # httpx decodes what its Accept-Encoding asked for
                cookie_jar=aiohttp.DummyCookieJar(),  # an API client keeps no cookies
                trust_env=True,  # HTTPS_PROXY and friends, as httpx honours them
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        with _as_httpx_errors():
            response = await self._open_session().request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=timeout.get("connect"),
                    # Like httpx's read timeout: the longest wait for the next bytes.
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_ResponseBody(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
