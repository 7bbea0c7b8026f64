"""Votes open only once every column of a turn has finished (as on LMArena): the page draws
the buttons locked, and the server refuses an earlier vote, in place."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from playground.chat.models import Run
from playground.compare.models import Entry, Vote
from playground.studio.models import Generation
from tests.compare.factories import chat_comparison, image_comparison

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def vote_form(client, comparison) -> str:
    page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    return re.search(r'<form class="vote-form".*?</form>', page, re.S).group(0)


def test_a_vote_before_every_answer_has_ended_is_refused_then_accepted(owner):
    comparison = chat_comparison(owner, models=["deepseek-v3", "claude-4.5-sonnet", "openai/gpt-5"])
    turn = comparison.turns.get()
    first, second, third = Entry.objects.filter(turn=turn).order_by("column__position")
    Run.objects.filter(pk=first.run_id).update(status=Run.Status.FAILED)  # ended, badly
    Run.objects.filter(pk=second.run_id).update(status=Run.Status.STREAMING)
    client = logged_in(owner)

    form = vote_form(client, comparison)
    assert f'data-vote-lock="{turn.pk}"' in form
    assert form.count(" disabled>") == 5  # A, B, C, Tie, All bad
    assert "Votes open once every answer has finished." in form
    page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    # The page knows which answer it waits for: the one still being written.
    assert re.findall(r'id="entry-(\d+)" data-turn="\d+" data-active', page) == [str(second.pk)]

    url = reverse("compare:vote", args=[comparison.pk, turn.pk])
    refused = client.post(url, {"outcome": "tie"}, **HTMX)
    assert refused.status_code == 409
    assert "Votes open once every answer has finished: column B is still answering." in (
        refused.content.decode()
    )
    Run.objects.filter(pk=third.run_id).update(status=Run.Status.QUEUED)
    refused = client.post(url, {"outcome": "winner", "winner": first.column_id})
    assert refused.status_code == 409 and b"columns B and C are still answering" in refused.content
    assert not Vote.objects.exists()

    Run.objects.filter(pk__in=[second.run_id, third.run_id]).update(status=Run.Status.DONE)
    form = vote_form(client, comparison)
    assert "data-vote-lock" not in form and "disabled" not in form
    accepted = client.post(url, {"outcome": "tie"}, **HTMX)
    assert accepted.status_code == 200 and accepted["HX-Redirect"]
    assert Vote.objects.get().outcome == "tie"


def test_an_image_turn_opens_its_votes_when_the_last_job_ends(owner):
    comparison = image_comparison(owner)
    turn = comparison.turns.get()
    job = Entry.objects.filter(turn=turn).first().generation
    Generation.objects.filter(pk=job.pk).update(status=Generation.Status.RUNNING)
    client = logged_in(owner)
    url = reverse("compare:vote", args=[comparison.pk, turn.pk])

    assert "data-vote-lock" in vote_form(client, comparison)
    refused = client.post(url, {"outcome": "bad"}, **HTMX)
    assert refused.status_code == 409 and b"column A is still answering" in refused.content

    Generation.objects.filter(pk=job.pk).update(status=Generation.Status.SUCCEEDED)
    assert "data-vote-lock" not in vote_form(client, comparison)
    assert client.post(url, {"outcome": "bad"}).status_code == 302
