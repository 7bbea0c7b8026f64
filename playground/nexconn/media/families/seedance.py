"""Seedance 2.0 (docs/api/videos.md §6): Volcengine Ark's task format, prompt and images in
`content`."""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families.wire import (
    WireRequest,
    image_refs,
    put,
    required_task_id,
    segment,
)
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import (
    SEEDANCE_STATES,
    MediaOutput,
    TaskState,
    TaskStatus,
    error_fields,
    failure_reason,
    task_status,
)

PATH = "/v3/contents/generations/tasks"

# Form name -> Ark's name.
_PARAMETERS = {
    "resolution": "resolution",
    "aspect_ratio": "ratio",
    "duration": "duration",
    "generate_audio": "generate_audio",
    "seed": "seed",
    "camera_fixed": "camera_fixed",
    "watermark": "watermark",
}
# Mode -> (slot, Ark role) for each image, in the order Ark wants them.
_IMAGE_ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "image": (("image", "first_frame"),),
    "first_last": (("first_frame", "first_frame"), ("last_frame", "last_frame")),
    "reference": (("reference", "reference_image"),),
}


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    content: list[dict[str, Any]] = []
    if prompt.strip():
        content.append({"type": "text", "text": prompt})
    for slot, role in _IMAGE_ROLES.get(mode, ()):
        content.extend(
            {"type": "image_url", "image_url": {"url": ref}, "role": role}
            for ref in image_refs(inputs, slot)
        )
    body: dict[str, Any] = {"model": model.id, "content": content}
    for name, wire_name in _PARAMETERS.items():
        put(body, wire_name, params.get(name))
    return "POST", PATH, body


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    return _read(body, task_id=required_task_id(body, "id"), if_missing="queued")


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    body = await client.request_json("GET", f"{PATH}/{segment(task_id)}")
    return _read(body, task_id=task_id, if_missing="running")


def _read(body: dict[str, Any], *, task_id: str, if_missing: TaskState) -> TaskStatus:
    content = body.get("content")
    url = content.get("video_url") if isinstance(content, dict) else None
    outputs = (MediaOutput(url=url),) if isinstance(url, str) and url else ()
    message, code = error_fields(body.get("error"))
    return task_status(
        SEEDANCE_STATES,
        task_id=task_id,
        raw_status=body.get("status"),
        raw=body,
        outputs=outputs,
        error=failure_reason(message, code=code),
        if_missing=if_missing,
    )
