"""sora-2, sora-2-pro and the Kling video models on OpenAI's video paths, protocol A
(docs/api/videos.md §4, §5): POST /v1/videos, GET /v1/videos/{video_id}, and a Sora remix at
POST /v1/videos/{video_id}/remix."""

import time
from typing import TYPE_CHECKING, Any

from playground.nexconn.media import catalog
from playground.simulator.http import Request, Route, Send, send_json
from playground.simulator.media.families.wire import (
    MAX_PROMPT,
    BadRequest,
    body_of,
    choice,
    choices,
    openai_error,
    require_prompt,
    start,
    text,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.tasks import Spec, dimensions, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

# model -> sizes (the first is the default)
SORA_SIZES = {model.id: choices(model, "size") for model in catalog.SORA_MODELS}
SORA_SECONDS = choices(catalog.SORA_MODELS[0], "duration")
KLING_VIDEO_MODELS = tuple(model.id for model in catalog.KLING_VIDEO_MODELS)


def _kling_with(*, field: str = "", mode: str = "") -> tuple[str, ...]:
    """The Kling video models with this field or mode in the catalog."""
    return tuple(
        model.id
        for model in catalog.KLING_VIDEO_MODELS
        if (field and any(item.name == field for item in model.fields))
        or (mode and model.mode(mode) is not None)
    )


# docs/api/media-modes.md §4.4 and docs/api/videos.md §5.2: these fields exist only on these models.
KLING_NEGATIVE_PROMPT_MODELS = _kling_with(field="negative_prompt")
# A last frame as `image_tail`; the omni models take their frames in `image_list` instead.
KLING_IMAGE_TAIL_MODELS = ("kling-v2-1", "kling-v2-5-turbo", "kling-v2-6")
KLING_MOTION_FIELDS = ("image_url", "video_url", "character_orientation", "keep_original_sound")
KLING_MOTION_MODELS = _kling_with(mode="motion_control")
KLING_VIDEO_LIST_MODELS = _kling_with(mode="video_reference")
KLING_MULTI_SHOT_MODELS = _kling_with(mode="multi_shot")
FAILURES = {  # fail mode -> (code, message)
    "error": ("video_generation_failed", "Video generation failed. Please try again."),
    "moderation": (
        "moderation_blocked",
        "Your request was blocked by the content moderation system.",
    ),
}


def routes(simulator: "Simulator") -> list[Route]:
    async def create_video(request: Request, send: Send) -> None:
        await create(simulator, request, send)

    async def remix_video(request: Request, send: Send) -> None:
        await remix(simulator, request, send)

    return [
        ("POST", "/v1/videos", create_video),
        ("GET", "/v1/videos/{video_id}", task),
        ("POST", "/v1/videos/{video_id}/remix", remix_video),
    ]


async def create(simulator: "Simulator", request: Request, send: Send) -> None:
    body = body_of(request)
    started = await start(simulator, request, send, text(body.get("prompt")), openai_error)
    if started is None:
        return
    prompt, knobs = started
    model = body.get("model")
    try:
        if model in SORA_SIZES:
            echo = _sora_fields(body, model, prompt)
        elif model in KLING_VIDEO_MODELS:
            echo = _kling_video_fields(body, model, prompt)
        elif not isinstance(model, str) or not model:
            raise BadRequest("`model` is required.")
        else:
            raise BadRequest(f"The model `{model}` is not supported on this path.")
    except BadRequest as exc:
        await openai_error(send, 400, str(exc))
        return
    size = dimensions(echo["size"]) or (16, 9)
    spec = new_spec(
        "videos", model, prompt, knobs, w=size[0], h=size[1], s=float(echo["seconds"]), e=echo
    )
    await send_json(send, 200, _video_object(request, spec, created=True))


async def task(request: Request, send: Send) -> None:
    spec = Spec.decode(request.params["video_id"], "videos")
    if spec is None:
        await openai_error(send, 404, f"Video {request.params['video_id']} was not found.")
        return
    await send_json(send, 200, _video_object(request, spec))


async def remix(simulator: "Simulator", request: Request, send: Send) -> None:
    source_id = request.params["video_id"]
    source = Spec.decode(source_id, "videos")
    if source is None:
        await openai_error(send, 404, f"Video {source_id} was not found.")
        return
    body = body_of(request)
    started = await start(simulator, request, send, text(body.get("prompt")), openai_error)
    if started is None:
        return
    prompt, knobs = started
    try:
        if source.m not in SORA_SIZES:
            raise BadRequest(f"Remix is not supported for {source.m}.")
        if source.phase() != "succeeded":
            raise BadRequest(f"Video {source_id} is not completed; only finished videos remix.")
        require_prompt(prompt)
        if extra := sorted(set(body) - {"prompt", "model"}):
            raise BadRequest(f"Remix takes only a prompt; got {', '.join(extra)}.")
    except BadRequest as exc:
        await openai_error(send, 400, str(exc))
        return
    spec = new_spec(
        "videos", source.m, prompt, knobs, w=source.w, h=source.h, s=source.s, e=source.e
    )
    spec.r = source.compact()
    await send_json(send, 200, _video_object(request, spec, created=True))


def _video_object(request: Request, spec: Spec, *, created: bool = False) -> dict[str, Any]:
    """The task object; as just created (always queued, as the real API answers) or now."""
    video_id, now = spec.id(), spec.created if created else time.time()
    phase = "queued" if created else spec.phase(now)
    kling = spec.m in KLING_VIDEO_MODELS
    status = {
        "queued": "queued",
        "running": "in_progress",
        "succeeded": "completed",
        "failed": "failed",
    }[phase]
    if kling and phase == "queued" and spec.elapsed(now) < spec.queued_for / 2:
        status = "initializing"
    done = phase in ("succeeded", "failed")
    video: dict[str, Any] = {"id": video_id, "object": "video", "model": spec.m}
    if kling:
        video["mode"] = spec.e.get("mode", "std")
    video |= {
        "status": status,
        "progress": 0 if created else spec.progress(now),
        "created_at": int(spec.created),
        "updated_at": int(spec.finished_at if done else now),
        "seconds": spec.e["seconds"],
        "size": spec.e["size"],
    }
    if spec.r is not None:
        video["remixed_from_video_id"] = Spec(**spec.r).id()
    if phase == "succeeded":
        completed = int(spec.finished_at)
        lifetime = 0 if spec.z else (30 if kling else 7) * 86400
        video |= {"completed_at": completed, "expires_at": completed + lifetime}
        video["task_result"] = {
            "videos": [
                {
                    "id": f"video_{spec.k}_0",
                    "url": media_url(request, video_id, 0, "mp4"),
                    "duration": f"{float(spec.e['seconds']):.1f}",
                }
            ]
        }
    elif phase == "failed":
        code, message = FAILURES[spec.x]
        video |= {
            "completed_at": int(spec.finished_at),
            "error": {"code": code, "message": message},
        }
    return video


def _seconds_text(body: dict[str, Any], allowed: tuple[str, ...], default: str) -> str:
    value = body.get("seconds", default)
    seconds = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if seconds not in allowed:
        raise BadRequest(f"`seconds` must be one of {', '.join(allowed)}; got {value!r}.")
    return seconds


def _sora_fields(body: dict[str, Any], model: str, prompt: str) -> dict[str, Any]:
    require_prompt(prompt)
    seconds = _seconds_text(body, SORA_SECONDS, "4")
    size = choice(body, "size", SORA_SIZES[model], SORA_SIZES[model][0])
    if "input_reference" in body and not text(body["input_reference"]):
        raise BadRequest("`input_reference` must be an image URL or data URI.")
    return {"seconds": seconds, "size": size}


def _kling_video_fields(body: dict[str, Any], model: str, prompt: str) -> dict[str, Any]:
    omni = model in ("kling-v3", "kling-v3-omni")
    motion = any(key in body for key in KLING_MOTION_FIELDS)
    multi_shot = body.get("multi_shot") is True
    if not ((model == "kling-v3-omni" and multi_shot) or motion):
        require_prompt(prompt)
    elif len(prompt) > MAX_PROMPT:
        raise BadRequest(f"`prompt` must be at most {MAX_PROMPT} characters.")
    if model == "kling-v2-1" and not text(body.get("input_reference")):
        raise BadRequest("kling-v2-1 is image-to-video only: `input_reference` is required.")
    for key, models in (
        ("negative_prompt", KLING_NEGATIVE_PROMPT_MODELS),
        ("image_tail", KLING_IMAGE_TAIL_MODELS),
        ("video_list", KLING_VIDEO_LIST_MODELS),
        ("multi_shot", KLING_MULTI_SHOT_MODELS),
        ("multi_prompt", KLING_MULTI_SHOT_MODELS),
        *((key, KLING_MOTION_MODELS) for key in KLING_MOTION_FIELDS),
    ):
        if key in body and model not in models:
            raise BadRequest(f"`{key}` is not supported by {model}.")
    mode = choice(body, "mode", ("std", "pro"), "pro" if omni else "std")
    allowed = tuple(str(number) for number in range(3, 16)) if omni else ("5", "10")
    seconds = _seconds_text(body, allowed, "5")
    size = choice(body, "size", catalog.KLING_VIDEO_SIZES, "1920x1080")
    if model in ("kling-v2-6", "kling-v3", "kling-v3-omni"):
        sound = choice(body, "sound", ("on", "off"), "off")
    else:
        sound = "off"
    if text(body.get("image_tail")):
        if mode != "pro":
            raise BadRequest("`image_tail` requires mode `pro`.")
        if model == "kling-v2-1" and seconds != "10":
            raise BadRequest("On kling-v2-1, `image_tail` requires seconds `10`.")
        if model == "kling-v2-6" and sound == "on" and seconds == "5":
            raise BadRequest(
                "5-second pro videos are not supported with image_tail when sound is on."
            )
    for key, limit in (("image_list", 7), ("video_list", 1)):
        items = body.get(key)
        if items is not None and (not isinstance(items, list) or len(items) > limit):
            raise BadRequest(f"`{key}` must be a list of at most {limit} items.")
    for item in body.get("image_list") or []:
        if not isinstance(item, dict) or not text(item.get("image")):
            raise BadRequest("Each `image_list` item needs an `image` (URL or Base64).")
    if motion:
        _kling_motion_control(body)
    if body.get("video_list") is not None:
        _kling_video_list(body, sound)
    if multi_shot or "multi_prompt" in body or "shot_type" in body:
        _kling_multi_shot(body, seconds)
    return {"mode": mode, "seconds": seconds, "size": size}


def _kling_motion_control(body: dict[str, Any]) -> None:
    """kling-v2-6 motion control (docs/api/media-modes.md §4.1): a character image, a motion
    video, which way the character faces, and whether the video's sound is kept."""
    if not (text(body.get("image_url")) and text(body.get("video_url"))):
        raise BadRequest("Motion control needs both `image_url` and `video_url`.")
    choice(body, "character_orientation", ("image", "video"), None, required=True)
    choice(body, "keep_original_sound", ("yes", "no"), "no")
    if "input_reference" in body or "image_tail" in body:
        raise BadRequest("Motion control takes `image_url`, not `input_reference`/`image_tail`.")


def _kling_video_list(body: dict[str, Any], sound: str) -> None:
    """A reference video (docs/api/media-modes.md §4.2): at most one, used as a feature
    reference or as the video to edit; Kling makes no sound next to it."""
    for item in body["video_list"]:
        if not isinstance(item, dict) or not text(item.get("video_url")):
            raise BadRequest("Each `video_list` item needs a `video_url`.")
        refer_type = choice(item, "refer_type", ("feature", "base"), None, required=True)
        choice(item, "keep_original_sound", ("yes", "no"), "no")
        framed = any(
            isinstance(image, dict) and image.get("type") in ("first_frame", "end_frame")
            for image in body.get("image_list") or []
        )
        if refer_type == "base" and framed:
            raise BadRequest("A video to edit (`refer_type` base) takes no first or end frame.")
    if sound == "on":
        raise BadRequest("`sound` must be off with a reference video.")


def _kling_multi_shot(body: dict[str, Any], seconds: str) -> None:
    """Multi-shot (docs/api/media-modes.md §4.3): 1-6 shots numbered from 1, each prompt at most
    512 characters and at least 1 second, the lengths adding up to `seconds`."""
    if body.get("multi_shot") is not True:
        raise BadRequest("`multi_prompt` and `shot_type` need `multi_shot` true.")
    if body.get("shot_type") != "customize":
        raise BadRequest("`shot_type` must be `customize` with `multi_prompt`.")
    shots = body.get("multi_prompt")
    if not isinstance(shots, list) or not 1 <= len(shots) <= 6:
        raise BadRequest("`multi_prompt` must hold 1 to 6 shots.")
    total = 0
    for number, shot in enumerate(shots, start=1):
        if not isinstance(shot, dict) or shot.get("index") != number:
            raise BadRequest("`multi_prompt` items need `index` 1, 2, 3… in order.")
        shot_prompt = text(shot.get("prompt"))
        if not shot_prompt or len(shot_prompt) > 512:
            raise BadRequest("Each shot needs a `prompt` of at most 512 characters.")
        duration = shot.get("duration")
        if not isinstance(duration, str) or not duration.isdigit() or int(duration) < 1:
            raise BadRequest('Each shot needs a `duration` of at least "1" second.')
        total += int(duration)
    if total != int(seconds):
        raise BadRequest(f"The shots last {total} seconds but `seconds` is {seconds}.")
