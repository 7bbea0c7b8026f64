"""Teams through their pages and services: creating, adding by username, removing, leaving,
deleting, and the selectors other apps use to let members in."""

import html

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from playground.teams import selectors, services
from playground.teams.models import Membership, Team
from playground.teams.services import TeamError

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def add(client, team, username, **headers):
    return client.post(
        reverse("teams:member-add", args=[team.pk]), {"username": username}, **headers
    )


def remove(client, team, user, **headers):
    return client.post(reverse("teams:member-remove", args=[team.pk, user.pk]), **headers)


# --- creating -------------------------------------------------------------------------


def test_creating_a_team_makes_its_creator_the_owner(owner_client, owner):
    response = owner_client.post(reverse("teams:create"), {"name": "  Night shift  "})
    team = Team.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[team.pk])
    assert team.name == "Night shift"
    assert team.created_by == owner
    membership = Membership.objects.get(team=team)
    assert (membership.user, membership.role, membership.added_by) == (owner, "owner", owner)

    listing = owner_client.get(reverse("teams:teams")).content.decode()
    assert "Night shift" in listing
    assert "Owner · 1 member" in listing
    # Times read as people say them, as in the gallery (not "0 minutes ago").
    page = owner_client.get(response["Location"]).content.decode()
    assert "joined just now" in page and "0 minutes" not in page


