import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Policy(models.TextChoices):
    OPEN = "open", "Open: anyone who can reach the server can sign up"
    INVITE = "invite", "By invitation: only through an invitation link"
    CLOSED = "closed", "Closed: nobody can sign up; admins add accounts in Admin → Users"


class SignupPolicy(models.Model):
    """Who may create an account, as an administrator set it (one row at most). Without the
    row, settings.SIGNUP_POLICY applies. The very first account can always be created."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    policy = models.CharField(max_length=8, choices=Policy.choices, default=Policy.INVITE)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "sign-up policy"
        verbose_name_plural = "sign-up policy"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_signup_policy")]

    def __str__(self):
        return self.get_policy_display()


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A link that lets people create an account (whatever the policy, unless closed) and
    puts them in its team. Made by an administrator, or by a team's owner for that team."""

    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    # Only administrators make invitations without a team. Deleting the team ends them.
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveSmallIntegerField(default=1)
    use_count = models.PositiveSmallIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(use_count__lte=models.F("max_uses")),
                name="invitation_used_at_most_max_uses",
            )
        ]

    def __str__(self):
        return f"Invitation to {self.team or 'an account'} by {self.created_by}"

    @property
    def state(self) -> str:
        """ "active", "revoked", "used" (every use taken) or "expired"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.use_count >= self.max_uses:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state == "active"


class StoredKey(models.Model):
    """A Nexconn API key kept here, encrypted (accounts/keys.py): a user's own key, or a
    team's. Never shown again once saved; only its last four characters are."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stored_key",
    )
    team = models.OneToOneField(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="stored_key"
    )
    # Fernet token (MultiFernet over settings.KEY_ENCRYPTION_KEYS): never the key itself.
    ciphertext = models.TextField(editable=False)
    last_four = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="stored_key_of_a_user_or_a_team",
            )
        ]

    def __str__(self):
        owner = f"team {self.team}" if self.team_id else f"{self.user}"
        return f"Key of {owner} …{self.last_four}"

    @property
    def masked(self) -> str:
        return f"…{self.last_four}"


class InstanceKeyAccess(models.Model):
    """Whether a user's work may fall back to the instance key (NEXCONN_API_KEY) when they
    have neither a personal nor a team key. No row: they may. Administrators set it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="instance_key_access",
    )
    may_use_instance_key = models.BooleanField(
        default=True,
        help_text="Untick to make this user's work need a personal or team key.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "instance key access"
        verbose_name_plural = "instance key access"

    def __str__(self):
        allowed = "may" if self.may_use_instance_key else "may not"
        return f"{self.user} {allowed} use the instance key"


class Theme(models.TextChoices):
    SYSTEM = "system", "System"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Preference(models.Model):
    """How one person likes the pages laid out, kept across browsers. A missing row means
    the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    settings_panel_open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"preferences of user {self.user_id}"
