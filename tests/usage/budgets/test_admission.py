"""Limits refuse a send, regenerate, comparison or studio job before anything goes upstream,
saying which limit and when it resets; parallel requests are admitted one after another."""

import html
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from playground.chat import services as chat_services
from playground.chat.models import ModelPrice, Run
from playground.chat.panel import PREFIX
from playground.compare.models import Comparison
from playground.nexconn.media.catalog import media_model
from playground.studio import services as studio_services
from playground.studio.models import Generation
from playground.usage.budgets import LimitExceeded, next_month_start
from playground.usage.models import (
    BudgetPolicy,
    Limit,
    MediaPrice,
    Reservation,
    UnpricedRule,
    UsageRecord,
)
from tests.usage.budgets.conftest import upstream_calls

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}
MODEL = "deepseek-v3"


def chat(**params):
    return chat_services.ChatSettings(model=MODEL, params=params)


def send(user, text="Hello", **params):
    """A message in a new conversation, as the send view stores it (the run is not started)."""
    return chat_services.message_send(user=user, conversation=None, text=text, chat=chat(**params))


def post_send(client, text="Hello", **extra):
    data = {"text": text, "model": MODEL, "conversation": "", **extra}
    return client.post(reverse("chat:send"), data, **HTMX)


def text(response) -> str:
    return html.unescape(response.content.decode())


def resets() -> str:
    reset = next_month_start()
    return f"it resets on {reset.day} {reset:%B}"


def spent(amount, **owner):
    UsageRecord.objects.create(
        source=f"run:{UsageRecord.objects.count() + 9000}",
        kind="answer",
        model=MODEL,
        status="done",
        key_source="instance",
        cost=Decimal(amount),
        ended_at=timezone.now(),
        **owner,
    )


def one_dollar_answers():
    """Each answer with max_tokens=1000 may cost $1 (output at $1000 a million)."""
    ModelPrice.objects.create(model=MODEL, input_per_million=0, output_per_million=1000)


# --- atomic admission ----------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["monthly spend", "answers running"])
def test_twenty_parallel_sends_with_room_for_five_start_exactly_five(owner, limit):
    one_dollar_answers()
    if limit == "monthly spend":
        Limit.objects.create(user=owner, monthly_spend=Decimal(5))
    else:
        Limit.objects.create(user=owner, max_running_answers=5)
    start = threading.Barrier(20)

    def attempt(index):
        try:
            start.wait()
            send(owner, f"Question {index}", max_tokens="1000")
            return "started"
        except LimitExceeded as refused:
            return refused.status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))

    assert outcomes.count("started") == 5, outcomes
    assert set(outcomes) - {"started"} == {402 if limit == "monthly spend" else 429}
    assert Run.objects.count() == 5 and Reservation.objects.count() == 5


# --- each limit, refused before upstream, in plain words ---------------------------------


def test_a_used_up_personal_budget_refuses_the_send_in_place(owner_client, owner):
    Limit.objects.create(user=owner, monthly_spend=Decimal(5))
    spent("5.00", user=owner)
    response = post_send(owner_client, "Keep this text")
    assert response.status_code == 402
    page = text(response)
    assert f"Your monthly budget of $5.00 is used up; {resets()}." in page
    assert "Keep this text" in page  # the composer keeps what was typed
    assert not Run.objects.exists() and not upstream_calls()


def test_an_estimate_over_what_is_left_says_both(owner_client, owner):
    one_dollar_answers()
    Limit.objects.create(user=owner, monthly_spend=Decimal(5))
    spent("4.60", user=owner)
    response = post_send(owner_client, **{f"{PREFIX}max_tokens": "1000"})
    assert response.status_code == 402
    assert "could cost up to $1.00" in text(response)
    assert "monthly budget of $5.00 has $0.40 left" in text(response)
    assert not upstream_calls()


def test_a_used_up_team_budget_refuses_every_member(client, other_user, team, owner):
    Limit.objects.create(team=team, monthly_spend=Decimal(50))
    spent("50", user=owner, team=team)  # the owner spent it all
    client.force_login(other_user)
    response = post_send(client)
    assert response.status_code == 402
    assert f"Your team's monthly budget of $50.00 is used up; {resets()}." in (text(response))
    assert not Run.objects.exists() and not upstream_calls()


def test_running_answers_over_a_member_limit_the_owner_set(client, other_user, team):
    Limit.objects.create(team=team, user=other_user, max_running_answers=1)
    send(other_user)  # queued: running
    client.force_login(other_user)
    response = post_send(client)
    assert response.status_code == 429
    assert (
        "You already have 1 answer running, the most your team allows; wait for one to finish."
        in text(response)
    )
    assert Run.objects.count() == 1 and not upstream_calls()


def test_running_answers_over_the_team_limit(client, owner, other_user, team):
    Limit.objects.create(team=team, max_running_answers=2)
    send(owner)
    send(other_user)
    client.force_login(other_user)
    response = post_send(client)
    assert response.status_code == 429
    assert "Your team already has 2 answers running, the most it allows at once" in (text(response))


def test_an_answer_that_ended_frees_its_place(owner):
    Limit.objects.create(user=owner, max_running_answers=1)
    _, run = send(owner)
    with pytest.raises(LimitExceeded):
        send(owner)
    # Ended without settling (a bulk update, a worker that died): found before refusing.
    Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED)
    send(owner)
    assert UsageRecord.objects.get(source=f"run:{run.pk}").status == "failed"


