"""Writes for the chat app, and the upstream reads the pages need."""

from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from playground.chat.models import Attachment, Conversation, Message, Run
from playground.nexconn import catalog
from playground.nexconn.client import get_client
from playground.nexconn.errors import NexconnError

TITLE_LENGTH = 60


class ConversationBusy(Exception):
    """An answer is still being generated in this conversation."""

    def __init__(self, run: "Run"):
        super().__init__(f"run {run.pk} is active")
        self.run = run


class NotRetryable(Exception):
    """Only the conversation's latest answer can be tried again, once it has ended."""


RETRYABLE = (Run.Status.FAILED, Run.Status.STOPPED, Run.Status.INTERRUPTED)


def _ensure_idle(conversation: Conversation) -> None:
    active = Run.objects.filter(message__conversation=conversation, status__in=Run.ACTIVE).first()
    if active is not None:
        raise ConversationBusy(active)


@dataclass(frozen=True)
class ChatSettings:
    model: str
    system_prompt: str = ""
    temperature: float | None = None
    max_tokens: int | None = None


def title_from_message(text: str) -> str:
    first_line = " ".join(text.split())
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def message_send(
    *, user: AbstractBaseUser, conversation: Conversation | None, text: str, chat: ChatSettings
) -> tuple[Message, Run]:
    """Store the user's message and an empty answer with its queued Run; return both.

    The caller starts the Run. A conversation answers one message at a time.
    """
    if conversation is None:
        conversation = Conversation(owner=user, title=title_from_message(text))
    else:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _ensure_idle(conversation)
    conversation.model = chat.model
    conversation.system_prompt = chat.system_prompt
    conversation.temperature = chat.temperature
    conversation.max_tokens = chat.max_tokens
    conversation.save()
    question = Message.objects.create(
        conversation=conversation, role=Message.Role.USER, content=text
    )
    answer = Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT)
    return question, Run.objects.create(message=answer, model=chat.model)


@transaction.atomic
def run_retry(*, run: Run) -> Run:
    """A new attempt at an answer that failed or was stopped; the old one stays visible."""
    conversation = Conversation.objects.select_for_update().get(messages__run=run)
    _ensure_idle(conversation)
    latest = conversation.messages.latest("id")
    if run.status not in RETRYABLE or latest.pk != run.message_id:
        raise NotRetryable
    answer = Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT)
    return Run.objects.create(message=answer, model=run.model)


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title
    conversation.save(update_fields=["title"])  # renaming doesn't move it up the list
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    conversation.delete()


# --- Run progress, written by the run executor -------------------------------------


def run_mark_started(*, run: Run) -> None:
    run.status = Run.Status.STREAMING
    run.started_at = timezone.now()
    Run.objects.filter(pk=run.pk).update(status=run.status, started_at=run.started_at)


def run_mark_interrupted(*, run: Run) -> None:
    """The process generating this answer went away (a restart or a crash)."""
    run.status = Run.Status.INTERRUPTED
    run.error_kind = "interrupted"
    run.error_message = "The server restarted before this answer finished. The text so far is kept."
    Run.objects.filter(pk=run.pk, status__in=Run.ACTIVE).update(
        status=run.status, error_kind=run.error_kind, error_message=run.error_message
    )


def run_save_progress(*, run: Run, text: str, reasoning: str, first_write: bool) -> None:
    """A batch write while the answer streams (never one per token)."""
    Message.objects.filter(pk=run.message_id).update(content=text, reasoning=reasoning)
    if first_write:
        Run.objects.filter(pk=run.pk).update(first_token_at=run.first_token_at)


@transaction.atomic
def run_finish(
    *, run: Run, text: str, reasoning: str, images: list[tuple[bytes, str]] = ()
) -> None:
    """The final write: the whole text, the images, the outcome and the usage figures.

    Updates rather than saves: the conversation may have been deleted meanwhile.
    """
    run.finished_at = timezone.now()
    updated = Message.objects.filter(pk=run.message_id).update(content=text, reasoning=reasoning)
    for position, (content, content_type) in enumerate(images if updated else ()):
        image = Attachment(
            message_id=run.message_id,
            kind=Attachment.Kind.IMAGE,
            is_output=True,
            position=position,
            content_type=content_type,
            size=len(content),
            name=f"image-{position + 1}",
        )
        image.file.save(f"image.{content_type.split('/')[-1]}", ContentFile(content), save=False)
        image.save()
    Run.objects.filter(pk=run.pk).update(
        **{field: getattr(run, field) for field in _RUN_OUTCOME_FIELDS}
    )
    Conversation.objects.filter(messages__id=run.message_id).update(updated_at=timezone.now())


_RUN_OUTCOME_FIELDS = (
    "status", "error_kind", "error_message", "finish_reason", "input_tokens", "output_tokens",
    "reasoning_tokens", "first_token_at", "finished_at",
)  # fmt: skip


# --- The model list ---------------------------------------------------------------

_MODELS_CACHE_KEY = "nexconn:chat-models"


@dataclass(frozen=True)
class ModelChoices:
    ids: list[str]
    error: str = ""  # why the live list could not be read, if it could not


def chat_models_cached() -> ModelChoices:
    """The model list for sync code: from the cache when it is there (the usual case)."""
    cached = cache.get(_MODELS_CACHE_KEY)
    if cached is not None:
        return ModelChoices(ids=cached)
    return async_to_sync(chat_models_available)()


async def chat_models_available() -> ModelChoices:
    """The live model list (cached a few minutes), or the catalog when it can't be read."""
    cached = await cache.aget(_MODELS_CACHE_KEY)
    if cached is not None:
        return ModelChoices(ids=cached)
    try:
        models = await get_client().list_models()
    except NexconnError as error:
        return ModelChoices(ids=[m.id for m in catalog.CHAT_MODELS], error=error.message_for_user)
    ids = sorted({str(m["id"]) for m in models if m.get("id")})
    await cache.aset(_MODELS_CACHE_KEY, ids, settings.NEXCONN_MODELS_CACHE_SECONDS)
    return ModelChoices(ids=ids)
