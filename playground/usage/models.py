from django.conf import settings
from django.db import models


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

    class Meta:
        indexes = [
            models.Index(fields=["user", "ended_at"]),
            models.Index(fields=["team", "ended_at"]),
            models.Index(fields=["key_source", "ended_at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.model} ({self.source})"
