"""Every image and video task family, in the shapes of nexconn-api/images.md and videos.md.

Families (and their reference sections):
  kling-image  Kling image tasks, pattern A        POST /v1/images/generations|edits, poll
  gemini       Gemini images, sync pattern B       POST /v1/images/generations|edits
  o1           kling-image-o1, fal-style queue     /queue/fal-ai/kling-image/...
  veo          Veo, Vertex-like (protocol B)       /v1/videos/generations[/{id}]
  videos       sora-2*, Kling video (protocol A)   /v1/videos[/{id}[/remix]]
  seedance     Seedance, Ark-like (protocol C)     /v3/contents/generations/tasks[/{id}]
  vidu         Vidu, fal-style queue (protocol D)  /queue/fal-ai/vidu/...
Results link to /sim-media/{task_id}/{index}.png|mp4 on the host the request came to.
"""

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playground.simulator import answers
from playground.simulator.app import (
    Handler,
    _Request,
    _send_error,
    _send_json,
    _send_raw,
    split_directive,
)
from playground.simulator.media.render import (
    MAX_IMAGE_SIDE,
    fit,
    image_size,
    render_mp4,
    render_png,
    video_size,
)
from playground.simulator.media.tasks import (
    DEFAULT_IMAGE_SECONDS,
    PREFIXES,
    Spec,
    create_scenario,
    dimensions,
    iso8601,
    media_knobs,
    new_spec,
    ratio,
)

if TYPE_CHECKING:
    from playground.simulator.app import Send, Simulator

type ErrorSender = Callable[[Any, int, str], Awaitable[None]]

MAX_PROMPT = 2500
# images.md §3.2
KLING_IMAGE_MODELS = ("kling-v1", "kling-v1-5", "kling-v2", "kling-v2-new", "kling-v2-1")
KLING_EDIT_MODELS = ("kling-v2", "kling-v2-1")
KLING_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
# images.md §4.1: model -> (aspect ratios, image sizes)
_GEMINI_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
GEMINI_IMAGE_MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gemini-2.5-flash-image": (_GEMINI_RATIOS, ("1K",)),
    "gemini-3.0-pro-image-preview": (_GEMINI_RATIOS, ("1K", "2K", "4K")),
    "gemini-3.1-flash-image-preview": (
        (*_GEMINI_RATIOS, "1:4", "4:1", "1:8", "8:1"),
        ("512", "1K", "2K", "4K"),
    ),
}
# images.md §5.1
O1_RATIOS = ("auto", *KLING_RATIOS)
O1_RESOLUTIONS = ("1K", "2K", "4K")
# videos.md §3.4
VEO_MODELS = (
    "veo-2.0-generate-001",
    "veo-2.0-generate-exp",
    "veo-2.0-generate-preview",
    "veo-3.0-generate-preview",
    "veo-3.0-fast-generate-preview",
    "veo-3.1-generate-preview",
    "veo-3.1-fast-generate-preview",
    "veo-3.0-generate-001",
    "veo-3.0-fast-generate-001",
)
# videos.md §4.1: model -> sizes (the first is the default)
SORA_SIZES = {
    "sora-2": ("1280x720", "720x1280"),
    "sora-2-pro": ("1280x720", "1024x1792", "1792x1024"),
}
SORA_SECONDS = ("4", "8", "12")
# videos.md §5
KLING_VIDEO_MODELS = (
    "kling-v2-1",
    "kling-v2-5-turbo",
    "kling-v2-6",
    "kling-v3",
    "kling-video-o1",
    "kling-v3-omni",
)
KLING_VIDEO_SIZES = ("1920x1080", "1080x1920", "1280x720", "720x1280", "1080x1080", "720x720")
# videos.md §6
SEEDANCE_MODELS = ("bytedance/doubao-seedance-2-0-260128",)
SEEDANCE_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive")
SEEDANCE_RESOLUTIONS = ("480p", "720p", "1080p")
# videos.md §7
MOVEMENTS = ("auto", "small", "medium", "large")
# docs/api/media-modes.md §3: the q2 image-to-video routes take an optional last frame; §1 and
# videos.md §7.2: `audio` goes with `subjects` on the reference routes, and on the q2 pro i2v route.
VIDU_END_FRAME_ROUTES = frozenset({"q2/image-to-video/pro", "q2/image-to-video/turbo"})
VIDU_AUDIO_ROUTES = frozenset(
    {"q1/reference-to-video", "q2/reference-to-video", "q2/image-to-video/pro"}
)


@dataclass(frozen=True, slots=True)
class ViduRoute:
    kind: str  # text | image | start-end | reference
    durations: tuple[int, ...]
    resolutions: tuple[str, ...] = ("720p", "1080p")
    ratios: tuple[str, ...] = ("16:9", "9:16", "1:1", "3:4", "4:3")


