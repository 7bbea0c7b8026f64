"""Gemini image models on the images API (docs/api/images.md §4.3-4.5): synchronous, base64 results.

There is no task to poll: the create answer already holds the pictures, so it becomes a
finished TaskStatus with no task id.
"""

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import malformed_body_error
from playground.nexconn.media.families.wire import WireRequest, image_refs, put, raw_base64
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import MediaOutput, TaskStatus

_CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}
NO_IMAGE_MESSAGE = (
    "The model answered without a picture. It may have declined the prompt; try rewording it."
)


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    body: dict[str, Any] = {"model": model.id, "prompt": prompt}
    image_config: dict[str, Any] = {}
    put(image_config, "aspect_ratio", params.get("aspect_ratio"))
    put(image_config, "image_size", params.get("image_size"))
    if image_config:
        body["image_config"] = image_config
    put(body, "temperature", params.get("temperature"))
    if mode == "image":
        # Edits take full data URLs (prefix kept) or https URLs; one image or a list (§4.4).
        refs = image_refs(inputs, "images")
        body["image"] = refs[0] if len(refs) == 1 else refs
        return "POST", "/v1/images/edits", body
    return "POST", "/v1/images/generations", body


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    data = body.get("data")
    if not isinstance(data, list):
        raise malformed_body_error(f"no 'data' list in the image answer: {_summary(body)}")
    output_format = str(body.get("output_format") or "png").lower()
    content_type = _CONTENT_TYPES.get(output_format, f"image/{output_format}")
    outputs = tuple(_output(item, content_type) for item in data if isinstance(item, dict))
    outputs = tuple(output for output in outputs if output is not None)
    return TaskStatus(
        task_id="",
        state="succeeded" if outputs else "failed",
        outputs=outputs,
        error=None if outputs else NO_IMAGE_MESSAGE,
        raw=_without_image_data(body),
    )


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    raise ValueError("Gemini image requests finish at once; there is no task to poll")


def _output(item: dict[str, Any], content_type: str) -> MediaOutput | None:
    encoded = item.get("b64_json")
    if isinstance(encoded, str) and encoded:
        try:
            data = base64.b64decode(raw_base64(encoded), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise malformed_body_error("b64_json is not valid base64") from exc
        return MediaOutput(url=None, data=data, content_type=content_type)
    url = item.get("url")  # not sent today, but OpenAI's image object allows it
    return MediaOutput(url=url, content_type=content_type) if isinstance(url, str) else None


def _without_image_data(body: dict[str, Any]) -> dict[str, Any]:
    """The answer minus megabytes of base64: `raw` is stored and shown, the bytes are not."""
    data = body.get("data")
    if not isinstance(data, list):
        return body
    return {
        **body,
        "data": [
            {**item, "b64_json": f"<{len(item['b64_json'])} base64 characters>"}
            if isinstance(item, dict) and isinstance(item.get("b64_json"), str)
            else item
            for item in data
        ],
    }


def _summary(body: dict[str, Any]) -> str:
    return str(_without_image_data(body))[:300]
