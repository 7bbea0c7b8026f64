from django.conf import settings
from django.db import models


class ExplorerRequest(models.Model):
    """One request sent from the API explorer and what came back: the history, replayable.

    Bodies are kept up to a cap (services.BODY_LIMIT) with long base64 shortened, and with
    every key blanked (core/redaction.py); the key itself never reaches this row.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="explorer_requests"
    )
    endpoint = models.CharField(max_length=64)  # an id of nexconn/endpoints.py
    model = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=1000)  # as sent, parameters filled in
    path_params = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)  # the JSON sent, as text
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no answer
    response_headers = models.JSONField(default=dict, blank=True)  # the safe ones only
    response_body = models.TextField(blank=True)
    response_truncated = models.BooleanField(default=False)
    # Server-sent events as they came: [milliseconds since sending, event name, data].
    events = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)  # a streamed answer's text, put together
    error = models.TextField(blank=True)  # no answer at all, in plain words
    time_to_headers_ms = models.PositiveIntegerField(null=True, blank=True)
    total_ms = models.PositiveIntegerField(null=True, blank=True)
    key_label = models.CharField(max_length=100, blank=True)  # who paid, never the key
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return f"{self.method} {self.path} ({self.status or 'no answer'})"

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
