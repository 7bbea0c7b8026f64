"""Veo (docs/api/videos.md §3): a Vertex-like task with `instances` and `parameters`."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families.wire import (
    WireRequest,
    data_url_type,
    image_ref,
    image_refs,
    put,
    raw_base64,
    required_task_id,
    segment,
)
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import (
    CONTENT_FILTER_MESSAGE,
    VEO_STATES,
    MediaOutput,
    TaskState,
    TaskStatus,
    error_fields,
    failure_reason,
    task_status,
)

# Form name -> Veo's camelCase parameter name.
_PARAMETERS = {
    "aspect_ratio": "aspectRatio",
    "n": "sampleCount",
    "resolution": "resolution",
    "generate_audio": "generateAudio",
    "negative_prompt": "negativePrompt",
    "seed": "seed",
    "person_generation": "personGeneration",
    "enhance_prompt": "enhancePrompt",
}


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    instance: dict[str, Any] = {}
    if prompt.strip():
        instance["prompt"] = prompt
    if mode == "image":
        instance["image"] = _image(image_ref(inputs, "image") or "")
    elif mode == "first_last":
        instance["image"] = _image(image_ref(inputs, "first_frame") or "")
        instance["lastFrame"] = _image(image_ref(inputs, "last_frame") or "")
    elif mode == "reference":
        instance["referenceImages"] = [
            {"image": _image(ref), "referenceType": "asset"}
            for ref in image_refs(inputs, "reference")
        ]
    parameters: dict[str, Any] = {}
    if (duration := params.get("duration")) is not None:
        parameters["durationSeconds"] = int(duration)
    for name, wire_name in _PARAMETERS.items():
        put(parameters, wire_name, params.get(name))
    body = {"model": model.id, "instances": [instance], "parameters": parameters}
    return "POST", "/v1/videos/generations", body


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    return _read(body, task_id=required_task_id(body, "id"), if_missing="queued")


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    body = await client.request_json("GET", f"/v1/videos/generations/{segment(task_id)}")
    return _read(body, task_id=task_id, if_missing="running")


def _image(ref: str) -> dict[str, str]:
    """Veo's image object: a URL as `uri`, base64 as bare `bytesBase64Encoded`; the MIME type
    is required, so a URL's is guessed from its extension (jpeg unless it ends in .png)."""
    if mime_type := data_url_type(ref):
        return {"bytesBase64Encoded": raw_base64(ref), "mimeType": mime_type}
    path = urlsplit(ref).path.lower()
    return {"uri": ref, "mimeType": "image/png" if path.endswith(".png") else "image/jpeg"}


def _read(body: dict[str, Any], *, task_id: str, if_missing: TaskState) -> TaskStatus:
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    videos = data.get("videos")
    outputs = tuple(
        MediaOutput(url=video["url"], content_type=video.get("mimeType") or None)
        for video in (videos if isinstance(videos, list) else [])
        if isinstance(video, dict) and isinstance(video.get("url"), str)
    )
    message, code = error_fields(body.get("error"))
    error = failure_reason(message, code=code)
    filtered = data.get("raiMediaFilteredCount")
    if not outputs and isinstance(filtered, int) and filtered > 0:
        error = error or CONTENT_FILTER_MESSAGE  # every sample was removed by the safety filter
    return task_status(
        VEO_STATES,
        task_id=task_id,
        raw_status=body.get("status"),
        raw=body,
        outputs=outputs,
        error=error,
        status_message=body.get("message"),
        if_missing=if_missing,
    )
