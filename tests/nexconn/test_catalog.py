"""The chat catalog covers the reference's scope, shows only what each model supports, and
turns raw form values into ChatParams with plain-language errors."""

import json
import subprocess
import sys

import pytest

from playground.nexconn.catalog import (
    CHAT_MODELS,
    DEFAULT_CHAT_MODEL,
    PROTOCOLS,
    ChatModel,
    chat_model,
)
from playground.nexconn.media.catalog import media_model
from playground.nexconn.params import ChatParams

# The chat rows of the scope checklist in docs/api/README.md (chat.md §3, images.md §4).
SCOPE_CHAT_MODELS = {
    "openai/gpt-5",
    "openai/gpt-5.2",
    "openai/gpt-5.2-codex",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-3.1-pro-preview",
    "gemini-3.0-pro-preview",
    "claude-4.5-sonnet",
    "claude-4.6-opus",
    "claude-3.7-sonnet",
    "deepseek/deepseek-v3.2-251201",
    "deepseek-v3",
    "doubao-seed-1.6",
    "qwen3-max-2026-01-23",
    "moonshotai/kimi-k2.5",
}
IMAGE_OUTPUT_MODELS = {
    "gemini-2.5-flash-image",
    "gemini-3.0-pro-image-preview",
    "gemini-3.1-flash-image-preview",
}
GEMINI_TEXT_MODELS = {
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-3.1-pro-preview",
    "gemini-3.0-pro-preview",
}
CLAUDE_MODELS = {"claude-4.5-sonnet", "claude-4.6-opus", "claude-3.7-sonnet"}
OPENAI_MODELS = {"openai/gpt-5", "openai/gpt-5.2", "openai/gpt-5.2-codex"}
BASIC_FIELDS = ["temperature", "top_p", "max_tokens"]

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def field_names(model: ChatModel) -> list[str]:
    return [f.name for f in model.fields]


def clean(model_id: str, **values: str) -> tuple[ChatParams, dict[str, str]]:
    return chat_model(model_id).clean_params(values)


# --- coverage and consistency -----------------------------------------------------------


def test_every_model_of_the_reference_is_in_the_catalog():
    ids = [model.id for model in CHAT_MODELS]
    assert len(ids) == len(set(ids))
    assert set(ids) == SCOPE_CHAT_MODELS | IMAGE_OUTPUT_MODELS
    assert DEFAULT_CHAT_MODEL in ids
    for model_id in ids:
        assert chat_model(model_id).id == model_id


@pytest.mark.parametrize("model", CHAT_MODELS, ids=lambda m: m.id)
def test_entries_are_consistent(model):
    assert model.label and model.vendor
    assert set(model.protocols) <= set(PROTOCOLS)
    assert model.protocols[0] == model.default_protocol == "chat_completions"
    assert model.max_output_tokens and model.max_output_tokens >= 8192
    assert (model.reasoning == "effort") == bool(model.effort_levels)
    if model.thinking_budget_min is not None:
        assert model.reasoning == "thinking"
    if model.image_sizes:
        assert model.image_output
    if model.default_max_tokens is not None:
        assert model.default_max_tokens <= model.max_output_tokens
    for param in model.fields:
        assert param.label and param.help
        assert "\n" not in param.help and len(param.help) <= 160
        if param.type == "choice" and param.default is not None:
            assert param.default in param.choices
        if param.default is not None and param.type in ("int", "float"):
            assert param.minimum is None or param.default >= param.minimum
            assert param.maximum is None or param.default <= param.maximum
    # Every field, left blank, gives valid parameters.
    _, errors = model.clean_params({})
    assert errors == {}


def test_capabilities():
    by_capability = {
        "image_output": {m.id for m in CHAT_MODELS if m.image_output},
        "file_input": {m.id for m in CHAT_MODELS if m.file_input},
        "audio_input": {m.id for m in CHAT_MODELS if m.audio_input},
        "no_tools": {m.id for m in CHAT_MODELS if not m.tools},
        "no_vision": {m.id for m in CHAT_MODELS if not m.vision},
    }
    assert by_capability["image_output"] == IMAGE_OUTPUT_MODELS
    # qfile parts are for Gemini's multimodal understanding only (docs/api/files.md §1).
    assert by_capability["file_input"] == GEMINI_TEXT_MODELS
    assert by_capability["audio_input"] == GEMINI_TEXT_MODELS
    assert by_capability["no_tools"] == IMAGE_OUTPUT_MODELS
    assert by_capability["no_vision"] == {
        "deepseek/deepseek-v3.2-251201",
        "deepseek-v3",
        "qwen3-max-2026-01-23",
    }
    assert chat_model("doubao-seed-1.6").video_input
    assert not chat_model("claude-4.5-sonnet").video_input


