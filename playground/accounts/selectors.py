"""Reads for accounts: the sign-up policy, roles, and invitations as each user may see them."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from playground.accounts.models import Invitation, Policy, Preference, SignupPolicy, StoredKey
from playground.teams.models import Membership, Team
from playground.teams.selectors import owned_teams, team_get

type AnyUser = AbstractBaseUser | AnonymousUser


def is_admin(user: AnyUser) -> bool:
    """Administrators (the first account, and whoever it makes one) may do everything."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def signup_policy() -> str:
    """The policy an administrator chose, else the one settings.SIGNUP_POLICY names."""
    chosen = SignupPolicy.objects.values_list("policy", flat=True).first()
    return chosen or settings.SIGNUP_POLICY


def is_fresh_install() -> bool:
    """No account yet: the next one to sign up becomes the administrator."""
    return not get_user_model()._default_manager.exists()


def signup_needs_invitation() -> str:
    """Why the sign-up page itself does not take new accounts now ("" when it does)."""
    if is_fresh_install():
        return ""
    policy = signup_policy()
    if policy == Policy.CLOSED:
        return SIGNUP_CLOSED
    if policy == Policy.INVITE:
        return SIGNUP_BY_INVITATION
    return ""


SIGNUP_CLOSED = "Sign-up is closed on this server. Ask an administrator to make an account for you."
SIGNUP_BY_INVITATION = (
    "Sign-up on this server is by invitation. Ask an administrator or your team’s owner for "
    "an invitation link."
)


def teams_to_invite_to(*, user: AnyUser) -> QuerySet[Team]:
    """Administrators invite to any team, owners to the teams they own."""
    if is_admin(user):
        return Team.objects.order_by("name", "pk")
    return owned_teams(user=user)


def may_invite(*, user: AnyUser) -> bool:
    return is_admin(user) or owned_teams(user=user).exists()


def invitations_for(*, user: AnyUser) -> QuerySet[Invitation]:
    """Every invitation for administrators; those of the teams they own for owners. Newest
    first, with what the list shows."""
    invitations = Invitation.objects.select_related("team", "created_by").prefetch_related(
        "used_by"
    )
    if not is_admin(user):
        invitations = invitations.filter(team__in=owned_teams(user=user))
    return invitations.order_by("-created_at", "-pk")


def invitation_get(*, user: AnyUser, pk: int) -> Invitation:
    """One invitation the user may manage; 404 for everyone else."""
    return get_object_or_404(invitations_for(user=user), pk=pk)


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation a link names, whatever its state; None for a link that never existed."""
    return Invitation.objects.select_related("team", "created_by").filter(token=token).first()


def invitation_problem(invitation: Invitation) -> str:
    """Why the link no longer works, in plain words ("" while it does)."""
    ask = (
        f"Ask {invitation.created_by.get_username()} for a new link."
        if invitation.created_by
        else "Ask an administrator for a new link."
    )
    match invitation.state:
        case "revoked":
            return f"This invitation was withdrawn. {ask}"
        case "used":
            times = "once" if invitation.max_uses == 1 else f"{invitation.max_uses} times"
            return f"This invitation has already been used {times}, as many as it allows. {ask}"
        case "expired":
            when = date_format(timezone.localtime(invitation.expires_at), "j F Y, H:i")
            return f"This invitation expired on {when}. {ask}"
    return ""


def personal_key(*, user: AnyUser) -> StoredKey | None:
    return StoredKey.objects.filter(user=user).first() if user.is_authenticated else None


def team_key(*, team: Team) -> StoredKey | None:
    return StoredKey.objects.filter(team=team).first()


def team_for_key(*, user: AnyUser, pk: int) -> Team:
    """A team whose key the user may set, replace, remove and test: any team for
    administrators, the teams they own for owners; a member is refused (403), anyone else
    sees no such team (404)."""
    if is_admin(user):
        return get_object_or_404(Team, pk=pk)
    team = team_get(user=user, pk=pk)
    if team.my_role != Membership.Role.OWNER:
        raise PermissionDenied("Only the team's owners can change its API key.")
    return team


def preference_for(*, user: AnyUser) -> Preference:
    """The person's saved layout choices, or the defaults (unsaved) when none were saved."""
    if not user.is_authenticated:
        return Preference()
    return Preference.objects.filter(user=user).first() or Preference(user=user)
