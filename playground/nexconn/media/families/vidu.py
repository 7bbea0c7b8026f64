"""Vidu (docs/api/videos.md §7): the fal-style queue, one route per model and mode, no `model`
field."""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families import fal_queue
from playground.nexconn.media.families.wire import WireRequest, image_ref, image_refs, put
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import TaskStatus

APP = "fal-ai/vidu"
read_submitted = fal_queue.read_submitted

# (model, mode) -> route under /queue/fal-ai/vidu (docs/api/videos.md §7.1, media-modes.md
# §1-§3).
# Each model has its own routes: q2-pro and q2-turbo only start from pictures, and their
# first-and-last-frame videos use the image-to-video route with `end_image_url`, as Qiniu's
# cookbook does (docs/api/media-modes.md §3: first-party, over third-party start-end routes).
ROUTES: dict[tuple[str, str], str] = {
    ("viduq1", "text"): "q1/text-to-video",
    ("viduq1", "reference"): "q1/reference-to-video",
    ("viduq1", "subjects"): "q1/reference-to-video",
    ("viduq2", "text"): "q2/text-to-video",
    ("viduq2", "reference"): "q2/reference-to-video",
    ("viduq2", "subjects"): "q2/reference-to-video",
    ("viduq2-pro", "image"): "q2/image-to-video/pro",
    ("viduq2-pro", "first_last"): "q2/image-to-video/pro",
    ("viduq2-turbo", "image"): "q2/image-to-video/turbo",
    ("viduq2-turbo", "first_last"): "q2/image-to-video/turbo",
    ("viduq3-pro", "text"): "q3/text-to-video/pro",
    ("viduq3-pro", "image"): "q3/image-to-video/pro",
    ("viduq3-pro", "first_last"): "q3/start-end-to-video/pro",
    ("viduq3-turbo", "text"): "q3/text-to-video/turbo",
    ("viduq3-turbo", "image"): "q3/image-to-video/turbo",
    ("viduq3-turbo", "first_last"): "q3/start-end-to-video/turbo",
}
# The q2 image-to-video routes take the last frame next to the first (docs/api/media-modes.md §3).
_END_FRAME_ROUTES = frozenset({"q2/image-to-video/pro", "q2/image-to-video/turbo"})

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
        start_key = "image_url" if route in _END_FRAME_ROUTES else "start_image_url"
        body[start_key] = image_ref(inputs, "first_frame")
        body["end_image_url"] = image_ref(inputs, "last_frame")
    elif mode == "reference":
        body["reference_image_urls"] = image_refs(inputs, "reference")
    elif mode == "subjects":
        body["subjects"] = _subjects(params, inputs)
    return "POST", f"/queue/{APP}/{route}", body


def _subjects(
    params: Mapping[str, ParamValue], inputs: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """The filled subject blocks, in order. `voice_id` is always sent, blank when not chosen:
    Qiniu's cookbook marks it required and allows "" (docs/api/media-modes.md §1)."""
    subjects = []
    for index in range(1, 8):
        subject_id = params.get(f"subject_{index}_id")
        if subject_id is None:
            continue
        voice = params.get(f"subject_{index}_voice_id")
        subjects.append(
            {
                "id": subject_id,
                "images": image_refs(inputs, f"subject_{index}"),
                "voice_id": voice if isinstance(voice, str) else "",
            }
        )
    return subjects


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    return await fal_queue.poll(client, app=APP, request_id=task_id)
