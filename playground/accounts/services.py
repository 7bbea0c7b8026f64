"""Writes for accounts: sign-up under the instance's policy, invitations, deactivation.

A refusal raises AccountError with a message to show as it is; `status` is the HTTP status
the refusal deserves (403 for the policy, 410 for a link that no longer works).
"""

import datetime as dt
from dataclasses import dataclass
from importlib import import_module

from asgiref.sync import async_to_sync
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from playground.accounts import selectors
from playground.accounts.models import Invitation, Policy, Preference
from playground.chat import services as chat_services
from playground.chat.live import get_broker
from playground.chat.models import Run
from playground.files.models import UpstreamFile
from playground.studio.models import Generation
from playground.teams.models import Team
from playground.teams.services import member_join
from playground.usage import records

# Any fixed number: the key of the PostgreSQL advisory lock that sign-ups take in turn.
_SIGNUP_LOCK_KEY = 0x5349474E5550  # "SIGNUP"

INVITATION_DAYS = (1, 7, 30)
INVITATION_MAX_USES = 100


class AccountError(Exception):
    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def user_create(
    *, username: str, password: str, invitation: Invitation | None = None
) -> AbstractUser:
    """Create an account. The very first account becomes the administrator, whatever the
    policy; later ones need the policy to allow them. An invitation counts one use and puts
    the new account in the invitation's team."""
    User = get_user_model()
    user = User(username=username)
    user.set_password(password)  # slow on purpose: done before any lock is taken
    with transaction.atomic():
        _take_turns_signing_up()
        is_first = not User.objects.exists()
        if not is_first:
            _check_policy_allows(invitation)
        user.is_staff = user.is_superuser = is_first
        user.save()
        if invitation is not None:
            _invitation_use(invitation, user=user)
    return user


def _take_turns_signing_up() -> None:
    """Until this transaction ends, no other sign-up can run, so two simultaneous first
    sign-ups cannot both find no account and both become administrator.

    Locking rows does not do it: on an empty table there is no row to lock. SQLite's
    transactions here begin IMMEDIATE (settings.py), which already lets one writer in at a
    time; PostgreSQL takes a transaction-level advisory lock, released at commit or rollback.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SIGNUP_LOCK_KEY])


def _check_policy_allows(invitation: Invitation | None) -> None:
    policy = selectors.signup_policy()
    if policy == Policy.CLOSED:
        raise AccountError(selectors.SIGNUP_CLOSED, status=403)
    if policy == Policy.INVITE and invitation is None:
        raise AccountError(selectors.SIGNUP_BY_INVITATION, status=403)


def _invitation_use(invitation: Invitation, *, user) -> None:
    """Take one use of the invitation (one condition, checked and counted in one UPDATE, so
    two people cannot take its last use at once) and join its team."""
    taken = Invitation.objects.filter(
        pk=invitation.pk,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        use_count__lt=F("max_uses"),
    ).update(use_count=F("use_count") + 1)
    if not taken:
        invitation.refresh_from_db()
        raise AccountError(selectors.invitation_problem(invitation), status=410)
    invitation.used_by.add(user)
    if invitation.team is not None:
        member_join(team=invitation.team, user=user, invited_by=invitation.created_by)


def invitation_accept(*, invitation: Invitation, user) -> None:
    """Someone who has an account already joins the invitation's team through its link."""
    if invitation.team is None:
        raise AccountError("This invitation is for creating an account, and you have one.")
    if invitation.team.memberships.filter(user=user).exists():
        return  # nothing to join: the link's uses are left for others
    with transaction.atomic():
        _invitation_use(invitation, user=user)


