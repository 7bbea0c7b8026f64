"""kling-image-o1 (docs/api/images.md §5): the fal-style queue; the model is in the path, not
the body."""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families import fal_queue
from playground.nexconn.media.families.wire import WireRequest, image_refs, put
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import TaskStatus

APP = "fal-ai/kling-image"
read_submitted = fal_queue.read_submitted


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    body: dict[str, Any] = {"prompt": prompt}
    if mode == "reference":
        # Only URLs are documented here; data URLs are passed on as given.
        body["image_urls"] = image_refs(inputs, "reference")
    put(body, "num_images", params.get("n"))
    put(body, "resolution", params.get("resolution"))
    put(body, "aspect_ratio", params.get("aspect_ratio"))
    return "POST", f"/queue/{APP}/o1", body


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    return await fal_queue.poll(client, app=APP, request_id=task_id)