def test_reasoning_styles():
    styles = {m.id: m.reasoning for m in CHAT_MODELS}
    assert {i for i, s in styles.items() if s == "effort"} == OPENAI_MODELS | GEMINI_TEXT_MODELS
    assert {i for i, s in styles.items() if s == "thinking"} == CLAUDE_MODELS | {
        "deepseek/deepseek-v3.2-251201",
        "doubao-seed-1.6",
        "moonshotai/kimi-k2.5",
    }
    assert styles["qwen3-max-2026-01-23"] == "enable_thinking"
    assert styles["deepseek-v3"] is None
    assert {m.id for m in CHAT_MODELS if m.thinking_budget_min == 1024} == CLAUDE_MODELS
    assert chat_model("openai/gpt-5").effort_levels == ("minimal", "low", "medium", "high")
    assert "xhigh" in chat_model("openai/gpt-5.2").effort_levels
    assert chat_model("gemini-2.5-flash").effort_levels[0] == "minimal"  # the Nexconn sample
    assert chat_model("gemini-3.1-pro-preview").effort_levels == ("low", "medium", "high")
    # OpenAI hides its reasoning; the others send it back as text.
    assert {m.id for m in CHAT_MODELS if not m.returns_reasoning_text} == OPENAI_MODELS | {
        "deepseek-v3"
    }


def test_protocols():
    def serving(protocol):
        return {m.id for m in CHAT_MODELS if protocol in m.protocols}

    assert serving("chat_completions") == SCOPE_CHAT_MODELS | IMAGE_OUTPUT_MODELS
    assert serving("gemini") == GEMINI_TEXT_MODELS | IMAGE_OUTPUT_MODELS
    assert serving("responses") == OPENAI_MODELS
    assert serving("anthropic_bypass") == CLAUDE_MODELS
    assert serving("anthropic") == SCOPE_CHAT_MODELS


def test_unknown_model_is_a_plain_chat_model():
    model = chat_model("acme/new-model")
    assert (model.id, model.label, model.vendor, model.reasoning) == (
        "acme/new-model",
        "acme/new-model",
        "acme",
        None,
    )
    assert chat_model("mystery").vendor == "Unknown"
    assert field_names(model) == BASIC_FIELDS
    assert model.protocols == ("chat_completions", "anthropic")  # /v1/messages serves every model
    assert not (model.vision or model.tools or model.image_output or model.file_input)
    max_tokens = model.fields[2]
    assert (max_tokens.minimum, max_tokens.maximum, max_tokens.default) == (1, None, None)
    params, errors = model.clean_params(
        {"temperature": "0.3", "top_p": "0.9", "max_tokens": "100000", "thinking": "on"}
    )
    assert errors == {}
    assert params == ChatParams(temperature=0.3, top_p=0.9, max_tokens=100_000)


# --- the fields each model shows --------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("deepseek-v3", [*BASIC_FIELDS, "tools", "tool_choice"]),
        ("openai/gpt-5", [*BASIC_FIELDS, "reasoning_effort", "tools", "tool_choice"]),
        ("gemini-2.5-pro", [*BASIC_FIELDS, "reasoning_effort", "tools", "tool_choice"]),
        (
            "claude-4.5-sonnet",
            [*BASIC_FIELDS, "thinking", "thinking_budget", "tools", "tool_choice"],
        ),
        ("doubao-seed-1.6", [*BASIC_FIELDS, "thinking", "tools", "tool_choice"]),
        ("qwen3-max-2026-01-23", [*BASIC_FIELDS, "thinking", "tools", "tool_choice"]),
        ("gemini-2.5-flash-image", [*BASIC_FIELDS, "aspect_ratio"]),
        ("gemini-3.1-flash-image-preview", [*BASIC_FIELDS, "aspect_ratio", "image_size"]),
    ],
)
def test_fields_show_only_supported_controls(model_id, expected):
    assert field_names(chat_model(model_id)) == expected


