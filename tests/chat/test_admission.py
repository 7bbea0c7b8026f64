"""While answers stream, a new send waits for the server to have room: CPU to spare, and an
event loop that keeps time."""

import asyncio
import re
import time
from contextlib import contextmanager

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from playground.chat.models import Run
from tests.chat.streaming import open_events, read_all, send_message
from tests.conftest import busy_process

pytestmark = pytest.mark.django_db(transaction=True)

LONG_ANSWER = "Stream for a while [sim tokens=100 rate=40]"


@pytest.fixture(autouse=True)
def _held_back_at_a_tenth_of_a_cpu(settings):
    """Busy means more than a tenth of a CPU here: beside other tests (and browsers) on two
    cores the burner may get far less than a core; calm, the process uses a few percent."""
    settings.ANSWER_ADMISSION_CPU_SHARE = 0.1


async def logged_in(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def timed_send_while_busy(client, text: str) -> tuple[int, float]:
    """Send once the process has been busy for a whole admission window: the new run, and
    the seconds the send took."""
    await asyncio.sleep(0.7)
    started = time.monotonic()
    _, run_id = await asyncio.wait_for(send_message(client, text), timeout=10)
    return run_id, time.monotonic() - started


@contextmanager
def late_loop():
    """The running event loop (the app's, here) is held 30 ms out of every 40, as when the
    cores are taken by other programs: everything it runs runs late."""
    loop = asyncio.get_running_loop()

    def hold() -> None:
        nonlocal holding
        time.sleep(0.03)
        holding = loop.call_later(0.01, hold)

    holding = loop.call_soon(hold)
    try:
        yield
    finally:
        holding.cancel()


async def finish(client, run_id: int) -> None:
    events = await read_all(await open_events(client, run_id))
    assert events[-1].event == "done"


@pytest.mark.parametrize(
    ("busy", "cpu_share", "loop_lag_ms"),
    [(busy_process, 0.1, 0), (late_loop, 0, 5)],
    ids=["cpu share", "loop lateness"],
)
def test_a_send_waits_while_the_server_is_busy_and_goes_once_it_has_room(
    owner, settings, busy, cpu_share, loop_lag_ms
):
    """Each measure alone holds a send back: a thread that takes the CPU (and the GIL), or an
    event loop that runs late."""
    settings.ANSWER_ADMISSION_CPU_SHARE = cpu_share
    settings.ANSWER_ADMISSION_LOOP_LAG_MS = loop_lag_ms

    async def scenario():
        client = await logged_in(owner)
        _, streaming = await send_message(client, LONG_ANSWER)
        with busy():
            await asyncio.sleep(0.7)  # the busy time fills the admission's window
            second = asyncio.create_task(send_message(client, "Next question"))
            await asyncio.sleep(1.0)
            assert not second.done(), "the send went ahead while the server was busy"
            calmed_at = time.monotonic()
        _, second_run = await asyncio.wait_for(second, timeout=10)
        waited_after_calm = time.monotonic() - calmed_at
        await finish(client, streaming)
        await finish(client, second_run)
        return second_run, waited_after_calm

    second_run, waited_after_calm = async_to_sync(scenario)()
    assert waited_after_calm < 5
    assert Run.objects.get(pk=second_run).status == Run.Status.DONE


def test_a_send_goes_ahead_after_the_longest_wait_even_if_the_server_stays_busy(owner, settings):
    settings.ANSWER_ADMISSION_MAX_WAIT_SECONDS = 0.5

    async def scenario():
        client = await logged_in(owner)
        _, streaming = await send_message(client, LONG_ANSWER)
        with busy_process():
            second_run, waited = await timed_send_while_busy(client, "Next")
        await finish(client, streaming)
        await finish(client, second_run)
        return waited

    waited = async_to_sync(scenario)()
    assert 0.5 <= waited < 5


def test_with_no_answer_streaming_a_busy_server_takes_a_send_at_once(owner, settings):
    settings.ANSWER_ADMISSION_MAX_WAIT_SECONDS = 20

    async def scenario():
        client = await logged_in(owner)
        _, earlier = await send_message(client, "Hello [sim tokens=5 rate=100]")
        await finish(client, earlier)
        with busy_process():
            run_id, waited = await timed_send_while_busy(client, "Again")
        await finish(client, run_id)
        return waited

    assert async_to_sync(scenario)() < 5


def test_opening_an_edit_form_is_not_held_back_by_a_busy_server(owner, settings):
    settings.ANSWER_ADMISSION_MAX_WAIT_SECONDS = 20

    async def scenario():
        client = await logged_in(owner)
        response, streaming = await send_message(client, "Go on [sim tokens=400 rate=40]")
        question_id = int(re.search(rb'id="message-(\d+)"', response.content).group(1))
        with busy_process():
            await asyncio.sleep(0.7)
            started = time.monotonic()
            form = await client.get(reverse("chat:message-edit", args=[question_id]))
            took = time.monotonic() - started
        await client.post(reverse("chat:run-stop", args=[streaming]))
        await finish(client, streaming)
        return form, took

    form, took = async_to_sync(scenario)()
    assert form.status_code == 200 and b"<textarea" in form.content
    assert took < 3  # the answer streams for 10 s: held back, the form would wait for it
