"""Writes for budgets: team owners setting their team's and members' limits (administrators
set any limit in Admin → Limits)."""

from django.db import transaction

from playground.teams.models import Membership
from playground.usage.models import Limit

LIMIT_FIELDS = ("monthly_spend", "max_running_answers", "max_running_media", "requests_per_minute")


class LimitRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def team_limit_set(*, team, by, member=None, values: dict) -> Limit | None:
    """Set the team's limits (member None) or one member's; all blank removes them.
    Only the team's owners may."""
    owner = Membership.objects.filter(team=team, user=by, role=Membership.Role.OWNER).exists()
    if not owner:
        raise LimitRefused("Only the team's owners can change its limits.")
    with transaction.atomic():
        if all(values.get(name) is None for name in LIMIT_FIELDS):
            Limit.objects.filter(team=team, user=member).delete()
            return None
        limit, _ = Limit.objects.update_or_create(
            team=team,
            user=member,
            defaults={**{name: values.get(name) for name in LIMIT_FIELDS}, "updated_by": by},
        )
    return limit
