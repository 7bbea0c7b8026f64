"""A blind comparison stays blind everywhere until its owner votes: its column chats are not
in the chat sidebar nor open as chats, its image jobs are not in the studio's job list nor
the gallery; a vote cast after a name was shown is not counted as blind."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from playground.chat.models import Conversation, Run
from playground.compare.models import Comparison, Entry, Vote
from playground.teams.services import member_add, team_create
from tests.compare.factories import IMAGE_MODELS, chat_comparison, image_comparison
from tests.studio.factories import finished_generation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def vote(client, comparison, **data):
    turn = comparison.turns.get()
    url = reverse("compare:vote", args=[comparison.pk, turn.pk])
    assert client.post(url, data or {"outcome": "tie"}).status_code == 302


def sidebar(client, **query) -> str:
    return client.get(reverse("chat:conversation-list"), query, **HTMX).content.decode()


def test_blind_column_chats_are_not_chats_until_the_vote(owner):
    client = logged_in(owner)
    plain = Conversation.objects.create(owner=owner, title="My own chat", model="deepseek-v3")
    comparison = chat_comparison(owner)
    columns = list(comparison.columns.select_related("conversation"))
    conversation = columns[0].conversation
    run = Run.objects.get(message__conversation=conversation)

    home = client.get(reverse("chat:home")).content.decode()
    assert f'id="conversation-{plain.pk}"' in home
    for column in columns:
        assert f'id="conversation-{column.conversation_id}"' not in home
        assert f'id="conversation-{column.conversation_id}"' not in sidebar(client, q="tides")
        assert f'id="conversation-{column.conversation_id}"' not in sidebar(client)

    # Opened by its address, the column is the comparison (where its name is hidden).
    response = client.get(reverse("chat:conversation", args=[conversation.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("compare:comparison", args=[comparison.pk])
    # Nothing else in the chat names its model either.
    for url in (
        reverse("chat:conversation-export", args=[conversation.pk, "md"]),
        reverse("chat:run-inspect", args=[run.pk]),
        f"{reverse('chat:page-events', args=['a' * 24])}?run={run.pk}",
        reverse("chat:message-edit", args=[run.message_id - 1]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("chat:message-regenerate", args=[run.message_id])).status_code == 404
    sent = client.post(
        reverse("chat:send"),
        {"conversation": conversation.pk, "text": "Who are you?", "model": "deepseek-v3"},
    )
    assert sent.status_code == 404
    # The comparison page may still stop a column's answer.
    stop = client.post(reverse("chat:run-stop", args=[run.pk]), **HTMX)
    assert stop.status_code == 204

    page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    assert "deepseek-v3" not in page and "claude-4.5-sonnet" not in page

    vote(client, comparison, outcome="winner", winner=columns[1].pk)
    assert Vote.objects.get().blind
    for column in columns:
        assert f'id="conversation-{column.conversation_id}"' in sidebar(client)
    opened = client.get(reverse("chat:conversation", args=[conversation.pk]))
    assert opened.status_code == 200
    assert conversation.model in opened.content.decode()
    assert client.get(reverse("chat:run-inspect", args=[run.pk])).status_code == 200


def test_a_team_members_vote_does_not_reveal_the_owners_column_chats(owner, other_user):
    team = team_create(user=owner, name="Lab")
    member_add(team=team, by=owner, username=other_user.username)
    comparison = chat_comparison(owner, team=team)
    vote(logged_in(other_user), comparison)
    conversation = comparison.columns.first().conversation
    assert f'id="conversation-{conversation.pk}"' not in sidebar(logged_in(owner))
    assert (
        logged_in(owner).get(reverse("chat:conversation", args=[conversation.pk])).status_code
        == 302
    )


def test_a_comparison_that_is_not_blind_keeps_its_column_chats(owner):
    comparison = chat_comparison(owner, blind=False)
    conversation = comparison.columns.first().conversation
    client = logged_in(owner)
    assert f'id="conversation-{conversation.pk}"' in sidebar(client)
    assert client.get(reverse("chat:conversation", args=[conversation.pk])).status_code == 200


def test_blind_image_jobs_stay_out_of_the_studio_until_the_vote(owner):
    client = logged_in(owner)
    own_job, _, _ = finished_generation(owner=owner, prompt="My own picture", model="kling-v2-1")
    comparison = image_comparison(owner)
    jobs = [entry.generation for entry in Entry.objects.filter(turn__comparison=comparison)]

    studio = client.get(reverse("studio:studio")).content.decode()
    gallery = client.get(reverse("studio:gallery")).content.decode()
    by_model = client.get(reverse("studio:gallery"), {"model": "gemini-2.5-flash-image"})
    assert f'id="generation-{own_job.pk}"' in studio
    assert reverse("studio:generation", args=[own_job.pk]) in gallery
    assert "1 job<" in gallery
    assert "0 jobs" in by_model.content.decode()
    for job in jobs:
        assert f'id="generation-{job.pk}"' not in studio
        assert reverse("studio:generation", args=[job.pk]) not in gallery
        detail = client.get(reverse("studio:generation", args=[job.pk]))
        assert detail.status_code == 302
        assert detail["Location"] == reverse("compare:comparison", args=[comparison.pk])
        output = job.outputs.get()
        for url in (
            reverse("studio:card", args=[job.pk]),
            reverse("studio:output-file", args=[output.pk]),
            reverse("studio:studio") + f"?from={job.pk}",
        ):
            assert client.get(url).status_code == 404, url
    page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    assert not any(model in page for model in IMAGE_MODELS)

    vote(client, comparison)
    gallery = client.get(reverse("studio:gallery")).content.decode()
    assert "3 jobs" in gallery
    for job in jobs:
        assert reverse("studio:generation", args=[job.pk]) in gallery
        detail = client.get(reverse("studio:generation", args=[job.pk]))
        assert detail.status_code == 200 and job.model in detail.content.decode()


def test_a_vote_after_a_name_was_shown_is_not_counted_as_blind(owner, other_user):
    team = team_create(user=owner, name="Lab")
    member_add(team=team, by=owner, username=other_user.username)
    shown = chat_comparison(owner, team=team, title="Shown")
    Comparison.objects.filter(pk=shown.pk).update(revealed_before_vote=True)
    hidden = chat_comparison(owner, team=team, title="Hidden")
    for comparison in (shown, hidden):
        winner = comparison.columns.get(model="claude-4.5-sonnet")
        vote(logged_in(owner), comparison, outcome="winner", winner=winner.pk)

    assert not Vote.objects.get(turn__comparison=shown).blind
    assert Vote.objects.get(turn__comparison=hidden).blind
    board = logged_in(owner).get(reverse("compare:leaderboard"), {"team": team.pk})
    assert "1 blind vote" in board.content.decode()

    # The names were shown to the owner, not to the team: a member's vote stays blind.
    vote(logged_in(other_user), shown)
    assert Vote.objects.get(turn__comparison=shown, user=other_user).blind
    board = logged_in(owner).get(reverse("compare:leaderboard"), {"team": team.pk})
    assert "2 blind votes" in board.content.decode()


def test_blind_comparisons_made_before_are_marked_shown_unless_their_owner_voted(owner, other_user):
    """Before this change their column chats and jobs named the models: the migration marks
    the ones whose owner had not voted yet."""
    migration = importlib.import_module(
        "playground.compare.migrations.0002_comparison_revealed_before_vote"
    )
    unvoted = chat_comparison(owner, title="Unvoted")
    voted = chat_comparison(owner, title="Voted")
    voted_by_other = chat_comparison(owner, title="Voted by someone else")
    open_names = chat_comparison(owner, blind=False, title="Not blind")
    Vote.objects.create(turn=voted.turns.get(), user=owner, outcome="tie")
    Vote.objects.create(turn=voted_by_other.turns.get(), user=other_user, outcome="tie")

    migration.flag_blind_comparisons_shown_before(apps, None)

    flagged = set(
        Comparison.objects.filter(revealed_before_vote=True).values_list("title", flat=True)
    )
    assert flagged == {unvoted.title, voted_by_other.title}
    assert not Comparison.objects.get(pk=open_names.pk).revealed_before_vote
