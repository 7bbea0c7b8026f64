"""The "view code" snippets are the exact request: curl, Python and JavaScript parse back to
the same body, keep the key a placeholder, and run against a local stand-in server."""

import ast
import copy
import http.server
import inspect
import json
import os
import shlex
import shutil
import subprocess
import threading

import pytest

from playground.nexconn.catalog import PROTOCOLS
from playground.nexconn.snippets import _JS_TEXT, _SDKS, shorten_base64, snippets

HOST = "https://api-xmodel.nexconn.ai"
# Quotes of both kinds, shell syntax that must not run, escapes, newlines and wide Unicode.
PROMPT = (
    "It's a \"test\" \\ with $HOME, `ls` and $(echo gotcha) '; echo '\n"
    "second line\ttab — ünïcode 中文 😀 \u2028 end"
)
HEADERS = {"X-Trace": 'it\'s "quoted"'}  # a WireRequest's extra headers
TINY_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
PATHS = {
    "chat_completions": "/v1/chat/completions",
    "responses": "/bypass/openai/v1/responses",
    "anthropic": "/v1/messages",
    "anthropic_bypass": "/bypass/anthropic/v1/messages",
}
SDK_BASES = {
    "chat_completions": HOST + "/v1",
    "responses": HOST + "/bypass/openai/v1",
    "anthropic": HOST,
    "anthropic_bypass": HOST + "/bypass/anthropic",
}
SDK_METHODS = {
    "chat_completions": "client.chat.completions.create",
    "responses": "client.responses.create",
    "anthropic": "client.messages.create",
    "anthropic_bypass": "client.messages.create",
}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def gemini_path(stream: bool) -> str:
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"/bypass/vertex/v1/models/gemini-3.1-pro-preview:{method}"


def request_body(protocol: str, stream: bool) -> dict:
    """A realistic body per protocol, with fields the SDKs take as keywords and others."""
    match protocol:
        case "chat_completions":
            body = {
                "model": "claude-4.5-sonnet",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": PROMPT},
                            {"type": "image_url", "image_url": {"url": TINY_PNG}},
                        ],
                    },
                ],
                "stream": stream,
                "temperature": 0.5,
                "max_tokens": 4096,
                "tools": [TOOL],
                "tool_choice": "auto",
                "thinking": {"type": "enabled", "budget_tokens": 2048},
                "chat_template_kwargs": {
                    "odd values": [None, True, False, 1e-07, 10**20, {}, [], "", -0.5]
                },
            }
            if stream:
                body["stream_options"] = {"include_usage": True}
            return body
        case "responses":
            return {
                "model": "openai/gpt-5",
                "instructions": "Be brief.",
                "input": [{"role": "user", "content": PROMPT}],
                "reasoning": {"effort": "low", "summary": "auto"},
                "max_output_tokens": 1000,
                "service_tier": "auto",
                "stream": stream,
            }
        case "anthropic" | "anthropic_bypass":
            return {
                "model": "claude-4.6-opus",
                "max_tokens": 8192,
                "system": "Be brief.",
                "messages": [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}],
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "temperature": 1,
                "top_k": 40,
                "stream": stream,
            }
        case "gemini":
            return {
                "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                "generationConfig": {
                    "temperature": 0.7,
                    "maxOutputTokens": 1024,
                    "thinkingConfig": {"includeThoughts": True, "thinkingLevel": "HIGH"},
                },
            }
    raise AssertionError(protocol)


def path_of(protocol: str, stream: bool) -> str:
    return gemini_path(stream) if protocol == "gemini" else PATHS[protocol]


def make(protocol: str, stream: bool, *, base_url: str = HOST, **options) -> dict[str, str]:
    return snippets(
        protocol=protocol,
        base_url=base_url,
        path=path_of(protocol, stream),
        body=request_body(protocol, stream),
        stream=stream,
        headers=HEADERS,
        **options,
    )


CASES = [(protocol, stream) for protocol in PROTOCOLS for stream in (False, True)]
CASE_IDS = [f"{protocol}-{'stream' if stream else 'once'}" for protocol, stream in CASES]
SDK_CASES = [case for case in CASES if case[0] != "gemini"]
SDK_CASE_IDS = [i for i, case in zip(CASE_IDS, CASES, strict=True) if case[0] != "gemini"]


def test_every_protocol_has_snippets():
    assert set(PROTOCOLS) == {*PATHS, "gemini"} == set(_JS_TEXT) == {*_SDKS, "gemini"}


# --- curl -------------------------------------------------------------------------------


