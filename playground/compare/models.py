import secrets
import string

from django.conf import settings
from django.db import models

# The aspect ratios every text-to-image model in the catalog can make: an image comparison
# asks each of its columns for the same one, so no model wins by the shape of its picture.
SHARED_IMAGE_RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "21:9")


class Comparison(models.Model):
    """One prompt to several models side by side, turn after turn.

    Each chat column is backed by a conversation of its own, so every model keeps its own
    thread (and the column can be continued alone as a normal chat).
    """

    class Kind(models.TextChoices):
        CHAT = "chat"
        IMAGE = "image"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="comparisons"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHAT)
    title = models.CharField(max_length=200, blank=True)
    blind = models.BooleanField(default=False)
    # A model name was shown to the owner before the owner voted: the owner's votes on it
    # then are not blind, and stay off the leaderboard.
    revealed_before_vote = models.BooleanField(default=False)
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-updated_at"]),
            models.Index(fields=["team", "-updated_at"]),
        ]

    def __str__(self):
        return self.title or f"Comparison {self.pk}"

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class Column(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveSmallIntegerField()  # left to right; shuffled when blind
    model = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, default="chat")  # image columns: "image"
    protocol = models.CharField(max_length=32, blank=True)
    params = models.JSONField(default=dict, blank=True)
    conversation = models.OneToOneField(
        "chat.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comparison_column",
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["comparison", "position"], name="one_column_a_place")
        ]

    def __str__(self):
        return f"{self.letter}: {self.model}"

    @property
    def letter(self) -> str:
        return string.ascii_uppercase[self.position]

    @property
    def image_frame(self) -> str:
        """The shared aspect ratio of an image column as a class suffix ("16-9"), or ""
        for a column made before every column was asked for the same one."""
        ratio = self.params.get("aspect_ratio", "")
        return ratio.replace(":", "-") if ratio in SHARED_IMAGE_RATIOS else ""


class Turn(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    prompt = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["comparison", "index"], name="one_turn_an_index")
        ]

    def __str__(self):
        return f"Turn {self.index + 1} of {self.comparison_id}"


class Entry(models.Model):
    """One column's answer to one turn: a chat run or a studio job."""

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="entries")
    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="entries")
    run = models.OneToOneField(
        "chat.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generation = models.OneToOneField(
        "studio.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["column__position"]

    def __str__(self):
        return f"{self.column} in {self.turn}"

    @property
    def is_active(self) -> bool:
        """Still answering: a chat run being written or an image job under way."""
        return bool(
            (self.run is not None and self.run.is_active)
            or (self.generation is not None and self.generation.is_active)
        )


class Vote(models.Model):
    class Outcome(models.TextChoices):
        WINNER = "winner", "One is best"
        TIE = "tie", "Tie"
        BAD = "bad", "All bad"

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    winner = models.ForeignKey(
        Column, null=True, blank=True, on_delete=models.CASCADE, related_name="wins"
    )
    # Cast while the names were still hidden: only these count on the leaderboard.
    blind = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["turn", "user"], name="one_vote_a_turn"),
        ]

    def __str__(self):
        return f"{self.user_id} on {self.turn_id}: {self.outcome}"


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(models.Model):
    """A read-only link for people outside the team; revocable."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token)
    public = models.BooleanField(default=False, help_text="Open without logging in")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Share link for {self.comparison_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
