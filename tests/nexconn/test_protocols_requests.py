"""What each wire protocol sends: one OpenAI-shaped conversation (system, text, images, a
tool call and its result) and every ChatParams field, translated per protocol."""

import pytest

from playground.nexconn import anthropic_messages, chat_completions, gemini, responses
from playground.nexconn.errors import NexconnError
from playground.nexconn.params import ChatParams
from playground.nexconn.protocols import PROTOCOLS, default_protocol_for, protocols_for

PNG = "data:image/png;base64,iVBORw0KGgo="
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TOOLS = (
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": WEATHER_SCHEMA,
        },
    },
)
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this, and the weather in Paris?"},
            {"type": "image_url", "image_url": {"url": PNG}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        ],
    },
    {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
]
PARAMS = ChatParams(temperature=0.5, max_tokens=1000, tools=TOOLS, tool_choice="auto")


def test_chat_completions_sends_the_messages_as_they_are():
    params = ChatParams(
        temperature=0.5,
        top_p=0.9,
        max_tokens=1000,
        reasoning_effort="high",
        tools=TOOLS,
        tool_choice="get_weather",
    )
    request = chat_completions.build_request(
        model="openai/gpt-5", messages=CONVERSATION, params=params, reasoning="effort"
    )
    assert (request.method, request.path, request.headers) == ("POST", "/v1/chat/completions", {})
    assert request.body == {
        "model": "openai/gpt-5",
        "messages": CONVERSATION,
        "stream": True,
        "temperature": 0.5,
        "top_p": 0.9,
        "max_tokens": 1000,
        "reasoning_effort": "high",
        "tools": list(TOOLS),
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "stream_options": {"include_usage": True},
    }


@pytest.mark.parametrize(
    ("reasoning", "params", "expected"),
    [
        ("effort", ChatParams(reasoning_effort="minimal"), {"reasoning_effort": "minimal"}),
        (
            "thinking",
            ChatParams(thinking=True, thinking_budget=2048),
            {"thinking": {"type": "enabled", "budget_tokens": 2048}},
        ),
        ("thinking", ChatParams(thinking=True), {"thinking": {"type": "enabled"}}),
        ("thinking", ChatParams(thinking=False), {"thinking": {"type": "disabled"}}),
        ("enable_thinking", ChatParams(thinking=True), {"enable_thinking": True}),
        ("enable_thinking", ChatParams(thinking=False), {"enable_thinking": False}),
        # A style the model does not have, or a switch left to the model: nothing is sent.
        (None, ChatParams(reasoning_effort="high", thinking=True), {}),
        ("effort", ChatParams(thinking=True), {}),
        ("thinking", ChatParams(), {}),
        (
            None,
            ChatParams(image_config={"aspect_ratio": "16:9", "image_size": "2K"}),
            {"image_config": {"aspect_ratio": "16:9", "image_size": "2K"}},
        ),
        (None, ChatParams(tool_choice="required", tools=TOOLS), {"tool_choice": "required"}),
    ],
)
def test_chat_completions_maps_each_reasoning_style(reasoning, params, expected):
    body = chat_completions.build_request(
        model="m", messages=[], params=params, reasoning=reasoning
    ).body
    extra = {key: value for key, value in body.items() if key not in ("model", "messages")}
    assert (extra.pop("stream"), extra.pop("stream_options")) == (True, {"include_usage": True})
    extra.pop("tools", None)
    assert extra == expected


def test_anthropic_translation():
    params = ChatParams(
        temperature=0.5,
        max_tokens=3000,
        thinking=True,
        thinking_budget=1024,
        tools=TOOLS,
        tool_choice="auto",
    )
    request = anthropic_messages.build_request(
        model="claude-4.5-sonnet", messages=CONVERSATION, params=params, reasoning="thinking"
    )
    assert (request.path, request.headers) == ("/v1/messages", {"anthropic-version": "2023-06-01"})
    assert request.body == {
        "model": "claude-4.5-sonnet",
        "max_tokens": 3000,
        "system": "Be brief.",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this, and the weather in Paris?"},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "iVBORw0KGgo=",
                        },
                    },
                    {
                        "type": "image",
                        "source": {"type": "url", "url": "https://example.com/cat.jpg"},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me check."},
                    {
                        "type": "tool_use",
                        "id": "call_1",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": '{"temp": 21}'}
                ],
            },
        ],
        "temperature": 0.5,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tools": [
            {
                "name": "get_weather",
                "description": "Weather for a city",
                "input_schema": WEATHER_SCHEMA,
            }
        ],
        "tool_choice": {"type": "auto"},
        "stream": True,
    }


