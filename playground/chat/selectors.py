"""Reads for the chat app. Every object is reached through its owner."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from playground.chat.models import Attachment, Conversation, Message, Run
from playground.chat.threads import ThreadEntry, Tree, entry_among
from playground.compare.models import Column, Comparison
from playground.compare.selectors import hidden_column_chats


def _chats(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """The user's conversations, less the column chats of blind comparisons before the vote
    (they are reached through the comparison: as chats they would name the model)."""
    return Conversation.objects.filter(owner=user).exclude(pk__in=hidden_column_chats(user=user))


def conversation_list(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """The sidebar's entries, newest first: the user's chats, and one column chat for each
    comparison, which stands for the comparison there (comparisons are not chats: the
    sidebar shows their column chats grouped under them: with_comparison_groups)."""
    first_column = (
        Column.objects.filter(
            comparison=OuterRef("comparison_column__comparison"), conversation__isnull=False
        )
        .order_by("position")
        .values("conversation_id")[:1]
    )
    return (
        _chats(user=user)
        .filter(Q(comparison_column__isnull=True) | Q(pk=Subquery(first_column)))
        .select_related("comparison_column__comparison")
        .only(
            "id",
            "title",
            "updated_at",
            "comparison_column__id",
            "comparison_column__comparison__id",
            "comparison_column__comparison__title",
        )
        .order_by("-updated_at", "-id")
    )


@dataclass(frozen=True)
class ComparisonGroup:
    comparison: Comparison
    columns: list[Column]  # those with a chat, left to right

    @property
    def conversation_ids(self) -> set[int]:
        return {column.conversation_id for column in self.columns}


def with_comparison_groups(conversations) -> list[Conversation]:
    """The sidebar's entries with `comparison_group` set on those that stand for a
    comparison (its column chats), in one query for the whole page."""
    entries = list(conversations)
    columns_of = {entry.comparison_column.comparison_id: [] for entry in entries if _column(entry)}
    if columns_of:
        columns = Column.objects.filter(comparison__in=columns_of, conversation__isnull=False)
        for column in columns.select_related("conversation").order_by("position"):
            columns_of[column.comparison_id].append(column)
    for entry in entries:
        column = _column(entry)
        entry.comparison_group = (
            ComparisonGroup(column.comparison, columns_of[column.comparison_id]) if column else None
        )
    return entries


def _column(conversation: Conversation) -> Column | None:
    try:
        return conversation.comparison_column
    except Column.DoesNotExist:
        return None


def comparison_column_of(*, conversation: Conversation) -> Column | None:
    """The comparison column the conversation belongs to, if it does."""
    return Column.objects.select_related("comparison").filter(conversation=conversation).first()


def conversation_search(*, user: AbstractBaseUser, query: str) -> QuerySet[Conversation]:
    """The sidebar's entries whose title or any message matches, newest first (a comparison
    when one of its column chats does).

    PostgreSQL: full-text search (word stems, websearch syntax such as "quoted phrase" or
    -word). Elsewhere: a case-insensitive substring match.
    """
    conversations = conversation_list(user=user)
    if connection.vendor == "postgresql":
        words = SearchQuery(query, search_type="websearch")
        messages = Message.objects.annotate(document=SearchVector("content")).filter(
            document=words, conversation__owner=user
        )
        titles = Conversation.objects.annotate(document=SearchVector("title")).filter(
            document=words, owner=user
        )
        matching = Q(pk__in=titles.values("pk")) | Q(pk__in=messages.values("conversation_id"))
    else:
        messages = Message.objects.filter(content__icontains=query, conversation__owner=user)
        matching = Q(title__icontains=query) | Q(pk__in=messages.values("conversation_id"))
    # A comparison is found when any of its column chats is.
    found = Conversation.objects.filter(matching, owner=user).values("pk")
    comparisons = Comparison.objects.filter(owner=user, columns__conversation__in=found)
    return conversations.filter(
        Q(pk__in=found) | Q(comparison_column__comparison__in=comparisons.values("pk"))
    )


def conversation_get(*, user: AbstractBaseUser, pk: int) -> Conversation:
    return get_object_or_404(_chats(user=user), pk=pk)


def conversation_thread(*, conversation: Conversation) -> list[ThreadEntry]:
    """The branch on show, from the first message to the current one."""
    tree = Tree(conversation.messages.select_related("run").prefetch_related("attachments"))
    leaf = tree.by_id.get(conversation.current_leaf_id)
    if leaf is None and tree.children.get(None):
        leaf = tree.latest_leaf_under(tree.children[None][-1])
    return tree.entries(leaf)


def message_get(*, user: AbstractBaseUser, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.select_related("conversation", "run"),
        pk=pk,
        conversation__in=_chats(user=user),
    )


def run_get(*, user: AbstractBaseUser, pk: int, in_blind_column: bool = False) -> Run:
    """The user's run; one in a blind comparison's column only with in_blind_column (to stop
    it from the comparison page, which names no model)."""
    runs = Run.objects.select_related("message__conversation")
    if not in_blind_column:
        runs = runs.exclude(message__conversation__in=hidden_column_chats(user=user))
    return get_object_or_404(runs, pk=pk, message__conversation__owner=user)


def run_ids_owned(*, user: AbstractBaseUser, ids: list[int]) -> list[int]:
    """Those of the runs that are the user's (none in a blind comparison's column), in the
    order given."""
    owned = set(
        Run.objects.filter(pk__in=ids, message__conversation__owner=user)
        .exclude(message__conversation__in=hidden_column_chats(user=user))
        .values_list("pk", flat=True)
    )
    return [run_id for run_id in ids if run_id in owned]


def message_entry(*, message: Message) -> ThreadEntry:
    """One message with its versions (for re-drawing it alone, e.g. when its answer ends)."""
    siblings = Message.objects.filter(
        conversation_id=message.conversation_id, parent_id=message.parent_id, role=message.role
    ).only("id")
    return entry_among(message, list(siblings.order_by("id")))


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
    """Answers, tokens and cost of the whole conversation, every branch included;
    `not_priced` counts the ended answers that have no cost (the page says so)."""
    return Run.objects.filter(message__conversation=conversation).aggregate(
        answers=Count("id"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        spent=Sum("cost"),
        not_priced=Count("id", filter=Q(cost__isnull=True) & ~Q(status__in=Run.ACTIVE)),
    )
