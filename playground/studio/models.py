import datetime as dt
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone

from playground.core.files import random_upload_path
from playground.nexconn.media.catalog import media_model
from playground.nexconn.media.schema import MediaModel

WORKER_HINT_SECONDS = 20


def output_path(instance, filename):
    return random_upload_path("studio/outputs", filename)


def preview_path(instance, filename):
    return random_upload_path("studio/previews", filename)


def input_path(instance, filename):
    return random_upload_path("studio/inputs", filename)


class Generation(models.Model):
    """One image or video job: a billed upstream task, polled until it ends."""

    class Kind(models.TextChoices):
        IMAGE = "image"
        VIDEO = "video"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        SUBMITTING = "submitting", "Starting"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        SAVING = "saving", "Saving results"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        TIMED_OUT = "timed_out", "Timed out"

    ACTIVE = (Status.PENDING, Status.SUBMITTING, Status.QUEUED, Status.RUNNING, Status.SAVING)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    model = models.CharField(max_length=200)
    mode = models.CharField(max_length=32)
    prompt = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    remix_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    upstream_task_id = models.CharField(max_length=512, blank=True)
    upstream_status = models.CharField(max_length=64, blank=True)
    error_kind = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    polls = models.PositiveIntegerField(default=0)
    # Which key paid (playground.usage.models.KeySource) and its label, set when it is made.
    key_source = models.CharField(max_length=16, blank=True)
    key_label = models.CharField(max_length=100, blank=True)
    # The personal or team key that pays (accounts/keys.py); never the key itself.
    paying_key = models.ForeignKey(
        "accounts.StoredKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    poll_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "kind", "-created_at"]),
            models.Index(fields=["owner", "model", "-created_at"]),
            # Every user's recent jobs of a model: how long it usually takes.
            models.Index(fields=["model", "-created_at"], name="studio_gen_model_recent"),
        ]

    def __str__(self):
        return f"{self.model}: {self.prompt[:40]}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def waiting_for_worker(self) -> bool:
        """Still not picked up well after it was made: most likely no worker is running."""
        return self.status == self.Status.PENDING and (
            timezone.now() - self.created_at > dt.timedelta(seconds=WORKER_HINT_SECONDS)
        )

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at and self.created_at:
            return (self.finished_at - self.created_at).total_seconds()
        return None

    @property
    def elapsed_seconds(self) -> float:
        """How long the job has taken so far, or took."""
        end = self.finished_at or timezone.now()
        return max(0.0, (end - self.created_at).total_seconds())

    # --- in plain words, from the catalog (a model it no longer knows keeps its raw id) ---

    @cached_property
    def media(self) -> MediaModel | None:
        return media_model(self.model, kind=self.kind)

    @property
    def model_label(self) -> str:
        return self.media.label if self.media else self.model

    @property
    def mode_label(self) -> str:
        mode = self.media.mode(self.mode) if self.media else None
        return mode.label if mode else self.mode.replace("_", " ").capitalize()

    @property
    def seed(self) -> int | None:
        """The seed the job was made with, on models that take one."""
        value = (self.params or {}).get("seed")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def settings_in_words(self) -> list[tuple[str, str]]:
        """(label, value) of each stored setting, as the form named them; the seed apart."""
        rows = []
        for name, value in (self.params or {}).items():
            if name == "seed":
                continue
            field = self.media.param_field(name) if self.media else None
            if field is None:
                text = ("On" if value else "Off") if isinstance(value, bool) else str(value)
                rows.append((name.replace("_", " ").capitalize(), text))
            else:
                rows.append((field.label, field.display(value)))
        return rows


class Output(models.Model):
    """A result stored in our storage, so the gallery outlives the upstream link."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="outputs")
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=output_path, max_length=300)
    preview = models.FileField(upload_to=preview_path, max_length=300, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Output {self.pk} of generation {self.generation_id}"

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class InputImage(models.Model):
    """A reference image or frame the user gave: an upload we store, or a URL."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="inputs")
    slot = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=input_path, max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["slot", "position", "id"]

    def __str__(self):
        return f"{self.slot} #{self.position} of generation {self.generation_id}"
