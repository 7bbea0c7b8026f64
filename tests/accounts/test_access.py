"""Every accounts URL for an administrator, the team's owner, one of its members, an
outsider and an anonymous visitor.

Making and withdrawing invitations is for administrators (any) and owners (their team's):
others get a 403 with the reason for the page and a 404 for someone else's invitation. The
link itself is for whoever holds it: a visitor signs up, someone logged in joins the team.
"""

import pytest
from django.urls import reverse

from playground.accounts.models import Invitation
from playground.teams.models import Membership
from tests.accounts.conftest import signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin_user, owner, member, other_user):
    return {"admin": admin_user, "owner": owner, "member": member, "outsider": other_user}


def log_in(client, people, who):
    if who != "anonymous":
        client.force_login(people[who])


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("owner", 200), ("member", 403), ("outsider", 403), ("anonymous", 302)],
)
def test_the_invitations_page(client, people, invitation, who, status):
    log_in(client, people, who)
    response = client.get(reverse("invitations"))
    assert response.status_code == status
    html = response.content.decode()
    if status == 200:
        assert reverse("invitation", args=[invitation.token]) in html
    if status == 403:
        assert "Only administrators and team owners make invitations." in html
        assert invitation.token not in html
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("owner", 302), ("member", 403), ("outsider", 403), ("anonymous", 302)],
)
def test_making_an_invitation(client, people, team, who, status):
    log_in(client, people, who)
    response = client.post(
        reverse("invitation-create"), {"team": team.pk, "days": 7, "max_uses": 1}
    )
    assert response.status_code == status
    made = Invitation.objects.filter(team=team).exists()
    assert made == (who in ("admin", "owner"))
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("owner", 302), ("member", 404), ("outsider", 404), ("anonymous", 302)],
)
def test_withdrawing_an_invitation(client, people, invitation, who, status):
    log_in(client, people, who)
    response = client.post(reverse("invitation-revoke", args=[invitation.pk]))
    assert response.status_code == status
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == (who in ("admin", "owner"))


def test_an_owner_of_another_team_does_not_reach_this_teams_invitations(
    client, other_user, invitation
):
    from playground.teams import services as team_services

    team_services.team_create(user=other_user, name="Night shift")
    client.force_login(other_user)
    page = client.get(reverse("invitations"))
    assert page.status_code == 200
    assert invitation.token not in page.content.decode()
    assert client.post(reverse("invitation-revoke", args=[invitation.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "words"),
    [
        ("admin", 200, "Join the team"),
        ("owner", 200, "You are a member of this team already."),
        ("member", 200, "You are a member of this team already."),
        ("outsider", 200, "Join the team"),
        ("anonymous", 200, "Create account and join"),
    ],
)
def test_opening_the_link(client, people, invitation, who, status, words):
    log_in(client, people, who)
    response = client.get(reverse("invitation", args=[invitation.token]))
    assert response.status_code == status
    assert words in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status", "joins"),
    [
        ("admin", 302, True),
        ("owner", 200, False),  # a member already: no use taken
        ("member", 200, False),
        ("outsider", 302, True),
        ("anonymous", 302, True),  # as the new account "dave"
    ],
)
def test_using_the_link(client, people, team, invitation, who, status, joins):
    log_in(client, people, who)
    response = client.post(reverse("invitation", args=[invitation.token]), signup_data("dave"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("teams:team", args=[team.pk])
    invitation.refresh_from_db()
    assert invitation.use_count == (1 if joins else 0)
    username = "dave" if who == "anonymous" else people[who].username
    assert Membership.objects.filter(team=team, user__username=username).exists()


@pytest.mark.parametrize("who", ["admin", "owner", "member", "outsider"])
def test_the_account_admin_is_for_administrators_only(client, people, who):
    """Deactivating and unlocking are actions of the user admin: only administrators."""
    log_in(client, people, who)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [people["member"].pk]},
    )
    people["member"].refresh_from_db()
    if who == "admin":
        assert response.status_code == 302
        assert not people["member"].is_active
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        assert people["member"].is_active


def test_the_account_admin_sends_anonymous_visitors_to_log_in(client, member):
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    member.refresh_from_db()
    assert member.is_active


@pytest.mark.parametrize("who", ["admin", "owner", "member", "outsider", "anonymous"])
def test_wrong_methods_are_refused(client, people, invitation, who):
    """405, after the login check: anonymous visitors are sent to log in first."""
    log_in(client, people, who)
    expected = 302 if who == "anonymous" else 405
    assert client.get(reverse("invitation-create")).status_code == expected
    assert client.get(reverse("invitation-revoke", args=[invitation.pk])).status_code == expected
    assert client.post(reverse("invitations")).status_code == expected
    assert client.put(reverse("invitation", args=[invitation.token])).status_code == 405
