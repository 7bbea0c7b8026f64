"""The chat model catalog, as data: what each model can take in and give back, how its
reasoning is switched, the limits of its parameters, the wire protocols it is reachable
through, and the parameters panel it shows (docs/api/chat.md §3–§7, files.md, images.md §4).

Nothing here was confirmed against the live API. Where the reference is unsure the entry
takes the conservative reading and a comment says so. No Django imports: the standalone
simulator reads it too.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from playground.nexconn.media.catalog import media_model
from playground.nexconn.params import ChatParams

# How a model's reasoning is switched on (docs/api/chat.md §5):
# "effort" -> reasoning_effort, one of the model's `effort_levels`;
# "thinking" -> thinking: {type, budget_tokens}, a budget only where `thinking_budget_min`;
# "enable_thinking" -> Qwen's enable_thinking flag; None -> no reasoning control.
type ReasoningControl = Literal["effort", "thinking", "enable_thinking"] | None

# The wire protocols (docs/api/chat.md §2, §7): OpenAI chat completions, Anthropic messages on
# /v1/messages, the native pass-through ("bypass") Anthropic, Vertex/Gemini and Responses.
type Protocol = Literal["chat_completions", "anthropic", "anthropic_bypass", "gemini", "responses"]
PROTOCOLS: tuple[Protocol, ...] = (
    "chat_completions",
    "anthropic",
    "anthropic_bypass",
    "gemini",
    "responses",
)
# Short names for the model picker's badges and search; the protocol picker gives each its
# full name (protocols.py).
PROTOCOL_SHORT_NAMES: dict[Protocol, str] = {
    "chat_completions": "OpenAI chat",
    "anthropic": "Anthropic",
    "anthropic_bypass": "Anthropic direct",
    "gemini": "Gemini",
    "responses": "Responses",
}

# "bool" with a default of None has three states (the model's default / on / off), so it is
# drawn as a choice, not a checkbox. "tools" is JSON text: a list of {name, description,
# parameters}. "tool_choice" is auto, none, required or the name of one of those tools.
type FieldType = Literal["choice", "int", "float", "bool", "tools", "tool_choice"]
type FieldValue = str | int | float | bool

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_TOOLS = 128  # OpenAI's limit; other vendors allow at least as many
TOOL_CHOICES = ("auto", "none", "required")
DEFAULT_THINKING_BUDGET = 2048
_TOOL_KEYS = frozenset({"name", "description", "parameters", "strict"})
_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
_TRUE = frozenset({"true", "on", "1", "yes"})
_FALSE = frozenset({"false", "off", "0", "no"})


@dataclass(frozen=True, slots=True)
class ParamField:
    """One control of the parameters panel. `help` is one line a non-programmer understands.

    `name` is the ChatParams attribute it fills (aspect_ratio and image_size fill
    image_config). `default` None means "leave it to the model": nothing is sent.
    """

    name: str
    label: str
    help: str
    type: FieldType
    choices: tuple[str, ...] = ()
    default: FieldValue | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""


@dataclass(frozen=True, slots=True)
class ChatModel:
    id: str
    label: str
    vendor: str
    reasoning: ReasoningControl = None
    returns_reasoning_text: bool = False  # OpenAI models reason but hide the text
    effort_levels: tuple[str, ...] = ()  # "effort" models, weakest first
    # "thinking" models that take a token budget; the budget must also stay below
    # max_tokens (Anthropic's rule, docs/api/chat.md §5 and §10).
    thinking_budget_min: int | None = None
    # What the model takes in besides text, and what it gives back besides text.
    vision: bool = False  # image_url parts
    audio_input: bool = False  # input_audio parts
    video_input: bool = False  # video_url parts
    file_input: bool = False  # file parts citing a qfile id (docs/api/files.md §1)
    tools: bool = False  # function calling
    image_output: bool = False  # message.images (docs/api/images.md §4.2)
    aspect_ratios: tuple[str, ...] = ()  # image-output models (docs/api/images.md §4.1)
    image_sizes: tuple[str, ...] = ()  # empty: the size cannot be chosen
    temperature_range: tuple[float, float] | None = (0.0, 2.0)  # None: not accepted
    accepts_top_p: bool = True
    max_output_tokens: int | None = None  # None: unknown, the upstream decides
    default_max_tokens: int | None = None  # sent when the form leaves it blank
    protocols: tuple[Protocol, ...] = ("chat_completions",)
    default_protocol: Protocol = "chat_completions"
    notes: str = ""

    @property
    def capabilities(self) -> tuple[str, ...]:
        """What the model can do besides plain text, in a word each (the picker's badges)."""
        found = (
            ("reasoning", self.reasoning is not None or self.returns_reasoning_text),
            ("vision", self.vision),
            ("audio", self.audio_input),
            ("video", self.video_input),
            ("files", self.file_input),
            ("tools", self.tools),
            ("images out", self.image_output),
        )
        return tuple(word for word, has in found if has)

    @property
    def protocol_names(self) -> tuple[str, ...]:
        return tuple(PROTOCOL_SHORT_NAMES[protocol] for protocol in self.protocols)

    @property
    def fields(self) -> tuple[ParamField, ...]:
        """The parameters panel for this model: only the controls it supports."""
        fields: list[ParamField] = []
        if self.temperature_range is not None:
            low, high = self.temperature_range
            fields.append(
                ParamField(
                    "temperature",
                    "Temperature",
                    f"From {_num(low)} to {_num(high)}: higher gives more varied answers, "
                    "lower more focused and repeatable ones.",
                    "float",
                    minimum=low,
                    maximum=high,
                )
            )
        if self.accepts_top_p:
            fields.append(
                ParamField(
                    "top_p",
                    "Top P",
                    "Another way to limit randomness: 0.1 keeps only the likeliest words. "
                    "Usually leave it blank and use temperature.",
                    "float",
                    minimum=0,
                    maximum=1,
                )
            )
        fields.append(
            ParamField(
                "max_tokens",
                "Maximum output tokens",
                "The longest answer allowed (a token is about ¾ of a word); "
                "the answer stops there.",
                "int",
                default=self.default_max_tokens,
                minimum=1,
                maximum=self.max_output_tokens,
                unit="tokens",
            )
        )
        fields += self._reasoning_fields()
        if self.tools:
            fields += (
                ParamField(
                    "tools",
                    "Tools",
                    "Functions the model may ask to call, as a JSON list of "
                    "{name, description, parameters}; the calls are shown, never run.",
                    "tools",
                ),
                ParamField(
                    "tool_choice",
                    "Tool choice",
                    "auto lets the model decide, none forbids tools, required forces one; "
                    "or give a tool's name to force that tool.",
                    "tool_choice",
                    choices=TOOL_CHOICES,
                ),
            )
        if self.aspect_ratios:
            fields.append(
                ParamField(
                    "aspect_ratio",
                    "Aspect ratio",
                    "The shape of the picture: wide, tall or square.",
                    "choice",
                    choices=self.aspect_ratios,
                )
            )
        if self.image_sizes:
            fields.append(
                ParamField(
                    "image_size",
                    "Image size",
                    "Bigger sizes show more detail but take longer.",
                    "choice",
                    choices=self.image_sizes,
                )
            )
        return tuple(fields)

    def _reasoning_fields(self) -> tuple[ParamField, ...]:
        match self.reasoning:
            case "effort":
                return (
                    ParamField(
                        "reasoning_effort",
                        "Reasoning effort",
                        "How hard the model thinks before answering: more is slower and "
                        "costs more, but helps with hard questions.",
                        "choice",
                        choices=self.effort_levels,
                    ),
                )
            case "thinking" | "enable_thinking":
                toggle = ParamField(
                    "thinking",
                    "Thinking",
                    "Let the model think before it answers: slower and uses more tokens, "
                    "often better on hard questions.",
                    "bool",
                )
                if self.thinking_budget_min is None:
                    return (toggle,)
                budget_max = self.max_output_tokens - 1 if self.max_output_tokens else None
                budget = ParamField(
                    "thinking_budget",
                    "Thinking budget",
                    f"Tokens the model may spend thinking when thinking is on: at least "
                    f"{self.thinking_budget_min}, and less than the maximum output tokens.",
                    "int",
                    default=DEFAULT_THINKING_BUDGET,
                    minimum=self.thinking_budget_min,
                    maximum=budget_max,
                    unit="tokens",
                )
                return (toggle, budget)
        return ()

    def clean_params(self, values: Mapping[str, str]) -> tuple[ChatParams, dict[str, str]]:
        """ChatParams from raw form strings, and plain-language errors keyed by field name.

        Missing or blank values take the field's default; fields this model does not show
        are ignored. Unchecked checkboxes send nothing, so a form posts "false" for "off".
        """
        errors: dict[str, str] = {}
        cleaned: dict[str, Any] = {}
        by_name = {f.name: f for f in self.fields}
        for name in ("temperature", "top_p", "max_tokens", "reasoning_effort", "thinking"):
            if name in by_name:
                value, error = _clean_value(by_name[name], values.get(name))
                if error:
                    errors[name] = error
                else:
                    cleaned[name] = value

        budget_field = by_name.get("thinking_budget")
        if budget_field is not None and cleaned.get("thinking") is True:
            limit = cleaned.get("max_tokens") or self.max_output_tokens
            budget, error = _clean_budget(budget_field, values.get("thinking_budget"), limit)
            if error:
                errors["thinking_budget"] = error
            else:
                cleaned["thinking_budget"] = budget

        if "tools" in by_name:
            tools, error = _clean_tools(values.get("tools"))
            if error:
                errors["tools"] = error
            else:
                cleaned["tools"] = tools
                choice, error = _clean_tool_choice(values.get("tool_choice"), tools)
                if error:
                    errors["tool_choice"] = error
                else:
                    cleaned["tool_choice"] = choice

        image_config: dict[str, str] = {}
        for name in ("aspect_ratio", "image_size"):
            if name in by_name:
                value, error = _clean_value(by_name[name], values.get(name))
                if error:
                    errors[name] = error
                elif value is not None:
                    image_config[name] = str(value)
        return ChatParams(**cleaned, image_config=image_config), errors


# --- cleaning ---------------------------------------------------------------------------


def _clean_value(param: ParamField, raw: str | None) -> tuple[FieldValue | None, str]:
    """The typed value (None: leave out) and an error message ("" when fine)."""
    text = (raw or "").strip()
    if not text:
        return param.default, ""
    match param.type:
        case "choice":
            if text in param.choices:
                return text, ""
            return None, f"{param.label} must be one of: {', '.join(param.choices)}."
        case "bool":
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE, ""
            return None, f"{param.label} must be on or off."
        case "int":
            try:
                number: float = int(text)
            except ValueError:
                return None, f"{param.label} must be a whole number."
        case _:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                return None, f"{param.label} must be a number."
    return number, _range_error(param, number)


def _range_error(param: ParamField, number: float) -> str:
    low, high = param.minimum, param.maximum
    unit = f" {param.unit}" if param.unit else ""
    if (low is None or number >= low) and (high is None or number <= high):
        return ""
    if low is not None and high is not None:
        return f"{param.label} must be between {_num(low)} and {_num(high)}{unit}."
    if low is not None:
        return f"{param.label} must be at least {_num(low)}{unit}."
    return f"{param.label} must be at most {_num(high)}{unit}."


def _clean_budget(param: ParamField, raw: str | None, limit: int | None) -> tuple[int, str]:
    """The thinking budget: at least the model's minimum and below max_tokens."""
    text = (raw or "").strip()
    try:
        budget = int(text) if text else int(param.default or 0)
    except ValueError:
        return 0, "The thinking budget must be a whole number of tokens."
    if param.minimum is not None and budget < param.minimum:
        return 0, f"The thinking budget must be at least {_num(param.minimum)} tokens."
    if limit is not None and budget >= limit:
        return 0, f"The thinking budget must be below the maximum output tokens ({limit})."
    return budget, ""


def _clean_tools(raw: str | None) -> tuple[tuple[dict[str, Any], ...], str]:
    """OpenAI-shaped function tools from JSON text.

    Each item is {name, description, parameters}, or already OpenAI-shaped
    ({"type": "function", "function": {...}}) as people paste it from elsewhere.
    """
    text = (raw or "").strip()
    if not text:
        return (), ""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        return (), f"The tools are not valid JSON (line {exc.lineno}, column {exc.colno})."
    except RecursionError:
        return (), "The tools are nested too deeply."
    except ValueError:  # a number past Python's 4,300-digit limit for reading one
        return (), "The tools hold a number too long to read."
    if not isinstance(items, list):
        return (), 'Write the tools as a JSON list: [{"name": …, "description": …}].'
    if len(items) > MAX_TOOLS:
        return (), f"Use at most {MAX_TOOLS} tools."
    tools: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        tool, error = _clean_tool(item, position)
        if error:
            return (), error
        name = tool["function"]["name"]
        if name in seen:
            return (), f"Two tools are named “{name}”; each tool needs its own name."
        seen.add(name)
        tools.append(tool)
    return tuple(tools), ""


def _clean_tool(item: Any, position: int) -> tuple[dict[str, Any], str]:
    if isinstance(item, dict) and item.get("type") == "function" and "function" in item:
        item = item["function"]
    if not isinstance(item, dict):
        return {}, f"Tool {position} must be an object with a name, a description and parameters."
    name = item.get("name")
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        shown = f" “{name[:80]}”" if isinstance(name, str) and name else ""
        return {}, (
            f"Tool {position} needs a name{shown} of 1 to 64 letters, digits, "
            "underscores or hyphens (no spaces)."
        )
    if unknown := sorted(set(item) - _TOOL_KEYS):
        return {}, (
            f"Tool “{name}” has an unknown key “{unknown[0]}”; "
            "use name, description and parameters."
        )
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        return {}, f"The description of tool “{name}” must be text."
    parameters = item.get("parameters", _EMPTY_PARAMETERS)
    if not isinstance(parameters, dict) or parameters.get("type") != "object":
        return {}, (
            f'The parameters of tool “{name}” must be a JSON schema object with "type": "object".'
        )
    if "properties" in parameters and not isinstance(parameters["properties"], dict):
        return {}, f"The properties in the parameters of tool “{name}” must be an object."
    if "strict" in item and not isinstance(item["strict"], bool):
        return {}, f"“strict” on tool “{name}” must be true or false."
    function: dict[str, Any] = {"name": name}
    if description:
        function["description"] = description
    function["parameters"] = parameters
    if "strict" in item:
        function["strict"] = item["strict"]
    return {"type": "function", "function": function}, ""


def _clean_tool_choice(
    raw: str | None, tools: tuple[dict[str, Any], ...]
) -> tuple[str | None, str]:
    choice = (raw or "").strip()
    names = [tool["function"]["name"] for tool in tools]
    if not choice:
        return None, ""
    if not tools:
        if choice in ("auto", "none"):
            return None, ""  # nothing to choose from: leave it out rather than be refused
        return None, "Add a tool first: the model cannot be made to use a tool it doesn't have."
    if choice in TOOL_CHOICES or choice in names:
        return choice, ""
    return None, (
        f"There is no tool named “{choice}”. Use auto, none, required or one of: "
        f"{', '.join(names)}."
    )


def _num(value: float | None) -> str:
    return str(int(value)) if value is not None and value == int(value) else str(value)


# --- the models -------------------------------------------------------------------------

# docs/api/chat.md §7: /v1/messages speaks Anthropic for any chat model (Qiniu says so for
# non-Claude models too); the bypass routes forward a vendor's own protocol, so each only
# serves that vendor's models.
_OPENAI_PROTOCOLS: tuple[Protocol, ...] = ("chat_completions", "responses", "anthropic")
_GEMINI_PROTOCOLS: tuple[Protocol, ...] = ("chat_completions", "gemini", "anthropic")
_CLAUDE_PROTOCOLS: tuple[Protocol, ...] = ("chat_completions", "anthropic", "anthropic_bypass")
_OTHER_PROTOCOLS: tuple[Protocol, ...] = ("chat_completions", "anthropic")

# Output limits: the reference documents none, so these are the vendors' published output
# caps, rounded down where sources differ (they only bound what the form accepts).


def _openai(model_id: str, label: str, *, levels: tuple[str, ...], notes: str = "") -> ChatModel:
    return ChatModel(
        model_id,
        label,
        "OpenAI",
        "effort",
        effort_levels=levels,
        vision=True,
        tools=True,
        max_output_tokens=128_000,
        protocols=_OPENAI_PROTOCOLS,
        notes=notes or "OpenAI keeps the model's reasoning hidden: you see only the answer.",
    )


def _gemini(model_id: str, label: str, *, levels: tuple[str, ...]) -> ChatModel:
    # Gemini understands pictures, sound and video, and large files through qfile
    # (docs/api/files.md).
    return ChatModel(
        model_id,
        label,
        "Google",
        "effort",
        returns_reasoning_text=True,
        effort_levels=levels,
        vision=True,
        audio_input=True,
        video_input=True,
        file_input=True,
        tools=True,
        max_output_tokens=65_536,
        protocols=_GEMINI_PROTOCOLS,
    )


def _claude(model_id: str, label: str) -> ChatModel:
    return ChatModel(
        model_id,
        label,
        "Anthropic",
        "thinking",
        returns_reasoning_text=True,
        thinking_budget_min=1024,  # docs/api/chat.md §5, §10: ≥ 1024 and < max_tokens
        vision=True,
        tools=True,
        temperature_range=(0.0, 1.0),
        max_output_tokens=64_000,
        # Anthropic requires max_tokens; a default also gives the budget rule a bound.
        default_max_tokens=8192,
        protocols=_CLAUDE_PROTOCOLS,
    )


def _gemini_image(model_id: str, label: str) -> ChatModel:
    """A Gemini image model used through chat (docs/api/images.md §4.2); its aspect ratios and
    sizes are the image studio's, from the media catalog."""
    media = media_model(model_id, kind="image")
    assert media is not None, model_id
    choices = {f.name: f.choices for f in media.fields}
    return ChatModel(
        model_id,
        label,
        "Google",
        returns_reasoning_text=True,  # the Nexconn page shows reasoning_content
        vision=True,
        image_output=True,
        aspect_ratios=choices.get("aspect_ratio", ()),
        image_sizes=choices.get("image_size", ()),
        max_output_tokens=32_768,
        protocols=("chat_completions", "gemini"),
        notes="Draws pictures: describe one, or send pictures to change.",
    )


DEFAULT_CHAT_MODEL = "deepseek-v3"

CHAT_MODELS: tuple[ChatModel, ...] = (
    # Effort levels: gpt-5 sample "high" [N]; the vendors' ranges otherwise (docs/api/chat.md §4.4).
    _openai("openai/gpt-5", "GPT-5", levels=("minimal", "low", "medium", "high")),
    _openai("openai/gpt-5.2", "GPT-5.2", levels=("none", "low", "medium", "high", "xhigh")),
    _openai(
        "openai/gpt-5.2-codex",
        "GPT-5.2 Codex",
        levels=("low", "medium", "high", "xhigh"),
        notes="Made for the Responses protocol; chat completions may refuse it.",
    ),
    # gemini-2.5-flash samples "minimal" [N]; 2.5 Pro is assumed the same (docs/api/chat.md §5).
    _gemini("gemini-2.5-flash", "Gemini 2.5 Flash", levels=("minimal", "low", "medium", "high")),
    _gemini("gemini-2.5-pro", "Gemini 2.5 Pro", levels=("minimal", "low", "medium", "high")),
    _gemini("gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", levels=("low", "medium", "high")),
    # Gemini 3 Pro only knows low and high thinking levels upstream.
    _gemini("gemini-3.0-pro-preview", "Gemini 3.0 Pro (preview)", levels=("low", "high")),
    _claude("claude-4.5-sonnet", "Claude Sonnet 4.5"),
    _claude("claude-4.6-opus", "Claude Opus 4.6"),
    _claude("claude-3.7-sonnet", "Claude Sonnet 3.7"),
    # Volcengine-style ids switch thinking with {type: enabled|disabled}, no budget (§5).
    ChatModel(
        "deepseek/deepseek-v3.2-251201",
        "DeepSeek V3.2 (251201)",
        "DeepSeek",
        "thinking",
        returns_reasoning_text=True,
        tools=True,
        max_output_tokens=32_768,
        protocols=_OTHER_PROTOCOLS,
    ),
    ChatModel(
        "deepseek-v3",
        "DeepSeek V3",
        "DeepSeek",
        tools=True,
        max_output_tokens=8192,
        protocols=_OTHER_PROTOCOLS,
    ),
    # "auto" thinking (Volcengine) is what leaving the switch blank means here.
    ChatModel(
        "doubao-seed-1.6",
        "Doubao Seed 1.6",
        "ByteDance",
        "thinking",
        returns_reasoning_text=True,
        vision=True,
        video_input=True,
        tools=True,
        max_output_tokens=32_768,
        protocols=_OTHER_PROTOCOLS,
    ),
    ChatModel(
        "qwen3-max-2026-01-23",
        "Qwen3 Max (2026-01-23)",
        "Alibaba",
        "enable_thinking",
        returns_reasoning_text=True,
        tools=True,
        max_output_tokens=32_768,
        protocols=_OTHER_PROTOCOLS,
        notes="Thinking may only work with streaming on.",
    ),
    ChatModel(
        "moonshotai/kimi-k2.5",
        "Kimi K2.5",
        "Moonshot AI",
        "thinking",
        returns_reasoning_text=True,
        vision=True,
        tools=True,
        temperature_range=(0.0, 1.0),
        max_output_tokens=32_768,
        protocols=_OTHER_PROTOCOLS,
        notes="Thinks by default; turn thinking off for quicker answers.",
    ),
    _gemini_image("gemini-2.5-flash-image", "Nano Banana (Gemini 2.5 Flash Image)"),
    _gemini_image("gemini-3.0-pro-image-preview", "Nano Banana Pro (Gemini 3.0 Pro Image)"),
    _gemini_image("gemini-3.1-flash-image-preview", "Gemini 3.1 Flash Image (preview)"),
)

_CHAT_MODELS_BY_ID = {model.id: model for model in CHAT_MODELS}


def chat_model(model_id: str) -> ChatModel:
    """The catalog entry, or a plain chat model for ids only the upstream knows."""
    return _CHAT_MODELS_BY_ID.get(model_id) or ChatModel(
        model_id,
        model_id,
        model_id.split("/")[0] if "/" in model_id else "Unknown",
        protocols=_protocols_by_id(model_id),
    )


def _protocols_by_id(model_id: str) -> tuple[Protocol, ...]:
    """The protocols that reach a model only the upstream knows, by its id (docs/api/chat.md
    §7): /v1/messages serves every model; each bypass route only its vendor's."""
    name = model_id.lower()
    found: list[Protocol] = ["chat_completions", "anthropic"]
    if name.startswith(("claude", "anthropic/")):
        found.append("anthropic_bypass")
    if name.startswith(("gemini", "google/")):
        found.append("gemini")
    if name.startswith("openai/"):
        found.append("responses")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ModelGroup:
    vendor: str
    models: tuple[ChatModel, ...]


_VENDOR_ORDER = tuple(dict.fromkeys(model.vendor for model in CHAT_MODELS))
OTHER_VENDOR = "Other models"


def model_groups(model_ids: Iterable[str]) -> list[ModelGroup]:
    """The model picker's groups: the ids by provider, the catalog's providers first (in its
    order), then providers only the live list knows, then ids with no provider at all. Each
    group keeps the order of the ids given."""
    by_vendor: dict[str, list[ChatModel]] = {}
    for model_id in model_ids:
        model = chat_model(model_id)
        vendor = model.vendor if model.vendor != "Unknown" else OTHER_VENDOR
        by_vendor.setdefault(vendor, []).append(model)

    def place(vendor: str) -> tuple[int, int, str]:
        if vendor in _VENDOR_ORDER:
            return 0, _VENDOR_ORDER.index(vendor), ""
        return (2 if vendor == OTHER_VENDOR else 1), 0, vendor.lower()

    return [ModelGroup(vendor, tuple(by_vendor[vendor])) for vendor in sorted(by_vendor, key=place)]
