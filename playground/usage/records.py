"""One usage row for every answer, media job and comparison turn that ends.

Each end writes its UsageRecord and drops the Reservation its admission made, in one
transaction: the estimate stops counting against the budgets as the actual cost starts to.
Writing twice is harmless (the source is unique; the second write is ignored).

A comparison turn's answers and jobs write their own rows, which carry the cost; the turn's
own row (kind "comparison") is a marker with no requests and no cost, so sums over the rows
never count a comparison twice.
"""

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from playground.chat.pricing import model_prices, tokens_cost
from playground.usage import prices
from playground.usage.models import KeySource, Reservation, UsageRecord


def _write(*, source: str, reservation: Reservation | None, owner_id=None, **fields) -> None:
    """The row, and the reservation gone, in one transaction. Without a reservation (an
    answer admitted before budgets existed, say) the row goes to the owner's billing team."""
    from playground.usage.budgets import billing_team_id

    if reservation is not None:
        fields.setdefault("user_id", reservation.user_id)
        fields.setdefault("team_id", reservation.team_id)
    elif "user_id" not in fields and owner_id is not None:
        fields.update(user_id=owner_id, team_id=billing_team_id(owner_id))
    with transaction.atomic():
        if reservation is not None:
            Reservation.objects.filter(pk=reservation.pk).delete()
        now = timezone.now()
        UsageRecord.objects.bulk_create(
            [UsageRecord(source=source, ended_at=now, ended_on=timezone.localdate(now), **fields)],
            ignore_conflicts=True,
        )


def _unrecorded_key() -> str:
    """For answers and jobs made before the key that paid was recorded."""
    return KeySource.DEMO if settings.DEMO_MODE else KeySource.INSTANCE


def answer_ended(*, run, owner_id: int | None = None, text: str | None = None) -> None:
    """An answer ended (done, stopped, failed or interrupted): its row, with what it cost.
    Without usage figures from the upstream (stopped or cut off early) a priced model is
    billed on an estimate: the prompt as admitted and the text written so far."""
    source = f"run:{run.pk}"
    reservation = Reservation.objects.filter(source=source).first()
    cost = run.cost
    input_tokens, output_tokens = run.input_tokens, run.output_tokens
    price = model_prices().get(run.model)
    if cost is None and price is not None:
        if text is None:
            text = run.message.content + run.message.reasoning
        input_tokens = input_tokens or (reservation.prompt_tokens if reservation else 0)
        output_tokens = output_tokens or math.ceil(len(text) / 4)
        cost = tokens_cost(price, input_tokens=input_tokens, output_tokens=output_tokens)
    if reservation is None and owner_id is None:
        owner_id = _answer_owner_id(run)
    _write(
        source=source,
        reservation=reservation,
        owner_id=owner_id,
        kind=UsageRecord.Kind.ANSWER,
        model=run.model,
        status=run.status,
        key_source=run.key_source or _unrecorded_key(),
        key_label=run.key_label,
        input_tokens=input_tokens or 0,
        output_tokens=output_tokens or 0,
        reasoning_tokens=run.reasoning_tokens or 0,
        cached_tokens=run.cached_tokens or 0,
        cost=cost,
    )
    _turn_check(entry_filter={"run_id": run.pk})


EXPLORER_REQUEST_LONGEST = dt.timedelta(minutes=30)


def request_ended(*, source: str, owner_id: int, **fields) -> None:
    """A request admitted with budgets.admit_request ended: its row, with what it cost."""
    reservation = Reservation.objects.filter(source=source).first()
    _write(source=source, reservation=reservation, owner_id=owner_id, **fields)


def _answer_owner_id(run) -> int | None:
    from playground.chat.models import Conversation

    return (
        Conversation.objects.filter(messages__run__pk=run.pk)
        .values_list("owner_id", flat=True)
        .first()
    )


def _billed(generation) -> bool:
    """Whether the provider charges for the job: it made the results (even those we could not
    keep), or it may have taken it and be making them (given up on, lost while being sent,
    or deleted here after it was sent). Counted as billed when in doubt."""
    from playground.studio.models import Generation

    return (
        generation.status in (Generation.Status.SUCCEEDED, Generation.Status.TIMED_OUT)
        or generation.error_kind in ("download", "lost")
        or (generation.error_kind == "deleted" and bool(generation.upstream_task_id))
    )


