"""Every Usage URL for an administrator, a team's owner, one of its members, an outsider
(the owner of another team) and an anonymous visitor: each sees their own usage, owners
their team's, administrators everyone's; a scope one may not see is a 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from playground.teams import services as team_services

pytestmark = pytest.mark.django_db

VIEWS = ["usage:usage", "usage:export"]


@pytest.fixture
def other_team(other_user):
    return team_services.team_create(user=other_user, name="Night shift")


def get(client, view, scope=None):
    return client.get(reverse(view), {"scope": scope} if scope else {})


def spend_of(client, scope=None) -> str:
    html = get(client, "usage:usage", scope).content.decode()
    start = html.index('<strong class="usage__card-value">') + len(
        '<strong class="usage__card-value">'
    )
    return html[start : html.index("</strong>", start)]


@pytest.fixture
def spending(owner, member, other_user, team, other_team, record):
    """Each person spends a distinct amount, in and out of teams."""
    record(owner, team=team, cost=Decimal("1"))
    record(member, team=team, cost=Decimal("2"))
    record(member, cost=Decimal("4"))
    record(other_user, team=other_team, cost=Decimal("8"))
    record(other_user, cost=Decimal("16"))


@pytest.mark.parametrize("view", VIEWS)
def test_anonymous_visitors_are_sent_to_log_in(client, team, view):
    for scope in (None, "mine", f"team-{team.pk}", "all"):
        response = get(client, view, scope)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", VIEWS)
def test_an_admin_reaches_every_scope(client, admin_user, team, other_team, view):
    client.force_login(admin_user)
    for scope in (None, "mine", "all", f"team-{team.pk}", f"team-{other_team.pk}"):
        assert get(client, view, scope).status_code == 200, scope


def test_an_admin_sees_each_scopes_own_spend(client, admin_user, team, other_team, spending):
    client.force_login(admin_user)
    assert spend_of(client) == "$0.00"  # the admin spent nothing themselves
    assert spend_of(client, "all") == "$31.00"
    assert spend_of(client, f"team-{team.pk}") == "$3.00"
    assert spend_of(client, f"team-{other_team.pk}") == "$8.00"


@pytest.mark.parametrize("view", VIEWS)
def test_an_owner_reaches_their_own_and_their_teams_usage_only(
    client, owner, team, other_team, view
):
    client.force_login(owner)
    assert get(client, view).status_code == 200
    assert get(client, view, f"team-{team.pk}").status_code == 200
    assert get(client, view, f"team-{other_team.pk}").status_code == 404
    assert get(client, view, "all").status_code == 404


def test_an_owner_sees_their_team_and_not_the_members_own_usage(
    client, owner, team, other_team, spending
):
    client.force_login(owner)
    assert spend_of(client) == "$1.00"
    assert spend_of(client, f"team-{team.pk}") == "$3.00"  # not bob's own $4
    html = get(client, "usage:usage").content.decode()
    assert f'value="team-{team.pk}"' in html
    assert f'value="team-{other_team.pk}"' not in html and 'value="all"' not in html


@pytest.mark.parametrize("view", VIEWS)
def test_a_member_cannot_see_the_team_scope(client, member, team, other_team, view):
    client.force_login(member)
    assert get(client, view).status_code == 200
    for scope in (f"team-{team.pk}", f"team-{other_team.pk}", "all"):
        assert get(client, view, scope).status_code == 404, scope


def test_a_member_sees_all_their_own_usage(client, member, spending):
    client.force_login(member)
    assert spend_of(client) == "$6.00"  # in the team and outside it


@pytest.mark.parametrize("view", VIEWS)
def test_an_outsider_cannot_see_another_team(client, other_user, team, other_team, view):
    client.force_login(other_user)
    assert get(client, view, f"team-{team.pk}").status_code == 404
    assert get(client, view, f"team-{other_team.pk}").status_code == 200


def test_an_outsider_sees_only_their_own(client, other_user, other_team, spending):
    client.force_login(other_user)
    assert spend_of(client) == "$24.00"
    assert spend_of(client, f"team-{other_team.pk}") == "$8.00"


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(
    "scope", ["team-999999", "team-abc", "team-", "team-99999999999999999999999", "everyone"]
)
def test_unknown_scopes_are_404_not_500(client, admin_user, view, scope):
    client.force_login(admin_user)
    assert get(client, view, scope).status_code == 404


def test_a_demoted_owner_loses_the_team_scope(client, owner, member, team):
    team_services.member_set_role(team=team, by=owner, user=member, role="owner")
    team_services.member_set_role(team=team, by=member, user=owner, role="member")
    client.force_login(owner)
    assert get(client, "usage:usage", f"team-{team.pk}").status_code == 404


def test_an_inactive_staff_account_is_no_admin(client, admin_user):
    """A deactivated administrator cannot log in; a session of one sees no one else."""
    from playground.usage import selectors

    admin_user.is_active = False
    assert selectors.scopes_for(viewer=admin_user) == [selectors.MINE]


@pytest.mark.parametrize("view", VIEWS)
def test_only_get(client, owner, view):
    client.force_login(owner)
    assert client.post(reverse(view)).status_code == 405


def test_the_navigation_links_to_the_usage_page(owner_client):
    html = owner_client.get(reverse("teams:teams")).content.decode()
    assert f'href="{reverse("usage:usage")}">Usage</a>' in html
