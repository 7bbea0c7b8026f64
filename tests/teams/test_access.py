"""Every teams URL for the team's owner, one of its members, an outsider and an anonymous
visitor: outsiders get 404 for the team everywhere, members get a 400 with the reason for an
owner's action, anonymous visitors are sent to log in."""

import re

import pytest
from django.urls import reverse

from playground.teams.models import Membership, Team

pytestmark = pytest.mark.django_db


def team_urls(team, member):
    return [
        ("get", reverse("teams:team", args=[team.pk]), {}),
        ("post", reverse("teams:member-add", args=[team.pk]), {"username": "charlie"}),
        ("post", reverse("teams:member-role", args=[team.pk, member.pk]), {"role": "owner"}),
        ("post", reverse("teams:member-remove", args=[team.pk, member.pk]), {}),
        ("post", reverse("teams:delete", args=[team.pk]), {}),
    ]


def page_urls():
    return [
        ("get", reverse("teams:teams"), {}),
        ("post", reverse("teams:create"), {"name": "Night shift"}),
    ]


def test_the_owner_reaches_every_url(client, owner, member, other_user, team):
    client.force_login(owner)
    assert client.get(reverse("teams:teams")).status_code == 200
    page = client.get(reverse("teams:team", args=[team.pk]))
    assert page.status_code == 200
    assert "Add a member by username" in page.content.decode()
    assert "Delete team" in page.content.decode()

    response = client.post(reverse("teams:member-add", args=[team.pk]), {"username": "charlie"})
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[team.pk])
    assert Membership.objects.filter(team=team, user=other_user, role="member").exists()

    url = reverse("teams:member-role", args=[team.pk, other_user.pk])
    response = client.post(url, {"role": "owner"})
    assert response.status_code == 302
    assert Membership.objects.filter(team=team, user=other_user, role="owner").exists()

    response = client.post(reverse("teams:member-remove", args=[team.pk, member.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(team=team, user=member).exists()

    response = client.post(reverse("teams:delete", args=[team.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:teams")
    assert not Team.objects.filter(pk=team.pk).exists()

    response = client.post(reverse("teams:create"), {"name": "Night shift"})
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[Team.objects.get().pk])


def test_a_member_sees_the_team_but_gets_400_for_owner_actions(client, owner, member, team):
    client.force_login(member)
    page = client.get(reverse("teams:team", args=[team.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "alice" in html
    assert "Add a member by username" not in html
    assert "Delete team" not in html
    assert "Remove" not in html  # only their own Leave button
    assert "Leave" in html

    add = client.post(reverse("teams:member-add", args=[team.pk]), {"username": "charlie"})
    assert add.status_code == 400
    assert "Only the team&#x27;s owners can add members." in add.content.decode()
    remove = client.post(reverse("teams:member-remove", args=[team.pk, owner.pk]))
    assert remove.status_code == 400
    assert "Only the team&#x27;s owners can remove other members." in remove.content.decode()
    role = client.post(reverse("teams:member-role", args=[team.pk, member.pk]), {"role": "owner"})
    assert role.status_code == 400
    assert "Only the team&#x27;s owners can change roles." in role.content.decode()
    delete = client.post(reverse("teams:delete", args=[team.pk]))
    assert delete.status_code == 400
    assert "Only the team&#x27;s owners can delete it." in delete.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()
    assert team.memberships.count() == 2

    leave = client.post(reverse("teams:member-remove", args=[team.pk, member.pk]))
    assert leave.status_code == 302
    assert leave["Location"] == reverse("teams:teams")
    assert client.get(reverse("teams:team", args=[team.pk])).status_code == 404


def test_an_outsider_gets_404_for_the_team_everywhere(client, member, other_user, team):
    client.force_login(other_user)
    for method, url, data in team_urls(team, member):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert team.memberships.count() == 2
    assert Team.objects.filter(pk=team.pk).exists()
    page = client.get(reverse("teams:teams")).content.decode()
    assert "Model reviewers" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, member, team):
    for method, url, data in page_urls() + team_urls(team, member):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert Team.objects.count() == 1
    assert team.memberships.count() == 2


def test_an_unknown_member_id_is_404_for_the_owner(client, owner, other_user, team):
    """Someone outside the team cannot be 'removed' from it, whatever their id."""
    client.force_login(owner)
    url = reverse("teams:member-remove", args=[team.pk, other_user.pk])
    assert client.post(url).status_code == 404
    url = reverse("teams:member-role", args=[team.pk, other_user.pk])
    assert client.post(url, {"role": "owner"}).status_code == 404


def test_wrong_methods_are_refused(client, owner, member, team):
    client.force_login(owner)
    assert client.post(reverse("teams:teams")).status_code == 405
    assert client.get(reverse("teams:create")).status_code == 405
    assert client.post(reverse("teams:team", args=[team.pk])).status_code == 405
    assert client.get(reverse("teams:member-add", args=[team.pk])).status_code == 405
    assert client.get(reverse("teams:member-remove", args=[team.pk, member.pk])).status_code == 405
    assert client.get(reverse("teams:member-role", args=[team.pk, member.pk])).status_code == 405
    assert client.get(reverse("teams:delete", args=[team.pk])).status_code == 405


def test_the_navigation_links_to_the_teams_page(owner_client):
    page = owner_client.get(reverse("teams:teams")).content.decode()
    assert re.search(rf'<a href="{reverse("teams:teams")}"[^>]*>Teams</a>', page)
