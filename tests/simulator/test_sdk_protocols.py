"""The simulator over real HTTP, driven by the official SDKs unchanged: openai (chat
completions and Responses) and anthropic (Messages, on /v1/messages and the bypass),
streaming and not, with tool calls, thinking and errors. google-genai is not among the
project's packages: the Gemini route is driven over plain HTTP in Google's shapes.

A tool round trip with reasoning on gives back what each API needs to continue (signed
thinking, reasoning_content, encrypted reasoning items, thought signatures), and the
simulator refuses, as the real API does, a round trip that drops it."""

import asyncio
import json
import socket
import threading
import time

import anthropic
import httpx
import openai
import pytest
import uvicorn

from playground.simulator.app import Simulator

SIMULATOR = Simulator(token_rate=0)
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["city"],
}


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
def chat(base_url):
    SIMULATOR.reset()
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
def responses(base_url):
    SIMULATOR.reset()
    url = f"{base_url}/bypass/openai/v1"
    with openai.OpenAI(base_url=url, api_key="sk-test", max_retries=0) as client:
        yield client.responses


@pytest.fixture(params=["", "/bypass/anthropic"], ids=["messages", "bypass"])
def claude(base_url, request):
    SIMULATOR.reset()
    url = f"{base_url}{request.param}"
    with anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0) as client:
        yield client


def user(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


def streamed_chat_message(stream) -> dict:
    """The assistant message a chat completions stream adds up to, as it goes back."""
    message: dict = {"role": "assistant", "content": "", "reasoning_content": ""}
    calls: dict[int, dict] = {}
    for chunk in stream:
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is None:
            continue
        message["content"] += delta.content or ""
        message["reasoning_content"] += getattr(delta, "reasoning_content", None) or ""
        for piece in delta.tool_calls or ():
            call = calls.setdefault(
                piece.index,
                {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
            )
            call["id"] = piece.id or call["id"]
            call["function"]["name"] += piece.function.name or ""
            call["function"]["arguments"] += piece.function.arguments or ""
    return message | {"tool_calls": [calls[index] for index in sorted(calls)]}


# OpenAI chat completions: tool calls and images (plain chat is in test_sdk_compat.py).

CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_SCHEMA}}
]


def test_chat_tool_call_whole_and_streamed(chat):
    completion = chat.chat.completions.create(
        model="deepseek-v3", messages=user("Weather in Lisbon?"), tools=CHAT_TOOLS
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert (call.type, call.function.name) == ("function", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Lisbon"}

    stream = chat.chat.completions.create(
        model="deepseek-v3", messages=user("Weather in Lisbon?"), tools=CHAT_TOOLS, stream=True
    )
    chunks = [chunk for chunk in stream if chunk.choices]
    calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or ()]
    assert calls[0].id and calls[0].function.name == "get_weather"
    assert json.loads("".join(call.function.arguments or "" for call in calls)) == {
        "city": "Lisbon"
    }
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    answer = chat.chat.completions.create(
        model="deepseek-v3",
        messages=[
            *user("Weather in Lisbon?"),
            choice.message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "sunny, 25 degrees"},
        ],
        tools=CHAT_TOOLS,
    )
    assert answer.choices[0].finish_reason == "stop"
    assert "sunny, 25 degrees" in answer.choices[0].message.content


