"""The one task shape every family's answer becomes, and the per-family status tables.

Providers spell statuses differently (`succeed`, `Completed`, `COMPLETED`...), so each
family maps its raw value through one case-insensitive table (docs/api/videos.md §2.1,
images.md §3.5). An unknown value is "running": polling on is safe, failing a paid job on a
new word is not. A task only counts as succeeded once it has something to show.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Literal

type TaskState = Literal["queued", "running", "succeeded", "failed", "cancelled", "expired"]
type StatusTable = dict[str, TaskState]

CONTENT_FILTER_MESSAGE = "The request was blocked by the provider's content filter."
_REASON_LIMIT = 300
# Words providers use when a prompt or picture was refused on content grounds.
_MODERATION = re.compile(
    r"moderation|content[\s_-]*(policy|filter)|safety|sensitive|nsfw|\brai\b|blocked",
    re.IGNORECASE,
)

KLING_IMAGE_STATES: StatusTable = {
    "submitted": "queued",
    "queued": "queued",
    "pending": "queued",
    "processing": "running",
    "running": "running",
    "in_progress": "running",
    "succeed": "succeeded",
    "succeeded": "succeeded",
    "completed": "succeeded",
    "success": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
OPENAI_VIDEO_STATES: StatusTable = {
    "initializing": "queued",
    "queued": "queued",
    "in_progress": "running",
    "downloading": "running",
    "uploading": "running",
    "completed": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
VEO_STATES: StatusTable = {
    "initializing": "queued",
    "queued": "queued",
    "running": "running",
    "uploading": "running",
    "completed": "succeeded",
    "failed": "failed",
}
SEEDANCE_STATES: StatusTable = {
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "expired": "expired",
}
# The fal-style queue behind kling-image-o1 and Vidu.
FAL_QUEUE_STATES: StatusTable = {
    "in_queue": "queued",
    "queued": "queued",
    "in_progress": "running",
    "processing": "running",
    "running": "running",
    "completed": "succeeded",
    "failed": "failed",
    "error": "failed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}

_STATE_MESSAGES: dict[TaskState, str] = {
    "failed": "The generation failed, and the provider gave no reason.",
    "cancelled": "The task was cancelled.",
    "expired": "The task expired at the provider before it finished.",
}


@dataclass(frozen=True, slots=True)
class MediaOutput:
    """One result: a (short-lived) URL, or bytes the provider sent inline, already decoded."""

    url: str | None
    data: bytes | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class TaskStatus:
    task_id: str  # "" for providers that answer at once and keep no task
    state: TaskState
    progress: int | None = None  # 0-100, when the provider reports it
    outputs: tuple[MediaOutput, ...] = ()
    error: str | None = None  # plain-language reason, for failed, cancelled and expired tasks
    raw_status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def task_status(
    table: StatusTable,
    *,
    task_id: str,
    raw_status: Any,
    raw: dict[str, Any],
    outputs: tuple[MediaOutput, ...] = (),
    progress: Any = None,
    error: str | None = None,
    status_message: Any = None,
    if_missing: TaskState = "running",
) -> TaskStatus:
    """Map a raw status through `table` and apply the rules every family shares.

    `error` is a failure the body reports explicitly: a "finished" answer with an error and
    nothing to show is a failure (fal reports failed tasks as COMPLETED with a `detail`).
    `status_message` is the provider's words for the status, the reason only if it failed.
    `if_missing` is the state when there is no status at all (a create answer: "queued").
    """
    raw_text = raw_status.strip() if isinstance(raw_status, str) else ""
    state = table.get(raw_text.lower(), "running") if raw_text else if_missing
    if state == "succeeded" and not outputs:
        state = "failed" if error else "running"
    reason = None
    if state in _STATE_MESSAGES:
        reason = error or failure_reason(status_message) or _STATE_MESSAGES[state]
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=_progress(progress),
        outputs=outputs if state == "succeeded" else (),
        error=reason,
        raw_status=raw_text,
        raw=raw,
    )


def failure_reason(*messages: Any, code: Any = None) -> str | None:
    """A plain sentence from the first usable message; content-filter refusals say so.

    Returns None when the provider said nothing, so the state's own sentence is used.
    """
    text = next((_clean(m) for m in messages if isinstance(m, str) and _clean(m)), "")
    code_text = code if isinstance(code, str) else ""
    if _MODERATION.search(code_text) or _MODERATION.search(text):
        if not text or text.lower() == code_text.lower():
            return CONTENT_FILTER_MESSAGE
        return f"{CONTENT_FILTER_MESSAGE} ({text})"
    if text:
        return f"The generation failed: {text}"
    return f"The generation failed ({code_text})." if code_text else None


def error_fields(value: Any) -> tuple[Any, Any]:
    """(message, code) of an `error` or `detail` value: an object, a string, or a list of them."""
    if isinstance(value, list) and value:
        value = value[0]  # fal's validation errors come as a list
    if isinstance(value, dict):
        return value.get("message") or value.get("msg"), value.get("code") or value.get("type")
    return (value, None) if isinstance(value, str) else (None, None)


def _clean(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _progress(value: Any) -> int | None:
    if isinstance(value, str):
        value = value.strip().removesuffix("%")
        value = float(value) if value.replace(".", "", 1).isdigit() else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, min(100, int(value)))