def curl_arguments(command: str) -> list[str]:
    # The shell removes backslash-newline continuations before splitting words.
    return shlex.split(command.replace("\\\n", " "))


@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_curl_parses_back_to_the_exact_body(protocol, stream):
    command = make(protocol, stream)["curl"]
    args = curl_arguments(command)
    assert args[0] == "curl"
    assert ("-N" in args) == stream
    assert HOST + path_of(protocol, stream) in args
    headers = [args[i + 1] for i, arg in enumerate(args) if arg == "-H"]
    assert headers == [
        "Authorization: Bearer $NEXCONN_API_KEY",
        "Content-Type: application/json",
        'X-Trace: it\'s "quoted"',
    ]
    data = args[args.index("-d") + 1]
    assert json.loads(data) == request_body(protocol, stream)
    assert "\n  " in data  # pretty-printed
    assert "ünïcode 中文 😀" in command  # kept readable, not \u-escaped


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_curl_in_a_real_shell_expands_only_the_key():
    command = make("chat_completions", stream=True)["curl"]
    # A shell function stands in for curl and prints the arguments the shell gave it.
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command
    result = subprocess.run(  # noqa: S603
        ["bash", "-c", script],  # noqa: S607
        capture_output=True,
        check=True,
        env={"PATH": os.environ["PATH"], "NEXCONN_API_KEY": "test-key", "HOME": "/nowhere"},
    )
    args = result.stdout.decode().split("\0")[:-1]
    assert "Authorization: Bearer test-key" in args
    assert json.loads(args[args.index("-d") + 1]) == request_body("chat_completions", True)
    assert b"gotcha" not in result.stdout.replace(b"$(echo gotcha)", b"")


# --- Python -----------------------------------------------------------------------------


def find_call(tree: ast.AST, name: str) -> ast.Call:
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == name
    ]
    assert len(calls) == 1, name
    return calls[0]


def call_kwargs(call: ast.Call) -> dict:
    return {kw.arg: kw.value for kw in call.keywords}


@pytest.mark.parametrize(("protocol", "stream"), SDK_CASES, ids=SDK_CASE_IDS)
def test_python_sdk_call_reproduces_the_body(protocol, stream):
    source = make(protocol, stream)["python"]
    compile(source, "snippet.py", "exec")
    tree = ast.parse(source)
    sdk = _SDKS[protocol]

    client = call_kwargs(find_call(tree, sdk.client_class))
    assert ast.literal_eval(client["base_url"]) == SDK_BASES[protocol]
    assert ast.unparse(client[sdk.key_argument]) == "os.environ['NEXCONN_API_KEY']"

    kwargs = {
        name: ast.literal_eval(value)
        for name, value in call_kwargs(find_call(tree, SDK_METHODS[protocol])).items()
    }
    assert kwargs.pop("extra_headers") == HEADERS
    extra = kwargs.pop("extra_body", {})
    assert extra, "each sample body has a field the SDK only takes through extra_body"
    assert not set(kwargs) & set(extra)
    assert {**kwargs, **extra} == request_body(protocol, stream)
    assert list({**kwargs, **extra}) != [] and kwargs["stream"] is stream