def test_chat_image_model_streams_an_image_delta(chat):
    stream = chat.chat.completions.create(
        model="gemini-3.1-flash-image-preview",
        messages=user("A lighthouse at dusk"),
        stream=True,
        extra_body={"image_config": {"aspect_ratio": "9:16", "image_size": "512"}},
    )
    deltas = [chunk.choices[0].delta for chunk in stream if chunk.choices]
    images = [image for delta in deltas for image in (delta.model_extra.get("images") or [])]
    [image] = images
    assert image["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert any(getattr(delta, "reasoning_content", None) for delta in deltas)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_chat_tool_round_trip_gives_back_reasoning_content(chat, stream):
    """DeepSeek, thinking, needs the reasoning of a tool call turn back (its thinking-mode
    guide); without it the request is refused."""
    question = user("Weather in Lisbon?")
    options = {
        "model": "deepseek/deepseek-v3.2-251201",
        "tools": CHAT_TOOLS,
        "extra_body": {"thinking": {"type": "enabled"}},
    }
    if stream:
        turn = streamed_chat_message(
            chat.chat.completions.create(messages=question, stream=True, **options)
        )
    else:
        first = chat.chat.completions.create(messages=question, **options)
        turn = first.choices[0].message.model_dump(exclude_none=True)
    assert turn["reasoning_content"]
    [call] = turn["tool_calls"]
    result = {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 25 degrees"}

    answer = chat.chat.completions.create(messages=[*question, turn, result], **options)
    assert "sunny, 25 degrees" in answer.choices[0].message.content

    dropped = {key: value for key, value in turn.items() if key != "reasoning_content"}
    with pytest.raises(openai.BadRequestError) as refused:
        chat.chat.completions.create(messages=[*question, dropped, result], **options)
    assert "Missing `reasoning_content` field in the assistant message at message index 1" in (
        refused.value.message
    )


def test_chat_claude_reasons_only_when_asked(chat):
    completion = chat.chat.completions.create(
        model="claude-4.5-sonnet", messages=user("Why is the sky blue? [sim tokens=5]")
    )
    message = completion.choices[0].message
    assert getattr(message, "reasoning_content", None) is None
    assert completion.usage.completion_tokens == 5


# OpenAI Responses.


def test_responses_whole(responses):
    response = responses.create(
        model="openai/gpt-5",
        input="Why is the sea salty? [sim tokens=12 reasoning_tokens=4]",
        instructions="Be brief.",
        reasoning={"effort": "low", "summary": "auto"},
    )
    assert response.status == "completed"
    assert response.output_text.startswith('**Simulated answer** to "Why is the sea salty?"')
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.summary[0].text
    assert message.type == "message" and message.role == "assistant"
    assert response.usage.output_tokens == 16
    assert response.usage.output_tokens_details.reasoning_tokens == 4
    assert response.usage.total_tokens == response.usage.input_tokens + 16


def test_responses_streamed_events_and_the_stream_helper(responses):
    prompt = "Why is the sea salty? [sim tokens=12 reasoning_tokens=4]"
    events = list(
        responses.create(
            model="openai/gpt-5", input=prompt, reasoning={"summary": "auto"}, stream=True
        )
    )
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert events[-1].response.output_text == text
    assert len(summary.split()) >= 3

    with responses.stream(
        model="openai/gpt-5", input=prompt, reasoning={"summary": "auto"}
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == text


def test_responses_tool_call_and_its_output(responses):
    tools = [{"type": "function", "name": "get_weather", "parameters": WEATHER_SCHEMA}]
    with responses.stream(model="openai/gpt-5", input="Weather in Oslo?", tools=tools) as stream:
        deltas = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    [call] = final.output
    assert (call.type, call.name, call.status) == ("function_call", "get_weather", "completed")
    assert json.loads(call.arguments) == {"city": "Oslo"} == json.loads("".join(deltas))

    answer = responses.create(
        model="openai/gpt-5",
        input=[
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "snow, -3"},
        ],
        tools=tools,
    )
    assert "snow, -3" in answer.output_text


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_responses_tool_round_trip_gives_back_encrypted_reasoning(responses, stream):
    tools = [{"type": "function", "name": "get_weather", "parameters": WEATHER_SCHEMA}]
    question = {"role": "user", "content": "Weather in Oslo?"}
    options = {
        "model": "openai/gpt-5",
        "tools": tools,
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }
    if stream:
        with responses.stream(input=[question], **options) as events:
            for _ in events:
                pass
            first = events.get_final_response()
    else:
        first = responses.create(input=[question], **options)
    reasoning, call = first.output
    assert (reasoning.type, call.type) == ("reasoning", "function_call")
    assert reasoning.encrypted_content and reasoning.summary[0].text
    given_back = [item.model_dump(exclude_none=True) for item in first.output]
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "snow, -3"}

    answer = responses.create(input=[question, *given_back, result], **options)
    assert "snow, -3" in answer.output_text

    with pytest.raises(openai.BadRequestError) as without_reasoning:
        responses.create(input=[question, given_back[1], result], **options)
    assert f"Item '{call.id}' of type 'function_call' was provided without its required " in (
        without_reasoning.value.message
    )
    by_id_only = {"type": "reasoning", "id": reasoning.id, "summary": []}
    with pytest.raises(openai.BadRequestError) as not_kept:
        responses.create(input=[question, by_id_only, given_back[1], result], **options)
    assert f"Item with id '{reasoning.id}' not found." in not_kept.value.message

    plain = responses.create(model="openai/gpt-5", input="hi", reasoning={"summary": "auto"})
    assert plain.output[0].encrypted_content is None  # only when `include` asks


def test_responses_incomplete_failed_and_errors(responses):
    cut = responses.create(model="openai/gpt-5", input="hi", max_output_tokens=3)
    assert cut.status == "incomplete"
    assert cut.incomplete_details.reason == "max_output_tokens"

    events = list(
        responses.create(model="openai/gpt-5", input="hi [sim stream_error=2]", stream=True)
    )
    assert events[-1].type == "response.failed"
    assert events[-1].response.error.code == "server_error"

    with pytest.raises(openai.RateLimitError) as caught:
        responses.create(model="openai/gpt-5", input="hi [sim error=429]")
    assert caught.value.response.headers["retry-after"] == "1"


# Anthropic Messages, on /v1/messages and on the bypass.


def test_messages_whole_with_thinking(claude):
    message = claude.messages.create(
        model="claude-4.5-sonnet",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        system="Be brief.",
        messages=user("Why is the sky blue? [sim tokens=10 reasoning_tokens=5]"),
    )
    assert message.type == "message" and message.role == "assistant"
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking and thinking.signature
    assert text.type == "text"
    assert text.text.startswith('**Simulated answer** to "Why is the sky blue?"')
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens == 15
    assert message.usage.input_tokens > 0
    sent = SIMULATOR.received[-1]
    assert "x-api-key" not in sent["headers"]
    assert sent["headers"]["anthropic-version"]


def test_messages_streamed(claude):
    prompt = "Why is the sky blue? [sim tokens=10 reasoning_tokens=5]"
    with claude.messages.stream(
        model="claude-4.5-sonnet",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=user(prompt),
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert [block.type for block in final.content] == ["thinking", "text"]
    assert final.content[0].signature
    assert final.usage.output_tokens == 15
    whole = claude.messages.create(
        model="claude-4.5-sonnet", max_tokens=2048, messages=user(prompt)
    )
    assert final.content[1].text == whole.content[-1].text


def test_messages_tool_use_and_tool_result(claude):
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER_SCHEMA}]
    question = user("What is the weather in Kyoto? [sim reasoning=off]")
    with claude.messages.stream(
        model="claude-4.6-opus", max_tokens=1024, tools=tools, messages=question
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_message()
    [call] = final.content
    assert (call.type, call.name, call.input) == ("tool_use", "get_weather", {"city": "Kyoto"})
    assert call.id.startswith("toolu_")
    assert final.stop_reason == "tool_use"

    answer = claude.messages.create(
        model="claude-4.6-opus",
        max_tokens=1024,
        tools=tools,
        messages=[
            *question,
            {"role": "assistant", "content": [call.model_dump()]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "rain"}],
            },
        ],
    )
    assert answer.stop_reason == "end_turn"
    assert "rain" in answer.content[0].text


