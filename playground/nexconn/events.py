"""The one event vocabulary every wire protocol is translated into."""

from dataclasses import dataclass

from playground.nexconn.errors import NexconnError


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of a tool call; fragments with the same index concatenate `arguments`."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class ImageOutput:
    url: str


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    reason: str


@dataclass(frozen=True, slots=True)
class ReplayState:
    """Something the protocol needs sent back with this answer to continue from it, never
    shown: a signed thinking block, a thought signature, a reasoning item. Items with the
    same key make one list, in the order they came."""

    key: str
    item: dict


@dataclass(frozen=True, slots=True)
class Retrying:
    """The request failed before any answer and goes again after `delay` seconds."""

    attempt: int
    delay: float
    error: NexconnError


@dataclass(frozen=True, slots=True)
class WireMessage:
    """One raw SSE message of the upstream's answer, as it came (for "inspect")."""

    event: str | None
    data: str


@dataclass(frozen=True, slots=True)
class StreamError:
    """A failure after the answer had started; partial output stays valid."""

    error: NexconnError


type ChatEvent = (
    TextDelta
    | ReasoningDelta
    | ToolCallDelta
    | ImageOutput
    | Usage
    | Finish
    | ReplayState
    | Retrying
    | WireMessage
    | StreamError
)
