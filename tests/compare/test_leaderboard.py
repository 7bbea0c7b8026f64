"""The leaderboard page: it opens on the scope of the user's last vote, models whose scores
read the same share a rank, and each rank says how many votes it rests on."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from playground.compare.models import Vote
from playground.teams.services import member_remove
from tests.compare.factories import chat_comparison

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def blind_vote(user, comparison, winner_model=None):
    turn = comparison.turns.get()
    winner = comparison.columns.get(model=winner_model) if winner_model else None
    return Vote.objects.create(
        turn=turn, user=user, outcome="winner" if winner else "tie", winner=winner, blind=True
    )


def board_rows(page: str) -> list[tuple[str, str, str]]:
    """(rank cell text, model, score) per row, as a reader sees them."""
    body = page.split('<table class="leaderboard">', 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        rows.append(tuple(" ".join(cell.split()) for cell in cells[:3]))
    return rows


def test_ties_share_a_rank_and_each_rank_says_its_votes(owner):
    # gpt-5 and claude each beat deepseek once: the same record, so the same score.
    blind_vote(
        owner, chat_comparison(owner, models=["openai/gpt-5", "deepseek-v3"]), "openai/gpt-5"
    )
    blind_vote(
        owner,
        chat_comparison(owner, models=["claude-4.5-sonnet", "deepseek-v3"]),
        "claude-4.5-sonnet",
    )
    page = logged_in(owner).get(reverse("compare:leaderboard")).content.decode()

    rows = board_rows(page)
    assert [(rank, model) for rank, model, _ in rows] == [
        ("1 tied on 1 vote", "claude-4.5-sonnet"),
        ("1 tied on 1 vote", "openai/gpt-5"),
        ("3 on 2 votes", "deepseek-v3"),
    ]
    assert rows[0][2].split()[0] == rows[1][2].split()[0]  # the score they tie on
    assert "2 blind votes" in page


def test_the_board_opens_where_the_user_last_voted(owner, member, team):
    url = reverse("compare:leaderboard")
    own = chat_comparison(owner, title="Mine")
    team_comparison = chat_comparison(owner, team=team, models=["openai/gpt-5", "deepseek-v3"])
    client = logged_in(owner)
    assert "in your own comparisons" in client.get(url).content.decode()  # no vote yet

    blind_vote(owner, team_comparison, "openai/gpt-5")
    page = client.get(url).content.decode()
    assert f"in team {team.name}'s comparisons" in page
    assert re.search(rf'<option value="{team.pk}" selected>', page)
    assert "openai/gpt-5" in page
    # Chosen on the page, "my own comparisons" stays chosen.
    chosen = client.get(url, {"team": ""}).content.decode()
    assert "in your own comparisons" in chosen and "openai/gpt-5" not in chosen

    blind_vote(owner, own)
    assert "in your own comparisons" in client.get(url).content.decode()

    # A member who voted in the team and then left it gets their own board, not a 404.
    blind_vote(member, team_comparison, "deepseek-v3")
    assert f"in team {team.name}'s comparisons" in logged_in(member).get(url).content.decode()
    member_remove(team=team, by=owner, user=member)
    left = logged_in(member).get(url)
    assert left.status_code == 200 and "in your own comparisons" in left.content.decode()


def test_a_comparisons_leaderboard_link_names_its_scope(owner, team):
    own = chat_comparison(owner)
    shared = chat_comparison(owner, team=team)
    client = logged_in(owner)
    for comparison, scope in ((own, ""), (shared, str(team.pk))):
        page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
        assert f'href="{reverse("compare:leaderboard")}?team={scope}"' in page
