"""The media files behind the result URLs: /sim-media/{task_id}/{index}.png|mp4 on the host
the request came to, rendered from the task id alone."""

import asyncio

from playground.simulator.http import Request, Route, Send, public, send_raw
from playground.simulator.media.render import (
    MAX_IMAGE_SIDE,
    fit,
    render_mp4,
    render_png,
    video_size,
)
from playground.simulator.media.tasks import Spec


def media_url(request: Request, task_id: str, index: int, extension: str) -> str:
    return f"{origin(request)}/sim-media/{task_id}/{index}.{extension}"


def origin(request: Request) -> str:
    return f"{request.scheme}://{request.headers.get('host') or 'simulator.local'}"


def links_routes() -> list[Route]:
    return [
        ("GET", "/sim-media/{task_id}/{name}", media),
        ("HEAD", "/sim-media/{task_id}/{name}", media),
    ]


@public
async def media(request: Request, send: Send) -> None:
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
        await send_raw(send, 404, b"Not found.\n", content_type=b"text/plain")
        return
    if spec.z:
        body = b"This link has expired.\n"
        await send_raw(send, 410, body, content_type=b"text/plain")
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


async def _send_media(request: Request, send: Send, data: bytes, content_type: bytes) -> None:
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
            await send_raw(send, 416, b"", content_type=content_type, headers=headers)
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
    await send_raw(send, status, body, content_type=content_type, headers=headers)
