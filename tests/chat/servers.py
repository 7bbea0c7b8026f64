"""The app served by real uvicorn processes on the test database, for tests that kill or
multiply server processes."""

import os
import secrets
import socket
import subprocess
import sys
import time

import httpx
from django.conf import settings
from django.test import Client

from playground.nexconn.sse import SSEEvent, SSEParser


def _database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def start_server(**extra_env: str) -> tuple[subprocess.Popen, str]:
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
        **extra_env,
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
    """One run's events on the stream of a page that shows it (opened now: it starts from a
    snapshot), until its `done`; named without the run's id, as tests/chat/streaming.py."""
    parser, events, suffix = SSEParser(), [], f"-{run_id}"
    url = f"/pages/{secrets.token_urlsafe(18)}/events/?run={run_id}"
    with http.stream("GET", url, timeout=30) as response:
        for chunk in response.iter_bytes():
            for event in parser.feed(chunk):
                if event.event and event.event.endswith(suffix):
                    name = event.event.removesuffix(suffix)
                    events.append(SSEEvent(event=name, data=event.data, id=event.id))
                    if name == "done":
                        return events
    return events
