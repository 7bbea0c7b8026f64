"""The simulator over real HTTP (uvicorn on a free loopback port), driven by the openai SDK."""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import aclosing
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn

from playground.nexconn.catalog import CHAT_MODELS
from playground.nexconn.chat_completions import build_request, stream_chat
from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import StreamError, TextDelta
from playground.simulator.app import Simulator
from tests.nexconn.meaning import meaningful

SIMULATOR = Simulator(token_rate=0)


@pytest.fixture(scope="module")
def base_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(SIMULATOR, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def sdk(base_url):
    SIMULATOR.reset()
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-test", max_retries=0) as client:
        yield client


def user(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


def test_models_list(sdk):
    ids = [model.id for model in sdk.models.list()]
    assert ids == [model.id for model in CHAT_MODELS]


def test_non_streaming(sdk):
    completion = sdk.chat.completions.create(
        model="claude-4.5-sonnet",
        messages=user("Why is the sky blue? [sim tokens=25]"),
        extra_body={"thinking": {"type": "enabled", "budget_tokens": 1024}},
    )
    choice = completion.choices[0]
    assert completion.object == "chat.completion"
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content.startswith('**Simulated answer** to "Why is the sky blue?"')
    assert choice.message.reasoning_content  # an extra field the SDK keeps
    assert completion.usage.completion_tokens == 25 + 20
    assert completion.usage.completion_tokens_details.reasoning_tokens == 20
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_streaming(sdk):
    stream = sdk.chat.completions.create(
        model="gemini-2.5-flash",
        messages=user("Tell me about SSE [sim tokens=30 reasoning_tokens=4]"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    deltas = [chunk.choices[0].delta for chunk in chunks if chunk.choices]
    reasoning = [d.reasoning_content for d in deltas if getattr(d, "reasoning_content", None)]
    content = [d.content for d in deltas if d.content]
    assert len(reasoning) == 4
    assert len(content) == 30
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 34


def test_streaming_response_headers_and_done(base_url):
    body = build_request(model="deepseek-v3", messages=user("hi [sim tokens=3]")).body
    response = httpx.post(
        f"{base_url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.endswith("data: [DONE]\n\n")


def test_tokens_knob_by_header(sdk):
    completion = sdk.chat.completions.create(
        model="deepseek-v3", messages=user("hi"), extra_headers={"X-Sim-Tokens": "7"}
    )
    assert completion.usage.completion_tokens == 7
    assert SIMULATOR.received[-1]["headers"]["x-sim-tokens"] == "7"


def test_echo(sdk):
    completion = sdk.chat.completions.create(
        model="deepseek-v3", messages=user("Repeat me, exactly. [sim echo]")
    )
    assert completion.choices[0].message.content == "Repeat me, exactly."


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 429, 500, 502, 503])
def test_error_knob(sdk, status):
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="deepseek-v3", messages=user(f"hi [sim error={status}]"))
    error = caught.value
    assert error.status_code == status
    assert error.body["message"]
    assert error.body["type"]
    if status in (429, 503):
        assert error.response.headers["retry-after"] == "1"


def test_retry_after_knob_and_fail_times(base_url):
    body = build_request(
        model="deepseek-v3", messages=user("hi [sim error=429 retry_after=3 fail_times=1]")
    ).body
    url, headers = f"{base_url}/v1/chat/completions", {"Authorization": "Bearer k"}
    first = httpx.post(url, json=body, headers=headers)
    second = httpx.post(url, json=body, headers=headers)
    assert (first.status_code, first.headers["retry-after"]) == (429, "3")
    assert second.status_code == 200


def test_cut_ends_the_stream_without_done(sdk, base_url):
    stream = sdk.chat.completions.create(
        model="deepseek-v3", messages=user("hi [sim cut=5]"), stream=True
    )
    content = [
        c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content
    ]
    assert len(content) == 5
    raw = httpx.post(
        f"{base_url}/v1/chat/completions",
        json=build_request(model="deepseek-v3", messages=user("hi [sim cut=5]")).body,
        headers={"Authorization": "Bearer k"},
    )
    assert "[DONE]" not in raw.text


def test_unknown_path_missing_auth_and_bad_knob(base_url):
    missing = httpx.get(f"{base_url}/v1/nothing", headers={"Authorization": "Bearer k"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"]
    unauthorized = httpx.get(f"{base_url}/v1/models")
    assert unauthorized.status_code == 401
    assert unauthorized.json()["error"]["type"] == "authentication_error"
    bad = httpx.post(
        f"{base_url}/v1/chat/completions",
        json=build_request(model="m", messages=user("hi [sim tokens=lots]")).body,
        headers={"Authorization": "Bearer k"},
    )
    assert bad.status_code == 400
    assert "tokens" in bad.json()["error"]["message"]


def test_nexconn_client_over_http_stall_delay_and_disconnect(base_url):
    SIMULATOR.reset()

    async def main():
        client = NexconnClient(base_url=base_url, api_key="k", read_timeout=0.3, max_retries=0)
        try:
            stalled = [
                event
                async for event in stream_chat(
                    client, build_request(model="deepseek-v3", messages=user("hi [sim stall=2]"))
                )
                if meaningful(event)
            ]
            with pytest.raises(NexconnError) as caught:
                async with client.stream(
                    "POST",
                    "/v1/chat/completions",
                    json=build_request(model="deepseek-v3", messages=user("hi [sim delay=2]")).body,
                ):
                    pass
            body = build_request(model="deepseek-v3", messages=user("hi [sim tokens=400 rate=100]"))
            async with aclosing(stream_chat(client, body)) as events:
                async for _ in events:
                    break
            return stalled, caught.value
        finally:
            await client.aclose()

    stalled, slow = asyncio.run(main())
    assert [type(event) for event in stalled] == [TextDelta, TextDelta, StreamError]
    assert stalled[-1].error.kind == "timeout"
    assert slow.kind == "timeout"
    deadline = time.monotonic() + 2
    while SIMULATOR.disconnects < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert SIMULATOR.disconnects == 3  # the stall, the slow start and the early close


def test_simulator_runs_without_django():
    code = "import sys, playground.simulator.__main__; assert 'django' not in sys.modules"
    project = Path(__file__).resolve().parents[2]
    environment = {"PATH": os.environ["PATH"]}  # no DJANGO_SETTINGS_MODULE
    subprocess.run([sys.executable, "-c", code], check=True, cwd=project, env=environment)  # noqa: S603
