"""Writes for files: checking a link, having the provider import it, polling, deleting.

The provider fetches the file itself, from a public link (docs/api/files.md §1), so the link
is checked here first: http(s), a public address, and a file type Gemini reads, told apart by
the link's extension. Asking the link's own server (a HEAD request) is not done: it would
need the same guards as result downloads (pinned public address, redirects, timeouts) inside
the form post, and many hosts answer HEAD wrongly; the provider reports the real type and size
once it has the file. Polls re-enqueue themselves with backoff instead of sleeping in the
worker (core/jobs.py).
"""

import datetime as dt
import ipaddress
import socket
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from playground.accounts import keys
from playground.accounts.keys import NoPayingKey
from playground.core.downloads import _is_public
from playground.core.jobs import call_upstream, poll_later
from playground.core.redaction import redact, redacting
from playground.files.models import UpstreamFile
from playground.nexconn import files as files_api
from playground.nexconn.catalog import CHAT_MODELS, ChatModel
from playground.nexconn.errors import NexconnError

DEFAULT_FILE_MODEL = "gemini-3.0-pro-preview"  # the samples' model (docs/api/files.md §1)
POLL_FIRST_SECONDS = 1.0
POLL_MAX_SECONDS = 15.0
# Copying 2 GB takes minutes; an import still pending after this long is given up on.
IMPORT_TIMEOUT = dt.timedelta(hours=1)

_KINDS = {"image": "pictures", "audio": "audio", "video": "video"}


def _type_names() -> str:
    """The supported types grouped for a message: documents (PDF, …); pictures (PNG, …); …"""
    kinds: dict[str, list[str]] = {}
    for extension, content_type in files_api.SUPPORTED_TYPES.items():
        kind = _KINDS.get(content_type.split("/", 1)[0], "documents")
        kinds.setdefault(kind, []).append(extension.upper())
    return "; ".join(f"{kind} ({', '.join(names)})" for kind, names in kinds.items())


_TYPE_NAMES = _type_names()
_STATES = {
    "ready": UpstreamFile.Status.READY,
    "failed": UpstreamFile.Status.FAILED,
    "expired": UpstreamFile.Status.EXPIRED,
}


def file_models() -> list[ChatModel]:
    """The chat models that take files by qfile id."""
    return [model for model in CHAT_MODELS if model.file_input]


def resolve_host(host: str) -> list[str]:
    """The addresses a host name resolves to; empty when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def source_url_check(source_url: str) -> str:
    """The content type the link's extension names; ValidationError saying what is wrong."""

    def problem(message: str) -> ValidationError:
        return ValidationError({"source_url": message})

    parts = urlsplit(source_url)
    if parts.scheme.lower() not in ("http", "https"):
        raise problem(
            "Only http:// and https:// links can be used: the provider downloads the file "
            "from the web."
        )
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise problem("This link is not valid: check the host name and port.") from None
    if not host:
        raise problem("This link has no host name; it should look like https://example.com/….")
    if parts.username or parts.password:
        raise problem(
            "Links with a user name or password are not accepted: the provider needs a link "
            "anyone can open."
        )
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in files_api.SUPPORTED_TYPES:
        found = f"“.{extension}” files are" if extension else "A link without a file extension is"
        raise problem(
            f"{found} not supported. Link straight to the file; these types work: {_TYPE_NAMES}."
        )
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolve_host(host)
        if not addresses:
            raise problem(f"The host name “{host}” could not be found. Check the link.") from None
    if not all(_is_public(address) for address in addresses):
        raise problem(
            "This link points to a private or local network address. The provider can only "
            "fetch files from the public internet."
        )
    return files_api.SUPPORTED_TYPES[extension]


def upstream_file_create(
    *, user, source_url: str, model: str, expires_in: int | None = None
) -> UpstreamFile:
    """Check the link and the model, store the file, and enqueue its import."""
    from playground.files.tasks import create_upstream_file

    source_url = source_url.strip()
    content_type = source_url_check(source_url)
    if model not in {choice.id for choice in file_models()}:
        raise ValidationError({"model": "Choose one of the models that read files."})
    with transaction.atomic():
        upstream_file = UpstreamFile.objects.create(
            owner=user,
            source_url=source_url,
            model=model,
            content_type=content_type,
            expires_in=expires_in,
        )
        create_upstream_file.enqueue(upstream_file.pk)
    return upstream_file


def upstream_files_expire(*, user) -> None:
    """Mark the user's ready files whose time at the provider is over."""
    UpstreamFile.objects.filter(
        owner=user, status=UpstreamFile.Status.READY, expires_at__lte=timezone.now()
    ).update(status=UpstreamFile.Status.EXPIRED, error_message=files_api.EXPIRED_MESSAGE)


def _call_upstream(user, call):
    """`call_upstream` with the key that pays for the user's own work (accounts/keys.py):
    files are the user's, so the same key their chats use sees them."""
    try:
        api_key = keys.paying_key_for(user=user).api_key()
    except NoPayingKey as refused:
        raise NexconnError("auth", refused.message) from None
    with redacting(api_key):
        return call_upstream(call, api_key=api_key)


GONE_MESSAGE = (
    "The provider no longer lists this file: it expired or was deleted there. Add it again "
    "to use it."
)