def test_field_limits_follow_the_model():
    claude = {f.name: f for f in chat_model("claude-4.5-sonnet").fields}
    assert (claude["temperature"].minimum, claude["temperature"].maximum) == (0, 1)
    assert claude["max_tokens"].default == 8192
    assert claude["max_tokens"].maximum == 64_000
    assert (claude["thinking_budget"].minimum, claude["thinking_budget"].maximum) == (1024, 63_999)
    assert claude["thinking"].type == "bool" and claude["thinking"].default is None
    gpt = {f.name: f for f in chat_model("openai/gpt-5.2").fields}
    assert gpt["reasoning_effort"].choices == ("none", "low", "medium", "high", "xhigh")
    assert gpt["temperature"].maximum == 2
    assert gpt["tool_choice"].choices == ("auto", "none", "required")


def test_image_options_match_the_image_studio():
    for model_id in IMAGE_OUTPUT_MODELS:
        media = {f.name: f.choices for f in media_model(model_id, kind="image").fields}
        model = chat_model(model_id)
        assert model.aspect_ratios == media["aspect_ratio"]
        assert model.image_sizes == media.get("image_size", ())
    assert chat_model("gemini-3.1-flash-image-preview").image_sizes == ("512", "1K", "2K", "4K")
    assert "8:1" in chat_model("gemini-3.1-flash-image-preview").aspect_ratios
    assert chat_model("gemini-2.5-flash-image").image_sizes == ()


# --- cleaning: basics -------------------------------------------------------------------


def test_blank_values_leave_everything_to_the_model():
    params, errors = clean("openai/gpt-5", temperature="", top_p=" ", max_tokens="")
    assert errors == {}
    assert params == ChatParams()


def test_numbers_are_typed_and_range_checked():
    params, errors = clean("deepseek-v3", temperature="1.5", top_p="0.5", max_tokens="1000")
    assert errors == {}
    assert (params.temperature, params.top_p, params.max_tokens) == (1.5, 0.5, 1000)

    _, errors = clean("claude-4.5-sonnet", temperature="1.5", top_p="2", max_tokens="0")
    assert errors == {
        "temperature": "Temperature must be between 0 and 1.",
        "top_p": "Top P must be between 0 and 1.",
        "max_tokens": "Maximum output tokens must be between 1 and 64000 tokens.",
    }
    _, errors = clean("deepseek-v3", temperature="warm", top_p="nan", max_tokens="1.5")
    assert errors == {
        "temperature": "Temperature must be a number.",
        "top_p": "Top P must be a number.",
        "max_tokens": "Maximum output tokens must be a whole number.",
    }
    _, errors = clean("deepseek-v3", max_tokens="9000")
    assert errors == {"max_tokens": "Maximum output tokens must be between 1 and 8192 tokens."}


def test_fields_a_model_does_not_show_are_ignored():
    params, errors = clean(
        "deepseek-v3", reasoning_effort="high", thinking="on", aspect_ratio="1:1", bogus="x"
    )
    assert errors == {}
    assert params == ChatParams()
    params, errors = clean("gemini-2.5-flash-image", tools="not json", image_size="4K")
    assert errors == {}
    assert params.tools == () and params.image_config == {}


# --- cleaning: reasoning ----------------------------------------------------------------


def test_effort_levels():
    params, errors = clean("openai/gpt-5", reasoning_effort="minimal")
    assert (params.reasoning_effort, errors) == ("minimal", {})
    _, errors = clean("openai/gpt-5", reasoning_effort="xhigh")
    assert errors == {
        "reasoning_effort": "Reasoning effort must be one of: minimal, low, medium, high."
    }
    _, errors = clean("gemini-3.0-pro-preview", reasoning_effort="medium")
    assert errors == {"reasoning_effort": "Reasoning effort must be one of: low, high."}
    params, errors = clean("openai/gpt-5.2", reasoning_effort="none")
    assert (params.reasoning_effort, errors) == ("none", {})


