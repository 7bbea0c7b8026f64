"""A server killed mid-answer (SIGKILL) leaves the answer interrupted with the text up to
the last batch write; after a restart the page says so and Retry works."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings
from django.test import Client

from playground.chat.models import Message, Run
from playground.nexconn.sse import SSEParser
from tests.chat.streaming import RUN_URL

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def start_server() -> tuple[subprocess.Popen, str]:
    """The app in its own process, on the test database, as in production."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true",  # static files from the source folders, no collectstatic needed
        "ALLOWED_HOSTS": "127.0.0.1",
        "NEXCONN_API_KEY": "",
        "RUN_FLUSH_INTERVAL_SECONDS": "0.3",
        "REDIS_URL": "",
    }
    command = [sys.executable, "-m", "uvicorn", "playground.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own server
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.1)


def logged_in_http(owner, url) -> httpx.Client:
    django_client = Client()
    django_client.force_login(owner)
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    http = httpx.Client(base_url=url, cookies={settings.SESSION_COOKIE_NAME: session})
    page = http.get("/")  # sets the CSRF cookie
    assert page.status_code == 200, (page.status_code, page.headers, _database_url())
    http.headers.update({"X-CSRFToken": http.cookies["csrftoken"], "HX-Request": "true"})
    return http


def read_events(http: httpx.Client, run_id: int) -> list:
    parser, events = SSEParser(), []
    with http.stream("GET", f"/runs/{run_id}/events/", timeout=30) as response:
        for chunk in response.iter_bytes():
            events.extend(parser.feed(chunk))
    return events


def test_a_killed_server_leaves_the_answer_interrupted_and_retry_works(owner):
    first, url = start_server()
    try:
        http = logged_in_http(owner, url)
        form = {"text": "Long [sim tokens=100 rate=40]", "model": "deepseek-v3"}
        sent = http.post("/send/", data=form)
        run_id = int(RUN_URL.search(sent.content).group(1))
        message = Message.objects.get(run__pk=run_id)
        deadline = time.monotonic() + 10
        while not Message.objects.get(pk=message.pk).content and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    saved = Message.objects.get(pk=message.pk).content
    assert saved, "some batch writes happened before the kill"
    assert Run.objects.get(pk=run_id).status == Run.Status.STREAMING

    second, url = start_server()
    try:
        http = logged_in_http(owner, url)
        events = read_events(http, run_id)
        assert events[-1].event == "done"
        assert "restarted" in events[-1].data
        run = Run.objects.select_related("message").get(pk=run_id)
        assert run.status == Run.Status.INTERRUPTED
        assert run.message.content == saved, "the text up to the last batch write is kept"
        page = http.get(f"/c/{run.message.conversation_id}/")
        assert "Retry" in page.text and "restarted" in page.text

        retry = http.post(f"/runs/{run_id}/retry/")
        new_run_id = int(RUN_URL.search(retry.content).group(1))
        read_events(http, new_run_id)
        new_run = Run.objects.select_related("message").get(pk=new_run_id)
        assert new_run.status == Run.Status.DONE and new_run.message.content
    finally:
        second.terminate()
        second.wait(5)
