import pytest

from playground.simulator.app import application as simulator
from playground.teams.models import Membership, Team


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STUDIO_POLL_FIRST_SECONDS = 0.05
    settings.STUDIO_POLL_MAX_SECONDS = 0.2
    simulator.reset()


@pytest.fixture
def team(owner, other_user):
    """alice owns it; charlie is a member."""
    team = Team.objects.create(name="Acme", created_by=owner)
    Membership.objects.create(team=team, user=owner, role=Membership.Role.OWNER)
    Membership.objects.create(team=team, user=other_user)
    return team


def upstream_calls(prefix: str = "/v1/") -> list[dict]:
    """What the simulator received, model lists aside."""
    return [
        r
        for r in simulator.received
        if r["path"].startswith(prefix) and not r["path"].endswith("/models")
    ]
