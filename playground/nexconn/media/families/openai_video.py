"""Sora 2 and the Kling video models (docs/api/videos.md §4-5): the OpenAI-Videos-like task API.

Both speak `POST /v1/videos` with `seconds` and `size`; Kling adds `mode` (std/pro) and takes
its images either as `input_reference` / `image_tail` or, on the omni models, as `image_list`;
motion control, a reference video and multi-shot add their own fields (docs/api/media-modes.md §4).
"""

from collections.abc import Mapping
from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families.wire import (
    WireRequest,
    image_ref,
    image_refs,
    put,
    required_task_id,
    segment,
)
from playground.nexconn.media.schema import MediaModel, ParamValue
from playground.nexconn.media.status import (
    OPENAI_VIDEO_STATES,
    MediaOutput,
    TaskState,
    TaskStatus,
    error_fields,
    failure_reason,
    task_status,
)

PATH = "/v1/videos"
# Kling models that take every image in `image_list` (§5.2; Qiniu names the item `image`).
_IMAGE_LIST_MODELS = frozenset({"kling-video-o1", "kling-v3-omni"})
# Modes where a blank prompt is left out (docs/api/media-modes.md §4.1, §4.3).
_PROMPT_OPTIONAL = frozenset({"motion_control", "multi_shot"})


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    body: dict[str, Any] = {"model": model.id}
    if prompt.strip() or mode not in _PROMPT_OPTIONAL:
        body["prompt"] = prompt
    put(body, "mode", params.get("quality"))
    if (duration := params.get("duration")) is not None:
        body["seconds"] = str(duration)  # a string on this API: "5", not 5
    put(body, "size", params.get("size"))
    put(body, "negative_prompt", params.get("negative_prompt"))
    if (sound := params.get("sound")) is not None:
        body["sound"] = "on" if sound else "off"
    # Images pass as given (URL or data URL): whether Kling video wants bare base64 is open
    # (docs/api/videos.md §8, question 4).
    if mode == "motion_control":
        body["image_url"] = image_ref(inputs, "character")
        body["video_url"] = image_ref(inputs, "motion")
        put(body, "character_orientation", params.get("character_orientation"))
        body["keep_original_sound"] = _yes_no(params.get("keep_original_sound"))
    elif mode == "video_reference":
        body["video_list"] = [
            {
                "video_url": image_ref(inputs, "video"),
                "refer_type": params.get("refer_type") or "feature",
                "keep_original_sound": _yes_no(params.get("keep_original_sound")),
            }
        ]
        if references := image_refs(inputs, "reference"):
            body["image_list"] = [{"image": ref} for ref in references]
    elif mode == "multi_shot":
        body |= {"multi_shot": True, "shot_type": "customize", "multi_prompt": _shots(params)}
    elif model.id in _IMAGE_LIST_MODELS:
        image_list = _image_list(mode, inputs)
        if image_list:
            body["image_list"] = image_list
    elif mode == "image":
        body["input_reference"] = image_ref(inputs, "image")
    elif mode == "first_last":
        body["input_reference"] = image_ref(inputs, "first_frame")
        body["image_tail"] = image_ref(inputs, "last_frame")
    return "POST", PATH, body


def _yes_no(value: ParamValue | None) -> str:
    """Kling's protocol-A switches are the strings "yes" and "no" (docs/api/media-modes.md §4.1)."""
    return "yes" if value is True else "no"


def _shots(params: Mapping[str, ParamValue]) -> list[dict[str, Any]]:
    """The filled shots, numbered from 1 without gaps; `duration` is a string, as `seconds`
    is (docs/api/media-modes.md §4.3)."""
    shots = []
    for index in range(1, 7):
        prompt = params.get(f"shot_{index}_prompt")
        duration = params.get(f"shot_{index}_duration")
        if prompt is None or duration is None:
            continue
        shots.append({"index": len(shots) + 1, "prompt": prompt, "duration": str(duration)})
    return shots


def build_remix_request(*, task_id: str, prompt: str) -> WireRequest:
    """Sora remix: only a new prompt; length and size follow the source video (§4.3)."""
    return "POST", f"{PATH}/{segment(task_id)}/remix", {"prompt": prompt}


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    """The create (and remix) answer is the task object itself, usually "queued"."""
    return _read(body, task_id=required_task_id(body, "id"), if_missing="queued")


async def poll(client: NexconnClient, *, task_id: str) -> TaskStatus:
    body = await client.request_json("GET", f"{PATH}/{segment(task_id)}")
    return _read(body, task_id=task_id, if_missing="running")


def _image_list(mode: str, inputs: Mapping[str, list[str]]) -> list[dict[str, str]]:
    if mode == "image":
        return [{"image": ref, "type": "first_frame"} for ref in image_refs(inputs, "image")]
    if mode == "first_last":
        return [
            *({"image": ref, "type": "first_frame"} for ref in image_refs(inputs, "first_frame")),
            *({"image": ref, "type": "end_frame"} for ref in image_refs(inputs, "last_frame")),
        ]
    if mode == "reference":
        return [{"image": ref} for ref in image_refs(inputs, "reference")]
    return []


def _read(body: dict[str, Any], *, task_id: str, if_missing: TaskState) -> TaskStatus:
    result = body.get("task_result")
    videos = result.get("videos") if isinstance(result, dict) else None
    outputs = tuple(
        MediaOutput(url=video["url"])
        for video in (videos if isinstance(videos, list) else [])
        if isinstance(video, dict) and isinstance(video.get("url"), str) and video["url"]
    )
    message, code = error_fields(body.get("error"))
    return task_status(
        OPENAI_VIDEO_STATES,
        task_id=task_id,
        raw_status=body.get("status"),
        raw=body,
        outputs=outputs,
        progress=body.get("progress"),
        error=failure_reason(message, code=code),
        if_missing=if_missing,
    )
