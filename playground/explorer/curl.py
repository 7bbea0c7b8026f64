"""Reading a pasted curl command into an endpoint, its path parameters and body.

Only what a request to the API needs is read (the URL, -X, -d and its spellings, --json);
headers are ignored, the Authorization header above all: the explorer sends with the key the
server chooses, never one pasted in.
"""

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from playground.nexconn import endpoints
from playground.nexconn.endpoints import Endpoint, Variant

_DATA_OPTIONS = ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json")
# Options that take a value we do not need (so the value is not taken for the URL).
_VALUE_OPTIONS = frozenset(
    {"-H", "--header", "-u", "--user", "-o", "--output", "-A", "--user-agent", "-e", "--referer",
     "-m", "--max-time", "--connect-timeout", "-b", "--cookie", "-w", "--write-out", "--retry"}
)  # fmt: skip
MAX_COMMAND = 512 * 1024


class CurlError(ValueError):
    """A command that cannot be read, in plain words."""


@dataclass(frozen=True)
class Imported:
    endpoint: Endpoint
    variant: Variant
    body: Any
    path_params: dict[str, str]


def parse_curl(command: str) -> Imported:
    if len(command) > MAX_COMMAND:
        raise CurlError("That command is too long to read here.")
    text = re.sub(r"\\\r?\n", " ", command.strip())
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CurlError(f"The command's quotes do not match ({exc}).") from None
    if not words or words[0] != "curl":
        raise CurlError("Paste a command that starts with curl.")
    method, url, data = "", "", None
    position = 1
    while position < len(words):
        word = words[position]
        following = words[position + 1] if position + 1 < len(words) else None
        if word in ("-X", "--request") and following is not None:
            method, position = following.upper(), position + 2
        elif word in _DATA_OPTIONS and following is not None:
            data, position = following, position + 2
        elif word.startswith(("--data=", "--data-raw=", "--json=")):
            data, position = word.split("=", 1)[1], position + 1
        elif word == "--url" and following is not None:
            url, position = following, position + 2
        elif word in _VALUE_OPTIONS:
            position += 2
        elif word.startswith("-"):
            position += 1
        else:
            url, position = url or word, position + 1
    if not url:
        raise CurlError("The command has no address to send to.")
    method = method or ("POST" if data is not None else "GET")
    body = None
    if data is not None:
        try:
            body = json.loads(data)
        except ValueError:
            raise CurlError("The body (-d) is not JSON; the API takes JSON bodies only.") from None
    return _match(method, url, body)


def _match(method: str, url: str, body: Any) -> Imported:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for endpoint in endpoints.endpoints():
        if endpoint.method != method:
            continue
        params = _path_params(endpoint.path, path)
        if params is None:
            continue
        if endpoint.family == "vidu" or endpoint.kind not in ("chat", "image", "video"):
            variants = endpoint.variants
        else:
            model = body.get("model") if isinstance(body, dict) else None
            model = model or params.get("model")
            variants = [v for v in endpoint.variants if v.model == model]
        if not variants:
            continue  # the same path serves another section's models (Sora or Kling)
        variant = min(variants, key=lambda v: _misfit(v, body))
        return Imported(endpoint, variant, body, params)
    raise CurlError(f"{method} {parts.path} is not an endpoint of the explorer.")


def _path_params(template: str, path: str) -> dict[str, str] | None:
    """The values of `template`'s {parameters} in `path`, or None when it does not match.
    A fixed query in the template (Gemini's ?alt=sse) may be left out."""
    for candidate in (template, template.split("?", 1)[0]):
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/?]+)", re.escape(candidate))
        if match := re.fullmatch(pattern, path) or re.fullmatch(pattern, path.split("?", 1)[0]):
            return {name: unquote(value) for name, value in match.groupdict().items()}
    return None


def _misfit(variant: Variant, body: Any) -> int:
    """How badly `body` fits a variant: its problems, and its values the variant has no
    field for (an end frame fits only the first-and-last-frame mode)."""
    problems = len(endpoints.validate(variant, body)) if variant.fields else 0
    known = [spec.path for spec in variant.fields]
    unknown = [
        path
        for path in endpoints.leaf_paths(body)
        if not any(path == field or path.startswith(f"{field}.") for field in known)
    ]
    return problems * 2 + len(unknown)
