"""The exact request of a chat turn as code: curl, Python and JavaScript, for every protocol.

The API key is always a placeholder read from the environment, never a real key. Python
uses each vendor's official SDK where there is one (openai for chat completions and
Responses, anthropic for the Anthropic protocols) and httpx for Gemini; JavaScript is a
plain `fetch` program for Node 18+. No Django imports.
"""

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.nexconn.catalog import PROTOCOLS

API_KEY_ENV = "NEXCONN_API_KEY"

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,;]*)*;base64,(?P<data>.*)$", re.S)
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_SHORTEN_FROM = 1024  # characters: smaller data stays, so short samples remain runnable
_INLINE_WIDTH = 72  # a literal shorter than this stays on one line


@dataclass(frozen=True, slots=True)
class _Sdk:
    """How one protocol is called through its official Python SDK."""

    package: str
    client_class: str
    key_argument: str  # the constructor argument that makes the SDK send Bearer auth
    path_suffix: str  # what the SDK appends to base_url
    method: str
    # Body fields passed as keyword arguments; every other field goes in extra_body.
    # Only arguments stable across SDK releases: extra_body sends the rest unchanged.
    keywords: frozenset[str]
    client_options: str  # extra constructor lines
    print_answer: str
    print_stream: str


_OPENAI_CHAT = _Sdk(
    package="openai",
    client_class="OpenAI",
    key_argument="api_key",
    path_suffix="/chat/completions",
    method="client.chat.completions.create",
    keywords=frozenset(
        {
            "model",
            "messages",
            "stream",
            "stream_options",
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "reasoning_effort",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "stop",
            "n",
            "seed",
            "user",
            "presence_penalty",
            "frequency_penalty",
            "logit_bias",
            "logprobs",
            "top_logprobs",
            "modalities",
            "metadata",
        }
    ),
    client_options="",
    print_answer="print(response.choices[0].message.content)",
    print_stream=(
        "for chunk in stream:\n"
        "    if chunk.choices and chunk.choices[0].delta.content:\n"
        '        print(chunk.choices[0].delta.content, end="", flush=True)\n'
        "print()"
    ),
)

_OPENAI_RESPONSES = _Sdk(
    package="openai",
    client_class="OpenAI",
    key_argument="api_key",
    path_suffix="/responses",
    method="client.responses.create",
    keywords=frozenset(
        {
            "model",
            "input",
            "instructions",
            "stream",
            "temperature",
            "top_p",
            "max_output_tokens",
            "reasoning",
            "text",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "previous_response_id",
            "store",
            "include",
            "metadata",
            "truncation",
            "user",
        }
    ),
    client_options="",
    print_answer="print(response.output_text)",
    print_stream=(
        "for event in stream:\n"
        '    if event.type == "response.output_text.delta":\n'
        '        print(event.delta, end="", flush=True)\n'
        "print()"
    ),
)

_ANTHROPIC = _Sdk(
    package="anthropic",
    client_class="Anthropic",
    key_argument="auth_token",
    path_suffix="/v1/messages",
    method="client.messages.create",
    keywords=frozenset(
        {
            "model",
            "max_tokens",
            "messages",
            "system",
            "stream",
            "thinking",
            "tools",
            "tool_choice",
            "stop_sequences",
            "metadata",
        }
    ),
    # A float timeout also lifts the SDK's refusal of long non-streaming requests.
    client_options="    timeout=600.0,\n",
    print_answer=(
        'for block in response.content:\n    if block.type == "text":\n        print(block.text)'
    ),
    print_stream=(
        "for event in stream:\n"
        '    if event.type == "content_block_delta" and event.delta.type == "text_delta":\n'
        '        print(event.delta.text, end="", flush=True)\n'
        "print()"
    ),
)

_SDKS = {
    "chat_completions": _OPENAI_CHAT,
    "responses": _OPENAI_RESPONSES,
    "anthropic": _ANTHROPIC,
    "anthropic_bypass": _ANTHROPIC,
}

