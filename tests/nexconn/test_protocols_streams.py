"""Each protocol's stream and whole answer, mocked at the httpx boundary, come out as the same
ChatEvents: reasoning, text, a tool call, an image, finish and usage; and the same failures:
cut off, malformed, an error mid-stream (with the API key redacted), an HTTP error first."""

import asyncio
import json
from contextlib import aclosing

import pytest
import respx

from playground.nexconn import anthropic_messages, chat_completions, gemini, responses
from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import (
    Finish,
    ImageOutput,
    ReasoningDelta,
    ReplayState,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from tests.nexconn.meaning import meaningful

BASE = "https://api.test"
KEY = "sk-secret-key-123"
USER = [{"role": "user", "content": "hi"}]
IMAGE = "data:image/png;base64,AAAA"


def named(kind: str, payload: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind} | payload)}\n\n"


def data(payload: dict | str) -> str:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n"


def chat_chunk(delta: dict, finish: str | None = None, **extra) -> str:
    return data({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def gemini_chunk(parts: list, finish: str | None = None, **extra) -> str:
    candidate = {"content": {"role": "model", "parts": parts}}
    if finish:
        candidate["finishReason"] = finish
    return data({"candidates": [candidate], **extra})


# Per protocol: the module, its streaming path, the whole stream, the bytes that end it
# (dropped for the cut-off case), and an error mid-stream whose message quotes the key.
CASES = {
    "chat_completions": (
        chat_completions,
        "/v1/chat/completions",
        "".join(
            [
                chat_chunk({"role": "assistant", "content": "", "reasoning_content": "Hmm."}),
                chat_chunk({"content": "Hello"}),
                chat_chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": ""},
                            }
                        ]
                    }
                ),
                chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
                chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
                chat_chunk({"images": [{"type": "image_url", "image_url": {"url": IMAGE}}]}),
                chat_chunk({}, "tool_calls"),
                data(
                    {
                        "choices": [],
                        "usage": {
                            "prompt_tokens": 15,
                            "completion_tokens": 12,
                            "prompt_tokens_details": {"cached_tokens": 5},
                            "completion_tokens_details": {"reasoning_tokens": 3},
                        },
                    }
                ),
            ]
        ),
        data("[DONE]"),
        data({"error": {"message": f"boom for {KEY}", "type": "server_error"}}),
    ),
    "anthropic": (
        anthropic_messages,
        "/v1/messages",
        "".join(
            [
                named(
                    "message_start",
                    {
                        "message": {
                            "id": "msg_1",
                            "type": "message",
                            "role": "assistant",
                            "content": [],
                            "usage": {
                                "input_tokens": 10,
                                "cache_read_input_tokens": 5,
                                "cache_creation_input_tokens": 0,
                                "output_tokens": 1,
                            },
                        }
                    },
                ),
                named("ping", {}),
                named(
                    "content_block_start",
                    {"index": 0, "content_block": {"type": "thinking", "thinking": ""}},
                ),
                named(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "thinking_delta", "thinking": "Hmm."}},
                ),
                named(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "signature_delta", "signature": "sig"}},
                ),
                named("content_block_stop", {"index": 0}),
                named(
                    "content_block_start",
                    {"index": 1, "content_block": {"type": "text", "text": ""}},
                ),
                named(
                    "content_block_delta",
                    {"index": 1, "delta": {"type": "text_delta", "text": "Hello"}},
                ),
                named("content_block_stop", {"index": 1}),
                named(
                    "content_block_start",
                    {
                        "index": 2,
                        "content_block": {
                            "type": "tool_use",
                            "id": "call_1",
                            "name": "get_weather",
                            "input": {},
                        },
                    },
                ),
                named(
                    "content_block_delta",
                    {"index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}},
                ),
                named(
                    "content_block_delta",
                    {"index": 2, "delta": {"type": "input_json_delta", "partial_json": '{"city":'}},
                ),
                named(
                    "content_block_delta",
                    {"index": 2, "delta": {"type": "input_json_delta", "partial_json": '"Paris"}'}},
                ),
                named("content_block_stop", {"index": 2}),
                # Not Anthropic's own output, but what a gateway may send for an image model.
                named(
                    "content_block_start",
                    {
                        "index": 3,
                        "content_block": {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                        },
                    },
                ),
                named("content_block_stop", {"index": 3}),
                named(
                    "message_delta",
                    {
                        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                        "usage": {
                            "output_tokens": 12,
                            "output_tokens_details": {"thinking_tokens": 3},
                        },
                    },
                ),
            ]
        ),
        named("message_stop", {}),
        named("error", {"error": {"type": "overloaded_error", "message": f"boom for {KEY}"}}),
    ),
    "gemini": (
        gemini,
        "/bypass/vertex/v1/models/m:streamGenerateContent",
        "".join(
            [
                gemini_chunk([{"text": "Hmm.", "thought": True}]),
                gemini_chunk([{"text": "Hello"}], usageMetadata={"promptTokenCount": 15}),
                gemini_chunk(
                    [
                        {
                            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                            "thoughtSignature": "sig",
                        }
                    ]
                ),
                gemini_chunk([{"inlineData": {"mimeType": "image/png", "data": "AAAA"}}]),
            ]
        ),
        gemini_chunk(
            [{"text": ""}],
            "STOP",
            usageMetadata={
                "promptTokenCount": 15,
                "candidatesTokenCount": 9,
                "thoughtsTokenCount": 3,
                "cachedContentTokenCount": 5,
                "totalTokenCount": 27,
            },
        ),
        data({"error": {"code": 500, "message": f"boom for {KEY}", "status": "INTERNAL"}}),
    ),
    "responses": (
        responses,
        "/bypass/openai/v1/responses",
        "".join(
            [
                named("response.created", {"response": {"id": "r", "status": "in_progress"}}),
                named(
                    "response.output_item.added",
                    {"output_index": 0, "item": {"type": "reasoning", "id": "rs", "summary": []}},
                ),
                named("response.reasoning_summary_part.added", {"summary_index": 0}),
                named("response.reasoning_summary_text.delta", {"delta": "Hmm."}),
                named(
                    "response.output_item.added",
                    {"output_index": 1, "item": {"type": "message", "id": "m", "content": []}},
                ),
                named("response.output_text.delta", {"output_index": 1, "delta": "Hello"}),
                named(
                    "response.output_item.added",
                    {
                        "output_index": 2,
                        "item": {
                            "type": "function_call",
                            "id": "fc",
                            "call_id": "call_1",
                            "name": "get_weather",
                            "arguments": "",
                        },
                    },
                ),
                named(
                    "response.function_call_arguments.delta",
                    {"output_index": 2, "delta": '{"city":'},
                ),
                # The rest of the arguments only in the finished item: sent from there.
                named(
                    "response.output_item.done",
                    {
                        "output_index": 2,
                        "item": {"type": "function_call", "arguments": '{"city":"Paris"}'},
                    },
                ),
                named(
                    "response.output_item.done",
                    {
                        "output_index": 3,
                        "item": {"type": "image_generation_call", "result": "AAAA"},
                    },
                ),
            ]
        ),
        named(
            "response.completed",
            {
                "response": {
                    "status": "completed",
                    "usage": {
                        "input_tokens": 15,
                        "input_tokens_details": {"cached_tokens": 5},
                        "output_tokens": 12,
                        "output_tokens_details": {"reasoning_tokens": 3},
                    },
                }
            },
        ),
        named(
            "response.failed",
            {
                "response": {
                    "status": "failed",
                    "error": {"code": "server_error", "message": f"boom for {KEY}"},
                }
            },
        ),
    ),
}
EXPECTED_USAGE = Usage(input_tokens=15, output_tokens=12, reasoning_tokens=3, cached_tokens=5)


