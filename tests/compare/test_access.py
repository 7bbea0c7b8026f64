"""Every compare URL for the owner, a member of the comparison's team, an outsider and an
anonymous visitor."""

import pytest
from django.test import Client
from django.urls import reverse

from playground.chat.models import Conversation, Message, Run
from playground.compare.models import Column, Comparison, Entry, ShareLink, Turn
from playground.teams.services import member_add, team_create

pytestmark = pytest.mark.django_db(transaction=True)  # the SSE view lets go of its connection


@pytest.fixture
def setup(owner, other_user, django_user_model):
    member = django_user_model.objects.create_user(username="bob", password="x" * 12)
    team = team_create(user=owner, name="Lab")
    member_add(team=team, by=owner, username="bob")
    comparison = Comparison.objects.create(owner=owner, team=team, title="Shared work")
    turn = Turn.objects.create(comparison=comparison, index=0, prompt="hi")
    for position, model in enumerate(["deepseek-v3", "openai/gpt-5"]):
        conversation = Conversation.objects.create(owner=owner, model=model)
        column = Column.objects.create(
            comparison=comparison, position=position, model=model, conversation=conversation
        )
        question = Message.objects.create(conversation=conversation, role="user", content="hi")
        answer = Message.objects.create(
            conversation=conversation, role="assistant", parent=question, content="hello"
        )
        conversation.current_leaf = answer
        conversation.save()
        run = Run.objects.create(message=answer, model=model, status=Run.Status.FAILED)
        entry = Entry.objects.create(turn=turn, column=column, run=run)
    link = ShareLink.objects.create(comparison=comparison, created_by=owner)
    return {
        "owner": owner,
        "member": member,
        "outsider": other_user,
        "comparison": comparison,
        "turn": turn,
        "entry": entry,
        "link": link,
    }


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# (method, url name, args from setup, expected for owner, member, outsider, anonymous)
def cases(s):
    pk = s["comparison"].pk
    return [
        ("get", reverse("compare:list"), (200, 200, 200, 302)),
        ("get", reverse("compare:leaderboard"), (200, 200, 200, 302)),
        ("get", reverse("compare:column-settings", args=[0]), (200, 200, 200, 302)),
        ("get", reverse("compare:comparison", args=[pk]), (200, 200, 404, 302)),
        ("get", reverse("compare:events", args=[pk]), (200, 200, 404, 302)),
        (
            "get",
            f"{reverse('compare:events', args=[pk])}?run={s['entry'].run_id}",
            (200, 200, 404, 302),
        ),
        # An answer that is not one of the comparison's is not found, for anyone.
        ("get", f"{reverse('compare:events', args=[pk])}?run=999999", (404, 404, 404, 302)),
        ("get", reverse("compare:cell", args=[pk, s["entry"].pk]), (200, 200, 404, 302)),
        ("get", reverse("compare:export", args=[pk, "md"]), (200, 200, 404, 302)),
        ("get", reverse("compare:export", args=[pk, "json"]), (200, 200, 404, 302)),
        ("get", reverse("compare:media", args=[pk, 999999]), (404, 404, 404, 302)),
        ("get", reverse("compare:shared", args=[s["link"].token]), (200, 200, 200, 302)),
        ("post", reverse("compare:vote", args=[pk, s["turn"].pk]), (302, 302, 404, 302)),
        ("post", reverse("compare:turn", args=[pk]), (400, 404, 404, 302)),
        ("post", reverse("compare:retry", args=[pk, s["entry"].pk]), (302, 404, 404, 302)),
        ("post", reverse("compare:share", args=[pk]), (302, 404, 404, 302)),
        ("post", reverse("compare:share-revoke", args=[pk, s["link"].pk]), (302, 404, 404, 302)),
        ("post", reverse("compare:delete", args=[pk]), (302, 404, 404, 302)),
    ]


@pytest.mark.parametrize("who", ["owner", "member", "outsider", "anonymous"])
def test_every_url_answers_each_kind_of_visitor(setup, who):
    user = None if who == "anonymous" else setup[who]
    client = client_for(user)
    column = ["owner", "member", "outsider", "anonymous"].index(who)
    for method, url, expected in cases(setup):
        data = {"outcome": "tie"} if method == "post" else {}
        response = getattr(client, method)(url, data)
        if url.endswith("/events/") and response.status_code == 200:
            response.close()
        assert response.status_code == expected[column], (who, method, url)
        if who == "anonymous":
            assert response["Location"].startswith(reverse("login"))
    exists = Comparison.objects.filter(pk=setup["comparison"].pk).exists()
    assert exists is (who != "owner")  # only the owner could delete it
