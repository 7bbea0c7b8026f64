"""Small helpers every family adapter shares: image inputs, optional fields, task ids."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from playground.nexconn.errors import malformed_body_error

type WireRequest = tuple[str, str, dict[str, Any]]  # method, path, JSON body

_DATA_URL = re.compile(r"^data:(?P<type>[\w.+/-]+);base64,(?P<data>.*)$", re.DOTALL)
# Ids go back into URL paths, so anything that could change the path is refused.
_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$")


def image_refs(inputs: Mapping[str, list[str]], slot: str) -> list[str]:
    """The non-blank image references for a slot, as URLs or data URLs."""
    return [ref.strip() for ref in inputs.get(slot) or [] if ref.strip()]


def image_ref(inputs: Mapping[str, list[str]], slot: str) -> str | None:
    refs = image_refs(inputs, slot)
    return refs[0] if refs else None


def raw_base64(ref: str) -> str:
    """A data URL's bare base64 (for providers that refuse the prefix); URLs unchanged."""
    match = _DATA_URL.match(ref)
    return match["data"] if match else ref


def data_url_type(ref: str) -> str | None:
    match = _DATA_URL.match(ref)
    return match["type"] if match else None


def put(body: dict[str, Any], key: str, value: Any) -> None:
    """Set an optional field: a None value means "let the provider decide"."""
    if value is not None:
        body[key] = value


def required_task_id(body: Mapping[str, Any], key: str) -> str:
    """The id a create call returned; a 2xx answer without one is unusable."""
    task_id = body.get(key)
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        task_id = str(task_id)
    if not isinstance(task_id, str) or not _TASK_ID.match(task_id):
        raise malformed_body_error(f"no usable {key!r} in the create answer: {str(body)[:300]}")
    return task_id


def segment(task_id: str) -> str:
    """A task id made safe to put into a URL path."""
    if task_id in {".", ".."}:
        raise ValueError(f"not a task id: {task_id!r}")
    return quote(task_id, safe="")
