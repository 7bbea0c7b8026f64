"""Sending explorer requests: one request as it is, its answer as it comes, kept in history.

A request is prepared in sync code (the key that pays, the history row, the budget's
admission), sent once by `request_send` (no retries: the explorer shows what the API
answers), and finished by `request_finish`, which keeps the exchange and settles the usage.
The key that pays is never in the row, the page or the code shown: the preview and the
snippets carry a placeholder, and what the upstream answered is blanked of it.
"""

import base64
import binascii
import json
import math
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from django.db import transaction

from playground.accounts import keys
from playground.core.redaction import redact, redacting
from playground.explorer.models import ExplorerRequest
from playground.nexconn import files as files_api
from playground.nexconn.catalog import chat_model
from playground.nexconn.client import get_client
from playground.nexconn.endpoints import Endpoint, Variant
from playground.nexconn.errors import NexconnError
from playground.nexconn.events import TextDelta, Usage
from playground.nexconn.media import jobs
from playground.nexconn.media.catalog import MEDIA_MODELS, media_model
from playground.nexconn.protocols import DECODERS
from playground.nexconn.snippets import shorten_base64
from playground.nexconn.sse import SSEParser
from playground.usage import budgets, prices, records
from playground.usage.models import UsageRecord

BODY_LIMIT = 256 * 1024  # characters of a request or response body kept in history
READ_LIMIT = 32 * 1024 * 1024  # bytes of a response read at most (Gemini images are base64)
EVENTS_LIMIT = 2000  # server-sent events kept per request
EVENT_DATA_LIMIT = 4096  # characters of one event's data kept
# Response headers worth showing; the rest (cookies, internal routing) stay out.
SAFE_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "date",
    "retry-after",
    "request-id",
    "x-request-id",
    "x-trace-id",
    "openai-processing-ms",
    "cache-control",
)
_SHORTEN_FROM = 1024  # characters of base64 kept as they are
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
SAFE_HEADER_PREFIXES = ("x-ratelimit-", "ratelimit-", "anthropic-ratelimit-")
_USAGE_KINDS = {
    "chat": UsageRecord.Kind.ANSWER,
    "image": UsageRecord.Kind.IMAGE,
    "video": UsageRecord.Kind.VIDEO,
}


@dataclass
class Outgoing:
    """A request ready to send, and where its result goes."""

    record_id: int
    owner_id: int
    endpoint: Endpoint
    variant: Variant
    method: str
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    api_key: str | None
    key_source: str
    key_label: str
    estimate: Decimal | None = None
    billed: bool = False


@dataclass
class Exchange:
    """What came back, filled in as it arrives (so a request cut short keeps what it got)."""

    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    time_to_headers_ms: int | None = None
    total_ms: int | None = None
    streaming: bool = False
    body: bytes = b""
    truncated: bool = False
    events: list[list[Any]] = field(default_factory=list)
    text: str = ""
    usage: Usage | None = None
    error: str = ""


@dataclass(frozen=True)
class Head:
    status: int
    reason: str
    headers: dict[str, str]
    time_to_headers_ms: int
    streaming: bool


@dataclass(frozen=True)
class Message:
    """One server-sent event of the upstream's answer, as it arrived."""

    at_ms: int
    event: str | None
    data: str
    text: str  # the answer text it adds, decoded by the protocol


def safe_headers(headers: httpx.Headers | dict[str, str]) -> dict[str, str]:
    return {
        name.lower(): redact(value)
        for name, value in headers.items()
        if name.lower() in SAFE_HEADERS or name.lower().startswith(SAFE_HEADER_PREFIXES)
    }


def body_text(body: Any, *, limit: int = BODY_LIMIT) -> tuple[str, bool]:
    """A JSON body as it is kept: long base64 shortened, keys blanked, capped."""
    text = json.dumps(redact(shortened(body)), indent=2, ensure_ascii=False)
    return (text, False) if len(text) <= limit else (text[:limit], True)


