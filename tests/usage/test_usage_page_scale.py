"""The Usage page and its file read a fixed number of queries, summed in the database: the
same number at 10 rows as at 100,000."""

import itertools
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from playground.usage.models import UsageRecord
from tests.usage.conftest import usage_record

pytestmark = pytest.mark.django_db

MODELS = [f"model-{n}" for n in range(12)]


def make_rows(count: int, *, users, teams, offset: int) -> None:
    """`count` rows spread over 89 days, the models, the users and their teams; every
    seventh has no price. From noon back, and a day short of the 90-day period: the rows
    stay in it, and on their days, when the test runs past midnight."""
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    rows = (
        usage_record(
            users[n % len(users)],
            team=teams[n % len(teams)],
            when=noon - timedelta(days=n % 89, minutes=n % 600),
            save=False,
            model=MODELS[n % len(MODELS)],
            key_source=["personal", "team", "instance"][n % 3],
            key_label=f"key …{n % 5}",
            images=n % 2,
            video_seconds=Decimal(n % 4),
            cost=None if n % 7 == 0 else Decimal("0.001234"),
        )
        for n in range(offset, offset + count)
    )
    while batch := list(itertools.islice(rows, 5000)):
        UsageRecord.objects.bulk_create(batch)


def queries(client, view: str, query: dict) -> tuple[int, float, bytes]:
    started = time.monotonic()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(view), query)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(captured), time.monotonic() - started, body


def test_the_same_queries_at_ten_rows_and_at_a_hundred_thousand(
    client, admin_user, owner, member, other_user, team
):
    users = [owner, member, other_user]
    teams = [team, None]
    cases = [
        ("usage:usage", {"period": "90"}),
        ("usage:usage", {"period": "90", "scope": f"team-{team.pk}"}),
        ("usage:usage", {"period": "90", "scope": "all", "chart": "tokens"}),
        ("usage:export", {"period": "90", "scope": "all"}),
    ]
    client.force_login(admin_user)
    make_rows(10, users=users, teams=teams, offset=0)
    few = {(view, str(query)): queries(client, view, query)[0] for view, query in cases}

    make_rows(99_990, users=users, teams=teams, offset=10)
    assert UsageRecord.objects.count() == 100_000
    for view, query in cases:
        count, seconds, body = queries(client, view, query)
        assert count == few[(view, str(query))], (view, query)
        print(f"{view} {query}: {count} queries, {seconds:.2f}s")  # shown with -s
        if view == "usage:export":
            groups = (
                UsageRecord.objects.values("ended_on", "model", "user", "team").distinct().count()
            )
            assert body.count(b"\n") == 1 + groups  # the header, then a row per group
    # The page says what it summed: every row of the 90 days is in the total.
    html = queries(client, "usage:usage", {"period": "90", "scope": "all"})[2].decode()
    assert '<strong class="usage__card-value">100,000</strong>' in html  # requests


def test_an_owner_and_a_member_read_as_few_queries_as_before(client, owner, member, team):
    users = [owner, member]
    client.force_login(owner)
    make_rows(10, users=users, teams=[team], offset=0)
    before = queries(client, "usage:usage", {"scope": f"team-{team.pk}"})[0]
    mine_before = queries(client, "usage:usage", {})[0]
    make_rows(20_000, users=users, teams=[team], offset=10)
    assert queries(client, "usage:usage", {"scope": f"team-{team.pk}"})[0] == before
    assert queries(client, "usage:usage", {})[0] == mine_before
    assert mine_before <= 10
