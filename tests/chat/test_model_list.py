"""The model list never breaks a page: an odd, empty or hanging GET /v1/models still gives
every page that offers models at once, with the built-in catalog and a notice."""

import asyncio
import threading
import time

import pytest
from django.urls import reverse

from playground.nexconn import catalog
from playground.nexconn.client import reset_clients
from tests.conftest import serve_in_thread

PAGES = ["chat:home", "compare:list"]
QUICK = 3.0  # seconds: a page that waits on a hanging list takes the read timeout (30 s)


class ModelListUpstream:
    """GET /v1/models over real HTTP, answering whatever the test sets, or nothing until
    `release` is set."""

    def __init__(self):
        self.status, self.content_type, self.body = 200, b"application/json", b'{"data": []}'
        self.hang = False
        self.release = threading.Event()
        self.requests = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        self.requests += 1
        if self.hang:
            await asyncio.to_thread(self.release.wait, 60)
        headers = [(b"content-type", self.content_type)]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})

    def answer(self, body: bytes, *, content_type: bytes = b"application/json") -> None:
        self.body, self.content_type, self.hang = body, content_type, False

    def wait_for_requests(self, count: int) -> None:
        deadline = time.monotonic() + 5
        while self.requests < count:
            assert time.monotonic() < deadline, f"{self.requests} of {count} list requests"
            time.sleep(0.02)


@pytest.fixture
def upstream(settings):
    fake = ModelListUpstream()
    url, stop = serve_in_thread(fake, timeout_graceful_shutdown=1)
    settings.NEXCONN_API_KEY = "sk-test"
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = url
    settings.NEXCONN_READ_TIMEOUT = 30
    settings.NEXCONN_MAX_RETRIES = 0
    reset_clients()
    yield fake
    fake.release.set()
    stop()


def timed_get(client, name):
    started = time.monotonic()
    response = client.get(reverse(name))
    return response, time.monotonic() - started


def page_after_the_fetch(client, name) -> str:
    """The page once the list fetch it started has ended (on two busy cores it can take
    longer than the moment a first page gives it); every page on the way is a 200."""
    deadline = time.monotonic() + 5
    while True:
        response = client.get(reverse(name))
        assert response.status_code == 200
        page = response.content.decode()
        if "still being fetched" not in page:
            return page
        assert offers_the_catalog(page)
        assert time.monotonic() < deadline, "the list fetch never ended"
        time.sleep(0.05)


def offers_the_catalog(page: str) -> bool:
    return all(f'value="{model.id}"' in page for model in catalog.CHAT_MODELS[:5])


ODD_LISTS = {
    "empty": (b'{"object": "list", "data": []}', b"application/json"),
    "models instead of data": (b'{"models": [{"id": "deepseek-v3"}]}', b"application/json"),
    "ids that are not strings": (
        b'{"data": [{"id": 5}, {"name": "deepseek-v3"}, "deepseek-v3", null]}',
        b"application/json",
    ),
    "html": (b"<html><body>Bad gateway</body></html>", b"text/html"),
    "nothing": (b"", b"application/json"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("odd", ODD_LISTS, ids=list(ODD_LISTS))
def test_an_odd_model_list_gives_the_catalog_and_a_notice(owner_client, upstream, name, odd):
    body, content_type = ODD_LISTS[odd]
    upstream.answer(body, content_type=content_type)
    page = page_after_the_fetch(owner_client, name)
    assert offers_the_catalog(page), page
    assert "could not be loaded" in page
    assert "showing the built-in list" in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_a_hanging_model_list_does_not_hold_up_the_page(owner_client, upstream, name):
    upstream.hang = True
    for _ in range(2):  # the second page does not wait for the fetch the first one started
        response, seconds = timed_get(owner_client, name)
        assert response.status_code == 200
        assert seconds < QUICK
        page = response.content.decode()
        assert offers_the_catalog(page)
        assert "still being fetched" in page
        assert "showing the built-in list" in page
    assert upstream.requests == 1  # one fetch at a time


@pytest.mark.django_db
def test_a_stale_copy_is_served_at_once_and_refreshed_behind_the_page(
    owner_client, upstream, settings
):
    upstream.answer(b'{"data": [{"id": "deepseek-v3"}, {"id": "brand-new-model"}]}')
    first = page_after_the_fetch(owner_client, "chat:home")
    assert 'value="brand-new-model"' in first
    assert "showing the built-in list" not in first

    settings.NEXCONN_MODELS_CACHE_SECONDS = 0  # the copy is stale from now on
    upstream.hang = True
    response, seconds = timed_get(owner_client, "chat:home")
    assert seconds < QUICK
    assert 'value="brand-new-model"' in response.content.decode()  # the old copy, at once
    upstream.wait_for_requests(2)  # ...while the list is asked for again, behind the page

    upstream.answer(b'{"data": [{"id": "deepseek-v3"}, {"id": "newer-model"}]}')
    upstream.release.set()
    deadline = time.monotonic() + 5
    while 'value="newer-model"' not in owner_client.get(reverse("chat:home")).content.decode():
        assert time.monotonic() < deadline, "the refreshed list never showed"
        time.sleep(0.05)


@pytest.mark.django_db
def test_a_failed_refresh_keeps_the_last_good_copy(owner_client, upstream, settings):
    upstream.answer(b'{"data": [{"id": "deepseek-v3"}, {"id": "brand-new-model"}]}')
    page_after_the_fetch(owner_client, "chat:home")
    settings.NEXCONN_MODELS_CACHE_SECONDS = 0
    upstream.answer(b"<html>oops</html>", content_type=b"text/html")
    owner_client.get(reverse("chat:home"))  # starts the refresh that fails
    upstream.wait_for_requests(2)
    deadline = time.monotonic() + 5
    while "could not be refreshed" not in (page := page_after_the_fetch(owner_client, "chat:home")):
        assert time.monotonic() < deadline, "the failed refresh never showed"
        time.sleep(0.05)
    assert 'value="brand-new-model"' in page
