"""Vidu (videos.md §7): the fal-style queue, one route per model and mode, no `model` field."""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families import fal_queue
from playground.nexconn.media.families.wire import WireRequest, image_ref, image_refs, put
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import TaskStatus

APP = "fal-ai/vidu"
read_submitted = fal_queue.read_submitted

# (model, mode) -> route under /queue/fal-ai/vidu (§7.1). q2-pro and q2-turbo share the q2
# text and reference routes; q3 has no reference route.
ROUTES: dict[tuple[str, str], str] = {
    ("viduq1", "text"): "q1/text-to-video",
    ("viduq1", "reference"): "q1/reference-to-video",
    ("viduq2", "text"): "q2/text-to-video",
    ("viduq2", "image"): "q2/image-to-video/pro",
    ("viduq2", "first_last"): "q2/start-end-to-video/pro",
    ("viduq2", "reference"): "q2/reference-to-video",
    ("viduq2-pro", "text"): "q2/text-to-video",
    ("viduq2-pro", "image"): "q2/image-to-video/pro",
    ("viduq2-pro", "first_last"): "q2/start-end-to-video/pro",
    ("viduq2-pro", "reference"): "q2/reference-to-video",
    ("viduq2-turbo", "text"): "q2/text-to-video",
    ("viduq2-turbo", "image"): "q2/image-to-video/turbo",
    ("viduq2-turbo", "first_last"): "q2/start-end-to-video/turbo",
    ("viduq2-turbo", "reference"): "q2/reference-to-video",
    ("viduq3-pro", "text"): "q3/text-to-video/pro",
    ("viduq3-pro", "image"): "q3/image-to-video/pro",
    ("viduq3-pro", "first_last"): "q3/start-end-to-video/pro",
    ("viduq3-turbo", "text"): "q3/text-to-video/turbo",
    ("viduq3-turbo", "image"): "q3/image-to-video/turbo",
    ("viduq3-turbo", "first_last"): "q3/start-end-to-video/turbo",
}

# Form names that are also Vidu's wire names (§7.2).
_PASSED_ON = (
    "duration",
    "resolution",
    "aspect_ratio",
    "style",
    "movement_amplitude",
    "bgm",
    "audio",
    "seed",
    "watermark",
)


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    route = ROUTES.get((model.id, mode))
    if route is None:
        raise ValueError(f"{model.id} has no {mode!r} route")
    body: dict[str, Any] = {}
    if prompt.strip():
        body["prompt"] = prompt
    for name in _PASSED_ON:
        put(body, name, params.get(name))
    # Base64 images must keep their data-URL prefix here (§7.2), so inputs pass as given.
    if mode == "image":
        body["image_url"] = image_ref(inputs, "image")
    elif mode == "first_last":
        body["start_image_url"] = image_ref(inputs, "first_frame")
        body["end_image_url"] = image_ref(inputs, "last_frame")
    elif mode == "reference":
        body["reference_image_urls"] = image_refs(inputs, "reference")
    return "POST", f"/queue/{APP}/{route}", body


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    return await fal_queue.poll(client, app=APP, request_id=task_id)
