"""Writes for the chat app, and the upstream reads the pages need."""

import asyncio
import datetime
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from playground.accounts import keys
from playground.chat.models import Attachment, Conversation, Message, Run
from playground.chat.pricing import run_cost
from playground.chat.threads import Tree
from playground.core.files import delete_unreferenced_files
from playground.core.redaction import redact
from playground.nexconn import catalog
from playground.nexconn.client import client_from_settings
from playground.nexconn.errors import NexconnError
from playground.nexconn.params import WireRequest
from playground.nexconn.snippets import shorten_base64
from playground.nexconn.transport import configured_upstream
from playground.usage import budgets, records

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
    protocol: str = "chat_completions"
    system_prompt: str = ""
    params: dict = field(default_factory=dict)  # the parameters panel's raw values


@dataclass(frozen=True)
class NewAttachment:
    """Something to attach to the user's message: an upload, a link, or a Files API id."""

    kind: str
    upload: UploadedFile | None = None
    url: str = ""
    upstream_file_id: str = ""
    name: str = ""
    content_type: str = ""


def title_from_message(text: str) -> str:
    first_line = " ".join(text.split())
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _locked(conversation: Conversation) -> Conversation:
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _ensure_idle(conversation)
    return conversation


def leaf_id(conversation: Conversation) -> int | None:
    """The last message of the branch on show. `current_leaf` stays empty for as long as a
    conversation never branched (its newest message is then the leaf): one write less for
    every message sent."""
    if conversation.current_leaf_id is not None:
        return conversation.current_leaf_id
    newest = conversation.messages.order_by("-id").values_list("id", flat=True).first()
    return newest


def _answer_create(
    *,
    conversation: Conversation,
    parent: Message,
    show: bool = True,
    paying: keys.PayingKey | None = None,
) -> Run:
    """An empty answer after `parent`, with its queued Run and the key that pays for it
    (`paying`, or decided here); with `show` it becomes the branch on show (the caller saves
    nothing more). Raises NoPayingKey when no key may pay (callers are atomic: nothing stays
    written)."""
    if paying is None:
        paying = keys.paying_key_for(user=conversation.owner_id, conversation=conversation)
    answer = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, parent=parent
    )
    if show:
        conversation.current_leaf = answer
        conversation.save(update_fields=["current_leaf", "updated_at"])
    run = Run(message=answer, model=conversation.model, protocol=conversation.protocol)
    keys.record_on(run, paying)
    run.save(force_insert=True)
    budgets.admit_answer(run=run, conversation=conversation)  # LimitExceeded rolls all back
    return run


def _question_create(
    *, conversation: Conversation, parent_id: int | None, text: str, attachments=()
) -> Message:
    question = Message.objects.create(
        conversation=conversation, role=Message.Role.USER, content=text, parent_id=parent_id
    )
    for position, item in enumerate(attachments):
        attachment = Attachment(
            message=question,
            kind=item.kind,
            position=position,
            url=item.url,
            upstream_file_id=item.upstream_file_id,
            name=item.name or (item.upload.name if item.upload else ""),
            content_type=item.content_type,
            size=item.upload.size if item.upload else 0,
        )
        if item.upload is not None:
            attachment.file.save(item.upload.name or "upload", item.upload, save=False)
        attachment.save()
    return question


@transaction.atomic
def message_send(
    *,
    user: AbstractBaseUser,
    conversation: Conversation | None,
    text: str,
    chat: ChatSettings,
    attachments: list[NewAttachment] = (),
) -> tuple[Message, Run]:
    """Store the user's message (after the branch on show) and an empty answer with its
    queued Run; return both. The caller starts the Run. One answer at a time."""
    new = conversation is None
    # Which key pays, before anything is written (NoPayingKey: nothing is).
    paying = keys.paying_key_for(user=user, conversation=conversation)
    if new:
        conversation = Conversation(owner=user, title=title_from_message(text))
    else:
        conversation = _locked(conversation)
    conversation.model = chat.model
    conversation.protocol = chat.protocol
    conversation.system_prompt = chat.system_prompt
    conversation.params = chat.params
    if new:
        conversation.save()
    parent_id = None if new else leaf_id(conversation)
    question = _question_create(
        conversation=conversation, parent_id=parent_id, text=text, attachments=attachments
    )
    branched = conversation.current_leaf_id is not None
    run = _answer_create(conversation=conversation, parent=question, show=False, paying=paying)
    if branched:
        conversation.current_leaf = run.message
    if not new or branched:
        conversation.save()  # the settings, and the leaf when it is kept: one write
    return question, run


