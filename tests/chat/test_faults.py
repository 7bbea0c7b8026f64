"""Every upstream fault ends the answer with a plain-language message, the partial text kept
and a Retry button; 429 and 5xx before the first byte are retried first (the page is told)."""

import pytest

from playground.chat.models import Run
from playground.nexconn.client import reset_clients
from playground.simulator.app import application as simulator
from tests.chat.streaming import open_events, read_all, send_message, text_of
from tests.chat.test_runs import logged_in, run_async

pytestmark = pytest.mark.django_db(transaction=True)

FAULTS = {
    # knob: (what the user reads, whether text arrived before the fault)
    "error=401": ("rejected the API key (401)", False),
    "error=402": ("balance is used up (402)", False),
    "error=403": ("not allowed to use this model", False),
    "error=404": ("not found (404)", False),
    "error=429 retry_after=7": ("(429). Try again in 7 seconds", False),
    "error=429 retry_after=0": ("Too many requests", False),
    "error=500 retry_after=0": ("had a problem (500)", False),
    "error=502 retry_after=0": ("had a problem (502)", False),
    "error=503 retry_after=0": ("had a problem (503)", False),
    "delay=3": ("did not answer in time", False),
    "stall=15 tokens=40": ("did not answer in time", True),
    "cut=15 tokens=40": ("cut off before it finished", True),
    "malformed=15 tokens=40": ("malformed", True),
}


@pytest.fixture
def quick_upstream(settings):
    """Short timeouts and one retry keep the fault tests fast."""
    settings.NEXCONN_READ_TIMEOUT = 0.5
    settings.NEXCONN_MAX_RETRIES = 1
    reset_clients()
    simulator.reset()


@pytest.mark.parametrize("knob", FAULTS)
def test_each_fault_ends_in_plain_words_with_the_text_kept_and_retry_offered(
    owner, quick_upstream, knob
):
    message, partial = FAULTS[knob]

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, f"Question [sim {knob} rate=200]")
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.FAILED
    assert message in run.error_message
    final = events[-1].data
    assert events[-1].event == "done" and "Retry" in final
    assert message.split("(")[0].strip() in final.replace("&#x27;", "'")
    if partial:
        assert run.message.content and run.message.content == text_of(events)
        assert len(run.message.content.split()) < 40
    else:
        assert run.message.content == ""


def chat_requests() -> list[dict]:
    return [r for r in simulator.received if r["path"] == "/v1/chat/completions"]


@pytest.mark.parametrize("knob", ["error=429", "error=500", "error=502", "error=503"])
def test_transient_faults_before_the_first_byte_are_retried(owner, quick_upstream, knob):
    async def scenario():
        client = await logged_in(owner)
        text = f"Again [sim {knob} fail_times=1 retry_after=0 tokens=40 rate=50]"
        _, run_id = await send_message(client, text)
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    assert Run.objects.get(pk=run_id).status == Run.Status.DONE
    assert len(chat_requests()) == 2, "one failed attempt, then one that answered"
    assert "Retrying" in text_of(events, "status")


def test_faults_after_the_first_byte_are_not_retried(owner, quick_upstream):
    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Cut [sim cut=5 tokens=40 rate=0]")
        return await read_all(await open_events(client, run_id))

    run_async(scenario)
    assert len(chat_requests()) == 1
