from django.conf import settings
from django.db import models
from django.utils import timezone


class KeySource(models.TextChoices):
    """Which key paid for an answer or job (docs/hosting rule: personal, else team, else
    the instance's)."""

    PERSONAL = "personal", "Personal key"
    TEAM = "team", "Team key"
    INSTANCE = "instance", "Instance key"
    DEMO = "demo", "Demo (simulator, not billed)"


class UsageRecord(models.Model):
    """What one answer, media job or comparison used and cost, written once when it ends
    (stopped and failed ones included, with what was billed). The Usage page and budgets
    read these rows only, never the runs and jobs themselves."""

    class Kind(models.TextChoices):
        ANSWER = "answer", "Chat answer"
        IMAGE = "image", "Image job"
        VIDEO = "video", "Video job"
        COMPARISON = "comparison", "Comparison"

    # Rows outlive their user and team: spend stays accountable after an account goes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # "run:12", "generation:7", "comparison-turn:3": one row per thing that ended.
    source = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=200)
    status = models.CharField(max_length=16)
    key_source = models.CharField(max_length=16, choices=KeySource.choices)
    key_label = models.CharField(max_length=100, blank=True)  # "Team Acme …a1b2", never a key
    requests = models.PositiveIntegerField(default=1)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    images = models.PositiveIntegerField(default=0)
    video_seconds = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # None: the model has no price (shown as "not priced", never as 0).
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    ended_at = models.DateTimeField(db_index=True)
    # The day it ended in the server's time zone (TIME_ZONE), stored so that the Usage page
    # sums by day on an index instead of converting every row's time (slow on SQLite).
    ended_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "ended_on"]),
            models.Index(fields=["team", "ended_on"]),
            models.Index(fields=["ended_on", "model"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.model} ({self.source})"

    def save(self, *args, **kwargs):
        if self.ended_on is None and self.ended_at is not None:
            self.ended_on = timezone.localdate(self.ended_at)  # bulk writers set it themselves
        super().save(*args, **kwargs)


class Limit(models.Model):
    """Limits on spending and load, each blank for "no limit".

    Three kinds of row: a user's own (team empty; set by an administrator), a team's as a
    whole (user empty; set by an administrator or the team's owners), and one member's within
    a team (both; the team's owners). A user's own and member limits both apply to that user:
    the tighter one wins.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="usage_limits",
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="usage_limits"
    )
    monthly_spend = models.DecimalField(
        "monthly spend limit",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="In the price table's currency, per calendar month. Blank: no limit.",
    )
    max_running_answers = models.PositiveSmallIntegerField(
        "answers running at once", null=True, blank=True, help_text="Blank: no limit."
    )
    max_running_media = models.PositiveSmallIntegerField(
        "media jobs running at once", null=True, blank=True, help_text="Blank: no limit."
    )
    requests_per_minute = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Answers and media jobs started per minute. Blank: no limit.",
    )
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
                condition=models.Q(user__isnull=False) | models.Q(team__isnull=False),
                name="usage_limit_has_a_scope",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(team=None), name="usage_one_user_limit"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(user=None), name="usage_one_team_limit"
            ),
            models.UniqueConstraint(fields=["team", "user"], name="usage_one_member_limit"),
        ]

    def __str__(self):
        if self.team_id and self.user_id:
            return f"Limits of {self.user} in {self.team}"
        return f"Limits of {self.user or self.team}"


class UnpricedRule(models.TextChoices):
    BLOCK = "block", "Block: refuse models without a price while a spend limit applies"
    COUNT = "count", "Count requests only: allow them; their cost shows as “not priced”"


class BudgetPolicy(models.Model):
    """How budgets treat models without a price, as an administrator chose (one row at most).
    Without the row, settings.USAGE_UNPRICED_RULE applies."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    unpriced = models.CharField(
        "models without a price", max_length=8, choices=UnpricedRule.choices
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "budget policy"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_budget_policy")]

    def __str__(self):
        return self.get_unpriced_display()


class MediaPrice(models.Model):
    """What an image or a second of video costs on a model, set by the administrator; with a
    resolution it applies to that resolution only (it wins over the model's blank one)."""

    model = models.CharField(max_length=200)
    resolution = models.CharField(
        max_length=32,
        blank=True,
        help_text="As the studio form names it (720p, 1080p, 2K, 1280x720…); blank: any.",
    )
    per_image = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    per_video_second = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=8, default="USD")

    class Meta:
        ordering = ["model", "resolution"]
        constraints = [
            models.UniqueConstraint(fields=["model", "resolution"], name="usage_one_media_price")
        ]

    def __str__(self):
        return f"{self.model} {self.resolution}".strip()


class SpendLock(models.Model):
    """One row per user and per team (scope "user:3", "team:5"), locked while an admission
    counts what is spent, reserved and running there, so that parallel requests are admitted
    one after another (PostgreSQL row lock; SQLite's IMMEDIATE transactions anyway)."""

    scope = models.CharField(max_length=32, unique=True)

    def __str__(self):
        return self.scope


class Reservation(models.Model):
    """An answer or job admitted and not yet ended: its estimated cost counts against the
    budgets, and the row itself counts as running. Replaced by a UsageRecord when it ends."""

    source = models.CharField(max_length=64, unique=True)  # as UsageRecord.source
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=UsageRecord.Kind.choices)
    model = models.CharField(max_length=200)
    estimate = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)  # the estimate's, for settling
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "kind"]), models.Index(fields=["team", "kind"])]

    def __str__(self):
        return f"{self.source} (reserved {self.estimate})"
