"""Stored files (results, attachments): random names, and serving them through a view."""

import re
import uuid

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

from playground.core.downloads import sniff_content_type

MAX_EXTENSION_CHARS = 10


def stored_file_response(field, content_type: str, *, download: bool = False, filename: str = ""):
    """The file in storage as a response; the caller has checked who may see it."""
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(
        handle, content_type=content_type, as_attachment=download, filename=filename
    )
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
