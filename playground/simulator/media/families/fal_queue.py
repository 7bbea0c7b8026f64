"""The fal-style queue that kling_image_o1 and vidu share (docs/api/images.md §5,
docs/api/videos.md §7): a create answers with a request envelope;
`…/requests/{id}/status` and `…/requests/{id}` report progress, then the result or the failure."""

from collections.abc import Callable
from typing import Any

from playground.simulator.http import Request, Send, send_json
from playground.simulator.media.links import origin
from playground.simulator.media.tasks import Spec

type Failures = dict[str, tuple[str, str]]  # fail mode -> (code, message)
type Output = Callable[[Request, Spec], dict[str, Any]]


async def fal_error(send: Send, status: int, message: str) -> None:
    await send_json(send, status, {"detail": message})


def envelope(request: Request, spec: Spec, app: str, phase: str = "queued") -> dict[str, Any]:
    request_id = spec.id()
    base = f"{origin(request)}/queue/fal-ai/{app}/requests/{request_id}"
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


async def poll(
    request: Request,
    send: Send,
    *,
    family: str,
    app: str,
    failures: Failures,
    output: Output,
    result: bool,
) -> None:
    """The status (`result` False) or the result of a queued request of `family`."""
    request_id = request.params["request_id"]
    spec = Spec.decode(request_id, family)
    if spec is None:
        await fal_error(send, 404, f"Request {request_id} was not found.")
        return
    phase = spec.phase()
    answer = envelope(request, spec, app, phase)
    if phase == "queued":
        await send_json(send, 202, answer | {"queue_position": 0})
        return
    if phase == "running":
        await send_json(send, 202, answer | {"logs": []})
        return
    if phase == "failed":
        code, message = failures[spec.x]
        failure: dict[str, Any] = {"error": {"code": code, "message": message}}
        if family == "vidu" or result:  # Qiniu's queue: COMPLETED, the reason in `detail`
            failure["detail"] = message
        await send_json(send, 400 if result else 200, failure if result else answer | failure)
        return
    outputs = output(request, spec)
    if result:
        await send_json(send, 200, outputs)
        return
    metrics = {"inference_time": max(1, round(spec.j - spec.queued_for))}
    await send_json(send, 200, answer | {"metrics": metrics, "result": outputs})