def client() -> NexconnClient:
    return NexconnClient(base_url=BASE, api_key=KEY, max_retries=0)


def without_state(events: list) -> list:
    """The events a user sees; what goes back to the model is tested apart."""
    return [event for event in events if not isinstance(event, ReplayState)]


def stream(module, body: str, path: str) -> list:
    async def main():
        with respx.mock(base_url=BASE) as mock:
            mock.post(path).respond(
                200, content=body.encode(), headers={"content-type": "text/event-stream"}
            )
            connection = client()
            request = module.build_request(model="m", messages=USER)
            async with aclosing(module.stream_chat(connection, request)) as events:
                return [event async for event in events if meaningful(event)]

    return asyncio.run(main())


@pytest.mark.parametrize("protocol", CASES)
def test_the_same_events_from_every_protocol(protocol):
    module, path, body, ending, _ = CASES[protocol]
    events = without_state(stream(module, body + ending, path))
    reasoning, text, start, *arguments, image, finish, usage = events
    assert (reasoning, text) == (ReasoningDelta("Hmm."), TextDelta("Hello"))
    assert isinstance(start, ToolCallDelta)
    assert (start.index, start.name) == (0, "get_weather")
    assert start.id == "call_1" or (protocol == "gemini" and start.id.startswith("call_"))
    call = start.arguments + "".join(part.arguments for part in arguments)
    assert json.loads(call) == {"city": "Paris"}
    assert all(part.index == 0 and part.name is None for part in arguments)
    assert image == ImageOutput(IMAGE)
    assert finish == Finish("tool_calls")
    assert usage == EXPECTED_USAGE


