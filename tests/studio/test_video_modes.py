"""The seed's video modes in the studio: the form a non-coder fills, and each mode's job run to
the end in demo mode (the simulator over HTTP), with the request the documented API expects."""

import io

import pytest
from django.urls import reverse

from playground.simulator.app import application as simulator
from playground.studio.models import Generation
from tests.studio.factories import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

PICTURE = "https://example.com/host.png"
CLIP = "https://example.com/dance.mp4"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name="mine.png"):
    data = io.BytesIO(png_bytes())
    data.name = name
    return data


def last_submit(path_prefix):
    sent = [
        r for r in simulator.received if r["method"] == "POST" and r["path"].startswith(path_prefix)
    ]
    assert len(sent) == 1
    return sent[0]


def run_job(client, run_tasks, fields):
    response = client.post(reverse("studio:create"), fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    generation = Generation.objects.get()
    run_tasks(lambda: not Generation.objects.get(pk=generation.pk).is_active)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    assert generation.outputs.get().content_type == "video/mp4"
    return generation


def test_vidu_subjects_with_speech_run_to_done(owner_client, run_tasks):
    generation = run_job(
        owner_client,
        run_tasks,
        {
            "model": "video:viduq2",
            "mode": "subjects",
            "prompt": "@host says 'welcome', @dog barks [sim job=0.3]",
            "opt_subject_1_id": "host",
            "subject_1__files": upload(),
            "opt_subject_2_id": "dog",
            "opt_subject_2_voice_id": "voice-7",
            "subject_2__urls": f"{PICTURE}\nhttps://example.com/dog.png",
            "opt_audio": "on",
            "opt_resolution": "560p",
            "opt_duration": "8",
        },
    )
    sent = last_submit("/queue/fal-ai/vidu/q2/reference-to-video")["json"]
    assert sent["audio"] is True
    assert (sent["resolution"], sent["duration"], sent["bgm"]) == ("560p", 8, False)
    host, dog = sent["subjects"]
    assert host["id"] == "host" and host["voice_id"] == ""
    assert host["images"][0].startswith("data:image/png;base64,")
    assert dog == {
        "id": "dog",
        "images": [PICTURE, "https://example.com/dog.png"],
        "voice_id": "voice-7",
    }
    page = owner_client.get(reverse("studio:generation", args=[generation.pk])).content.decode()
    assert "Subject 2 voice id" in page  # the stored settings read as labels


def test_vidu_q1_subjects_use_the_q1_route(owner_client, run_tasks):
    run_job(
        owner_client,
        run_tasks,
        {
            "model": "video:viduq1",
            "mode": "subjects",
            "prompt": "@cat sleeps [sim job=0.2]",
            "opt_subject_1_id": "cat",
            "subject_1__urls": PICTURE,
        },
    )
    sent = last_submit("/queue/fal-ai/vidu/q1/reference-to-video")["json"]
    assert sent["subjects"] == [{"id": "cat", "images": [PICTURE], "voice_id": ""}]


def test_kling_motion_control_runs_to_done(owner_client, run_tasks):
    run_job(
        owner_client,
        run_tasks,
        {
            "model": "video:kling-v2-6",
            "mode": "motion_control",
            "prompt": "[sim job=0.3]",
            "character__files": upload(),
            "motion__urls": CLIP,
            "opt_character_orientation": "video",
            "opt_keep_original_sound": "on",
        },
    )
    sent = last_submit("/v1/videos")["json"]
    assert sent["model"] == "kling-v2-6"
    assert sent["video_url"] == CLIP
    assert sent["image_url"].startswith("data:image/png;base64,")
    assert (sent["character_orientation"], sent["keep_original_sound"]) == ("video", "yes")
    assert "seconds" not in sent and "size" not in sent


@pytest.mark.parametrize("model", ["kling-video-o1", "kling-v3-omni"])
def test_kling_reference_video_runs_to_done(owner_client, run_tasks, model):
    run_job(
        owner_client,
        run_tasks,
        {
            "model": f"video:{model}",
            "mode": "video_reference",
            "prompt": "add a puppy to the scene [sim job=0.3]",
            "video__urls": CLIP,
            "reference__urls": PICTURE,
            "opt_refer_type": "base",
        },
    )
    sent = last_submit("/v1/videos")["json"]
    assert sent["video_list"] == [
        {"video_url": CLIP, "refer_type": "base", "keep_original_sound": "no"}
    ]
    assert sent["image_list"] == [{"image": PICTURE}]
    assert "sound" not in sent


@pytest.mark.parametrize(
    ("model", "prompt"), [("kling-v3", "a day in town"), ("kling-v3-omni", "")]
)
def test_kling_multi_shot_runs_to_done(owner_client, run_tasks, model, prompt):
    run_job(
        owner_client,
        run_tasks,
        {
            "model": f"video:{model}",
            "mode": "multi_shot",
            "prompt": f"{prompt} [sim job=0.3]",
            "opt_duration": "7",
            "opt_shot_1_prompt": "morning sun on the sill",
            "opt_shot_1_duration": "3",
            "opt_shot_3_prompt": "neon at night",
            "opt_shot_3_duration": "4",
        },
    )
    sent = last_submit("/v1/videos")["json"]
    assert (sent["multi_shot"], sent["shot_type"], sent["seconds"]) == (True, "customize", "7")
    assert sent["multi_prompt"] == [
        {"index": 1, "prompt": "morning sun on the sill", "duration": "3"},
        {"index": 2, "prompt": "neon at night", "duration": "4"},
    ]


@pytest.mark.parametrize("tier", ["pro", "turbo"])
def test_vidu_q2_pro_and_turbo_first_and_last_frames_use_their_own_route(
    owner_client, run_tasks, tier
):
    run_job(
        owner_client,
        run_tasks,
        {
            "model": f"video:viduq2-{tier}",
            "mode": "first_last",
            "prompt": "[sim job=0.2]",
            "first_frame__urls": PICTURE,
            "last_frame__urls": "https://example.com/end.png",
        },
    )
    sent = last_submit(f"/queue/fal-ai/vidu/q2/image-to-video/{tier}")["json"]
    assert (sent["image_url"], sent["end_image_url"]) == (PICTURE, "https://example.com/end.png")


def test_the_subjects_form_shows_seven_blocks_with_the_first_open(owner_client):
    page = owner_client.get(
        reverse("studio:options"), {"model": "video:viduq1", "mode": "subjects"}
    ).content.decode()
    assert page.count('class="group__block"') == 7
    assert page.count('class="group__block" open') == 1
    for index in (1, 7):
        assert f'name="opt_subject_{index}_id"' in page
        assert f'name="opt_subject_{index}_voice_id"' in page
        assert f'name="subject_{index}__files"' in page
        assert f'name="subject_{index}__urls"' in page
    assert 'name="opt_audio"' in page
    assert 'name="opt_watermark"' not in page


def test_a_bad_subjects_form_comes_back_with_messages_in_place(owner_client):
    response = owner_client.post(
        reverse("studio:create"),
        {
            "model": "video:viduq2",
            "mode": "subjects",
            "prompt": "@host waves",
            "opt_subject_1_id": "the host",
            "subject_1__urls": PICTURE,
            "opt_subject_3_voice_id": "voice-7",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Subject 1 name must be one word" in page
    assert "Subject 3 name is required." in page
    assert "Add the pictures of subject 3." in page
    assert 'value="voice-7"' in page  # what was typed stays
    assert page.count('class="group__block" open') == 2  # the blocks with errors are open
    assert not Generation.objects.exists()


def test_a_movement_video_must_be_a_link(owner_client):
    response = owner_client.post(
        reverse("studio:create"),
        {
            "model": "video:kling-v2-6",
            "mode": "motion_control",
            "character__urls": PICTURE,
            "motion__urls": "not a link",
        },
    )
    assert response.status_code == 400
    assert "is not an http(s) link" in response.content.decode()