@pytest.mark.parametrize("protocol", ["chat_completions", "responses", "anthropic"])
def test_sdk_keywords_exist_in_the_installed_sdks(protocol):
    from anthropic.resources.messages import Messages
    from openai.resources.chat.completions import Completions
    from openai.resources.responses import Responses

    method = {
        "chat_completions": Completions.create,
        "responses": Responses.create,
        "anthropic": Messages.create,
    }[protocol]
    assert _SDKS[protocol].keywords <= set(inspect.signature(method).parameters)


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_python_posts_the_body_with_httpx(stream):
    source = make("gemini", stream)["python"]
    compile(source, "snippet.py", "exec")
    assignments = {
        node.targets[0].id: node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert ast.literal_eval(assignments["body"]) == request_body("gemini", stream)
    assert ast.literal_eval(assignments["url"]) == HOST + gemini_path(stream)
    assert ast.unparse(assignments["api_key"]) == "os.environ['NEXCONN_API_KEY']"
    assert ("httpx.stream(" in source) == stream
    assert '"X-Trace": "it\'s \\"quoted\\""' in source


# --- JavaScript -------------------------------------------------------------------------


def js_body(source: str) -> dict:
    start = source.index("const body = ") + len("const body = ")
    return json.loads(source[start : source.index(";\n", start)])


@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_javascript_carries_the_exact_body(protocol, stream, tmp_path):
    source = make(protocol, stream)["javascript"]
    assert js_body(source) == request_body(protocol, stream)
    assert f"const url = {json.dumps(HOST + path_of(protocol, stream))};" in source
    assert "Bearer ${process.env.NEXCONN_API_KEY}" in source
    assert '"X-Trace": "it\'s \\"quoted\\"",' in source
    assert ("response.body" in source) == stream
    if node := shutil.which("node"):
        script = tmp_path / "request.mjs"
        script.write_text(source)
        subprocess.run([node, "--check", str(script)], check=True)  # noqa: S603


# --- all languages ----------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_the_key_is_always_a_placeholder(protocol, stream):
    for language, code in make(protocol, stream).items():
        assert "NEXCONN_API_KEY" in code, language
        assert "sk-" not in code, language


def test_bad_calls_are_refused():
    body = request_body("chat_completions", False)
    with pytest.raises(ValueError, match="unknown protocol"):
        snippets(protocol="grpc", base_url=HOST, path="/x", body=body, stream=False)
    with pytest.raises(ValueError, match="does not end with"):
        snippets(
            protocol="chat_completions", base_url=HOST, path="/v1/messages", body=body, stream=False
        )
    with pytest.raises(ValueError, match="stream flag"):
        snippets(
            protocol="chat_completions", base_url=HOST, path=PATHS["chat_completions"],
            body=body, stream=True,
        )  # fmt: skip


def test_base_url_trailing_slash():
    python = make("chat_completions", False, base_url=HOST + "/")["python"]
    assert f'base_url="{HOST}/v1"' in python


# --- shortening base64 ------------------------------------------------------------------

BIG_PNG = "data:image/png;base64," + "A" * 200_000  # 150,000 bytes once decoded
BIG_WAV = "UklGR" + "B" * 40_000


def body_with_data() -> dict:
    return {
        "model": "gemini-2.5-flash",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "A" * 5000},  # long text is left alone
                    {"type": "image_url", "image_url": {"url": BIG_PNG}},
                    {"type": "image_url", "image_url": {"url": TINY_PNG}},
                    {"type": "input_audio", "input_audio": {"data": BIG_WAV, "format": "wav"}},
                    {
                        "type": "video_url",
                        "video_url": {"url": "data:video/mp4;base64," + "C" * 4000},
                    },
                ],
            }
        ],
        "stream": False,
    }


def test_data_is_exact_by_default():
    body = body_with_data()
    code = snippets(
        protocol="chat_completions",
        base_url=HOST,
        path=PATHS["chat_completions"],
        body=body,
        stream=False,
    )
    assert all(BIG_PNG in text for text in code.values())
    assert "extra_headers" not in code["python"] and code["curl"].count("-H") == 2
    assert body == body_with_data()  # the caller's body is not changed


def test_shorten_data_replaces_long_base64_with_markers():
    body = body_with_data()
    original = copy.deepcopy(body)
    code = snippets(
        protocol="chat_completions",
        base_url=HOST,
        path=PATHS["chat_completions"],
        body=body,
        stream=False,
        shorten_data=True,
    )
    assert body == original
    for text in code.values():
        assert "<base64 image, 146 KB>" in text
        assert "<base64 data, 29 KB>" in text
        assert "<base64 video, 3 KB>" in text
        assert TINY_PNG in text
        assert "A" * 5000 in text
        assert "A" * 6000 not in text
    shortened = shorten_base64(body)
    parts = shortened["messages"][0]["content"]
    assert parts[1]["image_url"]["url"] == "<base64 image, 146 KB>"
    assert parts[3]["input_audio"] == {"data": "<base64 data, 29 KB>", "format": "wav"}


# --- running the snippets against a local stand-in --------------------------------------

ANSWER = "Hello"


def _sse(*events: tuple[str | None, dict | str]) -> bytes:
    lines = []
    for name, data in events:
        if name:
            lines.append(f"event: {name}")
        lines.append(f"data: {data if isinstance(data, str) else json.dumps(data)}\n")
    return ("\n".join(lines) + "\n").encode()