def generation_ended(*, generation) -> None:
    """A media job ended (succeeded, failed, cancelled, expired, timed out or deleted while
    running): its row, billed for what the provider made."""
    from playground.studio.models import Generation

    source = f"generation:{generation.pk}"
    images, seconds = 0, Decimal(0)
    if _billed(generation):
        images, seconds = prices.media_amounts(kind=generation.kind, params=generation.params)
        if generation.status == Generation.Status.SUCCEEDED:
            outputs = list(generation.outputs.values_list("duration", flat=True))
            if outputs and generation.kind == "image":
                images = len(outputs)
            elif outputs and all(outputs):
                seconds = Decimal(str(round(sum(outputs), 2)))
    cost = prices.media_cost(
        kind=generation.kind,
        model=generation.model,
        params=generation.params,
        images=images,
        video_seconds=seconds,
    )
    _write(
        source=source,
        reservation=Reservation.objects.filter(source=source).first(),
        owner_id=generation.owner_id,
        kind=UsageRecord.Kind.IMAGE if generation.kind == "image" else UsageRecord.Kind.VIDEO,
        model=generation.model,
        status=generation.status,
        key_source=generation.key_source or _unrecorded_key(),
        key_label=generation.key_label,
        images=images,
        video_seconds=seconds,
        cost=cost,
    )
    _turn_check(entry_filter={"generation_id": generation.pk})


def _turn_check(*, entry_filter: dict) -> None:
    """The comparison turn's marker row, once its last answer or job has ended."""
    from playground.compare.models import Entry

    turn_id = Entry.objects.filter(**entry_filter).values_list("turn_id", flat=True).first()
    if turn_id is None:
        return
    entries = list(
        Entry.objects.filter(turn_id=turn_id).select_related(
            "run", "generation", "column", "turn__comparison"
        )
    )
    things = [entry.run or entry.generation for entry in entries]
    if any(thing is not None and thing.is_active for thing in things):
        return
    comparison = entries[0].turn.comparison
    statuses = {thing.status for thing in things if thing is not None}
    ok = statuses <= {"done", "succeeded"}
    _write(
        source=f"comparison-turn:{turn_id}",
        reservation=None,
        kind=UsageRecord.Kind.COMPARISON,
        model=", ".join(entry.column.model for entry in entries)[:200],
        status="done" if ok else "partly failed",
        key_source=next((t.key_source for t in things if t and t.key_source), _unrecorded_key()),
        key_label=next((t.key_label for t in things if t and t.key_label), ""),
        requests=0,
        cost=None,
        user_id=comparison.owner_id,
        team_id=comparison.team_id,
    )


def settle_stale(*, user_id: int | None = None, team_id: int | None = None) -> None:
    """End the reservations of answers and jobs that ended, or went, without settling (a
    bulk cancel, a worker that died, a row deleted before it started)."""
    from playground.chat.models import Run
    from playground.studio.models import Generation

    scope = {"user_id": user_id} if user_id is not None else {"team_id": team_id}
    sources = list(Reservation.objects.filter(**scope).values_list("source", flat=True))
    runs = {int(s.split(":")[1]) for s in sources if s.startswith("run:")}
    jobs = {int(s.split(":")[1]) for s in sources if s.startswith("generation:")}
    found_runs = Run.objects.filter(pk__in=runs).select_related("message__conversation")
    for run in found_runs:
        runs.discard(run.pk)
        if not run.is_active:
            answer_ended(run=run, owner_id=run.message.conversation.owner_id)
    for generation in Generation.objects.filter(pk__in=jobs):
        jobs.discard(generation.pk)
        if not generation.is_active:
            generation_ended(generation=generation)
    gone = [f"run:{pk}" for pk in runs] + [f"generation:{pk}" for pk in jobs]
    Reservation.objects.filter(source__in=gone).delete()  # never started: nothing billed
    # An explorer request settles as it ends; one still reserved this long after was cut
    # off with its process.
    Reservation.objects.filter(
        **scope,
        source__startswith="explorer:",
        created_at__lt=timezone.now() - EXPLORER_REQUEST_LONGEST,
    ).delete()
