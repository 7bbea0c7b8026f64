"""Reads for comparisons. The owner may do anything; members of the comparison's team may
open it read-only (and vote); everyone else gets 404."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from playground.compare.models import Column, Comparison, Entry, ShareLink, Turn, Vote
from playground.studio.models import Output
from playground.teams.selectors import member_team_ids


def comparison_list(*, user: AbstractBaseUser) -> QuerySet[Comparison]:
    return (
        Comparison.objects.filter(Q(owner=user) | Q(team_id__in=member_team_ids(user=user)))
        .select_related("owner", "team")
        .order_by("-updated_at", "-id")
    )


@dataclass(frozen=True)
class Access:
    comparison: Comparison
    can_edit: bool  # the owner: new turns, stop, retry, share
    can_vote: bool  # owner and team members


def comparison_access(*, user: AbstractBaseUser, pk: int) -> Access:
    comparison = get_object_or_404(Comparison.objects.select_related("team"), pk=pk)
    if comparison.owner_id == user.pk:
        return Access(comparison, can_edit=True, can_vote=True)
    if comparison.team_id and comparison.team_id in member_team_ids(user=user):
        return Access(comparison, can_edit=False, can_vote=True)
    raise Http404


def comparison_owned(*, user: AbstractBaseUser, pk: int) -> Comparison:
    return get_object_or_404(Comparison, pk=pk, owner=user)


def share_link_get(*, token: str) -> ShareLink:
    link = get_object_or_404(ShareLink.objects.select_related("comparison"), token=token)
    if not link.is_active:
        raise Http404
    return link


def comparison_turns(*, comparison: Comparison) -> list[Turn]:
    """Every turn with its entries (answers or jobs), the votes and the columns, in a few
    queries."""
    entries = Entry.objects.select_related("column", "run__message", "generation").prefetch_related(
        "generation__outputs"
    )
    return list(
        comparison.turns.prefetch_related(
            Prefetch("entries", queryset=entries),
            Prefetch("votes", queryset=Vote.objects.select_related("winner")),
        ).order_by("index")
    )


def comparison_columns(*, comparison: Comparison) -> list[Column]:
    return list(comparison.columns.order_by("position"))


# The reads below look inside a comparison the caller has already been let into (through
# comparison_access, comparison_owned or share_link_get); anything outside it is a 404.


def run_ids_in(*, comparison: Comparison, ids: list[int]) -> list[int]:
    """Those of the runs that answer in the comparison, in the order given."""
    found = set(
        Entry.objects.filter(turn__comparison=comparison, run_id__in=ids).values_list(
            "run_id", flat=True
        )
    )
    return [run_id for run_id in ids if run_id in found]


def entry_get(*, comparison: Comparison, pk: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("run__message", "column", "generation"),
        pk=pk,
        turn__comparison=comparison,
    )


def entry_for_run(*, comparison: Comparison, run_id: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("run__message", "column"),
        run_id=run_id,
        turn__comparison=comparison,
    )


def turn_get(*, comparison: Comparison, pk: int) -> Turn:
    return get_object_or_404(Turn, pk=pk, comparison=comparison)


def column_find(*, comparison: Comparison, pk: int) -> Column | None:
    return comparison.columns.filter(pk=pk).first()


def share_link_of(*, comparison: Comparison, pk: int) -> ShareLink:
    return get_object_or_404(ShareLink, pk=pk, comparison=comparison)


def output_get(*, comparison: Comparison, pk: int) -> Output:
    """A result of one of the comparison's image jobs."""
    jobs = Entry.objects.filter(turn__comparison=comparison).values("generation_id")
    return get_object_or_404(Output, pk=pk, generation__in=jobs)


def revealed_for(*, user: AbstractBaseUser, comparison: Comparison) -> bool:
    """Blind comparisons show the model names once this user has voted."""
    if not comparison.blind or not user.is_authenticated:
        return not comparison.blind
    return Vote.objects.filter(turn__comparison=comparison, user=user).exists()


def _names_hidden_from_owner(*, user: AbstractBaseUser) -> QuerySet[Comparison]:
    """The user's blind comparisons the user has not voted on yet."""
    return Comparison.objects.filter(owner=user, blind=True).exclude(turns__votes__user=user)


def hidden_column_chats(*, user: AbstractBaseUser) -> QuerySet:
    """Ids of the conversations behind those comparisons' columns. Until the vote they are
    reached only through the comparison: as chats they would name the model (the model
    picker, the answer's footer, view code, export)."""
    return Column.objects.filter(
        comparison__in=_names_hidden_from_owner(user=user), conversation__isnull=False
    ).values("conversation_id")


def hidden_comparison_jobs(*, user: AbstractBaseUser) -> QuerySet:
    """Ids of the studio jobs behind those comparisons' image columns (the studio's job
    list, gallery and job page name the model)."""
    return Entry.objects.filter(
        turn__comparison__in=_names_hidden_from_owner(user=user), generation__isnull=False
    ).values("generation_id")


def blind_comparison_hiding(
    *, user: AbstractBaseUser, conversation_id: int | None = None, generation_id: int | None = None
) -> int | None:
    """The id of the blind comparison that hides this column chat or job from the user until
    the vote, if one does."""
    comparisons = _names_hidden_from_owner(user=user)
    if conversation_id is not None:
        comparisons = comparisons.filter(columns__conversation_id=conversation_id)
    else:
        comparisons = comparisons.filter(turns__entries__generation_id=generation_id)
    return comparisons.values_list("pk", flat=True).first()


def active_share_links(*, comparison: Comparison) -> QuerySet[ShareLink]:
    return comparison.share_links.filter(revoked_at__isnull=True).order_by("-created_at")


def votes_in_scope(*, user: AbstractBaseUser, team_id: int | None, tag: str = ""):
    """Blind votes of the team's comparisons (or of the user's own, without a team)."""
    votes = Vote.objects.filter(blind=True)
    if team_id is not None:
        if team_id not in member_team_ids(user=user):
            raise Http404
        votes = votes.filter(turn__comparison__team_id=team_id)
    else:
        votes = votes.filter(turn__comparison__owner=user, turn__comparison__team__isnull=True)
    if tag:
        votes = votes.filter(turn__comparison__tags__contains=f",{tag},")
    return votes.select_related("winner").prefetch_related("turn__entries__column")


def last_voted_team_id(*, user: AbstractBaseUser) -> int | None:
    """The team of the comparison the user last voted on, where the leaderboard opens; None
    for the user's own comparisons (or a team the user has left since)."""
    team_id = (
        Vote.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("turn__comparison__team_id", flat=True)
        .first()
    )
    return team_id if team_id in member_team_ids(user=user) else None
