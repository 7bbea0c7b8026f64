"""Per-family status tables, the shared rules, and plain failure reasons."""

import pytest

from playground.nexconn.media.status import (
    CONTENT_FILTER_MESSAGE,
    FAL_QUEUE_STATES,
    KLING_IMAGE_STATES,
    OPENAI_VIDEO_STATES,
    SEEDANCE_STATES,
    VEO_STATES,
    MediaOutput,
    error_fields,
    failure_reason,
    task_status,
)

VIDEO = (MediaOutput(url="https://cdn.test/1.mp4"),)

TABLE_CASES = [
    # Kling images (docs/api/images.md §3.5)
    (KLING_IMAGE_STATES, "submitted", "queued"),
    (KLING_IMAGE_STATES, "processing", "running"),
    (KLING_IMAGE_STATES, "succeed", "succeeded"),
    (KLING_IMAGE_STATES, "Succeeded", "succeeded"),
    (KLING_IMAGE_STATES, "COMPLETED", "succeeded"),
    (KLING_IMAGE_STATES, "success", "succeeded"),
    (KLING_IMAGE_STATES, "failed", "failed"),
    # Sora and Kling video (docs/api/videos.md §2.1, protocol A)
    (OPENAI_VIDEO_STATES, "initializing", "queued"),
    (OPENAI_VIDEO_STATES, "Queued", "queued"),
    (OPENAI_VIDEO_STATES, "in_progress", "running"),
    (OPENAI_VIDEO_STATES, "downloading", "running"),
    (OPENAI_VIDEO_STATES, "UPLOADING", "running"),
    (OPENAI_VIDEO_STATES, "completed", "succeeded"),
    (OPENAI_VIDEO_STATES, "failed", "failed"),
    (OPENAI_VIDEO_STATES, "cancelled", "cancelled"),
    # Veo: capitalised (protocol B)
    (VEO_STATES, "Initializing", "queued"),
    (VEO_STATES, "Queued", "queued"),
    (VEO_STATES, "Running", "running"),
    (VEO_STATES, "Uploading", "running"),
    (VEO_STATES, "Completed", "succeeded"),
    (VEO_STATES, "completed", "succeeded"),
    (VEO_STATES, "Failed", "failed"),
    (VEO_STATES, "Unknown", "running"),
    # Seedance (protocol C)
    (SEEDANCE_STATES, "queued", "queued"),
    (SEEDANCE_STATES, "running", "running"),
    (SEEDANCE_STATES, "succeeded", "succeeded"),
    (SEEDANCE_STATES, "failed", "failed"),
    (SEEDANCE_STATES, "cancelled", "cancelled"),
    (SEEDANCE_STATES, "Expired", "expired"),
    # fal-style queue: Vidu and kling-image-o1 (protocol D)
    (FAL_QUEUE_STATES, "IN_QUEUE", "queued"),
    (FAL_QUEUE_STATES, "QUEUED", "queued"),
    (FAL_QUEUE_STATES, "IN_PROGRESS", "running"),
    (FAL_QUEUE_STATES, "processing", "running"),
    (FAL_QUEUE_STATES, "RUNNING", "running"),
    (FAL_QUEUE_STATES, "COMPLETED", "succeeded"),
    (FAL_QUEUE_STATES, "FAILED", "failed"),
    (FAL_QUEUE_STATES, "ERROR", "failed"),
    (FAL_QUEUE_STATES, "CANCELED", "cancelled"),
    (FAL_QUEUE_STATES, "Cancelled", "cancelled"),
]


@pytest.mark.parametrize(("table", "raw", "state"), TABLE_CASES, ids=lambda v: str(v)[:20])
def test_status_tables_map_case_insensitively(table, raw, state):
    status = task_status(table, task_id="t", raw_status=f" {raw} ", raw={}, outputs=VIDEO)
    assert status.state == state
    assert status.raw_status == raw