def canned_response(path: str, stream: bool) -> tuple[str, bytes]:
    """A minimal but well-formed answer in the protocol of `path`."""
    if "chat/completions" in path:
        if stream:
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": ANSWER}, "finish_reason": None}],
            }
            return "text/event-stream", _sse((None, chunk), (None, "[DONE]"))
        message = {"role": "assistant", "content": ANSWER}
        return "application/json", json.dumps(
            {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        ).encode()
    if path.endswith("/responses"):
        if stream:
            delta = {
                "type": "response.output_text.delta",
                "item_id": "m",
                "output_index": 0,
                "content_index": 0,
                "delta": ANSWER,
                "sequence_number": 1,
            }
            return "text/event-stream", _sse((delta["type"], delta))
        item = {
            "type": "message",
            "id": "m",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": ANSWER, "annotations": []}],
        }
        return "application/json", json.dumps(
            {
                "id": "r",
                "object": "response",
                "created_at": 0,
                "model": "m",
                "status": "completed",
                "output": [{"type": "reasoning", "id": "x", "summary": []}, item],
            }
        ).encode()
    if path.endswith("/messages"):
        if stream:
            start = {
                "id": "msg",
                "type": "message",
                "role": "assistant",
                "model": "m",
                "content": [],
                "stop_reason": None,
                "usage": {"input_tokens": 1, "output_tokens": 0},
            }
            return "text/event-stream", _sse(
                ("message_start", {"type": "message_start", "message": start}),
                ("ping", {"type": "ping"}),
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                ),
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": ANSWER},
                    },
                ),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                (
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": "end_turn"},
                        "usage": {"output_tokens": 1},
                    },
                ),
                ("message_stop", {"type": "message_stop"}),
            )
        return "application/json", json.dumps(
            {
                "id": "msg",
                "type": "message",
                "role": "assistant",
                "model": "m",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "s"},
                    {"type": "text", "text": ANSWER},
                ],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 1, "output_tokens": 1},
            }
        ).encode()
    parts = [{"text": "Thinking it over", "thought": True}, {"text": ANSWER}]
    gemini = {"candidates": [{"content": {"role": "model", "parts": parts}}]}
    if stream:
        return "text/event-stream", _sse((None, gemini))
    return "application/json", json.dumps(gemini).encode()


class _StandIn(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, str], dict]]

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.requests.append((self.path, headers, body))
        stream = bool(body.get("stream")) or "alt=sse" in self.path
        content_type, payload = canned_response(self.path.split("?")[0], stream)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def stand_in():
    handler = type("Handler", (_StandIn,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler.requests
    server.shutdown()
    server.server_close()


def run_snippet(command: list[str], tmp_path, *, stdin: str | None = None) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.lower().endswith("_proxy")
        and not key.startswith(("ANTHROPIC_", "OPENAI_", "NEXCONN_"))
    }
    env["NEXCONN_API_KEY"] = "test-key"
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=env, cwd=tmp_path, input=stdin, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def check_request(requests, protocol, stream):
    assert len(requests) == 1
    path, headers, body = requests.pop()
    assert path == path_of(protocol, stream)
    assert headers["authorization"] == "Bearer test-key"
    assert headers["x-trace"] == HEADERS["X-Trace"]
    assert "x-api-key" not in headers
    assert body == request_body(protocol, stream)


@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_python_runs_and_sends_the_body(protocol, stream, stand_in, monkeypatch, capsys):
    base_url, requests = stand_in
    requests.clear()
    for name in os.environ:
        if name.lower().endswith("_proxy") or name.startswith(("ANTHROPIC_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEXCONN_API_KEY", "test-key")
    source = make(protocol, stream, base_url=base_url)["python"]
    # In this process rather than a fresh one: importing the SDKs takes seconds each time.
    exec(compile(source, "snippet.py", "exec"), {"__name__": "__main__"})  # noqa: S102
    assert capsys.readouterr().out.strip() == ANSWER
    check_request(requests, protocol, stream)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_javascript_runs_and_sends_the_body(protocol, stream, stand_in, tmp_path):
    base_url, requests = stand_in
    requests.clear()
    source = make(protocol, stream, base_url=base_url)["javascript"]
    (tmp_path / "request.mjs").write_text(source)
    output = run_snippet([shutil.which("node"), "request.mjs"], tmp_path)
    assert output.strip() == ANSWER
    check_request(requests, protocol, stream)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("bash")), reason="needs curl")
@pytest.mark.parametrize(("protocol", "stream"), CASES, ids=CASE_IDS)
def test_curl_runs_and_sends_the_body(protocol, stream, stand_in, tmp_path):
    base_url, requests = stand_in
    requests.clear()
    command = make(protocol, stream, base_url=base_url)["curl"]
    output = run_snippet(["bash", "-s"], tmp_path, stdin=command)
    assert ANSWER in output
    check_request(requests, protocol, stream)
