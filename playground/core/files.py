"""Stored files (results, attachments): random names, serving them through a view, and
deleting them once no row holds them."""

import re
import uuid
from collections.abc import Iterable

from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from playground.core.downloads import sniff_content_type

MAX_EXTENSION_CHARS = 10

_CHUNK = 64 * 1024
_SINGLE_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")  # longer numbers: not a file


class _StoredChunks:
    """`length` bytes of an open stored file from where it stands, a chunk at a time; the
    response closes the file when it ends (Django calls the content's `close`)."""

    def __init__(self, handle, length: int):
        self.handle = handle
        self.remaining = length

    def _read(self) -> bytes:
        chunk = self.handle.read(min(_CHUNK, self.remaining)) if self.remaining > 0 else b""
        self.remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self.handle.close()


class _Chunks(_StoredChunks):
    def __iter__(self):
        while chunk := self._read():
            yield chunk


class _ChunksOffTheLoop(_StoredChunks):
    """Under ASGI the response is read by the event loop: a synchronous iterator would be read
    whole into memory first, so each blocking read runs in a worker thread instead."""

    async def __aiter__(self):
        read = sync_to_async(self._read, thread_sensitive=False)
        while chunk := await read():
            yield chunk


class _Unsatisfiable(Exception):
    pass


def _requested_range(request, size: int) -> tuple[int, int] | None:
    """(first, last) byte of the single range asked for; None to send the whole file (no
    Range, several ranges, a malformed one, or an If-Range we cannot check: we send no
    validator). RFC 9110 §14: a range starting past the end cannot be satisfied."""
    header = request.headers.get("Range", "")
    match = _SINGLE_RANGE.fullmatch(header.replace(" ", ""))
    if not match or "If-Range" in request.headers:
        return None
    first, last = match.groups()
    if not first:  # the last `last` bytes
        if not last:
            return None
        length = min(int(last), size)
        if not length:
            raise _Unsatisfiable
        return size - length, size - 1
    if last and int(last) < int(first):
        return None
    if int(first) >= size:
        raise _Unsatisfiable
    return int(first), min(int(last), size - 1) if last else size - 1


def stored_file_response(
    request, field, content_type: str, *, download: bool = False, filename: str = ""
):
    """The file in storage as a response, read in chunks so memory stays the same whatever
    its size, with single byte ranges (videos seek); the caller has checked who may see it."""
    try:
        handle = field.open("rb")
        size = handle.size
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    try:
        wanted = _requested_range(request, size)
    except _Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = wanted or (0, size - 1)
    handle.seek(first)
    chunks = _ChunksOffTheLoop if isinstance(request, ASGIRequest) else _Chunks
    response = StreamingHttpResponse(
        chunks(handle, last - first + 1), content_type=content_type, status=206 if wanted else 200
    )
    response["Content-Length"] = str(last - first + 1)
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    if download or filename:
        response["Content-Disposition"] = content_disposition_header(download, filename)
    response["Cache-Control"] = "private, max-age=86400"  # names are random and never reused
    return response


def random_upload_path(folder: str, filename: str) -> str:
    """A random name under `folder`: stored files are never reachable by guessing a path.
    The extension is kept, cut short: a file system refuses names past 255 bytes."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = re.sub(r"[^a-z0-9]", "", extension)[:MAX_EXTENSION_CHARS] or "bin"
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


def checked_upload(upload, *, limit_mb: int, allowed: dict[str, str]) -> str:
    """The content type of an uploaded image, read from its bytes (the browser's claim is not
    trusted); ValidationError naming the file when it is too big or not of an allowed type.
    `allowed` maps content types to the names the message lists."""
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(f"“{upload.name}” is larger than {limit_mb} MB.")
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type not in allowed:
        names = ", ".join(allowed.values())
        raise ValidationError(f"“{upload.name}” is not one of these images: {names}.")
    return content_type


def delete_unreferenced_files(files: Iterable[FieldFile]) -> None:
    """Once the current transaction commits, delete each of these stored files that no row
    holds any more. Rows may share a file, so a file goes only with the last row that names
    it; a delete that is rolled back keeps its files."""
    stored = {(file.storage, file.name) for file in files if file}
    if stored:
        transaction.on_commit(lambda: _delete_unreferenced(stored))


def _delete_unreferenced(stored: set) -> None:
    names = {name for _, name in stored}
    held = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                rows = model._default_manager.filter(**{f"{field.name}__in": names})
                held.update(rows.values_list(field.name, flat=True))
    for storage, name in stored:
        if name not in held:
            storage.delete(name)