def upstream_files_refresh(*, user) -> str:
    """Bring the user's files up to date with the provider's own list (`GET /v1/files`):
    status, name, size and expiry. Returns a note for the page ("" when the list was read).

    Only the user's own files are touched: the key may be shared, so the provider's list can
    hold other people's files, which are never shown. A ready file missing from a list the
    provider calls complete is gone; pending ones keep polling on their own.
    """
    try:
        listing = _call_upstream(user, files_api.list_files_page)
    except NexconnError as error:
        return f"The provider's list of files could not be read: {error.message_for_user}"
    listed = {status.id: status for status in listing.files}
    alive = (UpstreamFile.Status.PENDING, UpstreamFile.Status.READY)
    for upstream_file in UpstreamFile.objects.filter(owner=user, status__in=alive).exclude(
        file_id=""
    ):
        if (status := listed.get(upstream_file.file_id)) is not None:
            _apply(upstream_file, status, poll=False)
        elif listing.complete and upstream_file.status == UpstreamFile.Status.READY:
            _store(upstream_file, status=UpstreamFile.Status.EXPIRED, error_message=GONE_MESSAGE)
    return ""


def upstream_file_delete(*, upstream_file: UpstreamFile) -> str:
    """Delete the provider's copy, then ours; returns what to tell the user.

    Raises NexconnError when the provider could not delete it: the file is then kept, so the
    user can try again. Where the API has no delete, the file is removed here all the same.
    """
    name = upstream_file.display_name
    note = f"Deleted “{name}”."  # not at the provider yet, or nothing left there
    alive = upstream_file.status in (UpstreamFile.Status.PENDING, UpstreamFile.Status.READY)
    if upstream_file.file_id and alive:
        file_id = upstream_file.file_id
        try:
            _call_upstream(
                upstream_file.owner_id,
                lambda client: files_api.delete_file(client, file_id=file_id),
            )
        except files_api.FileDeleteNotSupported as error:
            note = f"Removed “{name}” from your files. {error.message_for_user}"
            if upstream_file.expires_at:
                expires = date_format(
                    timezone.localtime(upstream_file.expires_at), "DATETIME_FORMAT"
                )
                note += f" It expires on {expires}."
        else:
            note = f"Deleted “{name}”, here and at the provider."
    upstream_file.delete()
    return note


# --- the worker side -------------------------------------------------------------------


def upstream_file_submit(*, upstream_file_id: int) -> None:
    """Ask the provider to import the file: once, whatever happens to the task."""
    claimed = UpstreamFile.objects.filter(
        pk=upstream_file_id, status=UpstreamFile.Status.PENDING, polls=0
    ).update(polls=1)
    if not claimed:
        return  # already sent, or deleted
    upstream_file = UpstreamFile.objects.get(pk=upstream_file_id)
    try:
        status = _call_upstream(
            upstream_file.owner_id,
            lambda client: files_api.create_file(
                client,
                source_url=upstream_file.source_url,
                model=upstream_file.model,
                expires_in=upstream_file.expires_in,
            ),
        )
    except NexconnError as error:
        _store(
            upstream_file, status=UpstreamFile.Status.FAILED, error_message=error.message_for_user
        )
        return
    upstream_file.file_id = status.id[:512]
    _apply(upstream_file, status)


def upstream_file_poll(*, upstream_file_id: int, attempt: int) -> None:
    claimed = (
        UpstreamFile.objects.filter(
            pk=upstream_file_id, polls=attempt, status=UpstreamFile.Status.PENDING
        )
        .exclude(file_id="")
        .update(polls=attempt + 1)
    )
    if not claimed:
        return  # finished, deleted, or another poll already took this turn
    upstream_file = UpstreamFile.objects.get(pk=upstream_file_id)
    if timezone.now() - upstream_file.created_at > IMPORT_TIMEOUT:
        minutes = int(IMPORT_TIMEOUT.total_seconds() // 60)
        _store(
            upstream_file,
            status=UpstreamFile.Status.FAILED,
            error_message=(
                f"The provider did not finish importing the file within {minutes} minutes, "
                "so it was given up on. Add it again to retry."
            ),
        )
        return
    try:
        status = _call_upstream(
            upstream_file.owner_id,
            lambda client: files_api.get_file(client, file_id=upstream_file.file_id),
        )
    except NexconnError as error:
        if error.retryable:
            _schedule_poll(upstream_file)  # polling is free: keep trying until the timeout
            return
        _store(
            upstream_file, status=UpstreamFile.Status.FAILED, error_message=error.message_for_user
        )
        return
    _apply(upstream_file, status)


def _apply(
    upstream_file: UpstreamFile, status: files_api.UpstreamFileStatus, *, poll: bool = True
) -> None:
    """Take what the provider says about the file, and (with `poll`) poll again while it is
    pending."""
    changes = {
        "file_id": upstream_file.file_id,
        "name": status.name[:255] or upstream_file.name,
        "size": status.size if status.size is not None else upstream_file.size,
        "content_type": status.content_type or upstream_file.content_type,
        "expires_at": status.expires_at or upstream_file.expires_at,
    }
    if status.state != "pending":
        changes |= {"status": _STATES[status.state], "error_message": status.error_message}
    if _store(upstream_file, **changes) and status.state == "pending" and poll:
        _schedule_poll(upstream_file)


def _store(upstream_file: UpstreamFile, **changes) -> bool:
    """Write the changes; False if the user deleted the file meanwhile."""
    changes = redact(changes)  # the provider's own words may echo the key
    for name, value in changes.items():
        setattr(upstream_file, name, value)
    return bool(UpstreamFile.objects.filter(pk=upstream_file.pk).update(**changes))


def _schedule_poll(upstream_file: UpstreamFile) -> None:
    from playground.files.tasks import poll_upstream_file

    poll_later(
        poll_upstream_file,
        upstream_file.pk,
        upstream_file.polls,
        step=upstream_file.polls - 1,  # the create counts as the first of `polls`
        first_seconds=POLL_FIRST_SECONDS,
        max_seconds=POLL_MAX_SECONDS,
    )
