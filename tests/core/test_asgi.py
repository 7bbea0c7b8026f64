"""The app under uvicorn: requests' sync code runs on a few shared threads, which keep their
database connections, so a crowd of requests neither starts a thread nor opens a connection
for each one."""

import asyncio
import re
import threading

import httpx
import pytest
from django.conf import settings
from django.db.backends.signals import connection_created
from django.test import Client

from playground.teams.services import team_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connections_opened():
    """The names of the threads that opened a database connection, in order."""
    opened = []

    def record(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    connection_created.connect(record)
    yield opened
    connection_created.disconnect(record)


def session_of(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def test_a_crowd_of_requests_shares_a_few_threads_and_their_connections(
    live_app, owner, connections_opened
):
    cookies = session_of(owner)

    async def crowd(count: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_app, cookies=cookies) as client:
            return await asyncio.gather(*(client.get("/") for _ in range(count)))

    for _ in range(3):
        pages = asyncio.run(crowd(40))
        assert [page.status_code for page in pages] == [200] * 40
        assert all(owner.username in page.text for page in pages)  # signed in, each of them

    # 120 requests, each reading the session and the user: one connection per thread.
    by_the_server = [name for name in connections_opened if name != threading.current_thread().name]
    assert 1 <= len(by_the_server) <= settings.REQUEST_THREADS
    assert len(set(by_the_server)) == len(by_the_server)


def test_open_streams_hold_no_thread_so_other_requests_still_get_through(live_app, owner):
    cookies = session_of(owner)

    async def scenario():
        async with httpx.AsyncClient(base_url=live_app, cookies=cookies, timeout=10) as client:
            streams = []
            for index in range(settings.REQUEST_THREADS * 3):  # more than there are threads
                page_id = f"crowded-page-{index:04d}-0123456789"
                stream = client.stream("GET", f"/pages/{page_id}/events/")
                response = await stream.__aenter__()
                assert response.status_code == 200
                assert "event: ready" in await anext(response.aiter_text())
                streams.append(stream)
            page = await client.get("/")  # while every one of them is still open
            for stream in streams:
                await stream.__aexit__(None, None, None)
            return page

    assert asyncio.run(scenario()).status_code == 200


# Security, sessions, CSRF and X-Frame-Options run in the event loop under the project's
# handler (the test client uses Django's own classes): the same behaviour, over HTTP.


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_served_app_sends_its_security_headers_and_cookies(live_app, owner):
    with httpx.Client(base_url=live_app) as browser:
        login = browser.get("/accounts/login/")
        assert login.headers["X-Frame-Options"] == "DENY"
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert login.headers["Referrer-Policy"] == "same-origin"
        assert login.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "csrftoken" in browser.cookies
        form = {"username": owner.username, "password": PASSWORD}
        signed_in = browser.post(
            "/accounts/login/", data={**form, "csrfmiddlewaretoken": _csrf_token(login.text)}
        )
        assert signed_in.status_code == 302, "the session was saved and the login went through"
        assert "sessionid" in browser.cookies
        assert browser.get("/").status_code == 200


def test_the_served_app_refuses_a_form_without_its_csrf_token(live_app, owner):
    with httpx.Client(base_url=live_app, cookies=session_of(owner)) as browser:
        token = _csrf_token(browser.get("/teams/").text)
        refused = browser.post("/teams/new/", data={"name": "No token"})
        assert refused.status_code == 403
        made = browser.post("/teams/new/", data={"name": "Team A", "csrfmiddlewaretoken": token})
        assert made.status_code == 302


def test_a_notice_left_by_one_request_shows_on_the_next(live_app, owner):
    team = team_create(user=owner, name="Short-lived")
    with httpx.Client(base_url=live_app, cookies=session_of(owner)) as browser:
        token = _csrf_token(browser.get(f"/teams/{team.pk}/").text)
        deleted = browser.post(f"/teams/{team.pk}/delete/", data={"csrfmiddlewaretoken": token})
        assert deleted.status_code == 302
        assert "Deleted the team “Short-lived”." in browser.get(deleted.headers["Location"]).text
