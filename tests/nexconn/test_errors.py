import asyncio
import time
from contextlib import aclosing

import httpx
import pytest
import respx

from playground.nexconn.chat_completions import build_request, stream_chat
from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError, error_from_response
from playground.nexconn.events import Retrying, StreamError, TextDelta
from playground.simulator.app import Simulator
from playground.simulator.transport import StreamingASGITransport
from tests.nexconn.meaning import meaningful

BASE = "https://api.test"
KEY = "sk-secret-key-123"


def make_client(**options) -> NexconnClient:
    options = {"backoff_base": 0.01, "backoff_cap": 0.02} | options
    return NexconnClient(base_url=BASE, api_key=options.pop("api_key", KEY), **options)


def simulated_client(simulator: Simulator, **options) -> NexconnClient:
    transport = StreamingASGITransport(app=simulator)
    return make_client(transport=transport, **options)


def run(coroutine_function):
    """Run `coroutine_function(client)` with a fresh client, closing it afterwards."""

    async def main(client):
        try:
            return await coroutine_function(client)
        finally:
            await client.aclose()

    return main


async def collect(client, prompt: str, model: str = "deepseek-v3") -> list:
    body = build_request(model=model, messages=[{"role": "user", "content": prompt}])
    async with aclosing(stream_chat(client, body)) as events:
        return [event async for event in events if meaningful(event)]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "bad_request"),
        (401, "auth"),
        (402, "payment"),
        (403, "auth"),
        (404, "bad_request"),
        (413, "bad_request"),
        (422, "bad_request"),
        (429, "rate_limit"),
        (500, "upstream"),
        (502, "upstream"),
        (503, "upstream"),
    ],
)
def test_status_maps_to_kind_and_message_names_status(status, kind):
    body = b'{"error": {"message": "Field messages is required", "type": "x"}}'
    error = error_from_response(status, body, {})
    assert (error.kind, error.status) == (kind, status)
    assert f"({status})" in error.message_for_user
    assert "Field messages is required" in error.detail
    if status in (400, 413, 422):
        assert "Field messages is required" in error.message_for_user


def test_specific_messages():
    assert "renamed or retired" in error_from_response(404, b"", {}).message_for_user
    assert "Top up" in error_from_response(402, b"", {}).message_for_user
    assert "not allowed" in error_from_response(403, b"", {}).message_for_user
    assert "Try again in a moment" in error_from_response(502, b"", {}).message_for_user


def test_rate_limit_with_and_without_retry_after():
    limited = error_from_response(429, b"", {"retry-after": "7"})
    assert limited.retry_after == 7
    assert "Try again in 7 seconds." in limited.message_for_user
    assert error_from_response(429, b"", {}).retry_after is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"error": {"message": "from error"}}', "from error"),
        (b'{"message": "from message"}', "from message"),
        (b'{"detail": {"message": "from detail"}}', "from detail"),
        (b'{"detail": "plain detail"}', "plain detail"),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
    ],
)
def test_upstream_message_is_found_tolerantly(body, expected):
    assert expected in error_from_response(400, body, {}).message_for_user


def test_raw_body_is_truncated():
    error = error_from_response(400, b"x" * 5000, {})
    assert len(error.message_for_user) < 300
    assert len(error.detail) < 400


@respx.mock(base_url=BASE)
def test_key_never_appears_even_when_upstream_echoes_it(respx_mock):
    respx_mock.get("/v1/models").respond(401, json={"error": {"message": f"Bad key {KEY}"}})
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda client: client.list_models())(make_client()))
    error = caught.value
    assert error.kind == "auth"
    assert KEY not in error.message_for_user + error.detail + str(error) + repr(error)


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "network"),
        (httpx.RemoteProtocolError("reset"), "network"),
    ],
)
@respx.mock(base_url=BASE)
def test_transport_failures_are_retried_then_mapped(respx_mock, exception, kind):
    route = respx_mock.get("/v1/models").mock(side_effect=exception)
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda client: client.list_models())(make_client(max_retries=2)))
    assert caught.value.kind == kind
    assert route.call_count == 3
    assert ("did not answer in time" if kind == "timeout" else "Could not reach") in (
        caught.value.message_for_user
    )


@respx.mock(base_url=BASE)
def test_503_then_200_succeeds_after_two_calls(respx_mock):
    route = respx_mock.get("/v1/models").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"data": [{"id": "m"}]})]
    )
    models = asyncio.run(run(lambda client: client.list_models())(make_client()))
    assert models == [{"id": "m"}]
    assert route.call_count == 2


