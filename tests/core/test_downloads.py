"""Result downloads: only http(s), only public addresses (or the configured API itself),
only images and videos, and never more than the size limit."""

import asyncio

import pytest

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
