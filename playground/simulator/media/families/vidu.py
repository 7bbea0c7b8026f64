"""Vidu on the fal-style queue (docs/api/videos.md §7): POST /queue/fal-ai/vidu/{route},
one path per route below, then the queue's status and result paths (fal_queue.py)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playground.nexconn.media.catalog import VIDU_MODELS
from playground.simulator.http import Handler, Request, Route, Send, send_json
from playground.simulator.media.families.fal_queue import envelope, fal_error, poll
from playground.simulator.media.families.wire import (
    BadRequest,
    body_of,
    choice,
    choices,
    height,
    integer,
    prompt_limit,
    require_prompt,
    start,
    text,
    width,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.tasks import Spec, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

APP = "vidu"
MAX_PROMPT = prompt_limit(VIDU_MODELS[0])
MOVEMENTS = choices(VIDU_MODELS[0], "movement_amplitude")
# docs/api/media-modes.md §3: the q2 image-to-video routes take an optional last frame; §1
# and docs/api/videos.md §7.2: `audio` goes with `subjects` on the reference routes, and on
# the q2 pro i2v route.
VIDU_END_FRAME_ROUTES = frozenset({"q2/image-to-video/pro", "q2/image-to-video/turbo"})
VIDU_AUDIO_ROUTES = frozenset(
    {"q1/reference-to-video", "q2/reference-to-video", "q2/image-to-video/pro"}
)
FAILURES = {  # fail mode -> (code, message)
    "error": ("internal_error", "Video generation failed. Please try again."),
    "moderation": (
        "content_moderation_failed",
        "The prompt or an input image did not pass the content review.",
    ),
}


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


def routes(simulator: "Simulator") -> list[Route]:
    def create_on(route: str) -> Handler:
        async def create_route(request: Request, send: Send) -> None:
            await create(simulator, request, send, route)

        return create_route

    return [
        ("GET", "/queue/fal-ai/vidu/requests/{request_id}/status", status),
        ("GET", "/queue/fal-ai/vidu/requests/{request_id}", result),
        *(("POST", f"/queue/fal-ai/vidu/{route}", create_on(route)) for route in VIDU_ROUTES),
    ]


async def create(simulator: "Simulator", request: Request, send: Send, route: str) -> None:
    body = body_of(request)
    rules = VIDU_ROUTES[route]
    started = await start(simulator, request, send, text(body.get("prompt")), fal_error)
    if started is None:
        return
    prompt, knobs = started
    aspect = "16:9"
    try:
        if rules.kind in ("text", "reference"):
            require_prompt(prompt, limit=MAX_PROMPT)
            aspect = choice(body, "aspect_ratio", rules.ratios, "16:9")
        elif len(prompt) > MAX_PROMPT:
            raise BadRequest(f"`prompt` must be at most {MAX_PROMPT} characters.")
        seconds = integer(body, "duration", min(rules.durations), max(rules.durations), 5)
        choice(body, "resolution", rules.resolutions, rules.resolutions[-1])
        choice(body, "movement_amplitude", MOVEMENTS, "auto")
        if route == "q1/text-to-video":
            choice(body, "style", ("general", "anime"), "general")
        if rules.kind == "image" and not text(body.get("image_url")):
            raise BadRequest("`image_url` is required.")
        # Only start-end routes and the q2 image routes take a last frame (§3).
        end_frame_allowed = rules.kind == "start-end" or route in VIDU_END_FRAME_ROUTES
        if "end_image_url" in body and (not end_frame_allowed or not text(body["end_image_url"])):
            raise BadRequest("`end_image_url` is not supported here or is empty.")
        if "audio" in body:
            if route not in VIDU_AUDIO_ROUTES or (
                rules.kind == "reference" and "subjects" not in body
            ):
                raise BadRequest("`audio` is only supported with `subjects`.")
            if not isinstance(body["audio"], bool):
                raise BadRequest("`audio` must be a boolean.")
        if rules.kind == "start-end" and not (
            text(body.get("start_image_url")) and text(body.get("end_image_url"))
        ):
            raise BadRequest("`start_image_url` and `end_image_url` are both required.")
        if rules.kind == "reference":
            _references(body)
        elif extra := sorted({"subjects", "reference_image_urls"} & set(body)):
            raise BadRequest(f"`{extra[0]}` is only taken by the reference-to-video routes.")
    except BadRequest as exc:
        await fal_error(send, 400, str(exc))
        return
    spec = new_spec(
        "vidu", route, prompt, knobs, w=width(aspect), h=height(aspect), s=float(seconds)
    )
    await send_json(send, 200, envelope(request, spec, APP))


async def status(request: Request, send: Send) -> None:
    await poll(
        request, send, family="vidu", app=APP, failures=FAILURES, output=_output, result=False
    )


async def result(request: Request, send: Send) -> None:
    await poll(
        request, send, family="vidu", app=APP, failures=FAILURES, output=_output, result=True
    )


def _output(request: Request, spec: Spec) -> dict[str, Any]:
    url = media_url(request, spec.id(), 0, "mp4")
    return {"video": {"url": url, "content_type": "video/mp4", "file_name": "0.mp4"}}


def _references(body: dict[str, Any]) -> None:
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
        if not isinstance(images, list) or not 1 <= len(images) <= 7 or not all(map(text, images)):
            raise BadRequest("`reference_image_urls` must hold 1 to 7 image URLs.")
        return
    if not isinstance(subjects, list) or not 1 <= len(subjects) <= 7:
        raise BadRequest("`subjects` must hold 1 to 7 subjects.")
    total = 0
    for subject in subjects:
        if not isinstance(subject, dict):
            raise BadRequest("Each subject must be an object with `id`, `images`, `voice_id`.")
        pictures = subject.get("images")
        if not text(subject.get("id")) or not (
            isinstance(pictures, list) and 1 <= len(pictures) <= 3 and all(map(text, pictures))
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
