"""Kling image tasks, pattern A (docs/api/images.md §3): POST
/v1/images/generations|edits (shared with gemini_image, see routes.py), then
GET /v1/images/tasks/{task_id} until done."""

from typing import TYPE_CHECKING, Any

from playground.nexconn.media import catalog
from playground.simulator.http import Request, Route, Send, send_json
from playground.simulator.media.families.wire import (
    BadRequest,
    choice,
    height,
    integer,
    require_prompt,
    start,
    text,
    width,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.tasks import Spec, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

KLING_IMAGE_MODELS = tuple(model.id for model in catalog.KLING_IMAGE_MODELS)
# Several subject images in one picture: the models with that mode (docs/api/images.md §3.2).
KLING_EDIT_MODELS = tuple(
    model.id for model in catalog.KLING_IMAGE_MODELS if model.mode("multi_image") is not None
)
FAILURES = {  # fail mode -> (code, message)
    "error": ("internal_error", "Image generation failed on the provider side; retry."),
    "moderation": (
        "content_policy_violation",
        "The prompt or an input image did not pass the content safety review.",
    ),
}


def routes() -> list[Route]:
    return [("GET", "/v1/images/tasks/{task_id}", task)]


async def kling_image_error(send: Send, status: int, message: str) -> None:
    await send_json(send, status, {"status": False, "message": message})


async def create(
    simulator: "Simulator",
    request: Request,
    send: Send,
    body: dict[str, Any],
    model: str,
    *,
    edit: bool,
) -> None:
    started = await start(simulator, request, send, text(body.get("prompt")), kling_image_error)
    if started is None:
        return
    prompt, knobs = started
    try:
        require_prompt(prompt)
        aspect = choice(body, "aspect_ratio", catalog.KLING_RATIOS, "16:9")
        count = integer(body, "n", 1, 9, 1)
        if edit:
            if model not in KLING_EDIT_MODELS:
                raise BadRequest(f"{model} does not support multi-image generation.")
            subjects = body.get("subject_image_list")
            if not isinstance(subjects, list) or not 2 <= len(subjects) <= 4:
                raise BadRequest("subject_image_list must hold 2 to 4 subject images.")
            if not all(isinstance(s, dict) and text(s.get("subject_image")) for s in subjects):
                raise BadRequest("Each subject_image_list item needs a subject_image.")
        else:
            image = text(body.get("image"))
            if model == "kling-v2-new" and not image:
                raise BadRequest("kling-v2-new is image-to-image only: `image` is required.")
            if model == "kling-v1-5" and image:
                choice(body, "image_reference", ("subject", "face"), None, required=True)
    except BadRequest as exc:
        await kling_image_error(send, 400, str(exc))
        return
    spec = new_spec("kling-image", model, prompt, knobs, w=width(aspect), h=height(aspect), n=count)
    await send_json(send, 200, {"task_id": spec.id()})


async def task(request: Request, send: Send) -> None:
    task_id = request.params["task_id"]
    spec = Spec.decode(task_id, "kling-image")
    if spec is None:
        await kling_image_error(send, 404, f"Task {task_id} was not found.")
        return
    phase = spec.phase()
    status, message = {
        "queued": ("submitted", "submitted"),
        "running": ("processing", "processing"),
        "succeeded": ("succeed", "success"),
        "failed": ("failed", ""),
    }[phase]
    body: dict[str, Any] = {"task_id": task_id, "created": int(spec.created)}
    body |= {"status": status, "status_message": message}
    if phase == "failed":
        body["status_message"] = FAILURES[spec.x][1]
    elif phase == "succeeded":
        body["data"] = [
            {"index": index, "url": media_url(request, task_id, index, "png")}
            for index in range(spec.n)
        ]
        body["quantity"] = spec.n
    await send_json(send, 200, body)
