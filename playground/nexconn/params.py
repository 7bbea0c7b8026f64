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
    # Reasoning, as the model's catalog entry allows (chat.md §5): an effort level for
    # "effort" models; on/off plus a token budget for "thinking" models; on/off for
    # "enable_thinking" models. None: leave it to the model.
    reasoning_effort: str | None = None
    thinking: bool | None = None
    thinking_budget: int | None = None
    # Function tools in the OpenAI shape: {"type": "function", "function": {"name",
    # "description", "parameters"}}; tool_choice "auto" / "none" / "required" or a name.
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: ToolChoice | None = None
    # Gemini image models: {"aspect_ratio": "16:9", "image_size": "2K"} (images.md §4.1).
    image_config: dict[str, str] = field(default_factory=dict)
