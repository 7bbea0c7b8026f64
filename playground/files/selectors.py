"""Reads for files. Every file is reached through its owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from playground.files.models import UpstreamFile


def upstream_file_list(*, user: AbstractBaseUser) -> QuerySet[UpstreamFile]:
    """The user's files, newest first."""
    return UpstreamFile.objects.filter(owner=user).order_by("-created_at", "-id")


def upstream_file_get(*, user: AbstractBaseUser, pk: int) -> UpstreamFile:
    return get_object_or_404(UpstreamFile, pk=pk, owner=user)


def ready_files(*, user: AbstractBaseUser) -> QuerySet[UpstreamFile]:
    """The user's files a chat message can cite now: ready, and not past their expiry."""
    return (
        UpstreamFile.objects.filter(owner=user, status=UpstreamFile.Status.READY)
        .exclude(file_id="")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .order_by("-created_at", "-id")
    )
