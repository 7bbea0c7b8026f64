"""The studio page: options follow the model, earlier settings and results can be reused,
and jobs a stopped worker left behind are put right."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from playground.studio.models import Generation
from tests.studio.factories import finished_generation

pytestmark = pytest.mark.django_db


def checked(page: str, name: str, value: str) -> bool:
    """Whether the radio button or checkbox `name=value` is ticked in the page."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    return False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_options_are_the_chosen_models_own(owner_client):
    video = owner_client.get(
        reverse("studio:options"), {"model": "video:kling-v2-5-turbo"}
    ).content.decode()
    assert 'name="opt_duration"' in video
    assert 'name="opt_image_fidelity"' not in video
    text = owner_client.get(reverse("studio:options"), {"model": "image:kling-v1"}).content.decode()
    assert 'name="opt_duration"' not in text
    assert 'name="opt_image_fidelity"' not in text  # only for image-to-image
    image = owner_client.get(
        reverse("studio:options"), {"model": "image:kling-v1", "mode": "image"}
    ).content.decode()
    assert 'name="opt_image_fidelity"' in image
    # Every option explains itself in a line.
    assert video.count('class="field__help" id="help-') >= 3


def test_switching_mode_shows_the_image_slots_and_keeps_typed_values(owner_client):
    page = owner_client.get(
        reverse("studio:options"),
        {"model": "video:kling-v2-5-turbo", "mode": "first_last", "opt_negative_prompt": "blur"},
    ).content.decode()
    assert 'name="first_frame__files"' in page
    assert 'name="last_frame__files"' in page
    assert 'value="blur"' in page


def test_use_these_settings_again_fills_the_form(owner_client, owner):
    generation, _, _ = finished_generation(owner=owner, prompt="a lighthouse at dusk")
    page = owner_client.get(reverse("studio:studio"), {"from": generation.pk}).content.decode()
    assert "a lighthouse at dusk</textarea>" in page
    assert 'value="image:kling-v2-1" selected' in page
    assert checked(page, "opt_aspect_ratio", "16:9")


def test_an_image_can_become_the_first_frame_of_a_video(owner_client, owner):
    _, output, _ = finished_generation(owner=owner)
    page = owner_client.get(
        reverse("studio:studio"), {"model": "video:kling-v2-5-turbo", "ref": output.pk}
    ).content.decode()
    assert f'value="{output.pk}"' in page  # the hidden reference to the stored image
    assert reverse("studio:output-preview", args=[output.pk]) in page
    assert checked(page, "mode", "image")


def test_a_job_nobody_picked_up_says_the_worker_may_be_missing(owner_client, owner):
    job = Generation.objects.create(owner=owner, kind="image", model="kling-v1", mode="text")
    Generation.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    card = owner_client.get(reverse("studio:card", args=[job.pk])).content.decode()
    assert "db_worker" in card
    assert "hx-trigger" in card  # and it keeps checking


def test_a_job_lost_while_submitting_is_failed_not_resent(owner_client, owner):
    job = Generation.objects.create(
        owner=owner, kind="video", model="sora-2", mode="text", status="submitting"
    )
    Generation.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    owner_client.get(reverse("studio:studio"))
    job.refresh_from_db()
    assert job.status == Generation.Status.FAILED
    assert "not sent again" in job.error_message


def test_a_job_lost_while_saving_is_polled_again(owner_client, owner):
    from django_tasks_db.models import DBTaskResult

    job = Generation.objects.create(
        owner=owner,
        kind="video",
        model="sora-2",
        mode="text",
        status="saving",
        upstream_task_id="abc",
        polls=3,
    )
    Generation.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    owner_client.get(reverse("studio:studio"))
    job.refresh_from_db()
    assert job.status == Generation.Status.RUNNING
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("poll_generation") and task.args_kwargs["args"] == [job.pk, 3]
