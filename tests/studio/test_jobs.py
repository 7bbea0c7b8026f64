"""Jobs end to end: the form, the worker, the simulator over its HTTP interface, storage."""

import io

import av
import pytest
from django.urls import reverse
from PIL import Image

from playground.simulator.app import application as simulator
from playground.studio import services
from playground.studio.models import Generation
from tests.studio.factories import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def create(client, **fields):
    data = {"mode": "text", **fields}
    return client.post(reverse("studio:create"), data)


def finished(generation_id):
    return lambda: not Generation.objects.get(pk=generation_id).is_active


def submits(path_prefix):
    return [
        r for r in simulator.received if r["method"] == "POST" and r["path"].startswith(path_prefix)
    ]


def test_a_video_job_is_submitted_once_polled_and_stored(owner_client, run_tasks):
    response = create(
        owner_client,
        model="video:kling-v2-5-turbo",
        prompt="a paper boat on a river [sim job=0.6]",
        opt_duration="5",
    )
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert generation.status == Generation.Status.PENDING
    run_tasks(finished(generation.pk))

    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    assert generation.polls >= 1
    assert len(submits("/v1/videos")) == 1
    output = generation.outputs.get()
    assert output.content_type == "video/mp4"
    assert output.duration and output.duration > 0.5
    with output.file.open("rb") as stored, av.open(stored) as container:
        assert container.streams.video
    assert output.preview  # the poster frame

    page = owner_client.get(reverse("studio:generation", args=[generation.pk])).content.decode()
    assert reverse("studio:output-file", args=[output.pk]) in page
    assert "<video" in page
    video = owner_client.get(reverse("studio:output-file", args=[output.pk]))
    assert video["Content-Type"] == "video/mp4"


def test_an_image_to_image_job_sends_the_uploaded_reference(owner_client, run_tasks):
    upload = io.BytesIO(png_bytes())
    upload.name = "mine.png"
    response = owner_client.post(
        reverse("studio:create"),
        {
            "model": "image:kling-v2-1",
            "mode": "image",
            "prompt": "the same, in watercolour [sim job=0.3]",
            "image__files": upload,
        },
    )
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert generation.inputs.get().file  # stored as a file, not inside a row
    run_tasks(finished(generation.pk))
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    sent = submits("/v1/images/generations")[0]["json"]
    assert "data:image/png;base64," in str(sent) or str(sent).count("iVBOR") == 1
    with generation.outputs.first().file.open("rb") as stored:
        assert Image.open(stored).format == "PNG"


def test_a_synchronous_gemini_image_is_stored_without_polling(owner_client, run_tasks):
    create(owner_client, model="image:gemini-2.5-flash-image", prompt="a teapot [sim job=0]")
    generation = Generation.objects.get()
    run_tasks(finished(generation.pk))
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    assert generation.polls == 0
    assert generation.outputs.get().content_type == "image/png"


def test_submitting_twice_never_bills_twice(owner_client, run_tasks):
    create(owner_client, model="video:sora-2", prompt="waves [sim job=0.3]")
    generation = Generation.objects.get()
    services.generation_submit(generation_id=generation.pk)
    services.generation_submit(generation_id=generation.pk)  # a duplicate task, say
    run_tasks(finished(generation.pk))
    assert len(submits("/v1/videos")) == 1


@pytest.mark.parametrize(
    ("knob", "status", "words"),
    [
        ("fail=moderation", Generation.Status.FAILED, "content"),
        ("fail=error", Generation.Status.FAILED, ""),
        ("expired", Generation.Status.EXPIRED, "expired"),
    ],
)
def test_failures_end_with_a_reason_in_plain_words(owner_client, run_tasks, knob, status, words):
    create(owner_client, model="video:kling-v2-5-turbo", prompt=f"a storm [sim job=0.3 {knob}]")
    generation = Generation.objects.get()
    run_tasks(finished(generation.pk))
    generation.refresh_from_db()
    assert generation.status == status
    assert generation.error_message
    assert words in generation.error_message.lower()
    assert len(submits("/v1/videos")) == 1  # a failed job is not re-submitted by itself
    card = owner_client.get(reverse("studio:card", args=[generation.pk])).content.decode()
    assert "hx-trigger" not in card  # finished: the card stops polling


@pytest.mark.parametrize(("code", "words"), [(401, "key"), (402, "balance"), (429, "")])
def test_upstream_errors_at_submit_are_explained(owner_client, run_tasks, code, words, settings):
    settings.NEXCONN_MAX_RETRIES = 0
    create(owner_client, model="video:sora-2", prompt=f"a cat [sim error={code}]")
    generation = Generation.objects.get()
    run_tasks(finished(generation.pk))
    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED
    assert words in generation.error_message.lower()
    assert "Traceback" not in generation.error_message


def test_a_job_that_never_ends_times_out(owner_client, run_tasks, settings):
    settings.STUDIO_JOB_TIMEOUT_SECONDS = 0
    create(owner_client, model="video:sora-2", prompt="slow [sim job=60]")
    generation = Generation.objects.get()
    run_tasks(finished(generation.pk))
    generation.refresh_from_db()
    assert generation.status == Generation.Status.TIMED_OUT
    assert "did not finish" in generation.error_message


def test_progress_is_recorded_while_running(owner_client, run_tasks):
    create(owner_client, model="video:sora-2", prompt="a slow pan [sim job=1.5 queue=0]")
    generation = Generation.objects.get()
    seen = set()

    def record():
        generation.refresh_from_db()
        if generation.progress is not None and generation.is_active:
            seen.add(generation.progress)
        return not generation.is_active

    run_tasks(record)
    assert generation.status == Generation.Status.SUCCEEDED
    assert any(0 < value < 100 for value in seen), seen


def test_sora_remix_starts_a_new_job_from_the_finished_one(owner_client, run_tasks):
    create(owner_client, model="video:sora-2", prompt="a beach [sim job=0.3]")
    source = Generation.objects.get()
    run_tasks(finished(source.pk))
    response = owner_client.post(
        reverse("studio:remix", args=[source.pk]), {"prompt": "now at night [sim job=0.3]"}
    )
    assert response.status_code == 302
    remix = Generation.objects.exclude(pk=source.pk).get()
    assert remix.remix_of == source
    run_tasks(finished(remix.pk))
    remix.refresh_from_db()
    assert remix.status == Generation.Status.SUCCEEDED, remix.error_message
    source.refresh_from_db()
    assert any(r["path"] == f"/v1/videos/{source.upstream_task_id}/remix" for r in submits("/v1"))


def test_bad_input_gets_a_400_with_the_form_kept(owner_client):
    response = create(
        owner_client, model="video:kling-v2-5-turbo", prompt="keep me", opt_duration="99"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "keep me" in page
    assert 'aria-invalid="true"' in page or "field__error" in page
    assert not Generation.objects.exists()


def test_an_unknown_model_or_a_missing_reference_is_refused(owner_client):
    assert create(owner_client, model="video:nope", prompt="x").status_code == 400
    response = owner_client.post(
        reverse("studio:create"), {"model": "image:kling-v2-new", "mode": "image", "prompt": "x"}
    )
    assert response.status_code == 400
    assert not Generation.objects.exists()


def test_a_non_image_upload_is_refused_with_its_name(owner_client):
    upload = io.BytesIO(b"%PDF-1.4 not an image")
    upload.name = "notes.pdf"
    response = owner_client.post(
        reverse("studio:create"),
        {"model": "image:kling-v2-1", "mode": "image", "prompt": "x", "image__files": upload},
    )
    assert response.status_code == 400
    assert "notes.pdf" in response.content.decode()
