"""kling-image-o1 on the fal-style queue (docs/api/images.md §5): POST /queue/fal-ai/kling-image/o1,
then the queue's status and result paths (fal_queue.py)."""

from typing import TYPE_CHECKING, Any

from playground.nexconn.media.catalog import KLING_IMAGE_O1
from playground.simulator.http import Request, Route, Send, send_json
from playground.simulator.media.families.fal_queue import envelope, fal_error, poll
from playground.simulator.media.families.wire import (
    BadRequest,
    body_of,
    choice,
    choices,
    height,
    integer,
    require_prompt,
    start,
    text,
    width,
)
from playground.simulator.media.links import media_url
from playground.simulator.media.render import MAX_IMAGE_SIDE, fit
from playground.simulator.media.tasks import Spec, new_spec

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

APP = "kling-image"
O1_RATIOS = choices(KLING_IMAGE_O1, "aspect_ratio")
# 4K as well: the API takes it (docs/api/images.md §5.1), though the catalog offers 1K and 2K only.
O1_RESOLUTIONS = ("1K", "2K", "4K")
FAILURES = {  # fail mode -> (code, message)
    "error": ("internal_error", "Image generation failed on the provider side; retry."),
    "moderation": (
        "content_policy_violation",
        "The prompt or an input image did not pass the content safety review.",
    ),
}


def routes(simulator: "Simulator") -> list[Route]:
    async def create_o1(request: Request, send: Send) -> None:
        await create(simulator, request, send)

    return [
        ("POST", "/queue/fal-ai/kling-image/o1", create_o1),
        ("GET", "/queue/fal-ai/kling-image/requests/{request_id}/status", status),
        ("GET", "/queue/fal-ai/kling-image/requests/{request_id}", result),
    ]


async def create(simulator: "Simulator", request: Request, send: Send) -> None:
    body = body_of(request)
    started = await start(simulator, request, send, text(body.get("prompt")), fal_error)
    if started is None:
        return
    prompt, knobs = started
    try:
        require_prompt(prompt)
        urls = body.get("image_urls", [])
        if not isinstance(urls, list) or len(urls) > 10 or not all(map(text, urls)):
            raise BadRequest("`image_urls` must be a list of at most 10 image URLs.")
        count = integer(body, "num_images", 1, 9, 1)
        if isinstance(body.get("resolution"), str):
            body = body | {"resolution": body["resolution"].upper()}
        choice(body, "resolution", O1_RESOLUTIONS, "1K")
        aspect = choice(body, "aspect_ratio", O1_RATIOS, "auto")
    except BadRequest as exc:
        await fal_error(send, 400, str(exc))
        return
    aspect = "1:1" if aspect == "auto" else aspect
    spec = new_spec(
        "o1", "kling-image-o1", prompt, knobs, w=width(aspect), h=height(aspect), n=count
    )
    await send_json(send, 200, envelope(request, spec, APP))


async def status(request: Request, send: Send) -> None:
    await poll(request, send, family="o1", app=APP, failures=FAILURES, output=_output, result=False)


async def result(request: Request, send: Send) -> None:
    await poll(request, send, family="o1", app=APP, failures=FAILURES, output=_output, result=True)


def _output(request: Request, spec: Spec) -> dict[str, Any]:
    task_id = spec.id()
    picture_width, picture_height = fit(spec.w, spec.h, MAX_IMAGE_SIDE)
    return {
        "images": [
            {
                "url": media_url(request, task_id, index, "png"),
                "content_type": "image/png",
                "file_name": f"{index}.png",
                "width": picture_width,
                "height": picture_height,
            }
            for index in range(spec.n)
        ]
    }
