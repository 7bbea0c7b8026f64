"""Result downloads: only http(s), only public addresses (or the configured API itself),
only images and videos, never more than the size limit nor longer than the deadline."""

import asyncio
import socket
import socketserver
import threading
import time

import pytest
import respx

from playground.core.downloads import DownloadError, download
from tests.conftest import serve_in_thread
from tests.studio.factories import png_bytes

PNG = png_bytes()


async def media_server(scope, receive, send):
    """Answers /png, /html, /big, /gone, and /away (a redirect to ?to=…)."""
    path, query = scope["path"], scope["query_string"].decode()
    status, headers, body = 200, [(b"content-type", b"image/png")], PNG
    if path == "/html":
        headers, body = [(b"content-type", b"image/png")], b"<html>not an image</html>"
    elif path == "/big":
        body = PNG + b"\0" * (2 * 1024 * 1024)
    elif path == "/gone":
        status, body = 410, b""
    elif path == "/away":
        status, headers, body = 302, [(b"location", query.removeprefix("to=").encode())], b""
    elif path == "/drip":  # a byte every 50 ms, for 4 s
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PNG[:16], "more_body": True})
        for _ in range(80):
            await asyncio.sleep(0.05)
            await send({"type": "http.response.body", "body": b"\0", "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def server():
    url, stop = serve_in_thread(media_server)
    yield url
    stop()


@pytest.fixture
def api_at(settings):
    """Make a local server the configured API, whose own links are trusted."""

    def use(url):
        settings.NEXCONN_API_KEY = "k"
        settings.NEXCONN_BASE_URL = url

    return use


def fetch(url, max_bytes=1024 * 1024):
    return asyncio.run(download(url, max_bytes=max_bytes))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.png",
        "http://10.0.0.1/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/a.png",
        "http://localhost/a.png",
    ],
)
def test_links_to_private_places_or_other_schemes_are_refused(url):
    with pytest.raises(DownloadError):
        fetch(url)


def test_a_loopback_server_that_is_not_the_api_is_refused(server):
    with pytest.raises(DownloadError, match="private address"):
        fetch(f"{server}/png")


def test_the_configured_api_may_serve_results(server, api_at):
    api_at(server)
    fetched = fetch(f"{server}/png")
    assert fetched.content_type == "image/png"
    assert fetched.file.read() == PNG


def test_a_redirect_away_from_the_api_to_a_private_address_is_refused(server, api_at):
    api_at(server)
    other, stop = serve_in_thread(media_server)
    try:
        with pytest.raises(DownloadError, match="private address"):
            fetch(f"{server}/away?to={other}/png")
    finally:
        stop()


def test_bytes_that_are_not_an_image_are_refused_whatever_the_header_says(server, api_at):
    api_at(server)
    with pytest.raises(DownloadError, match="not an image or video"):
        fetch(f"{server}/html")


def test_results_over_the_size_limit_are_refused(server, api_at):
    api_at(server)
    with pytest.raises(DownloadError, match="larger than 1 MB"):
        fetch(f"{server}/big", max_bytes=1024 * 1024)


def test_an_expired_link_says_so(server, api_at):
    api_at(server)
    with pytest.raises(DownloadError) as caught:
        fetch(f"{server}/gone")
    assert caught.value.expired


def test_a_server_that_drips_bytes_is_cut_off_at_the_overall_deadline(server, api_at, settings):
    api_at(server)
    settings.MEDIA_DOWNLOAD_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"longer than 0\.5 seconds"):
        fetch(f"{server}/drip")
    assert time.monotonic() - started < 2.5


# --- Names are looked up once, and the checked address is the one connected to -----------

PUBLIC_ADDRESS = "93.184.215.14"  # never reached: respx answers for it


