"""The fal-style queue behind kling-image-o1 and Vidu (docs/api/images.md §5, videos.md §7).

Create answers carry `status_url` / `response_url`, but on Nexconn's own pages they point at
another company's host, so the poll URLs are rebuilt from `request_id` on the configured base
URL and those fields are never followed. Qiniu's queue puts the result inside the status
answer once it is COMPLETED; when it does not, the result call is made as well.
"""

from typing import Any

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families.wire import required_task_id, segment
from playground.nexconn.media.status import (
    FAL_QUEUE_STATES,
    MediaOutput,
    TaskState,
    TaskStatus,
    error_fields,
    failure_reason,
    task_status,
)


def read_submitted(body: dict[str, Any]) -> TaskStatus:
    return _read(body, task_id=required_task_id(body, "request_id"), if_missing="queued")


async def poll(client: NexconnClient, *, app: str, request_id: str) -> TaskStatus:
    """`app` is the queue's app prefix, e.g. "fal-ai/vidu" (no model suffix: fal convention)."""
    requests_path = f"/queue/{app}/requests/{segment(request_id)}"
    body = await client.request_json("GET", f"{requests_path}/status")
    status = _read(body, task_id=request_id, if_missing="running")
    if status.raw_status.upper() != "COMPLETED" or status.outputs or status.state == "failed":
        return status
    result = await client.request_json("GET", requests_path)
    return _read({**body, "response": result}, task_id=request_id, if_missing="running")


def _read(body: dict[str, Any], *, task_id: str, if_missing: TaskState) -> TaskStatus:
    message, code = _error(body)
    return task_status(
        FAL_QUEUE_STATES,
        task_id=task_id,
        raw_status=body.get("status"),
        raw=body,
        outputs=_outputs(body),
        error=failure_reason(message, code=code),
        status_message=body.get("message"),
        if_missing=if_missing,
    )


def _error(body: dict[str, Any]) -> tuple[Any, Any]:
    """A failure reported as `error` or `detail`, in the status answer or the fetched result."""
    for source in (body, body.get("response")):
        if not isinstance(source, dict):
            continue
        for key in ("error", "detail"):
            message, code = error_fields(source.get(key))
            if message or code:
                return message, code
    return None, None


def _outputs(body: dict[str, Any]) -> tuple[MediaOutput, ...]:
    """Results from `result` in the status answer, or from the fetched result itself, as
    `images[]` (kling-image-o1), `video` or `videos[]` (Vidu)."""
    for source in (body.get("result"), body.get("response")):
        if not isinstance(source, dict):
            continue
        items = [source.get("video"), *_list(source.get("videos")), *_list(source.get("images"))]
        outputs = tuple(
            MediaOutput(url=item["url"], content_type=_text(item.get("content_type")))
            for item in items
            if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]
        )
        if outputs:
            return outputs
    return ()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
