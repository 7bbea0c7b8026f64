"""The upstream wire a deployment uses (nexconn/transport.py), over real HTTP to the
simulator: every outcome (an answer, each fault, Stop) must reach the user as it should."""

import asyncio
import socket
import time
from contextlib import aclosing

import pytest

from playground.nexconn.chat_completions import build_request, stream_chat
from playground.nexconn.client import NexconnClient, get_client, reset_clients
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import Finish, StreamError, TextDelta, Usage
from playground.nexconn.transport import Upstream
from playground.simulator.app import Simulator
from tests.conftest import serve_in_thread
from tests.nexconn.meaning import meaningful


@pytest.fixture(scope="module")
def upstream():
    simulator = Simulator(token_rate=0)
    url, stop = serve_in_thread(simulator)
    yield simulator, url
    stop()


def wire(url: str):
    return Upstream(url, "sk-test", demo=False).transport()


def outcome(url: str, prompt: str, *, stop_after: int | None = None, **options):
    """What one answer comes to: its events, or the NexconnError raised before it began."""

    async def main():
        client = NexconnClient(
            base_url=url,
            api_key="sk-test",
            transport=wire(url),
            **({"max_retries": 0} | options),
        )
        request = build_request(model="deepseek-v3", messages=[{"role": "user", "content": prompt}])
        events = []
        try:
            async with aclosing(stream_chat(client, request)) as stream:
                async for event in stream:
                    if not meaningful(event):
                        continue
                    events.append(event)
                    if stop_after is not None and len(events) == stop_after:
                        break
        except NexconnError as error:
            return error
        finally:
            await client.aclose()
        return events

    return asyncio.run(main())


def text_of(events) -> str:
    return "".join(event.text for event in events if isinstance(event, TextDelta))


def test_an_answer_arrives_whole(upstream):
    _, url = upstream
    events = outcome(url, "How do tides work? [sim tokens=40]")
    assert text_of(events).startswith('**Simulated answer** to "How do tides work?"')
    assert sum(isinstance(event, TextDelta) for event in events) == 40
    assert events[-2:] == [Finish("stop"), events[-1]] and isinstance(events[-1], Usage)


@pytest.mark.parametrize(
    ("knobs", "kind", "status"),
    [
        ("error=401", "auth", 401),
        ("error=402", "payment", 402),
        ("error=429 retry_after=7", "rate_limit", 429),
        ("error=503", "upstream", 503),
    ],
)
def test_an_error_status_is_its_error(upstream, knobs, kind, status):
    _, url = upstream
    error = outcome(url, f"Hi [sim {knobs}]")
    assert isinstance(error, NexconnError)
    assert (error.kind, error.status) == (kind, status)
    if status == 429:
        assert error.retry_after == 7


def test_no_headers_in_time_is_a_timeout(upstream):
    _, url = upstream
    error = outcome(url, "Hi [sim delay=3]", read_timeout=0.3)
    assert isinstance(error, NexconnError) and error.kind == "timeout"


@pytest.mark.parametrize(
    ("knobs", "kind", "message"),
    [
        ("stall=3", "timeout", "did not answer in time"),  # silent mid-answer: idle timeout
        ("cut=3", "protocol", "cut off"),
        ("malformed=3", "protocol", "malformed"),
    ],
)
def test_a_fault_mid_answer_keeps_the_text_so_far(upstream, knobs, kind, message):
    _, url = upstream
    events = outcome(url, f"Hi [sim tokens=20 {knobs}]", read_timeout=0.3)
    assert sum(isinstance(event, TextDelta) for event in events) == 3
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.kind == kind
    assert message in events[-1].error.message_for_user


def test_an_unreachable_upstream_is_a_network_error_not_a_timeout():
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    error = outcome(f"http://127.0.0.1:{port}", "Hi")
    assert isinstance(error, NexconnError) and error.kind == "network"


def test_leaving_an_answer_early_hangs_up_on_the_upstream(upstream):
    simulator, url = upstream
    before = simulator.disconnects
    events = outcome(url, "Hi [sim tokens=400 rate=50]", stop_after=2)
    assert len(events) == 2
    deadline = time.monotonic() + 1
    while simulator.disconnects == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert simulator.disconnects == before + 1


def test_the_answers_client_closes_with_its_event_loop(upstream, settings):
    _, url = upstream
    settings.NEXCONN_API_KEY, settings.NEXCONN_BASE_URL = "sk-test", url
    reset_clients()

    async def main():
        client = get_client()
        return client, await client.list_models()

    try:
        client, models = asyncio.run(main())
    finally:
        reset_clients()
    assert "deepseek-v3" in {model["id"] for model in models}
    # No connection is left open behind the dead loop: the client was closed with it.
    with pytest.raises(RuntimeError, match="client has been closed"):
        asyncio.run(client.list_models())


def test_an_answer_read_to_its_end_leaves_its_connection_for_the_next_one(upstream):
    """No new connection (and, in real life, no new TLS handshake) before the next answer's
    first token."""
    simulator, url = upstream

    async def main():
        client = NexconnClient(base_url=url, api_key="sk-test", transport=wire(url))
        try:
            for prompt in ("One [sim tokens=5]", "Two [sim tokens=5]"):
                request = build_request(
                    model="deepseek-v3", messages=[{"role": "user", "content": prompt}]
                )
                async with aclosing(stream_chat(client, request)) as stream:
                    assert any([isinstance(event, TextDelta) async for event in stream])
        finally:
            await client.aclose()

    simulator.reset()
    asyncio.run(main())
    first, second = (seen["client"] for seen in simulator.received)
    assert first == second
