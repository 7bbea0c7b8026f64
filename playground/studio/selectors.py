"""Reads for the studio. Every object is reached through its owner."""

import datetime as dt
import statistics

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from playground.compare.selectors import hidden_comparison_jobs
from playground.studio.models import Generation, InputImage, Output


def _with_outputs(queryset: QuerySet[Generation]) -> QuerySet[Generation]:
    return queryset.prefetch_related(
        Prefetch("outputs", queryset=Output.objects.order_by("position", "id"))
    )


def _jobs(*, user: AbstractBaseUser) -> QuerySet[Generation]:
    """The user's jobs, less those of blind image comparisons before the vote (they are seen
    through the comparison: here they would name the model)."""
    return Generation.objects.filter(owner=user).exclude(pk__in=hidden_comparison_jobs(user=user))


def generation_list(
    *,
    user: AbstractBaseUser,
    kind: str = "",
    model: str = "",
    status: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Generation]:
    """The user's jobs, newest first, with their outputs (one extra query per page)."""
    queryset = _jobs(user=user)
    if kind:
        queryset = queryset.filter(kind=kind)
    if model:
        queryset = queryset.filter(model=model)
    if status == "active":
        queryset = queryset.filter(status__in=Generation.ACTIVE)
    elif status:
        queryset = queryset.filter(status=status)
    if since:
        queryset = queryset.filter(created_at__date__gte=since)
    if until:
        queryset = queryset.filter(created_at__date__lte=until)
    return _with_outputs(queryset.order_by("-created_at", "-id"))


def generation_models(*, user: AbstractBaseUser) -> list[str]:
    """The models this user has used, for the gallery filter."""
    return list(
        Generation.objects.filter(owner=user)
        .order_by("model")
        .values_list("model", flat=True)
        .distinct()
    )


def generation_get(*, user: AbstractBaseUser, pk: int) -> Generation:
    return get_object_or_404(_with_outputs(_jobs(user=user).select_related("remix_of")), pk=pk)


def output_get(*, user: AbstractBaseUser, pk: int) -> Output:
    return get_object_or_404(
        Output.objects.select_related("generation"), pk=pk, generation__in=_jobs(user=user)
    )


def input_get(*, user: AbstractBaseUser, pk: int) -> InputImage:
    return get_object_or_404(InputImage, pk=pk, generation__owner=user)


_TYPICAL_SAMPLE = 20
_TYPICAL_MINIMUM = 2
_TYPICAL_CACHE_SECONDS = 300


def typical_duration(*, kind: str, model: str) -> float | None:
    """How long the model's recent finished jobs took (the median, in seconds), for “usually
    about 2 min” beside a running job; None until there are a few to go by.

    A statistic of the model over everyone's jobs, not a read of anyone's jobs: it names no
    job, prompt or person, and a first job on a fresh account gets an estimate too. Cached,
    since every running card asks on every refresh."""
    key = f"studio:typical-duration:{kind}:{model}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None  # 0: looked up, not enough jobs yet
    finished = (
        Generation.objects.filter(
            kind=kind, model=model, status=Generation.Status.SUCCEEDED, finished_at__isnull=False
        )
        .order_by("-created_at")
        .values_list("created_at", "finished_at")[:_TYPICAL_SAMPLE]
    )
    seconds = [(end - start).total_seconds() for start, end in finished]
    typical = statistics.median(seconds) if len(seconds) >= _TYPICAL_MINIMUM else 0.0
    cache.set(key, typical, _TYPICAL_CACHE_SECONDS)
    return typical or None
