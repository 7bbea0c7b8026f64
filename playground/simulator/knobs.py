"""The simulator's scenario knobs, chosen per request by a `[sim key=value flag]` directive in
the last user message or by `X-Sim-<Key>` headers (the directive wins). See `KNOBS`."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_TOKEN_RATE = 40.0
_DIRECTIVE = re.compile(r"\s*\[sim\b([^\]]*)\]", re.IGNORECASE)
_SWITCH_VALUES = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False}
_SWITCH_VALUES |= {"0": False, "no": False}
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse_switch(value: str) -> bool:
    return _SWITCH_VALUES[value.lower()]


def parse_count(value: str) -> int:
    if (number := int(value)) < 0:
        raise ValueError(value)
    return number


def parse_seconds(value: str) -> float:
    if (number := float(value)) < 0:
        raise ValueError(value)
    return number


def parse_tool(value: str) -> str:
    if value.lower() in ("auto", "off"):
        return value.lower()
    if not _TOOL_NAME.fullmatch(value):
        raise ValueError(value)
    return value


def parse_status(value: str) -> int:
    if not 400 <= (number := int(value)) <= 599:
        raise ValueError(value)
    return number


KNOBS: dict[str, Callable[[str], Any]] = {
    "tokens": parse_count,  # answer length in tokens (default 120: past the code sample)
    "rate": parse_seconds,  # tokens per second; 0 = as fast as possible
    "reasoning": parse_switch,  # on|off; default: whether the catalog model returns reasoning text
    "reasoning_tokens": parse_count,  # default 20
    "error": parse_status,  # answer with this HTTP status and an OpenAI-style error body
    "retry_after": parse_seconds,  # Retry-After on 429/503 (default 1)
    "fail_times": parse_count,  # with error: only the first K requests with this directive fail
    "delay": parse_seconds,  # seconds before the response headers
    "cut": parse_count,  # the body ends after N text tokens, without [DONE]
    # The body ends after the finish reason, without the protocol's terminator (chat
    # completions' [DONE], Anthropic's message_stop), as several gateways end it. Gemini and
    # Responses have none after their finish event.
    "no_done": parse_switch,
    "stall": parse_count,  # after N text tokens the stream stays open, silent
    "malformed": parse_count,  # a chunk of invalid JSON after N text tokens
    "stream_error": parse_count,  # after N text tokens, the protocol's error event ends the stream
    "echo": parse_switch,  # the answer is the prompt itself
    # auto|off|<tool name>: whether the answer is a tool call (protocols/tools.py)
    "tool": parse_tool,
}


@dataclass(frozen=True, slots=True)
class Scenario:
    tokens: int = 120
    rate: float = DEFAULT_TOKEN_RATE
    reasoning: bool | None = None
    reasoning_tokens: int = 20
    error: int | None = None
    retry_after: float = 1.0
    fail_times: int | None = None
    delay: float = 0.0
    cut: int | None = None
    no_done: bool = False
    stall: int | None = None
    malformed: int | None = None
    stream_error: int | None = None
    echo: bool = False
    tool: str | None = None


def parse_knobs(raw: Iterable[tuple[str, str]]) -> dict[str, Any]:
    knobs: dict[str, Any] = {}
    for key, value in raw:
        if key not in KNOBS:
            raise ValueError(f"unknown simulator knob {key!r}")
        try:
            knobs[key] = KNOBS[key](value)
        except (ValueError, KeyError):
            raise ValueError(f"bad value for simulator knob {key}: {value!r}") from None
    return knobs


def split_directive(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove `[sim ...]` directives from a prompt; return the prompt and their knobs."""
    pairs: list[tuple[str, str]] = []
    for match in _DIRECTIVE.finditer(text):
        for word in match.group(1).split():
            key, equals, value = word.partition("=")
            pairs.append((key.lower(), value if equals else "on"))
    return _DIRECTIVE.sub("", text).strip(), pairs


def header_knobs(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The knobs of a request's `X-Sim-<Key>` headers, as (key, value) pairs."""
    return [
        (key.removeprefix("x-sim-").replace("-", "_"), value)
        for key, value in headers.items()
        if key.startswith("x-sim-")
    ]
