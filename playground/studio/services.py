"""Writes for the studio: creating jobs, submitting them once, polling, storing results.

A generation is a billed upstream task. It is submitted exactly once: the submit step claims
the row (pending → submitting) before calling the upstream, so a task that runs twice, or a
worker that dies half-way, never pays twice. Polls re-enqueue themselves with backoff instead
of sleeping in the worker, and each poll claims its attempt number so only one chain runs.
"""

import base64
import datetime as dt
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from playground.accounts import keys
from playground.core import downloads
from playground.core.files import delete_unreferenced_files
from playground.core.jobs import call_upstream, poll_later
from playground.core.redaction import redact, redacting
from playground.nexconn.errors import NexconnError
from playground.nexconn.media import jobs
from playground.nexconn.media.catalog import MediaModel, media_model
from playground.nexconn.media.status import TaskStatus
from playground.studio import previews
from playground.studio.models import Generation, InputImage, Output
from playground.usage import budgets, records

logger = logging.getLogger(__name__)

_MAX_POLL_FAILURES = 8  # consecutive retryable poll errors before a job is given up on
_FINAL_STATES = {
    "failed": Generation.Status.FAILED,
    "cancelled": Generation.Status.CANCELLED,
    "expired": Generation.Status.EXPIRED,
}


@dataclass
class InputSpec:
    """One reference image from the form: an upload, a URL, or one of the user's results."""

    slot: str
    position: int
    upload: UploadedFile | None = None
    url: str = ""
    output: Output | None = None


def generation_create(
    *,
    user,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: dict,
    inputs: list[InputSpec],
    remix_of: Generation | None = None,
    team=None,
) -> Generation:
    """Store the job and its reference images, and enqueue its submission. `team`: the
    comparison's team, for a comparison's job. Raises NoPayingKey (nothing stored) when no
    key may pay for it."""
    from playground.studio.tasks import submit_generation

    paying = keys.paying_key_for(user=user, team=team)
    with transaction.atomic():
        generation = Generation(
            owner=user,
            kind=model.kind,
            model=model.id,
            mode=mode,
            prompt=prompt,
            params=params,
            remix_of=remix_of,
        )
        keys.record_on(generation, paying)
        generation.save(force_insert=True)
        budgets.admit_generation(generation=generation, media_model=model)  # or roll back
        for spec in inputs:
            _input_create(generation=generation, spec=spec)
        submit_generation.enqueue(generation.pk)
    return generation


@dataclass
class Result:
    """A finished result to keep: its file (open, at its start), type, size and link."""

    file: File
    content_type: str
    size: int
    source_url: str = ""


def generation_import(
    *, user, kind: str, model: str, mode: str, prompt: str, params: dict, results: list[Result]
) -> Generation:
    """Keep results made elsewhere (the API explorer) in the user's gallery, as a finished
    job. They were paid for and counted where they were made, so no usage row is written.
    Raises previews.MediaError when a file is not an image or video we can show."""
    with transaction.atomic():
        generation = Generation.objects.create(
            owner=user,
            kind=kind,
            model=model,
            mode=mode,
            prompt=prompt,
            params=params,
            status=Generation.Status.SUCCEEDED,
            finished_at=timezone.now(),
        )
        for position, result in enumerate(results):
            _output_save(
                generation,
                position=position,
                file=result.file,
                content_type=result.content_type,
                size=result.size,
                source_url=result.source_url,
            )
    return generation


def _input_create(*, generation: Generation, spec: InputSpec) -> InputImage:
    item = InputImage(generation=generation, slot=spec.slot, position=spec.position)
    if spec.upload is not None:
        item.content_type = spec.upload.content_type or ""
        item.file.save(spec.upload.name or "upload", spec.upload, save=False)
    elif spec.output is not None:
        # A copy, so deleting the earlier result does not break this job's record.
        item.content_type = spec.output.content_type
        with spec.output.file.open("rb") as source:
            item.file.save(spec.output.file.name, ContentFile(source.read()), save=False)
    else:
        item.url = spec.url
    item.save()
    return item


def generation_delete(*, generation: Generation) -> None:
    if generation.is_active:
        generation.status = Generation.Status.CANCELLED
        generation.error_kind = "deleted"
        records.generation_ended(generation=generation)
    files = [
        field
        for output in generation.outputs.all()
        for field in (output.file, output.preview)
        if field
    ] + [item.file for item in generation.inputs.all() if item.file]
    generation.delete()
    delete_unreferenced_files(files)


# Submitting takes seconds and saving a few minutes at most; a job still there after this
# long was dropped by a worker that stopped half-way.
_LOST_SUBMIT_AFTER = dt.timedelta(minutes=10)
_LOST_SAVE_AFTER = dt.timedelta(minutes=30)


