"""An administrator (root), a team owned by alice (`owner`) with bob as a member, and charlie
(`other_user`) outside it."""

import pytest

from playground.accounts import services as account_services
from playground.teams import services as team_services
from tests.conftest import PASSWORD


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="root", password=PASSWORD)


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="bob", password=PASSWORD)


@pytest.fixture
def team(owner, member):
    team = team_services.team_create(user=owner, name="Model reviewers")
    team_services.member_add(team=team, by=owner, username=member.username)
    return team


@pytest.fixture
def invitation(owner, team):
    return account_services.invitation_create(by=owner, team=team, days=7, max_uses=2)


def signup_data(username: str) -> dict:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}
