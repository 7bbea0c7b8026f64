"""Team owners set the team's and members' limits on the team's limits page; members see
them; everyone else gets 404 (administrators set limits in the admin)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from playground.usage.models import Limit

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
VALUES = {
    "team-monthly_spend": "50",
    "team-max_running_answers": "3",
    "team-max_running_media": "",
    "team-requests_per_minute": "20",
}


@pytest.fixture
def people(django_user_model, owner, other_user, team):
    admin = django_user_model.objects.create_superuser(username="root", password="x" * 12)
    outsider = django_user_model.objects.create_user(username="eve", password="x" * 12)
    return {"admin": admin, "owner": owner, "member": other_user, "outsider": outsider}


def as_(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls(team, member):
    return {
        "page": reverse("usage:team-limits", args=[team.pk]),
        "team": reverse("usage:team-limit-save", args=[team.pk]),
        "member": reverse("usage:member-limit-save", args=[team.pk, member.pk]),
    }


@pytest.mark.parametrize(
    ("who", "page", "save"),
    [
        ("owner", 200, 200),
        ("member", 200, 403),
        ("outsider", 404, 404),
        ("admin", 404, 404),  # not a member: administrators use Admin → Limits
        ("anonymous", 302, 302),
    ],
)
def test_who_sees_and_changes_the_limits(people, team, who, page, save):
    client = as_(people.get(who))
    links = urls(team, people["member"])
    assert client.get(links["page"]).status_code == page
    member_values = {f"member-{people['member'].pk}-max_running_answers": "1"}
    assert client.post(links["team"], VALUES, **HTMX).status_code == save
    assert client.post(links["member"], member_values, **HTMX).status_code == save
    assert Limit.objects.exists() == (who == "owner")


def test_the_owner_sets_team_and_member_limits_in_place(people, team):
    client = as_(people["owner"])
    links = urls(team, people["member"])
    response = client.post(links["team"], VALUES, **HTMX)
    assert response.status_code == 200 and "Saved." in response.content.decode()
    limit = Limit.objects.get(team=team, user=None)
    assert limit.monthly_spend == Decimal(50) and limit.max_running_answers == 3
    assert limit.max_running_media is None and limit.updated_by == people["owner"]

    prefix = f"member-{people['member'].pk}"
    client.post(links["member"], {f"{prefix}-monthly_spend": "5"}, **HTMX)
    assert Limit.objects.get(team=team, user=people["member"]).monthly_spend == Decimal(5)
    page = as_(people["member"]).get(links["page"]).content.decode()
    assert "50.00" in page and "no limit" in page and "Save" not in page

    client.post(links["member"], {f"{prefix}-monthly_spend": ""}, **HTMX)  # all blank
    assert not Limit.objects.filter(user=people["member"]).exists()


def test_bad_values_are_refused_beside_the_field_keeping_them(people, team):
    client = as_(people["owner"])
    response = client.post(
        urls(team, people["member"])["team"], {**VALUES, "team-monthly_spend": "-3"}, **HTMX
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="-3"' in page and "field__error" in page
    assert not Limit.objects.exists()


def test_another_teams_member_is_404(people, team, django_user_model):
    client = as_(people["owner"])
    url = reverse("usage:member-limit-save", args=[team.pk, people["outsider"].pk])
    assert client.post(url, {}, **HTMX).status_code == 404


def test_the_team_page_links_to_its_limits(people, team):
    page = as_(people["member"]).get(reverse("teams:team", args=[team.pk])).content.decode()
    assert reverse("usage:team-limits", args=[team.pk]) in page
