"""Veo, Vertex-like, protocol B (docs/api/videos.md §3): POST /v1/videos/generations, then
GET /v1/videos/generations/{video_id} until done."""

import time
from typing import TYPE_CHECKING, Any

from playground.nexconn.media import catalog
from playground.simulator.http import Request, Route, Send, send_json
from playground.simulator.media.families.wire import (
    BadRequest,
    body_of,
    choice,
    height,
    integer,
    start,
    text,
    width,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.tasks import Spec, iso8601, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

# The catalog's models, and two the API takes too (docs/api/videos.md §3.4) that it does not offer.
VEO_MODELS = (
    *(model.id for model in catalog.VEO_MODELS),
    "veo-3.0-generate-001",
    "veo-3.0-fast-generate-001",
)
FAILURES = {  # fail mode -> (code, message)
    "error": ("view_vertex_video_job_failed", "Video generation failed: internal error."),
    "moderation": (
        "rai_media_filtered",
        "The video was removed by the responsible-AI safety filters.",
    ),
}


def routes(simulator: "Simulator") -> list[Route]:
    async def create_veo(request: Request, send: Send) -> None:
        await create(simulator, request, send)

    return [
        ("POST", "/v1/videos/generations", create_veo),
        ("GET", "/v1/videos/generations/{video_id}", task),
    ]


async def veo_error(send: Send, status: int, message: str) -> None:
    kind = "invalid_request_error" if status < 500 else "view_vertex_video_job_failed"
    await send_json(send, status, {"error": {"message": message, "type": kind}})


async def create(simulator: "Simulator", request: Request, send: Send) -> None:
    body = body_of(request)
    instances = body.get("instances")
    instance = instances[0] if isinstance(instances, list) and instances else {}
    instance = instance if isinstance(instance, dict) else {}
    started = await start(simulator, request, send, text(instance.get("prompt")), veo_error)
    if started is None:
        return
    prompt, knobs = started
    model = body.get("model")
    try:
        if not isinstance(model, str) or not model:
            raise BadRequest("model is empty")
        if model not in VEO_MODELS:
            raise BadRequest(f"model {model} is not supported")
        if not isinstance(instances, list) or len(instances) != 1:
            raise BadRequest("instances must contain exactly one instance")
        for key in ("image", "lastFrame", "video"):
            _media(instance, key)
        references = instance.get("referenceImages")
        if references is not None:
            if not isinstance(references, list) or not 1 <= len(references) <= 3:
                raise BadRequest("referenceImages must hold 1 to 3 images")
            if "image" in instance:
                raise BadRequest("referenceImages cannot be combined with image")
        if "lastFrame" in instance and "image" not in instance:
            raise BadRequest("lastFrame requires image")
        if not prompt and "image" not in instance:
            raise BadRequest("instances[0].prompt is required for text-to-video")
        parameters = body.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise BadRequest("parameters must be an object")
        allowed = (5, 6, 7, 8) if model.startswith("veo-2") else (4, 6, 8)
        if references:
            allowed = (8,)
        seconds = parameters.get("durationSeconds", 8)
        if isinstance(seconds, bool) or seconds not in allowed:
            raise BadRequest(f"durationSeconds {seconds} is not allowed for {model}")
        count = integer(parameters, "sampleCount", 1, 4, 1)
        aspect = choice(parameters, "aspectRatio", ("16:9", "9:16"), "16:9")
        if not model.startswith("veo-2"):
            choice(parameters, "resolution", ("720p", "1080p"), "720p")
    except BadRequest as exc:
        await veo_error(send, 400, str(exc))
        return
    spec = new_spec(
        "veo", model, prompt, knobs, w=width(aspect), h=height(aspect), n=count, s=float(seconds)
    )
    await send_json(send, 200, {"id": spec.id()})


async def task(request: Request, send: Send) -> None:
    video_id = request.params["video_id"]
    spec = Spec.decode(video_id, "veo")
    if spec is None:
        await veo_error(send, 404, "record not found")
        return
    now = time.time()
    phase = spec.phase(now)
    status, message = {
        "queued": ("Queued", "queued"),
        "running": ("Running", "running"),
        "succeeded": ("Completed", "done"),
        "failed": ("Failed", ""),
    }[phase]
    if phase == "queued" and spec.elapsed(now) < spec.queued_for / 2:
        status, message = "Initializing", "initializing"
    data: dict[str, Any] = {"videos": [], "raiMediaFilteredCount": 0}
    if phase == "failed":
        message = FAILURES[spec.x][1]
        if spec.x == "moderation":
            data["raiMediaFilteredCount"] = spec.n
    elif phase == "succeeded":
        data["videos"] = [
            {"url": media_url(request, video_id, index, "mp4"), "mimeType": "video/mp4"}
            for index in range(spec.n)
        ]
    done = phase in ("succeeded", "failed")
    answer = {"id": video_id, "model": spec.m, "status": status, "message": message}
    answer |= {
        "data": data,
        "created_at": iso8601(spec.created),
        "updated_at": iso8601(spec.finished_at if done else now),
    }
    await send_json(send, 200, answer)


def _media(instance: dict[str, Any], key: str) -> None:
    value = instance.get(key)
    if value is None:
        return
    if not isinstance(value, dict) or not (
        text(value.get("uri")) or text(value.get("bytesBase64Encoded"))
    ):
        raise BadRequest(f"instances[0].{key} needs uri or bytesBase64Encoded")
    if not text(value.get("mimeType")):
        raise BadRequest(f"instances[0].{key}.mimeType is required")
