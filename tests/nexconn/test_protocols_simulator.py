"""Every protocol against the simulator in process: the same prompt gives the same answer,
tool calls round-trip, image models draw, and every fault knob fails the same way."""

import asyncio
import base64
import io
import json
from contextlib import aclosing

import pytest
from PIL import Image

from playground.nexconn.client import NexconnClient
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
from playground.nexconn.params import ChatParams
from playground.nexconn.protocols import PROTOCOLS
from playground.simulator.app import Simulator
from playground.simulator.transport import StreamingASGITransport
from tests.nexconn.meaning import meaningful

KEY = "sk-simulated-key"
# The protocols and a model each serves (the Anthropic bypass and Vertex only serve their
# vendors' models, Responses OpenAI's).
MODELS = {
    "chat_completions": "claude-4.5-sonnet",
    "anthropic": "claude-4.5-sonnet",
    "anthropic_bypass": "claude-4.5-sonnet",
    "gemini": "gemini-2.5-flash",
    "responses": "openai/gpt-5",
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1},
            },
            "required": ["city", "unit"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {"name": "search_docs", "description": "Search the manual"},
}


def user(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


def collect(
    simulator: Simulator,
    protocol: str,
    messages: list[dict],
    *,
    model: str | None = None,
    params: ChatParams | None = None,
    reasoning=None,
    **options,
) -> list:
    """The events of one answer; a NexconnError before the answer is raised."""
    chosen = PROTOCOLS[protocol]

    async def main():
        client = NexconnClient(
            base_url="http://simulator.local",
            api_key=KEY,
            transport=StreamingASGITransport(app=simulator),
            **({"max_retries": 0} | options),
        )
        request = chosen.build_request(
            model=model or MODELS[protocol], messages=messages, params=params, reasoning=reasoning
        )
        try:
            async with aclosing(chosen.stream_chat(client, request)) as events:
                return [event async for event in events if meaningful(event)]
        finally:
            await client.aclose()

    return asyncio.run(main())


def text_of(events) -> str:
    return "".join(event.text for event in events if isinstance(event, TextDelta))


def reasoning_of(events) -> str:
    return "".join(event.text for event in events if isinstance(event, ReasoningDelta))


def tool_calls(events) -> list[tuple[str | None, str | None, dict]]:
    calls: dict[int, list] = {}
    for event in events:
        if isinstance(event, ToolCallDelta):
            call = calls.setdefault(event.index, [None, None, ""])
            call[0] = call[0] or event.id
            call[1] = call[1] or event.name
            call[2] += event.arguments
    return [(call_id, name, json.loads(arguments)) for call_id, name, arguments in calls.values()]


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(token_rate=0)


def test_the_same_prompt_gives_the_same_answer_through_every_protocol(simulator):
    prompt = "How do tides work? [sim tokens=30 reasoning=on reasoning_tokens=6]"
    answers = {}
    for protocol in MODELS:
        events = collect(simulator, protocol, user(prompt), model="claude-4.5-sonnet")
        usage = events[-1]
        assert isinstance(usage, Usage), protocol
        assert events[-2] == Finish("stop"), protocol
        assert (usage.output_tokens, usage.reasoning_tokens) == (36, 6), protocol
        assert usage.input_tokens > 0
        answers[protocol] = (reasoning_of(events), text_of(events))
    assert len(set(answers.values())) == 1, answers
    reasoning, text = answers["chat_completions"]
    assert text.startswith('**Simulated answer** to "How do tides work?"')
    assert "claude" not in text and "[sim" not in text  # no name: blind comparisons stay blind
    assert reasoning == 'The user asks about "How do'
    paths = [received["path"] for received in simulator.received]
    assert paths == [
        "/v1/chat/completions",
        "/v1/messages",
        "/bypass/anthropic/v1/messages",
        "/bypass/vertex/v1/models/claude-4.5-sonnet:streamGenerateContent",
        "/bypass/openai/v1/responses",
    ]
    assert all(KEY not in json.dumps(received) for received in simulator.received)
    assert simulator.received[1]["headers"]["anthropic-version"] == "2023-06-01"


@pytest.mark.parametrize("protocol", MODELS)
def test_each_protocols_own_reasoning_switch_is_honoured(simulator, protocol):
    model = MODELS[protocol]
    style = {"gemini-2.5-flash": "effort", "openai/gpt-5": "effort"}.get(model, "thinking")
    off = ChatParams(thinking=False, reasoning_effort="none")
    on = ChatParams(thinking=True, thinking_budget=1024, reasoning_effort="low")
    silent = collect(simulator, protocol, user("hi [sim tokens=3]"), params=off, reasoning=style)
    loud = collect(simulator, protocol, user("hi [sim tokens=3]"), params=on, reasoning=style)
    assert not reasoning_of(silent)
    assert reasoning_of(loud)


@pytest.mark.parametrize("protocol", MODELS)
def test_tool_call_then_tool_result(simulator, protocol):
    params = ChatParams(tools=(SEARCH, WEATHER))
    question = user("What's the weather in Tokyo today? [sim reasoning=off]")
    events = collect(simulator, protocol, question, params=params)
    [(call_id, name, arguments)] = tool_calls(events)
    assert name == "get_weather"  # the tool whose words match the question
    assert arguments == {"city": "Tokyo", "unit": "celsius"}  # required ones, enums' first
    assert call_id
    assert events[-2] == Finish("tool_calls")
    assert text_of(events) == ""

    conversation = [
        *question,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": '{"temperature": 23}'},
    ]
    answer = collect(simulator, protocol, conversation, params=params)
    assert not tool_calls(answer)
    assert answer[-2] == Finish("stop")
    text = text_of(answer)
    assert text.startswith("The `get_weather` tool returned: ")
    assert "23" in text
    assert 'weather in Tokyo today?"' in text


def test_the_tool_knob_and_tool_choice(simulator):
    params = ChatParams(tools=(WEATHER, SEARCH))
    for protocol in MODELS:
        forced = collect(simulator, protocol, user("hi [sim tool=search_docs]"), params=params)
        assert [name for _, name, _ in tool_calls(forced)] == ["search_docs"], protocol
        off = collect(simulator, protocol, user("hi [sim tool=off tokens=4]"), params=params)
        assert not tool_calls(off)
        assert len([event for event in off if isinstance(event, TextDelta)]) == 4
        undeclared = collect(simulator, protocol, user("hi [sim tool=lookup tokens=4]"))
        assert tool_calls(undeclared)[0][1:] == ("lookup", {})
        named = ChatParams(tools=(WEATHER, SEARCH), tool_choice="search_docs")
        assert tool_calls(collect(simulator, protocol, user("weather?"), params=named))[0][1] == (
            "search_docs"
        )
        none = ChatParams(tools=(WEATHER,), tool_choice="none")
        assert not tool_calls(collect(simulator, protocol, user("weather?"), params=none))
        # After the tool's output the answer is text, whatever the knob says.
        call = {"id": "c1", "type": "function", "function": {"name": "search_docs"}}
        conversation = [
            *user("hi [sim tool=search_docs]"),
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "found it"},
        ]
        after = collect(simulator, protocol, conversation, params=params)
        assert not tool_calls(after) and "found it" in text_of(after)


