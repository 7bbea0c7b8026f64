"""The Files API (docs/api/files.md): import a public file for Gemini as a `qfile-…` id.

`POST /v1/files` answers at once with a pending file; `GET /v1/files/{id}` is polled until it
is ready (or failed, or expired); `GET /v1/files` lists the account's files
(docs/api/files.md §4 gives its shape) and `expires_in` (3600-604800 s) sets how long the
provider keeps a file. Only create and query are shown on a Nexconn page: the list
shape comes from Qiniu and delete from no source at all, so both are read tolerantly. Statuses
map case-insensitively; an unknown one is "pending" (polling on is safe), and an `error`
object on a file that is not ready means it failed (docs/api/files.md §3).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError, malformed_body_error
from playground.nexconn.media.families.wire import segment

type FileState = Literal["pending", "ready", "failed", "expired"]

PATH = "/v1/files"

FILE_STATES: dict[str, FileState] = {
    "pending": "pending",
    "queued": "pending",
    "processing": "pending",
    "in_progress": "pending",
    "running": "pending",
    "syncing": "pending",
    "uploading": "pending",
    "ready": "ready",
    "synced": "ready",
    "completed": "ready",
    "succeeded": "ready",
    "success": "ready",
    "available": "ready",
    "failed": "failed",
    "error": "failed",
    "cancelled": "failed",
    "canceled": "failed",
    "expired": "expired",
    "deleted": "expired",
}

# The reference names no file types for qfile (docs/api/files.md §1), only that it serves Gemini's
# understanding of large files; these are the types Google documents for Gemini input [STD].
SUPPORTED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "html": "text/html",
    "htm": "text/html",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "aiff": "audio/aiff",
    "mp4": "video/mp4",
    "mpeg": "video/mpeg",
    "mpg": "video/mpeg",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "flv": "video/x-flv",
    "webm": "video/webm",
    "wmv": "video/x-ms-wmv",
    "3gp": "video/3gpp",
}
MAX_FILE_BYTES = 2 * 1024**3  # docs/api/files.md §1
# How long the provider keeps a file: docs/api/files.md §2 (default 172800, two days).
MIN_EXPIRES_IN, MAX_EXPIRES_IN, DEFAULT_EXPIRES_IN = 3600, 604_800, 172_800

FAILED_MESSAGE = "The provider could not import the file, and gave no reason."
EXPIRED_MESSAGE = "The file expired at the provider. Add it again to use it."
_REASON_LIMIT = 300


@dataclass(frozen=True, slots=True)
class UpstreamFileStatus:
    id: str
    state: FileState
    name: str = ""
    size: int | None = None
    content_type: str = ""
    expires_at: datetime | None = None
    error_message: str = ""  # plain words, for failed and expired files
    raw: dict[str, Any] = field(default_factory=dict)


class FileDeleteNotSupported(NexconnError):
    """A delete answered 404, 405 or 501: the API has no way to delete files (no source shows
    one, docs/api/files.md §5), or, for 404, the file is already gone."""


async def create_file(
    client: NexconnClient, *, source_url: str, model: str, expires_in: int | None = None
) -> UpstreamFileStatus:
    """Ask the provider to copy the file at `source_url`; the answer is usually pending."""
    body: dict[str, Any] = {"model": model, "source_url": source_url}
    if expires_in is not None:
        body["expires_in"] = expires_in
    answer = await client.request_json("POST", PATH, json=body)
    return read_file(answer, if_missing="pending")


async def get_file(client: NexconnClient, *, file_id: str) -> UpstreamFileStatus:
    try:
        answer = await client.request_json("GET", f"{PATH}/{segment(file_id)}")
    except NexconnError as error:
        if error.status == 404:
            raise NexconnError(
                "bad_request",
                "The provider no longer knows this file (404): it may have expired or been "
                "deleted. Add it again to use it.",
                status=404,
                detail=error.detail,
            ) from error
        raise
    return read_file(answer, file_id=file_id)


@dataclass(frozen=True, slots=True)
class UpstreamFileList:
    """One page of `GET /v1/files` (docs/api/files.md §4): the files, and whether the
    provider said there are no more (`has_more` false; anything else counts as "maybe")."""

    files: list[UpstreamFileStatus]
    complete: bool


async def list_files_page(client: NexconnClient) -> UpstreamFileList:
    """The first page of the account's files (the paging parameters are unknown:
    docs/api/files.md §4).

    Entries without an id are skipped; files of any model may appear."""
    answer = await client.request_json("GET", PATH)
    data = answer.get("data")
    files = [
        read_file(item)
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
    ]
    return UpstreamFileList(files=files, complete=answer.get("has_more") is False)


async def delete_file(client: NexconnClient, *, file_id: str) -> None:
    """Delete the provider's copy. Raises FileDeleteNotSupported where the API has no delete,
    and NexconnError when the provider refused or could not be reached."""
    try:
        answer = await client.request_json("DELETE", f"{PATH}/{segment(file_id)}")
    except NexconnError as error:
        if error.status == 404:  # no such route, or no such file: the reference cannot tell
            message = (
                "The Nexconn API has no delete for files, or no longer has this one (it "
                "answered 404); either way the provider removes its copy when it expires."
            )
        elif error.status in (405, 501):
            message = (
                f"The Nexconn API does not offer deleting files (it answered {error.status}), "
                "so the provider keeps its copy until it expires."
            )
        else:
            raise
        raise FileDeleteNotSupported(
            "bad_request", message, status=error.status, detail=error.detail
        ) from error
    if answer.get("deleted") is False:
        raise NexconnError(
            "upstream",
            "The provider answered but did not delete the file. Try again later.",
            detail=f"delete answer: {str(answer)[:_REASON_LIMIT]}",
        )


def read_file(
    body: dict[str, Any], *, file_id: str = "", if_missing: FileState = "pending"
) -> UpstreamFileStatus:
    """A file object (docs/api/files.md §3) as an UpstreamFileStatus. Only the id is required."""
    found_id = body.get("id")
    if not isinstance(found_id, str) or not found_id.strip():
        if not file_id:
            raise malformed_body_error(f"a file object without an id: {str(body)[:300]}")
        found_id = file_id
    raw_status = body.get("status")
    raw_text = raw_status.strip().lower() if isinstance(raw_status, str) else ""
    state: FileState = FILE_STATES.get(raw_text, "pending") if raw_text else if_missing
    reason = _error_text(body.get("error"))
    if reason and state == "pending":
        state = "failed"
    message = ""
    if state == "failed":
        message = f"The provider could not import the file: {reason}" if reason else ""
        message = message or FAILED_MESSAGE
    elif state == "expired":
        message = EXPIRED_MESSAGE
    return UpstreamFileStatus(
        id=found_id.strip(),
        state=state,
        name=_first_text(body, "file_name", "filename", "name"),
        size=_size(body.get("file_size", body.get("size", body.get("bytes")))),
        content_type=_first_text(body, "content_type", "mime_type", "format")[:100],
        expires_at=_timestamp(body.get("expires_at")),
        error_message=message,
        raw=body,
    )


def _error_text(value: Any) -> str:
    """The words of an `error` (an object or a string); the code when there are no words."""
    if isinstance(value, dict):
        message, code = value.get("message"), value.get("code")
        text = message if isinstance(message, str) and message.strip() else code
    else:
        text = value
    if not isinstance(text, str):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _first_text(body: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _size(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _timestamp(value: Any) -> datetime | None:
    """Unix seconds (as the reference shows), milliseconds, or an ISO-8601 string."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            value = int(text)
        else:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    if value > 1e11:  # milliseconds
        value = value / 1000
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