def test_thinking_budget_at_least_1024():
    _, errors = clean("claude-4.5-sonnet", thinking="on", thinking_budget="1023")
    assert errors == {"thinking_budget": "The thinking budget must be at least 1024 tokens."}
    params, errors = clean("claude-4.5-sonnet", thinking="on", thinking_budget="1024")
    assert errors == {}
    assert (params.thinking, params.thinking_budget, params.max_tokens) == (True, 1024, 8192)


def test_thinking_budget_below_max_tokens():
    _, errors = clean("claude-4.6-opus", thinking="true", max_tokens="4096", thinking_budget="4096")
    assert errors == {
        "thinking_budget": "The thinking budget must be below the maximum output tokens (4096)."
    }
    # The default maximum applies when the form leaves it blank.
    _, errors = clean("claude-3.7-sonnet", thinking="on", thinking_budget="9000")
    assert errors == {
        "thinking_budget": "The thinking budget must be below the maximum output tokens (8192)."
    }
    params, errors = clean(
        "claude-3.7-sonnet", thinking="on", max_tokens="16000", thinking_budget="9000"
    )
    assert errors == {}
    assert (params.max_tokens, params.thinking_budget) == (16_000, 9000)


def test_thinking_budget_defaults_and_is_ignored_when_thinking_is_off():
    params, errors = clean("claude-4.5-sonnet", thinking="on")
    assert errors == {}
    assert params.thinking_budget == 2048
    # Too small for the default budget: the error points at the budget.
    _, errors = clean("claude-4.5-sonnet", thinking="on", max_tokens="2000")
    assert errors == {
        "thinking_budget": "The thinking budget must be below the maximum output tokens (2000)."
    }
    for thinking in ("off", "false", ""):
        params, errors = clean("claude-4.5-sonnet", thinking=thinking, thinking_budget="12")
        assert errors == {}
        assert params.thinking_budget is None
    _, errors = clean("claude-4.5-sonnet", thinking="on", thinking_budget="lots")
    assert errors == {"thinking_budget": "The thinking budget must be a whole number of tokens."}


def test_thinking_switches():
    params, errors = clean("moonshotai/kimi-k2.5", thinking="off")
    assert (params.thinking, errors) == (False, {})
    params, errors = clean("qwen3-max-2026-01-23", thinking="on", thinking_budget="5000")
    assert (params.thinking, params.thinking_budget, errors) == (True, None, {})
    params, errors = clean("doubao-seed-1.6", thinking="")
    assert (params.thinking, errors) == (None, {})
    _, errors = clean("doubao-seed-1.6", thinking="maybe")
    assert errors == {"thinking": "Thinking must be on or off."}


# --- cleaning: tools --------------------------------------------------------------------


def tools_json(*tools: object) -> str:
    return json.dumps(list(tools))


