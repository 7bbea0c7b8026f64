"""Submit, poll and remix media tasks: one entry point, one adapter per task family.

Failures from the client (NexconnError, already in plain language) propagate unchanged.
Nothing here retries a submit: the client only retries before any response arrived on
429/5xx, when the provider refused the request and cannot have billed it.
"""

from collections.abc import Mapping
from typing import Any, Protocol

from playground.nexconn.client import NexconnClient
from playground.nexconn.media.families import (
    gemini_image,
    kling_image,
    kling_image_o1,
    openai_video,
    seedance,
    veo,
    vidu,
)
from playground.nexconn.media.families.wire import WireRequest
from playground.nexconn.media.schema import Family, MediaModel, ParamValue
from playground.nexconn.media.status import TaskStatus


class FamilyAdapter(Protocol):
    def build_request(
        self,
        *,
        model: MediaModel,
        mode: str,
        prompt: str,
        params: Mapping[str, ParamValue],
        inputs: Mapping[str, list[str]],
    ) -> WireRequest: ...

    def read_submitted(self, body: dict[str, Any]) -> TaskStatus: ...

    async def poll(self, client: NexconnClient, *, task_id: str) -> TaskStatus: ...


ADAPTERS: dict[Family, FamilyAdapter] = {
    "kling_image": kling_image,
    "gemini_image": gemini_image,
    "kling_image_o1": kling_image_o1,
    "veo": veo,
    "openai_video": openai_video,
    "seedance": seedance,
    "vidu": vidu,
}


def build_request(
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> WireRequest:
    """(method, path, JSON body) of the create call, for submitting and for showing the user.

    `params` and `inputs` are expected to have passed `model.clean()`.
    """
    if model.mode(mode) is None:
        raise ValueError(f"{model.id} has no {mode!r} mode")
    return ADAPTERS[model.family].build_request(
        model=model, mode=mode, prompt=prompt, params=params, inputs=inputs
    )


async def submit(
    client: NexconnClient,
    *,
    model: MediaModel,
    mode: str,
    prompt: str,
    params: Mapping[str, ParamValue],
    inputs: Mapping[str, list[str]],
) -> TaskStatus:
    """Start a (billed) task. Synchronous families come back already finished."""
    method, path, body = build_request(
        model=model, mode=mode, prompt=prompt, params=params, inputs=inputs
    )
    answer = await client.request_json(method, path, json=body)
    return ADAPTERS[model.family].read_submitted(answer)


async def poll(client: NexconnClient, *, model: MediaModel, task_id: str) -> TaskStatus:
    return await ADAPTERS[model.family].poll(client, task_id=task_id)


def build_remix_request(*, model: MediaModel, task_id: str, prompt: str) -> WireRequest:
    if not model.supports_remix:
        raise ValueError(f"{model.id} cannot remix")
    return openai_video.build_remix_request(task_id=task_id, prompt=prompt)


async def remix(
    client: NexconnClient, *, model: MediaModel, task_id: str, prompt: str
) -> TaskStatus:
    """A new task that reworks a finished Sora video with a new prompt (docs/api/videos.md §4.3)."""
    method, path, body = build_remix_request(model=model, task_id=task_id, prompt=prompt)
    answer = await client.request_json(method, path, json=body)
    return openai_video.read_submitted(answer)