def invitation_create(*, by, team: Team | None, days: int, max_uses: int) -> Invitation:
    """A new invitation link: administrators for any team or none, owners for their team."""
    if team is None and not selectors.is_admin(by):
        raise AccountError("Choose the team to invite people to.")
    if team is not None and not selectors.teams_to_invite_to(user=by).filter(pk=team.pk).exists():
        raise AccountError("Only administrators and the team's owners can invite people to it.")
    if days not in INVITATION_DAYS:
        raise AccountError("Choose how long the link works: 1, 7 or 30 days.")
    if not 1 <= max_uses <= INVITATION_MAX_USES:
        raise AccountError(f"A link can be used from 1 to {INVITATION_MAX_USES} times.")
    return Invitation.objects.create(
        team=team,
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=days),
        max_uses=max_uses,
    )


def invitation_revoke(*, invitation: Invitation) -> None:
    """The link stops working at once; accounts already made through it stay."""
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- administrators ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deactivated:
    sessions_ended: int
    answers_stopped: int
    jobs_cancelled: int
    files_cancelled: int
    invitations_revoked: int


JOB_CANCELLED = "Cancelled before it was sent: the account was deactivated."
FILE_CANCELLED = "Cancelled before it was sent to the provider: the account was deactivated."


def user_deactivate(*, user) -> Deactivated:
    """The account can no longer log in; its sessions end, its answers stop, its studio jobs
    and file imports not yet sent upstream are cancelled, and its invitation links stop
    working. Jobs already sent run to their end (they are billed) and stay on record.

    A job is taken for sending by one conditional UPDATE (studio and files services), so
    a job is either cancelled here or sent by the worker, never both.
    """
    now = timezone.now()
    with transaction.atomic():
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=False)
        jobs = Generation.objects.filter(owner=user, status=Generation.Status.PENDING).update(
            status=Generation.Status.CANCELLED,
            error_kind="deactivated",
            error_message=JOB_CANCELLED,
            finished_at=now,
        )
        files = UpstreamFile.objects.filter(
            owner=user, status=UpstreamFile.Status.PENDING, polls=0
        ).update(status=UpstreamFile.Status.FAILED, error_message=FILE_CANCELLED)
        invitations = Invitation.objects.filter(created_by=user, revoked_at__isnull=True).update(
            revoked_at=now
        )
    user.is_active = False
    records.settle_stale(user_id=user.pk)  # the jobs cancelled above end their reservations
    return Deactivated(
        sessions_ended=_sessions_end(user),
        answers_stopped=_answers_stop(user),
        jobs_cancelled=jobs,
        files_cancelled=files,
        invitations_revoked=invitations,
    )


def _sessions_end(user) -> int:
    """Delete the user's sessions. An inactive user is logged out on the next request anyway
    (Django's ModelBackend refuses them); deleting the sessions also keeps an old session
    from coming back should the account be activated again. Every session is in the
    database (with a shared cache, cached_db keeps a copy there too) and names its user
    only inside its data. Each is deleted through the session engine, so that a cached copy
    goes as well."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in ended:
        store(session_key).delete()
    return len(ended)


def _answers_stop(user) -> int:
    """Stop the user's answers as the Stop button does (chat.views.run_stop): the process
    generating one cancels it and keeps its text; one nobody generates any more ends here."""
    active = list(
        Run.objects.filter(message__conversation__owner=user, status__in=Run.ACTIVE).only("pk")
    )

    async def request_stops() -> list[Run]:
        broker = get_broker()
        return [run for run in active if not await broker.request_stop(run.pk)]

    for orphan in async_to_sync(request_stops)() if active else []:
        chat_services.run_mark_interrupted(run=orphan)
    return len(active)


def logins_unlock(*, usernames: list[str]) -> int:
    """Clear the failed logins counted against these accounts (django-axes), from any
    address; returns how many records went."""
    return sum(axes_reset(username=username) for username in usernames)


def preference_save(*, user: AbstractUser, **changes) -> Preference:
    """Keep the person's layout choices (theme, settings panel) for every browser they use."""
    preference, _ = Preference.objects.update_or_create(user=user, defaults=changes)
    return preference