def test_anthropic_keeps_turns_alternating_and_replays_signed_thinking():
    system, turns = anthropic_messages.translate_messages(
        [
            {"role": "developer", "content": "One."},
            {"role": "system", "content": [{"type": "text", "text": "Two."}]},
            {"role": "user", "content": "a"},
            {"role": "user", "content": [{"type": "text", "text": "b"}]},
            {
                "role": "assistant",
                "content": "c",
                "reasoning_content": "unsigned, dropped",
                "thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s"}],
            },
            {"role": "tool", "tool_call_id": "x", "content": [{"type": "text", "text": "r"}]},
            {"role": "user", "content": "d"},
        ]
    )
    assert system == "One.\n\nTwo."
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "t", "signature": "s"},
                {"type": "text", "text": "c"},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "x", "content": "r"},
                {"type": "text", "text": "d"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("reasoning", "params", "thinking", "max_tokens"),
    [
        (
            "effort",
            ChatParams(reasoning_effort="high"),
            {"type": "enabled", "budget_tokens": 16384},
            4096 + 16384,
        ),
        ("effort", ChatParams(reasoning_effort="none"), {"type": "disabled"}, 4096),
        (
            "thinking",
            ChatParams(thinking=True),
            {"type": "enabled", "budget_tokens": 2048},
            4096 + 2048,
        ),
        ("enable_thinking", ChatParams(thinking=False), {"type": "disabled"}, 4096),
        ("thinking", ChatParams(), None, 4096),
        (None, ChatParams(thinking=True, max_tokens=10), None, 10),
    ],
)
def test_anthropic_reasoning_and_required_max_tokens(reasoning, params, thinking, max_tokens):
    body = anthropic_messages.build_request(
        model="m", messages=[], params=params, reasoning=reasoning
    ).body
    assert body.get("thinking") == thinking
    assert body["max_tokens"] == max_tokens


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
    ],
)
def test_anthropic_tool_choice(choice, expected):
    params = ChatParams(tools=TOOLS, tool_choice=choice)
    body = anthropic_messages.build_request(model="m", messages=[], params=params).body
    assert body["tool_choice"] == expected


def test_anthropic_bypass_path_and_files():
    request = PROTOCOLS["anthropic_bypass"].build_request(
        model="claude-4.6-opus",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "file", "file": {"file_id": "qfile-1", "format": "application/pdf"}},
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE"}},
                ],
            }
        ],
    )
    assert request.path == "/bypass/anthropic/v1/messages"
    assert request.body["stream"] is True
    assert request.body["messages"][0]["content"] == [
        {"type": "document", "source": {"type": "file", "file_id": "qfile-1"}},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
        },
    ]


def test_gemini_translation():
    params = ChatParams(
        temperature=0.5,
        top_p=0.9,
        max_tokens=1000,
        reasoning_effort="low",
        tools=TOOLS,
        tool_choice="auto",
    )
    request = gemini.build_request(
        model="gemini-2.5-flash", messages=CONVERSATION, params=params, reasoning="effort"
    )
    assert request.path == (
        "/bypass/vertex/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert request.body == {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"text": "What is this, and the weather in Paris?"},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                    {
                        "fileData": {
                            "mimeType": "image/jpeg",
                            "fileUri": "https://example.com/cat.jpg",
                        }
                    },
                ],
            },
            {
                "role": "model",
                "parts": [
                    {"text": "Let me check."},
                    {
                        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": gemini.UNKNOWN_SIGNATURE,
                    },
                ],
            },
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 21}}}],
            },
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {
            "temperature": 0.5,
            "topP": 0.9,
            "maxOutputTokens": 1000,
            "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True},
        },
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "Weather for a city",
                        "parameters": WEATHER_SCHEMA,
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    }


