"""What the explorer draws from a request and its answer: the request as code, and the
result panel (status, explanation, task links, previews), from the history row."""

import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from playground.explorer import services
from playground.explorer.models import ExplorerRequest
from playground.nexconn import endpoints, snippets
from playground.nexconn.endpoints import Endpoint, Variant
from playground.nexconn.errors import error_from_response

MEDIA_SALT = "explorer-media"
MEDIA_LINK_SECONDS = 24 * 3600
_MEDIA_PATH = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".webm", ".mov")
_MEDIA_KEYS = ("url", "uri", "video_url", "image_url", "file_url")
_QUEUE_LINKS = ("status_url", "response_url", "cancel_url")  # the queue's own, not results


def request_code(
    endpoint: Endpoint, variant: Variant, body: Any, path_values: dict[str, str]
) -> dict:
    """The request as curl, Python and JavaScript (nexconn/snippets.py), with the key a
    placeholder; the chat protocols in their official SDKs."""
    path = endpoint.filled_path({k: v or f"{{{k}}}" for k, v in path_values.items()})
    base = settings.NEXCONN_BASE_URL
    send = body if endpoint.has_body else None
    shortened = send is not None and "<base64 " in json.dumps(snippets.shorten_base64(send))
    code: dict[str, str] = {}
    if endpoint.protocol and isinstance(send, dict):
        try:
            code = snippets.snippets(
                protocol=endpoint.protocol,
                base_url=base,
                path=path,
                body=send,
                stream=bool(send.get("stream")) or "streamGenerateContent" in path,
                headers=variant.headers,
                shorten_data=True,
            )
        except ValueError:
            code = {}  # a body the SDK call cannot carry as it is: plain HTTP below
    if not code:
        code = snippets.request_snippets(
            method=endpoint.method,
            base_url=base,
            path=path,
            body=send,
            headers=variant.headers,
            shorten_data=True,
        )
    tabs = [("curl", "curl", code["curl"])]
    if endpoint.protocol and "import httpx" not in code["python"]:
        tabs.append(("python", "Python (official SDK)", code["python"]))
        plain = snippets.request_snippets(
            method=endpoint.method, base_url=base, path=path, body=send, headers=variant.headers
        )
        tabs.append(("python-httpx", "Python (httpx)", plain["python"]))
    else:
        tabs.append(("python", "Python (httpx)", code["python"]))
        if endpoint.id == "models-list":
            sdk = snippets.model_list_sdk_python(base_url=base)
            tabs.append(("python-sdk", "Python (official SDK)", sdk))
    tabs.append(("javascript", "JavaScript", code["javascript"]))
    preview = [f"{endpoint.method} {base.rstrip('/')}{path}"]
    preview.append("Authorization: Bearer <the key that pays: added by the server, never shown>")
    preview += [f"{name}: {value}" for name, value in variant.headers.items()]
    if send is not None:
        preview.append("Content-Type: application/json")
    return {"tabs": tabs, "preview": "\n".join(preview), "shortened": shortened}


def result_context(request, endpoint: Endpoint, record: ExplorerRequest, *, exchange=None):
    """What the result panel shows, from the history row (and, just after sending, the
    answer in full: pictures that came as base64 are not kept in history)."""
    answer = services.parse_json(record.response_body.encode())
    explanation = ""
    if record.status is not None and not record.ok:
        explanation = error_from_response(
            record.status, record.response_body.encode(), record.response_headers
        ).message_for_user
    task_id = services.task_id_in(endpoint, answer) if record.ok and endpoint.queries else ""
    queries = [endpoints.endpoint(query_id) for query_id in endpoint.queries]
    task_links = [
        (
            query,
            reverse("explorer:endpoint", args=[query.id])
            + "?"
            + urlencode({"task": task_id, "model": record.model}),
        )
        for query in queries
        if query is not None and task_id
    ]
    poll_target = endpoint if endpoint.kind == "query" and endpoint.task_param else None
    if task_links and queries[0] is not None:
        poll_target = queries[0]
    poll_task = task_id or (record.path_params or {}).get(endpoint.task_param or "", "")
    full = services.parse_json(exchange.body) if exchange is not None else None
    return {
        "record": record,
        "endpoint": endpoint,
        "answer": answer,
        "events": record.events,
        "explanation": explanation,
        "task_id": task_id,
        "task_links": task_links,
        "poll": (
            {
                "url": reverse("explorer:poll", args=[poll_target.id]),
                "task": poll_task,
                "model": record.model,
                "source": record.pk,
            }
            if poll_target is not None and poll_task and record.ok
            else None
        ),
        "media": [media_item(request, url) for url in media_links(answer)],
        "inline_images": services.inline_images(full) if full is not None else [],
        "studio_link": _studio_link(endpoint, record),
        "chat_link": _chat_link(endpoint, record),
    }


