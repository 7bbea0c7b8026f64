"""Reads for teams. A team is reached only through one of its members."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Count, OuterRef, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404

from playground.teams.models import Membership, Team


def teams_for(*, user: AbstractBaseUser) -> QuerySet[Team]:
    """The user's teams by name, each with `my_role` and `member_count`."""
    mine = Membership.objects.filter(user=user)
    return (
        Team.objects.filter(pk__in=mine.values("team"))
        .annotate(
            my_role=Subquery(mine.filter(team=OuterRef("pk")).values("role")[:1]),
            member_count=Count("memberships"),
        )
        .order_by("name", "pk")
    )


def team_get(*, user: AbstractBaseUser, pk: int) -> Team:
    """One of the user's teams; 404 for everyone else."""
    return get_object_or_404(teams_for(user=user), pk=pk)


def owned_teams(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    """The teams the user is an owner of, by name."""
    if not user.is_authenticated:
        return Team.objects.none()
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER)
    return Team.objects.filter(pk__in=owned.values("team")).order_by("name", "pk")


def member_team_ids(*, user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The ids of the user's teams, to check many team-owned objects with one query."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def team_members(*, team: Team) -> QuerySet[Membership]:
    """The team's memberships, owners first, then by username."""
    owners_first = Case(When(role=Membership.Role.OWNER, then=Value(0)), default=Value(1))
    return (
        Membership.objects.filter(team=team)
        .select_related("user", "added_by")
        .order_by(owners_first, "user__username", "pk")
    )
