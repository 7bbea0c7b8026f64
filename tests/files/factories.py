import datetime as dt

from django.utils import timezone

from playground.files.models import UpstreamFile


def upstream_file(owner, **fields) -> UpstreamFile:
    values = {
        "file_id": "qfile-1-1770727746152401856-abc",
        "source_url": "https://example.com/annual-report.pdf",
        "model": "gemini-3.0-pro-preview",
        "status": UpstreamFile.Status.READY,
        "name": "annual-report.pdf",
        "size": 52_428_800,
        "content_type": "application/pdf",
        "expires_at": timezone.now() + dt.timedelta(days=2),
        "polls": 2,
    }
    return UpstreamFile.objects.create(owner=owner, **(values | fields))
