"""Admission: an answer or media job starts only within its user's and team's limits.

`admit_answer` and `admit_generation` are called inside the transaction that creates the
Run or Generation, before anything goes upstream. They lock the user's and the team's
SpendLock rows (in that order), count what is spent this month, reserved by what is still
running and running at all, and add a Reservation for the new one; a refusal raises
LimitExceeded and the caller's transaction, with the new row, rolls back. Parallel requests
are so admitted one after another: with room for five, five start.

Whose budget: the user's own, and one team's. That team is the comparison's when the
answer or job belongs to a team comparison (`charged_to`), else the user's first team (the
one they joined first); a user in no team has only their own limits.
"""

import contextlib
import contextvars
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django_ratelimit.core import get_usage

from playground.usage import prices, records
from playground.usage.models import (
    BudgetPolicy,
    Limit,
    Reservation,
    SpendLock,
    UnpricedRule,
    UsageRecord,
)

ANSWER, IMAGE, VIDEO = (UsageRecord.Kind.ANSWER, UsageRecord.Kind.IMAGE, UsageRecord.Kind.VIDEO)
_charged_team: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "charged_team", default=None
)


class LimitExceeded(Exception):
    """A limit refuses the request; `message` says which and when it resets, for the page.
    `status`: 429 for the rate and running-at-once limits, 402 for money (both drawn in
    place by htmx: base.html's responseHandling)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@contextlib.contextmanager
def charged_to(*, team_id: int | None):
    """Answers and jobs admitted inside count against this team (a team comparison's)."""
    token = _charged_team.set(team_id)
    try:
        yield
    finally:
        _charged_team.reset(token)


def billing_team_id(user_id: int) -> int | None:
    from playground.teams.models import Membership

    charged = _charged_team.get()
    if charged is not None:
        return charged
    first = Membership.objects.filter(user_id=user_id).order_by("pk").values_list("team_id").first()
    return first[0] if first else None


def unpriced_rule() -> str:
    chosen = BudgetPolicy.objects.values_list("unpriced", flat=True).first()
    return chosen or settings.USAGE_UNPRICED_RULE


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    now = timezone.localtime(now)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: dt.datetime | None = None) -> dt.datetime:
    start = month_start(now)
    return (start + dt.timedelta(days=32)).replace(day=1)


def _reset_text() -> str:
    reset = next_month_start()
    return f"{reset.day} {reset:%B}"


# --- the limits that apply --------------------------------------------------------------


@dataclass
class _Applicable:
    """The limits on one request: the user's (the tighter of their own and their member
    limits in the billing team) and the team's."""

    user_spend: Decimal | None = None
    user_answers: int | None = None
    user_media: int | None = None
    user_rpm: int | None = None
    user_set_by_team: dict | None = None  # which of the user's limits a team owner set
    team_spend: Decimal | None = None
    team_answers: int | None = None
    team_media: int | None = None
    team_rpm: int | None = None

    @property
    def any_spend(self) -> bool:
        return self.user_spend is not None or self.team_spend is not None


_FIELDS = {
    "spend": "monthly_spend",
    "answers": "max_running_answers",
    "media": "max_running_media",
    "rpm": "requests_per_minute",
}


def _tighter(a, b):
    if a is None:
        return b
    return a if b is None else min(a, b)


def applicable_limits(*, user_id: int, team_id: int | None) -> _Applicable:
    scope = Q(user_id=user_id, team=None)
    if team_id is not None:
        scope |= Q(team_id=team_id, user=None) | Q(team_id=team_id, user_id=user_id)
    found = _Applicable(user_set_by_team={})
    for row in Limit.objects.filter(scope):
        for short, name in _FIELDS.items():
            value = getattr(row, name)
            if value is None:
                continue
            if row.user_id is None:
                setattr(found, f"team_{short}", value)
                continue
            before = getattr(found, f"user_{short}")
            setattr(found, f"user_{short}", _tighter(before, value))
            if before is None or value < before:
                found.user_set_by_team[short] = row.team_id is not None
    return found


# --- admission --------------------------------------------------------------------------


def admit_answer(*, run, conversation) -> Reservation:
    """Admit a new answer (its Run just created, in the caller's transaction)."""
    from playground.nexconn import catalog

    prompt_tokens = 0
    if prices.is_priced(kind=ANSWER, model=run.model):  # the estimate needs the prompt's size
        characters = (
            conversation.messages.aggregate(total=Sum(Length("content")))["total"] or 0
        ) + len(conversation.system_prompt)
        prompt_tokens = prices.prompt_tokens_estimate(characters)
    max_tokens = prices.requested_max_tokens(conversation.params, catalog.chat_model(run.model))
    estimate = prices.answer_estimate(
        model=run.model, prompt_tokens=prompt_tokens, max_tokens=max_tokens
    )
    return _admit(
        user_id=conversation.owner_id,
        kind=ANSWER,
        source=f"run:{run.pk}",
        model=run.model,
        estimate=estimate,
        prompt_tokens=prompt_tokens,
    )


def admit_generation(*, generation, media_model=None) -> Reservation:
    """Admit a new media job (its Generation just created, in the caller's transaction)."""
    images, seconds = prices.media_amounts(
        kind=generation.kind, params=generation.params, media_model=media_model
    )
    estimate = prices.media_cost(
        kind=generation.kind,
        model=generation.model,
        params=generation.params,
        images=images,
        video_seconds=seconds,
    )
    return _admit(
        user_id=generation.owner_id,
        kind=IMAGE if generation.kind == "image" else VIDEO,
        source=f"generation:{generation.pk}",
        model=generation.model,
        estimate=estimate,
    )