def test_messages_think_only_when_asked(claude):
    """Extended thinking is off unless the request switches it on: the first block of a
    plain answer is its text, and the usage has only fields of Anthropic's Usage."""
    message = claude.messages.create(
        model="claude-4.5-sonnet", max_tokens=1024, messages=user("Hi there [sim tokens=4]")
    )
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text.startswith("**Simulated answer**")
    assert message.usage.model_extra == {} and message.usage.output_tokens == 4
    with claude.messages.stream(
        model="claude-4.6-opus", max_tokens=1024, messages=user("Hi there [sim tokens=4]")
    ) as stream:
        kinds = {
            event.content_block.type for event in stream if event.type == "content_block_start"
        }
        final = stream.get_final_message()
    assert kinds == {"text"} and final.usage.model_extra == {}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_messages_tool_use_with_thinking_gives_back_the_signed_thinking(claude, stream):
    """Anthropic's extended thinking with tool use: the turn that called the tool goes back
    whole, its thinking block and signature first, or the request is refused."""
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER_SCHEMA}]
    question = user("What is the weather in Kyoto? [sim reasoning_tokens=5]")
    options = {
        "model": "claude-4.5-sonnet",
        "max_tokens": 4096,
        "tools": tools,
        "thinking": {"type": "enabled", "budget_tokens": 2048},
    }
    if stream:
        with claude.messages.stream(messages=question, **options) as events:
            for _ in events:
                pass
            first = events.get_final_message()
    else:
        first = claude.messages.create(messages=question, **options)
    thinking, call = first.content
    assert (thinking.type, call.type) == ("thinking", "tool_use")
    assert thinking.signature and first.usage.output_tokens_details.thinking_tokens == 5
    result = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "rain"}],
    }
    turn = {"role": "assistant", "content": [block.model_dump() for block in first.content]}

    answer = claude.messages.create(messages=[*question, turn, result], **options)
    assert answer.stop_reason == "end_turn"
    assert "rain" in answer.content[-1].text

    without_thinking = {"role": "assistant", "content": [call.model_dump()]}
    with pytest.raises(anthropic.BadRequestError) as refused:
        claude.messages.create(messages=[*question, without_thinking, result], **options)
    assert refused.value.body["error"]["message"].startswith(
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
        "`tool_use`. When `thinking` is enabled, a final `assistant` message must start with a "
        "thinking block"
    )
    edited = thinking.model_dump() | {"thinking": "Something else."}
    forged = {"role": "assistant", "content": [edited, call.model_dump()]}
    with pytest.raises(anthropic.BadRequestError) as invalid:
        claude.messages.create(messages=[*question, forged, result], **options)
    assert "Invalid `signature` in `thinking` block" in invalid.value.body["error"]["message"]


