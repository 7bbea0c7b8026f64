"""Reads for budgets, always through a team the user belongs to."""

from decimal import Decimal

from django.db.models import Sum

from playground.usage.budgets import month_start
from playground.usage.models import Limit, UsageRecord


def team_limits(*, team) -> tuple[Limit | None, dict[int, Limit]]:
    """The team's own limits, and its members' by user id."""
    rows = list(Limit.objects.filter(team=team))
    whole = next((row for row in rows if row.user_id is None), None)
    return whole, {row.user_id: row for row in rows if row.user_id is not None}


def month_spend(**scope) -> Decimal:
    """What a user (user=…) or a team (team=…) spent this month, priced answers and jobs."""
    rows = UsageRecord.objects.filter(ended_at__gte=month_start(), **scope)
    return rows.aggregate(total=Sum("cost"))["total"] or Decimal(0)
