"""The gallery: newest first, filters, pages, and a constant number of queries per page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from playground.studio.models import Generation, Output

pytestmark = pytest.mark.django_db


def many_jobs(owner, count, *, kind="image", model="kling-v2-1", status="succeeded"):
    # From noon back: a few jobs made just after midnight are not spread over two days.
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    jobs = Generation.objects.bulk_create(
        Generation(
            owner=owner, kind=kind, model=model, mode="text", prompt=f"job {i}", status=status
        )
        for i in range(count)
    )
    # Stagger creation times so "newest first" is observable.
    for offset, job in enumerate(jobs):
        job.created_at = now - dt.timedelta(minutes=offset)
    Generation.objects.bulk_update(jobs, ["created_at"], batch_size=500)
    Output.objects.bulk_create(
        Output(generation=job, file=f"studio/outputs/{job.pk}.png", content_type="image/png")
        for job in jobs
    )
    return jobs


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_gallery(owner_client, owner):
    many_jobs(owner, 30)
    small, _ = queries_for(owner_client, reverse("studio:gallery"))
    many_jobs(owner, 10_000 - 30)
    large, page = queries_for(owner_client, reverse("studio:gallery"))
    deep, _ = queries_for(owner_client, reverse("studio:gallery") + "?page=400")
    assert small == large == deep
    assert "10000 jobs" in page


def test_newest_first_and_paginated(owner_client, owner):
    many_jobs(owner, 30)
    page = owner_client.get(reverse("studio:gallery")).content.decode()
    assert page.index("job 0<") < page.index("job 1<") < page.index("job 23<")
    assert "job 24<" not in page
    assert "Page 1 of 2" in page
    second = owner_client.get(reverse("studio:gallery") + "?page=2").content.decode()
    assert "job 24<" in second


def test_filters_by_kind_model_status_and_date(owner_client, owner):
    many_jobs(owner, 2, kind="image", model="kling-v2-1")
    day = many_jobs(owner, 3, kind="video", model="sora-2", status="failed")[0].created_at.date()
    gallery = reverse("studio:gallery")
    assert "3 jobs" in owner_client.get(gallery + "?kind=video").content.decode()
    assert "2 jobs" in owner_client.get(gallery + "?model=kling-v2-1").content.decode()
    assert "3 jobs" in owner_client.get(gallery + "?status=failed").content.decode()
    assert "5 jobs" in owner_client.get(gallery + f"?since={day.isoformat()}").content.decode()
    tomorrow = (day + dt.timedelta(days=1)).isoformat()
    assert "0 jobs" in owner_client.get(gallery + f"?since={tomorrow}").content.decode()


def test_a_filter_it_does_not_understand_gets_a_400_and_a_message(owner_client, owner):
    many_jobs(owner, 1)
    response = owner_client.get(reverse("studio:gallery") + "?since=yesterday-ish")
    assert response.status_code == 400
    assert "not understood" in response.content.decode()


def test_every_state_has_a_tile_of_its_own(owner_client, owner):
    done = many_jobs(owner, 1, kind="video", model="viduq2-pro")[0]
    done.params = {"seed": 77, "duration": 5}
    done.save()
    Output.objects.filter(generation=done).update(content_type="video/mp4")
    running = Generation.objects.create(
        owner=owner, kind="image", model="kling-v2-1", mode="text", status="running", progress=40
    )
    failed = Generation.objects.create(
        owner=owner,
        kind="video",
        model="sora-2",
        mode="text",
        status="failed",
        error_message="The request was blocked by the provider's content filter.",
    )
    page = " ".join(owner_client.get(reverse("studio:gallery")).content.decode().split())

    # Running: a progress bar, and the tile redraws itself.
    tile = reverse("studio:tile", args=[running.pk])
    assert f'hx-get="{tile}"' in page
    assert '<progress max="100" value="40">' in page
    running_tile = owner_client.get(tile).content.decode()
    assert 'class="tile tile--running"' in running_tile and "on the way" in running_tile
    # Failed: the reason, in the tile itself.
    assert f'id="tile-{failed.pk}"' in page
    assert '<strong>Failed</strong> <span class="tile__reason">The request was blocked' in page
    # Done: opens in the lightbox, with the seed to reuse; times read as people say them.
    assert "data-lightbox" in page and "data-video" in page
    assert "seed 77" in page and "&amp;seed=77" in page
    assert "just now" in page and "Vidu Q2 Pro" in page and "viduq2-pro<" not in page


def test_an_empty_gallery_teaches_and_a_filtered_one_says_why(owner_client, owner):
    empty = owner_client.get(reverse("studio:gallery")).content.decode()
    assert "Your gallery is empty." in empty and 'class="examples"' in empty
    many_jobs(owner, 1)
    none = owner_client.get(reverse("studio:gallery") + "?kind=video").content.decode()
    assert "No jobs match these filters." in none and 'class="examples"' not in none


def test_the_model_filter_names_models_in_words(owner_client, owner):
    many_jobs(owner, 1, model="bytedance/doubao-seedance-2-0-260128", kind="video")
    page = owner_client.get(reverse("studio:gallery")).content.decode()
    assert '<option value="bytedance/doubao-seedance-2-0-260128">Seedance 2.0</option>' in page