@transaction.atomic
def run_retry(*, run: Run) -> Run:
    """A new attempt at an answer that failed or was stopped; the old one stays visible."""
    conversation = _locked(Conversation.objects.get(messages__run=run))
    if run.status not in RETRYABLE or leaf_id(conversation) != run.message_id:
        raise NotRetryable
    return _answer_create(conversation=conversation, parent=run.message)


@transaction.atomic
def answer_regenerate(*, message: Message) -> Run:
    """Another answer to the same question, beside the first (navigable 1/2, 2/2)."""
    conversation = _locked(message.conversation)
    return _answer_create(conversation=conversation, parent=message.parent)


@transaction.atomic
def message_edit(*, message: Message, text: str) -> tuple[Message, Run]:
    """An edited question as a new branch beside the original (with the same attachments),
    and its answer."""
    conversation = _locked(message.conversation)
    paying = keys.paying_key_for(user=conversation.owner_id, conversation=conversation)
    question = _question_create(conversation=conversation, parent_id=message.parent_id, text=text)
    for original in message.attachments.filter(is_output=False):
        copy = Attachment(
            message=question,
            kind=original.kind,
            position=original.position,
            url=original.url,
            upstream_file_id=original.upstream_file_id,
            name=original.name,
            content_type=original.content_type,
            size=original.size,
        )
        if original.file:
            with original.file.open("rb") as source:
                copy.file.save(original.file.name, ContentFile(source.read()), save=False)
        copy.save()
    return question, _answer_create(conversation=conversation, parent=question, paying=paying)


@transaction.atomic
def tool_results_submit(*, message: Message, results: dict[str, str]) -> Run:
    """The user's results for the model's tool calls, then the model's next answer."""
    conversation = _locked(message.conversation)
    if leaf_id(conversation) != message.pk:
        raise NotRetryable
    parent = message
    for call in message.tool_calls:
        parent = Message.objects.create(
            conversation=conversation,
            role=Message.Role.TOOL,
            parent=parent,
            content=results.get(call["id"], ""),
            tool_call_id=call["id"],
            tool_name=call["name"],
        )
    return _answer_create(conversation=conversation, parent=parent)


def branch_show(*, conversation: Conversation, message: Message) -> None:
    """Show the newest branch through `message` (a sibling the user switched to)."""
    tree = Tree(conversation.messages.only("id", "parent_id", "role"))
    leaf = tree.latest_leaf_under(tree.by_id[message.pk])
    Conversation.objects.filter(pk=conversation.pk).update(current_leaf_id=leaf.pk)


@transaction.atomic
def message_delete(*, message: Message) -> None:
    """Delete a message and everything that followed it on its branches."""
    conversation = _locked(message.conversation)
    parent_id = message.parent_id
    # Every file of the conversation is a candidate: those the messages left still hold stay.
    files = _attachment_files(conversation_ids=[conversation.pk])
    message.delete()  # the children go with it (parent: on_delete=CASCADE)
    delete_unreferenced_files(files)
    tree = Tree(conversation.messages.only("id", "parent_id", "role"))
    start = tree.by_id.get(parent_id)
    if start is None:
        roots = tree.children.get(None) or []
        start = roots[-1] if roots else None
    leaf = tree.latest_leaf_under(start) if start is not None else None
    Conversation.objects.filter(pk=conversation.pk).update(current_leaf=leaf)


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title
    conversation.save(update_fields=["title"])  # renaming doesn't move it up the list
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    conversations_delete(ids=[conversation.pk])


@transaction.atomic
def conversations_delete(*, ids: list[int]) -> None:
    """Delete conversations and, once that is committed, the files only they held."""
    files = _attachment_files(conversation_ids=ids)
    Conversation.objects.filter(pk__in=ids).delete()
    delete_unreferenced_files(files)


