"""Invitation links: made by administrators and team owners, limited in time and uses,
revocable; whoever signs up through one lands in its team."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from playground.accounts import services
from playground.accounts.models import Invitation
from playground.teams.models import Membership
from tests.accounts.conftest import signup_data
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def link(invitation) -> str:
    return reverse("invitation", args=[invitation.token])


def test_signing_up_through_a_link_lands_in_the_team(client, owner, team, invitation):
    page = client.get(link(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join “Model reviewers”" in html
    assert "alice invited you" in html

    response = client.post(link(invitation), signup_data("dave"))
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[team.pk])
    dave = get_user_model().objects.get(username="dave")
    assert not dave.is_superuser
    membership = Membership.objects.get(team=team, user=dave)
    assert membership.role == Membership.Role.MEMBER and membership.added_by == owner
    team_page = client.get(response["Location"]).content.decode()
    assert "Welcome to the team “Model reviewers”." in team_page

    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert list(invitation.used_by.all()) == [dave]


def test_a_link_works_under_the_invite_policy_but_not_when_closed(
    client, settings, team, invitation
):
    settings.SIGNUP_POLICY = "closed"
    page = client.get(link(invitation))
    assert page.status_code == 403
    assert "Sign-up is closed on this server." in page.content.decode()
    assert client.post(link(invitation), signup_data("dave")).status_code == 403
    assert not get_user_model().objects.filter(username="dave").exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_a_refused_form_keeps_the_username_and_takes_no_use(client, invitation):
    data = signup_data("dave") | {"password2": "something else entirely"}
    response = client.post(link(invitation), data)
    assert response.status_code == 400
    assert 'value="dave"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.use_count == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"revoked_at": timezone.now()}, "This invitation was withdrawn. Ask alice for a new"),
        ({"use_count": 2}, "This invitation has already been used 2 times"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "This invitation expired on"),
    ],
)
def test_a_link_that_no_longer_works_says_why(client, invitation, change, words):
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    for response in (client.get(link(invitation)), client.post(link(invitation), signup_data("d"))):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This invitation no longer works" in html
        assert words in html
    assert not get_user_model().objects.filter(username="d").exists()


def test_an_unknown_link_is_a_404_in_plain_words(client, owner):
    response = client.get(reverse("invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link does not exist." in response.content.decode()


def test_a_link_for_one_person_takes_one(client, owner, team):
    invitation = services.invitation_create(by=owner, team=team, days=1, max_uses=1)
    assert client.post(link(invitation), signup_data("dave")).status_code == 302
    client.logout()
    second = client.post(link(invitation), signup_data("erin"))
    assert second.status_code == 410
    assert "already been used once" in second.content.decode()
    assert not get_user_model().objects.filter(username="erin").exists()


def test_someone_logged_in_joins_the_team_through_the_link(client, other_user, team, invitation):
    client.force_login(other_user)
    page = client.get(link(invitation)).content.decode()
    assert "You are logged in as <strong>charlie</strong>" in page
    response = client.post(link(invitation))
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[team.pk])
    assert Membership.objects.filter(team=team, user=other_user).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_a_member_opening_the_link_takes_no_use(client, member, team, invitation):
    client.force_login(member)
    page = client.get(link(invitation))
    assert "You are a member of this team already." in page.content.decode()
    client.post(link(invitation))
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_an_account_only_link_makes_an_account_without_a_team(client, admin_user, other_user):
    invitation = services.invitation_create(by=admin_user, team=None, days=7, max_uses=1)
    response = client.post(link(invitation), signup_data("dave"))
    assert response.status_code == 302
    assert response["Location"] == reverse("chat:home")
    assert not Membership.objects.filter(user__username="dave").exists()

    client.force_login(other_user)
    page = client.get(link(invitation))
    assert page.status_code == 410  # used up by dave


def test_the_owner_makes_a_link_for_their_team_on_the_invitations_page(client, owner, team):
    client.force_login(owner)
    page = client.get(reverse("invitations") + f"?team={team.pk}")
    assert page.status_code == 200
    assert f'<option value="{team.pk}" selected>Model reviewers</option>' in page.content.decode()

    response = client.post(
        reverse("invitation-create"), {"team": team.pk, "days": 30, "max_uses": 5}
    )
    assert response.status_code == 302
    made = Invitation.objects.get()
    assert response["Location"] == reverse("invitations") + f"#invitation-{made.pk}"
    assert made.team == team and made.created_by == owner and made.max_uses == 5
    assert dt.timedelta(days=29) < made.expires_at - timezone.now() <= dt.timedelta(days=30)

    html = client.get(reverse("invitations")).content.decode()
    assert f"http://testserver{link(made)}" in html
    assert "0 of 5 uses taken" in html


def test_bad_values_are_explained_and_kept(client, owner, team):
    client.force_login(owner)
    response = client.post(
        reverse("invitation-create"), {"team": team.pk, "days": 30, "max_uses": 500}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A link can be used 100 times at most." in html
    assert 'value="500"' in html
    assert not Invitation.objects.exists()


def test_an_owner_cannot_make_a_link_for_another_team_or_none(client, owner, other_user, team):
    from playground.teams import services as team_services

    theirs = team_services.team_create(user=other_user, name="Night shift")
    client.force_login(owner)
    for team_field, words in [
        (theirs.pk, "Choose one of your teams."),
        ("", "Choose the team to invite people to."),
    ]:
        response = client.post(
            reverse("invitation-create"), {"team": team_field, "days": 7, "max_uses": 1}
        )
        assert response.status_code == 400
        assert words in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_administrator_invites_to_any_team_or_none(client, admin_user, team):
    client.force_login(admin_user)
    page = client.get(reverse("invitations")).content.decode()
    assert "No team: just an account" in page
    assert "Sign-up on this server: <strong>By invitation" in page
    for team_field in (team.pk, ""):
        response = client.post(
            reverse("invitation-create"), {"team": team_field, "days": 1, "max_uses": 1}
        )
        assert response.status_code == 302
    assert {i.team_id for i in Invitation.objects.all()} == {team.pk, None}


def test_revoking_stops_the_link_and_keeps_the_accounts_it_made(client, owner, invitation):
    client.post(link(invitation), signup_data("dave"))
    client.force_login(owner)
    response = client.post(reverse("invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 302
    client.logout()
    assert client.get(link(invitation)).status_code == 410
    assert get_user_model().objects.filter(username="dave", is_active=True).exists()
    client.force_login(owner)
    html = client.get(reverse("invitations")).content.decode()
    assert "Withdrawn" in html and "Used by dave" in html


def test_deleting_the_team_ends_its_links(client, owner, team, invitation):
    client.force_login(owner)
    client.post(reverse("teams:delete", args=[team.pk]))
    assert not Invitation.objects.exists()


def test_the_team_page_offers_owners_an_invitation_link(client, owner, member, team):
    client.force_login(owner)
    url = reverse("invitations") + f"?team={team.pk}"
    assert url in client.get(reverse("teams:team", args=[team.pk])).content.decode()
    client.force_login(member)
    assert url not in client.get(reverse("teams:team", args=[team.pk])).content.decode()


@pytest.mark.parametrize(
    ("who", "shown"), [("admin_user", True), ("owner", True), ("member", False)]
)
def test_the_teams_page_leads_administrators_and_owners_to_invitations(
    request, client, team, who, shown
):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("teams:teams")).content.decode()
    assert (f'<a href="{reverse("invitations")}">Invitations</a>' in page) == shown


@pytest.mark.django_db(transaction=True)
def test_simultaneous_signups_take_exactly_the_uses_a_link_has(owner, team):
    """Eight people open a link for three at the same moment: three accounts, no more, and
    the five others are told the link was used (SQLite and PostgreSQL alike)."""
    from django.db import connections

    invitation = services.invitation_create(by=owner, team=team, days=7, max_uses=3)
    ready = threading.Barrier(8)
    refusals = []

    def sign_up(number):
        try:
            ready.wait()
            services.user_create(
                username=f"user{number}",
                password=PASSWORD,
                invitation=Invitation.objects.get(pk=invitation.pk),
            )
        except services.AccountError as error:
            refusals.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(refusals) == 5
    assert all(error.status == 410 for error in refusals)
    assert get_user_model().objects.filter(username__startswith="user").count() == 3
    assert team.memberships.count() == 5  # alice, bob and the three
    invitation.refresh_from_db()
    assert invitation.use_count == 3
