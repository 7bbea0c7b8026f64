"""The model catalog, as data. No Django imports: the standalone simulator reads it too."""

from dataclasses import dataclass
from typing import Literal

# How a model's reasoning is switched on (nexconn-api/chat.md §5):
# "effort" -> reasoning_effort, "thinking" -> thinking: {type, budget_tokens},
# "enable_thinking" -> Qwen's enable_thinking flag, None -> no reasoning control.
type ReasoningControl = Literal["effort", "thinking", "enable_thinking"] | None


@dataclass(frozen=True, slots=True)
class ChatModel:
    id: str
    label: str
    vendor: str
    reasoning: ReasoningControl = None
    returns_reasoning_text: bool = False  # OpenAI models reason but hide the text


DEFAULT_CHAT_MODEL = "deepseek-v3"

CHAT_MODELS: tuple[ChatModel, ...] = (
    ChatModel("openai/gpt-5", "GPT-5", "OpenAI", "effort"),
    ChatModel("openai/gpt-5.2", "GPT-5.2", "OpenAI", "effort"),
    ChatModel("openai/gpt-5.2-codex", "GPT-5.2 Codex", "OpenAI", "effort"),
    ChatModel("gemini-2.5-flash", "Gemini 2.5 Flash", "Google", "effort", True),
    ChatModel("gemini-2.5-pro", "Gemini 2.5 Pro", "Google", "effort", True),
    ChatModel("gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", "Google", "effort", True),
    ChatModel("gemini-3.0-pro-preview", "Gemini 3.0 Pro (preview)", "Google", "effort", True),
    ChatModel("claude-4.5-sonnet", "Claude Sonnet 4.5", "Anthropic", "thinking", True),
    ChatModel("claude-4.6-opus", "Claude Opus 4.6", "Anthropic", "thinking", True),
    ChatModel("claude-3.7-sonnet", "Claude Sonnet 3.7", "Anthropic", "thinking", True),
    ChatModel(
        "deepseek/deepseek-v3.2-251201", "DeepSeek V3.2 (251201)", "DeepSeek", "thinking", True
    ),
    ChatModel("deepseek-v3", "DeepSeek V3", "DeepSeek"),
    ChatModel("doubao-seed-1.6", "Doubao Seed 1.6", "ByteDance", "thinking", True),
    ChatModel("qwen3-max-2026-01-23", "Qwen3 Max (2026-01-23)", "Alibaba", "enable_thinking", True),
    ChatModel("moonshotai/kimi-k2.5", "Kimi K2.5", "Moonshot AI", "thinking", True),
)

_CHAT_MODELS_BY_ID = {model.id: model for model in CHAT_MODELS}


def chat_model(model_id: str) -> ChatModel:
    """The catalog entry, or a plain chat model for ids only the upstream knows."""
    return _CHAT_MODELS_BY_ID.get(model_id) or ChatModel(
        model_id, model_id, model_id.split("/")[0] if "/" in model_id else "Unknown"
    )
