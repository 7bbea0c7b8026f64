import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from playground.accounts import keys, selectors, services
from playground.accounts.forms import ApiKeyForm, InvitationForm, SignupForm
from playground.accounts.models import Invitation, Policy, Theme
from playground.accounts.services import AccountError
from playground.core.responses import refusal
from playground.nexconn.errors import NexconnError

INVITATIONS_TEMPLATE = "accounts/invitations.html"
INVITATION_TEMPLATE = "accounts/invitation.html"
# The session the sign-up views start is Django's own: ModelBackend authenticated nothing,
# the account was just made (django-axes watches logins, not sign-ups).
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _signup_refused(request, message: str, *, status: int = 403):
    closed = message == selectors.SIGNUP_CLOSED
    context = {
        "notice": message,
        "heading": "Sign-up is closed" if closed else "Sign-up is by invitation",
    }
    return render(request, "registration/signup_closed.html", context, status=status)


@login_not_required
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("chat:home")
    if refusal := selectors.signup_needs_invitation():
        return _signup_refused(request, refusal)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except AccountError as error:  # the policy changed while the form was open
            return _signup_refused(request, error.message, status=error.status)
        login(request, user, backend=_BACKEND)
        return redirect("chat:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


class _RejectInvalid:
    """Django's auth views answer 200 to a failed form; a rejected form is a 400 here."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(_RejectInvalid, auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "signup_open": not selectors.signup_needs_invitation()
        }


class PasswordChangeView(_RejectInvalid, auth_views.PasswordChangeView):
    pass


def locked_out(request, *args):
    """django-axes answers with this (settings.AXES_LOCKOUT_CALLABLE) when it refuses a
    login, here or in /admin/, after too many failures for the account or the address."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {
        "username": request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": minutes,
    }
    return render(request, "registration/locked_out.html", context, status=429)


# --- invitation links -------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """The page an invitation link opens: sign up and land in the team, or, with an account
    already, join the team. A link that no longer works says why."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        notice = "This invitation link does not exist. Check that you copied all of it."
        return _invitation_refused(request, None, notice, status=404)
    if problem := selectors.invitation_problem(invitation):
        return _invitation_refused(request, invitation, problem, status=410)
    if request.user.is_authenticated:
        return _invitation_join(request, invitation)
    if selectors.signup_policy() == Policy.CLOSED:
        return _signup_refused(request, selectors.SIGNUP_CLOSED)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                invitation=invitation,
            )
        except AccountError as error:  # used up, revoked or closed while the form was open
            return _invitation_refused(request, invitation, error.message, status=error.status)
        login(request, user, backend=_BACKEND)
        return _landing(request, invitation)
    status = 400 if request.method == "POST" else 200
    context = {"invitation": invitation, "form": form}
    return render(request, INVITATION_TEMPLATE, context, status=status)


def _invitation_refused(request, invitation: Invitation | None, notice: str, *, status: int):
    headings = {
        404: "Invitation not found",
        410: "This invitation no longer works",
        403: "Sign-up is closed",
    }
    context = {
        "invitation": invitation,
        "notice": notice,
        "heading": headings.get(status, "You have an account already"),
    }
    return render(request, INVITATION_TEMPLATE, context, status=status)


def _invitation_join(request, invitation: Invitation):
    team = invitation.team
    if team is None:
        notice = "This invitation is for creating an account, and you are logged in already."
        status = 400 if request.method == "POST" else 200
        return _invitation_refused(request, invitation, notice, status=status)
    member = team.memberships.filter(user=request.user).exists()
    if request.method == "POST" and not member:
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except AccountError as error:
            return _invitation_refused(request, invitation, error.message, status=error.status)
        return _landing(request, invitation)
    context = {"invitation": invitation, "joining": True, "member": member}
    return render(request, INVITATION_TEMPLATE, context)


def _landing(request, invitation: Invitation):
    if invitation.team is None:
        return redirect("chat:home")
    messages.success(request, f"Welcome to the team “{invitation.team.name}”.")
    return redirect("teams:team", pk=invitation.team_id)


# --- making and revoking invitations (administrators and team owners) -------------------


def _not_allowed(request):
    notice = "Only administrators and team owners make invitations. Ask your team’s owner."
    return render(request, INVITATIONS_TEMPLATE, {"notice": notice}, status=403)


def _invitations_context(request, form: InvitationForm) -> dict:
    return {
        "form": form,
        "invitations": selectors.invitations_for(user=request.user),
        "is_admin": selectors.is_admin(request.user),
        "policy": Policy(selectors.signup_policy()),
    }


@require_GET
def invitations(request):
    if not selectors.may_invite(user=request.user):
        return _not_allowed(request)
    form = InvitationForm(user=request.user, initial={"team": request.GET.get("team")})
    return render(request, INVITATIONS_TEMPLATE, _invitations_context(request, form))


