"""Reads for the Usage page: what the viewer may see of the usage records, summed in the
database by day, model, member, team and key.

Everyone sees their own usage; a team's owners see the team's (per member); administrators
(is_staff) see everyone's, any team's, and the split per team and per key. Each read is one
query whatever the number of rows, so the page costs the same at ten rows as at a million.
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404

from playground.chat.models import ModelPrice
from playground.teams.models import Membership, Team
from playground.usage.budgets import month_start
from playground.usage.models import KeySource, Limit, UsageRecord

DEFAULT_CURRENCY = "USD"
MAX_DAYS = 366  # the longest custom period: a day more than a year

# --- periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the server's time zone."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        if self.start == self.end:
            return _day(self.start)
        return f"{_day(self.start)} – {_day(self.end)}"


def _day(day: date) -> str:
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


PRESETS = {
    "this-month": "This month",
    "last-month": "Last month",
    "7": "Last 7 days",
    "30": "Last 30 days",
    "90": "Last 90 days",
    "custom": "From – to",
}


def preset_period(name: str, *, today: date) -> Period:
    """One of PRESETS but "custom"; the last N days end today."""
    if name == "this-month":
        return Period(today.replace(day=1), today)
    if name == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    return Period(today - timedelta(days=int(name) - 1), today)


# --- scopes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose usage: "mine", a team ("team-<id>"), or everyone's ("all", administrators)."""

    value: str
    label: str
    team: Team | None = None

    @property
    def is_mine(self) -> bool:
        return self.value == "mine"

    @property
    def is_all(self) -> bool:
        return self.value == "all"


MINE = Scope("mine", "My usage")
EVERYONE = Scope("all", "Everyone")


def _is_admin(viewer: AbstractBaseUser) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active and viewer.is_staff)


def scopes_for(*, viewer: AbstractBaseUser) -> list[Scope]:
    """The scopes the viewer may choose: their own, the teams they own (administrators: every
    team), and for administrators everyone's. One query."""
    if _is_admin(viewer):
        teams = Team.objects.all()
    else:
        owned = Membership.objects.filter(user=viewer, role=Membership.Role.OWNER)
        teams = Team.objects.filter(pk__in=owned.values("team"))
    scopes = [MINE]
    if _is_admin(viewer):
        scopes.append(EVERYONE)
    scopes += [
        Scope(f"team-{team.pk}", f"Team {team.name}", team) for team in teams.order_by("name", "pk")
    ]
    return scopes


def scope_get(*, viewer: AbstractBaseUser, value: str) -> Scope:
    """The scope named `value` (empty: the viewer's own); 404 for one the viewer may not see,
    so a member cannot tell a team's existence from a refusal."""
    if not value or value == MINE.value:
        return MINE
    if value == EVERYONE.value and _is_admin(viewer):
        return EVERYONE
    prefix, _, team_id = value.partition("-")
    if prefix == "team" and team_id.isdigit() and len(team_id) < 19:
        teams = Team.objects.filter(pk=int(team_id))
        if not _is_admin(viewer):
            teams = teams.filter(memberships__user=viewer, memberships__role=Membership.Role.OWNER)
        team = teams.first()
        if team is not None:
            return Scope(value, f"Team {team.name}", team)
    raise Http404("No such usage scope")


def records_for(*, viewer: AbstractBaseUser, scope: Scope, period: Period) -> QuerySet:
    """The usage records of the scope in the period, checked again against the viewer."""
    records = UsageRecord.objects.filter(ended_on__range=(period.start, period.end))
    if scope.is_mine:
        return records.filter(user=viewer)
    if scope.is_all and _is_admin(viewer):
        return records
    if scope.team is not None and (
        _is_admin(viewer)
        or Membership.objects.filter(
            team=scope.team, user=viewer, role=Membership.Role.OWNER
        ).exists()
    ):
        return records.filter(team=scope.team)
    raise Http404("No such usage scope")


# --- sums --------------------------------------------------------------------------------


@dataclass
class Sums:
    """What a group of records used. `cost` is the sum of the priced ones (None: none was
    priced); `unpriced_requests` counts the requests of those without a price."""

    label: str = ""
    detail: str = ""
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    images: int = 0
    video_seconds: Decimal = Decimal(0)
    cost: Decimal | None = None
    unpriced_requests: int = 0

    @property
    def tokens(self) -> int:
        """Input and output; reasoning tokens are counted within the output."""
        return self.input_tokens + self.output_tokens


def _sums() -> dict:
    return {
        "requests_sum": Sum("requests"),
        "input_sum": Sum("input_tokens"),
        "output_sum": Sum("output_tokens"),
        "reasoning_sum": Sum("reasoning_tokens"),
        "cached_sum": Sum("cached_tokens"),
        "images_sum": Sum("images"),
        "video_sum": Sum("video_seconds"),
        "cost_sum": Sum("cost"),
        "unpriced_sum": Sum("requests", filter=Q(cost__isnull=True)),
    }


def _from_row(row: dict, *, label: str = "", detail: str = "") -> Sums:
    return Sums(
        label=label,
        detail=detail,
        requests=row["requests_sum"] or 0,
        input_tokens=row["input_sum"] or 0,
        output_tokens=row["output_sum"] or 0,
        reasoning_tokens=row["reasoning_sum"] or 0,
        cached_tokens=row["cached_sum"] or 0,
        images=row["images_sum"] or 0,
        video_seconds=Decimal(row["video_sum"] or 0),
        cost=None if row["cost_sum"] is None else Decimal(row["cost_sum"]),
        unpriced_requests=row["unpriced_sum"] or 0,
    )