def _attachment_files(*, conversation_ids: list[int]) -> list:
    attachments = Attachment.objects.filter(message__conversation_id__in=conversation_ids)
    return [attachment.file for attachment in attachments.exclude(file="").only("file")]


# --- Run progress, written by the run executor -------------------------------------


def request_record(request: WireRequest) -> dict:
    """The request as kept for "view code": base64 attachments shortened to markers (the
    files themselves are stored once, elsewhere); never the key."""
    record = {"method": request.method, "path": request.path, "body": shorten_base64(request.body)}
    if request.headers:
        record["headers"] = request.headers
    return redact(record)


def run_save_started(*, run_id: int, started_at, request: dict) -> None:
    """The answer is being asked for (written while the upstream is already at work)."""
    Run.objects.filter(pk=run_id).update(
        status=Run.Status.STREAMING, started_at=started_at, request=request
    )


def run_mark_interrupted(*, run: Run) -> None:
    """The process generating this answer went away (a restart or a crash)."""
    run.status = Run.Status.INTERRUPTED
    run.error_kind = "interrupted"
    run.error_message = "The server restarted before this answer finished. The text so far is kept."
    ended = Run.objects.filter(pk=run.pk, status__in=Run.ACTIVE).update(
        status=run.status, error_kind=run.error_kind, error_message=run.error_message
    )
    if ended:
        records.answer_ended(run=run)


@transaction.atomic
def runs_save_progress(
    *, texts: dict[int, tuple[str, str]], first_tokens: dict[int, datetime.datetime]
) -> None:
    """The growing text of the streaming answers, all in one batch (never a write per token).

    `texts`: message id → (text, reasoning) so far; `first_tokens`: run id → when its first
    token came, for runs whose first batch this is.
    """
    _update_each(Message, ["content", "reasoning"], texts.items())
    _update_each(Run, ["first_token_at"], ((pk, (at,)) for pk, at in first_tokens.items()))


