"""Every answer, job and comparison writes one usage row when it ends, with what was billed;
the reservation made at admission gives way to the actual cost."""

import asyncio
from decimal import Decimal

import pytest
from django.urls import reverse

from playground.chat import services as chat_services
from playground.chat.models import ModelPrice, Run
from playground.compare.models import Comparison
from playground.simulator.app import application as simulator
from playground.studio.models import Generation
from playground.usage.models import Limit, MediaPrice, Reservation, UsageRecord
from tests.chat.streaming import iter_events, open_events, read_all, send_message
from tests.chat.test_runs import logged_in, run_async
from tests.compare.test_compare import compare

pytestmark = pytest.mark.django_db(transaction=True)
MODEL = "deepseek-v3"


def answer(user, prompt: str):
    """Send through the view and follow the answer to its end; the run and its events."""

    async def scenario():
        client = await logged_in(user)
        _, run_id = await send_message(client, prompt)
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = run_async(scenario)
    return Run.objects.get(pk=run_id), events


def test_a_done_answer_settles_its_actual_cost(owner):
    ModelPrice.objects.create(
        model=MODEL, input_per_million=1, output_per_million=2, reasoning_per_million=3
    )
    Limit.objects.create(user=owner, monthly_spend=Decimal(10))
    run, events = answer(owner, "Hello [sim tokens=40]")
    row = UsageRecord.objects.get(source=f"run:{run.pk}")
    assert row.kind == "answer" and row.status == "done" and row.user == owner
    assert row.output_tokens == 40 and row.input_tokens == run.input_tokens
    expected = (Decimal(run.input_tokens) * 1 + 40 * 2) / 1_000_000
    assert row.cost == run.cost == expected.quantize(Decimal("0.000001"))
    assert row.key_source == (run.key_source or "demo")  # tests run in demo mode
    assert not Reservation.objects.exists()  # the estimate no longer counts
    assert f"${run.cost.normalize()}" in events[-1].data


def test_reasoning_tokens_are_billed_at_the_reasoning_price(owner):
    ModelPrice.objects.create(
        model="moonshotai/kimi-k2.5",
        input_per_million=0,
        output_per_million=1,
        reasoning_per_million=10,
    )

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(
            client, "Think [sim tokens=20 rate=200]", model="moonshotai/kimi-k2.5"
        )
        await read_all(await open_events(client, run_id))
        return run_id

    run = Run.objects.get(pk=run_async(scenario))
    assert run.reasoning_tokens
    plain = run.output_tokens - run.reasoning_tokens
    expected = Decimal(plain * 1 + run.reasoning_tokens * 10) / 1_000_000
    assert UsageRecord.objects.get(source=f"run:{run.pk}").cost == expected.quantize(
        Decimal("0.000001")
    )


def test_an_unpriced_answer_says_not_priced_and_its_row_has_no_cost(owner):
    run, events = answer(owner, "Hello [sim tokens=5]")
    assert UsageRecord.objects.get(source=f"run:{run.pk}").cost is None
    assert "not priced" in events[-1].data


def test_a_failed_answer_writes_its_row(owner):
    run, _ = answer(owner, "Hello [sim error=500]")
    row = UsageRecord.objects.get(source=f"run:{run.pk}")
    assert run.status == row.status == "failed"


def test_a_stopped_answer_writes_its_row_with_what_was_billed(owner):
    ModelPrice.objects.create(model=MODEL, input_per_million=1, output_per_million=1)

    async def scenario():
        client = await logged_in(owner)
        _, run_id = await send_message(client, "Long [sim tokens=400 rate=40]")
        follower = await open_events(client, run_id)
        seen = 0
        async for event in iter_events(follower):
            seen += event.event == "text"
            if seen >= 3:
                break
        await client.post(reverse("chat:run-stop", args=[run_id]), headers={"HX-Request": "true"})
        async with asyncio.timeout(5):
            while await Run.objects.filter(pk=run_id, status__in=Run.ACTIVE).aexists():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return run_id

    run = Run.objects.select_related("message").get(pk=run_async(scenario))
    row = UsageRecord.objects.get(source=f"run:{run.pk}")
    assert row.status == "stopped"
    assert row.cost is not None and row.cost > 0  # billed on the text written so far
    assert row.output_tokens >= len(run.message.content) // 4 > 0


