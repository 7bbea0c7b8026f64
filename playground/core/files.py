"""Serving stored files (results, attachments) to their owner, through a view."""

from django.http import FileResponse, Http404


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
