import json
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from playground.chat import page_stream, rendering, runs
from playground.chat.forms import MAX_MESSAGE_CHARS, TOO_LONG
from playground.compare import charts, export, ranking, selectors, services
from playground.compare.examples import examples_for
from playground.compare.forms import ComparisonForm, column_options
from playground.compare.models import Comparison, Turn, Vote
from playground.core.db import release_request_connection
from playground.core.files import stored_file_response
from playground.core.ids import optional_id, parse_id
from playground.core.responses import refusal
from playground.core.sse import SSE_HEADERS
from playground.presets.apply import comparison_form, preset_in_query
from playground.teams.selectors import teams_for
from playground.usage.budgets import LimitExceeded

TEMPLATE = "compare/compare.html"


@require_GET
def comparison_list(request):
    # A link from the Presets page (?preset=) sets the form up from that preset.
    if (preset := preset_in_query(request)) is not None:
        form, column = comparison_form(user=request.user, preset=preset)
        return new_comparison_page(request, form, preset_applied=preset, preset_column=column + 1)
    return new_comparison_page(request, ComparisonForm(user=request.user))


def new_comparison_page(request, form: ComparisonForm, **context):
    """The compare page with its new-comparison form (presets draw it too, applying one)."""
    comparisons = list(selectors.comparison_list(user=request.user)[:50])
    context = {
        "form": form,
        "comparisons": comparisons,
        # A first visit says what to try.
        "examples": [] if comparisons else examples_for(chat_model_ids=form.chat_model_ids),
        **context,
    }
    return render(request, "compare/list.html", context)


@require_GET
def column_settings(request, index: int):
    """One chat column's protocol and settings, re-drawn when its model changes."""
    if index >= services.MAX_CHAT_COLUMNS:
        raise Http404
    context = {
        "slot": {
            "index": index,
            **column_options(request.GET, index, request.GET.get(f"model_{index}", "")),
        }
    }
    return render(request, "compare/list.html#column-options", context)


@require_POST
async def comparison_create(request):
    response, run_ids = await sync_to_async(_comparison_create)(request)
    for run_id in run_ids:
        await runs.run_start(run_id)
    return response


