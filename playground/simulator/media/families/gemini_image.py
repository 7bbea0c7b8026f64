"""Gemini images, synchronous, pattern B (docs/api/images.md §4): POST /v1/images/generations|edits
(shared with kling_image, see routes.py) answers with the pictures themselves."""

import asyncio
import base64
import time
from typing import TYPE_CHECKING, Any

from playground.nexconn.media import catalog
from playground.simulator import answers
from playground.simulator.http import Request, Send, send_json
from playground.simulator.media.families.wire import (
    BadRequest,
    choice,
    choices,
    height,
    integer,
    openai_error,
    require_prompt,
    start,
    text,
    width,
)
from playground.simulator.media.render import fit, image_size, render_png
from playground.simulator.media.tasks import DEFAULT_IMAGE_SECONDS, dimensions

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

# model -> (aspect ratios, image sizes); a model without an image size makes 1K pictures only
# (docs/api/images.md §4.1). The chat protocols' image models are these too.
GEMINI_IMAGE_MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    model.id: (choices(model, "aspect_ratio"), choices(model, "image_size") or ("1K",))
    for model in catalog.GEMINI_IMAGE_MODELS
}
IMAGE_TOKENS = 1120  # per picture (docs/api/images.md §4.2)


async def create(
    simulator: "Simulator",
    request: Request,
    send: Send,
    body: dict[str, Any],
    model: str,
    *,
    edit: bool,
) -> None:
    started = await start(simulator, request, send, text(body.get("prompt")), openai_error)
    if started is None:
        return
    prompt, knobs = started
    ratios, sizes = GEMINI_IMAGE_MODELS[model]
    try:
        require_prompt(prompt)
        if edit:
            images = body.get("image")
            images = [images] if isinstance(images, str) else images
            if not isinstance(images, list) or not images or not all(map(text, images)):
                raise BadRequest("`image` is required: a URL or data URI, or a list of them.")
        config = body.get("image_config") or {}
        if not isinstance(config, dict):
            raise BadRequest("`image_config` must be an object.")
        aspect = choice(config, "aspect_ratio", ratios, "1:1", name="image_config.")
        resolution = choice(config, "image_size", sizes, "1K", name="image_config.")
        count = integer(body, "n", 1, 10, 1)
        size = dimensions(text(body.get("size")))
    except BadRequest as exc:
        await openai_error(send, 400, str(exc))
        return
    count = knobs.get("count", count)
    if size is not None and "aspect_ratio" not in config:
        picture_width, picture_height = image_size(*size)
    else:
        longest = 512 if resolution == "512" else 1024
        picture_width, picture_height = fit(width(aspect), height(aspect), longest)
    if await request.connection.pause(knobs.get("job", DEFAULT_IMAGE_SECONDS)):
        return
    if knobs.get("fail") == "moderation":
        await send_json(send, 400, _blocked())
        return
    if knobs.get("fail") == "error":
        await openai_error(send, 500, "The image model failed to generate an image.")
        return
    seed = f"{prompt}|{time.time_ns()}"
    pictures = [
        await asyncio.to_thread(
            render_png, picture_width, picture_height, prompt, f"{seed}|{index}"
        )
        for index in range(count)
    ]
    prompt_tokens = answers.count_tokens(prompt)
    image_tokens = IMAGE_TOKENS * count
    await send_json(
        send,
        200,
        {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(picture).decode()} for picture in pictures],
            "output_format": "png",
            "size": f"{picture_width}x{picture_height}",
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


def _blocked() -> dict[str, Any]:
    message = "The request was blocked by the safety filters; no image was generated."
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "code": "content_policy_violation",
        }
    }
