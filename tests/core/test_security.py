"""The security model: strict CSP with nonces, CSRF on every POST, a clean
`check --deploy`, and the API key never reaching the browser or the logs."""

import logging
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import respx
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.test import AsyncClient, Client
from django.urls import reverse

import playground.simulator.app as simulator
from playground.chat.models import Conversation, Message, Run
from playground.nexconn.client import reset_clients
from playground.nexconn.sse import SSEEvent, SSEParser
from tests.chat.streaming import RUN_ON_PAGE, page_events_url, send_message
from tests.conftest import serve_in_thread

BASE_DIR = Path(django_settings.BASE_DIR)


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.demo_badges = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if "badge--demo" in (attrs.get("class") or "").split():
            self.demo_badges += 1


def parse_page(response) -> _Scripts:
    parser = _Scripts()
    parser.feed(response.content.decode())
    parser.close()
    return parser


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def script_nonce(response) -> str:
    nonces = [
        value.removeprefix("'nonce-").removesuffix("'")
        for value in csp_directives(response)["script-src"]
        if value.startswith("'nonce-")
    ]
    assert len(nonces) == 1, response.headers["Content-Security-Policy"]
    return nonces[0]


# --- Content-Security-Policy ------------------------------------------------------------


@pytest.fixture
def conversation(owner):
    conversation = Conversation.objects.create(owner=owner, title="Plans", model="deepseek-v3")
    Message.objects.create(conversation=conversation, role="user", content="hello")
    answer = Message.objects.create(conversation=conversation, role="assistant", content="**hi**")
    Run.objects.create(message=answer, model="deepseek-v3", status=Run.Status.DONE)
    return conversation


def _logged_in_pages(conversation) -> list[str]:
    pk = conversation.pk
    return [
        reverse("chat:home"),
        reverse("chat:conversation", args=[pk]),
        reverse("chat:conversation-list"),
        reverse("chat:conversation-rename", args=[pk]),
        reverse("chat:conversation-delete", args=[pk]),
        reverse("password_change"),
        reverse("password_change_done"),
    ]


def _assert_strict_csp_with_matching_nonce(response, url):
    assert "Content-Security-Policy" in response.headers, url
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy, url
    assert "'unsafe-eval'" not in policy, url
    directives = csp_directives(response)
    assert "'self'" in directives["script-src"], url
    assert directives["object-src"] == ["'none'"], url
    nonce = script_nonce(response)
    assert len(nonce) >= 16, url
    scripts = parse_page(response).scripts
    assert scripts, f"{url} has no scripts: the page would not work"
    for script in scripts:
        assert script.get("nonce") == nonce, (url, script)
    return nonce


@pytest.mark.django_db
def test_every_logged_in_page_has_a_strict_csp_whose_nonce_is_on_its_scripts(
    owner_client, conversation
):
    for url in _logged_in_pages(conversation):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        _assert_strict_csp_with_matching_nonce(response, url)


@pytest.mark.django_db
def test_login_and_signup_pages_have_a_strict_csp_whose_nonce_is_on_their_scripts(client):
    for url in (reverse("login"), reverse("signup")):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_strict_csp_with_matching_nonce(response, url)


@pytest.mark.django_db
def test_error_pages_also_carry_the_policy(owner_client):
    response = owner_client.get(reverse("chat:conversation", args=[999999]))
    assert response.status_code == 404
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce(owner_client, conversation):
    conversation_url = reverse("chat:conversation", args=[conversation.pk])
    urls = [reverse("chat:home"), reverse("chat:home"), conversation_url, conversation_url]
    nonces = [script_nonce(owner_client.get(url)) for url in urls]
    assert len(set(nonces)) == len(nonces)


# --- CSRF -------------------------------------------------------------------------------

CSRF_HEADER = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'")


