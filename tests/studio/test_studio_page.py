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


def ticked(page: str, name: str) -> bool:
    """Whether the checkbox `name` is ticked; it must send "on" when it is (the default)."""
    (tag,) = [t for t in re.findall(r"<input[^>]*>", page) if 'type="checkbox"' in t and name in t]
    assert "value=" not in tag, tag
    return " checked" in tag


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


# --- switching the mode changes nothing else -------------------------------------------


def test_a_switch_left_off_stays_off_when_the_mode_changes(owner_client):
    """The form posts "false" before each box; redrawn for another mode, that must not
    tick it (it once ticked Vidu Q2 Pro's Watermark on “First and last frame”)."""
    options = reverse("studio:options")
    off = owner_client.get(
        options, {"model": "video:viduq2-pro", "mode": "first_last", "opt_watermark": "false"}
    ).content.decode()
    assert not ticked(off, "opt_watermark")
    on = owner_client.get(
        options + "?model=video:viduq2-pro&mode=first_last&opt_watermark=false&opt_watermark=on"
    ).content.decode()
    assert ticked(on, "opt_watermark")


def test_what_a_mode_does_not_use_is_kept_for_when_it_comes_back(owner_client):
    """“Sound and speech” exists only for Vidu Q2 Pro's image mode: ticked there, it waits in
    a hidden field through “First and last frame” and is ticked again on the way back."""
    options = reverse("studio:options")
    away = owner_client.get(
        options
        + "?model=video:viduq2-pro&mode=first_last&opt_audio=false&opt_audio=on&opt_duration=7"
    ).content.decode()
    assert '<input type="hidden" name="opt_audio" value="on">' in away
    assert 'name="opt_duration" value="7"' in away
    back = owner_client.get(
        options + "?model=video:viduq2-pro&mode=image&opt_audio=on&opt_duration=7"
    ).content.decode()
    assert ticked(back, "opt_audio")


def test_an_option_the_mode_decides_is_shown_as_decided(owner_client):
    page = owner_client.get(
        reverse("studio:options"),
        {"model": "video:kling-v2-1", "mode": "first_last", "opt_quality": "std"},
    ).content.decode()
    assert "Pro (1080p)" in page and "Always so for “First and last frame”" in page
    assert '<input type="hidden" name="opt_quality" value="std">' in page  # the user's own


# --- seeds -----------------------------------------------------------------------------


def test_a_blank_seed_is_drawn_shown_and_reusable(owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = owner_client.post(
        reverse("studio:create"),
        {"model": "video:bytedance/doubao-seedance-2-0-260128", "mode": "text", "prompt": "a fox"},
    )
    assert response.status_code == 302
    generation = Generation.objects.get()
    seed = generation.params["seed"]
    assert isinstance(seed, int) and seed >= 1
    page = owner_client.get(reverse("studio:generation", args=[generation.pk])).content.decode()
    assert f"&amp;seed={seed}" in page and "Same seed, new prompt" in page
    again = owner_client.get(
        reverse("studio:studio"),
        {"model": "video:bytedance/doubao-seedance-2-0-260128", "mode": "text", "seed": seed},
    ).content.decode()
    assert f'name="opt_seed" value="{seed}"' in again


def test_a_model_without_a_seed_gets_none(owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner_client.post(
        reverse("studio:create"),
        {"model": "image:kling-v2-1", "mode": "text", "prompt": "a fox"},
    )
    generation = Generation.objects.get()
    assert "seed" not in generation.params
    page = owner_client.get(reverse("studio:generation", args=[generation.pk])).content.decode()
    assert "Same seed" not in page


# --- long jobs -------------------------------------------------------------------------


def test_a_running_job_says_how_long_so_far_and_how_long_the_model_usually_takes(
    owner_client, owner, other_user
):
    now = timezone.now()
    for seconds, user in ((100, owner), (120, other_user), (140, other_user)):
        Generation.objects.create(
            owner=user,
            kind="video",
            model="sora-2",
            mode="text",
            status=Generation.Status.SUCCEEDED,
            finished_at=now,
        )
        Generation.objects.filter(pk=Generation.objects.latest("pk").pk).update(
            created_at=now - dt.timedelta(seconds=seconds)
        )
    job = Generation.objects.create(
        owner=owner, kind="video", model="sora-2", mode="text", status="running", progress=30
    )
    Generation.objects.filter(pk=job.pk).update(created_at=now - dt.timedelta(seconds=65))
    card = owner_client.get(reverse("studio:card", args=[job.pk])).content.decode()
    card = " ".join(card.split())
    assert "1 min 05 s</span> so far · usually about 2 min" in card
    assert 'data-progress="30"' in card  # for the tab's title


# --- the first visit -------------------------------------------------------------------


def test_the_first_visit_offers_examples_made_in_one_click_in_demo_mode(
    owner_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page = owner_client.get(reverse("studio:studio")).content.decode()
    assert "Nothing yet." in page
    assert page.count('class="examples__form"') == 3
    video = page[page.index("A 5-second video") - 1500 : page.index("A 5-second video")]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', video))
    assert fields["prompt"].startswith("A paper boat drifting")
    response = owner_client.post(reverse("studio:create"), fields)  # the click
    assert response.status_code == 302
    assert Generation.objects.get().model == "kling-v2-5-turbo"


def test_with_a_real_key_the_examples_only_fill_the_form(owner_client, settings):
    settings.DEMO_MODE = False
    page = owner_client.get(reverse("studio:studio")).content.decode()
    assert 'class="examples__form"' not in page
    assert "?model=video%3Akling-v2-5-turbo&amp;prompt=A%20paper%20boat" in page