_Q1 = {"durations": (5,), "resolutions": ("1080p",), "ratios": ("16:9", "9:16", "1:1")}
_ANY = tuple(range(1, 11))
VIDU_ROUTES: dict[str, ViduRoute] = {
    "q1/text-to-video": ViduRoute("text", **_Q1),
    "q1/reference-to-video": ViduRoute("reference", **_Q1),
    "q2/text-to-video": ViduRoute("text", _ANY),
    "q2/image-to-video/pro": ViduRoute("image", _ANY),
    "q2/image-to-video/turbo": ViduRoute("image", _ANY),
    "q2/start-end-to-video/pro": ViduRoute("start-end", _ANY),
    "q2/start-end-to-video/turbo": ViduRoute("start-end", _ANY),
    # 560p and 1-10 s on the q2 reference route: docs/api/media-modes.md §1 (Qiniu's cookbook).
    "q2/reference-to-video": ViduRoute("reference", _ANY, ("560p", "720p", "1080p")),
    "q3/text-to-video/pro": ViduRoute("text", _ANY),
    "q3/text-to-video/turbo": ViduRoute("text", _ANY),
    "q3/image-to-video/pro": ViduRoute("image", _ANY),
    "q3/image-to-video/turbo": ViduRoute("image", _ANY),
    "q3/start-end-to-video/pro": ViduRoute("start-end", _ANY),
    "q3/start-end-to-video/turbo": ViduRoute("start-end", _ANY),
}

FAILURES = {  # family -> fail mode -> (code, message)
    "kling-image": {
        "error": ("internal_error", "Image generation failed on the provider side; retry."),
        "moderation": (
            "content_policy_violation",
            "The prompt or an input image did not pass the content safety review.",
        ),
    },
    "o1": {
        "error": ("internal_error", "Image generation failed on the provider side; retry."),
        "moderation": (
            "content_policy_violation",
            "The prompt or an input image did not pass the content safety review.",
        ),
    },
    "veo": {
        "error": ("view_vertex_video_job_failed", "Video generation failed: internal error."),
        "moderation": (
            "rai_media_filtered",
            "The video was removed by the responsible-AI safety filters.",
        ),
    },
    "videos": {
        "error": ("video_generation_failed", "Video generation failed. Please try again."),
        "moderation": (
            "moderation_blocked",
            "Your request was blocked by the content moderation system.",
        ),
    },
    "seedance": {
        "error": ("InternalServiceError", "The service had an internal error. Retry later."),
        "moderation": (
            "OutputVideoSensitiveContentDetected",
            "The generated video may contain sensitive content and was blocked.",
        ),
    },
    "vidu": {
        "error": ("internal_error", "Video generation failed. Please try again."),
        "moderation": (
            "content_moderation_failed",
            "The prompt or an input image did not pass the content review.",
        ),
    },
}


class BadRequest(Exception):
    """A create request the real API would refuse with HTTP 400."""


def _public(handler: Callable[..., Any]) -> Callable[..., Any]:
    handler.public = True  # type: ignore[attr-defined]
    return handler


def media_routes(simulator: "Simulator") -> list[tuple[str, str, Handler]]:
    return MediaApi(simulator).routes()


# Error bodies, one shape per family (images.md §3.x, §4.6, §6; videos.md §2, §3.3, §6).


async def _kling_image_error(send: "Send", status: int, message: str) -> None:
    await _send_json(send, status, {"status": False, "message": message})


async def _openai_error(send: "Send", status: int, message: str) -> None:
    kind = "invalid_request_error" if status < 500 else "server_error"
    code = {400: "invalid_parameters", 404: "not_found"}.get(status, "internal_error")
    await _send_json(send, status, {"error": {"message": message, "type": kind, "code": code}})


async def _veo_error(send: "Send", status: int, message: str) -> None:
    kind = "invalid_request_error" if status < 500 else "view_vertex_video_job_failed"
    await _send_json(send, status, {"error": {"message": message, "type": kind}})


async def _ark_error(send: "Send", status: int, message: str) -> None:
    code = {400: "InvalidParameter", 404: "ResourceNotFound"}.get(status, "InternalServiceError")
    await _send_json(send, status, {"error": {"code": code, "message": message}})


async def _fal_error(send: "Send", status: int, message: str) -> None:
    await _send_json(send, status, {"detail": message})