def media_links(answer: Any, *, limit: int = 12) -> list[str]:
    """Links to pictures and videos anywhere in an answer: under a url-like key, or ending
    in a media file name."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if len(found) >= limit:
            return
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and value.startswith(("https://", "http://")):
            path = value.split("?", 1)[0].lower()
            wanted = path.endswith(_MEDIA_PATH) or key in _MEDIA_KEYS
            if wanted and value not in found and not key.endswith(_QUEUE_LINKS):
                found.append(value)

    walk(answer)
    return found


def media_url_for(token: str, *, user_id: int) -> str:
    """The link a preview token stands for, when it was made for this user; BadSignature
    otherwise (forged, expired, or another user's)."""
    data = signing.loads(token, salt=MEDIA_SALT, max_age=MEDIA_LINK_SECONDS)
    if data.get("o") != user_id:
        raise signing.BadSignature("made for another user")
    return data["u"]


def media_item(request, url: str) -> dict[str, Any]:
    """A result link as the page shows it: through our preview (a token only this user's
    session opens), as a picture or a video."""
    token = signing.dumps({"u": url, "o": request.user.pk}, salt=MEDIA_SALT, compress=True)
    path = url.split("?", 1)[0].lower()
    return {
        "url": url,
        "preview": reverse("explorer:media", args=[token]),
        "token": token,
        "video": path.endswith((".mp4", ".webm", ".mov")),
    }


def _studio_link(endpoint: Endpoint, record: ExplorerRequest) -> str:
    """The studio's form with this request's model, mode and prompt, for media creates."""
    if endpoint.kind not in ("image", "video") or not record.mode:
        return ""
    body = services.parse_json(record.body.encode())
    prompt = endpoints.get_path(body, "prompt") if isinstance(body, dict) else None
    query = {"model": f"{endpoint.kind}:{record.model}", "mode": record.mode}
    if isinstance(prompt, str):
        query["prompt"] = prompt[:2000]
    return reverse("studio:studio") + "?" + urlencode(query)


# Where each chat protocol puts the system prompt and the messages (docs/api).
_SYSTEM_PATHS = ("system", "instructions", "systemInstruction.parts.0.text")


def _chat_link(endpoint: Endpoint, record: ExplorerRequest) -> str:
    """A new chat with this request's model, protocol, system prompt and last message."""
    if endpoint.kind != "chat" or not record.model:
        return ""
    body = services.parse_json(record.body.encode())
    if not isinstance(body, dict):
        return ""
    query = {"model": record.model, "protocol": endpoint.protocol}
    messages = body.get("messages") or body.get("contents") or body.get("input") or []
    if isinstance(messages, str):  # Responses: `input` may be the text itself
        messages = [{"role": "user", "content": messages}]
    texts = {"system": [], "user": []}
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and message.get("role") in ("system", "developer", "user"):
            role = "user" if message["role"] == "user" else "system"
            texts[role].append(_text_of(message.get("content", message.get("parts"))))
    found = (endpoints.get_path(body, path) for path in _SYSTEM_PATHS)
    system = next((_text_of(value) for value in found if isinstance(value, str | list)), "")
    if system or texts["system"]:
        query["system"] = system or texts["system"][-1]
    if texts["user"]:
        query["text"] = texts["user"][-1]
    return reverse("chat:home") + "?" + urlencode({k: v[:2000] for k, v in query.items() if v})


def _text_of(content) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(
        part["text"]
        for part in parts
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    )


_PROMPT_PATHS = ("prompt", "instances.0.prompt", "content.0.text")


def prompt_of(record: ExplorerRequest | None) -> str:
    """The prompt of the request that made a result, wherever its family puts it."""
    body = services.parse_json(record.body.encode()) if record else None
    for path in _PROMPT_PATHS:
        value = endpoints.get_path(body, path)
        if isinstance(value, str):
            return value[:4000]
    return ""
