"""A run generates its answer server-side; pages follow it over SSE."""

import asyncio
import html

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from playground.chat.models import Message, Run
from tests.chat.streaming import iter_events, open_events, read_all, send_message, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(scenario):
    return async_to_sync(scenario)()


async def logged_in(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


def test_answer_streams_in_pieces_then_arrives_rendered_with_figures(owner):
    async def scenario():
        client = await logged_in(owner)
        response, run_id = await send_message(client, "Explain recursion [sim tokens=40 rate=200]")
        assert response["HX-Push-Url"].startswith("/c/")
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    text_events = [e for e in events if e.event == "text"]
    assert len(text_events) >= 2
    assert events[-1].event == "done"
    run = Run.objects.select_related("message__conversation").get(pk=run_id)
    assert run.status == Run.Status.DONE
    assert run.message.content == text_of(events)
    assert run.output_tokens == 40 and run.input_tokens
    assert run.first_token_at and run.finished_at and run.time_to_first_token_ms is not None
    assert run.message.conversation.title.startswith("Explain recursion")
    # The sidebar lists conversations by their latest answer.
    assert run.message.conversation.updated_at >= run.finished_at
    final = events[-1].data
    assert "40 out" in final and "deepseek-v3" in final and "first token" in final
    assert "sse-connect" not in final  # the finished message no longer streams


def test_reasoning_streams_before_the_answer_into_its_own_block(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(
            client, "Think first [sim tokens=20 rate=50]", model="moonshotai/kimi-k2.5"
        )
        return await read_all(await open_events(client, run_id))

    events = run_async(scenario)
    kinds = [e.event for e in events if e.event in ("reasoning", "text")]
    assert kinds[0] == "reasoning" and "text" in kinds
    assert kinds.index("text") > max(i for i, k in enumerate(kinds) if k == "reasoning")
    assert 'class="reasoning"' in events[-1].data
    assert Message.objects.get(role="assistant").reasoning == text_of(events, "reasoning")


def test_reopening_mid_answer_replays_the_text_so_far_then_continues_live(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Long one [sim tokens=100 rate=50]")
        first = await open_events(client, run_id)
        seen = []
        async for event in iter_events(first):
            if event.event == "text":
                seen.append(event)
            if len(seen) >= 5:
                break
        # A new connection (a reload): no Last-Event-ID, so it starts with a snapshot.
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    assert events[0].event == "snapshot"
    assert text_of(events[:1]), "the snapshot carries the text produced before the reload"
    assert text_of(events) == Message.objects.get(run__pk=run_id).content


def test_text_is_saved_in_batches_not_per_token(owner, settings):
    settings.RUN_FLUSH_INTERVAL_SECONDS = 1.0

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Batch me [sim tokens=60 rate=30]")
        stored_states, first_token_times = set(), set()

        async def watch_database():
            while True:
                run = await Run.objects.select_related("message").aget(pk=run_id)
                stored_states.add(run.message.content)
                if run.message.content and run.status == Run.Status.STREAMING:
                    first_token_times.add(run.first_token_at)
                await asyncio.sleep(0.02)

        watcher = asyncio.create_task(watch_database())
        events = await read_all(await open_events(client, run_id))
        watcher.cancel()
        return events, stored_states, first_token_times

    events, stored_states, first_token_times = run_async(scenario)
    # The batches also record when the first token came, so a crash keeps that too.
    assert first_token_times and None not in first_token_times
    final = text_of(events)
    pieces = [e for e in events if e.event == "text"]
    intermediate = stored_states - {"", final}
    assert len(pieces) >= 20, "the page got the answer in many pieces"
    assert 1 <= len(intermediate) <= 3, f"{len(intermediate)} partial writes in about 2 s"


def test_sse_text_is_escaped_html(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "[sim echo rate=40] <b>bold</b> & <i hx-get='/x'>")
        return await read_all(await open_events(client, run_id))

    events = run_async(scenario)
    pieces = [e.data for e in events if e.event == "text"]
    assert pieces and all("<" not in piece for piece in pieces), "markup arrives escaped"
    assert "<b>bold</b> & <i hx-get='/x'>" in text_of(events)
    assert "<i hx-get" not in events[-1].data  # the final Markdown has no raw HTML either


def test_line_breaks_in_the_answer_cannot_forge_an_event_for_the_page(owner):
    """A lone CR ends an SSE line as LF does: model text with one must not start an `event:`
    or `id:` field of its own, neither live nor in the snapshot of a reopened page."""
    forged = "AAA\revent: x\rid: 99999\rdata: y\r\n\rz"
    filler = " and more" * 30

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, f"[sim echo rate=40] {forged}{filler}")
        live = []
        async for event in iter_events(await open_events(client, run_id)):
            live.append(event)
            if len(text_of(live)) > len(forged):  # past the forged part, far from the end
                break
        # A new connection (a reload) starts with a snapshot of the text so far.
        return live, await read_all(await open_events(client, run_id))

    live, reopened = run_async(scenario)
    assert Message.objects.get(role="assistant").content == forged + filler
    for event in live + reopened:
        assert event.event in {"text", "snapshot", "markdown", "done", "status"}, event
        assert event.id != "99999", event
    assert reopened[0].event == "snapshot"
    normalised = "AAA\nevent: x\nid: 99999\ndata: y\n\nz"
    assert text_of(live).startswith(normalised)
    assert text_of(reopened) == normalised + filler


@pytest.mark.parametrize(
    ("knob", "expected"),
    [
        ("error=401", "(401)"),
        ("error=402", "balance"),
        ("error=403", "(403)"),
        ("error=404", "not found"),
        ("error=429 retry_after=60", "(429)"),
        ("error=500", "(500)"),
    ],
)
def test_upstream_errors_are_shown_in_plain_words(owner, knob, expected):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, f"Hello [sim {knob}]")
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    run = Run.objects.get(pk=run_id)
    assert run.status == Run.Status.FAILED
    assert expected in run.error_message
    assert html.escape(run.error_message) in events[-1].data


def test_a_stream_cut_midway_keeps_the_partial_text_and_says_so(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Cut me [sim tokens=40 cut=20 rate=40]")
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.FAILED and run.error_kind == "protocol"
    assert run.message.content and run.message.content == text_of(events)
    assert "cut off" in run.error_message


def test_transient_errors_before_the_first_byte_are_retried_and_the_page_is_told(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(
            client, "Flaky [sim error=503 fail_times=1 retry_after=1 tokens=20 rate=40]"
        )
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    assert Run.objects.get(pk=run_id).status == Run.Status.DONE
    shown = [text_of(events[: end + 1], "status") for end in range(len(events))]
    assert any("Retrying" in status for status in shown)
    assert "Retrying" not in shown[-1], "the notice gives way once the answer comes"


def test_the_conversation_history_is_sent_with_a_follow_up(owner):
    from playground.simulator.app import application as simulator

    async def scenario():
        client = await logged_in(owner)
        response, run_id = await send_message(client, "First question [sim tokens=5 rate=0]")
        await read_all(await open_events(client, run_id))
        conversation_id = int(response["HX-Push-Url"].strip("/").split("/")[-1])
        simulator.reset()
        _, run_id = await send_message(
            client, "Second question [sim tokens=5 rate=0]", conversation_id=conversation_id
        )
        await read_all(await open_events(client, run_id))

    run_async(scenario)
    body = simulator.received[-1]["json"]
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert body["stream"] is True and body["model"] == "deepseek-v3"


def test_a_silent_answer_keeps_its_stream_alive_then_streams_on(owner, monkeypatch):
    """A model that thinks before its first token: the open stream gets keep-alives, so no
    proxy takes it for dead, and then every piece."""
    from playground.chat import page_stream

    monkeypatch.setattr(page_stream, "KEEPALIVE_SECONDS", 0.2)

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Think first [sim delay=1 tokens=8 rate=0]")
        content = (await open_events(client, run_id)).response.streaming_content
        raw = b""
        async for chunk in content:
            raw += chunk
            if b"event: done-" in raw:
                break
        await content.aclose()
        return raw

    raw = run_async(scenario)
    before_the_answer = raw.split(b"event: text", 1)[0]
    assert before_the_answer.count(b": keep-alive") >= 3
    assert raw.count(b": keep-alive") <= 8  # about one per 0.2 s, not one per piece
    assert b"event: done" in raw