class MediaApi:
    def __init__(self, simulator: "Simulator") -> None:
        self.simulator = simulator

    def routes(self) -> list[tuple[str, str, Handler]]:
        routes: list[tuple[str, str, Handler]] = [
            ("POST", "/v1/images/generations", self.images_generations),
            ("POST", "/v1/images/edits", self.images_edits),
            ("GET", "/v1/images/tasks/{task_id}", self.kling_image_task),
            ("POST", "/queue/fal-ai/kling-image/o1", self.o1_create),
            ("GET", "/queue/fal-ai/kling-image/requests/{request_id}/status", self.o1_status),
            ("GET", "/queue/fal-ai/kling-image/requests/{request_id}", self.o1_result),
            ("POST", "/v1/videos/generations", self.veo_create),
            ("GET", "/v1/videos/generations/{video_id}", self.veo_task),
            ("POST", "/v1/videos", self.videos_create),
            ("GET", "/v1/videos/{video_id}", self.videos_task),
            ("POST", "/v1/videos/{video_id}/remix", self.videos_remix),
            ("POST", "/v3/contents/generations/tasks", self.seedance_create),
            ("GET", "/v3/contents/generations/tasks/{task_id}", self.seedance_task),
            ("GET", "/queue/fal-ai/vidu/requests/{request_id}/status", self.vidu_status),
            ("GET", "/queue/fal-ai/vidu/requests/{request_id}", self.vidu_result),
            ("GET", "/sim-media/{task_id}/{name}", self.media),
            ("HEAD", "/sim-media/{task_id}/{name}", self.media),
        ]
        for route in VIDU_ROUTES:
            routes.append(("POST", f"/queue/fal-ai/vidu/{route}", self._vidu_create(route)))
        return routes

    # The steps every create call shares.

    async def _start(
        self, request: _Request, send: "Send", prompt: str, error: ErrorSender
    ) -> tuple[str, dict[str, Any]] | None:
        """Knobs, then the create-call knobs (delay, error). None if the answer was sent."""
        prompt, directive = split_directive(prompt)
        try:
            knobs = media_knobs(request.headers, directive)
        except ValueError as exc:
            await error(send, 400, str(exc))
            return None
        scenario = create_scenario(knobs)
        if scenario.delay and await request.connection.pause(scenario.delay):
            return None
        if scenario.error is not None and self.simulator._should_fail(scenario, knobs):
            headers = {}
            if scenario.error in (429, 503):
                headers["retry-after"] = f"{scenario.retry_after:g}"
            await _send_error(send, scenario.error, headers=headers)
            return None
        return prompt, knobs

    # Images: Kling tasks (pattern A) and Gemini (sync, pattern B) share the create paths.

    async def images_generations(self, request: _Request, send: "Send") -> None:
        await self._images(request, send, edit=False)

    async def images_edits(self, request: _Request, send: "Send") -> None:
        await self._images(request, send, edit=True)

    async def _images(self, request: _Request, send: "Send", *, edit: bool) -> None:
        body = request.json if isinstance(request.json, dict) else {}
        model = body.get("model")
        if model in GEMINI_IMAGE_MODELS:
            await self._gemini_images(request, send, body, model, edit=edit)
        elif model in KLING_IMAGE_MODELS:
            await self._kling_images(request, send, body, model, edit=edit)
        elif not isinstance(model, str) or not model:
            await _openai_error(send, 400, "`model` is required.")
        else:
            await _openai_error(send, 400, f"The model `{model}` is not supported on this path.")

    async def _kling_images(
        self, request: _Request, send: "Send", body: dict[str, Any], model: str, *, edit: bool
    ) -> None:
        started = await self._start(request, send, _text(body.get("prompt")), _kling_image_error)
        if started is None:
            return
        prompt, knobs = started
        try:
            _require_prompt(prompt)
            aspect = _choice(body, "aspect_ratio", KLING_RATIOS, "16:9")
            count = _integer(body, "n", 1, 9, 1)
            if edit:
                if model not in KLING_EDIT_MODELS:
                    raise BadRequest(f"{model} does not support multi-image generation.")
                subjects = body.get("subject_image_list")
                if not isinstance(subjects, list) or not 2 <= len(subjects) <= 4:
                    raise BadRequest("subject_image_list must hold 2 to 4 subject images.")
                if not all(isinstance(s, dict) and _text(s.get("subject_image")) for s in subjects):
                    raise BadRequest("Each subject_image_list item needs a subject_image.")
            else:
                image = _text(body.get("image"))
                if model == "kling-v2-new" and not image:
                    raise BadRequest("kling-v2-new is image-to-image only: `image` is required.")
                if model == "kling-v1-5" and image:
                    _choice(body, "image_reference", ("subject", "face"), None, required=True)
        except BadRequest as exc:
            await _kling_image_error(send, 400, str(exc))
            return
        spec = new_spec("kling-image", model, prompt, knobs, w=_w(aspect), h=_h(aspect), n=count)
        await _send_json(send, 200, {"task_id": spec.id()})

    async def kling_image_task(self, request: _Request, send: "Send") -> None:
        task_id = request.params["task_id"]
        spec = Spec.decode(task_id, "kling-image")
        if spec is None:
            await _kling_image_error(send, 404, f"Task {task_id} was not found.")
            return
        phase = spec.phase()
        status, message = {
            "queued": ("submitted", "submitted"),
            "running": ("processing", "processing"),
            "succeeded": ("succeed", "success"),
            "failed": ("failed", ""),
        }[phase]
        task: dict[str, Any] = {"task_id": task_id, "created": int(spec.created)}
        task |= {"status": status, "status_message": message}
        if phase == "failed":
            task["status_message"] = FAILURES["kling-image"][spec.x][1]
        elif phase == "succeeded":
            task["data"] = [
                {"index": index, "url": _media_url(request, task_id, index, "png")}
                for index in range(spec.n)
            ]
            task["quantity"] = spec.n
        await _send_json(send, 200, task)

    async def _gemini_images(
        self, request: _Request, send: "Send", body: dict[str, Any], model: str, *, edit: bool
    ) -> None:
        started = await self._start(request, send, _text(body.get("prompt")), _openai_error)
        if started is None:
            return
        prompt, knobs = started
        ratios, sizes = GEMINI_IMAGE_MODELS[model]
        try:
            _require_prompt(prompt)
            if edit:
                images = body.get("image")
                images = [images] if isinstance(images, str) else images
                if not isinstance(images, list) or not images or not all(map(_text, images)):
                    raise BadRequest("`image` is required: a URL or data URI, or a list of them.")
            config = body.get("image_config") or {}
            if not isinstance(config, dict):
                raise BadRequest("`image_config` must be an object.")
            aspect = _choice(config, "aspect_ratio", ratios, "1:1", name="image_config.")
            resolution = _choice(config, "image_size", sizes, "1K", name="image_config.")
            count = _integer(body, "n", 1, 10, 1)
            size = dimensions(_text(body.get("size")))
        except BadRequest as exc:
            await _openai_error(send, 400, str(exc))
            return
        count = knobs.get("count", count)
        if size is not None and "aspect_ratio" not in config:
            width, height = image_size(*size)
        else:
            width, height = fit(_w(aspect), _h(aspect), 512 if resolution == "512" else 1024)
        if await request.connection.pause(knobs.get("job", DEFAULT_IMAGE_SECONDS)):
            return
        if knobs.get("fail") == "moderation":
            await _send_json(send, 400, _gemini_blocked())
            return
        if knobs.get("fail") == "error":
            await _openai_error(send, 500, "The image model failed to generate an image.")
            return
        seed = f"{prompt}|{time.time_ns()}"
        images = [
            await asyncio.to_thread(render_png, width, height, prompt, f"{seed}|{index}")
            for index in range(count)
        ]
        prompt_tokens = answers.count_tokens(prompt)
        image_tokens = 1120 * count
        await _send_json(
            send,
            200,
            {
                "created": int(time.time()),
                "data": [{"b64_json": base64.b64encode(image).decode()} for image in images],
                "output_format": "png",
                "size": f"{width}x{height}",
                "usage": {
                    "total_tokens": prompt_tokens + image_tokens,
                    "input_tokens": prompt_tokens,
                    "output_tokens": image_tokens,
                    "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": 0},
                    "output_tokens_details": {
                        "image_tokens": image_tokens,
                        "reasoning_tokens": 0,
                        "text_tokens": 0,
                    },
                },
            },
        )

    # kling-image-o1: fal-style queue (images.md §5).

    async def o1_create(self, request: _Request, send: "Send") -> None:
        body = request.json if isinstance(request.json, dict) else {}
        started = await self._start(request, send, _text(body.get("prompt")), _fal_error)
        if started is None:
            return
        prompt, knobs = started
        try:
            _require_prompt(prompt)
            urls = body.get("image_urls", [])
            if not isinstance(urls, list) or len(urls) > 10 or not all(map(_text, urls)):
                raise BadRequest("`image_urls` must be a list of at most 10 image URLs.")
            count = _integer(body, "num_images", 1, 9, 1)
            if isinstance(body.get("resolution"), str):
                body = body | {"resolution": body["resolution"].upper()}
            _choice(body, "resolution", O1_RESOLUTIONS, "1K")
            aspect = _choice(body, "aspect_ratio", O1_RATIOS, "auto")
        except BadRequest as exc:
            await _fal_error(send, 400, str(exc))
            return
        aspect = "1:1" if aspect == "auto" else aspect
        spec = new_spec("o1", "kling-image-o1", prompt, knobs, w=_w(aspect), h=_h(aspect), n=count)
        await _send_json(send, 200, self._fal_envelope(request, spec, "kling-image"))

    async def o1_status(self, request: _Request, send: "Send") -> None:
        await self._fal_poll(request, send, "o1", result=False)

    async def o1_result(self, request: _Request, send: "Send") -> None:
        await self._fal_poll(request, send, "o1", result=True)

    # Vidu: fal-style queue (videos.md §7).

    def _vidu_create(self, route: str) -> Handler:
        async def create(request: _Request, send: "Send") -> None:
            await self.vidu_create(request, send, route)

        return create

    async def vidu_create(self, request: _Request, send: "Send", route: str) -> None:
        body = request.json if isinstance(request.json, dict) else {}
        rules = VIDU_ROUTES[route]
        started = await self._start(request, send, _text(body.get("prompt")), _fal_error)
        if started is None:
            return
        prompt, knobs = started
        aspect = "16:9"
        try:
            if rules.kind in ("text", "reference"):
                _require_prompt(prompt, limit=2000)
                aspect = _choice(body, "aspect_ratio", rules.ratios, "16:9")
            elif len(prompt) > 2000:
                raise BadRequest("`prompt` must be at most 2000 characters.")
            seconds = _integer(body, "duration", min(rules.durations), max(rules.durations), 5)
            _choice(body, "resolution", rules.resolutions, rules.resolutions[-1])
            _choice(body, "movement_amplitude", MOVEMENTS, "auto")
            if route == "q1/text-to-video":
                _choice(body, "style", ("general", "anime"), "general")
            if rules.kind == "image" and not _text(body.get("image_url")):
                raise BadRequest("`image_url` is required.")
            # Only start-end routes and the q2 image routes take a last frame (§3).
            end_frame_allowed = rules.kind == "start-end" or route in VIDU_END_FRAME_ROUTES
            if "end_image_url" in body and (
                not end_frame_allowed or not _text(body["end_image_url"])
            ):
                raise BadRequest("`end_image_url` is not supported here or is empty.")
            if "audio" in body:
                if route not in VIDU_AUDIO_ROUTES or (
                    rules.kind == "reference" and "subjects" not in body
                ):
                    raise BadRequest("`audio` is only supported with `subjects`.")
                if not isinstance(body["audio"], bool):
                    raise BadRequest("`audio` must be a boolean.")
            if rules.kind == "start-end" and not (
                _text(body.get("start_image_url")) and _text(body.get("end_image_url"))
            ):
                raise BadRequest("`start_image_url` and `end_image_url` are both required.")
            if rules.kind == "reference":
                _vidu_references(body)
            elif extra := sorted({"subjects", "reference_image_urls"} & set(body)):
                raise BadRequest(f"`{extra[0]}` is only taken by the reference-to-video routes.")
        except BadRequest as exc:
            await _fal_error(send, 400, str(exc))
            return
        spec = new_spec("vidu", route, prompt, knobs, w=_w(aspect), h=_h(aspect), s=float(seconds))
        await _send_json(send, 200, self._fal_envelope(request, spec, "vidu"))

    async def vidu_status(self, request: _Request, send: "Send") -> None:
        await self._fal_poll(request, send, "vidu", result=False)

    async def vidu_result(self, request: _Request, send: "Send") -> None:
        await self._fal_poll(request, send, "vidu", result=True)

    def _fal_envelope(
        self, request: _Request, spec: Spec, app: str, phase: str = "queued"
    ) -> dict[str, Any]:
        request_id = spec.id()
        base = f"{_origin(request)}/queue/fal-ai/{app}/requests/{request_id}"
        status = {"queued": "IN_QUEUE", "running": "IN_PROGRESS"}.get(phase, "COMPLETED")
        if spec.f == "o1" and phase == "failed":
            status = "FAILED"
        return {
            "status": status,
            "request_id": request_id,
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": "",
        }

    async def _fal_poll(
        self, request: _Request, send: "Send", family: str, *, result: bool
    ) -> None:
        request_id = request.params["request_id"]
        spec = Spec.decode(request_id, family)
        if spec is None:
            await _fal_error(send, 404, f"Request {request_id} was not found.")
            return
        app = "kling-image" if family == "o1" else "vidu"
        phase = spec.phase()
        envelope = self._fal_envelope(request, spec, app, phase)
        if phase == "queued":
            await _send_json(send, 202, envelope | {"queue_position": 0})
            return
        if phase == "running":
            await _send_json(send, 202, envelope | {"logs": []})
            return
        if phase == "failed":
            code, message = FAILURES[family][spec.x]
            failure: dict[str, Any] = {"error": {"code": code, "message": message}}
            if family == "vidu" or result:  # Qiniu's queue: COMPLETED, the reason in `detail`
                failure["detail"] = message
            await _send_json(
                send, 400 if result else 200, failure if result else envelope | failure
            )
            return
        output = self._fal_output(request, spec)
        if result:
            await _send_json(send, 200, output)
            return
        metrics = {"inference_time": max(1, round(spec.j - spec.queued_for))}
        await _send_json(send, 200, envelope | {"metrics": metrics, "result": output})

    def _fal_output(self, request: _Request, spec: Spec) -> dict[str, Any]:
        task_id = spec.id()
        if spec.f == "o1":
            width, height = fit(spec.w, spec.h, MAX_IMAGE_SIDE)
            return {
                "images": [
                    {
                        "url": _media_url(request, task_id, index, "png"),
                        "content_type": "image/png",
                        "file_name": f"{index}.png",
                        "width": width,
                        "height": height,
                    }
                    for index in range(spec.n)
                ]
            }
        url = _media_url(request, task_id, 0, "mp4")
        return {"video": {"url": url, "content_type": "video/mp4", "file_name": "0.mp4"}}

    # Veo (videos.md §3).

    async def veo_create(self, request: _Request, send: "Send") -> None:
        body = request.json if isinstance(request.json, dict) else {}
        instances = body.get("instances")
        instance = instances[0] if isinstance(instances, list) and instances else {}
        instance = instance if isinstance(instance, dict) else {}
        started = await self._start(request, send, _text(instance.get("prompt")), _veo_error)
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
                _veo_media(instance, key)
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
            count = _integer(parameters, "sampleCount", 1, 4, 1)
            aspect = _choice(parameters, "aspectRatio", ("16:9", "9:16"), "16:9")
            if not model.startswith("veo-2"):
                _choice(parameters, "resolution", ("720p", "1080p"), "720p")
        except BadRequest as exc:
            await _veo_error(send, 400, str(exc))
            return
        spec = new_spec(
            "veo", model, prompt, knobs, w=_w(aspect), h=_h(aspect), n=count, s=float(seconds)
        )
        await _send_json(send, 200, {"id": spec.id()})

    async def veo_task(self, request: _Request, send: "Send") -> None:
        video_id = request.params["video_id"]
        spec = Spec.decode(video_id, "veo")
        if spec is None:
            await _veo_error(send, 404, "record not found")
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
            message = FAILURES["veo"][spec.x][1]
            if spec.x == "moderation":
                data["raiMediaFilteredCount"] = spec.n
        elif phase == "succeeded":
            data["videos"] = [
                {"url": _media_url(request, video_id, index, "mp4"), "mimeType": "video/mp4"}
                for index in range(spec.n)
            ]
        done = phase in ("succeeded", "failed")
        task = {"id": video_id, "model": spec.m, "status": status, "message": message}
        task |= {
            "data": data,
            "created_at": iso8601(spec.created),
            "updated_at": iso8601(spec.finished_at if done else now),
        }
        await _send_json(send, 200, task)

    # sora-2, sora-2-pro and the Kling video models (videos.md §4, §5).

    async def videos_create(self, request: _Request, send: "Send") -> None:
        body = request.json if isinstance(request.json, dict) else {}
        started = await self._start(request, send, _text(body.get("prompt")), _openai_error)
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
            await _openai_error(send, 400, str(exc))
            return
        size = dimensions(echo["size"]) or (16, 9)
        spec = new_spec(
            "videos", model, prompt, knobs, w=size[0], h=size[1], s=float(echo["seconds"]), e=echo
        )
        await _send_json(send, 200, self._video_object(request, spec, created=True))

    async def videos_task(self, request: _Request, send: "Send") -> None:
        spec = Spec.decode(request.params["video_id"], "videos")
        if spec is None:
            await _openai_error(send, 404, f"Video {request.params['video_id']} was not found.")
            return
        await _send_json(send, 200, self._video_object(request, spec))

    async def videos_remix(self, request: _Request, send: "Send") -> None:
        source_id = request.params["video_id"]
        source = Spec.decode(source_id, "videos")
        if source is None:
            await _openai_error(send, 404, f"Video {source_id} was not found.")
            return
        body = request.json if isinstance(request.json, dict) else {}
        started = await self._start(request, send, _text(body.get("prompt")), _openai_error)
        if started is None:
            return
        prompt, knobs = started
        try:
            if source.m not in SORA_SIZES:
                raise BadRequest(f"Remix is not supported for {source.m}.")
            if source.phase() != "succeeded":
                raise BadRequest(f"Video {source_id} is not completed; only finished videos remix.")
            _require_prompt(prompt)
            if extra := sorted(set(body) - {"prompt", "model"}):
                raise BadRequest(f"Remix takes only a prompt; got {', '.join(extra)}.")
        except BadRequest as exc:
            await _openai_error(send, 400, str(exc))
            return
        spec = new_spec(
            "videos", source.m, prompt, knobs, w=source.w, h=source.h, s=source.s, e=source.e
        )
        spec.r = source._compact()
        await _send_json(send, 200, self._video_object(request, spec, created=True))

    def _video_object(
        self, request: _Request, spec: Spec, *, created: bool = False
    ) -> dict[str, Any]:
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
                        "url": _media_url(request, video_id, 0, "mp4"),
                        "duration": f"{float(spec.e['seconds']):.1f}",
                    }
                ]
            }
        elif phase == "failed":
            code, message = FAILURES["videos"][spec.x]
            video |= {
                "completed_at": int(spec.finished_at),
                "error": {"code": code, "message": message},
            }
        return video

    # Seedance (videos.md §6).

    async def seedance_create(self, request: _Request, send: "Send") -> None:
        body = request.json if isinstance(request.json, dict) else {}
        content = body.get("content")
        items = (
            [item for item in content if isinstance(item, dict)]
            if isinstance(content, list)
            else []
        )
        texts = [_text(item.get("text")) for item in items if item.get("type") == "text"]
        started = await self._start(request, send, " ".join(filter(None, texts)), _ark_error)
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
            resolution = _choice(body, "resolution", SEEDANCE_RESOLUTIONS, "720p")
            aspect = _choice(body, "ratio", SEEDANCE_RATIOS, "16:9")
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
            await _ark_error(send, 400, str(exc))
            return
        seconds = 5 if seconds == -1 else seconds
        shape = "16:9" if aspect == "adaptive" else aspect
        echo = {"resolution": resolution, "ratio": aspect, "duration": seconds}
        echo |= {"generate_audio": audio, "seed": seed}
        spec = new_spec(
            "seedance", model, prompt, knobs, w=_w(shape), h=_h(shape), s=float(seconds), e=echo
        )
        await _send_json(send, 200, {"id": spec.id()})

    async def seedance_task(self, request: _Request, send: "Send") -> None:
        task_id = request.params["task_id"]
        spec = Spec.decode(task_id, "seedance")
        if spec is None:
            await _ark_error(send, 404, f"The specified task {task_id} was not found.")
            return
        now = time.time()
        phase = spec.phase(now)
        done = phase in ("succeeded", "failed")
        task: dict[str, Any] = {"id": task_id, "model": spec.m, "status": phase, "error": None}
        task |= {
            "created_at": int(spec.created),
            "updated_at": int(spec.finished_at if done else now),
        }
        if phase == "failed":
            code, message = FAILURES["seedance"][spec.x]
            task["error"] = {"code": code, "message": message}
        elif phase == "succeeded":
            task["content"] = {"video_url": _media_url(request, task_id, 0, "mp4")}
        task |= spec.e | {"framespersecond": 24}
        if phase == "succeeded":
            tokens = int(spec.s * 21780)
            task["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
        await _send_json(send, 200, task)

    # The media files behind the result URLs.

    @_public
    async def media(self, request: _Request, send: "Send") -> None:
        spec = Spec.decode(request.params["task_id"])
        index, dot, extension = request.params["name"].partition(".")
        wanted = "png" if spec is not None and spec.f in ("kling-image", "o1") else "mp4"
        if (
            spec is None
            or not dot
            or extension != wanted
            or not index.isdigit()
            or int(index) >= spec.n
            or spec.phase() != "succeeded"
        ):
            await _send_raw(send, 404, b"Not found.\n", content_type=b"text/plain")
            return
        if spec.z:
            body = b"This link has expired.\n"
            await _send_raw(send, 410, body, content_type=b"text/plain")
            return
        seed = spec.seed(int(index))
        if wanted == "png":
            width, height = fit(spec.w, spec.h, MAX_IMAGE_SIDE)
            data = await asyncio.to_thread(render_png, width, height, spec.p, seed)
            content_type = b"image/png"
        else:
            width, height = video_size(spec.w, spec.h)
            data = await asyncio.to_thread(render_mp4, width, height, spec.s, spec.p, seed)
            content_type = b"video/mp4"
        await _send_media(request, send, data, content_type)


async def _send_media(request: _Request, send: "Send", data: bytes, content_type: bytes) -> None:
    """The bytes, honouring a single `Range: bytes=a-b` (browsers ask for video that way)."""
    status, body, headers = 200, data, {"accept-ranges": "bytes", "cache-control": "max-age=3600"}
    unit, _, ranges = request.headers.get("range", "").partition("=")
    if unit.strip() == "bytes" and ranges and "," not in ranges:
        first, _, last = ranges.strip().partition("-")
        try:
            if first:
                start, end = int(first), int(last) if last else len(data) - 1
            else:
                start, end = max(0, len(data) - int(last)), len(data) - 1
        except ValueError:
            start, end = 0, -1
        end = min(end, len(data) - 1)
        if start > end:
            headers["content-range"] = f"bytes */{len(data)}"
            await _send_raw(send, 416, b"", content_type=content_type, headers=headers)
            return
        status, body = 206, data[start : end + 1]
        headers["content-range"] = f"bytes {start}-{end}/{len(data)}"
    if request.method == "HEAD":
        raw_headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            *[(key.encode(), value.encode()) for key, value in headers.items()],
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await _send_raw(send, status, body, content_type=content_type, headers=headers)


def _origin(request: _Request) -> str:
    return f"{request.scheme}://{request.headers.get('host') or 'simulator.local'}"


def _media_url(request: _Request, task_id: str, index: int, extension: str) -> str:
    return f"{_origin(request)}/sim-media/{task_id}/{index}.{extension}"


# Validation helpers.


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _w(aspect: str) -> int:
    return (ratio(aspect) or (16, 9))[0]


def _h(aspect: str) -> int:
    return (ratio(aspect) or (16, 9))[1]


def _require_prompt(prompt: str, *, limit: int = MAX_PROMPT) -> None:
    if not prompt:
        raise BadRequest("`prompt` is required.")
    if len(prompt) > limit:
        raise BadRequest(f"`prompt` must be at most {limit} characters.")


def _choice(
    body: dict[str, Any],
    key: str,
    allowed: tuple[str, ...],
    default: str | None,
    *,
    required: bool = False,
    name: str = "",
) -> str:
    value = body.get(key)
    if value is None and not required:
        return default or ""
    if value not in allowed:
        raise BadRequest(f"`{name}{key}` must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def _integer(body: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"`{key}` must be an integer from {low} to {high}; got {value!r}.")
    return value


def _seconds_text(body: dict[str, Any], allowed: tuple[str, ...], default: str) -> str:
    value = body.get("seconds", default)
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if text not in allowed:
        raise BadRequest(f"`seconds` must be one of {', '.join(allowed)}; got {value!r}.")
    return text


def _sora_fields(body: dict[str, Any], model: str, prompt: str) -> dict[str, Any]:
    _require_prompt(prompt)
    seconds = _seconds_text(body, SORA_SECONDS, "4")
    size = _choice(body, "size", SORA_SIZES[model], SORA_SIZES[model][0])
    if "input_reference" in body and not _text(body["input_reference"]):
        raise BadRequest("`input_reference` must be an image URL or data URI.")
    return {"seconds": seconds, "size": size}


# docs/api/media-modes.md §4.4 and videos.md §5.2: these fields exist only on these models.
KLING_NEGATIVE_PROMPT_MODELS = ("kling-v2-1", "kling-v2-5-turbo", "kling-v2-6")
KLING_IMAGE_TAIL_MODELS = ("kling-v2-1", "kling-v2-5-turbo", "kling-v2-6")
KLING_MOTION_FIELDS = ("image_url", "video_url", "character_orientation", "keep_original_sound")
KLING_MOTION_MODELS = ("kling-v2-6",)
KLING_VIDEO_LIST_MODELS = ("kling-video-o1", "kling-v3-omni")
KLING_MULTI_SHOT_MODELS = ("kling-v3", "kling-v3-omni")


def _kling_video_fields(body: dict[str, Any], model: str, prompt: str) -> dict[str, Any]:
    omni = model in ("kling-v3", "kling-v3-omni")
    motion = any(key in body for key in KLING_MOTION_FIELDS)
    multi_shot = body.get("multi_shot") is True
    if not ((model == "kling-v3-omni" and multi_shot) or motion):
        _require_prompt(prompt)
    elif len(prompt) > MAX_PROMPT:
        raise BadRequest(f"`prompt` must be at most {MAX_PROMPT} characters.")
    if model == "kling-v2-1" and not _text(body.get("input_reference")):
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
    mode = _choice(body, "mode", ("std", "pro"), "pro" if omni else "std")
    allowed = tuple(str(number) for number in range(3, 16)) if omni else ("5", "10")
    seconds = _seconds_text(body, allowed, "5")
    size = _choice(body, "size", KLING_VIDEO_SIZES, "1920x1080")
    if model in ("kling-v2-6", "kling-v3", "kling-v3-omni"):
        sound = _choice(body, "sound", ("on", "off"), "off")
    else:
        sound = "off"
    if _text(body.get("image_tail")):
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
        if not isinstance(item, dict) or not _text(item.get("image")):
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
    if not (_text(body.get("image_url")) and _text(body.get("video_url"))):
        raise BadRequest("Motion control needs both `image_url` and `video_url`.")
    _choice(body, "character_orientation", ("image", "video"), None, required=True)
    _choice(body, "keep_original_sound", ("yes", "no"), "no")
    if "input_reference" in body or "image_tail" in body:
        raise BadRequest("Motion control takes `image_url`, not `input_reference`/`image_tail`.")


def _kling_video_list(body: dict[str, Any], sound: str) -> None:
    """A reference video (docs/api/media-modes.md §4.2): at most one, used as a feature
    reference or as the video to edit; Kling makes no sound next to it."""
    for item in body["video_list"]:
        if not isinstance(item, dict) or not _text(item.get("video_url")):
            raise BadRequest("Each `video_list` item needs a `video_url`.")
        refer_type = _choice(item, "refer_type", ("feature", "base"), None, required=True)
        _choice(item, "keep_original_sound", ("yes", "no"), "no")
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
        text = _text(shot.get("prompt"))
        if not text or len(text) > 512:
            raise BadRequest("Each shot needs a `prompt` of at most 512 characters.")
        duration = shot.get("duration")
        if not isinstance(duration, str) or not duration.isdigit() or int(duration) < 1:
            raise BadRequest('Each shot needs a `duration` of at least "1" second.')
        total += int(duration)
    if total != int(seconds):
        raise BadRequest(f"The shots last {total} seconds but `seconds` is {seconds}.")


def _veo_media(instance: dict[str, Any], key: str) -> None:
    value = instance.get(key)
    if value is None:
        return
    if not isinstance(value, dict) or not (
        _text(value.get("uri")) or _text(value.get("bytesBase64Encoded"))
    ):
        raise BadRequest(f"instances[0].{key} needs uri or bytesBase64Encoded")
    if not _text(value.get("mimeType")):
        raise BadRequest(f"instances[0].{key}.mimeType is required")


def _vidu_references(body: dict[str, Any]) -> None:
    # Qiniu's cookbook marks `aspect_ratio` and `bgm` required on the reference routes
    # (docs/api/media-modes.md §1, §2: first-party, over third-party code).
    for key in ("aspect_ratio", "bgm"):
        if key not in body:
            raise BadRequest(f"`{key}` is required.")
    if not isinstance(body["bgm"], bool):
        raise BadRequest("`bgm` must be a boolean.")
    images, subjects = body.get("reference_image_urls"), body.get("subjects")
    if (images is None) == (subjects is None):
        raise BadRequest("Send either `reference_image_urls` or `subjects`.")
    if images is not None:
        if not isinstance(images, list) or not 1 <= len(images) <= 7 or not all(map(_text, images)):
            raise BadRequest("`reference_image_urls` must hold 1 to 7 image URLs.")
        return
    if not isinstance(subjects, list) or not 1 <= len(subjects) <= 7:
        raise BadRequest("`subjects` must hold 1 to 7 subjects.")
    total = 0
    for subject in subjects:
        if not isinstance(subject, dict):
            raise BadRequest("Each subject must be an object with `id`, `images`, `voice_id`.")
        pictures = subject.get("images")
        if not _text(subject.get("id")) or not (
            isinstance(pictures, list) and 1 <= len(pictures) <= 3 and all(map(_text, pictures))
        ):
            raise BadRequest("Each subject needs an `id` and 1 to 3 `images`.")
        # Required by the cookbook, "" allowed: Vidu then picks a voice (media-modes.md §1).
        if not isinstance(subject.get("voice_id"), str):
            raise BadRequest("Each subject needs a `voice_id` (a string; blank picks one).")
        if unknown := sorted(set(subject) - {"id", "images", "voice_id"}):
            raise BadRequest(f"Unknown subject fields: {', '.join(unknown)}.")
        total += len(pictures)
    if total > 7:
        raise BadRequest("`subjects` may hold at most 7 images in all.")


def _gemini_blocked() -> dict[str, Any]:
    message = "The request was blocked by the safety filters; no image was generated."
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "code": "content_policy_violation",
        }
    }


__all__ = ["PREFIXES", "MediaApi", "media_routes"]