@pytest.mark.parametrize(
    ("model", "reasoning", "params", "expected"),
    [
        (
            "gemini-3.1-pro-preview",
            "effort",
            ChatParams(reasoning_effort="high"),
            {"thinkingLevel": "HIGH", "includeThoughts": True},
        ),
        (
            "gemini-2.5-flash",
            "effort",
            ChatParams(reasoning_effort="none"),
            {"thinkingBudget": 0, "includeThoughts": False},
        ),
        ("gemini-2.5-pro", "effort", ChatParams(), {"includeThoughts": True}),
        (
            "m",
            "thinking",
            ChatParams(thinking=False),
            {"thinkingBudget": 0, "includeThoughts": False},
        ),
        (
            "m",
            "thinking",
            ChatParams(thinking=True, thinking_budget=5000),
            {"thinkingBudget": 5000, "includeThoughts": True},
        ),
        ("m", None, ChatParams(reasoning_effort="high"), None),
    ],
)
def test_gemini_thinking_config(model, reasoning, params, expected):
    body = gemini.build_request(model=model, messages=[], params=params, reasoning=reasoning).body
    assert body.get("generationConfig", {}).get("thinkingConfig") == expected


def test_gemini_images_tool_choice_media_and_the_non_streaming_path():
    params = ChatParams(
        image_config={"aspect_ratio": "16:9", "image_size": "2K"},
        tools=TOOLS,
        tool_choice="get_weather",
    )
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
                {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}},
                {"type": "file", "file": {"file_id": "qfile-9", "format": "video/mp4"}},
            ],
        },
        {"role": "tool", "tool_call_id": "unknown", "name": "lookup", "content": "plain text"},
    ]
    request = gemini.build_request(
        model="gemini-3.0-pro-image-preview", messages=messages, params=params
    )
    assert request.path == (
        "/bypass/vertex/v1/models/gemini-3.0-pro-image-preview:streamGenerateContent?alt=sse"
    )
    assert request.body["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
    }
    assert request.body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }
    assert request.body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"inlineData": {"mimeType": "audio/mp3", "data": "SUQz"}},
                {"fileData": {"mimeType": "video/mp4", "fileUri": "https://example.com/v.mp4"}},
                {"fileData": {"mimeType": "video/mp4", "fileUri": "qfile-9"}},
                {"functionResponse": {"name": "lookup", "response": {"result": "plain text"}}},
            ],
        }
    ]


def test_responses_translation():
    params = ChatParams(
        temperature=0.5,
        max_tokens=1000,
        reasoning_effort="high",
        tools=TOOLS,
        tool_choice="get_weather",
    )
    request = responses.build_request(
        model="openai/gpt-5", messages=CONVERSATION, params=params, reasoning="effort"
    )
    assert request.path == "/bypass/openai/v1/responses"
    assert request.body == {
        "model": "openai/gpt-5",
        "instructions": "Be brief.",
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is this, and the weather in Paris?"},
                    {"type": "input_image", "image_url": PNG, "detail": "auto"},
                    {
                        "type": "input_image",
                        "image_url": "https://example.com/cat.jpg",
                        "detail": "auto",
                    },
                ],
            },
            {"role": "assistant", "content": "Let me check."},
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": '{"temp": 21}'},
        ],
        "temperature": 0.5,
        "max_output_tokens": 1000,
        "reasoning": {"effort": "high", "summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": WEATHER_SCHEMA,
                "strict": False,
            }
        ],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "stream": True,
    }


@pytest.mark.parametrize(
    ("reasoning", "params", "expected"),
    [
        ("effort", ChatParams(reasoning_effort="none"), {"effort": "none"}),
        ("effort", ChatParams(), {"summary": "auto"}),
        ("thinking", ChatParams(thinking=False), {"effort": "minimal"}),
        (
            "thinking",
            ChatParams(thinking=True, thinking_budget=1024),
            {"effort": "low", "summary": "auto"},
        ),
        (
            "thinking",
            ChatParams(thinking=True, thinking_budget=40000),
            {"effort": "high", "summary": "auto"},
        ),
        (None, ChatParams(reasoning_effort="high"), None),
    ],
)
def test_responses_reasoning(reasoning, params, expected):
    body = responses.build_request(model="m", messages=[], params=params, reasoning=reasoning).body
    assert body.get("reasoning") == expected


