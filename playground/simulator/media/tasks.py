"""Media tasks without server-side state: everything a task needs is packed into its id.

A task id is a family prefix (`image-sim-`, `qvideo-sim-`, …) followed by URL-safe base64 of
raw-deflated compact JSON (the `Spec`). Any Simulator instance, in any process, can decode an
id and work out the task's status from the wall clock, and render its media from the same id.
"""

import base64
import binascii
import json
import secrets
import time
import zlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from playground.simulator.knobs import (
    KNOBS,
    Scenario,
    header_knobs,
    parse_knobs,
    parse_seconds,
    parse_switch,
)

DEFAULT_IMAGE_SECONDS = 3.0
DEFAULT_VIDEO_SECONDS = 8.0
QUEUED_SHARE = 0.2  # the part of a task's time spent queued, unless `queue` says otherwise
# The wire code takes ids of at most 256 characters (nexconn/media/families/wire.py), as
# real ones are; a longer one would be refused as unusable.
MAX_ID_LENGTH = 256
PROMPT_SNIPPET = 80

# family code -> id prefix, as the real ids look (docs/api/images.md §3.4, §5.2; videos.md §2)
PREFIXES = {
    "kling-image": "image-sim-",
    "o1": "qimage-root-",
    "veo": "chatvideo-sim-",
    "videos": "qvideo-sim-",
    "seedance": "qvideo-sim-",
    "vidu": "qvideo-root-",
}

type Phase = Literal["queued", "running", "succeeded", "failed"]


def _fail_mode(value: str) -> str:
    if value not in ("error", "moderation"):
        raise ValueError(value)
    return value


def _image_count(value: str) -> int:
    if not 1 <= (number := int(value)) <= 10:
        raise ValueError(value)
    return number


MEDIA_KNOBS = {
    "job": parse_seconds,  # total task time in seconds (default 3 for images, 8 for videos)
    "queue": parse_seconds,  # seconds of that spent queued (default a fifth)
    "fail": _fail_mode,  # error|moderation: the task ends failed
    "expired": parse_switch,  # the task succeeds but its media links have expired
    "count": _image_count,  # number of images
}
_CREATE_KNOBS = {"error", "retry_after", "fail_times", "delay"}


def media_knobs(headers: dict[str, str], directive: list[tuple[str, str]]) -> dict[str, Any]:
    """Knobs from `X-Sim-*` headers and a `[sim ...]` directive (which wins).

    Raises ValueError for an unknown knob or a bad value."""
    pairs = header_knobs(headers) + directive
    knobs: dict[str, Any] = {}
    for key, value in pairs:
        if key in MEDIA_KNOBS:
            try:
                knobs[key] = MEDIA_KNOBS[key](value)
            except (ValueError, KeyError):
                raise ValueError(f"bad value for simulator knob {key}: {value!r}") from None
        elif key in KNOBS and key not in _CREATE_KNOBS:
            raise ValueError(f"simulator knob {key!r} does not apply to media tasks")
        else:
            knobs |= parse_knobs([(key, value)])
    return knobs


def create_scenario(knobs: dict[str, Any]) -> Scenario:
    """The chat Scenario for the knobs that act on the create call (error, delay, …)."""
    names = {item.name for item in fields(Scenario)}
    return Scenario(**{key: value for key, value in knobs.items() if key in names})