def shortened(value: Any) -> Any:
    """`value` with long base64 replaced by a marker: data URLs and "data" keys as the code
    snippets shorten them, and the bare base64 of images (Gemini's b64_json, Veo's bytes)."""
    value = shorten_base64(value)
    if isinstance(value, dict):
        return {k: shortened(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shortened(item) for item in value]
    if isinstance(value, str) and len(value) >= _SHORTEN_FROM and _BASE64.fullmatch(value):
        return f"<base64, {max(1, len(value) * 3 // 4 // 1024)} KB>"
    return value


# --- preparing -------------------------------------------------------------------------


def request_prepare(
    *, user, endpoint: Endpoint, variant: Variant, body: Any, path_params: dict[str, str]
) -> Outgoing:
    """The history row and, for billed endpoints, the budget's admission, in one transaction.
    Raises keys.NoPayingKey or budgets.LimitExceeded, with nothing stored or sent."""
    paying = keys.paying_key_for(user=user)
    api_key = paying.api_key()
    path = endpoint.filled_path(path_params)
    with redacting(api_key):
        text, _ = body_text(body) if endpoint.has_body else ("", False)
    with transaction.atomic():
        record = ExplorerRequest.objects.create(
            owner=user,
            endpoint=endpoint.id,
            model=variant.model,
            mode=variant.mode,
            method=endpoint.method,
            path=path[:1000],
            path_params=path_params,
            body=text,
            key_label=paying.label,
        )
        estimate = None
        if endpoint.billed:
            estimate = _estimate(endpoint, variant, body)
            budgets.admit_request(
                user_id=user.pk,
                kind=_USAGE_KINDS[endpoint.kind],
                source=_source(record.pk),
                model=_usage_model(variant, body),
                estimate=estimate,
            )
    return Outgoing(
        record_id=record.pk,
        owner_id=user.pk,
        endpoint=endpoint,
        variant=variant,
        method=endpoint.method,
        path=path,
        body=body if endpoint.has_body else None,
        headers=dict(variant.headers),
        api_key=api_key,
        key_source=paying.source,
        key_label=paying.label,
        estimate=estimate,
        billed=endpoint.billed,
    )


def _source(record_id: int) -> str:
    return f"explorer:{record_id}"


def _usage_model(variant: Variant, body: Any) -> str:
    model = body.get("model") if isinstance(body, dict) else None
    return (model if isinstance(model, str) and model else variant.model)[:200]


def _estimate(endpoint: Endpoint, variant: Variant, body: Any) -> Decimal | None:
    """The most the request may cost, as a studio job or chat answer of the same size."""
    model = _usage_model(variant, body)
    if endpoint.kind == "chat":
        params = variant.catalog_params(body)
        prompt_tokens = prices.prompt_tokens_estimate(len(json.dumps(body, ensure_ascii=False)))
        max_tokens = prices.requested_max_tokens(params, chat_model(model))
        return prices.answer_estimate(
            model=model, prompt_tokens=prompt_tokens, max_tokens=max_tokens
        )
    params = variant.catalog_params(body)
    media = media_model(variant.model, kind=endpoint.kind)
    images, seconds = prices.media_amounts(kind=endpoint.kind, params=params, media_model=media)
    return prices.media_cost(
        kind=endpoint.kind, model=model, params=params, images=images, video_seconds=seconds
    )


# --- sending ---------------------------------------------------------------------------


async def request_send(outgoing: Outgoing, exchange: Exchange) -> AsyncIterator[Head | Message]:
    """Send the request once and yield its head, then each server-sent event as it comes.
    `exchange` is filled in as things arrive; a failure to get any answer goes in its
    `error`, in plain words."""
    started = time.monotonic()

    def since() -> int:
        return int((time.monotonic() - started) * 1000)

    client = get_client(outgoing.api_key)
    with redacting(outgoing.api_key):
        try:
            async with client.exchange(
                outgoing.method, outgoing.path, json=outgoing.body, headers=outgoing.headers
            ) as response:
                exchange.time_to_headers_ms = since()
                exchange.status = response.status_code
                exchange.reason = response.reason_phrase
                exchange.headers = safe_headers(response.headers)
                content_type = response.headers.get("content-type", "")
                exchange.streaming = "text/event-stream" in content_type
                yield Head(
                    exchange.status,
                    exchange.reason,
                    exchange.headers,
                    exchange.time_to_headers_ms,
                    exchange.streaming,
                )
                if exchange.streaming:
                    async for message in _events(outgoing, exchange, response, since):
                        yield message
                else:
                    await _read_body(exchange, response)
        except NexconnError as error:
            exchange.error = redact(client.redact(error).message_for_user)
        except httpx.HTTPError as error:  # the answer broke off while it was being read
            exchange.error = f"The answer broke off: {type(error).__name__}."
        finally:
            exchange.total_ms = since()


async def _events(
    outgoing: Outgoing, exchange: Exchange, response: httpx.Response, since
) -> AsyncIterator[Message]:
    parser = SSEParser()
    protocol = outgoing.endpoint.protocol
    decoder = DECODERS[protocol]() if protocol in DECODERS else None
    chunks = response.aiter_bytes()
    ended = False
    while not ended:
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            arrived, ended = parser.close(), True
        else:
            arrived = parser.feed(chunk)
        for sse in arrived:
            at = since()
            text = ""
            for event in decoder.feed(sse) if decoder else ():
                if isinstance(event, TextDelta):
                    text += event.text
                elif isinstance(event, Usage):
                    exchange.usage = event
            data = redact(sse.data)
            exchange.text += text
            if len(exchange.events) < EVENTS_LIMIT:
                exchange.events.append([at, sse.event, data[:EVENT_DATA_LIMIT]])
            else:
                exchange.truncated = True
            yield Message(at, sse.event, data, redact(text))


async def _read_body(exchange: Exchange, response: httpx.Response) -> None:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > READ_LIMIT:
            exchange.truncated = True
            break
    exchange.body = bytes(body[:READ_LIMIT])


# --- finishing ---------------------------------------------------------------------------


def request_finish(outgoing: Outgoing, exchange: Exchange) -> ExplorerRequest:
    """Keep the exchange in the history row and settle what it cost."""
    with redacting(outgoing.api_key):  # a stored key is blanked too, not only the server's
        return _finish(outgoing, exchange)


def _finish(outgoing: Outgoing, exchange: Exchange) -> ExplorerRequest:
    record = ExplorerRequest.objects.get(pk=outgoing.record_id)
    parsed = parse_json(exchange.body)
    if parsed is not None:
        text, truncated = body_text(parsed)
    else:
        raw = redact(exchange.body.decode("utf-8", "replace"))
        text, truncated = raw[:BODY_LIMIT], len(raw) > BODY_LIMIT
    record.status = exchange.status
    record.response_headers = exchange.headers
    record.response_body = text
    record.response_truncated = truncated or exchange.truncated
    record.events = exchange.events
    record.text = redact(exchange.text)
    record.error = exchange.error
    record.time_to_headers_ms = exchange.time_to_headers_ms
    record.total_ms = exchange.total_ms
    record.save()
    if outgoing.billed:
        _settle(outgoing, exchange, parsed)
    return record


def parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _settle(outgoing: Outgoing, exchange: Exchange, parsed: Any) -> None:
    """One usage row: an answer at its tokens' price, a media task at its estimate (the
    provider bills it once taken); a refused request costs nothing."""
    ok = exchange.status is not None and 200 <= exchange.status < 300
    model = _usage_model(outgoing.variant, outgoing.body)
    fields: dict[str, Any] = {"cost": Decimal(0) if ok is False else None}
    if outgoing.endpoint.kind == "chat":
        input_tokens, output_tokens = _tokens(exchange, parsed)
        from playground.chat.pricing import model_prices, tokens_cost

        price = model_prices().get(model)
        if ok and price is not None:
            if not output_tokens and exchange.text:
                output_tokens = math.ceil(len(exchange.text) / 4)
            fields["cost"] = tokens_cost(
                price, input_tokens=input_tokens, output_tokens=output_tokens
            )
        elif not ok and price is None:
            fields["cost"] = None
        fields |= {"input_tokens": input_tokens, "output_tokens": output_tokens}
    elif ok:
        params = outgoing.variant.catalog_params(outgoing.body)
        images, seconds = prices.media_amounts(kind=outgoing.endpoint.kind, params=params)
        fields |= {"cost": outgoing.estimate, "images": images, "video_seconds": seconds}
    elif outgoing.estimate is None:
        fields["cost"] = None
    records.request_ended(
        source=_source(outgoing.record_id),
        owner_id=outgoing.owner_id,
        kind=_USAGE_KINDS[outgoing.endpoint.kind],
        model=model,
        status="done" if ok else "failed",
        key_source=outgoing.key_source,
        key_label=outgoing.key_label,
        **fields,
    )


def _tokens(exchange: Exchange, parsed: Any) -> tuple[int, int]:
    """Input and output tokens: from the stream's usage event, else the body's usage in any
    of the protocols' shapes."""
    if exchange.usage is not None:
        return exchange.usage.input_tokens, exchange.usage.output_tokens
    if not isinstance(parsed, dict):
        return 0, 0
    usage = parsed.get("usage") or {}
    if isinstance(usage, dict) and usage:
        return (
            _int(usage.get("prompt_tokens", usage.get("input_tokens"))),
            _int(usage.get("completion_tokens", usage.get("output_tokens"))),
        )
    meta = parsed.get("usageMetadata") or {}
    if isinstance(meta, dict):
        return _int(meta.get("promptTokenCount")), _int(meta.get("candidatesTokenCount"))
    return 0, 0


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


# --- reading answers -------------------------------------------------------------------


def task_id_in(endpoint: Endpoint, answer: Any) -> str:
    """The task id a create call answered with, read as the wire code reads it."""
    if not isinstance(answer, dict):
        return ""
    if endpoint.family:
        try:
            return jobs.ADAPTERS[endpoint.family].read_submitted(answer).task_id
        except (NexconnError, KeyError, TypeError, ValueError):
            return ""
    value = answer.get(endpoint.task_id_from) if endpoint.task_id_from else None
    return value if isinstance(value, str) else ""


def inline_images(answer: Any) -> list[str]:
    """Pictures a synchronous answer carries as base64 (Gemini images), as data URLs."""
    items = answer.get("data") if isinstance(answer, dict) else None
    found = []
    for item in items if isinstance(items, list) else []:
        encoded = item.get("b64_json") if isinstance(item, dict) else None
        if isinstance(encoded, str) and encoded:
            try:
                base64.b64decode(encoded[:64] + "=" * (-len(encoded[:64]) % 4), validate=True)
            except (binascii.Error, ValueError):
                continue
            kind = str(answer.get("output_format") or "png").lower().replace("jpg", "jpeg")
            found.append(f"data:image/{kind};base64,{encoded}")
    return found


# --- polling a task until it ends ----------------------------------------------------------


@dataclass(frozen=True)
class PollRound:
    state: str  # queued, running, succeeded, failed, cancelled, expired (files: pending, ready…)
    raw_status: str
    progress: int | None
    done: bool
    error: str
    outputs: tuple[str, ...]  # result links
    raw: Any


_FILE_DONE = ("ready", "failed", "expired")
_TASK_DONE = ("succeeded", "failed", "cancelled", "expired")


async def poll_once(*, endpoint: Endpoint, model: str, task_id: str, api_key: str | None):
    """One look at a task, read by the family's own adapter (or the Files API's)."""
    client = get_client(api_key)
    with redacting(api_key):
        if endpoint.family:
            media = _media_for(endpoint, model)
            status = await jobs.poll(client, model=media, task_id=task_id)
            return PollRound(
                state=status.state,
                raw_status=redact(status.raw_status),
                progress=status.progress,
                done=status.state in _TASK_DONE,
                error=redact(status.error or ""),
                outputs=tuple(o.url for o in status.outputs if o.url),
                raw=redact(shortened(status.raw)),
            )
        status = await files_api.get_file(client, file_id=task_id)
        return PollRound(
            state=status.state,
            raw_status=redact(str(status.raw.get("status", ""))),
            progress=None,
            done=status.state in _FILE_DONE,
            error=redact(status.error_message),
            outputs=(),
            raw=redact(status.raw),
        )


def _media_for(endpoint: Endpoint, model: str):
    """The catalog model whose adapter reads the task: the one named, else the section's
    first (kling-v2-1 is an image model and a video model: the family tells them apart)."""
    family = [m for m in MEDIA_MODELS.values() if m.family == endpoint.family]
    return next((m for m in family if m.id == model), None) or family[0]


def poll_record(
    *, user, endpoint: Endpoint, task_id: str, model: str, result: PollRound, key_label: str
) -> ExplorerRequest:
    """The last look at a polled task, kept in history like a sent query."""
    param = endpoint.task_param or "id"
    text, truncated = body_text(result.raw)
    return ExplorerRequest.objects.create(
        owner=user,
        endpoint=endpoint.id,
        model=model,
        method=endpoint.method,
        path=endpoint.filled_path({param: task_id})[:1000],
        path_params={param: task_id},
        status=200,
        response_body=text,
        response_truncated=truncated,
        key_label=key_label,
    )