def _page_csrf_token(response) -> str:
    """The token the page hands htmx, exactly as the browser would send it."""
    match = CSRF_HEADER.search(response.content.decode())
    assert match, "the page must give htmx the CSRF token"
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_sending_a_message_without_the_csrf_token_is_refused(owner):
    async def scenario():
        client = AsyncClient(enforce_csrf_checks=True)
        await client.aforce_login(owner)
        await client.get(reverse("chat:home"))  # the page sets the CSRF cookie
        return await client.post(
            reverse("chat:send"),
            {"text": "no token [sim rate=0]", "model": "deepseek-v3"},
            headers={"HX-Request": "true"},
        )

    response = async_to_sync(scenario)()
    assert response.status_code == 403
    assert not Message.objects.exists(), "a refused post must store nothing"


@pytest.mark.django_db(transaction=True)
def test_sending_a_message_with_the_pages_csrf_token_works(owner):
    async def scenario():
        client = AsyncClient(enforce_csrf_checks=True)
        await client.aforce_login(owner)
        token = _page_csrf_token(await client.get(reverse("chat:home")))
        response = await client.post(
            reverse("chat:send"),
            {"text": "with token [sim rate=0 tokens=5]", "model": "deepseek-v3"},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        run_id = int(RUN_ON_PAGE.search(response.content).group(1))
        events = await _read_sse(await client.get(page_events_url(run_id)))
        return response, events

    response, (_, events) = async_to_sync(scenario)()
    assert response.status_code == 200
    assert events[-1].event == "done"
    assert Message.objects.filter(role="user", content__startswith="with token").exists()


@pytest.mark.django_db
def test_renaming_without_the_csrf_token_is_refused_and_with_it_works(owner, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("chat:conversation-rename", args=[conversation.pk])
    token = _page_csrf_token(client.get(url))

    refused = client.post(url, {"title": "Hijacked"})
    assert refused.status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "Plans"

    wrong = client.post(url, {"title": "Hijacked"}, headers={"X-CSRFToken": "x" * 64})
    assert wrong.status_code == 403

    accepted = client.post(url, {"title": "Renamed"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 302
    conversation.refresh_from_db()
    assert conversation.title == "Renamed"


@pytest.mark.django_db
def test_renaming_with_the_form_field_token_works(owner, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("chat:conversation-rename", args=[conversation.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url, {"title": "Via form", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.title == "Via form"


# --- check --deploy ---------------------------------------------------------------------


def _env_example() -> dict[str, str]:
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "playground.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}


def _check_deploy(overrides: dict[str, str]) -> subprocess.CompletedProcess:
    # Every variable .env.example documents is set explicitly, so a developer's .env (read
    # with overwrite=False) cannot change the outcome.
    env = {**os.environ, **_env_example(), **overrides}
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = _check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr


def test_check_deploy_flags_the_development_defaults():
    """The same check fails without the HTTPS settings, so the clean run above means something."""
    result = _check_deploy({"DEBUG": "false"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output, output


# --- The API key ------------------------------------------------------------------------

SECRET = "sk-live-SECRET123"
SECRET_PARTS = (SECRET, SECRET.removeprefix("sk-"), "SECRET123")


class _AuthorizationRecorder:
    """In front of the simulator: notes the Authorization header each request arrived with."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            authorization = headers.get(b"authorization")
            self.seen.append(
                (scope["path"], authorization.decode("latin-1") if authorization else None)
            )
        await self.app(scope, receive, send)


async def _read_sse(response):
    """A page's stream as it came, until an answer on it is done, and its events with the
    run's id taken off their names (`done-12` is `done`)."""
    raw = b""
    async for chunk in response.streaming_content:
        raw += chunk
        if b"event: done-" in raw:
            break
    await response.streaming_content.aclose()
    parser = SSEParser()
    events = [
        SSEEvent(event=re.sub(r"-\d+$", "", event.event or ""), data=event.data, id=event.id)
        for event in parser.feed(raw) + parser.close()
    ]
    return raw, events


def _leaks(text: str) -> list[str]:
    return [part for part in SECRET_PARTS if part in text]


def _response_text(response, body: bytes | None = None) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    cookies = response.cookies.output()
    content = body if body is not None else response.content
    return f"{response.status_code}\n{headers}\n{cookies}\n\n{content.decode('utf-8', 'replace')}"


@pytest.fixture
def upstream_with_key(settings, request):
    """The app configured with a real-looking key, talking to the simulator over real HTTP."""
    recorder = _AuthorizationRecorder(simulator.application)
    simulator.application.reset()
    url, stop = serve_in_thread(recorder)
    settings.NEXCONN_API_KEY = request.param
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = url
    settings.NEXCONN_MAX_RETRIES = 1  # the 500 is retried once: a retry sends the key again
    reset_clients()
    yield recorder
    stop()
    simulator.application.reset()


@pytest.fixture
def capture_every_logger(caplog):
    """DEBUG for every logger, including those configured quieter or not propagating."""
    caplog.set_level(logging.DEBUG)
    names = ["httpx", "httpcore", "django", "asyncio", "uvicorn", "uvicorn.error", "playground"]
    names += list(logging.root.manager.loggerDict)
    detached = []
    for name in dict.fromkeys(names):
        caplog.set_level(logging.DEBUG, logger=name)
        logger = logging.getLogger(name)
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
            detached.append(logger)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "upstream_with_key", [SECRET, f"Bearer {SECRET}"], indirect=True, ids=["bare", "bearer"]
)
def test_api_key_never_reaches_pages_responses_or_logs(
    owner, upstream_with_key, capture_every_logger
):
    caplog = capture_every_logger
    seen: list[str] = []

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(owner)
        home = await client.get(reverse("chat:home"))
        seen.append(_response_text(home))
        answers = {}
        conversation_id = None
        for label, text in [
            ("normal", "Tell me about tides [sim rate=0 tokens=30]"),
            ("401", "Again [sim error=401]"),
            ("500", "Once more [sim error=500]"),
        ]:
            response, run_id = await send_message(client, text, conversation_id=conversation_id)
            seen.append(_response_text(response))
            if conversation_id is None:
                conversation_id = int(response["HX-Push-Url"].strip("/").split("/")[-1])
            events_response = await client.get(page_events_url(run_id))
            raw, events = await _read_sse(events_response)
            seen.append(_response_text(events_response, raw))
            answers[label] = events
        page = await client.get(reverse("chat:conversation", args=[conversation_id]))
        seen.append(_response_text(page))
        listing = await client.get(reverse("chat:conversation-list"))
        seen.append(_response_text(listing))
        return home, answers, page

    home, answers, page = async_to_sync(scenario)()

    # The flows really ran against the upstream with the key...
    assert parse_page(home).demo_badges == 0, "with a key set, the page is not in demo mode"
    assert b"could not be loaded" not in home.content
    assert answers["normal"][-1].event == "done"
    assert "tides" in answers["normal"][-1].data or "30 out" in answers["normal"][-1].data
    statuses = sorted(Run.objects.values_list("status", "error_kind", "output_tokens"))
    assert statuses == [("done", "", 30), ("failed", "auth", None), ("failed", "upstream", None)]
    assert "rejected the API key (401)" in page.content.decode()
    assert "had a problem (500)" in page.content.decode()

    # ...which received exactly "Bearer <key>", whichever way the key was configured.
    paths = [path for path, _ in upstream_with_key.seen]
    assert "/v1/models" in paths and paths.count("/v1/chat/completions") == 4  # 1 + 1 + 2
    assert {auth for _, auth in upstream_with_key.seen} == {f"Bearer {SECRET}"}

    # Nothing the browser got contains the key.
    for text in seen:
        assert not _leaks(text), text[:2000]

    # No log line either, even at DEBUG (and the logs were captured: the failures are there).
    assert any("failed" in r.getMessage() and "auth" in r.getMessage() for r in caplog.records)
    assert any(r.name.startswith("httpx") for r in caplog.records), "httpx logs were captured"
    for record in caplog.records:
        line = caplog.handler.format(record)
        assert not _leaks(line), line
        assert not _leaks(repr(record.args)), record
    assert not _leaks(caplog.text)


@pytest.mark.django_db
def test_page_header_shows_demo_mode_only_without_a_key(owner_client, settings):
    demo = owner_client.get(reverse("chat:home"))
    assert parse_page(demo).demo_badges == 1
    assert "Demo mode" in demo.content.decode()

    recorder = _AuthorizationRecorder(simulator.application)
    url, stop = serve_in_thread(recorder)
    try:
        settings.NEXCONN_API_KEY = SECRET
        settings.DEMO_MODE = False
        settings.NEXCONN_BASE_URL = url
        reset_clients()
        live = owner_client.get(reverse("chat:home"))
    finally:
        stop()
    assert live.status_code == 200
    assert parse_page(live).demo_badges == 0
    assert "Demo mode" not in live.content.decode()
    assert not _leaks(live.content.decode())


# --- An upstream that echoes the key back -------------------------------------------------


def _echoing_upstream(mock: respx.MockRouter, chat_response: httpx.Response) -> None:
    mock.get("https://upstream.test/v1/models").respond(
        200, json={"object": "list", "data": [{"id": "deepseek-v3", "object": "model"}]}
    )
    mock.post("https://upstream.test/v1/chat/completions").mock(return_value=chat_response)


def _key_echo_scenario(owner, chat_response):
    async def scenario():
        client = AsyncClient()
        await client.aforce_login(owner)
        # `using="httpx"`: in front of whatever transport the client has.
        with respx.mock(assert_all_called=False, using="httpx") as mock:
            _echoing_upstream(mock, chat_response)
            response, run_id = await send_message(client, "Hello")
            events_response = await client.get(page_events_url(run_id))
            raw, _events = await _read_sse(events_response)
            conversation_id = int(response["HX-Push-Url"].strip("/").split("/")[-1])
            page = await client.get(reverse("chat:conversation", args=[conversation_id]))
        return raw, page

    return async_to_sync(scenario)()


@pytest.fixture
def key_for_echoing_upstream(settings):
    settings.NEXCONN_API_KEY = SECRET
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = "https://upstream.test"
    settings.NEXCONN_MAX_RETRIES = 0
    reset_clients()


@pytest.mark.django_db(transaction=True)
def test_a_key_echoed_in_an_upstream_error_body_is_redacted(owner, key_for_echoing_upstream):
    rejected = httpx.Response(
        400,
        json={"error": {"message": f"Invalid key {SECRET} for this model", "type": "x"}},
    )
    raw, page = _key_echo_scenario(owner, rejected)
    assert "The request was rejected (400)" in page.content.decode()
    assert not _leaks(raw.decode()), raw
    assert not _leaks(page.content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_key_echoed_in_a_mid_stream_error_is_redacted(owner, key_for_echoing_upstream):
    stream = (
        b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-v3",'
        b'"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
        b'data: {"error": {"message": "Key ' + SECRET.encode() + b' was revoked"}}\n\n'
    )
    broken = httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"})
    raw, page = _key_echo_scenario(owner, broken)
    assert "The model stopped with an error" in page.content.decode()
    assert not _leaks(page.content.decode()), "the key is shown on the page"
    assert not _leaks(raw.decode()), "the key is sent in the SSE stream"


@pytest.mark.django_db(transaction=True)
def test_a_key_echoed_in_an_error_event_is_not_stored_nor_shown_by_view_code(
    owner, key_for_echoing_upstream
):
    """The raw exchange ("view code") is recorded from the stream: the key an error event
    echoes is blanked before it is stored, even when it arrives split across chunks."""
    stream = (
        b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-v3",'
        b'"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
        b'data: {"error": {"message": "Key ' + SECRET.encode() + b' was revoked"}}\n\n'
    )
    cut = stream.index(b"SECRET") + 3  # the key's bytes in two chunks

    async def chunks():
        yield stream[:cut]
        yield stream[cut:]

    broken = httpx.Response(200, content=chunks(), headers={"content-type": "text/event-stream"})
    _raw, _page = _key_echo_scenario(owner, broken)
    run = Run.objects.get()
    assert run.status == Run.Status.FAILED
    assert any("was revoked" in raw for _ms, raw in run.exchange), run.exchange
    assert not _leaks(repr(run.exchange) + repr(run.request) + run.error_message)
    client = Client()
    client.force_login(owner)
    inspect = client.get(reverse("chat:run-inspect", args=[run.pk]))
    assert inspect.status_code == 200
    assert "was revoked" in inspect.content.decode()
    assert not _leaks(inspect.content.decode())


def _echoing_media_upstream(mock: respx.MockRouter) -> None:
    """A provider whose failed video jobs and file imports quote the key back."""
    failure = {"message": f"Key {SECRET} may not use this model", "code": "forbidden"}
    mock.get("https://upstream.test/v1/models").respond(200, json={"object": "list", "data": []})
    mock.post("https://upstream.test/v1/videos").respond(
        200, json={"id": "video_1", "status": "failed", "error": failure}
    )
    mock.post("https://upstream.test/v1/files").respond(
        200, json={"id": "qfile-1", "status": "failed", "error": failure}
    )


@pytest.mark.django_db(transaction=True)
def test_a_key_echoed_in_a_failed_studio_job_is_not_stored_nor_shown(
    owner, owner_client, key_for_echoing_upstream, settings, tmp_path
):
    from playground.studio import services as studio
    from playground.studio.models import Generation

    settings.MEDIA_ROOT = tmp_path
    with respx.mock(assert_all_called=False, using="httpx") as mock:
        _echoing_media_upstream(mock)
        owner_client.post(
            reverse("studio:create"),
            {"model": "video:sora-2", "mode": "text", "prompt": "a storm"},
        )
        generation = Generation.objects.get()
        studio.generation_submit(generation_id=generation.pk)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED
    assert "may not use this model" in generation.error_message
    assert not _leaks(generation.error_message + generation.upstream_status)
    card = owner_client.get(reverse("studio:card", args=[generation.pk])).content.decode()
    assert "may not use this model" in card
    assert not _leaks(card)


@pytest.mark.django_db(transaction=True)
def test_a_key_echoed_in_a_failed_file_import_is_not_stored_nor_shown(
    owner, owner_client, key_for_echoing_upstream
):
    from playground.files import services as files
    from playground.files.models import UpstreamFile

    document = UpstreamFile.objects.create(
        owner=owner, source_url="https://example.com/a.pdf", model="gemini-3.0-pro-preview"
    )
    with respx.mock(assert_all_called=False, using="httpx") as mock:
        _echoing_media_upstream(mock)
        files.upstream_file_submit(upstream_file_id=document.pk)
    document.refresh_from_db()
    assert document.status == UpstreamFile.Status.FAILED
    assert "may not use this model" in document.error_message
    assert not _leaks(document.error_message)
    page = owner_client.get(reverse("files:files")).content.decode()
    assert "may not use this model" in page
    assert not _leaks(page)


def test_log_lines_blank_the_key(settings):
    """Whatever a log line quotes (an upstream's words, a traceback), the key is blanked."""
    from playground.core.redaction import RedactingFormatter

    settings.NEXCONN_API_KEY = f"Bearer {SECRET}"
    formatter = RedactingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError(f"upstream said: bad key {SECRET}")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.WARNING, __file__, 1, "answer %s", (f"[{SECRET}]",), sys.exc_info()
        )
    line = formatter.format(record)
    assert "answer [***]" in line and "bad key ***" in line
    assert not _leaks(line)
    logging_config = django_settings.LOGGING
    formatter_name = logging_config["handlers"]["console"]["formatter"]
    assert logging_config["formatters"][formatter_name]["()"].endswith(".RedactingFormatter")
