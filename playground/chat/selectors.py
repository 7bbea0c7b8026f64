"""Reads for the chat app. Every object is reached through its owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from playground.chat.models import Attachment, Conversation, Message, Run


def conversation_list(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(owner=user)
        .only("id", "title", "updated_at")
        .order_by("-updated_at", "-id")
    )


def conversation_get(*, user: AbstractBaseUser, pk: int) -> Conversation:
    return get_object_or_404(Conversation, pk=pk, owner=user)


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return (
        conversation.messages.select_related("run").prefetch_related("attachments").order_by("id")
    )


def run_get(*, user: AbstractBaseUser, pk: int) -> Run:
    return get_object_or_404(
        Run.objects.select_related("message__conversation"),
        pk=pk,
        message__conversation__owner=user,
    )


def run_prompt_messages(*, run: Run) -> list[dict]:
    """The conversation up to this run's answer, as chat-completions messages."""
    conversation = run.message.conversation
    messages = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    # Failed and interrupted attempts are not part of what the model is told.
    earlier = (
        conversation.messages.filter(id__lt=run.message_id)
        .exclude(content="")
        .exclude(run__status__in=(Run.Status.FAILED, Run.Status.INTERRUPTED))
    )
    for message in earlier.order_by("id").only("role", "content"):
        messages.append({"role": message.role, "content": message.content})
    return messages


def run_for_render(*, run_id: int) -> Run:
    """A run and its message, for the server's own use (access was checked by the caller)."""
    return (
        Run.objects.select_related("message")
        .prefetch_related("message__attachments")
        .get(pk=run_id)
    )


def attachment_get(*, user: AbstractBaseUser, pk: int) -> Attachment:
    return get_object_or_404(Attachment, pk=pk, message__conversation__owner=user)