@require_POST
def invitation_create(request):
    if not selectors.may_invite(user=request.user):
        return _not_allowed(request)
    form = InvitationForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            made = services.invitation_create(
                by=request.user,
                team=form.cleaned_data["team"],
                days=form.cleaned_data["days"],
                max_uses=form.cleaned_data["max_uses"],
            )
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Invitation made: copy its link below and send it.")
            return redirect(f"{reverse('invitations')}#invitation-{made.pk}")
    context = _invitations_context(request, form)
    return render(request, INVITATIONS_TEMPLATE, context, status=400)


@require_POST
def invitation_revoke(request, pk: int):
    invitation = selectors.invitation_get(user=request.user, pk=pk)
    services.invitation_revoke(invitation=invitation)
    messages.info(request, "Invitation withdrawn: its link no longer works.")
    return redirect("invitations")


# --- API keys: the personal key here, the team key on the team page (teams/views.py) -------

KEY_CARD = "accounts/key_card.html"
ACCOUNT_TEMPLATE = "accounts/account.html"


def key_card_context(
    *,
    stored,
    urls: dict[str, str],
    can_manage: bool,
    form: ApiKeyForm | None = None,
    notice: str = "",
    models: list[str] | None = None,
    test_error: str = "",
) -> dict:
    """What the key card shows: the key as "…last4" (never more), the form to set or replace
    it, and what "Test this key" found."""
    return {
        "stored_key": stored,
        "key_urls": urls,
        "can_manage": can_manage,
        "key_form": form or ApiKeyForm(),
        "key_notice": notice,
        "key_models": models,
        "key_test_error": test_error,
    }


def key_test(stored) -> tuple[list[str] | None, str]:
    """The models the stored key may use, or why it could not be tested (plain words)."""
    try:
        return keys.key_models(stored), ""
    except NexconnError as error:
        return None, error.message_for_user


def _account_urls() -> dict[str, str]:
    return {
        "save": reverse("account-key-save"),
        "remove": reverse("account-key-remove"),
        "test": reverse("account-key-test"),
    }


def _account_context(request, **card) -> dict:
    try:
        paying, refused = keys.paying_key_for(user=request.user), ""
    except keys.NoPayingKey as error:
        paying, refused = None, error.message
    stored = card.pop("stored", selectors.personal_key(user=request.user))
    return {
        "paying": paying,
        "paying_refused": refused,
        "may_use_instance_key": keys.may_use_instance_key(request.user),
        **key_card_context(stored=stored, urls=_account_urls(), can_manage=True, **card),
    }


def _account_render(request, *, status: int = 200, **card):
    context = _account_context(request, **card)
    if request.htmx:  # the card, and which key pays now
        context["oob"] = True
        return render(request, f"{ACCOUNT_TEMPLATE}#key-update", context, status=status)
    return render(request, ACCOUNT_TEMPLATE, context, status=status)


@require_GET
def account(request):
    return render(request, ACCOUNT_TEMPLATE, _account_context(request))


@sensitive_post_parameters("api_key")
@require_POST
def account_key_save(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _account_render(request, status=400, form=form)
    stored = keys.key_save(api_key=form.cleaned_data["api_key"], by=request.user, user=request.user)
    notice = f"Saved your key {stored.masked}. It pays for your work from now on."
    if not request.htmx:
        messages.success(request, notice)
        return redirect("account")
    return _account_render(request, stored=stored, notice=notice)


@require_POST
def account_key_remove(request):
    removed = keys.key_remove(user=request.user)
    notice = "Removed your key." if removed else "You had no key stored."
    if not request.htmx:
        messages.info(request, notice)
        return redirect("account")
    return _account_render(request, stored=None, notice=notice)


@require_POST
def account_key_test(request):
    stored = selectors.personal_key(user=request.user)
    if stored is None:
        return _account_render(request, status=409, stored=None, test_error=NO_KEY_TO_TEST)
    models, error = key_test(stored)
    return _account_render(request, stored=stored, models=models, test_error=error)


NO_KEY_TO_TEST = "There is no key to test: save one first."


# --- the theme (System, Light, Dark), chosen in the account menu --------------------------

THEME_TEMPLATE = "accounts/theme.html"


def _same_site(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@require_POST
def theme_save(request):
    """Keep the chosen theme for every browser the person uses. With htmx the form redraws
    itself and tells the page which theme to draw now (shell.js); without JS the person goes
    back to the page they were on, drawn in the new theme."""
    theme = request.POST.get("theme", "")
    back = _same_site(request, request.POST.get("next"))
    if theme not in Theme.values:
        problem = "Choose System, Light or Dark."
        if not request.htmx:
            return refusal(request, problem, status=400)
        context = {"theme_error": problem, "theme_next": back}
        return render(request, THEME_TEMPLATE, context, status=400)
    services.preference_save(user=request.user, theme=theme)
    if not request.htmx:
        return redirect(back or _same_site(request, request.headers.get("referer")) or "chat:home")
    response = render(request, THEME_TEMPLATE, {"theme_next": back})
    return trigger_client_event(response, "theme-changed", {"theme": theme})
