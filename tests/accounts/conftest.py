"""An invitation to alice's team (`team`, from tests/conftest.py) and the signup form's data."""

import pytest

from playground.accounts import services as account_services
from tests.conftest import PASSWORD


@pytest.fixture
def invitation(owner, team):
    return account_services.invitation_create(by=owner, team=team, days=7, max_uses=2)


def signup_data(username: str) -> dict:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}