def generations_recover(*, user) -> None:
    """Put right the user's jobs that a stopped worker left half-way.

    A job lost while being submitted is not sent again: the provider may have taken it, and
    paying twice is worse than asking the user to press Generate again. A job lost while its
    results were being saved is simply polled again (polling is free).
    """
    now = timezone.now()
    lost = Generation.objects.filter(
        owner=user, status=Generation.Status.SUBMITTING, created_at__lt=now - _LOST_SUBMIT_AFTER
    )
    lost_ids = list(lost.values_list("pk", flat=True))
    lost.update(
        status=Generation.Status.FAILED,
        error_kind="lost",
        error_message=(
            "The worker stopped while sending this job, so it was not sent again (to avoid "
            "paying twice). Use these settings again to retry."
        ),
        finished_at=now,
    )
    for generation in Generation.objects.filter(pk__in=lost_ids):
        records.generation_ended(generation=generation)
    stuck = Generation.objects.filter(
        owner=user, status=Generation.Status.SAVING, created_at__lt=now - _LOST_SAVE_AFTER
    )
    for generation in stuck:
        for output in generation.outputs.all():
            output.file.delete(save=False)
            output.preview.delete(save=False)
            output.delete()
        generation.status = Generation.Status.RUNNING
        generation.save(update_fields=["status"])
        _schedule_poll(generation)


# --- the worker side -------------------------------------------------------------------


def _input_references(generation: Generation) -> dict[str, list[str]]:
    """slot → images as the upstream takes them: stored uploads become data URLs."""
    references: dict[str, list[str]] = {}
    for item in generation.inputs.all():
        if item.file:
            with item.file.open("rb") as source:
                encoded = base64.b64encode(source.read()).decode("ascii")
            reference = f"data:{item.content_type or 'image/png'};base64,{encoded}"
        else:
            reference = item.url
        references.setdefault(item.slot, []).append(reference)
    return references


def generation_submit(*, generation_id: int) -> None:
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.PENDING).update(
        status=Generation.Status.SUBMITTING
    )
    if not claimed:
        return  # already submitted (or deleted): never submit a paid job twice
    generation = Generation.objects.select_related("paying_key").get(pk=generation_id)
    model = media_model(generation.model, kind=generation.kind)
    if model is None:
        _finish(generation, Generation.Status.FAILED, message="This model is no longer offered.")
        return
    if (api_key := _key_or_fail(generation)) is not False:
        with redacting(api_key):
            _submit(generation, model, api_key)


def _key_or_fail(generation: Generation) -> str | bool | None:
    """The stored key that pays for the job (None: the instance's); False when it can no
    longer be used, the job then failed with the reason."""
    try:
        return keys.key_for_work(generation)
    except NexconnError as error:
        _finish(
            generation, Generation.Status.FAILED, kind=error.kind, message=error.message_for_user
        )
        return False


def _submit(generation: Generation, model, api_key: str | None) -> None:
    try:
        if generation.remix_of_id:
            source_task = generation.remix_of.upstream_task_id
            status = call_upstream(
                lambda client: jobs.remix(
                    client, model=model, task_id=source_task, prompt=generation.prompt
                ),
                api_key=api_key,
            )
        else:
            references = _input_references(generation)
            status = call_upstream(
                lambda client: jobs.submit(
                    client,
                    model=model,
                    mode=generation.mode,
                    prompt=generation.prompt,
                    params=generation.params,
                    inputs=references,
                ),
                api_key=api_key,
            )
    except NexconnError as error:
        _finish(
            generation,
            Generation.Status.FAILED,
            kind=error.kind,
            message=error.message_for_user,
        )
        return
    generation.upstream_task_id = status.task_id or ""
    generation.submitted_at = timezone.now()
    generation.save(update_fields=["upstream_task_id", "submitted_at"])
    _apply(generation, status)


def generation_poll(*, generation_id: int, attempt: int) -> None:
    claimed = Generation.objects.filter(
        pk=generation_id,
        polls=attempt,
        status__in=(Generation.Status.QUEUED, Generation.Status.RUNNING),
    ).update(polls=attempt + 1)
    if not claimed:
        return  # finished, deleted, or another poll already took this turn
    generation = Generation.objects.select_related("paying_key").get(pk=generation_id)
    if timezone.now() - generation.created_at > dt.timedelta(
        seconds=settings.STUDIO_JOB_TIMEOUT_SECONDS
    ):
        minutes = settings.STUDIO_JOB_TIMEOUT_SECONDS // 60
        _finish(
            generation,
            Generation.Status.TIMED_OUT,
            message=f"The job did not finish within {minutes} minutes, so it was given up on.",
        )
        return
    model = media_model(generation.model, kind=generation.kind)
    if model is None:
        _finish(generation, Generation.Status.FAILED, message="This model is no longer offered.")
        return
    if (api_key := _key_or_fail(generation)) is not False:
        with redacting(api_key):
            _poll(generation, model, api_key)


