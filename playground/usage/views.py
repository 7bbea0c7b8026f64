import csv
import itertools
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground.usage import charts, selectors
from playground.usage.forms import METRICS, UsageFilterForm
from playground.usage.templatetags.usage_format import count, money

TEMPLATE = "usage/usage.html"
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ROWS_PER_READ = 500


def _chart(usage: selectors.Usage, metric: str) -> str:
    def value(sums: selectors.Sums) -> float:
        if metric == "cost":
            return float(sums.cost or 0)
        return float(getattr(sums, metric))

    title = f"{METRICS[metric]} by day"
    if metric == "cost":
        title += f" ({usage.currency})"

        def written(amount: float) -> str:
            return money(Decimal(str(amount)), usage.currency)
    else:

        def written(amount: float) -> str:
            return count(Decimal(str(amount)))

    columns = [
        (f"{day.day} {day:%b}", f"{day:%a} {day.day} {day:%b %Y}", value(sums))
        for day, sums in usage.by_day
    ]
    return charts.column_chart_svg(title=title, columns=columns, written=written)


@require_GET
def usage(request):
    """The viewer's usage in a period, by day and model; a team's per member for its owners;
    everyone's per team and key for administrators."""
    scopes = selectors.scopes_for(viewer=request.user)
    scope = selectors.scope_get(viewer=request.user, value=request.GET.get("scope", ""))
    form = UsageFilterForm(request.GET)
    context = {"form": form, "scopes": scopes, "scope": scope, "metrics": METRICS}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    period, metric = form.selection()
    usage = selectors.usage_for(viewer=request.user, scope=scope, period=period)
    query = {"scope": scope.value, **_period_query(form)}
    context |= {
        "usage": usage,
        "metric": metric,
        "chart": _chart(usage, metric),
        "export_query": urlencode(query),
    }
    return render(request, TEMPLATE, context)


@require_GET
def usage_export(request):
    """The same selection as a CSV file: one row per day, model and user."""
    scope = selectors.scope_get(viewer=request.user, value=request.GET.get("scope", ""))
    form = UsageFilterForm(request.GET)
    if not form.is_valid():
        context = {
            "form": form,
            "scopes": selectors.scopes_for(viewer=request.user),
            "scope": scope,
            "metrics": METRICS,
        }
        return render(request, TEMPLATE, context, status=400)
    period = form.selection()[0]
    rows = selectors.csv_rows(viewer=request.user, scope=scope, period=period)
    writer = csv.writer(_Echo())
    lines = (writer.writerow([_cell(value) for value in row]) for row in rows)
    if isinstance(request, ASGIRequest):
        lines = _read_off_the_loop(lines)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"usage-{scope.value}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _period_query(form: UsageFilterForm) -> dict:
    data = form.cleaned_data
    query = {"period": data.get("period") or ""}
    if query["period"] == "custom":
        query |= {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
    return {key: value for key, value in query.items() if value}


def _cell(value) -> str:
    """Text as it is, but never as a formula: a leading = + - @ gets a quote before it.
    Numbers are ours and written as numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


async def _read_off_the_loop(lines: Iterator[str]) -> AsyncIterator[str]:
    """Under ASGI a synchronous iterator is read whole into memory before anything is sent.
    Here the rows are read a batch at a time in the request's thread, where its database
    cursor is."""
    read = sync_to_async(lambda: "".join(itertools.islice(lines, CSV_ROWS_PER_READ)))
    while batch := await read():
        yield batch


class _Echo:
    """csv.writer writes into this, and the response streams what it returns."""

    def write(self, value: str) -> str:
        return value