# The answer text of one event (streaming) or of the whole response, in JavaScript.
_JS_TEXT = {
    "chat_completions": (
        "event.choices?.[0]?.delta?.content ?? event.choices?.[0]?.message?.content ?? ''"
    ),
    "responses": (
        "event.type === 'response.output_text.delta'\n"
        "    ? event.delta\n"
        "    : (event.output ?? [])\n"
        "        .flatMap((item) => (item.type === 'message' ? item.content : []))\n"
        "        .filter((part) => part.type === 'output_text')\n"
        "        .map((part) => part.text)\n"
        "        .join('')"
    ),
    "anthropic": (
        "event.type === 'content_block_delta'\n"
        "    ? (event.delta.type === 'text_delta' ? event.delta.text : '')\n"
        "    : (event.content ?? [])\n"
        "        .filter((block) => block.type === 'text')\n"
        "        .map((block) => block.text)\n"
        "        .join('')"
    ),
    "gemini": (
        "(event.candidates?.[0]?.content?.parts ?? [])\n"
        "    .filter((part) => part.text && !part.thought)\n"
        "    .map((part) => part.text)\n"
        "    .join('')"
    ),
}
_JS_TEXT["anthropic_bypass"] = _JS_TEXT["anthropic"]


def snippets(
    *,
    protocol: str,
    base_url: str,
    path: str,
    body: dict[str, Any],
    stream: bool,
    headers: Mapping[str, str] | None = None,
    shorten_data: bool = False,
) -> dict[str, str]:
    """{"curl", "python", "javascript"} programs that send `body` to `base_url` + `path`.

    `base_url` is the API root (https://api-xmodel.nexconn.ai); `path` carries any query
    (Gemini's `?alt=sse`). `stream` says whether the answer arrives as server-sent events.
    `headers` are sent besides the auth and content-type ones (a WireRequest's headers).
    With `shorten_data`, long base64 payloads become markers such as
    "<base64 image, 123 KB>": easier to read, but no longer the exact request.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    if shorten_data:
        body = shorten_base64(body)
    url = base_url.rstrip("/") + path
    headers = dict(headers or {})
    if protocol == "gemini":
        python = _gemini_python(url, body, stream, headers)
    else:
        python = _sdk_python(_SDKS[protocol], url, body, stream, headers)
    return {
        "curl": _curl(url, body, stream, headers),
        "python": python,
        "javascript": _javascript(protocol, url, body, stream, headers),
    }


def shorten_base64(value: Any, *, key: str = "") -> Any:
    """A copy of `value` with long base64 strings (data URLs, and raw base64 under a "data"
    key as Anthropic, Gemini and input_audio use) replaced by a readable marker."""
    if isinstance(value, dict):
        return {k: shorten_base64(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten_base64(item, key=key) for item in value]
    if not isinstance(value, str) or len(value) < _SHORTEN_FROM:
        return value
    if match := _DATA_URL.match(value):
        kind = (match["mime"] or "").split("/")[0]
        kind = kind if kind in ("image", "audio", "video") else "file"
        return _marker(kind, match["data"])
    if key == "data" and _BASE64.match(value):
        return _marker("data", value)
    return value


def _marker(kind: str, data: str) -> str:
    size = len(re.sub(r"\s", "", data)) * 3 // 4
    return f"<base64 {kind}, {max(1, round(size / 1024))} KB>"


# --- curl -------------------------------------------------------------------------------


def _curl(url: str, body: dict[str, Any], stream: bool, headers: dict[str, str]) -> str:
    lines = [
        f"curl{' -N' if stream else ''} {shlex.quote(url)}",
        f'-H "Authorization: Bearer ${API_KEY_ENV}"',
        '-H "Content-Type: application/json"',
        *(f"-H {shlex.quote(f'{name}: {value}')}" for name, value in headers.items()),
        f"-d {shlex.quote(json.dumps(body, indent=2, ensure_ascii=False))}",
    ]
    return " \\\n  ".join(lines) + "\n"


# --- Python -----------------------------------------------------------------------------


def _sdk_python(
    sdk: _Sdk, url: str, body: dict[str, Any], stream: bool, headers: dict[str, str]
) -> str:
    if not url.endswith(sdk.path_suffix):
        raise ValueError(f"{url} does not end with {sdk.path_suffix}")
    if bool(body.get("stream")) != stream:
        raise ValueError(f"the body's stream flag does not match stream={stream}")
    sdk_base = url.removesuffix(sdk.path_suffix)
    keywords = {k: v for k, v in body.items() if k in sdk.keywords}
    extra = {k: v for k, v in body.items() if k not in sdk.keywords}
    arguments = [f"    {name}={_py(value, 4)}," for name, value in keywords.items()]
    if extra:
        arguments.append(f"    extra_body={_py(extra, 4)},")
    if headers:
        arguments.append(f"    extra_headers={_py(headers, 4)},")
    result = "stream" if stream else "response"
    return (
        "import os\n"
        "\n"
        f"from {sdk.package} import {sdk.client_class}\n"
        "\n"
        f"client = {sdk.client_class}(\n"
        f"    base_url={_py(sdk_base, 4)},\n"
        f'    {sdk.key_argument}=os.environ["{API_KEY_ENV}"],\n'
        f"{sdk.client_options}"
        ")\n"
        "\n"
        f"{result} = {sdk.method}(\n" + "\n".join(arguments) + "\n)\n"
        f"{sdk.print_stream if stream else sdk.print_answer}\n"
    )


_GEMINI_TEXT_OF = (
    "def text_of(response):\n"
    '    """The answer text of a response or of one streamed chunk (thoughts left out)."""\n'
    '    candidates = response.get("candidates") or [{}]\n'
    '    parts = candidates[0].get("content", {}).get("parts", [])\n'
    '    return "".join(part.get("text", "") for part in parts if not part.get("thought"))\n'
)


def _gemini_python(url: str, body: dict[str, Any], stream: bool, headers: dict[str, str]) -> str:
    extra_headers = "".join(f"    {_py_str(k)}: {_py_str(v)},\n" for k, v in headers.items())
    head = (
        ("import json\n" if stream else "")
        + "import os\n\nimport httpx\n\n"
        + f"url = {_py(url, 0)}\n"
        + f'api_key = os.environ["{API_KEY_ENV}"]\n'
        + 'headers = {\n    "Authorization": f"Bearer {api_key}",\n'
        + extra_headers
        + "}\n"
        + f"body = {_py(body, 0)}\n\n\n"
        + _GEMINI_TEXT_OF
        + "\n\n"
    )
    if stream:
        return head + (
            'with httpx.stream("POST", url, headers=headers, json=body, timeout=600) as response:\n'
            "    response.raise_for_status()\n"
            "    for line in response.iter_lines():\n"
            '        if line.startswith("data:"):\n'
            '            print(text_of(json.loads(line[5:])), end="", flush=True)\n'
            "print()\n"
        )
    return head + (
        "response = httpx.post(url, headers=headers, json=body, timeout=600)\n"
        "response.raise_for_status()\n"
        "print(text_of(response.json()))\n"
    )


def _py(value: Any, indent: int) -> str:
    """`value` (a JSON value) as a Python literal, on one line when short."""
    flat = _py_flat(value)
    if len(flat) + indent <= _INLINE_WIDTH or not isinstance(value, dict | list) or not value:
        return flat
    inner = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{inner}{_py_str(k)}: {_py(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{inner}{_py(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _py_flat(value: Any) -> str:
    match value:
        case bool() | None:
            return repr(value)
        case str():
            return _py_str(value)
        case int() | float():
            return repr(value)
        case dict():
            return "{" + ", ".join(f"{_py_str(k)}: {_py_flat(v)}" for k, v in value.items()) + "}"
        case list() | tuple():
            return "[" + ", ".join(_py_flat(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _py_str(text: str) -> str:
    # JSON's escapes are all valid in Python; keeping non-ASCII text as is (not \\u escapes,
    # which Python would read as lone surrogates for emoji) keeps prompts readable.
    return json.dumps(text, ensure_ascii=False)


# --- JavaScript -------------------------------------------------------------------------


def _javascript(
    protocol: str, url: str, body: dict[str, Any], stream: bool, headers: dict[str, str]
) -> str:
    text_of = _JS_TEXT[protocol]
    extra_headers = "".join(
        f"      {json.dumps(k)}: {json.dumps(v)},\n" for k, v in headers.items()
    )
    head = (
        f"// Node.js 18 or later: {API_KEY_ENV}=… node request.mjs\n"
        f"const url = {json.dumps(url)};\n"
        f"const body = {json.dumps(body, indent=2, ensure_ascii=False)};\n"
        "\n"
        "// The answer text of the response, or of one streamed event.\n"
        f"function textOf(event) {{\n  return {text_of};\n}}\n"
        "\n"
        "async function main() {\n"
        "  const response = await fetch(url, {\n"
        "    method: 'POST',\n"
        "    headers: {\n"
        f"      Authorization: `Bearer ${{process.env.{API_KEY_ENV}}}`,\n"
        "      'Content-Type': 'application/json',\n"
        f"{extra_headers}"
        "    },\n"
        "    body: JSON.stringify(body),\n"
        "  });\n"
        "  if (!response.ok) {\n"
        "    throw new Error(`HTTP ${response.status}: ${await response.text()}`);\n"
        "  }\n"
    )
    if stream:
        read = (
            "  // Server-sent events: print the text of each `data:` line as it arrives.\n"
            "  const decoder = new TextDecoder();\n"
            "  let buffer = '';\n"
            "  for await (const chunk of response.body) {\n"
            "    buffer += decoder.decode(chunk, { stream: true });\n"
            "    const lines = buffer.split('\\n');\n"
            "    buffer = lines.pop();\n"
            "    for (const line of lines) {\n"
            "      const data = line.startsWith('data:') ? line.slice(5).trim() : '';\n"
            "      if (data && data !== '[DONE]') {\n"
            "        process.stdout.write(textOf(JSON.parse(data)));\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "  process.stdout.write('\\n');\n"
        )
    else:
        read = "  console.log(textOf(await response.json()));\n"
    return (
        head
        + read
        + "}\n\nmain().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n"
    )


# --- any endpoint ---------------------------------------------------------------------------


def request_snippets(
    *,
    method: str,
    base_url: str,
    path: str,
    body: dict[str, Any] | None,
    headers: Mapping[str, str] | None = None,
    shorten_data: bool = False,
) -> dict[str, str]:
    """{"curl", "python", "javascript"} programs for any endpoint (media tasks, files, the
    model list): curl, Python with httpx, and a `fetch` program for Node 18+. The key is
    the same placeholder as for chat."""
    if shorten_data and body is not None:
        body = shorten_base64(body)
    url = base_url.rstrip("/") + path
    headers = dict(headers or {})
    return {
        "curl": _curl_any(method, url, body, headers),
        "python": _python_any(method, url, body, headers),
        "javascript": _javascript_any(method, url, body, headers),
    }


def model_list_sdk_python(*, base_url: str) -> str:
    """The model list through the openai SDK, which knows this endpoint."""
    return (
        "import os\n"
        "\n"
        "from openai import OpenAI\n"
        "\n"
        "client = OpenAI(\n"
        f"    base_url={_py(base_url.rstrip('/') + '/v1', 4)},\n"
        f'    api_key=os.environ["{API_KEY_ENV}"],\n'
        ")\n"
        "\n"
        "for model in client.models.list():\n"
        "    print(model.id)\n"
    )


def _curl_any(method: str, url: str, body: Any, headers: dict[str, str]) -> str:
    lines = [
        f"curl{'' if method in ('GET', 'POST') else f' -X {method}'} {shlex.quote(url)}",
        f'-H "Authorization: Bearer ${API_KEY_ENV}"',
        *(f"-H {shlex.quote(f'{name}: {value}')}" for name, value in headers.items()),
    ]
    if body is not None:
        lines.append('-H "Content-Type: application/json"')
        lines.append(f"-d {shlex.quote(json.dumps(body, indent=2, ensure_ascii=False))}")
    return " \\\n  ".join(lines) + "\n"


def _python_any(method: str, url: str, body: Any, headers: dict[str, str]) -> str:
    extra = "".join(f"    {_py_str(k)}: {_py_str(v)},\n" for k, v in headers.items())
    call = f"httpx.request({_py_str(method)}, url, headers=headers"
    call += ", json=body, timeout=600)" if body is not None else ", timeout=600)"
    return (
        "import os\n\nimport httpx\n\n"
        + f"url = {_py(url, 0)}\n"
        + f'api_key = os.environ["{API_KEY_ENV}"]\n'
        + 'headers = {\n    "Authorization": f"Bearer {api_key}",\n'
        + extra
        + "}\n"
        + (f"body = {_py(body, 0)}\n" if body is not None else "")
        + "\n"
        + f"response = {call}\n"
        + "print(response.status_code)\n"
        + "print(response.text)\n"
    )


def _javascript_any(method: str, url: str, body: Any, headers: dict[str, str]) -> str:
    extra = "".join(f"      {json.dumps(k)}: {json.dumps(v)},\n" for k, v in headers.items())
    if body is not None:
        extra += "      'Content-Type': 'application/json',\n"
    send_body = "    body: JSON.stringify(body),\n" if body is not None else ""
    return (
        f"// Node.js 18 or later: {API_KEY_ENV}=… node request.mjs\n"
        f"const url = {json.dumps(url)};\n"
        + (
            f"const body = {json.dumps(body, indent=2, ensure_ascii=False)};\n"
            if body is not None
            else ""
        )
        + "\n"
        "const response = await fetch(url, {\n"
        f"  method: {json.dumps(method)},\n"
        "  headers: {\n"
        f"      Authorization: `Bearer ${{process.env.{API_KEY_ENV}}}`,\n"
        f"{extra}"
        "  },\n"
        f"{send_body}"
        "});\n"
        "console.log(response.status);\n"
        "console.log(await response.text());\n"
    )