def test_creating_with_htmx_sends_the_browser_to_the_team(owner_client):
    response = owner_client.post(reverse("teams:create"), {"name": "Night shift"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("teams:team", args=[Team.objects.get().pk])


@pytest.mark.parametrize("headers", [{}, HTMX])
@pytest.mark.parametrize(
    ("name", "words"),
    [("   ", "Give the team a name."), ("x" * 101, "at most 100 characters")],
)
def test_a_bad_team_name_gets_a_400_with_the_message_and_the_form_kept(
    owner_client, headers, name, words
):
    response = owner_client.post(reverse("teams:create"), {"name": name}, **headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert 'aria-invalid="true"' in page
    assert 'id="team-form"' in page
    if name.strip():
        assert f'value="{name}"' in page
    assert not Team.objects.exists()


def test_the_team_list_shows_only_the_users_teams_with_their_role(client, owner, member, team):
    services.team_create(user=member, name="Bob's own")
    client.force_login(member)
    page = client.get(reverse("teams:teams")).content.decode()
    assert "Model reviewers" in page
    assert "Member · 2 members" in page
    assert html.escape("Bob's own") in page
    client.force_login(owner)
    page = client.get(reverse("teams:teams")).content.decode()
    assert html.escape("Bob's own") not in page
    assert [t.name for t in selectors.teams_for(user=owner)] == ["Model reviewers"]


# --- adding members -------------------------------------------------------------------


def test_an_owner_adds_a_member_by_username(client, owner, other_user, team):
    client.force_login(owner)
    assert add(client, team, "charlie").status_code == 302
    membership = Membership.objects.get(team=team, user=other_user)
    assert (membership.role, membership.added_by) == ("member", owner)
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    assert "charlie" in page
    assert "added by alice" in page


def test_adding_with_htmx_appends_the_member_and_empties_the_form(client, owner, other_user, team):
    client.force_login(owner)
    response = add(client, team, "charlie", **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<li class="job__status" id="member-{other_user.pk}"')
    assert "charlie" in page
    assert 'id="member-form"' in page
    assert 'hx-swap-oob="true"' in page
    assert 'value="charlie"' not in page


def test_usernames_are_matched_without_regard_to_letter_case(client, owner, other_user, team):
    client.force_login(owner)
    assert add(client, team, "  CHARLIE ").status_code == 302
    assert team.pk in selectors.member_team_ids(user=other_user)


def test_an_exact_username_wins_over_one_differing_in_case(
    django_user_model, owner, other_user, team
):
    upper = django_user_model.objects.create_user(username="Charlie")
    services.member_add(team=team, by=owner, username="Charlie")
    assert team.pk in selectors.member_team_ids(user=upper)
    assert team.pk not in selectors.member_team_ids(user=other_user)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_unknown_username_says_so_next_to_the_field(client, owner, team, headers):
    client.force_login(owner)
    response = add(client, team, "nobody-here", **headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape("There is no account with the username “nobody-here”.") in page
    assert 'id="member-username-error"' in page
    assert 'value="nobody-here"' in page
    assert 'aria-invalid="true"' in page
    if headers:
        assert response["HX-Retarget"] == "#member-form"
        assert response["HX-Reswap"] == "outerHTML"
    assert team.memberships.count() == 2


def test_an_inactive_account_cannot_be_added(django_user_model, owner, team):
    django_user_model.objects.create_user(username="gone", is_active=False)
    with pytest.raises(TeamError, match="no account with the username") as refused:
        services.member_add(team=team, by=owner, username="gone")
    assert refused.value.field == "username"


@pytest.mark.parametrize("username", ["bob", "alice"])
def test_adding_someone_already_in_the_team_is_refused(client, owner, team, username):
    client.force_login(owner)
    response = add(client, team, username)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"{username} is already a member of this team." in page
    assert f'value="{username}"' in page
    assert team.memberships.count() == 2


def test_an_empty_username_gets_a_400(client, owner, team):
    client.force_login(owner)
    response = add(client, team, "  ")
    assert response.status_code == 400
    assert "Type the username of the person to add." in response.content.decode()


def test_a_member_cannot_add_anyone(client, member, other_user, team):
    client.force_login(member)
    response = add(client, team, "charlie", **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#team-refusal"
    assert "Only the team&#x27;s owners can add members." in response.content.decode()
    assert team.pk not in selectors.member_team_ids(user=other_user)
    with pytest.raises(TeamError) as refused:
        services.member_add(team=team, by=member, username="charlie")
    assert refused.value.field is None


# --- removing and leaving -------------------------------------------------------------


def test_an_owner_removes_a_member_and_the_row_goes_away(client, owner, member, team):
    client.force_login(owner)
    response = remove(client, team, member, **HTMX)
    assert response.status_code == 200
    assert response.content == b""
    assert team.pk not in selectors.member_team_ids(user=member)
    client.force_login(member)
    assert client.get(reverse("teams:team", args=[team.pk])).status_code == 404


def test_a_member_cannot_remove_others(client, owner, member, other_user, team):
    services.member_add(team=team, by=owner, username="charlie")
    client.force_login(member)
    response = remove(client, team, other_user, **HTMX)
    assert response.status_code == 400
    assert "Only the team&#x27;s owners can remove other members." in response.content.decode()
    assert team.pk in selectors.member_team_ids(user=other_user)


def test_a_member_leaves(client, member, team):
    client.force_login(member)
    response = remove(client, team, member, **HTMX)
    assert response["HX-Redirect"] == reverse("teams:teams")
    assert team.pk not in selectors.member_team_ids(user=member)
    page = client.get(reverse("teams:teams")).content.decode()
    assert html.escape("You left the team “Model reviewers”.") in page


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_last_owner_cannot_leave(client, owner, team, headers):
    client.force_login(owner)
    response = remove(client, team, owner, **headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "only owner, so you cannot leave it" in page
    assert 'class="form-error" role="alert"' in page
    if headers:
        assert response["HX-Retarget"] == "#team-refusal"
    assert team.pk in selectors.member_team_ids(user=owner)


def test_with_two_owners_one_may_leave_or_remove_the_other(owner, member, other_user, team):
    Membership.objects.filter(team=team, user=member).update(role=Membership.Role.OWNER)
    services.member_add(team=team, by=owner, username="charlie")
    services.member_remove(team=team, by=member, user=owner)  # owners remove other owners
    assert team.pk not in selectors.member_team_ids(user=owner)
    with pytest.raises(TeamError, match="only owner"):
        services.member_remove(team=team, by=member, user=member)
    services.member_remove(team=team, by=other_user, user=other_user)  # a member leaves
    assert list(selectors.team_members(team=team).values_list("user__username", flat=True)) == [
        "bob"
    ]


def test_removing_someone_no_longer_in_the_team_is_refused(owner, other_user, team):
    with pytest.raises(TeamError, match="charlie is no longer a member"):
        services.member_remove(team=team, by=owner, user=other_user)


# --- roles ----------------------------------------------------------------------------


def set_role(client, team, user, role, **headers):
    return client.post(
        reverse("teams:member-role", args=[team.pk, user.pk]), {"role": role}, **headers
    )


def role_of(team, user):
    return Membership.objects.get(team=team, user=user).role


def test_an_owner_makes_a_member_an_owner_and_back(client, owner, member, team):
    client.force_login(owner)
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    assert "Make owner" in page
    response = set_role(client, team, member, "owner", **HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    assert f'id="member-{member.pk}"' in row and "Owner" in row and "Make member" in row
    assert role_of(team, member) == "owner"
    response = set_role(client, team, member, "member")
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:team", args=[team.pk])
    assert role_of(team, member) == "member"


def test_a_new_owner_manages_the_team(client, owner, member, other_user, team):
    client.force_login(owner)
    set_role(client, team, member, "owner")
    client.force_login(member)
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    assert "Add a member by username" in page
    assert add(client, team, "charlie").status_code == 302


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_last_owner_cannot_step_down(client, owner, team, headers):
    client.force_login(owner)
    response = set_role(client, team, owner, "member", **headers)
    assert response.status_code == 400
    assert "only owner: make someone else an owner first" in response.content.decode()
    if headers:
        assert response["HX-Retarget"] == "#team-refusal"
    assert role_of(team, owner) == "owner"


def test_an_owner_steps_down_once_another_owner_exists(client, owner, member, team):
    client.force_login(owner)
    set_role(client, team, member, "owner")
    response = set_role(client, team, owner, "member", **HTMX)
    assert response["HX-Redirect"] == reverse("teams:team", args=[team.pk])
    assert role_of(team, owner) == "member"
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    assert "You are a member of this team." in page
    assert "Make owner" not in page
    # bob, now the only owner, cannot be made a member by anyone
    client.force_login(member)
    assert set_role(client, team, member, "member").status_code == 400
    assert role_of(team, member) == "owner"


def test_a_member_cannot_change_roles(client, owner, member, team):
    client.force_login(member)
    response = set_role(client, team, member, "owner", **HTMX)
    assert response.status_code == 400
    assert "Only the team&#x27;s owners can change roles." in response.content.decode()
    assert set_role(client, team, owner, "member").status_code == 400
    assert role_of(team, member) == "member" and role_of(team, owner) == "owner"


def test_an_unknown_role_is_refused(client, owner, member, team):
    client.force_login(owner)
    response = set_role(client, team, member, "admin")
    assert response.status_code == 400
    assert "Choose owner or member." in response.content.decode()
    assert role_of(team, member) == "member"


def test_two_owners_demoting_each_other_leave_one_owner(owner, member, team):
    services.member_set_role(team=team, by=owner, user=member, role="owner")
    services.member_set_role(team=team, by=member, user=owner, role="member")
    with pytest.raises(TeamError, match="Only the team's owners"):
        services.member_set_role(team=team, by=owner, user=member, role="member")
    with pytest.raises(TeamError, match="only owner"):
        services.member_set_role(team=team, by=member, user=member, role="member")
    assert list(team.memberships.filter(role="owner").values_list("user", flat=True)) == [member.pk]


# --- deleting -------------------------------------------------------------------------


def test_an_owner_deletes_the_team_for_everyone(client, owner, member, team):
    client.force_login(owner)
    response = client.post(reverse("teams:delete", args=[team.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("teams:teams")
    assert not Team.objects.exists()
    assert not Membership.objects.exists()
    page = client.get(reverse("teams:teams")).content.decode()
    assert html.escape("Deleted the team “Model reviewers”.") in page
    client.force_login(member)
    assert client.get(reverse("teams:team", args=[team.pk])).status_code == 404
    assert selectors.member_team_ids(user=member) == set()


def test_a_member_cannot_delete_the_team(client, member, team):
    client.force_login(member)
    response = client.post(reverse("teams:delete", args=[team.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only the team&#x27;s owners can delete it." in page
    assert "Model reviewers" in page  # the team page, with the reason on it
    assert Team.objects.filter(pk=team.pk).exists()


# --- the team page and the selectors --------------------------------------------------


def test_the_team_page_lists_members_with_their_roles_owners_first(client, owner, member, team):
    client.force_login(member)
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    alice, bob = page.index("<strong>alice</strong>"), page.index("<strong>bob</strong>")
    assert alice < bob
    assert page.count('<span class="status">Owner</span>') == 1
    assert page.count('<span class="status">Member</span>') == 1
    assert "You are a member of this team." in page


def test_team_names_and_usernames_are_escaped(client, django_user_model, owner):
    django_user_model.objects.create_user(username="x<b>")  # not a valid sign-up name
    team = services.team_create(user=owner, name='<img src=x alt="">')
    services.member_add(team=team, by=owner, username="x<b>")
    client.force_login(owner)
    page = client.get(reverse("teams:team", args=[team.pk])).content.decode()
    assert "<img src=x" not in page
    assert "x<b>" not in page
    assert html.escape('<img src=x alt="">') in page


def test_selectors_for_other_apps(owner, member, other_user, team):
    other_team = services.team_create(user=other_user, name="Elsewhere")
    assert selectors.member_team_ids(user=member) == {team.pk}
    assert selectors.member_team_ids(user=other_user) == {other_team.pk}
    assert team.pk in selectors.member_team_ids(user=owner)
    assert other_team.pk not in selectors.member_team_ids(user=owner)
    assert selectors.team_get(user=member, pk=team.pk).my_role == "member"
    assert selectors.teams_for(user=owner).get().member_count == 2


def test_anonymous_users_are_in_no_team(team):
    assert selectors.member_team_ids(user=AnonymousUser()) == set()
    assert team.pk not in selectors.member_team_ids(user=AnonymousUser())
