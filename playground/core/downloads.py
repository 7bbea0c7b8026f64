"""Fetching generated media (studio results, images in chat answers) into a temporary file.

Result links come from the upstream's JSON, so they are treated as untrusted: only http(s),
only public addresses (checked on the address actually connected to, so DNS tricks do not
help), a size cap, and the bytes themselves must be an image or video we accept. The one
exception is the configured API's own origin (in demo mode, the embedded simulator).
"""

import asyncio
import base64
import binascii
import ipaddress
import tempfile
from dataclasses import dataclass
from typing import IO
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

_MAX_REDIRECTS = 3
_CHUNK = 64 * 1024

# Magic bytes → content type. The upstream's Content-Type header is not trusted.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF8", "image/gif"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
)


class DownloadError(Exception):
    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass
class Downloaded:
    file: IO[bytes]
    content_type: str
    size: int
    url: str


def sniff_content_type(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for offset, signature, content_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


async def _resolves_to_public(host: str, port: int) -> bool:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError:
        return False
    return bool(infos) and all(_is_public(info[4][0]) for info in infos)


def _connected_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    server = stream.get_extra_info("server_addr") if stream is not None else None
    return server[0] if server else None


def _api_transport() -> httpx.AsyncBaseTransport | None:
    if settings.NEXCONN_API_KEY:
        return None
    from playground.simulator.app import application
    from playground.simulator.transport import StreamingASGITransport

    return StreamingASGITransport(app=application)


def _api_base_url() -> str:
    return settings.NEXCONN_BASE_URL if settings.NEXCONN_API_KEY else "http://simulator.local"


async def download(url: str, *, max_bytes: int) -> Downloaded:
    """Download one result. Raises DownloadError with a message a user can read."""
    trusted = _origin(_api_base_url())
    for _ in range(_MAX_REDIRECTS + 1):
        scheme, host, port = _origin(url)
        if scheme not in ("http", "https") or not host:
            raise DownloadError("The result link is not an http(s) address.")
        is_api = (scheme, host, port) == trusted
        if not is_api and not await _resolves_to_public(host, port or 443):
            raise DownloadError("The result link points to a private address; not downloaded.")
        transport = _api_transport() if is_api else None
        async with (
            httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(30.0)) as client,
            client.stream("GET", url) as response,
        ):
            if not is_api:
                address = _connected_address(response)
                if address is None or not _is_public(address):
                    raise DownloadError(
                        "The result link points to a private address; not downloaded."
                    )
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code in (403, 404, 410):
                raise DownloadError(
                    "The result link has expired or was removed before it could be saved.",
                    expired=True,
                )
            if response.status_code != 200:
                raise DownloadError(
                    f"The result could not be downloaded (HTTP {response.status_code})."
                )
            return await _read_into_file(response, url=url, max_bytes=max_bytes)
    raise DownloadError("The result link redirected too many times.")


async def _read_into_file(response: httpx.Response, *, url: str, max_bytes: int) -> Downloaded:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise DownloadError(f"The result is larger than {max_bytes // (1024 * 1024)} MB.")
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    size = 0
    head = b""
    try:
        async for chunk in response.aiter_bytes(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise DownloadError(f"The result is larger than {max_bytes // (1024 * 1024)} MB.")
            if len(head) < 16:
                head = (head + chunk)[:16]
            file.write(chunk)
    except httpx.HTTPError as exc:
        file.close()
        raise DownloadError("The download of the result was interrupted.") from exc
    except DownloadError:
        file.close()
        raise
    content_type = sniff_content_type(head)
    if content_type is None:
        file.close()
        raise DownloadError("The result is not an image or video this app can store.")
    file.seek(0)
    return Downloaded(file=file, content_type=content_type, size=size, url=url)


def decode_data_url(link: str, *, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and type of a base64 `data:` URL holding an image or video we accept."""
    header, _, payload = link.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise DownloadError("The image is not a base64 data URL.")
    if len(payload) * 3 // 4 > max_bytes:
        raise DownloadError(f"The image is larger than {max_bytes // (1024 * 1024)} MB.")
    try:
        content = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise DownloadError("The image data is not valid base64.") from exc
    content_type = sniff_content_type(content[:16])
    if content_type is None:
        raise DownloadError("The data is not an image or video this app can store.")
    return content, content_type