@respx.mock(base_url=BASE)
def test_retry_after_is_honoured_and_reported(respx_mock):
    respx_mock.get("/v1/models").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.3"}),
            httpx.Response(200, json={"data": []}),
        ]
    )

    async def call(client):
        attempts = [attempt async for attempt in client.attempts("GET", "/v1/models")]
        await attempts[-1].aclose()
        return attempts

    started = time.monotonic()
    *retries, response = asyncio.run(run(call)(make_client()))
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    [retry] = retries
    assert isinstance(retry, Retrying)
    assert (retry.attempt, retry.delay, retry.error.kind) == (1, 0.3, "rate_limit")


@respx.mock(base_url=BASE)
def test_retry_after_beyond_the_cap_is_not_waited_for(respx_mock):
    route = respx_mock.get("/v1/models").respond(429, headers={"Retry-After": "120"})
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda client: client.list_models())(make_client()))
    assert route.call_count == 1
    assert "Try again in 120 seconds." in caught.value.message_for_user


@respx.mock(base_url=BASE)
def test_401_is_not_retried(respx_mock):
    # (Not list_models: the model list probes the other Authorization form once on a 401.)
    route = respx_mock.get("/v1/models").respond(401)
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda client: client.request_json("GET", "/v1/models"))(make_client()))
    assert caught.value.kind == "auth"
    assert route.call_count == 1


@respx.mock(base_url=BASE)
def test_malformed_json_body_is_a_protocol_error(respx_mock):
    respx_mock.get("/v1/models").respond(200, content=b"{not json")
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda client: client.list_models())(make_client()))
    assert caught.value.kind == "protocol"


@pytest.mark.parametrize("key", [KEY, f"Bearer {KEY}", f"bearer  {KEY}", f"BEARER {KEY} "])
@respx.mock(base_url=BASE)
def test_bearer_prefix_is_never_doubled(respx_mock, key):
    route = respx_mock.get("/v1/models").respond(200, json={"data": []})
    asyncio.run(run(lambda client: client.list_models())(make_client(api_key=key)))
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"


def test_stream_cut_midway_is_not_retried_and_yields_stream_error():
    simulator = Simulator(token_rate=0)
    events = asyncio.run(run(lambda c: collect(c, "hi [sim cut=5]"))(simulated_client(simulator)))
    assert len(simulator.received) == 1
    assert [type(event) for event in events] == [TextDelta] * 5 + [StreamError]
    assert events[-1].error.kind == "protocol"
    assert "cut off" in events[-1].error.message_for_user


def test_malformed_chunk_yields_protocol_stream_error():
    simulator = Simulator(token_rate=0)
    events = asyncio.run(
        run(lambda c: collect(c, "hi [sim malformed=3]"))(simulated_client(simulator))
    )
    assert [type(event) for event in events] == [TextDelta] * 3 + [StreamError]
    assert events[-1].error.kind == "protocol"
    assert "malformed" in events[-1].error.message_for_user


def test_idle_stream_times_out_as_stream_error():
    simulator = Simulator(token_rate=0)
    client = simulated_client(simulator, read_timeout=0.3)
    events = asyncio.run(run(lambda c: collect(c, "hi [sim stall=2]"))(client))
    assert [type(event) for event in events] == [TextDelta, TextDelta, StreamError]
    assert events[-1].error.kind == "timeout"
    assert len(simulator.received) == 1


def test_slow_first_byte_is_retried_then_raised_as_timeout():
    simulator = Simulator(token_rate=0)
    client = simulated_client(simulator, read_timeout=0.2, max_retries=1)
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda c: collect(c, "hi [sim delay=5]"))(client))
    assert caught.value.kind == "timeout"
    assert len(simulator.received) == 2


def test_errors_before_the_stream_are_raised_after_retries():
    simulator = Simulator(token_rate=0)
    client = simulated_client(simulator)
    events = asyncio.run(run(lambda c: collect(c, "hi [sim error=502 fail_times=2]"))(client))
    assert len(simulator.received) == 3
    assert isinstance(events[0], TextDelta)
    with pytest.raises(NexconnError) as caught:
        asyncio.run(run(lambda c: collect(c, "hi [sim error=402]"))(simulated_client(simulator)))
    assert caught.value.kind == "payment"


@respx.mock(base_url=BASE)
def test_error_object_inside_the_stream_becomes_stream_error(respx_mock):
    body = (
        b'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
        b'data: {"error":{"message":"upstream overloaded","type":"server_error","code":"529"}}\n\n'
        b'data: {"choices":[{"index":0,"delta":{"content":"never"}}]}\n\n'
    )
    respx_mock.post("/v1/chat/completions").respond(
        200, content=body, headers={"content-type": "text/event-stream"}
    )
    events = asyncio.run(run(lambda c: collect(c, "hi"))(make_client()))
    assert events[0] == TextDelta("Hi")
    assert isinstance(events[1], StreamError)
    assert events[1].error.kind == "upstream"
    assert len(events) == 2
