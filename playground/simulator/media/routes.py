"""Every image and video task path, each to its family's module (families/), in the shapes of
docs/api/images.md and videos.md:

  kling_image     Kling image tasks, pattern A        POST /v1/images/generations|edits, poll
  gemini_image    Gemini images, sync pattern B       POST /v1/images/generations|edits
  kling_image_o1  kling-image-o1, fal-style queue     /queue/fal-ai/kling-image/...
  veo             Veo, Vertex-like (protocol B)       /v1/videos/generations[/{id}]
  openai_video    sora-2*, Kling video (protocol A)   /v1/videos[/{id}[/remix]]
  seedance        Seedance, Ark-like (protocol C)     /v3/contents/generations/tasks[/{id}]
  vidu            Vidu, fal-style queue (protocol D)  /queue/fal-ai/vidu/...
Results link to /sim-media/{task_id}/{index}.png|mp4 on the host the request came to (links.py).
"""

from typing import TYPE_CHECKING

from playground.simulator.http import Request, Route, Send
from playground.simulator.media import links
from playground.simulator.media.families import (
    gemini_image,
    kling_image,
    kling_image_o1,
    openai_video,
    seedance,
    veo,
    vidu,
)
from playground.simulator.media.families.wire import body_of, openai_error

if TYPE_CHECKING:
    from playground.simulator.app import Simulator


def media_routes(simulator: "Simulator") -> list[Route]:
    async def generations(request: Request, send: Send) -> None:
        await _images(simulator, request, send, edit=False)

    async def edits(request: Request, send: Send) -> None:
        await _images(simulator, request, send, edit=True)

    return [
        ("POST", "/v1/images/generations", generations),
        ("POST", "/v1/images/edits", edits),
        *kling_image.routes(),
        *kling_image_o1.routes(simulator),
        *veo.routes(simulator),
        *openai_video.routes(simulator),
        *seedance.routes(simulator),
        *vidu.routes(simulator),
        *links.links_routes(),
    ]


async def _images(simulator: "Simulator", request: Request, send: Send, *, edit: bool) -> None:
    """Kling tasks and Gemini's synchronous images share the create paths: by model."""
    body = body_of(request)
    model = body.get("model")
    if model in gemini_image.GEMINI_IMAGE_MODELS:
        await gemini_image.create(simulator, request, send, body, model, edit=edit)
    elif model in kling_image.KLING_IMAGE_MODELS:
        await kling_image.create(simulator, request, send, body, model, edit=edit)
    elif not isinstance(model, str) or not model:
        await openai_error(send, 400, "`model` is required.")
    else:
        await openai_error(send, 400, f"The model `{model}` is not supported on this path.")
