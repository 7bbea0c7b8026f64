"""Usage records made directly, as the answers and jobs write them when they end."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from playground.usage.models import UsageRecord

_sources = itertools.count(1)


def usage_record(user, *, team=None, when=None, save=True, **fields) -> UsageRecord:
    """An answer of `model-a` that cost $0.01 unless told otherwise, ended at `when`
    (default: today at noon, UTC)."""
    fields = {
        "kind": UsageRecord.Kind.ANSWER,
        "model": "model-a",
        "status": "done",
        "key_source": "instance",
        "input_tokens": 100,
        "output_tokens": 50,
        "cost": Decimal("0.01"),
        **fields,
    }
    ended_at = when or datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    record = UsageRecord(
        user=user,
        team=team,
        source=f"test:{next(_sources)}",
        ended_at=ended_at,
        ended_on=timezone.localdate(ended_at),
        **fields,
    )
    if save:
        record.save()
    return record


@pytest.fixture
def record():
    return usage_record
