"""Reads for the chat app. Every object is reached through its owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from playground.chat.models import Attachment, Conversation, Message, Run
from playground.chat.threads import ThreadEntry, Tree


def conversation_list(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(owner=user)
        .only("id", "title", "updated_at")
        .order_by("-updated_at", "-id")
    )


def conversation_get(*, user: AbstractBaseUser, pk: int) -> Conversation:
    return get_object_or_404(Conversation, pk=pk, owner=user)


def conversation_thread(*, conversation: Conversation) -> list[ThreadEntry]:
    """The branch on show, from the first message to the current one."""
    tree = Tree(conversation.messages.select_related("run").prefetch_related("attachments"))
    leaf = tree.by_id.get(conversation.current_leaf_id)
    if leaf is None and tree.children.get(None):
        leaf = tree.latest_leaf_under(tree.children[None][-1])
    return tree.entries(leaf)


def message_get(*, user: AbstractBaseUser, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.select_related("conversation", "run"), pk=pk, conversation__owner=user
    )


def run_get(*, user: AbstractBaseUser, pk: int) -> Run:
    return get_object_or_404(
        Run.objects.select_related("message__conversation"),
        pk=pk,
        message__conversation__owner=user,
    )


def run_for_render(*, run_id: int) -> Run:
    """A run and its message, for the server's own use (access was checked by the caller)."""
    return (
        Run.objects.select_related("message__conversation")
        .prefetch_related("message__attachments")
        .get(pk=run_id)
    )


def attachment_get(*, user: AbstractBaseUser, pk: int) -> Attachment:
    return get_object_or_404(Attachment, pk=pk, message__conversation__owner=user)


def conversation_totals(*, conversation: Conversation) -> dict:
    """Answers, tokens and cost of the whole conversation, every branch included."""
    return Run.objects.filter(message__conversation=conversation).aggregate(
        answers=Count("id"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        cost=Sum("cost"),
    )
