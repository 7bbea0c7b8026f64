"""Writes for comparisons: create, ask every column, vote, share."""

import random
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from playground.accounts.keys import NoPayingKey
from playground.chat import services as chat_services
from playground.chat.models import Conversation, Run
from playground.compare.models import Column, Comparison, Entry, ShareLink, Turn, Vote
from playground.nexconn.media.catalog import media_model
from playground.studio import services as studio_services
from playground.usage import budgets

MIN_COLUMNS, MAX_CHAT_COLUMNS, MAX_IMAGE_COLUMNS = 2, 6, 4


class CompareError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ColumnSpec:
    model: str
    protocol: str = ""
    params: dict = field(default_factory=dict)


def normalise_tags(raw: str) -> str:
    """“Coding, SQL ” → “,coding,sql,”: stored with edge commas so a tag matches whole."""
    tags = sorted({tag.strip().lower()[:40] for tag in raw.split(",") if tag.strip()})
    return f",{','.join(tags)}," if tags else ""


@transaction.atomic
def comparison_create(
    *,
    user,
    kind: str,
    columns: list[ColumnSpec],
    prompt: str,
    system_prompt: str = "",
    blind: bool = False,
    team=None,
    tags: str = "",
    title: str = "",
) -> tuple[Comparison, list[Run]]:
    """A comparison, its columns (in random order when blind) and its first turn. The
    system prompt is every chat column's (each column's conversation keeps it)."""
    limit = MAX_IMAGE_COLUMNS if kind == Comparison.Kind.IMAGE else MAX_CHAT_COLUMNS
    if not MIN_COLUMNS <= len(columns) <= limit:
        raise CompareError(f"Choose between {MIN_COLUMNS} and {limit} models.")
    comparison = Comparison.objects.create(
        owner=user,
        team=team,
        kind=kind,
        blind=blind,
        tags=normalise_tags(tags),
        title=title or chat_services.title_from_message(prompt),
    )
    specs = list(columns)
    if blind:
        random.SystemRandom().shuffle(specs)  # the order gives nothing away
    for position, spec in enumerate(specs):
        column = Column(
            comparison=comparison,
            position=position,
            model=spec.model,
            kind=kind,
            protocol=spec.protocol,
            params=spec.params,
        )
        if kind == Comparison.Kind.CHAT:
            label = "Model " + "ABCDEF"[position] if blind else spec.model
            column.conversation = Conversation.objects.create(
                owner=user,
                title=f"{comparison.title} · {label}",
                model=spec.model,
                system_prompt=system_prompt,
            )
        column.save()
    return comparison, turn_create(comparison=comparison, prompt=prompt)


@transaction.atomic
def turn_create(*, comparison: Comparison, prompt: str) -> list[Run]:
    """Send the prompt to every column; each chat model gets its own thread so far."""
    comparison = Comparison.objects.select_for_update().get(pk=comparison.pk)
    columns = list(comparison.columns.select_related("conversation").order_by("position"))
    gone = [column.letter for column in columns if column.conversation is None]
    if comparison.kind == Comparison.Kind.CHAT and gone:
        raise CompareError(
            f"The chat of column {', '.join(gone)} was deleted, so this comparison cannot go "
            "on. Start a new comparison with the same models to ask again."
        )
    turn = Turn.objects.create(comparison=comparison, index=comparison.turns.count(), prompt=prompt)
    runs = []
    with budgets.charged_to(team_id=comparison.team_id):  # a team comparison: its budget
        for column in columns:
            entry = Entry(turn=turn, column=column)
            if comparison.kind == Comparison.Kind.CHAT:
                settings = chat_services.ChatSettings(
                    model=column.model,
                    protocol=column.protocol or "chat_completions",
                    system_prompt=column.conversation.system_prompt,
                    params=column.params,
                )
                try:
                    _, entry.run = chat_services.message_send(
                        user=comparison.owner,
                        conversation=column.conversation,
                        text=prompt,
                        chat=settings,
                    )
                except chat_services.ConversationBusy as busy:
                    raise CompareError(
                        f"Column {column.letter} is still answering; wait or stop it first."
                    ) from busy
                except NoPayingKey as refused:
                    raise CompareError(refused.message) from refused
                runs.append(entry.run)
            else:
                model = media_model(column.model, kind="image")
                try:
                    entry.generation = studio_services.generation_create(
                        user=comparison.owner,
                        model=model,
                        mode="text",
                        prompt=prompt,
                        params=column.params,
                        inputs=[],
                        team=comparison.team,
                    )
                except NoPayingKey as refused:
                    raise CompareError(refused.message) from refused
            entry.save()
    comparison.save(update_fields=["updated_at"])
    return runs


@transaction.atomic
def entry_retry(*, entry: Entry) -> Run:
    """A new attempt at one column's failed or stopped answer; the others stay as they are."""
    try:
        with budgets.charged_to(team_id=entry.turn.comparison.team_id):
            run = chat_services.run_retry(run=entry.run)
    except chat_services.ConversationBusy as busy:
        raise CompareError("This column is still answering.") from busy
    except chat_services.NotRetryable as refused:
        raise CompareError("Only the column's latest answer can be tried again.") from refused
    except NoPayingKey as refused:
        raise CompareError(refused.message) from refused
    entry.run = run
    entry.save(update_fields=["run"])
    return run


def vote_cast(*, user, turn: Turn, outcome: str, winner: Column | None, blind: bool) -> Vote:
    """One user's verdict on one turn. As on LMArena, only once every answer has ended: a
    vote on half-written answers would judge speed, not the answers."""
    waiting = [
        entry.column.letter
        for entry in turn.entries.select_related("column", "run", "generation")
        if entry.is_active
    ]
    if waiting:
        which = f"column {waiting[0]} is" if len(waiting) == 1 else "columns "
        if len(waiting) > 1:
            which += f"{', '.join(waiting[:-1])} and {waiting[-1]} are"
        raise CompareError(f"Votes open once every answer has finished: {which} still answering.")
    if outcome == Vote.Outcome.WINNER and (
        winner is None or winner.comparison_id != turn.comparison_id
    ):
        raise CompareError("Choose which answer is best.")
    if outcome != Vote.Outcome.WINNER:
        winner = None
    if turn.comparison.revealed_before_vote and turn.comparison.owner_id == user.pk:
        blind = False  # a name was shown to the owner before the vote
    try:
        with transaction.atomic():
            return Vote.objects.create(
                turn=turn, user=user, outcome=outcome, winner=winner, blind=blind
            )
    except IntegrityError as exc:
        raise CompareError("You have already voted on this turn.") from exc


def share_link_create(*, comparison: Comparison, by, public: bool) -> ShareLink:
    return ShareLink.objects.create(comparison=comparison, created_by=by, public=public)


def share_link_revoke(*, link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


@transaction.atomic
def comparison_delete(*, comparison: Comparison) -> None:
    """The comparison and its column chats (with their files); image results stay in the
    gallery, where they are studio jobs of their own."""
    conversations = [c.conversation_id for c in comparison.columns.all() if c.conversation_id]
    comparison.delete()
    chat_services.conversations_delete(ids=conversations)