def _poll(generation: Generation, model, api_key: str | None) -> None:
    try:
        status = call_upstream(
            lambda client: jobs.poll(client, model=model, task_id=generation.upstream_task_id),
            api_key=api_key,
        )
    except NexconnError as error:
        if error.retryable and generation.poll_failures < _MAX_POLL_FAILURES:
            generation.poll_failures += 1
            generation.save(update_fields=["poll_failures"])
            _schedule_poll(generation)
            return
        _finish(
            generation, Generation.Status.FAILED, kind=error.kind, message=error.message_for_user
        )
        return
    if generation.poll_failures:
        generation.poll_failures = 0
        generation.save(update_fields=["poll_failures"])
    _apply(generation, status)


def _apply(generation: Generation, status: TaskStatus) -> None:
    """Move the job to what the upstream says, and store the results when it is done."""
    generation.upstream_status = redact(status.raw_status)[:64]
    if status.state == "succeeded":
        generation.status = Generation.Status.SAVING
        generation.progress = 100
        generation.save(update_fields=["status", "progress", "upstream_status"])
        _store_outputs(generation, status)
    elif status.state in _FINAL_STATES:
        generation.save(update_fields=["upstream_status"])
        _finish(
            generation,
            _FINAL_STATES[status.state],
            kind="upstream",
            message=status.error or "The provider reported that the job failed.",
        )
    else:
        generation.status = (
            Generation.Status.QUEUED if status.state == "queued" else Generation.Status.RUNNING
        )
        if status.progress is not None:
            generation.progress = max(0, min(100, status.progress))
        generation.save(update_fields=["status", "progress", "upstream_status"])
        _schedule_poll(generation)


def _schedule_poll(generation: Generation) -> None:
    from playground.studio.tasks import poll_generation

    poll_later(
        poll_generation,
        generation.pk,
        generation.polls,
        step=generation.polls,
        first_seconds=settings.STUDIO_POLL_FIRST_SECONDS,
        max_seconds=settings.STUDIO_POLL_MAX_SECONDS,
    )


def _store_outputs(generation: Generation, status: TaskStatus) -> None:
    max_bytes = settings.MEDIA_MAX_DOWNLOAD_MB * 1024 * 1024
    try:
        for position, result in enumerate(status.outputs):
            if result.data is not None:
                _output_save(
                    generation,
                    position=position,
                    file=ContentFile(result.data),
                    content_type=downloads.sniff_content_type(result.data[:16]) or "",
                    size=len(result.data),
                    source_url="",
                )
                continue
            fetched = async_to_sync(downloads.download)(result.url or "", max_bytes=max_bytes)
            with fetched.file:
                _output_save(
                    generation,
                    position=position,
                    file=File(fetched.file),
                    content_type=fetched.content_type,
                    size=fetched.size,
                    source_url=result.url or "",
                )
    except downloads.DownloadError as error:
        state = Generation.Status.EXPIRED if error.expired else Generation.Status.FAILED
        _finish(generation, state, kind="download", message=error.message)
        return
    except previews.MediaError as error:
        _finish(generation, Generation.Status.FAILED, kind="download", message=str(error))
        return
    _finish(generation, Generation.Status.SUCCEEDED)


def _output_save(
    generation: Generation,
    *,
    position: int,
    file: File,
    content_type: str,
    size: int,
    source_url: str,
) -> Output:
    if not content_type:
        raise previews.MediaError("The result is not an image or video this app can store.")
    is_video = content_type.startswith("video/")
    preview = (previews.video_preview if is_video else previews.image_preview)(file)
    file.seek(0)
    output = Output(
        generation=generation,
        position=position,
        content_type=content_type,
        size=size,
        width=preview.width,
        height=preview.height,
        duration=preview.duration,
        source_url=redact(source_url)[:2000],
    )
    extension = content_type.split("/", 1)[1].replace("jpeg", "jpg")
    output.file.save(f"result.{extension}", file, save=False)
    output.preview.save("preview.webp", ContentFile(preview.data), save=False)
    output.save()
    return output


def _finish(generation: Generation, status: str, *, kind: str = "", message: str = "") -> None:
    generation.status = status
    generation.error_kind = kind
    generation.error_message = redact(message)  # the provider's own words may echo the key
    generation.finished_at = timezone.now()
    generation.save(update_fields=["status", "error_kind", "error_message", "finished_at"])
    records.generation_ended(generation=generation)
