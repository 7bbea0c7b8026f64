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
