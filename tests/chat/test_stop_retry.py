"""Stop really stops; Retry makes a new attempt; one answer at a time per conversation."""

import asyncio
import time

import pytest
from django.urls import reverse

from playground.chat.models import Message, Run
from playground.simulator.app import application as simulator
from tests.chat.streaming import RUN_ON_PAGE, iter_events, open_events, read_all, send_message
from tests.chat.test_runs import logged_in, run_async

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


async def stop(client, run_id):
    return await client.post(reverse("chat:run-stop", args=[run_id]), headers=HTMX)


async def wait_until(condition):
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 - the simulator offers no event to wait on
            await asyncio.sleep(0.01)


def test_stop_cancels_the_upstream_within_a_second_and_keeps_the_partial_text(owner):
    simulator.reset()

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Long answer [sim tokens=400 rate=40]")
        follower = await open_events(client, run_id)
        events = []
        async for event in iter_events(follower):
            events.append(event)
            if sum(e.event == "text" for e in events) >= 5:
                break
        started = time.monotonic()
        response = await stop(client, run_id)
        await wait_until(lambda: simulator.disconnects >= 1)
        cancel_seconds = time.monotonic() - started
        final = await read_all(await open_events(client, run_id))
        return run_id, response, cancel_seconds, final

    run_id, response, cancel_seconds, final = run_async(scenario)
    assert response.status_code == 204
    assert cancel_seconds < 1.0, f"the upstream saw the disconnect after {cancel_seconds:.2f} s"
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.STOPPED
    assert run.message.content, "the partial text is kept"
    assert len(run.message.content.split()) < 300
    assert "Stopped." in final[-1].data and "Retry" in final[-1].data


def test_stop_before_the_first_token(owner):
    simulator.reset()

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Slow start [sim delay=5]")
        await asyncio.sleep(0.2)
        await stop(client, run_id)
        await wait_until(lambda: simulator.disconnects >= 1)
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    assert Run.objects.get(pk=run_id).status == Run.Status.STOPPED
    assert Message.objects.get(run__pk=run_id).content == ""
    assert events[-1].event == "done" and "Stopped." in events[-1].data


def test_sending_while_an_answer_is_running_is_refused(owner):
    async def scenario():
        client = await logged_in(owner)
        response, run_id = await send_message(client, "First [sim tokens=200 rate=50]")
        conversation_id = int(response["HX-Push-Url"].strip("/").split("/")[-1])
        second = await client.post(
            reverse("chat:send"),
            {"text": "Second", "model": "deepseek-v3", "conversation": conversation_id},
            headers=HTMX,
        )
        await stop(client, run_id)
        await read_all(await open_events(client, run_id))
        return conversation_id, second

    conversation_id, second = run_async(scenario)
    assert second.status_code == 409
    assert b"still being written" in second.content and b"Second" in second.content
    assert Message.objects.filter(conversation_id=conversation_id).count() == 2


def test_retry_makes_a_new_attempt_and_the_failed_one_stays(owner):
    async def scenario():
        client = await logged_in(owner)
        _, failed_id = await send_message(client, "Try me [sim error=402]")
        await read_all(await open_events(client, failed_id))
        retry = await client.post(reverse("chat:run-retry", args=[failed_id]), headers=HTMX)
        new_id = int(RUN_ON_PAGE.search(retry.content).group(1))
        return failed_id, new_id, await read_all(await open_events(client, new_id))

    failed_id, new_id, events = run_async(scenario)
    failed = Run.objects.select_related("message").get(pk=failed_id)
    retried = Run.objects.select_related("message").get(pk=new_id)
    assert failed.status == Run.Status.FAILED and "balance" in failed.error_message
    # The simulator's fail knob is part of the prompt, so the retry fails the same way, but
    # as a new message after the first one, with the same question.
    assert retried.message_id > failed.message_id
    assert retried.message.conversation_id == failed.message.conversation_id
    assert retried.status == Run.Status.FAILED
    assert events[-1].event == "done"


def test_retry_after_a_transient_failure_answers(owner):
    simulator.reset()

    async def scenario():
        client = await logged_in(owner)
        text = "Flaky [sim error=500 fail_times=3 tokens=20 rate=0]"
        _, failed_id = await send_message(client, text)
        await read_all(await open_events(client, failed_id))
        retry = await client.post(reverse("chat:run-retry", args=[failed_id]), headers=HTMX)
        new_id = int(RUN_ON_PAGE.search(retry.content).group(1))
        await read_all(await open_events(client, new_id))
        return failed_id, new_id

    failed_id, new_id = run_async(scenario)
    assert Run.objects.get(pk=failed_id).status == Run.Status.FAILED
    new = Run.objects.select_related("message").get(pk=new_id)
    assert new.status == Run.Status.DONE and new.message.content
    # The failed attempt is not sent to the model as part of the conversation.
    roles = [m["role"] for m in simulator.received[-1]["json"]["messages"]]
    assert roles == ["user"]


def test_only_the_latest_answer_can_be_retried(owner):
    async def scenario():
        client = await logged_in(owner)
        response, first_id = await send_message(client, "One [sim error=500 retry_after=0]")
        await read_all(await open_events(client, first_id))
        conversation_id = int(response["HX-Push-Url"].strip("/").split("/")[-1])
        _, second_id = await send_message(
            client, "Two [sim tokens=3 rate=0]", conversation_id=conversation_id
        )
        await read_all(await open_events(client, second_id))
        return await client.post(reverse("chat:run-retry", args=[first_id]), headers=HTMX)

    response = run_async(scenario)
    assert response.status_code == 409
    assert b"Only the latest answer" in response.content


def test_a_finished_answer_cannot_be_stopped_or_changed(owner):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Quick [sim tokens=3 rate=0]")
        await read_all(await open_events(client, run_id))
        return run_id, await stop(client, run_id)

    run_id, response = run_async(scenario)
    assert response.status_code == 204
    assert Run.objects.get(pk=run_id).status == Run.Status.DONE
