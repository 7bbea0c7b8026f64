"""Stored files are served in chunks, in constant memory, with single byte ranges (so a video
seeks), to their owner only."""

import hashlib
import tracemalloc
import warnings

import httpx
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from playground.studio.models import Generation, Output
from tests.core.test_asgi import session_of

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 40  # 10,240 bytes, each position recognisable


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored_video(owner, content: bytes) -> Output:
    generation = Generation.objects.create(
        owner=owner, kind="video", model="kling-v2-5-turbo", mode="text", status="succeeded"
    )
    output = Output(generation=generation, content_type="video/mp4", size=len(content))
    output.file.save("result.mp4", ContentFile(content), save=False)
    output.save()
    return output


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [("bytes=100-199", 100, 199), ("bytes=10000-", 10000, 10239), ("bytes=-40", 10200, 10239)],
)
def test_a_single_range_is_answered_with_its_bytes(owner_client, owner, asked, first, last):
    url = reverse("studio:output-file", args=[stored_video(owner, CONTENT).pk])
    response = owner_client.get(url, headers={"Range": asked})
    assert response.status_code == 206
    assert body(response) == CONTENT[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/10240"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"


def test_a_range_past_the_end_is_clipped_and_one_beyond_it_is_refused(owner_client, owner):
    url = reverse("studio:output-file", args=[stored_video(owner, CONTENT).pk])
    clipped = owner_client.get(url, headers={"Range": "bytes=10200-99999"})
    assert clipped.status_code == 206
    assert clipped["Content-Range"] == "bytes 10200-10239/10240"
    assert body(clipped) == CONTENT[10200:]
    for unsatisfiable in ("bytes=10240-", "bytes=20000-20100", "bytes=-0"):
        refused = owner_client.get(url, headers={"Range": unsatisfiable})
        assert refused.status_code == 416, unsatisfiable
        assert refused["Content-Range"] == "bytes */10240"


def test_without_a_single_range_the_whole_file_comes(owner_client, owner):
    url = reverse("studio:output-file", args=[stored_video(owner, CONTENT).pk])
    for header in ({}, {"Range": "bytes=0-9,20-29"}, {"Range": "bytes=9-1"}, {"Range": "pages=1"}):
        response = owner_client.get(url, headers=header)
        assert response.status_code == 200, header
        assert response["Accept-Ranges"] == "bytes"
        assert response["Content-Length"] == "10240"
        assert body(response) == CONTENT


def test_another_user_gets_404_for_a_range_too(other_client, owner):
    url = reverse("studio:output-file", args=[stored_video(owner, CONTENT).pk])
    assert other_client.get(url, headers={"Range": "bytes=0-9"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_big_file_streams_in_constant_memory_over_the_live_app(live_app, owner):
    size = 50 * 1024 * 1024
    content = bytes(range(256)) * (size // 256)
    output = stored_video(owner, content)
    expected_digest = hashlib.sha256(content).hexdigest()
    del content
    url = reverse("studio:output-file", args=[output.pk])

    with (
        warnings.catch_warnings(record=True) as caught,
        httpx.Client(base_url=live_app, cookies=session_of(owner), timeout=30) as client,
    ):
        warnings.simplefilter("always")
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            with client.stream("GET", url) as response:
                chunks = response.iter_raw()
                first = next(chunks)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                digest = hashlib.sha256(first)
                received = len(first)
                for chunk in chunks:
                    digest.update(chunk)
                    received += len(chunk)
        finally:
            tracemalloc.stop()
        ranged = client.get(url, headers={"Range": "bytes=-3"})

    assert response.status_code == 200
    assert peak - before < 8 * 1024 * 1024, f"{(peak - before) / 2**20:.0f} MB before a byte"
    assert received == size and digest.hexdigest() == expected_digest
    assert ranged.status_code == 206 and ranged.content == bytes([253, 254, 255])
    assert not [str(w.message) for w in caught if "iterators" in str(w.message)]
