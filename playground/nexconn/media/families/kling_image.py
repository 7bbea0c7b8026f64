"""Kling image models (docs/api/images.md §3): an async task on the OpenAI-Images-like paths."""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families.wire import (
    WireRequest,
    image_ref,
    image_refs,
    put,
    raw_base64,
    required_task_id,
    segment,
)
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import (
    KLING_IMAGE_STATES,
    MediaOutput,
    TaskState,
    TaskStatus,
    error_fields,
    failure_reason,
    task_status,
)

# Upstream Kling refuses base64 that still has its "data:...;base64," prefix (§3.2, §7.5).


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    body: dict[str, Any] = {"model": model.id, "prompt": prompt}
    put(body, "aspect_ratio", params.get("aspect_ratio"))
    put(body, "n", params.get("n"))
    if mode == "multi_image":
        # The multi-image call still wants `image`, as an empty string (§3.3).
        body["image"] = ""
        body["subject_image_list"] = [
            {"subject_image": raw_base64(ref)} for ref in image_refs(inputs, "images")
        ]
        for slot in ("scene_image", "style_image"):
            if ref := image_ref(inputs, slot):
                body[slot] = raw_base64(ref)
        return "POST", "/v1/images/edits", body
    if mode == "image":
        body["image"] = raw_base64(image_ref(inputs, "image") or "")
        for name in ("image_reference", "image_fidelity", "human_fidelity"):
            put(body, name, params.get(name))
    else:
        put(body, "negative_prompt", params.get("negative_prompt"))
    return "POST", "/v1/images/generations", body


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    """The create answer holds only a task id (§3.4)."""
    return _read(body, task_id=required_task_id(body, "task_id"), if_missing="queued")


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    body = await client.request_json("GET", f"/v1/images/tasks/{segment(task_id)}")
    return _read(body, task_id=task_id, if_missing="running")


def _read(body: dict[str, Any], *, task_id: str, if_missing: TaskState) -> TaskStatus:
    data = body.get("data")
    outputs = tuple(
        MediaOutput(url=item["url"])
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict) and isinstance(item.get("url"), str)
    )
    message, code = error_fields(body.get("error"))
    return task_status(
        KLING_IMAGE_STATES,
        task_id=task_id,
        raw_status=body.get("status"),
        raw=body,
        outputs=outputs,
        error=failure_reason(message, code=code),
        status_message=body.get("status_message"),
        if_missing=if_missing,
    )
