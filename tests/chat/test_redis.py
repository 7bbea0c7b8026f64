"""With REDIS_URL, an answer started through one server process is followed live, and
stopped, through another."""

import html
import os
import time
import uuid

import pytest
import redis

from playground.chat import live
from playground.chat.models import Run
from playground.nexconn.sse import SSEParser
from tests.chat.servers import logged_in_http, read_events, start_server
from tests.chat.streaming import RUN_ON_PAGE, open_events, read_all, send_message, text_of
from tests.chat.test_runs import logged_in, run_async

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_env(settings):
    """The local Redis, with keys of this test's own."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis is required at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.REDIS_URL = REDIS_URL
    settings.REDIS_KEY_PREFIX = prefix
    live.get_broker.cache_clear()
    yield {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix}
    live.get_broker.cache_clear()


@pytest.fixture
def two_servers(redis_env):
    """Two server processes sharing the test database and Redis: their base URLs."""
    servers = [start_server(**redis_env) for _ in range(2)]
    yield [url for _, url in servers]
    for process, _ in servers:
        process.terminate()
        process.wait(5)


def test_an_answer_started_in_one_process_is_followed_live_in_another(owner, two_servers):
    first_url, second_url = two_servers
    starter = logged_in_http(owner, first_url)
    form = {"text": "Shared [sim tokens=80 rate=40]", "model": "deepseek-v3"}
    run_id = int(RUN_ON_PAGE.search(starter.post("/send/", data=form).content).group(1))
    time.sleep(0.3)
    events = read_events(logged_in_http(owner, second_url), run_id)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.DONE
    live = [e for e in events if e.event == "text"]
    assert len(live) >= 3, "pieces arrived live through the other process"
    assert events[0].event == "snapshot" and events[-1].event == "done"
    assert text_of(events) == run.message.content


def test_a_page_served_by_one_process_carries_an_answer_sent_through_another(owner, two_servers):
    first_url, second_url = two_servers
    page_id = "two-processes-page-0123456789"
    watcher = logged_in_http(owner, second_url)
    parser, events = SSEParser(), []
    with watcher.stream("GET", f"/pages/{page_id}/events/", timeout=30) as response:
        chunks = response.iter_bytes()
        while not events:  # the page's stream listens once it has said `ready`
            events.extend(parser.feed(next(chunks)))
        assert events[0].event == "ready"
        form = {"text": "Far [sim tokens=60 rate=60]", "model": "deepseek-v3"}
        sender = logged_in_http(owner, first_url)
        sent = sender.post("/send/", data=form, headers={"X-Page-Id": page_id})
        assert sent.headers["HX-Reswap"] == "none" and "message--" not in sent.text
        for chunk in chunks:
            events.extend(parser.feed(chunk))
            if events[-1].event.startswith("done-"):
                break
    assert events[1].event == "place"
    run_id = int(RUN_ON_PAGE.search(events[1].data.encode()).group(1))
    run = Run.objects.select_related("message").get(pk=run_id)
    pieces = [e for e in events if e.event == f"text-{run_id}"]
    assert len(pieces) >= 3, "pieces arrived live through the other process"
    assert "".join(html.unescape(e.data) for e in pieces) == run.message.content


def test_stop_through_another_process_stops_the_answer(owner, two_servers):
    first_url, second_url = two_servers
    starter = logged_in_http(owner, first_url)
    form = {"text": "Stop me [sim tokens=400 rate=40]", "model": "deepseek-v3"}
    run_id = int(RUN_ON_PAGE.search(starter.post("/send/", data=form).content).group(1))
    time.sleep(0.5)
    other = logged_in_http(owner, second_url)
    started = time.monotonic()
    assert other.post(f"/runs/{run_id}/stop/").status_code == 204
    while Run.objects.get(pk=run_id).status != Run.Status.STOPPED:
        assert time.monotonic() - started < 2, "stopped within two seconds"
        time.sleep(0.05)
    events = read_events(other, run_id)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.message.content and "Stopped." in events[-1].data


def test_in_one_process_the_redis_broker_behaves_like_the_in_memory_one(owner, redis_env):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Redis [sim tokens=60 rate=60]")
        first = await read_all(await open_events(client, run_id))
        return run_id, first

    run_id, events = run_async(scenario)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.DONE
    assert text_of(events) == run.message.content


def test_a_follower_waits_through_a_long_silence_on_redis(owner, redis_env):
    """A model that thinks for longer than redis-py's default 5-second read timeout."""

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Think long [sim delay=6 tokens=5 rate=0]")
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.DONE
    assert events[-1].event == "done" and run.message.content


def test_processes_share_the_cache_a_limit_counts_requests_through_each(owner, redis_env):
    """With CACHE_URL on Redis (django-redis), sessions and the requests-a-minute limit are
    the same in every process: a second message through another process is refused."""
    from playground.usage.models import Limit

    Limit.objects.create(user=owner, requests_per_minute=1)
    cache_url = f"{REDIS_URL}?key_prefix={redis_env['REDIS_KEY_PREFIX']}-cache"
    servers = [start_server(**redis_env, CACHE_URL=cache_url) for _ in range(2)]
    try:
        form = {"text": "Once [sim tokens=2]", "model": "deepseek-v3"}
        first = logged_in_http(owner, servers[0][1]).post("/send/", data=form)
        second = logged_in_http(owner, servers[1][1]).post("/send/", data=form)
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(5)
    assert first.status_code == 200
    assert second.status_code == 429
    assert "Too many requests: at most 1 a minute" in html.unescape(second.text)
