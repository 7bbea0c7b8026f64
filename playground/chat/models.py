from django.conf import settings
from django.db import models

from playground.core.files import random_upload_path


class Conversation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=200)
    protocol = models.CharField(max_length=32, default="chat_completions")
    system_prompt = models.TextField(blank=True)
    # The parameters panel as the user left it (raw form values: the catalog of the model
    # in use turns them into request settings, so switching models never loses them).
    params = models.JSONField(default=dict, blank=True)
    # The branch on show: the last message of the path from the first message.
    current_leaf = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self):
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        TOOL = "tool"  # the result of a tool call, typed in by the user

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # Messages form a tree: an edit or a regenerated answer is a sibling of the original,
    # so earlier branches stay. None for the first message of a branch from the start.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    reasoning = models.TextField(blank=True)
    # Assistant: the tool calls the model made, [{"id", "name", "arguments"}].
    tool_calls = models.JSONField(default=list, blank=True)
    # Assistant: what the protocol that wrote the answer needs back to continue from it
    # (signed thinking blocks, thought signatures, reasoning items), by key; never shown.
    replay_state = models.JSONField(default=dict, blank=True)
    # Tool: which call this result answers, and the function's name.
    tool_call_id = models.CharField(max_length=200, blank=True)
    tool_name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.role}: {self.content[:40]}"


class Run(models.Model):
    """One model answer being generated; it outlives the browser connection."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        STREAMING = "streaming"
        DONE = "done"
        STOPPED = "stopped"
        FAILED = "failed"
        INTERRUPTED = "interrupted"

    ACTIVE = (Status.QUEUED, Status.STREAMING)

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="run")
    model = models.CharField(max_length=200)
    protocol = models.CharField(max_length=32, default="chat_completions")
    # The exact request sent ({"method", "path", "body"}, no key) and what came back: for
    # "view code" and the raw exchange. Written once, when the run ends.
    request = models.JSONField(default=dict, blank=True)
    exchange = models.JSONField(default=list, blank=True)  # [[ms since start, raw text], ...]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error_kind = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    reasoning_tokens = models.PositiveIntegerField(null=True, blank=True)
    cached_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    # Which key paid (playground.usage.models.KeySource) and its label, set when it starts.
    key_source = models.CharField(max_length=16, blank=True)
    key_label = models.CharField(max_length=100, blank=True)
    # The personal or team key that pays (accounts/keys.py); never the key itself.
    paying_key = models.ForeignKey(
        "accounts.StoredKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    first_token_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Run {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def time_to_first_token_ms(self) -> int | None:
        if self.started_at and self.first_token_at:
            return round((self.first_token_at - self.started_at).total_seconds() * 1000)
        return None

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def tokens_per_second(self) -> float | None:
        if not (self.output_tokens and self.first_token_at and self.finished_at):
            return None
        seconds = (self.finished_at - self.first_token_at).total_seconds()
        return round(self.output_tokens / seconds, 1) if seconds > 0 else None


def attachment_path(instance, filename):
    return random_upload_path("chat", filename)


class Attachment(models.Model):
    """A file in a message: one the user attached, or an image the model produced.
    Stored as a file (or a link), never as base64 inside a row."""

    class Kind(models.TextChoices):
        IMAGE = "image"
        AUDIO = "audio"
        VIDEO = "video"
        DOCUMENT = "document"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    is_output = models.BooleanField(default=False)  # made by the model
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)  # a link the user gave instead
    upstream_file_id = models.CharField(max_length=200, blank=True)  # a Files API document
    name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name or f"{self.kind} {self.pk}"


class ModelPrice(models.Model):
    """What a model costs, set by the administrator; answers show their cost when it is set."""

    model = models.CharField(max_length=200, unique=True)
    input_per_million = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="Price of one million input tokens."
    )
    output_per_million = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text="Price of one million output tokens.",
    )
    reasoning_per_million = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Price of one million reasoning tokens; empty: the output price.",
    )
    cached_input_per_million = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Price of one million cached input tokens; empty: the input price.",
    )
    currency = models.CharField(max_length=8, default="USD")

    class Meta:
        ordering = ["model"]

    def __str__(self):
        return self.model