KEPT = {
    "chat_completions": [],
    "anthropic": [
        ReplayState("thinking_blocks", {"type": "thinking", "thinking": "Hmm.", "signature": "sig"})
    ],
    "gemini": [ReplayState("thought_signatures", {"call": 0, "signature": "sig"})],
    "responses": [ReplayState("call_item_ids", {"call": 0, "id": "fc"})],
}


@pytest.mark.parametrize("protocol", CASES)
def test_what_goes_back_to_the_model_is_kept_from_a_stream(protocol):
    module, path, body, ending, _ = CASES[protocol]
    events = stream(module, body + ending, path)
    assert [event for event in events if isinstance(event, ReplayState)] == KEPT[protocol]


# Chat completions and Anthropic end with a terminator after the finish marker ([DONE],
# message_stop), which several gateways leave out; Gemini's and Responses' finish marker is
# the stream's last event (docs/api/chat.md §6.2, §7.2-7.4).
FINISH_BEFORE_THE_ENDING = {"chat_completions", "anthropic"}


@pytest.mark.parametrize("protocol", CASES)
def test_a_stream_that_ends_after_its_finish_marker_is_complete(protocol):
    module, path, body, ending, _ = CASES[protocol]
    unterminated = body if protocol in FINISH_BEFORE_THE_ENDING else body + ending
    events = stream(module, unterminated, path)
    assert not any(isinstance(event, StreamError) for event in events)
    assert events[-2:] == [Finish("tool_calls"), EXPECTED_USAGE]
    assert [type(event) for event in events] == [
        type(event) for event in stream(module, body + ending, path)
    ]


@pytest.mark.parametrize("protocol", CASES)
def test_a_stream_that_ends_before_its_finish_marker_is_cut_off(protocol):
    module, path, body, _, _ = CASES[protocol]
    up_to_hello = body[: body.index("\n\n", body.index('"Hello"')) + 2]
    events = [
        event for event in stream(module, up_to_hello, path) if not isinstance(event, ReplayState)
    ]
    assert events[:-1] == [ReasoningDelta("Hmm."), TextDelta("Hello")]
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.kind == "protocol"
    assert "cut off" in events[-1].error.message_for_user