def admit_request(*, user_id: int, kind: str, source: str, model: str, estimate) -> Reservation:
    """Admit a request made some other way (the API explorer), as an answer or media job of
    `kind`: the same limits, the same reservation, settled by records.request_ended."""
    return _admit(user_id=user_id, kind=kind, source=source, model=model, estimate=estimate)


def _admit(*, user_id, kind, source, model, estimate, prompt_tokens=0) -> Reservation:
    team_id = billing_team_id(user_id)
    limits = applicable_limits(user_id=user_id, team_id=team_id)
    if estimate is None and limits.any_spend and unpriced_rule() == UnpricedRule.BLOCK:
        raise LimitExceeded(
            f"{model} has no price yet, and the administrator allows only priced models while "
            "a spending limit applies. Choose another model, or ask an administrator to price "
            "it.",
            status=402,
        )
    media = kind != ANSWER
    scopes = [
        ("user", user_id, limits.user_spend, limits.user_media if media else limits.user_answers)
    ]
    if team_id is not None:
        running_limit = limits.team_media if media else limits.team_answers
        scopes.append(("team", team_id, limits.team_spend, running_limit))
    for scope, pk, spend_limit, running_limit in scopes:
        if spend_limit is None and running_limit is None:
            continue
        _lock(f"{scope}:{pk}")
        spent, reserved, running = _standing(scope=scope, pk=pk, media=media)
        if running_limit is not None and running >= running_limit:
            # Before refusing: something may have ended without settling (a worker that died).
            records.settle_stale(**{f"{scope}_id": pk})
            spent, reserved, running = _standing(scope=scope, pk=pk, media=media)
        who = "Your team's" if scope == "team" else "Your"
        used = spent + reserved
        # A used-up budget refuses even models without a price (counted as requests only).
        if spend_limit is not None and (
            used >= spend_limit or used + (estimate or 0) > spend_limit
        ):
            raise LimitExceeded(_budget_message(who, spend_limit, used, estimate), status=402)
        if running_limit is not None and running >= running_limit:
            raise LimitExceeded(_running_message(scope, limits, media, running_limit), status=429)
    reservation = Reservation.objects.create(
        source=source,
        user_id=user_id,
        team_id=team_id,
        kind=kind,
        model=model,
        estimate=estimate,
        prompt_tokens=prompt_tokens,
    )
    # Last, so that a request refused above is not counted against the rate.
    _count_request(key=f"user:{user_id}", rate=limits.user_rpm, team=False)
    if team_id is not None:
        _count_request(key=f"team:{team_id}", rate=limits.team_rpm, team=True)
    return reservation


def _lock(scope: str) -> None:
    SpendLock.objects.bulk_create([SpendLock(scope=scope)], ignore_conflicts=True)
    SpendLock.objects.select_for_update().filter(scope=scope).get()


def _standing(*, scope: str, pk: int, media: bool) -> tuple[Decimal, Decimal, int]:
    """This month's spend, the open reservations' estimates and how many of the kind run,
    for a user or a team. Read after the scope's lock, so nothing admitted meanwhile is
    missed. Reservations are read first: one that is settled between the two reads is then
    counted twice (on the safe side), never not at all."""
    owner = {"user_id": pk} if scope == "user" else {"team_id": pk}
    open_kinds = (IMAGE, VIDEO) if media else (ANSWER,)
    standing = Reservation.objects.filter(**owner).aggregate(
        reserved=Sum("estimate"),
        running=Count("pk", filter=Q(kind__in=open_kinds)),
    )
    spent = UsageRecord.objects.filter(ended_at__gte=month_start(), **owner).aggregate(
        total=Sum("cost")
    )["total"] or Decimal(0)
    return spent, standing["reserved"] or Decimal(0), standing["running"]


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _budget_message(who: str, limit: Decimal, used: Decimal, estimate: Decimal | None) -> str:
    left = max(limit - used, Decimal(0))
    if left <= 0 or not estimate:
        return f"{who} monthly budget of {_money(limit)} is used up; it resets on {_reset_text()}."
    return (
        f"This could cost up to {_money(estimate)}, and {who.lower()} monthly budget of "
        f"{_money(limit)} has {_money(left)} left; it resets on {_reset_text()}. "
        "A shorter maximum length costs less."
    )


def _running_message(scope: str, limits: _Applicable, media: bool, limit: int) -> str:
    things = "media jobs" if media else "answers"
    if limit == 1:
        things = things[:-1]
    if scope == "team":
        return (
            f"Your team already has {limit} {things} running, the most it allows at once; "
            "wait for one to finish."
        )
    by_team = (limits.user_set_by_team or {}).get("media" if media else "answers")
    allows = "your team allows" if by_team else "you are allowed"
    return f"You already have {limit} {things} running, the most {allows}; wait for one to finish."


def _count_request(*, key: str, rate: int | None, team: bool) -> None:
    if rate is None:
        return
    usage = get_usage(
        None, group="usage:requests", key=lambda group, request: key, rate=f"{rate}/m",
        increment=True,
    )  # fmt: skip
    if usage is not None and usage["should_limit"]:
        whose = " from your team" if team else ""
        wait = max(1, usage["time_left"])
        raise LimitExceeded(
            f"Too many requests{whose}: at most {rate} a minute; try again in {wait} s.",
            status=429,
        )