@pytest.mark.parametrize("protocol", ["chat_completions", "gemini"])
def test_image_models_draw_a_png_in_the_asked_aspect_ratio(simulator, protocol):
    params = ChatParams(image_config={"aspect_ratio": "16:9"})
    events = collect(
        simulator,
        protocol,
        user("An orange cat on a windowsill"),
        model="gemini-2.5-flash-image",
        params=params,
    )
    [image] = [event for event in events if isinstance(event, ImageOutput)]
    prefix = "data:image/png;base64,"
    assert image.url.startswith(prefix)
    picture = Image.open(io.BytesIO(base64.b64decode(image.url.removeprefix(prefix))))
    assert picture.format == "PNG"
    assert picture.size == (1024, 576)
    assert text_of(events) == 'Here is the picture: "An orange cat on a windowsill".'
    assert events[-1].output_tokens >= 1120


def test_image_models_refuse_an_unknown_aspect_ratio(simulator):
    params = ChatParams(image_config={"aspect_ratio": "7:3"})
    with pytest.raises(NexconnError) as caught:
        collect(simulator, "gemini", user("cat"), model="gemini-2.5-flash-image", params=params)
    assert caught.value.status == 400


@pytest.mark.parametrize("protocol", MODELS)
def test_max_tokens_and_echo(simulator, protocol):
    params = ChatParams(max_tokens=4)
    events = collect(simulator, protocol, user("hi [sim reasoning=off]"), params=params)
    assert [type(event) for event in events] == [TextDelta] * 4 + [Finish, Usage]
    assert events[-2] == Finish("length")
    echoed = collect(simulator, protocol, user("Say  this, naïve 👋 [sim echo reasoning=off]"))
    assert text_of(echoed) == "Say  this, naïve 👋"