def test_messages_async_client(base_url):
    async def main():
        async with (
            anthropic.AsyncAnthropic(base_url=base_url, api_key="sk-test", max_retries=0) as client,
            client.messages.stream(
                model="deepseek-v3", max_tokens=100, messages=user("hi [sim tokens=6]")
            ) as stream,
        ):
            return await stream.get_final_text()

    assert asyncio.run(main()).startswith("**Simulated answer**")


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (403, anthropic.PermissionDeniedError, "permission_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
    ],
)
def test_messages_errors(claude, status, error, kind):
    with pytest.raises(error) as caught:
        claude.messages.create(
            model="claude-4.5-sonnet", max_tokens=10, messages=user(f"hi [sim error={status}]")
        )
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == kind


def test_messages_error_mid_stream_and_a_missing_max_tokens(claude):
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        claude.messages.stream(
            model="claude-4.5-sonnet", max_tokens=100, messages=user("hi [sim stream_error=3]")
        ) as stream,
    ):
        for _ in stream:
            pass
    assert caught.value.body["error"]["type"] == "overloaded_error"
    with pytest.raises(anthropic.BadRequestError):
        claude.post(
            "/v1/messages",
            body={"model": "m", "messages": user("hi")},
            cast_to=anthropic.types.Message,
        )


# Gemini (Vertex generateContent), over plain HTTP: google-genai is not installed.


@pytest.mark.parametrize("method", ["generateContent", "streamGenerateContent?alt=sse"])
def test_gemini_3_tool_round_trip_needs_the_thought_signature(base_url, method):
    SIMULATOR.reset()
    url = f"{base_url}/bypass/vertex/v1/models/gemini-3.1-pro-preview:{method}"
    headers = {"Authorization": "Bearer sk-test"}
    tools = [{"functionDeclarations": [{"name": "get_weather", "parameters": WEATHER_SCHEMA}]}]
    question = {"role": "user", "parts": [{"text": "Weather in Lima?"}]}
    config = {"thinkingConfig": {"includeThoughts": True}}
    body = {"contents": [question], "tools": tools, "generationConfig": config}
    first = httpx.post(url, json=body, headers=headers)
    assert first.status_code == 200
    lines = [line for line in first.text.splitlines() if line.startswith("data: ")]
    responses = [json.loads(line[6:]) for line in lines] if lines else [first.json()]
    parts = [p for r in responses for p in r["candidates"][0]["content"]["parts"]]
    [call] = [part for part in parts if "functionCall" in part]
    assert call["thoughtSignature"]
    result = {"functionResponse": {"name": "get_weather", "response": {"sky": "fog"}}}

    def follow_up(model_part):
        turn = {"role": "model", "parts": [model_part]}
        contents = [question, turn, {"role": "user", "parts": [result]}]
        return httpx.post(url, json=body | {"contents": contents}, headers=headers)

    assert follow_up(call).status_code == 200
    unsigned = {"functionCall": call["functionCall"]}
    refused = follow_up(unsigned)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith(
        "Function call is missing a thought_signature in functionCall parts."
    )
    assert "`default_api:get_weather` , position 2" in error["message"]
    forged = follow_up(unsigned | {"thoughtSignature": "c2lnbmVk"})
    assert forged.status_code == 400
    skipped = follow_up(unsigned | {"thoughtSignature": "skip_thought_signature_validator"})
    assert skipped.status_code == 200


def test_gemini_3_image_models_check_the_signature_of_their_pictures(base_url):
    SIMULATOR.reset()
    url = f"{base_url}/bypass/vertex/v1/models/gemini-3.1-flash-image-preview:generateContent"
    headers = {"Authorization": "Bearer sk-test"}
    question = {"role": "user", "parts": [{"text": "A lighthouse at dusk"}]}
    first = httpx.post(url, json={"contents": [question]}, headers=headers)
    parts = first.json()["candidates"][0]["content"]["parts"]
    [picture] = [part for part in parts if "inlineData" in part]
    assert picture["thoughtSignature"]
    edit = {"role": "user", "parts": [{"text": "Now paint it red"}]}

    def follow_up(part):
        contents = [question, {"role": "model", "parts": [part]}, edit]
        return httpx.post(url, json={"contents": contents}, headers=headers)

    assert follow_up(picture).status_code == 200
    unsigned = {"inlineData": picture["inlineData"]}
    refused = follow_up(unsigned)
    assert refused.status_code == 400
    assert "missing a thought_signature" in refused.json()["error"]["message"]
    assert follow_up(unsigned | {"thoughtSignature": "c2lnbmVk"}).status_code == 400