@pytest.mark.parametrize("protocol", CASES)
def test_a_malformed_chunk_ends_the_stream(protocol):
    module, path, body, ending, _ = CASES[protocol]
    first = body.split("\n\n")[0] + "\n\n"
    events = stream(module, first + 'data: {"choices": [{"delta"\n\n' + body + ending, path)
    assert isinstance(events[-1], StreamError)
    assert "malformed" in events[-1].error.message_for_user
    assert TextDelta("Hello") not in events


@pytest.mark.parametrize("protocol", CASES)
def test_an_error_mid_stream_keeps_what_came_and_hides_the_key(protocol):
    module, path, body, _, error = CASES[protocol]
    events = stream(module, body + error, path)
    assert TextDelta("Hello") in events
    failure = events[-1]
    assert isinstance(failure, StreamError)
    assert failure.error.kind == "upstream"
    assert KEY not in failure.error.message_for_user + failure.error.detail
    assert "***" in failure.error.message_for_user + failure.error.detail


@pytest.mark.parametrize("protocol", CASES)
def test_an_http_error_before_the_body_is_raised(protocol):
    module, path, _, _, _ = CASES[protocol]

    async def main():
        with respx.mock(base_url=BASE) as mock:
            mock.post(path).respond(429, json={"error": {"message": "slow down"}})
            request = module.build_request(model="m", messages=USER)
            async with aclosing(module.stream_chat(client(), request)) as events:
                return [event async for event in events if meaningful(event)]

    with pytest.raises(NexconnError) as caught:
        asyncio.run(main())
    assert caught.value.kind == "rate_limit"


def test_the_anthropic_stream_also_reads_events_by_their_data_type_alone():
    body = CASES["anthropic"][2] + CASES["anthropic"][3]
    untagged = "\n".join(line for line in body.split("\n") if not line.startswith("event:"))
    events = stream(anthropic_messages, untagged, "/v1/messages")
    assert events[-1] == EXPECTED_USAGE


def test_gemini_usage_in_every_chunk_and_a_blocked_prompt():
    chunks = gemini_chunk([{"text": "A"}], usageMetadata={"promptTokenCount": 4}) + gemini_chunk(
        [{"text": "B"}],
        "MAX_TOKENS",
        usageMetadata={"promptTokenCount": 4, "candidatesTokenCount": 2},
    )
    path = "/bypass/vertex/v1/models/m:streamGenerateContent"
    assert stream(gemini, chunks, path) == [
        TextDelta("A"),
        TextDelta("B"),
        Finish("length"),
        Usage(input_tokens=4, output_tokens=2, reasoning_tokens=None, cached_tokens=None),
    ]
    blocked = data({"promptFeedback": {"blockReason": "SAFETY"}})
    assert stream(gemini, blocked, path) == [Finish("content_filter")]


def test_responses_summary_parts_are_paragraphs_and_incomplete_means_length():
    body = "".join(
        [
            named("response.reasoning_summary_part.added", {"summary_index": 0}),
            named("response.reasoning_summary_text.delta", {"delta": "One."}),
            named("response.reasoning_summary_part.added", {"summary_index": 1}),
            named("response.reasoning_text.delta", {"delta": "Two."}),
            named(
                "response.incomplete",
                {
                    "response": {
                        "status": "incomplete",
                        "incomplete_details": {"reason": "max_output_tokens"},
                    }
                },
            ),
        ]
    )
    assert stream(responses, body, "/bypass/openai/v1/responses") == [
        ReasoningDelta("One."),
        ReasoningDelta("\n\n"),
        ReasoningDelta("Two."),
        Finish("length"),
    ]


def test_responses_error_event():
    body = named("error", {"code": "rate_limit_exceeded", "message": "Too many", "param": None})
    [failure] = stream(responses, body, "/bypass/openai/v1/responses")
    assert isinstance(failure, StreamError)
    assert "Too many" in failure.error.message_for_user
