"""How each protocol's stream ends, over real HTTP to the simulator: the simulator ends it as
the real API does, and an answer whose finish marker came is complete even when the
terminator after it never comes (`no_done`, as several gateways send it)."""

import asyncio
import json
from contextlib import aclosing

import pytest

from playground.nexconn.client import NexconnClient
from playground.nexconn.events import Finish, StreamError, TextDelta, Usage, WireMessage
from playground.nexconn.protocols import PROTOCOLS
from playground.simulator.app import Simulator
from tests.conftest import serve_in_thread
from tests.nexconn.test_protocols_simulator import MODELS


@pytest.fixture(scope="module")
def upstream():
    url, stop = serve_in_thread(Simulator(token_rate=0))
    yield url
    stop()


def answer(url: str, protocol: str, prompt: str):
    """The events of one streamed answer and the raw SSE messages they came from."""
    chosen = PROTOCOLS[protocol]

    async def main():
        client = NexconnClient(base_url=url, api_key="sk-test", max_retries=0)
        request = chosen.build_request(
            model=MODELS[protocol], messages=[{"role": "user", "content": prompt}]
        )
        try:
            async with aclosing(chosen.stream_chat(client, request)) as events:
                return [event async for event in events]
        finally:
            await client.aclose()

    events = asyncio.run(main())
    raw = [event for event in events if isinstance(event, WireMessage)]
    return [event for event in events if not isinstance(event, WireMessage)], raw


def kinds(raw) -> list[str]:
    """What each raw event is: its type, [DONE], or the finish reason it carries."""
    named = []
    for sse in raw:
        if sse.data == "[DONE]":
            named.append("[DONE]")
            continue
        payload = json.loads(sse.data)
        if "type" in payload:  # Anthropic and Responses name every event
            named.append(payload["type"])
        elif "choices" in payload:
            choice = (payload["choices"] or [{}])[0]
            named.append(f"finish_reason={choice['finish_reason']}" if choice else "usage")
        else:
            named.append(f"finishReason={payload['candidates'][0].get('finishReason')}")
    return named


# The last raw events of a whole stream (docs/api/chat.md §6.2, §7.2-7.4): chat completions ends
# with the finish reason, usage, then [DONE]; Anthropic with message_delta (stop_reason),
# then message_stop; Gemini's last chunk has the finishReason and the body just ends;
# Responses ends with response.completed.
ENDINGS = {
    "chat_completions": ["finish_reason=stop", "usage", "[DONE]"],
    "anthropic": ["content_block_stop", "message_delta", "message_stop"],
    "anthropic_bypass": ["content_block_stop", "message_delta", "message_stop"],
    "gemini": ["finishReason=None", "finishReason=STOP"],
    "responses": ["response.output_item.done", "response.completed"],
}
# Those with a terminator after the finish marker lose it with `no_done`.
WITHOUT_TERMINATOR = {
    protocol: ending[:-1] if ending[-1] in ("[DONE]", "message_stop") else ending
    for protocol, ending in ENDINGS.items()
}


@pytest.mark.parametrize("protocol", MODELS)
def test_the_simulator_ends_each_stream_as_the_real_api_does(upstream, protocol):
    events, raw = answer(upstream, protocol, "Tides [sim tokens=6 reasoning=off]")
    assert kinds(raw)[-len(ENDINGS[protocol]) :] == ENDINGS[protocol]
    assert [type(event) for event in events[-3:]] == [TextDelta, Finish, Usage]


@pytest.mark.parametrize("protocol", MODELS)
def test_an_answer_whose_finish_came_is_complete_without_the_terminator(upstream, protocol):
    events, raw = answer(upstream, protocol, "Tides [sim tokens=6 reasoning=off no_done]")
    assert kinds(raw)[-len(WITHOUT_TERMINATOR[protocol]) :] == WITHOUT_TERMINATOR[protocol]
    assert "[DONE]" not in kinds(raw) and "message_stop" not in kinds(raw)
    assert not any(isinstance(event, StreamError) for event in events)
    assert [type(event) for event in events] == [TextDelta] * 6 + [Finish, Usage]
    assert events[-2] == Finish("stop")
    complete, _ = answer(upstream, protocol, "Tides [sim tokens=6 reasoning=off]")
    assert events[:-1] == complete[:-1]  # the usage counts the knob in the prompt


@pytest.mark.parametrize("protocol", MODELS)
def test_an_answer_that_ends_before_its_finish_is_cut_off(upstream, protocol):
    events, _ = answer(upstream, protocol, "Tides [sim tokens=6 reasoning=off cut=4]")
    assert [type(event) for event in events] == [TextDelta] * 4 + [StreamError]
    assert events[-1].error.kind == "protocol"
    assert "cut off" in events[-1].error.message_for_user
