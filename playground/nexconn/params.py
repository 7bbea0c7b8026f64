"""The settings of one chat request, whatever the protocol; each protocol module maps them
into its own body. No Django imports."""

from dataclasses import dataclass, field
from typing import Any, Literal

type ToolChoice = Literal["auto", "none", "required"] | str  # or the name of one function


@dataclass(frozen=True, slots=True)
class ChatParams:
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    # Reasoning, as the model's catalog entry allows (docs/api/chat.md §5): an effort level for
    # "effort" models; on/off plus a token budget for "thinking" models; on/off for
    # "enable_thinking" models. None: leave it to the model.
    reasoning_effort: str | None = None
    thinking: bool | None = None
    thinking_budget: int | None = None
    # Function tools in the OpenAI shape: {"type": "function", "function": {"name",
    # "description", "parameters"}}; tool_choice "auto" / "none" / "required" or a name.
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: ToolChoice | None = None
    # Gemini image models: {"aspect_ratio": "16:9", "image_size": "2K"} (docs/api/images.md §4.1).
    image_config: dict[str, str] = field(default_factory=dict)


# How the caller says a model's reasoning is switched (the catalog knows it per model).
type ReasoningStyle = Literal["effort", "thinking", "enable_thinking"]

# Protocols whose own reasoning control is a token budget get one from an effort level,
# and the other way round (the budgets sit in the vendors' ranges; Anthropic's minimum is
# 1024). "none" means no reasoning.
_EFFORT_BUDGETS = {
    "none": 0,
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 16384,
    "xhigh": 32768,
}


def budget_for_effort(effort: str) -> int:
    return _EFFORT_BUDGETS.get(effort, _EFFORT_BUDGETS["medium"])


def effort_for_budget(budget: int) -> str:
    if budget <= _EFFORT_BUDGETS["low"]:
        return "low"
    return "medium" if budget <= _EFFORT_BUDGETS["medium"] else "high"


def data_url_parts(url: str) -> tuple[str, str] | None:
    """ "data:image/png;base64,AAAA" -> ("image/png", "AAAA"); None for any other URL."""
    header, comma, data = url.partition(",")
    if not (comma and header.startswith("data:")):
        return None
    mime, *options = header.removeprefix("data:").split(";")
    if "base64" not in options:
        return None
    return mime or "application/octet-stream", data


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One chat request as it goes over the wire; code snippets show the same."""

    method: str
    path: str  # may carry a query string (Gemini's ?alt=sse)
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)  # besides auth and content type