def test_tools_become_openai_shaped():
    plain = {"name": "ping"}  # no description, no parameters
    openai_shaped = {
        "type": "function",
        "function": {"name": "lookup-1", "parameters": {"type": "object"}, "strict": True},
    }
    params, errors = clean(
        "deepseek-v3", tools=tools_json(WEATHER_TOOL, plain, openai_shaped), tool_choice="auto"
    )
    assert errors == {}
    assert params.tools == (
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city.",
                "parameters": WEATHER_TOOL["parameters"],
            },
        },
        {
            "type": "function",
            "function": {"name": "ping", "parameters": {"type": "object", "properties": {}}},
        },
        {
            "type": "function",
            "function": {"name": "lookup-1", "parameters": {"type": "object"}, "strict": True},
        },
    )
    assert params.tool_choice == "auto"


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ("[{", "The tools are not valid JSON (line 1, column 3)."),
        ('{"name": "x"}', 'Write the tools as a JSON list: [{"name": …, "description": …}].'),
        ('["x"]', "Tool 1 must be an object with a name, a description and parameters."),
        (
            tools_json(WEATHER_TOOL, {"name": "get weather"}),
            "Tool 2 needs a name “get weather” of 1 to 64 letters, digits, underscores or "
            "hyphens (no spaces).",
        ),
        (
            tools_json({"description": "no name"}),
            "Tool 1 needs a name of 1 to 64 letters, digits, underscores or hyphens (no spaces).",
        ),
        (
            tools_json({"name": "x" * 65}),
            f"Tool 1 needs a name “{'x' * 65}” of 1 to 64 letters, digits, underscores or "
            "hyphens (no spaces).",
        ),
        (
            tools_json(WEATHER_TOOL, WEATHER_TOOL),
            "Two tools are named “get_weather”; each tool needs its own name.",
        ),
        (
            tools_json({"name": "f", "parameters": {"type": "string"}}),
            'The parameters of tool “f” must be a JSON schema object with "type": "object".',
        ),
        (
            tools_json({"name": "f", "parameters": ["city"]}),
            'The parameters of tool “f” must be a JSON schema object with "type": "object".',
        ),
        (
            tools_json({"name": "f", "parameters": {"type": "object", "properties": []}}),
            "The properties in the parameters of tool “f” must be an object.",
        ),
        (
            tools_json({"name": "f", "paramters": {}}),
            "Tool “f” has an unknown key “paramters”; use name, description and parameters.",
        ),
        (
            tools_json({"name": "f", "description": 3}),
            "The description of tool “f” must be text.",
        ),
        (
            tools_json({"name": "f", "strict": "yes"}),
            "“strict” on tool “f” must be true or false.",
        ),
        (tools_json(*({"name": f"t{i}"} for i in range(129))), "Use at most 128 tools."),
        ("[" * 100_000, "The tools are nested too deeply."),
    ],
)
def test_tool_errors(tools, message):
    params, errors = clean("claude-4.5-sonnet", tools=tools, tool_choice="auto")
    assert errors == {"tools": message}
    assert params.tools == () and params.tool_choice is None


@pytest.mark.parametrize(
    ("tool_choice", "expected", "error"),
    [
        ("", None, None),
        ("auto", "auto", None),
        ("none", "none", None),
        ("required", "required", None),
        ("get_weather", "get_weather", None),
        (
            "get_time",
            None,
            "There is no tool named “get_time”. Use auto, none, required or one of: get_weather.",
        ),
    ],
)
def test_tool_choice(tool_choice, expected, error):
    params, errors = clean(
        "gemini-2.5-flash", tools=tools_json(WEATHER_TOOL), tool_choice=tool_choice
    )
    assert params.tool_choice == expected
    assert errors == ({"tool_choice": error} if error else {})


def test_tool_choice_without_tools():
    for choice in ("auto", "none"):
        params, errors = clean("deepseek-v3", tools="", tool_choice=choice)
        assert (params.tool_choice, errors) == (None, {})
    for choice in ("required", "get_weather"):
        _, errors = clean("deepseek-v3", tool_choice=choice)
        assert errors == {
            "tool_choice": "Add a tool first: "
            "the model cannot be made to use a tool it doesn't have."
        }


# --- cleaning: image output -------------------------------------------------------------


def test_image_config():
    params, errors = clean("gemini-3.0-pro-image-preview", aspect_ratio="16:9", image_size="4K")
    assert errors == {}
    assert params.image_config == {"aspect_ratio": "16:9", "image_size": "4K"}
    params, errors = clean("gemini-3.1-flash-image-preview", aspect_ratio="1:8")
    assert (params.image_config, errors) == ({"aspect_ratio": "1:8"}, {})
    _, errors = clean("gemini-3.0-pro-image-preview", aspect_ratio="1:8", image_size="4k")
    assert errors == {
        "aspect_ratio": "Aspect ratio must be one of: 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, "
        "16:9, 21:9.",
        "image_size": "Image size must be one of: 1K, 2K, 4K.",
    }
    params, _ = clean("gemini-2.5-flash-image", aspect_ratio="", image_size="2K")
    assert params.image_config == {}


def test_importable_without_django():
    code = (
        "import sys\n"
        "import playground.nexconn.catalog, playground.nexconn.snippets\n"
        "assert not any(name.split('.')[0] == 'django' for name in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_a_model_can_refuse_sampling_parameters():
    model = ChatModel(
        "acme/reasoner", "Reasoner", "Acme", temperature_range=None, accepts_top_p=False
    )
    assert field_names(model) == ["max_tokens"]
    params, errors = model.clean_params({"temperature": "0.2", "top_p": "0.5"})
    assert (params, errors) == (ChatParams(), {})
