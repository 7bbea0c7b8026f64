"""A team owned by alice (`owner`) with bob as a member; charlie (`other_user`) is outside."""

import pytest

from playground.teams import services
from tests.conftest import PASSWORD


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="bob", password=PASSWORD)


@pytest.fixture
def team(owner, member):
    team = services.team_create(user=owner, name="Model reviewers")
    services.member_add(team=team, by=owner, username=member.username)
    return team
