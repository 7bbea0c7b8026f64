"""Reads for presets, always for one user: their own, their teams', and the starters."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from playground.presets.models import Preset
from playground.teams.models import Membership
from playground.teams.selectors import owned_teams

# The order presets are listed in: the user's own, then their teams', then the starters.
MINE, TEAM, STARTER = 0, 1, 2


def presets_visible(*, user: AbstractBaseUser) -> QuerySet[Preset]:
    """Every preset the user may use, theirs first, then their teams', then the starters."""
    teams = Membership.objects.filter(user=user).values("team")
    return (
        Preset.objects.filter(Q(owner=user) | Q(team__in=teams) | Q(starter_key__isnull=False))
        .annotate(
            group=Case(
                When(owner=user, then=Value(MINE)),
                When(starter_key__isnull=False, then=Value(STARTER)),
                default=Value(TEAM),
                output_field=IntegerField(),
            )
        )
        .select_related("owner", "team")
        .order_by("group", "team__name", "name", "pk")
    )


def preset_get(*, user: AbstractBaseUser, pk: int) -> Preset:
    """A preset the user may use; 404 for everyone else's."""
    return get_object_or_404(presets_visible(user=user), pk=pk)


def may_change(*, user: AbstractBaseUser, preset: Preset) -> bool:
    """Its owner, or an owner of the team it is shared with; never a starter."""
    if preset.is_starter:
        return False
    if preset.owner_id == user.pk:
        return True
    return preset.team_id is not None and owned_teams(user=user).filter(pk=preset.team_id).exists()


@dataclass
class PresetGroup:
    label: str
    mine: bool = False
    presets: list[Preset] = field(default_factory=list)


def presets_grouped(*, user: AbstractBaseUser, query: str = "") -> list[PresetGroup]:
    """The presets the user may use, matching `query` (name, description, model or system
    prompt), in groups: theirs, each team's, the starters. Each preset knows whether the
    user may change it (`can_change`)."""
    presets = presets_visible(user=user)
    if query:
        presets = presets.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(model__icontains=query)
            | Q(system_prompt__icontains=query)
        )
    owned = set(owned_teams(user=user).values_list("pk", flat=True))
    groups: dict[str, PresetGroup] = {}
    for preset in presets:
        preset.can_change = not preset.is_starter and (
            preset.owner_id == user.pk or preset.team_id in owned
        )
        if preset.group == MINE:
            label = "Yours"
        elif preset.group == STARTER:
            label = "Starters"
        else:
            label = f"Team {preset.team.name}"
        group = groups.setdefault(label, PresetGroup(label, mine=preset.group == MINE))
        group.presets.append(preset)
    return list(groups.values())
