import datetime as dt
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

WORKER_HINT_SECONDS = 20


class UpstreamFile(models.Model):
    """A file the provider copied from a public link, cited in chat by its `qfile-…` id."""

    class Status(models.TextChoices):
        PENDING = "pending", "Importing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upstream_files"
    )
    file_id = models.CharField(max_length=512, blank=True)  # empty until the provider took it
    source_url = models.URLField(max_length=2000)
    model = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Seconds the provider keeps the file (`expires_in`); null: the provider's default.
    expires_in = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Upstream calls made so far (the create is the first): each call claims its number, so
    # a task that runs twice never makes a second chain of polls.
    polls = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        path = urlsplit(self.source_url).path.rstrip("/")
        return unquote(path.rsplit("/", 1)[-1]) or self.source_url

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def badge(self) -> str:
        """The status badge's style: the stylesheet colours studio states."""
        return "succeeded" if self.status == self.Status.READY else self.status

    @property
    def waiting_for_worker(self) -> bool:
        """Still not sent well after it was added: most likely no worker is running."""
        return (
            self.is_pending
            and not self.file_id
            and timezone.now() - self.created_at > dt.timedelta(seconds=WORKER_HINT_SECONDS)
        )
