"""Tool calls in the simulator: which tool a turn calls, and arguments that fit its schema.

When a request offers tools and ends with a user message, the simulated model calls one
(as a real model would for a question its tools answer): the tool `tool_choice` names,
else the one whose name and description share the most words (of four letters or more)
with the prompt, the first on a tie. `tool_choice: none` keeps it to text. After a
tool's output it always answers in text.
The `tool` knob overrides the choice: `tool=<name>` calls that tool (an undeclared one with
no arguments) whatever the request offers, `tool=off` never calls one, `tool=auto` is the
default.
"""

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_WORD = re.compile(r"[a-z0-9]{4,}")  # words long enough to say something
_MAX_DEPTH = 5
# Argument names that say what kind of text goes in them.
_TEXT_BY_NAME = (
    (("email",), "someone@example.com"),
    (("url", "link", "uri", "website"), "https://example.com"),
    (("unit", "units"), "celsius"),
    (("date", "day"), "2025-01-15"),
    (("time",), "09:00"),
    (("language", "lang", "locale"), "en"),
)
_PLACE_NAMES = ("location", "city", "place", "address", "destination", "origin", "country")
_TEXT_BY_FORMAT = {
    "date": "2025-01-15",
    "date-time": "2025-01-15T09:00:00Z",
    "time": "09:00:00",
    "email": "someone@example.com",
    "uri": "https://example.com",
}


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)  # JSON schema


def pick_tool(
    tools: Sequence[Tool],
    tool_choice: str | None,
    prompt: str,
    *,
    knob: str | None,
    after_result: bool,
) -> Tool | None:
    """The tool this turn calls, or None to answer in text."""
    if after_result or knob == "off":
        return None
    if knob not in (None, "auto"):
        return next((tool for tool in tools if tool.name == knob), Tool(knob))
    if not tools or tool_choice == "none":
        return None
    if named := [tool for tool in tools if tool.name == tool_choice]:
        return named[0]
    words = set(_WORD.findall(prompt.lower()))
    return max(tools, key=lambda tool: len(words & _words(tool)))


def tool_arguments(tool: Tool, prompt: str) -> dict[str, Any]:
    """Arguments for `tool` drawn from its schema and the prompt: required properties (or
    all, when none is required), enums' first value, plausible text for names like city."""
    value = _value(tool.parameters or {"type": "object"}, "", prompt, 0)
    return value if isinstance(value, dict) else {}


def _words(tool: Tool) -> set[str]:
    return set(_WORD.findall(f"{tool.name.replace('_', ' ')} {tool.description}".lower()))


def _value(schema: Any, name: str, prompt: str, depth: int) -> Any:
    if not isinstance(schema, Mapping):
        return _text(name, {}, prompt)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(enum := schema.get("enum"), list) and enum:
        return enum[0]
    for key in ("anyOf", "oneOf"):
        options = [
            option
            for option in schema.get(key) or ()
            if isinstance(option, Mapping) and option.get("type") != "null"
        ]
        if options:
            return _value(options[0], name, prompt, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), None)
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    match kind:
        case "object":
            properties = schema.get("properties")
            if not isinstance(properties, Mapping) or depth >= _MAX_DEPTH:
                return {}
            required = schema.get("required")
            names = [n for n in properties if isinstance(required, list) and n in required]
            return {n: _value(properties[n], n, prompt, depth + 1) for n in names or properties}
        case "array":
            if depth >= _MAX_DEPTH:
                return []
            return [_value(schema.get("items") or {}, name, prompt, depth + 1)]
        case "integer":
            minimum = schema.get("minimum")
            return max(int(minimum), 3) if isinstance(minimum, int | float) else 3
        case "number":
            minimum = schema.get("minimum")
            return max(float(minimum), 1.5) if isinstance(minimum, int | float) else 1.5
        case "boolean":
            return True
        case "null":
            return None
    return _text(name, schema, prompt)


def _text(name: str, schema: Mapping[str, Any], prompt: str) -> str:
    if (text := _TEXT_BY_FORMAT.get(str(schema.get("format")))) is not None:
        return text
    words = set(_WORD.findall(name.lower().replace("_", " ")))
    if words & set(_PLACE_NAMES):
        return _place(prompt)
    for names, text in _TEXT_BY_NAME:
        if words & set(names):
            return text
    topic = " ".join(prompt.split())
    return topic[:60] or "example"


def _place(prompt: str) -> str:
    """The first capitalised word that does not start a sentence (a name, likely a place)."""
    words = prompt.split()
    for before, word in itertools.pairwise(words):
        name = word.strip(".,;:!?\"'()")
        capitalised = len(name) > 2 and name[0].isupper() and name[1:].islower()
        if capitalised and not before.endswith((".", "!", "?")):
            return name
    return "Paris"