@dataclass(slots=True)
class Spec:
    """What a task is. Short field names: this is serialised into the id."""

    f: str  # family
    m: str  # model (Vidu: the route, e.g. "q2/text-to-video")
    p: str = ""  # prompt snippet, for rendering
    t: int = field(default_factory=lambda: int(time.time() * 1000))  # created, ms
    j: float = DEFAULT_VIDEO_SECONDS  # total seconds
    q: float | None = None  # seconds queued
    w: int = 16  # aspect ratio (or size) of the output: width
    h: int = 9  # and height
    n: int = 1  # number of outputs
    s: float = 0.0  # video seconds to render
    x: str = ""  # fail mode: "", "error" or "moderation"
    z: bool = False  # expired links
    e: dict[str, Any] = field(default_factory=dict)  # family fields echoed in responses
    r: dict[str, Any] | None = None  # the remixed source's spec
    k: str = field(default_factory=lambda: secrets.token_hex(3))  # nonce

    @property
    def created(self) -> float:
        return self.t / 1000

    @property
    def queued_for(self) -> float:
        queue = self.j * QUEUED_SHARE if self.q is None else self.q
        return min(queue, self.j)

    @property
    def finished_at(self) -> float:
        return self.created + self.j

    def elapsed(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.created)

    def phase(self, now: float | None = None) -> Phase:
        elapsed = self.elapsed(now)
        if elapsed >= self.j:
            return "failed" if self.x else "succeeded"
        return "queued" if elapsed < self.queued_for else "running"

    def progress(self, now: float | None = None) -> int:
        """Percent done while running: 0 while queued, 100 once finished."""
        elapsed = self.elapsed(now)
        if elapsed >= self.j:
            return 100
        running = self.j - self.queued_for
        if elapsed < self.queued_for or running <= 0:
            return 0
        return min(99, int(100 * (elapsed - self.queued_for) / running))

    def seed(self, index: int = 0) -> str:
        return f"{self.p}|{self.k}|{index}"

    def id(self) -> str:
        return PREFIXES[self.f] + pack(self.compact())

    def compact(self) -> dict[str, Any]:
        """The fields that differ from their defaults: what the id carries."""
        defaults = Spec(f=self.f, m=self.m, t=0, k="")
        data = asdict(self)
        return {
            key: value
            for key, value in data.items()
            if key in ("f", "m", "t", "k") or value != getattr(defaults, key)
        }

    @classmethod
    def decode(cls, task_id: str, *families: str) -> "Spec | None":
        """The spec in a task id, if it is one of ours (and of one of these families)."""
        for family, prefix in PREFIXES.items():
            if task_id.startswith(prefix) and (not families or family in families):
                data = unpack(task_id.removeprefix(prefix))
                if isinstance(data, dict) and data.get("f") == family:
                    try:
                        return cls(**data)
                    except TypeError:
                        return None
        return None


def new_spec(family: str, model: str, prompt: str, knobs: dict[str, Any], **values: Any) -> Spec:
    """A spec whose id stays under MAX_ID_LENGTH, shortening the prompt snippet if need be."""
    is_image = family in ("kling-image", "o1")
    spec = Spec(
        f=family,
        m=model,
        p=" ".join(prompt.split())[:PROMPT_SNIPPET],
        j=knobs.get("job", DEFAULT_IMAGE_SECONDS if is_image else DEFAULT_VIDEO_SECONDS),
        q=knobs.get("queue"),
        x=knobs.get("fail", ""),
        z=knobs.get("expired", False),
        **values,
    )
    if "count" in knobs and is_image:
        spec.n = knobs["count"]
    while len(spec.id()) > MAX_ID_LENGTH and spec.p:
        spec.p = spec.p[: len(spec.p) * 3 // 4]
    return spec


def pack(data: dict[str, Any]) -> str:
    """Compact JSON, raw-deflated, as unpadded URL-safe base64: an id's payload."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = squeezer.compress(raw) + squeezer.flush()
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def unpack(text: str) -> Any:
    """What `pack` packed, or None if `text` is not such a payload."""
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return json.loads(zlib.decompress(packed, -15))
    except (binascii.Error, zlib.error, ValueError):
        return None


def iso8601(timestamp: float) -> str:
    """ISO-8601 seconds with an offset, as Veo reports times (docs/api/videos.md §3.2)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(timestamp))


def ratio(text: str) -> tuple[int, int] | None:
    """ "16:9" -> (16, 9); None if it is not a ratio."""
    left, colon, right = text.partition(":")
    if colon and left.isdigit() and right.isdigit() and int(left) and int(right):
        return int(left), int(right)
    return None


def dimensions(text: str) -> tuple[int, int] | None:
    """ "1280x720" -> (1280, 720); None if it is not a size."""
    left, cross, right = text.lower().partition("x")
    if cross and left.isdigit() and right.isdigit() and int(left) and int(right):
        return int(left), int(right)
    return None