def test_requests_per_minute_say_when_to_try_again(owner_client, owner):
    Limit.objects.create(user=owner, requests_per_minute=2)
    send(owner)
    send(owner)
    response = post_send(owner_client)
    assert response.status_code == 429
    page = text(response)
    assert "Too many requests: at most 2 a minute; try again in " in page
    wait = int(page.split("try again in ")[1].split(" s")[0])
    assert 1 <= wait <= 60
    assert Run.objects.count() == 2 and not upstream_calls()


def test_regenerate_and_retry_over_a_limit_are_refused(owner_client, owner):
    _, run = send(owner)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED)
    run.refresh_from_db()
    chat_services.run_mark_interrupted(run=run)  # settles it (already failed: no change)
    Limit.objects.create(user=owner, monthly_spend=Decimal(1))
    spent("1", user=owner)
    regenerate = owner_client.post(
        reverse("chat:message-regenerate", args=[run.message_id]), **HTMX
    )
    retry = owner_client.post(reverse("chat:run-retry", args=[run.pk]), **HTMX)
    for response in (regenerate, retry):
        assert response.status_code == 402
        assert "Your monthly budget of $1.00 is used up" in text(response)
    assert Run.objects.count() == 1 and not upstream_calls()


def test_a_comparison_over_the_limit_is_refused_whole(owner_client, owner):
    Limit.objects.create(user=owner, max_running_answers=2)
    data = {"kind": "chat", "prompt": "Compare", "model_0": MODEL, "model_1": "openai/gpt-5"}
    data["model_2"] = "claude-4.5-sonnet"
    response = owner_client.post(reverse("compare:create"), data)
    assert response.status_code == 429
    assert "You already have 2 answers running, the most you are allowed" in (text(response))
    assert not Comparison.objects.exists() and not Run.objects.exists()
    assert not upstream_calls()


def test_a_studio_job_over_the_media_limit_keeps_the_form(owner_client, owner):
    Limit.objects.create(user=owner, max_running_media=1)
    model = media_model("veo-3.0-generate-preview", kind="video")
    studio_services.generation_create(
        user=owner, model=model, mode="text", prompt="first", params={}, inputs=[]
    )
    data = {"model": "video:veo-3.0-generate-preview", "mode": "text", "prompt": "A red kite"}
    response = owner_client.post(reverse("studio:create"), data, **HTMX)
    assert response.status_code == 429
    page = text(response)
    assert "You already have 1 media job running, the most you are allowed" in page
    assert "A red kite" in page
    assert Generation.objects.count() == 1


# --- models without a price -------------------------------------------------------------


def test_unpriced_models_blocked_by_the_admins_rule(owner_client, owner):
    BudgetPolicy.objects.create(unpriced=UnpricedRule.BLOCK)
    Limit.objects.create(user=owner, monthly_spend=Decimal(10))
    response = post_send(owner_client)
    assert response.status_code == 402
    assert f"{MODEL} has no price yet" in text(response)
    assert not Run.objects.exists() and not upstream_calls()


def test_unpriced_models_counted_as_requests_only(owner, settings):
    settings.USAGE_UNPRICED_RULE = "count"
    Limit.objects.create(user=owner, monthly_spend=Decimal(10))
    _, run = send(owner)
    assert Reservation.objects.get(source=f"run:{run.pk}").estimate is None


# --- estimates --------------------------------------------------------------------------


def test_a_video_estimate_uses_the_resolutions_price_and_length(owner):
    model_id = "veo-3.0-generate-preview"
    MediaPrice.objects.create(model=model_id, resolution="720p", per_video_second="0.10")
    MediaPrice.objects.create(model=model_id, resolution="1080p", per_video_second="0.25")
    MediaPrice.objects.create(model=model_id, resolution="", per_video_second="0.15")
    model = media_model(model_id, kind="video")

    def estimate(**params):
        job = studio_services.generation_create(
            user=owner, model=model, mode="text", prompt="x", params=params, inputs=[]
        )
        return Reservation.objects.get(source=f"generation:{job.pk}").estimate

    assert estimate(resolution="1080p", duration="8") == Decimal("2.00")
    assert estimate(resolution="720p", duration="4") == Decimal("0.40")
    assert estimate(duration="8") == Decimal("1.20")  # no resolution: the model's own price


def test_an_image_estimate_counts_the_images(owner):
    model = media_model("kling-v2-1", kind="image")
    MediaPrice.objects.create(model=model.id, per_image="0.04")
    job = studio_services.generation_create(
        user=owner, model=model, mode="text", prompt="x", params={"n": 3}, inputs=[]
    )
    assert Reservation.objects.get(source=f"generation:{job.pk}").estimate == Decimal("0.12")


def test_an_answer_estimate_uses_the_requested_maximum_and_the_prompt(owner):
    ModelPrice.objects.create(model=MODEL, input_per_million=1000, output_per_million=2000)
    _, run = send(owner, "x" * 400, max_tokens="500")  # about 100 prompt tokens
    reservation = Reservation.objects.get(source=f"run:{run.pk}")
    assert reservation.prompt_tokens == 100
    assert reservation.estimate == Decimal("1.1")  # 100 × $0.001 + 500 × $0.002