@pytest.mark.parametrize("protocol", MODELS)
@pytest.mark.parametrize(
    ("knob", "message"),
    [
        ("cut=5", "cut off"),
        ("malformed=5", "malformed"),
        ("stream_error=5", None),  # each protocol words its error event differently
    ],
)
def test_faults_after_five_tokens(simulator, protocol, knob, message):
    events = collect(simulator, protocol, user(f"hi [sim {knob} reasoning=off tokens=20]"))
    assert [type(event) for event in events] == [TextDelta] * 5 + [StreamError]
    error = events[-1].error
    assert message in error.message_for_user if message else error.kind == "upstream"


@pytest.mark.parametrize("protocol", MODELS)
def test_a_fault_in_the_middle_of_a_tool_call(simulator, protocol):
    params = ChatParams(tools=(WEATHER,))
    events = collect(
        simulator, protocol, user("Weather in Rome? [sim cut=1 reasoning=off]"), params=params
    )
    assert isinstance(events[-1], StreamError)
    assert any(isinstance(event, ToolCallDelta) for event in events)


@pytest.mark.parametrize("protocol", MODELS)
def test_stall_and_delay_time_out(simulator, protocol):
    stalled = collect(simulator, protocol, user("hi [sim stall=2 reasoning=off]"), read_timeout=0.3)
    assert [type(event) for event in stalled] == [TextDelta, TextDelta, StreamError]
    assert stalled[-1].error.kind == "timeout"
    with pytest.raises(NexconnError) as caught:
        collect(simulator, protocol, user("hi [sim delay=2]"), read_timeout=0.3)
    assert caught.value.kind == "timeout"


@pytest.mark.parametrize("protocol", MODELS)
@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (402, "payment"), (404, "bad_request")]
)
def test_http_errors_in_each_protocols_shape(simulator, protocol, status, kind):
    with pytest.raises(NexconnError) as caught:
        collect(simulator, protocol, user(f"hi [sim error={status}]"))
    assert (caught.value.kind, caught.value.status) == (kind, status)


@pytest.mark.parametrize("protocol", MODELS)
def test_rate_limits_are_retried_with_retry_after(simulator, protocol):
    prompt = "hi [sim error=429 retry_after=0 fail_times=1 tokens=3 reasoning=off]"
    events = collect(simulator, protocol, user(prompt), max_retries=1)
    assert text_of(events) and events[-2] == Finish("stop")
    assert len(simulator.received) == 2, "one refused attempt, then the answer"


def test_bad_knobs_and_requests_are_refused_in_each_shape(simulator):
    for protocol in MODELS:
        with pytest.raises(NexconnError) as caught:
            collect(simulator, protocol, user("hi [sim tool=a.b]"))
        assert caught.value.status == 400
        assert "tool" in caught.value.message_for_user
