"""What the simulator's task families share: the create call's first steps (knobs, delay,
error) and the checks of a request body that answer 400 as the real API does."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from playground.nexconn.media.schema import MediaModel
from playground.simulator.http import Request, Send, send_error, send_json
from playground.simulator.knobs import split_directive
from playground.simulator.media.tasks import create_scenario, media_knobs, ratio

if TYPE_CHECKING:
    from playground.simulator.app import Simulator

type ErrorSender = Callable[[Send, int, str], Awaitable[None]]

MAX_PROMPT = 2500


class BadRequest(Exception):
    """A create request the real API would refuse with HTTP 400."""


def prompt_limit(model: MediaModel) -> int:
    """The catalog's prompt limit for `model`, or MAX_PROMPT where it gives none."""
    return model.max_prompt_length or MAX_PROMPT


def choices(model: MediaModel, name: str) -> tuple[str, ...]:
    """The catalog's choices for a field of `model`; () if it has no such field."""
    return next((field.choices for field in model.fields if field.name == name), ())


async def start(
    simulator: "Simulator", request: Request, send: Send, prompt: str, error: ErrorSender
) -> tuple[str, dict[str, Any]] | None:
    """Knobs, then the create-call knobs (delay, error). None if the answer was sent."""
    prompt, directive = split_directive(prompt)
    try:
        knobs = media_knobs(request.headers, directive)
    except ValueError as exc:
        await error(send, 400, str(exc))
        return None
    scenario = create_scenario(knobs)
    if scenario.delay and await request.connection.pause(scenario.delay):
        return None
    if scenario.error is not None and simulator.should_fail(scenario, knobs):
        headers = {}
        if scenario.error in (429, 503):
            headers["retry-after"] = f"{scenario.retry_after:g}"
        await send_error(send, scenario.error, headers=headers)
        return None
    return prompt, knobs


async def openai_error(send: Send, status: int, message: str) -> None:
    """The error body of the OpenAI-shaped paths, /v1/images/* and /v1/videos
    (docs/api/images.md §4.6, docs/api/videos.md §2)."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    code = {400: "invalid_parameters", 404: "not_found"}.get(status, "internal_error")
    await send_json(send, status, {"error": {"message": message, "type": kind, "code": code}})


def body_of(request: Request) -> dict[str, Any]:
    return request.json if isinstance(request.json, dict) else {}


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def width(aspect: str) -> int:
    return (ratio(aspect) or (16, 9))[0]


def height(aspect: str) -> int:
    return (ratio(aspect) or (16, 9))[1]


def require_prompt(prompt: str, *, limit: int = MAX_PROMPT) -> None:
    if not prompt:
        raise BadRequest("`prompt` is required.")
    if len(prompt) > limit:
        raise BadRequest(f"`prompt` must be at most {limit} characters.")


def choice(
    body: dict[str, Any],
    key: str,
    allowed: tuple[str, ...],
    default: str | None,
    *,
    required: bool = False,
    name: str = "",
) -> str:
    value = body.get(key)
    if value is None and not required:
        return default or ""
    if value not in allowed:
        raise BadRequest(f"`{name}{key}` must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def integer(body: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"`{key}` must be an integer from {low} to {high}; got {value!r}.")
    return value
