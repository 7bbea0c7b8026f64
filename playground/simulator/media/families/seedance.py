"""Seedance, Ark-like, protocol C (docs/api/videos.md §6): POST /v3/contents/generations/tasks, then
GET /v3/contents/generations/tasks/{task_id} until done."""

import time
from typing import TYPE_CHECKING, Any

from playground.nexconn.media.catalog import SEEDANCE
from playground.simulator.http import Request, Route, Send, send_json
from playground.simulator.media.families.wire import (
    BadRequest,
    body_of,
    choice,
    choices,
    height,
    start,
    text,
    width,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.tasks import Spec, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

SEEDANCE_MODELS = (SEEDANCE.id,)
SEEDANCE_RATIOS = choices(SEEDANCE, "aspect_ratio")
SEEDANCE_RESOLUTIONS = choices(SEEDANCE, "resolution")
FAILURES = {  # fail mode -> (code, message)
    "error": ("InternalServiceError", "The service had an internal error. Retry later."),
    "moderation": (
        "OutputVideoSensitiveContentDetected",
        "The generated video may contain sensitive content and was blocked.",
    ),
}


def routes(simulator: "Simulator") -> list[Route]:
    async def create_task(request: Request, send: Send) -> None:
        await create(simulator, request, send)

    return [
        ("POST", "/v3/contents/generations/tasks", create_task),
        ("GET", "/v3/contents/generations/tasks/{task_id}", task),
    ]


async def ark_error(send: Send, status: int, message: str) -> None:
    code = {400: "InvalidParameter", 404: "ResourceNotFound"}.get(status, "InternalServiceError")
    await send_json(send, status, {"error": {"code": code, "message": message}})


async def create(simulator: "Simulator", request: Request, send: Send) -> None:
    body = body_of(request)
    content = body.get("content")
    items = (
        [item for item in content if isinstance(item, dict)] if isinstance(content, list) else []
    )
    texts = [text(item.get("text")) for item in items if item.get("type") == "text"]
    started = await start(simulator, request, send, " ".join(filter(None, texts)), ark_error)
    if started is None:
        return
    prompt, knobs = started
    model = body.get("model")
    try:
        if not isinstance(model, str) or not model:
            raise BadRequest("The parameter `model` specified in the request is missing.")
        if model not in SEEDANCE_MODELS:
            raise BadRequest(f"The model `{model}` does not exist or you do not have access.")
        if not isinstance(content, list) or not content or len(items) != len(content):
            raise BadRequest("The parameter `content` must be a non-empty list of items.")
        kinds = {"text", "image_url", "video_url", "audio_url", "draft_task"}
        for item in items:
            kind = item.get("type")
            if kind not in kinds:
                raise BadRequest(f"The content item type `{kind}` is not supported.")
            if kind != "text" and not isinstance(item.get(kind), dict):
                raise BadRequest(f"The content item `{kind}` needs a `{kind}` object.")
        has_image = any(item.get("type") in ("image_url", "draft_task") for item in items)
        if not prompt and not has_image:
            raise BadRequest("A text prompt is required for text-to-video.")
        resolution = choice(body, "resolution", SEEDANCE_RESOLUTIONS, "720p")
        aspect = choice(body, "ratio", SEEDANCE_RATIOS, "16:9")
        seconds = body.get("duration", 5)
        if isinstance(seconds, bool) or not (
            isinstance(seconds, int) and (4 <= seconds <= 15 or seconds == -1)
        ):
            raise BadRequest("The parameter `duration` must be an integer 4-15, or -1.")
        audio = body.get("generate_audio", True)
        if not isinstance(audio, bool):
            raise BadRequest("The parameter `generate_audio` must be a boolean.")
        seed = body.get("seed", -1)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise BadRequest("The parameter `seed` must be an integer.")
    except BadRequest as exc:
        await ark_error(send, 400, str(exc))
        return
    seconds = 5 if seconds == -1 else seconds
    shape = "16:9" if aspect == "adaptive" else aspect
    echo = {"resolution": resolution, "ratio": aspect, "duration": seconds}
    echo |= {"generate_audio": audio, "seed": seed}
    spec = new_spec(
        "seedance", model, prompt, knobs, w=width(shape), h=height(shape), s=float(seconds), e=echo
    )
    await send_json(send, 200, {"id": spec.id()})


async def task(request: Request, send: Send) -> None:
    task_id = request.params["task_id"]
    spec = Spec.decode(task_id, "seedance")
    if spec is None:
        await ark_error(send, 404, f"The specified task {task_id} was not found.")
        return
    now = time.time()
    phase = spec.phase(now)
    done = phase in ("succeeded", "failed")
    answer: dict[str, Any] = {"id": task_id, "model": spec.m, "status": phase, "error": None}
    answer |= {
        "created_at": int(spec.created),
        "updated_at": int(spec.finished_at if done else now),
    }
    if phase == "failed":
        code, message = FAILURES[spec.x]
        answer["error"] = {"code": code, "message": message}
    elif phase == "succeeded":
        answer["content"] = {"video_url": media_url(request, task_id, 0, "mp4")}
    answer |= spec.e | {"framespersecond": 24}
    if phase == "succeeded":
        tokens = int(spec.s * 21780)
        answer["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
    await send_json(send, 200, answer)
