"""Shared fixtures: an owner, another user, the app served over real HTTP, and Chromium."""

import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn
from django.conf import settings

from playground.nexconn.client import reset_clients

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _static_files_from_source():
    """Tests serve static files from the source folders, as in development."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fresh_upstream(settings):
    """Every test starts in demo mode with an empty model cache and fresh upstream clients."""
    from django.core.cache import cache

    settings.NEXCONN_API_KEY = ""
    settings.DEMO_MODE = True
    cache.clear()
    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="charlie", password=PASSWORD)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_client(client, other_user):
    client.force_login(other_user)
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_thread(app, **config):
    """Serve an ASGI app with uvicorn on a free loopback port; returns (url, stop)."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **config
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)

    def stop():
        server.should_exit = True
        thread.join(5)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def live_app(transactional_db):
    """The whole app under uvicorn (the test client and runserver would buffer SSE)."""
    from django.core.asgi import get_asgi_application

    url, stop = serve_in_thread(get_asgi_application(), timeout_graceful_shutdown=1)
    yield url
    stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_page(page, live_app, monkeypatch):
    """A Chromium page on the live app that fails the test on any CSP violation or JS error."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # itself makes are still plain sync calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.set_default_timeout(10_000)
    page.base_url = live_app
    yield page
    assert not problems, problems


def signup_in_browser(page, username="alice"):
    page.goto(f"{page.base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{page.base_url}/")