class _CountingServer(socketserver.ThreadingTCPServer):
    """A loopback server that counts the connections it accepts (and answers a PNG)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.connections = 0

        class Handler(socketserver.BaseRequestHandler):
            def handle(handler):
                self.connections += 1
                handler.request.recv(65536)
                handler.request.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                    + f"Content-Length: {len(PNG)}\r\nConnection: close\r\n\r\n".encode()
                    + PNG
                )

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def loopback():
    server = _CountingServer()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def dns(monkeypatch):
    """Host names of the tests, answered from `dns.answers[name]` (a list of answers, one per
    lookup, the last repeated); other names are looked up as usual. `dns.lookups` counts."""
    real = socket.getaddrinfo

    class Resolver:
        answers: dict[str, list[str]] = {}
        lookups: dict[str, int] = {}

        @staticmethod
        def getaddrinfo(host, port, *args, **kwargs):
            host = host.decode() if isinstance(host, bytes) else host  # anyio passes bytes
            if host not in Resolver.answers:
                return real(host, port, *args, **kwargs)
            count = Resolver.lookups[host] = Resolver.lookups.get(host, 0) + 1
            address = Resolver.answers[host][min(count, len(Resolver.answers[host])) - 1]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port or 0, 0, 0) if ":" in address else (address, port or 0)
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", Resolver.getaddrinfo)
    return Resolver


def test_a_name_that_resolves_to_a_private_address_is_refused_before_connecting(loopback):
    with pytest.raises(DownloadError, match="private address"):
        fetch(f"http://localhost:{loopback.port}/a.png")
    assert loopback.connections == 0


def test_the_name_is_looked_up_once_and_the_checked_address_is_connected_to(loopback, dns):
    """DNS rebinding: the name answers a public address to the check and a loopback address
    to any later lookup. The download goes to the checked address, named in the Host header,
    and the loopback server never sees a connection."""
    dns.answers["rebind.test"] = [PUBLIC_ADDRESS, "127.0.0.1"]
    with respx.mock(assert_all_called=False) as mock:
        public = mock.get(host=PUBLIC_ADDRESS).respond(200, content=PNG)
        mock.get(host="rebind.test").pass_through()  # a second lookup: loopback
        mock.route().respond(599)  # nothing else leaves this machine
        fetched = fetch(f"http://rebind.test:{loopback.port}/a.png")
    assert fetched.file.read() == PNG
    assert loopback.connections == 0
    assert dns.lookups["rebind.test"] == 1
    request = public.calls.last.request
    assert request.url.port == loopback.port
    assert request.headers["host"] == f"rebind.test:{loopback.port}"


def test_https_keeps_the_name_for_the_certificate(dns):
    dns.answers["media.test"] = [PUBLIC_ADDRESS]
    with respx.mock(assert_all_called=False) as mock:
        public = mock.get(host=PUBLIC_ADDRESS).respond(200, content=PNG)
        fetch("https://media.test/a.png")
    request = public.calls.last.request
    assert request.url.scheme == "https"
    assert request.headers["host"] == "media.test"
    assert request.extensions["sni_hostname"] == "media.test"


def test_a_redirect_to_a_name_that_resolves_to_a_private_address_is_refused(loopback, dns):
    dns.answers["media.test"] = [PUBLIC_ADDRESS]
    with respx.mock(assert_all_called=False) as mock:
        mock.get(host=PUBLIC_ADDRESS).respond(
            302, headers={"location": f"http://localhost:{loopback.port}/a.png"}
        )
        mock.get(host="localhost").pass_through()
        mock.route().respond(599)  # nothing else leaves this machine
        with pytest.raises(DownloadError, match="private address"):
            fetch("http://media.test/a.png")
    assert loopback.connections == 0


PRIVATE_IPV6_FORMS = [
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("address", PRIVATE_IPV6_FORMS)
def test_ipv6_forms_of_private_addresses_are_refused_before_any_request(address, dns):
    dns.answers["six.test"] = [address]
    with respx.mock(assert_all_called=False) as mock:
        mock.route().respond(200, content=PNG)
        for url in (f"http://[{address}]/a.png", "http://six.test/a.png"):
            with pytest.raises(DownloadError, match="private address"):
                fetch(url)
        assert not mock.calls, "a request was sent before the address was checked"
