"""The Usage page: totals, the chart by day, the tables by model, person, team and key, the
period chooser, and the CSV file of the same selection."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from playground.chat.models import ModelPrice
from playground.usage import views as usage_views
from playground.usage.models import KeySource, UsageRecord

pytestmark = pytest.mark.django_db


def page(client, **query) -> tuple[int, str]:
    response = client.get(reverse("usage:usage"), query)
    return response.status_code, response.content.decode()


def export(client, **query) -> list[list[str]]:
    response = client.get(reverse("usage:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="usage-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def today() -> date:
    return timezone.localdate()


def card(html: str, label: str) -> str:
    """The value of one totals card."""
    start = html.index(f'<span class="usage__card-label">{label}</span>')
    value = html.index('<strong class="usage__card-value">', start)
    return html[value + len('<strong class="usage__card-value">') : html.index("</strong>", value)]


def section(html: str, heading: str) -> str:
    start = html.index(f'<section aria-label="{heading}">')
    return html[start : html.index("</section>", start)]


# --- totals ---------------------------------------------------------------------------------


def test_the_totals_add_up_the_users_own_usage(client, owner, other_user, record):
    record(owner, input_tokens=1000, output_tokens=200, reasoning_tokens=50, cost=Decimal("0.5"))
    record(owner, kind="image", model="painter", images=4, input_tokens=0, output_tokens=0)
    record(
        owner,
        kind="video",
        model="filmer",
        video_seconds=Decimal("12.5"),
        requests=2,
        input_tokens=0,
        output_tokens=0,
    )
    record(other_user, input_tokens=99999, cost=Decimal("99"))  # someone else's
    client.force_login(owner)
    status, html = page(client)
    assert status == 200
    assert card(html, "Spend") == "$0.52"
    assert card(html, "Tokens") == "1,200"
    assert "1,000 in · 200 out (50 reasoning)" in html
    assert card(html, "Requests") == "4"
    assert card(html, "Images") == "4"
    assert card(html, "Video seconds") == "12.5"
    assert "99" not in card(html, "Spend")


def test_unpriced_requests_are_named_never_counted_as_nothing(client, owner, record):
    record(owner, cost=Decimal("1.25"))
    record(owner, model="unpriced", cost=None, requests=3)
    client.force_login(owner)
    _, html = page(client)
    assert card(html, "Spend") == "$1.25 + 3 not priced requests"
    assert "<td>not priced (3 requests)</td>" in section(html, "By model")


def test_only_unpriced_usage_reads_not_priced(client, owner, record):
    record(owner, cost=None)
    client.force_login(owner)
    _, html = page(client)
    assert card(html, "Spend") == "not priced (1 request)"


def test_nothing_used_reads_zero_and_an_empty_chart(client, owner):
    client.force_login(owner)
    status, html = page(client)
    assert status == 200
    assert card(html, "Spend") == "$0.00"
    assert "Nothing used in this period." in html


def test_amounts_below_a_cent_keep_their_digits_and_the_prices_currency_is_used(
    client, owner, record
):
    record(owner, cost=Decimal("0.000321"))
    client.force_login(owner)
    assert card(page(client)[1], "Spend") == "$0.000321"
    ModelPrice.objects.create(
        model="model-a", input_per_million=1, output_per_million=2, currency="EUR"
    )
    assert card(page(client)[1], "Spend") == "€0.000321"


# --- by day ---------------------------------------------------------------------------------


def test_the_chart_has_a_column_per_day_an_accessible_name_and_a_table(client, owner, record):
    record(owner, when=noon(today()), cost=Decimal("2"))
    client.force_login(owner)
    _, html = page(client, period="7")
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in chart and "aria-labelledby=" in chart
    assert "<title" in chart and "Spend by day (USD)</title>" in chart
    assert "1 of 7 days with usage" in chart
    assert chart.count('class="chart-bar"') == 7
    assert f"{today():%a} {today().day} {today():%b %Y}: $2.00</title>" in chart
    # the table fallback: every day, the empty ones too
    table = html[html.index("<summary>Every day as a table</summary>") :]
    table = table[: table.index("</table>")]
    assert table.count('<th scope="row">') == 7
    assert "<td>$2.00</td>" in table


def test_the_chart_shows_the_chosen_measure(client, owner, record):
    record(owner, input_tokens=1000, output_tokens=234)
    client.force_login(owner)
    _, html = page(client, chart="tokens")
    assert "Tokens by day</title>" in html
    assert ": 1,234</title>" in html


def test_names_are_escaped_in_the_chart_and_the_tables(client, owner, record):
    record(owner, model="<script>alert(1)</script>")
    client.force_login(owner)
    _, html = page(client)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- periods --------------------------------------------------------------------------------


def test_periods_pick_their_days(client, owner, record):
    first = today().replace(day=1)
    last_month_end = first - timedelta(days=1)
    spent = {  # a power of ten per day, so each sum says which days it took
        today(): 1,
        last_month_end: 10,
        today() - timedelta(days=20): 100,
        today() - timedelta(days=60): 1000,
        today() - timedelta(days=200): 10000,
    }
    for day, cost in spent.items():
        record(owner, when=noon(day), cost=Decimal(cost))
    client.force_login(owner)

    def spend(**query) -> Decimal:
        value = card(page(client, **query)[1], "Spend")
        return Decimal(value.removeprefix("$").replace(",", ""))

    def between(start: date, end: date) -> int:
        return sum(cost for day, cost in spent.items() if start <= day <= end)

    assert spend() == between(first, today())
    assert spend(period="this-month") == between(first, today())
    assert spend(period="7") == between(today() - timedelta(days=6), today())
    assert spend(period="30") == between(today() - timedelta(days=29), today())
    assert spend(period="90") == between(today() - timedelta(days=89), today())
    assert spend(period="last-month") == between(last_month_end.replace(day=1), last_month_end)
    day = today() - timedelta(days=200)
    assert spend(period="custom", start=day.isoformat(), end=day.isoformat()) == 10000
    # From and To alone mean a custom period
    assert spend(start=day.isoformat(), end=today().isoformat()) == 11111


def test_the_period_is_named_with_the_export_link_keeping_it(client, owner):
    client.force_login(owner)
    _, html = page(client, period="custom", start="2026-03-01", end="2026-03-31")
    assert "My usage, 1 Mar 2026 – 31 Mar 2026." in html
    link = "/usage/export.csv?scope=mine&amp;period=custom&amp;start=2026-03-01&amp;end=2026-03-31"
    assert link in html
    assert 'value="2026-03-01"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "custom", "start": "2026-13-01", "end": "2026-12-01"}, "Enter a valid date."),
        ({"period": "custom", "start": "yesterday", "end": "2026-12-01"}, "Enter a valid date."),
        ({"period": "custom", "start": "2026-12-01"}, "Give both a first and a last day."),
        ({"period": "custom"}, "Give both a first and a last day."),
        ({"period": "custom", "start": "2026-12-02", "end": "2026-12-01"}, "comes before"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-12-01"}, "at most 366 days"),
        ({"period": "forever"}, "Select a valid choice."),
        ({"chart": "mood"}, "Select a valid choice."),
    ],
)
def test_a_bad_period_is_a_400_with_the_reason(client, owner, query, message):
    client.force_login(owner)
    status, html = page(client, **query)
    assert status == 400
    assert 'class="form-error" role="alert"' in html
    assert message in html
    assert client.get(reverse("usage:export"), query).status_code == 400


# --- breakdowns -----------------------------------------------------------------------------


def test_models_are_listed_biggest_spend_first(client, owner, record):
    record(owner, model="small", cost=Decimal("0.1"))
    record(owner, model="big", cost=Decimal("5"))
    record(owner, model="big", cost=Decimal("5"))
    record(owner, model="free", cost=None)
    client.force_login(owner)
    table = section(page(client)[1], "By model")
    assert table.index("<code>big</code>") < table.index("<code>small</code>")
    assert table.index("<code>small</code>") < table.index("<code>free</code>")
    assert "<td>$10.00</td><td>2</td>" in table


def test_a_comparison_turns_marker_is_not_listed_as_a_model(client, owner, record):
    record(owner, model="big", cost=Decimal("5"))
    record(owner, model="small", cost=Decimal("1"))
    marker = {"kind": UsageRecord.Kind.COMPARISON, "requests": 0, "cost": None}
    record(owner, model="big, small", **marker)
    client.force_login(owner)
    table = section(page(client)[1], "By model")
    assert "<code>big</code>" in table
    assert "big, small" not in table


def test_a_user_sees_only_their_own_tables(client, member, team, record):
    record(member, team=team)
    client.force_login(member)
    _, html = page(client)
    assert 'name="scope"' not in html  # nothing else to choose
    assert "By person" not in html and "By team" not in html and "By key" not in html


def test_an_owner_sees_the_team_per_member(client, owner, member, team, record):
    record(owner, team=team, cost=Decimal("1"))
    record(member, team=team, cost=Decimal("3"))
    record(member, team=team, cost=None)
    record(member, cost=Decimal("50"))  # bob's own, not the team's
    client.force_login(owner)
    status, html = page(client, scope=f"team-{team.pk}")
    assert status == 200
    assert f'<option value="team-{team.pk}" selected>Team Model reviewers</option>' in html
    assert "Team Model reviewers, " in html
    assert card(html, "Spend") == "$4.00 + 1 not priced request"
    people = section(html, "By person")
    assert people.index(">bob<") < people.index(">alice<")
    assert "<td>$3.00 + 1 not priced request</td>" in people
    assert "By team" not in html and "By key" not in html


def test_an_admin_sees_everyone_per_team_and_key(
    client, admin_user, owner, member, other_user, team, record
):
    record(owner, team=team, key_source=KeySource.TEAM, key_label="Team Acme …a1b2")
    record(member, key_source=KeySource.PERSONAL, key_label="bob’s key …ffff")
    record(other_user, key_source=KeySource.INSTANCE, cost=Decimal("7"))
    client.force_login(admin_user)
    status, html = page(client, scope="all")
    assert status == 200
    assert '<option value="all" selected>Everyone</option>' in html
    assert f'<option value="team-{team.pk}">Team Model reviewers</option>' in html
    assert card(html, "Requests") == "3"
    assert card(html, "Spend") == "$7.02"
    teams = section(html, "By team")
    assert "Model reviewers" in teams and "(no team)" in teams
    keys = section(html, "By key")
    assert "Team key" in keys and "Team Acme …a1b2" in keys
    assert "Personal key" in keys and "bob’s key …ffff" in keys
    assert "Instance key" in keys
    people = section(html, "By person")
    for name in ("alice", "bob", "charlie"):
        assert f">{name}<" in people


def test_usage_of_a_deleted_account_stays_counted(client, admin_user, member, record):
    record(member, cost=Decimal("2"))
    member.delete()
    client.force_login(admin_user)
    _, html = page(client, scope="all")
    assert card(html, "Spend") == "$2.00"
    assert "(deleted account)" in section(html, "By person")


# --- the file -------------------------------------------------------------------------------


def test_the_file_has_a_row_per_day_model_and_user(client, owner, member, team, record):
    day = today()
    record(owner, team=team, when=noon(day), cost=Decimal("1"))
    record(owner, team=team, when=noon(day), cost=Decimal("2"))
    record(owner, team=team, when=noon(day), model="model-b", cost=None)
    record(member, team=team, when=noon(day), cost=Decimal("4"))
    record(member, team=team, when=noon(day - timedelta(days=1)), images=2, cost=Decimal("8"))
    client.force_login(owner)
    rows = export(client, scope=f"team-{team.pk}", period="7")
    assert rows[0][:4] == ["day", "model", "user", "team"]
    header = rows[0]
    body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(row["day"], row["model"], row["user"]) for row in body] == [
        ((day - timedelta(days=1)).isoformat(), "model-a", "bob"),
        (day.isoformat(), "model-a", "alice"),
        (day.isoformat(), "model-a", "bob"),
        (day.isoformat(), "model-b", "alice"),
    ]
    assert body[0]["images"] == "2" and body[0]["cost"] == "8.000000"
    assert body[1]["requests"] == "2" and body[1]["cost"] == "3.000000"
    assert body[3]["cost"] == "" and body[3]["unpriced_requests"] == "1"
    assert {row["team"] for row in body} == {"Model reviewers"}
    assert {row["currency"] for row in body} == {"USD"}


def test_the_file_streams_in_parts_as_the_app_is_served(owner, record, monkeypatch, recwarn):
    """Under ASGI (as deployed) the rows are read a few at a time, not the whole file into
    memory before the first byte is sent."""
    monkeypatch.setattr(usage_views, "CSV_ROWS_PER_READ", 2)
    models = [f"model-{letter}" for letter in "abcde"]
    for model in models:
        record(owner, model=model)

    async def download() -> list[bytes]:
        client = AsyncClient()
        await client.aforce_login(owner)
        response = await client.get(reverse("usage:export"), {"period": "7"})
        assert response.status_code == 200
        return [chunk async for chunk in response.streaming_content]

    chunks = async_to_sync(download)()
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert [row[1] for row in rows[1:]] == models
    assert len(chunks) == 3  # the header and five rows, two at a time
    assert not [warning for warning in recwarn if "iterator" in str(warning.message)]


def test_the_file_covers_only_what_the_page_shows(client, owner, other_user, record):
    record(owner)
    record(other_user)
    record(owner, when=noon(today() - timedelta(days=100)))
    client.force_login(owner)
    rows = export(client, period="30")
    assert [row[2] for row in rows[1:]] == ["alice"]


def test_the_file_cannot_run_formulas_in_a_spreadsheet(client, admin_user, owner, record):
    from playground.teams import services

    evil = services.team_create(user=owner, name="+cmd|' /C calc'!A0")
    record(owner, team=evil, model='=HYPERLINK("http://x","y")')
    record(owner, model="@SUM(1)")
    record(owner, model="-2+3")
    client.force_login(admin_user)
    rows = export(client, scope="all")
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert "'@SUM(1)" in cells
    assert "'-2+3" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