def test_responses_content_parts():
    _, items = responses.translate_messages(
        [
            {
                "role": "user",
                "content": [
                    {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
                    {"type": "file", "file": {"file_id": "file-1"}},
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,JV"}},
                    {"type": "image_url", "image_url": {"url": PNG, "detail": "low"}},
                ],
            },
            {"role": "user", "content": "plain"},
        ]
    )
    assert items == [
        {
            "role": "user",
            "content": [
                {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
                {"type": "input_file", "file_id": "file-1"},
                {
                    "type": "input_file",
                    "file_data": "data:application/pdf;base64,JV",
                    "filename": "file",
                },
                {"type": "input_image", "image_url": PNG, "detail": "low"},
            ],
        },
        {"role": "user", "content": "plain"},
    ]


@pytest.mark.parametrize(
    ("module", "part", "what"),
    [
        (anthropic_messages, {"type": "input_audio", "input_audio": {"data": "x"}}, "audio"),
        (anthropic_messages, {"type": "video_url", "video_url": {"url": "u"}}, "video"),
        (responses, {"type": "video_url", "video_url": {"url": "u"}}, "video"),
        (gemini, {"type": "hologram"}, "hologram"),
    ],
)
def test_parts_a_protocol_cannot_carry_are_refused_before_sending(module, part, what):
    with pytest.raises(NexconnError) as caught:
        module.build_request(model="m", messages=[{"role": "user", "content": [part]}])
    assert caught.value.kind == "bad_request"
    assert what in caught.value.message_for_user
    assert "chat completions" in caught.value.message_for_user


def test_registry():
    assert list(PROTOCOLS) == [
        "chat_completions",
        "anthropic",
        "anthropic_bypass",
        "gemini",
        "responses",
    ]
    for protocol in PROTOCOLS.values():
        assert protocol.label
        request = protocol.build_request(
            model="m", messages=[{"role": "user", "content": "hi"}], params=ChatParams()
        )
        assert request.method == "POST" and request.path.startswith(("/v1/", "/bypass/"))


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("claude-4.5-sonnet", {"chat_completions", "anthropic", "anthropic_bypass"}),
        ("gemini-2.5-pro", {"chat_completions", "anthropic", "gemini"}),
        ("openai/gpt-5", {"chat_completions", "anthropic", "responses"}),
        ("deepseek-v3", {"chat_completions", "anthropic"}),
        # Ids only the upstream knows go by their names.
        ("claude-9", {"chat_completions", "anthropic", "anthropic_bypass"}),
        ("gemini-9-ultra", {"chat_completions", "anthropic", "gemini"}),
        ("openai/gpt-9", {"chat_completions", "anthropic", "responses"}),
        ("acme/new", {"chat_completions", "anthropic"}),
    ],
)
def test_protocols_for(model, expected):
    assert {protocol.id for protocol in protocols_for(model)} == expected
    assert default_protocol_for(model) == "chat_completions"


# What an answer's protocol needs back (prompts.py puts it on the assistant message).
SIGNED_TURN = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": "Let me check.",
        "reasoning_content": "Paris, so a weather call.",
        "extra_content": {"google": {"thought_signature": "text-sig"}},
        "reasoning_items": [
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "enc"}
        ],
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                "item_id": "fc_1",
                "extra_content": {"google": {"thought_signature": "call-sig"}},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "get_time", "arguments": "{}"},
                "item_id": "fc_2",
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
]


def test_gemini_gives_back_each_parts_own_thought_signature():
    _, contents = gemini.translate_messages(SIGNED_TURN)
    text, weather, time = contents[1]["parts"]
    assert text == {"text": "Let me check.", "thoughtSignature": "text-sig"}
    assert weather["thoughtSignature"] == "call-sig"
    assert "thoughtSignature" not in time  # Google signs only the first of parallel calls


def test_responses_gives_back_reasoning_items_and_call_ids():
    _, items = responses.translate_messages(SIGNED_TURN)
    assert [item.get("type", item.get("role")) for item in items] == [
        "user",
        "reasoning",
        "assistant",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    assert items[1] == SIGNED_TURN[1]["reasoning_items"][0]
    assert [items[3]["id"], items[4]["id"]] == ["fc_1", "fc_2"]


def test_chat_completions_sends_reasoning_content_back():
    request = chat_completions.build_request(model="m", messages=SIGNED_TURN)
    assert request.body["messages"][1]["reasoning_content"] == "Paris, so a weather call."
