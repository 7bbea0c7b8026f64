"""Reads for the explorer, always scoped to the user."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from playground.explorer.models import ExplorerRequest


def history_list(*, user, query: str = "") -> QuerySet[ExplorerRequest]:
    """The user's requests, newest first; `query` words must each appear in the endpoint,
    model, path or either body."""
    requests = ExplorerRequest.objects.filter(owner=user).order_by("-created_at", "-pk")
    for word in query.split():
        requests = requests.filter(
            Q(endpoint__icontains=word)
            | Q(model__icontains=word)
            | Q(path__icontains=word)
            | Q(body__icontains=word)
            | Q(response_body__icontains=word)
        )
    return requests


def history_get(*, user, pk: int) -> ExplorerRequest:
    return get_object_or_404(ExplorerRequest, owner=user, pk=pk)
