from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from playground.teams import selectors as team_selectors
from playground.teams.models import Membership
from playground.usage import budgets, selectors, services
from playground.usage.forms import LimitForm

TEMPLATE = "usage/team_limits.html"


def _row(*, team, limit, membership=None, is_owner: bool, data=None, saved=False) -> dict:
    prefix = f"member-{membership.user_id}" if membership else "team"
    scope = {"user_id": membership.user_id} if membership else {"team": team}
    return {
        "membership": membership,
        "form": LimitForm(data, instance=limit, prefix=prefix),
        "spent": selectors.month_spend(**scope),
        "is_owner": is_owner,
        "saved": saved,
    }


def _page_context(request, team, *, changed: dict | None = None) -> dict:
    """The page's rows; `changed` (a row just posted) stands in for its own."""
    is_owner = team.my_role == Membership.Role.OWNER
    whole, by_member = selectors.team_limits(team=team)
    rows = [_row(team=team, limit=whole, is_owner=is_owner)] + [
        _row(team=team, limit=by_member.get(m.user_id), membership=m, is_owner=is_owner)
        for m in team_selectors.team_members(team=team)
    ]
    if changed is not None:
        rows = [changed if row["form"].prefix == changed["form"].prefix else row for row in rows]
    return {
        "team": team,
        "is_owner": is_owner,
        "reset": budgets.next_month_start(),
        "team_row": rows[0],
        "member_rows": rows[1:],
    }


@require_GET
def team_limits(request, pk: int):
    """The team's limits and its members' (members see them; owners change them)."""
    team = team_selectors.team_get(user=request.user, pk=pk)
    return render(request, TEMPLATE, _page_context(request, team))


@require_POST
def team_limit_save(request, pk: int, user_id: int | None = None):
    team = team_selectors.team_get(user=request.user, pk=pk)
    membership = None
    if user_id is not None:
        membership = get_object_or_404(team_selectors.team_members(team=team), user_id=user_id)
    is_owner = team.my_role == Membership.Role.OWNER
    whole, by_member = selectors.team_limits(team=team)
    limit = by_member.get(user_id) if membership else whole
    row = _row(team=team, limit=limit, membership=membership, is_owner=is_owner, data=request.POST)
    status = 400
    if row["form"].is_valid():
        try:
            services.team_limit_set(
                team=team,
                by=request.user,
                member=membership.user if membership else None,
                values=row["form"].cleaned_data,
            )
        except services.LimitRefused as refused:
            row["form"].add_error(None, refused.message)
            status = 403
        else:
            row["saved"], status = True, 200
    if request.htmx:
        return render(request, f"{TEMPLATE}#limit-row", {"row": row, "team": team}, status=status)
    if status == 200:
        return redirect("usage:team-limits", pk=team.pk)
    return render(request, TEMPLATE, _page_context(request, team, changed=row), status=status)
