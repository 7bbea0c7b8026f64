"""Writes for teams: creating one, adding and removing members, changing roles, deleting it.

A refusal raises TeamError with a message to show as it is; `field` names the form field the
message belongs beside, when there is one. Every team keeps at least one owner: removals and
demotions lock the team's owner rows first, so two owners removing or demoting each other at
once cannot leave none.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from playground.teams.models import Membership, Team


class TeamError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def team_create(*, user, name: str) -> Team:
    """A new team with its creator as its owner."""
    name = name.strip()
    if not name:
        raise TeamError("Give the team a name.", field="name")
    with transaction.atomic():
        team = Team.objects.create(name=name, created_by=user)
        Membership.objects.create(team=team, user=user, role=Membership.Role.OWNER, added_by=user)
    return team


def _user_named(username: str):
    """The active account with this username; letter case only matters to tell two apart."""
    User = get_user_model()
    matches = list(
        User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}, is_active=True)
    )
    if len(matches) == 1:
        return matches[0]
    return next((user for user in matches if user.get_username() == username), None)


def _role_of(*, team: Team, user) -> str | None:
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


def member_add(*, team: Team, by, username: str) -> Membership:
    """Add the account called `username` to the team as a member; only owners may."""
    if _role_of(team=team, user=by) != Membership.Role.OWNER:
        raise TeamError("Only the team's owners can add members.")
    username = username.strip()
    if not username:
        raise TeamError("Type the username of the person to add.", field="username")
    user = _user_named(username)
    if user is None:
        raise TeamError(f"There is no account with the username “{username}”.", field="username")
    already = f"{user.get_username()} is already a member of this team."
    if Membership.objects.filter(team=team, user=user).exists():
        raise TeamError(already, field="username")
    try:
        with transaction.atomic():
            return Membership.objects.create(team=team, user=user, added_by=by)
    except IntegrityError:  # added by another owner a moment ago
        raise TeamError(already, field="username") from None


def member_join(*, team: Team, user, invited_by) -> Membership:
    """The user joins the team as a member through an invitation (no owner acts here); a
    member already keeps their membership and role."""
    membership, _ = Membership.objects.get_or_create(
        team=team, user=user, defaults={"added_by": invited_by}
    )
    return membership


def member_remove(*, team: Team, by, user) -> None:
    """Owners remove anyone but the last owner; a member may remove themselves (leave)."""
    with transaction.atomic():
        owners = {
            membership.user_id
            for membership in Membership.objects.select_for_update().filter(
                team=team, role=Membership.Role.OWNER
            )
        }
        leaving = by.pk == user.pk
        if not leaving and by.pk not in owners:
            raise TeamError("Only the team's owners can remove other members.")
        membership = Membership.objects.filter(team=team, user=user).first()
        if membership is None:
            who = "You are" if leaving else f"{user.get_username()} is"
            raise TeamError(f"{who} no longer a member of this team.")
        if owners == {user.pk}:
            raise TeamError(
                "You are this team's only owner, so you cannot leave it. Delete the team if "
                "nobody needs it any more."
            )
        membership.delete()


def member_set_role(*, team: Team, by, user, role: str) -> Membership:
    """Make a member an owner, or an owner a member; only owners may, and never the last
    owner a member."""
    if role not in Membership.Role.values:
        raise TeamError("Choose owner or member.")
    with transaction.atomic():
        owners = {
            membership.user_id
            for membership in Membership.objects.select_for_update().filter(
                team=team, role=Membership.Role.OWNER
            )
        }
        if by.pk not in owners:
            raise TeamError("Only the team's owners can change roles.")
        membership = Membership.objects.filter(team=team, user=user).first()
        if membership is None:
            raise TeamError(f"{user.get_username()} is no longer a member of this team.")
        if role == Membership.Role.MEMBER and owners == {user.pk}:
            who = "You are" if by.pk == user.pk else f"{user.get_username()} is"
            raise TeamError(
                f"{who} this team's only owner: make someone else an owner first, so the team "
                "keeps one."
            )
        if membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


def team_delete(*, team: Team, by) -> None:
    """Delete the team and its memberships; only owners may."""
    if _role_of(team=team, user=by) != Membership.Role.OWNER:
        raise TeamError("Only the team's owners can delete it.")
    team.delete()