def _added(groups) -> Sums:
    total = Sums()
    for sums in groups:
        for name in (
            "requests",
            "input_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cached_tokens",
            "images",
            "video_seconds",
            "unpriced_requests",
        ):
            setattr(total, name, getattr(total, name) + getattr(sums, name))
        if sums.cost is not None:
            total.cost = (total.cost or 0) + sums.cost
    return total


def _grouped(records: QuerySet, *fields: str, **expressions) -> QuerySet:
    return (
        records.order_by()
        .annotate(**expressions)
        .values(*fields, *expressions)
        .annotate(**_sums())
        .order_by(*fields, *expressions)
    )


@dataclass
class Usage:
    scope: Scope
    period: Period
    currency: str
    total: Sums
    by_day: list[tuple[date, Sums]]  # every day of the period, empty ones included
    by_model: list[Sums]
    by_member: list[Sums] = field(default_factory=list)  # team and everyone's scopes
    by_team: list[Sums] = field(default_factory=list)  # everyone's scope
    by_key: list[Sums] = field(default_factory=list)  # everyone's scope


def _biggest_first(rows: list[Sums]) -> list[Sums]:
    return sorted(rows, key=lambda row: (-(row.cost or 0), -row.requests, row.label))


def currency() -> str:
    """The currency of the administrator's prices: USD unless every price names another."""
    currencies = set(
        ModelPrice.objects.order_by().values_list("currency", flat=True).distinct()[:2]
    )
    return currencies.pop() if len(currencies) == 1 else DEFAULT_CURRENCY


def usage_for(*, viewer: AbstractBaseUser, scope: Scope, period: Period) -> Usage:
    """The viewer's view of the scope's usage in the period. A fixed number of queries: one
    per breakdown (the totals are the days' sum), plus one for the currency."""
    records = records_for(viewer=viewer, scope=scope, period=period)
    days = {row["day"]: _from_row(row) for row in _grouped(records, day=F("ended_on"))}
    total = _added(days.values())  # the days hold every row: no second pass over them
    usage = Usage(
        scope=scope,
        period=period,
        currency=currency(),
        total=total,
        by_day=[(day, days.get(day) or Sums()) for day in period.days],
        # A comparison turn's marker row names all its models and holds nothing of its own:
        # its answers and jobs have rows of their own under each model.
        by_model=_biggest_first(
            [
                _from_row(row, label=row["model"])
                for row in _grouped(records.exclude(kind=UsageRecord.Kind.COMPARISON), "model")
            ]
        ),
    )
    if scope.is_mine:
        return usage
    usage.by_member = _biggest_first(
        [
            _from_row(row, label=row["username"] or "(deleted account)")
            for row in _grouped(records, "user_id", username=F("user__username"))
        ]
    )
    if scope.is_all:
        usage.by_team = _biggest_first(
            [
                _from_row(row, label=row["team_name"] or "(no team)")
                for row in _grouped(records, "team_id", team_name=F("team__name"))
            ]
        )
        sources = dict(KeySource.choices)
        usage.by_key = _biggest_first(
            [
                _from_row(
                    row,
                    label=sources.get(row["key_source"], row["key_source"]),
                    detail=row["key_label"],
                )
                for row in _grouped(records, "key_source", "key_label")
            ]
        )
    return usage


# --- the file ----------------------------------------------------------------------------

CSV_HEADER = [
    "day",
    "model",
    "user",
    "team",
    "requests",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "images",
    "video_seconds",
    "cost",
    "unpriced_requests",
    "currency",
]


def csv_rows(*, viewer: AbstractBaseUser, scope: Scope, period: Period) -> Iterator[list]:
    """One row per day, model and user (with the user's team in the team and everyone's
    scopes) of the scope in the period, by day; read in chunks, so a long file streams.
    An empty cost means none of the row's requests had a price."""
    records = records_for(viewer=viewer, scope=scope, period=period)
    money = currency()
    rows = _grouped(
        records,
        "model",
        day=F("ended_on"),
        username=F("user__username"),
        team_name=F("team__name"),
    ).order_by("day", "model", "username", "team_name")
    yield CSV_HEADER
    for row in rows.iterator(chunk_size=2000):
        sums = _from_row(row)
        yield [
            row["day"].isoformat(),
            row["model"],
            row["username"] or "(deleted account)",
            row["team_name"] or "",
            sums.requests,
            sums.input_tokens,
            sums.output_tokens,
            sums.reasoning_tokens,
            sums.cached_tokens,
            sums.images,
            f"{sums.video_seconds:.2f}",
            "" if sums.cost is None else f"{sums.cost:.6f}",
            sums.unpriced_requests,
            money,
        ]


# --- budgets -----------------------------------------------------------------------------


def team_limits(*, team) -> tuple[Limit | None, dict[int, Limit]]:
    """The team's own limits, and its members' by user id."""
    rows = list(Limit.objects.filter(team=team))
    whole = next((row for row in rows if row.user_id is None), None)
    return whole, {row.user_id: row for row in rows if row.user_id is not None}


def month_spend(**scope) -> Decimal:
    """What a user (user=…) or a team (team=…) spent this month, priced answers and jobs."""
    rows = UsageRecord.objects.filter(ended_at__gte=month_start(), **scope)
    return rows.aggregate(total=Sum("cost"))["total"] or Decimal(0)
