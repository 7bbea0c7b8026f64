"""The app as it is served: Django's own ASGI handler and middleware under uvicorn. Streams
held open leave room for pages, and the security middleware named in settings does its work
over HTTP."""

import asyncio
import re

import httpx
import pytest
from django.test import Client

from playground.teams.services import team_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# More than the PostgreSQL pool holds (DATABASE_POOL_MAX_SIZE, 10): were a stream to keep its
# connection, the eleventh would wait for one until the pool's timeout.
OPEN_STREAMS = 30


def session_of(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def test_pages_still_answer_while_many_streams_are_held_open(live_app, owner):
    """Each open stream read the session and the user, then let go of its database
    connection: pages and new streams keep coming while all of them wait."""
    cookies = session_of(owner)

    async def scenario():
        async with httpx.AsyncClient(base_url=live_app, cookies=cookies, timeout=10) as client:
            streams = []
            for index in range(OPEN_STREAMS):
                page_id = f"crowded-page-{index:04d}-0123456789"
                stream = client.stream("GET", f"/pages/{page_id}/events/")
                response = await stream.__aenter__()
                assert response.status_code == 200
                chunks = response.aiter_text()  # kept: dropping it would close the stream
                assert "event: ready" in await anext(chunks)
                streams.append((stream, chunks))
            pages = await asyncio.gather(*(client.get("/") for _ in range(10)))
            for stream, _ in streams:
                await stream.__aexit__(None, None, None)
            return pages

    pages = asyncio.run(scenario())
    assert [page.status_code for page in pages] == [200] * 10
    assert all(owner.username in page.text for page in pages)  # signed in, each of them


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_served_app_sends_its_security_headers_and_cookies(live_app, owner):
    with httpx.Client(base_url=live_app) as browser:
        login = browser.get("/accounts/login/")
        assert login.headers["X-Frame-Options"] == "DENY"
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert login.headers["Referrer-Policy"] == "same-origin"
        assert login.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "script-src 'self' 'nonce-" in login.headers["Content-Security-Policy"]
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


def test_a_page_needs_a_login_and_a_static_file_does_not(live_app):
    with httpx.Client(base_url=live_app) as browser:
        page = browser.get("/")
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/accounts/login/")
        script = browser.get("/static/js/app.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["Content-Type"]


def test_a_notice_left_by_one_request_shows_on_the_next(live_app, owner):
    team = team_create(user=owner, name="Short-lived")
    with httpx.Client(base_url=live_app, cookies=session_of(owner)) as browser:
        token = _csrf_token(browser.get(f"/teams/{team.pk}/").text)
        deleted = browser.post(f"/teams/{team.pk}/delete/", data={"csrfmiddlewaretoken": token})
        assert deleted.status_code == 302
        assert "Deleted the team “Short-lived”." in browser.get(deleted.headers["Location"]).text
