"""Fetching generated media (studio results, images in chat answers) into a temporary file.

Result links come from the upstream's JSON, so they are treated as untrusted: only http(s),
only public addresses, a size cap, an overall deadline, and the bytes themselves must be an
image or video we accept. The one exception is the configured API's own origin (in demo mode,
the embedded simulator: nexconn/transport.py).

A link's name is resolved once, every address it gives is checked, and the connection goes
to a checked address (the name travels in the Host header and TLS SNI, and the certificate
is verified for it): a second lookup could answer differently (DNS rebinding), and nothing is
sent before the check. Each redirect is followed by the same rule.
"""

import asyncio
import base64
import binascii
import ipaddress
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

from playground.nexconn.transport import Upstream, configured_upstream

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


# NAT64's well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: IPv4-mapped, IPv4-compatible (`::a.b.c.d`),
    NAT64, 6to4 or Teredo. Each reaches that IPv4 address, so it must be public too."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if int(ip) >> 32 == 0 or ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo is not None else None


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return False
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return embedded is None or _is_public(str(embedded))


async def _public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, looked up once; empty unless every one is public."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return addresses if addresses and all(_is_public(a) for a in addresses) else []


async def download(url: str, *, max_bytes: int) -> Downloaded:
    """Download one result. Raises DownloadError with a message a user can read."""
    deadline = settings.MEDIA_DOWNLOAD_TIMEOUT_SECONDS
    try:
        async with asyncio.timeout(deadline):
            return await _download(url, max_bytes=max_bytes)
    except TimeoutError:
        raise DownloadError(
            f"The result took longer than {deadline:g} seconds to download; not saved."
        ) from None


async def _download(url: str, *, max_bytes: int) -> Downloaded:
    api = configured_upstream()
    trusted = _origin(api.base_url)
    for _ in range(_MAX_REDIRECTS + 1):
        scheme, host, port = _origin(url)
        if scheme not in ("http", "https") or not host:
            raise DownloadError("The result link is not an http(s) address.")
        is_api = (scheme, host, port) == trusted
        async with _get(url, api=api if is_api else None) as response:
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


@asynccontextmanager
async def _get(url: str, *, api: Upstream | None) -> AsyncIterator[httpx.Response]:
    """The response to GET `url` (redirects not followed), its body still unread.

    The API's own links (`api`) go over the API's transport. Any other server is reached at
    one of the addresses its name resolved to, all checked first; never through a second
    lookup of the name. The address goes in the URL, while the Host header and the TLS server
    name (httpcore's `sni_hostname` extension) keep the name, so the certificate is verified
    for it. No proxy from the environment: it would look the name up again.
    """
    timeout = httpx.Timeout(30.0)
    if api is not None:
        async with (
            httpx.AsyncClient(transport=api.transport(), timeout=timeout) as client,
            client.stream("GET", url) as response,
        ):
            yield response
        return
    try:
        target = httpx.URL(url)
        name = target.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        raise DownloadError("The result link is not a valid address.") from None
    port = target.port or (443 if target.scheme == "https" else 80)
    addresses = await _public_addresses(name, port)
    if not addresses:
        raise DownloadError("The result link points to a private address; not downloaded.")
    extensions = {"sni_hostname": name} if target.scheme == "https" else {}
    failure: httpx.HTTPError | None = None
    async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
        for address in addresses:
            request = client.build_request(
                "GET",
                target.copy_with(host=address),
                headers={"Host": target.netloc.decode("ascii")},
                extensions=extensions,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError as exc:
                failure = exc  # try the next checked address, if any
                continue
            except httpx.HTTPError as exc:
                raise DownloadError("The result could not be downloaded: no answer.") from exc
            try:
                yield response
            finally:
                await response.aclose()
            return
    raise DownloadError(
        "The result could not be downloaded: its server could not be reached."
    ) from failure


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
