"""Small responses the apps share."""

from django.http import HttpResponse
from django.shortcuts import render


def refusal(request, reason: str, *, status: int = 409) -> HttpResponse:
    """A request we cannot carry out, said plainly: a notice for htmx, text otherwise."""
    if request.htmx:
        return render(request, "core/notice.html", {"notice": reason}, status=status)
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
