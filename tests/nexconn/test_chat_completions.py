import asyncio
import time
from contextlib import aclosing

import pytest
import respx

from playground.nexconn.catalog import CHAT_MODELS, DEFAULT_CHAT_MODEL, chat_model
from playground.nexconn.chat_completions import build_request, stream_chat
from playground.nexconn.client import NexconnClient, get_client, reset_clients
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import (
    Finish,
    ImageOutput,
    ReasoningDelta,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from playground.nexconn.params import ChatParams, WireRequest
from playground.simulator.app import Simulator
from playground.simulator.transport import StreamingASGITransport
from tests.nexconn.meaning import meaningful


def simulated_client(simulator: Simulator, **options) -> NexconnClient:
    transport = StreamingASGITransport(app=simulator)
    return NexconnClient(
        base_url="http://simulator.local", api_key="k", transport=transport, **options
    )


def user(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


async def stream_all(client: NexconnClient, body: WireRequest) -> list:
    async with aclosing(stream_chat(client, body)) as events:
        return [event async for event in events if meaningful(event)]


def text_of(events) -> str:
    return "".join(event.text for event in events if isinstance(event, TextDelta))


def test_build_request_omits_unset_values():
    assert build_request(model="m", messages=user("hi")).body == {
        "model": "m",
        "messages": user("hi"),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    params = ChatParams(temperature=0.2, max_tokens=5)
    assert build_request(model="m", messages=user("hi"), params=params).body == {
        "model": "m",
        "messages": user("hi"),
        "stream": True,
        "temperature": 0.2,
        "max_tokens": 5,
        "stream_options": {"include_usage": True},
    }


def test_stream_reasoning_then_text_then_finish_and_usage():
    simulator = Simulator(token_rate=0)
    body = build_request(
        model="claude-4.5-sonnet",
        messages=user("What is SSE? [sim tokens=40 reasoning_tokens=7]"),
        params=ChatParams(thinking=True),
        reasoning="thinking",
    )

    async def main():
        client = simulated_client(simulator)
        try:
            return await stream_all(client, body)
        finally:
            await client.aclose()

    streamed = asyncio.run(main())
    kinds = [type(event) for event in streamed]
    assert kinds == [ReasoningDelta] * 7 + [TextDelta] * 40 + [Finish, Usage]
    assert streamed[-2] == Finish("stop")
    assert streamed[-1].output_tokens == 47
    assert streamed[-1].reasoning_tokens == 7
    assert streamed[-1].input_tokens > 0
    pieces = [e.text for e in streamed if isinstance(e, TextDelta | ReasoningDelta)]
    assert all(piece.strip() for piece in pieces)  # word pieces, never bare whitespace
    answer = text_of(streamed)
    assert answer.startswith('**Simulated answer** to "What is SSE?"')
    assert "[sim" not in answer
    # The simulator saw what we sent, without the key.
    sent = simulator.received[0]
    assert sent["json"]["stream_options"] == {"include_usage": True}
    assert "authorization" not in sent["headers"]


def test_models_without_reasoning_text_send_none():
    simulator = Simulator(token_rate=0)
    body = build_request(model="openai/gpt-5", messages=user("hi [sim tokens=3]"))
    events = asyncio.run(stream_all(simulated_client(simulator), body))
    assert not any(isinstance(event, ReasoningDelta) for event in events)


def test_max_tokens_cuts_with_finish_length():
    simulator = Simulator(token_rate=0)
    body = build_request(model="deepseek-v3", messages=user("hi"), params=ChatParams(max_tokens=4))
    events = asyncio.run(stream_all(simulated_client(simulator), body))
    assert [type(e) for e in events] == [TextDelta] * 4 + [Finish, Usage]
    assert events[-2] == Finish("length")


def test_transport_really_streams():
    simulator = Simulator()
    body = build_request(model="deepseek-v3", messages=user("hi [sim tokens=12 rate=20]"))

    async def main():
        arrivals = []
        started = time.monotonic()
        async with aclosing(stream_chat(simulated_client(simulator), body)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    arrivals.append(time.monotonic() - started)
        return arrivals

    arrivals = asyncio.run(main())
    assert len(arrivals) == 12
    assert arrivals[0] < 0.2
    assert arrivals[-1] - arrivals[0] > 0.4  # 11 gaps of 50 ms


def test_closing_early_disconnects_upstream():
    simulator = Simulator()
    body = build_request(model="deepseek-v3", messages=user("hi [sim tokens=500 rate=50]"))

    async def main():
        async with aclosing(stream_chat(simulated_client(simulator), body)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    break

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 1
    assert simulator.disconnects == 1


def test_cancelling_the_consumer_disconnects_upstream():
    simulator = Simulator()
    body = build_request(model="deepseek-v3", messages=user("hi [sim tokens=500 rate=50]"))
    received = []

    async def consume():
        async with aclosing(stream_chat(simulated_client(simulator), body)) as events:
            async for event in events:
                received.append(event)

    async def main():
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
    assert 0 < len(received) < 50
    assert simulator.disconnects == 1


def test_echo_reproduces_prompt_exactly():
    simulator = Simulator(token_rate=0)
    prompt = "Say  this back:\n  indented   line, naïve café 👋\n"
    body = build_request(model="deepseek-v3", messages=user(f"{prompt} [sim echo]"))
    events = asyncio.run(stream_all(simulated_client(simulator), body))
    assert text_of(events) == prompt.strip()
    assert all(event.text for event in events if isinstance(event, TextDelta))


@respx.mock(base_url="https://api.test")
def test_tool_calls_images_and_cached_tokens_are_mapped(respx_mock):
    chunks = [
        '{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function",'
        '"function":{"name":"get_weather","arguments":""}}]}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"c"}}]}}]}',
        '{"choices":[{"index":0,"delta":{"reasoning":"hmm","images":[{"type":"image_url",'
        '"image_url":{"url":"https://img/1.png"}}]}}]}',
        '{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}',
        '{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,'
        '"prompt_tokens_details":{"cached_tokens":8}}}',
        "[DONE]",
    ]
    respx_mock.post("/v1/chat/completions").respond(
        200, content="".join(f"data: {chunk}\n\n" for chunk in chunks).encode()
    )
    client = NexconnClient(base_url="https://api.test", api_key="k")
    events = asyncio.run(stream_all(client, build_request(model="m", messages=user("hi"))))
    assert events == [
        ToolCallDelta(index=0, id="call_1", name="get_weather", arguments=""),
        ToolCallDelta(index=0, id=None, name=None, arguments='{"c'),
        ReasoningDelta("hmm"),
        ImageOutput("https://img/1.png"),
        Finish("tool_calls"),
        Usage(input_tokens=9, output_tokens=4, reasoning_tokens=None, cached_tokens=8),
    ]


def test_get_client_demo_mode_uses_the_simulator_one_client_per_loop(settings):
    settings.NEXCONN_API_KEY = ""
    reset_clients()

    async def main():
        client = get_client()
        assert get_client() is client
        body = build_request(model=DEFAULT_CHAT_MODEL, messages=user("hi [sim tokens=5 rate=0]"))
        events = await stream_all(client, body)
        models = await client.list_models()
        return client, events, models

    try:
        first, events, models = asyncio.run(main())
        second, _, _ = asyncio.run(main())
    finally:
        reset_clients()
    assert first is not second
    assert [type(e) for e in events] == [TextDelta] * 5 + [Finish, Usage]
    assert {model["id"] for model in models} == {model.id for model in CHAT_MODELS}


def test_catalog():
    assert len(CHAT_MODELS) == 18
    assert chat_model(DEFAULT_CHAT_MODEL).reasoning is None
    assert chat_model("openai/gpt-5").reasoning == "effort"
    assert not chat_model("openai/gpt-5").returns_reasoning_text
    assert chat_model("qwen3-max-2026-01-23").reasoning == "enable_thinking"
    assert chat_model("claude-4.6-opus").returns_reasoning_text
    unknown = chat_model("acme/new-model")
    assert (unknown.id, unknown.reasoning, unknown.returns_reasoning_text) == (
        "acme/new-model",
        None,
        False,
    )


def test_app_failures_surface_as_transport_errors():
    async def broken_before_start(scope, receive, send):
        raise RuntimeError("boom")

    async def broken_mid_stream(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send(
            {"type": "http.response.body", "body": b'data: {"choices":[]}\n\n', "more_body": True}
        )
        raise RuntimeError("boom")

    async def main(app):
        transport = StreamingASGITransport(app=app)
        client = NexconnClient(base_url="http://x", api_key="k", transport=transport, max_retries=0)
        return await stream_all(client, build_request(model="m", messages=user("hi")))

    with pytest.raises(NexconnError) as caught:
        asyncio.run(main(broken_before_start))
    assert caught.value.kind == "network"
    assert "boom" in caught.value.detail
    [failure] = asyncio.run(main(broken_mid_stream))
    assert isinstance(failure, StreamError)
    assert failure.error.kind == "network"