def test_an_interrupted_answer_writes_its_row_once(owner):
    _, run = chat_services.message_send(
        user=owner, conversation=None, text="Hi", chat=chat_services.ChatSettings(model=MODEL)
    )
    chat_services.run_mark_interrupted(run=run)
    chat_services.run_mark_interrupted(run=run)  # twice: still one row
    assert UsageRecord.objects.filter(source=f"run:{run.pk}").count() == 1
    assert UsageRecord.objects.get().status == "interrupted"
    assert not Reservation.objects.exists()


def test_a_finished_video_job_is_billed_for_its_seconds(owner_client, run_tasks):
    model_id = "kling-v2-5-turbo"
    MediaPrice.objects.create(model=model_id, per_video_second="0.10")
    owner_client.post(
        reverse("studio:create"),
        {
            "model": f"video:{model_id}",
            "mode": "text",
            "prompt": "a paper boat [sim job=0.3]",
            "opt_duration": "5",
        },
    )
    job = Generation.objects.get()
    assert Reservation.objects.get().estimate == Decimal("0.5")
    run_tasks(lambda: not Generation.objects.get(pk=job.pk).is_active)
    row = UsageRecord.objects.get(source=f"generation:{job.pk}")
    assert row.kind == "video" and row.status == "succeeded"
    assert row.video_seconds > 0 and row.cost == (row.video_seconds * Decimal("0.10"))
    assert not Reservation.objects.exists()
    page = owner_client.get(reverse("studio:generation", args=[job.pk])).content.decode()
    assert f"${row.cost.normalize()}" in page


def test_a_failed_job_writes_a_row_billed_nothing(owner_client, run_tasks):
    MediaPrice.objects.create(model="kling-v2-5-turbo", per_video_second="0.10")
    owner_client.post(
        reverse("studio:create"),
        {
            "model": "video:kling-v2-5-turbo",
            "mode": "text",
            "prompt": "a storm [sim job=0.3 fail=error]",
        },
    )
    job = Generation.objects.get()
    run_tasks(lambda: not Generation.objects.get(pk=job.pk).is_active)
    row = UsageRecord.objects.get(source=f"generation:{job.pk}")
    assert row.status == "failed" and row.cost == 0 and row.video_seconds == 0


def test_an_unpriced_job_shows_not_priced(owner_client, run_tasks):
    owner_client.post(
        reverse("studio:create"),
        {"model": "video:sora-2", "mode": "text", "prompt": "waves [sim job=0.3]"},
    )
    job = Generation.objects.get()
    page = owner_client.get(reverse("studio:generation", args=[job.pk])).content.decode()
    assert "not priced" in page
    run_tasks(lambda: not Generation.objects.get(pk=job.pk).is_active)
    assert UsageRecord.objects.get(source=f"generation:{job.pk}").cost is None


def test_a_comparison_writes_its_answers_rows_and_one_marker_row(owner):
    ModelPrice.objects.create(model=MODEL, input_per_million=1, output_per_million=1)
    simulator.reset()
    comparison, _ = compare(
        owner, "Both [sim tokens=3 reasoning=off]", models=[MODEL, "claude-4.5-sonnet"]
    )
    turn = Comparison.objects.get(pk=comparison.pk).turns.get()
    answers = UsageRecord.objects.filter(kind="answer")
    assert answers.count() == 2
    marker = UsageRecord.objects.get(kind="comparison")
    assert marker.source == f"comparison-turn:{turn.pk}"
    assert marker.requests == 0 and marker.cost is None  # its answers carry the cost
    assert marker.status == "done" and MODEL in marker.model