@pytest.mark.parametrize(
    "table",
    [KLING_IMAGE_STATES, OPENAI_VIDEO_STATES, VEO_STATES, SEEDANCE_STATES, FAL_QUEUE_STATES],
)
def test_unknown_values_keep_polling_and_keep_the_raw_value(table):
    status = task_status(table, task_id="t", raw_status="Rendering_Phase_2", raw={"x": 1})
    assert status.state == "running"
    assert status.raw_status == "Rendering_Phase_2"
    assert status.raw == {"x": 1}
    assert status.error is None


def test_a_missing_status_uses_the_callers_default():
    assert task_status(SEEDANCE_STATES, task_id="t", raw_status=None, raw={}).state == "running"
    created = task_status(SEEDANCE_STATES, task_id="t", raw_status="", raw={}, if_missing="queued")
    assert created.state == "queued"


def test_succeeded_without_output_is_still_running():
    status = task_status(OPENAI_VIDEO_STATES, task_id="t", raw_status="completed", raw={})
    assert status.state == "running"
    assert status.raw_status == "completed"
    done = task_status(
        OPENAI_VIDEO_STATES, task_id="t", raw_status="completed", raw={}, outputs=VIDEO
    )
    assert done.state == "succeeded"
    assert done.outputs == VIDEO


def test_completed_with_an_error_and_no_output_is_a_failure():
    status = task_status(
        FAL_QUEUE_STATES,
        task_id="t",
        raw_status="COMPLETED",
        raw={},
        error=failure_reason("Image too small"),
    )
    assert status.state == "failed"
    assert status.error == "The generation failed: Image too small"


def test_failed_states_always_carry_a_reason():
    bare = task_status(SEEDANCE_STATES, task_id="t", raw_status="failed", raw={})
    assert bare.error == "The generation failed, and the provider gave no reason."
    worded = task_status(
        KLING_IMAGE_STATES, task_id="t", raw_status="failed", raw={}, status_message=" bad\n input "
    )
    assert worded.error == "The generation failed: bad input"
    expired = task_status(SEEDANCE_STATES, task_id="t", raw_status="expired", raw={})
    assert expired.error == "The task expired at the provider before it finished."
    # A status message is not a failure while the task is fine.
    running = task_status(
        KLING_IMAGE_STATES, task_id="t", raw_status="processing", raw={}, status_message="处理中"
    )
    assert running.error is None


def test_content_filter_failures_are_named():
    assert failure_reason(None, code="moderation_blocked") == CONTENT_FILTER_MESSAGE
    assert failure_reason("moderation_blocked", code="moderation_blocked") == CONTENT_FILTER_MESSAGE
    assert failure_reason("Your prompt violates our content policy.", code="x") == (
        f"{CONTENT_FILTER_MESSAGE} (Your prompt violates our content policy.)"
    )
    assert failure_reason(None, code="internal_error") == "The generation failed (internal_error)."
    assert failure_reason(None, "  ") is None


def test_long_reasons_are_cut():
    reason = failure_reason("x" * 1000)
    assert len(reason) < 350
    assert reason.endswith("…")


def test_error_fields_accept_objects_strings_and_fal_lists():
    assert error_fields({"code": "c", "message": "m"}) == ("m", "c")
    assert error_fields("boom") == ("boom", None)
    assert error_fields([{"msg": "field required", "type": "missing"}]) == (
        "field required",
        "missing",
    )
    assert error_fields(None) == (None, None)


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (42, 42),
        (12.7, 12),
        ("55", 55),
        ("80%", 80),
        (150, 100),
        (-3, 0),
        (True, None),
        ("soon", None),
        (None, None),
    ],
)
def test_progress_is_a_clamped_percentage(progress, expected):
    status = task_status(
        OPENAI_VIDEO_STATES, task_id="t", raw_status="in_progress", raw={}, progress=progress
    )
    assert status.progress == expected
