"""Shared fixtures: an administrator (root), a team owned by alice (`owner`) with bob
(`member`), charlie (`other_user`) outside it, the app served over real HTTP, and Chromium."""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from django.conf import settings
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from playground.chat.runs import release_db_connection
from playground.nexconn.client import reset_clients
from playground.teams import services as team_services

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _static_files_from_source():
    """Tests serve static files from the source folders, as in development."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SERVESTATIC_USE_FINDERS = True
    settings.SERVESTATIC_AUTOREFRESH = True


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Django's default hasher takes most of a second per password on purpose; tests create
    and log in many users, so they use a fast one (Django's testing docs advise it). No
    test is about the hashing itself."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A run that was killed can leave SQLite's WAL files beside the test database; a new
    database file next to an old WAL file reads as a disk I/O error."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        for leftover in ("-wal", "-shm"):
            Path(f"{database['TEST']['NAME']}{leftover}").unlink(missing_ok=True)


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
    release_db_connection()  # the test database is flushed or dropped next


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="charlie", password=PASSWORD)


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="root", password=PASSWORD)


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="bob", password=PASSWORD)


@pytest.fixture
def team(owner, member):
    team = team_services.team_create(user=owner, name="Model reviewers")
    team_services.member_add(team=team, by=owner, username=member.username)
    return team


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
    """The whole app under uvicorn (the test client and runserver would buffer SSE), as
    playground/asgi.py serves it. Each request closes its own database connection as it ends."""
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
def _sync_orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in the test thread, so Django takes
    the test's own (sync) database calls, such as flushing the test database, for async ones."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def browser_page(_sync_orm_beside_playwright, live_app, page):
    """A Chromium page on the live app that fails the test on any CSP violation or JS error."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message):
        # A refused form (4xx) is logged by the browser too; responses are checked below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 500 or response.status == 404:
            problems.append(f"HTTP {response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.set_default_timeout(10_000)
    page.base_url = live_app
    page.expected_problems = []  # substrings of problems a test brings about on purpose
    yield page
    unexpected = [p for p in problems if not any(e in p for e in page.expected_problems)]
    assert not unexpected, unexpected


def signup_in_browser(page, username="alice"):
    page.goto(f"{page.base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{page.base_url}/")


# --- the task worker (studio jobs), run inside the test process -------------------------


def _worker(**options) -> Worker:
    return Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        **options,
    )


@pytest.fixture
def run_tasks():
    """Run due tasks until `done()` holds (jobs re-enqueue their polls a little later)."""

    def run(done, *, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while True:
            _worker(interval=0, batch=True).run()
            if done():
                return
            if time.monotonic() > deadline:
                raise AssertionError("the jobs did not finish in time")
            time.sleep(0.05)

    return run


@pytest.fixture
def worker_thread(transactional_db):
    """A worker running in the background, as `make run` starts one beside the server."""
    from django.db import connections

    worker = _worker(interval=0.05, batch=False)

    def work():
        try:
            worker.run()
        finally:
            connections.close_all()  # the test database is flushed or dropped next

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(10)


class HeldRequests:
    """The browser's requests whose URL holds `fragment`, held until `release()`: a slow
    network, made exact. Playwright hands them over while the test waits on the page."""

    def __init__(self, page, fragment: str):
        self.page = page
        self.fragment = fragment
        self.routes = []
        page.route(self._matches, self._hold)

    def _matches(self, url: str) -> bool:
        return self.fragment in url

    def _hold(self, route) -> None:
        self.routes.append(route)

    def wait_for(self, count: int, *, seconds: float = 10.0) -> None:
        for _ in range(int(seconds / 0.02)):
            if len(self.routes) >= count:
                return
            self.page.wait_for_timeout(20)
        raise AssertionError(f"{len(self.routes)} of {count} requests to {self.fragment} came")

    def release(self, *, redrawn: str) -> None:
        """Answer the held requests in the order they were made, stop holding, and wait until
        the element `redrawn` (a CSS selector) has been replaced and htmx has no request left
        in flight."""
        self.page.locator(redrawn).evaluate("element => { element.dataset.stale = 'yes' }")
        answers = [(route, route.fetch()) for route in self.routes]
        for route, answer in answers:
            route.fulfill(response=answer)
        self.page.unroute(self._matches)
        expect(self.page.locator(f"{redrawn}:not([data-stale])")).to_be_attached()
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')")


def fresh_page(browser):
    """Another person's browser: no cookies shared with the administrator's page. Like
    browser_page, it collects script errors (a refused page's status is checked apart)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", on_console)
    return context, page, problems