def _comparison_create(request):
    form = ComparisonForm(request.POST, user=request.user)
    if not form.is_valid():
        context = {
            "form": form,
            "comparisons": selectors.comparison_list(user=request.user)[:50],
        }
        return render(request, "compare/list.html", context, status=400), []
    try:
        comparison, started = services.comparison_create(user=request.user, **form.comparison())
    except (services.CompareError, LimitExceeded) as error:
        form.add_error(None, error.message)
        context = {"form": form, "comparisons": []}
        status = getattr(error, "status", 400)
        return render(request, "compare/list.html", context, status=status), []
    url = reverse("compare:comparison", args=[comparison.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url), [run.pk for run in started]
    return redirect(url), [run.pk for run in started]


def _page_context(request, comparison: Comparison, *, can_edit: bool, can_vote: bool, link=None):
    columns = selectors.comparison_columns(comparison=comparison)
    turns = selectors.comparison_turns(comparison=comparison)
    user = request.user
    revealed = selectors.revealed_for(user=user, comparison=comparison) or (
        link is not None and not comparison.blind
    )
    for turn in turns:
        turn.my_vote = next((v for v in turn.votes.all() if v.user_id == user.pk), None)
        # Votes open once every column of the turn has ended (services.vote_cast).
        turn.finished = not any(entry.is_active for entry in turn.entries.all())
    latest = turns[-1] if turns else None
    active = [
        entry.run.pk
        for entry in (latest.entries.all() if latest else [])
        if entry.run is not None and entry.run.is_active
    ]
    return {
        "comparison": comparison,
        "columns": columns,
        "turns": turns,
        "revealed": revealed,
        "can_edit": can_edit,
        "can_vote": can_vote and user.is_authenticated,
        # Live updates need the comparison's own access rules; a share link shows a snapshot.
        "streaming": bool(active) and link is None,
        "stream_url": _stream_url(comparison, active),
        "charts": _charts(latest, columns, revealed) if latest else [],
        "share_links": selectors.active_share_links(comparison=comparison) if can_edit else [],
        "share_link": link,
        "grid_class": f"compare__grid--{len(columns)}",
    }


def _stream_url(comparison: Comparison, run_ids: list[int]) -> str:
    """The page's stream, naming the answers the page draws while they are written."""
    url = reverse("compare:events", args=[comparison.pk])
    return f"{url}?{urlencode({'run': run_ids}, doseq=True)}"


def _charts(turn: Turn, columns, revealed: bool) -> list[str]:
    """Small server-drawn charts comparing the columns' answers to one turn."""
    runs_by_column = {entry.column_id: entry.run for entry in turn.entries.all() if entry.run}
    if not runs_by_column or any(run.is_active for run in runs_by_column.values()):
        return []
    names = {c.pk: (c.model if revealed else f"Model {c.letter}") for c in columns}

    def bars(value):
        return [(names[c.pk], value(runs_by_column.get(c.pk))) for c in columns]

    def ms_to_first(run):  # in ms, as each answer's card gives it
        return run.time_to_first_token_ms if run else None

    def speed(run):
        return run.tokens_per_second if run else None

    def output(run):
        return run.output_tokens if run else None

    return [
        charts.bar_chart_svg(title="Time to first token", unit="ms", bars=bars(ms_to_first)),
        charts.bar_chart_svg(title="Speed", unit="tokens/s", bars=bars(speed)),
        charts.bar_chart_svg(title="Output", unit="tokens", bars=bars(output)),
    ]


@require_GET
def comparison_detail(request, pk: int):
    access = selectors.comparison_access(user=request.user, pk=pk)
    context = _page_context(
        request, access.comparison, can_edit=access.can_edit, can_vote=access.can_vote
    )
    return render(request, TEMPLATE, context)


@login_not_required
@require_GET
def shared(request, token: str):
    """A comparison through a share link: read-only; login required unless made public."""
    link = selectors.share_link_get(token=token)
    if not link.public and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = _page_context(request, link.comparison, can_edit=False, can_vote=False, link=link)
    return render(request, TEMPLATE, context)


@require_GET
async def comparison_events(request, pk: int):
    """SSE: the page's stream (chat/page_stream.py) for the answers it names (`?run=`, of
    this comparison: another is not found), interleaved as they come; `end` once every one
    has ended."""
    shown = [run_id for value in request.GET.getlist("run") if (run_id := parse_id(value))]
    user = await request.auser()
    access = await sync_to_async(selectors.comparison_access)(user=user, pk=pk)
    comparison = access.comparison
    run_ids = await sync_to_async(selectors.run_ids_in)(comparison=comparison, ids=shown[:20])
    if len(run_ids) != len(shown):
        raise Http404
    revealed = await sync_to_async(selectors.revealed_for)(user=user, comparison=comparison)
    # The stream reads through the runs' own connection: this one goes back now.
    await release_request_connection()

    async def draw_final(run_id: int, finished) -> str:
        # Every viewer with the same view of the comparison gets the same cell.
        return await rendering.drawn_once(
            ("compare-cell", run_id, revealed, access.can_edit),
            lambda: runs.db(_cell_html)(
                comparison=comparison, run_id=run_id, revealed=revealed, can_edit=access.can_edit
            ),
        )

    return StreamingHttpResponse(
        page_stream.page_event_stream(runs=run_ids, draw_final=draw_final),
        content_type="text/event-stream",
        headers=SSE_HEADERS,
    )


def _cell_html(*, comparison: Comparison, run_id: int, revealed: bool, can_edit: bool) -> str:
    entry = selectors.entry_for_run(comparison=comparison, run_id=run_id)
    context = {
        "entry": entry,
        "revealed": revealed,
        "comparison": comparison,
        "can_edit": can_edit,
    }
    return render_to_string(f"{TEMPLATE}#cell", context)


@require_GET
def entry_cell(request, pk: int, entry_id: int):
    """One cell, for polling (image jobs) or after the answer ended."""
    access = selectors.comparison_access(user=request.user, pk=pk)
    entry = selectors.entry_get(comparison=access.comparison, pk=entry_id)
    revealed = selectors.revealed_for(user=request.user, comparison=access.comparison)
    context = {
        "entry": entry,
        "revealed": revealed,
        "comparison": access.comparison,
        "can_edit": access.can_edit,
    }
    return render(request, f"{TEMPLATE}#cell", context)


@require_GET
def entry_media(request, pk: int, output_id: int):
    """An image of an image comparison, for everyone who may open the comparison."""
    access = selectors.comparison_access(user=request.user, pk=pk)
    output = selectors.output_get(comparison=access.comparison, pk=output_id)
    field = (
        output.preview if request.GET.get("size") == "preview" and output.preview else output.file
    )
    content_type = "image/webp" if field == output.preview else output.content_type
    return stored_file_response(request, field, content_type, filename="image")


@login_not_required
@require_GET
def shared_media(request, token: str, output_id: int):
    """An image of a comparison opened through a share link (same rules as the link)."""
    link = selectors.share_link_get(token=token)
    if not link.public and not request.user.is_authenticated:
        raise Http404
    output = selectors.output_get(comparison=link.comparison, pk=output_id)
    return stored_file_response(request, output.file, output.content_type, filename="image")


@require_POST
async def turn_create(request, pk: int):
    response, run_ids = await sync_to_async(_turn_create)(request, pk)
    for run_id in run_ids:
        await runs.run_start(run_id)
    return response


def _turn_create(request, pk: int):
    comparison = selectors.comparison_owned(user=request.user, pk=pk)
    prompt = request.POST.get("prompt", "").strip()
    if not prompt:
        return refusal(request, "Type a prompt first.", status=400), []
    if len(prompt) > MAX_MESSAGE_CHARS:
        return refusal(request, TOO_LONG, status=400), []
    try:
        started = services.turn_create(comparison=comparison, prompt=prompt)
    except services.CompareError as error:
        return refusal(request, error.message, status=409), []
    except LimitExceeded as limit:
        return refusal(request, limit.message, status=limit.status), []
    url = reverse("compare:comparison", args=[pk])
    if request.htmx:
        return HttpResponseClientRedirect(url), [run.pk for run in started]
    return redirect(url), [run.pk for run in started]


@require_POST
async def entry_retry(request, pk: int, entry_id: int):
    response, run_id = await sync_to_async(_entry_retry)(request, pk, entry_id)
    if run_id is not None:
        await runs.run_start(run_id)
    return response


def _entry_retry(request, pk: int, entry_id: int):
    comparison = selectors.comparison_owned(user=request.user, pk=pk)
    entry = selectors.entry_get(comparison=comparison, pk=entry_id)
    if entry.run is None:
        raise Http404
    try:
        run = services.entry_retry(entry=entry)
    except services.CompareError as error:
        return refusal(request, error.message, status=409), None
    except LimitExceeded as limit:
        return refusal(request, limit.message, status=limit.status), None
    url = reverse("compare:comparison", args=[pk])
    return (HttpResponseClientRedirect(url) if request.htmx else redirect(url)), run.pk


@require_POST
def vote(request, pk: int, turn_id: int):
    access = selectors.comparison_access(user=request.user, pk=pk)
    turn = selectors.turn_get(comparison=access.comparison, pk=turn_id)
    outcome = request.POST.get("outcome", "")
    if outcome not in Vote.Outcome.values:
        return refusal(request, "Choose the best answer, a tie, or all bad.", status=400)
    winner = None
    if outcome == Vote.Outcome.WINNER:
        winner_id = parse_id(request.POST.get("winner", ""))
        winner = (
            selectors.column_find(comparison=access.comparison, pk=winner_id) if winner_id else None
        )
        if winner is None:
            return refusal(request, "Choose which answer is best.", status=400)
    blind = not selectors.revealed_for(user=request.user, comparison=access.comparison)
    try:
        services.vote_cast(
            user=request.user, turn=turn, outcome=outcome, winner=winner, blind=blind
        )
    except services.CompareError as error:
        return refusal(request, error.message, status=409)
    url = reverse("compare:comparison", args=[pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
def share_create(request, pk: int):
    comparison = selectors.comparison_owned(user=request.user, pk=pk)
    services.share_link_create(
        comparison=comparison, by=request.user, public=request.POST.get("public") == "on"
    )
    return redirect("compare:comparison", pk=pk)


@require_POST
def share_revoke(request, pk: int, link_id: int):
    comparison = selectors.comparison_owned(user=request.user, pk=pk)
    link = selectors.share_link_of(comparison=comparison, pk=link_id)
    services.share_link_revoke(link=link)
    return redirect("compare:comparison", pk=pk)


@require_POST
def comparison_delete(request, pk: int):
    comparison = selectors.comparison_owned(user=request.user, pk=pk)
    services.comparison_delete(comparison=comparison)
    url = reverse("compare:list")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def comparison_export(request, pk: int, file_format: str):
    access = selectors.comparison_access(user=request.user, pk=pk)
    comparison = access.comparison
    revealed = selectors.revealed_for(user=request.user, comparison=comparison)
    name = f"{slugify(comparison.title) or 'comparison'}-{comparison.pk}"
    if file_format == "md":
        body = export.as_markdown(comparison, revealed=revealed)
        content_type = "text/markdown; charset=utf-8"
    elif file_format == "json":
        body = json.dumps(export.as_json(comparison, revealed=revealed), indent=2)
        content_type = "application/json"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


@require_GET
def leaderboard(request):
    teams = list(teams_for(user=request.user))
    if "team" in request.GET:  # chosen on the page; empty for the user's own comparisons
        team_id = optional_id(request.GET, "team", what="one of your teams")
    else:
        team_id = selectors.last_voted_team_id(user=request.user)
    tag = request.GET.get("tag", "").strip().lower()[:40]
    votes = selectors.votes_in_scope(user=request.user, team_id=team_id, tag=tag)
    rows = ranking.leaderboard(_ranking_votes(votes))
    chart = (
        charts.interval_chart_svg(rows=[(row.model, row.score, row.low, row.high) for row in rows])
        if rows
        else ""
    )
    places = ranking.ranks(rows)
    context = {
        "places": [
            {
                "rank": rank,
                "tied": places.count(rank) > 1,
                "row": row,
                "score": ranking.points(row.score),
                "low": ranking.points(row.low),
                "high": ranking.points(row.high),
            }
            for rank, row in zip(places, rows, strict=True)
        ],
        "chart": chart,
        "teams": teams,
        "team_id": team_id,
        "team": next((team for team in teams if team.pk == team_id), None),
        "tag": tag,
        "vote_count": len(votes),
    }
    return render(request, "compare/leaderboard.html", context)


def _ranking_votes(votes) -> list[ranking.Vote]:
    result = []
    for vote in votes:
        models = tuple(entry.column.model for entry in vote.turn.entries.all())
        if len(set(models)) != len(models):
            continue  # one model against itself (other settings) says nothing about models
        outcome = vote.winner.model if vote.winner_id else vote.outcome
        result.append(ranking.Vote(models=models, outcome=outcome))
    return result