def _update_each(model, fields: list[str], rows) -> None:
    """`UPDATE … SET fields WHERE pk = …` for each (pk, values) of `rows`, as one executemany.

    The ORM's bulk_update builds a CASE expression per row and an update per object costs a
    query build each: at 200 answers streaming at once either was most of a batch's time.
    """
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - identifiers from the model, quoted
    params = [
        [
            field.get_db_prep_value(value, connection)
            for field, value in zip(columns, values, strict=True)
        ]
        + [pk]
        for pk, values in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


@transaction.atomic
def run_finish(
    *,
    run: Run,
    text: str,
    reasoning: str,
    images: list[tuple[bytes, str]] = (),
    tool_calls: list[dict] | None = None,
    replay_state: dict | None = None,
) -> None:
    """The final write: the whole text, the images, the outcome and the usage figures.

    Updates rather than saves: the conversation may have been deleted meanwhile. The run's
    message, in memory, then holds what was written, with this run as its run.
    """
    run.finished_at = timezone.now()
    run.cost = run_cost(run)
    message = run.message
    message.content, message.reasoning, message.tool_calls = text, reasoning, tool_calls or []
    message.replay_state = replay_state or {}
    message.run = run  # the run may be a copy (runs.load): the message's link follows it
    updated = Message.objects.filter(pk=run.message_id).update(
        content=text,
        reasoning=reasoning,
        tool_calls=message.tool_calls,
        replay_state=message.replay_state,
    )
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
    # By the conversation's key: a filter across the messages made Django build (and re-alias)
    # a subquery for every answer.
    conversation_id = message.conversation_id
    Conversation.objects.filter(pk=conversation_id).update(updated_at=timezone.now())
    records.answer_ended(run=run, text=text + reasoning)


_RUN_OUTCOME_FIELDS = (
    "status", "error_kind", "error_message", "finish_reason", "input_tokens", "output_tokens",
    "reasoning_tokens", "cached_tokens", "cost", "first_token_at", "finished_at", "exchange",
)  # fmt: skip


# --- The model list ---------------------------------------------------------------
#
# Pages never wait on GET /v1/models once a copy exists: a stale copy is shown while a
# background thread fetches a new one (stale-while-revalidate). A process with no copy yet
# waits a moment for the fetch it starts, then shows the built-in catalog with a notice.

_MODELS_FETCH_SECONDS = 5.0  # the whole fetch, however the upstream trickles
_FIRST_FETCH_WAIT_SECONDS = 0.5  # what a page with no copy at all gives the fetch it starts
_RETRY_FAILED_FETCH_SECONDS = 30.0
_models_fetches: dict[str, threading.Thread] = {}  # by cache key: the fetch under way
_models_fetched_here: set[str] = set()  # every process probes the key's form once itself
_models_fetch_lock = threading.Lock()
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoices:
    ids: list[str]
    notice: str = ""  # why the list is the built-in one or an old copy, if it is


def chat_models_cached() -> ModelChoices:
    """The model picker's ids: the upstream's list as last fetched, else the catalog.

    Never empty, and never waits on the upstream once a copy exists (see above)."""
    key = _models_cache_key()
    entry = cache.get(key)
    if entry is None or key not in _models_fetched_here or _is_stale(entry):
        started = _fetch_models_in_background(key)
        if entry is None and started is not None:
            started.join(_FIRST_FETCH_WAIT_SECONDS)
            entry = cache.get(key)
    return _model_choices(entry)


def _model_choices(entry: dict | None) -> ModelChoices:
    catalog_ids = [model.id for model in catalog.CHAT_MODELS]
    if entry is None:
        notice = "The live model list is still being fetched; showing the built-in list."
        return ModelChoices(ids=catalog_ids, notice=notice)
    if not entry["ids"]:
        notice = f"The model list could not be loaded ({entry['error']}); "
        return ModelChoices(ids=catalog_ids, notice=notice + "showing the built-in list.")
    if entry["error"]:
        notice = f"The model list could not be refreshed ({entry['error']}); showing the last one."
        return ModelChoices(ids=entry["ids"], notice=notice)
    return ModelChoices(ids=entry["ids"])


def _models_cache_key() -> str:
    # By upstream: a list fetched from one API (or the simulator) is never shown for another.
    upstream = configured_upstream().base_url
    return f"nexconn:chat-models:{hashlib.sha256(upstream.encode()).hexdigest()[:16]}"


def _is_stale(entry: dict) -> bool:
    age = time.time() - entry["checked_at"]
    if entry["error"]:
        return age > _RETRY_FAILED_FETCH_SECONDS
    return age > settings.NEXCONN_MODELS_CACHE_SECONDS


def _fetch_models_in_background(key: str) -> threading.Thread | None:
    """Start fetching the list into the cache, unless a fetch is under way; the new thread."""
    with _models_fetch_lock:
        running = _models_fetches.get(key)
        if running is not None and running.is_alive():
            return None
        thread = threading.Thread(target=_fetch_models, args=(key,), name="model-list", daemon=True)
        _models_fetches[key] = thread
        _models_fetched_here.add(key)
        thread.start()
        return thread


def _fetch_models(key: str) -> None:
    try:
        ids, error = sorted({model["id"] for model in asyncio.run(_read_models())}), ""
        if not ids:
            error = "the list had no model ids"
    except NexconnError as failure:
        ids, error = [], failure.message_for_user
    except TimeoutError:
        ids, error = [], f"no answer within {_MODELS_FETCH_SECONDS:g} seconds"
    except Exception:  # a background thread: whatever it is, the pages show the catalog
        logger.exception("The model list could not be fetched")
        ids, error = [], "an unexpected error"
    if not ids:
        previous = cache.get(key)
        ids = previous["ids"] if previous else []  # a failed refresh keeps the last good copy
    cache.set(key, {"ids": ids, "error": error, "checked_at": time.time()}, timeout=None)


async def _read_models() -> list[dict]:
    client = client_from_settings(timeout=_MODELS_FETCH_SECONDS, max_retries=0)
    try:
        async with asyncio.timeout(_MODELS_FETCH_SECONDS):
            return await client.list_models()
    except NexconnError as error:
        raise client.redact(error) from None
    finally:
        await client.aclose()
