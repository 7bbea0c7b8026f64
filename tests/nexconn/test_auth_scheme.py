"""The Authorization form is a setting (NEXCONN_AUTH_SCHEME); the simulator takes only the
configured form, the model list tries the other one once on a 401, and the page header says
which one works."""

import asyncio
import time

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from playground.chat.models import Run
from playground.nexconn import files as files_api
from playground.nexconn.client import client_from_settings, reset_clients
from playground.nexconn.media.catalog import media_model
from playground.nexconn.media.jobs import submit
from playground.simulator.app import Simulator
from tests.chat.streaming import open_events, read_all, send_message
from tests.conftest import serve_in_thread

KEY = "sk-auth-scheme-test-0123456789"


class AuthorizationRecorder:
    """In front of an ASGI app: the Authorization header each request arrived with."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            value = dict(scope["headers"]).get(b"authorization")
            self.seen.append((scope["path"], value.decode("latin-1") if value else None))
        await self.app(scope, receive, send)


def simulator_answers(scheme: str, authorization: dict[str, str]) -> int:
    async def call():
        transport = httpx.ASGITransport(app=Simulator(auth_scheme=scheme))
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            return (await client.get("/v1/models", headers=authorization)).status_code

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("scheme", "accepted", "refused"),
    [("bearer", f"Bearer {KEY}", KEY), ("bare", KEY, f"Bearer {KEY}")],
)
def test_the_simulator_takes_only_the_configured_form(scheme, accepted, refused):
    assert simulator_answers(scheme, {"Authorization": accepted}) == 200
    assert simulator_answers(scheme, {"Authorization": refused}) == 401
    assert simulator_answers(scheme, {"x-api-key": KEY}) == 200  # the Anthropic SDK's header


def test_the_simulator_follows_the_environment(monkeypatch):
    monkeypatch.setenv("NEXCONN_AUTH_SCHEME", "bare")  # demo mode: the app's own setting
    assert simulator_answers(None, {"Authorization": KEY}) == 200
    assert simulator_answers(None, {"Authorization": f"Bearer {KEY}"}) == 401
    monkeypatch.setenv("SIMULATOR_AUTH_SCHEME", "bearer")  # the simulator's own knob wins
    assert simulator_answers(None, {"Authorization": f"Bearer {KEY}"}) == 200


@pytest.fixture
def upstream(settings):
    """The app with a key, talking over real HTTP to a simulator that takes only the bare
    key (the form Nexconn's own pages show)."""
    recorder = AuthorizationRecorder(Simulator(auth_scheme="bare", token_rate=0))
    url, stop = serve_in_thread(recorder)
    settings.NEXCONN_API_KEY = KEY
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = url
    settings.NEXCONN_MAX_RETRIES = 0
    reset_clients()
    yield recorder
    stop()


def ask(owner, text):
    async def scenario():
        client = AsyncClient()
        await client.aforce_login(owner)
        _, run_id = await send_message(client, text)
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = async_to_sync(scenario)()
    return Run.objects.get(pk=run_id), events


def home_once_the_list_is_read(client) -> str:
    deadline = time.monotonic() + 5
    while "still being fetched" in (page := client.get(reverse("chat:home")).content.decode()):
        assert time.monotonic() < deadline, "the model list was never read"
        time.sleep(0.05)
    return page


@pytest.mark.django_db(transaction=True)
def test_every_upstream_call_sends_the_configured_form(owner, upstream, settings):
    settings.NEXCONN_AUTH_SCHEME = "bare"
    run, _ = ask(owner, "Hello [sim tokens=3]")
    assert run.status == Run.Status.DONE, run.error_message

    async def files_and_media():
        client = client_from_settings()
        try:
            await files_api.create_file(
                client, source_url="https://example.com/a.pdf", model="gemini-3.0-pro-preview"
            )
            model = media_model("kling-v2-1", kind="image")
            params = {"aspect_ratio": "1:1", "n": 1}
            await submit(client, model=model, mode="text", prompt="a cat", params=params, inputs={})
        finally:
            await client.aclose()

    async_to_sync(files_and_media)()
    paths = {path for path, _ in upstream.seen}
    assert {"/v1/chat/completions", "/v1/files", "/v1/images/generations"} <= paths
    assert {authorization for _, authorization in upstream.seen} == {KEY}


@pytest.mark.django_db(transaction=True)
def test_a_mismatch_is_found_by_the_model_list_and_named_in_the_header(
    owner, owner_client, upstream, settings
):
    settings.NEXCONN_AUTH_SCHEME = "bearer"
    page = home_once_the_list_is_read(owner_client)
    assert "could not be loaded" not in page
    assert "set NEXCONN_AUTH_SCHEME=bare" in page
    assert upstream.seen[:2] == [("/v1/models", f"Bearer {KEY}"), ("/v1/models", KEY)]

    # From then on, this process sends the form that works.
    run, _ = ask(owner, "Hello [sim tokens=3]")
    assert run.status == Run.Status.DONE, run.error_message
    assert upstream.seen[-1] == ("/v1/chat/completions", KEY)
    # Other pages say it too.
    assert "set NEXCONN_AUTH_SCHEME=bare" in owner_client.get(reverse("files:files")).text


@pytest.mark.django_db(transaction=True)
def test_the_configured_form_that_works_is_not_flagged(owner_client, upstream, settings):
    settings.NEXCONN_AUTH_SCHEME = "bare"
    page = home_once_the_list_is_read(owner_client)
    assert "NEXCONN_AUTH_SCHEME" not in page
    assert upstream.seen == [("/v1/models", KEY)]


async def refuses_every_key(scope, receive, send):
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"error": {"message": "bad key"}}'})


@pytest.mark.django_db(transaction=True)
def test_a_key_refused_in_both_forms_is_said_in_the_header(owner_client, settings):
    recorder = AuthorizationRecorder(refuses_every_key)
    url, stop = serve_in_thread(recorder)
    settings.NEXCONN_API_KEY, settings.DEMO_MODE, settings.NEXCONN_BASE_URL = KEY, False, url
    reset_clients()
    try:
        page = home_once_the_list_is_read(owner_client)
    finally:
        stop()
    assert "refused in both forms" in page
    assert "rejected the API key (401)" in page  # the model list's notice
    assert [authorization for _, authorization in recorder.seen] == [f"Bearer {KEY}", KEY]


@pytest.mark.django_db(transaction=True)
def test_demo_mode_accepts_the_configured_form(owner, settings, monkeypatch):
    monkeypatch.setenv("NEXCONN_AUTH_SCHEME", "bare")  # as settings.py reads it, from .env too
    settings.NEXCONN_AUTH_SCHEME = "bare"
    run, _ = ask(owner, "Hello [sim tokens=3]")
    assert run.status == Run.Status.DONE, run.error_message
