from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from playground.accounts import keys
from playground.accounts.forms import ApiKeyForm
from playground.accounts.selectors import is_admin, may_invite, team_for_key, team_key
from playground.accounts.views import KEY_CARD, NO_KEY_TO_TEST, key_card_context, key_test
from playground.teams import selectors, services
from playground.teams.forms import MemberAddForm, TeamForm
from playground.teams.models import Membership, Team
from playground.teams.services import TeamError

TEAMS_TEMPLATE = "teams/teams.html"
TEAM_TEMPLATE = "teams/team.html"


def _go(request, url: str):
    """Leave this page: htmx follows a client redirect, a plain form a normal one."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _teams_context(request, form: TeamForm) -> dict:
    return {
        "form": form,
        "teams": selectors.teams_for(user=request.user),
        "may_invite": may_invite(user=request.user),
    }


def _team_context(
    request, team: Team, *, add_form: MemberAddForm | None = None, refusal: str = ""
) -> dict:
    is_owner = team.my_role == Membership.Role.OWNER
    return {
        "team": team,
        "is_owner": is_owner,
        "members": selectors.team_members(team=team),
        "add_form": add_form or MemberAddForm(),
        "refusal": refusal,
        **_key_card(request, team, stored=team_key(team=team)),
    }


def _key_card(request, team: Team, *, stored, **card) -> dict:
    urls = {
        name: reverse(f"teams:key-{name}", args=[team.pk]) for name in ("save", "remove", "test")
    }
    can_manage = team.my_role == Membership.Role.OWNER or is_admin(request.user)
    context = key_card_context(stored=stored, urls=urls, can_manage=can_manage, **card)
    return context | {"key_team": team}


def _key_card_response(request, team: Team, *, status: int = 200, **card):
    if request.htmx:
        return render(request, KEY_CARD, _key_card(request, team, **card), status=status)
    if status == 200:
        if notice := card.get("notice"):
            messages.info(request, notice)
        if card.get("models") is None and not card.get("test_error"):
            if team.my_role is None:  # an administrator outside the team
                return redirect("admin:accounts_storedkey_changelist")
            return redirect("teams:team", pk=team.pk)
    context = _team_context(request, team) | _key_card(request, team, **card)
    return render(request, TEAM_TEMPLATE, context, status=status)


def _key_team(request, pk: int) -> Team:
    """The team whose key is changed (owners, administrators), with `my_role`."""
    team = team_for_key(user=request.user, pk=pk)
    if not hasattr(team, "my_role"):  # an administrator outside the team
        team.my_role = None
    return team


@sensitive_post_parameters("api_key")
@require_POST
def team_key_save(request, pk: int):
    team = _key_team(request, pk)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _key_card_response(request, team, status=400, stored=team_key(team=team), form=form)
    stored = keys.key_save(api_key=form.cleaned_data["api_key"], by=request.user, team=team)
    notice = f"Saved the team's key {stored.masked}."
    return _key_card_response(request, team, stored=stored, notice=notice)


@require_POST
def team_key_remove(request, pk: int):
    team = _key_team(request, pk)
    removed = keys.key_remove(team=team)
    notice = "Removed the team's key." if removed else "The team had no key stored."
    return _key_card_response(request, team, stored=None, notice=notice)


@require_POST
def team_key_test(request, pk: int):
    team = _key_team(request, pk)
    stored = team_key(team=team)
    if stored is None:
        return _key_card_response(request, team, status=409, stored=None, test_error=NO_KEY_TO_TEST)
    models, error = key_test(stored)
    return _key_card_response(request, team, stored=stored, models=models, test_error=error)


def _refuse(request, team: Team, message: str):
    """An action the user may not take here: 400 with the reason above the members."""
    if request.htmx:
        response = render(request, f"{TEAM_TEMPLATE}#refusal", {"refusal": message}, status=400)
        return reswap(retarget(response, "#team-refusal"), "outerHTML")
    context = _team_context(request, team, refusal=message)
    return render(request, TEAM_TEMPLATE, context, status=400)


@require_GET
def teams(request):
    return render(request, TEAMS_TEMPLATE, _teams_context(request, TeamForm()))


@require_POST
def team_create(request):
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_create(user=request.user, name=form.cleaned_data["name"])
        except TeamError as error:
            form.add_error(error.field, error.message)
        else:
            return _go(request, reverse("teams:team", args=[team.pk]))
    if request.htmx:
        return render(request, f"{TEAMS_TEMPLATE}#team-form", {"form": form}, status=400)
    return render(request, TEAMS_TEMPLATE, _teams_context(request, form), status=400)


@require_GET
def team_detail(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    return render(request, TEAM_TEMPLATE, _team_context(request, team))


@require_POST
def member_add(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.member_add(
                team=team, by=request.user, username=form.cleaned_data["username"]
            )
        except TeamError as error:
            if error.field is None:
                return _refuse(request, team, error.message)
            form.add_error(error.field, error.message)
        else:
            if request.htmx:
                context = _team_context(request, team) | {"membership": membership, "oob": True}
                return render(request, f"{TEAM_TEMPLATE}#added", context)
            return redirect("teams:team", pk=team.pk)
    if request.htmx:
        context = {"team": team, "add_form": form}
        response = render(request, f"{TEAM_TEMPLATE}#member-form", context, status=400)
        return reswap(retarget(response, "#member-form"), "outerHTML")
    return render(request, TEAM_TEMPLATE, _team_context(request, team, add_form=form), status=400)


@require_POST
def member_remove(request, pk: int, user_id: int):
    """Remove a member, or leave the team when it is the user's own membership."""
    team = selectors.team_get(user=request.user, pk=pk)
    membership = get_object_or_404(selectors.team_members(team=team), user_id=user_id)
    try:
        services.member_remove(team=team, by=request.user, user=membership.user)
    except TeamError as error:
        return _refuse(request, team, error.message)
    if membership.user_id == request.user.pk:
        messages.info(request, f"You left the team “{team.name}”.")
        return _go(request, reverse("teams:teams"))
    if request.htmx:
        return HttpResponse("")  # the member's row is replaced by nothing
    return redirect("teams:team", pk=team.pk)


@require_POST
def member_role(request, pk: int, user_id: int):
    """Make a member an owner or an owner a member. An owner who steps down sees the page as
    a member sees it."""
    team = selectors.team_get(user=request.user, pk=pk)
    membership = get_object_or_404(selectors.team_members(team=team), user_id=user_id)
    try:
        membership = services.member_set_role(
            team=team, by=request.user, user=membership.user, role=request.POST.get("role", "")
        )
    except TeamError as error:
        return _refuse(request, team, error.message)
    if request.htmx and membership.user_id != request.user.pk:
        context = _team_context(request, team) | {"membership": membership, "oob": True}
        return render(request, f"{TEAM_TEMPLATE}#role-changed", context)
    return _go(request, reverse("teams:team", args=[team.pk]))


@require_POST
def team_delete(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    try:
        services.team_delete(team=team, by=request.user)
    except TeamError as error:
        return _refuse(request, team, error.message)
    messages.info(request, f"Deleted the team “{team.name}”.")
    return _go(request, reverse("teams:teams"))
