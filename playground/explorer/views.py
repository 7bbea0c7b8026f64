"""The API explorer: every endpoint of the docs' menu, a form from its schema beside the raw
JSON, sent as it is, with the answer, its timing and headers, streamed events, task polling,
code and history.

The endpoint table is nexconn/endpoints.py. Sending is services.py; these views only read
the form, check it against the table, and draw."""

import asyncio
import json
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playground.accounts.keys import NoPayingKey, paying_key_for
from playground.core import downloads
from playground.core.db import close_request_connections
from playground.core.ids import optional_id
from playground.core.sse import SSE_HEADERS, sse_message
from playground.explorer import presenting, selectors, services
from playground.explorer.curl import CurlError, parse_curl
from playground.explorer.models import ExplorerRequest
from playground.nexconn import endpoints
from playground.nexconn.endpoints import Endpoint, Variant
from playground.nexconn.errors import NexconnError
from playground.studio import previews
from playground.studio.services import Result, generation_import
from playground.usage.budgets import LimitExceeded

TEMPLATE = "explorer/explorer.html"
HISTORY_TEMPLATE = "explorer/history.html"
HISTORY_PAGE_SIZE = 30
MAX_BODY_CHARACTERS = 4 * 1024 * 1024  # what a posted body may be


def _endpoint_or_404(endpoint_id: str) -> Endpoint:
    endpoint = endpoints.endpoint(endpoint_id)
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


# --- pages ------------------------------------------------------------------------------


@require_GET
def index(request):
    query = request.GET.get("q", "").strip()[:200]
    context = {"menu": endpoints.menu(query), "query": query, "count": len(endpoints.endpoints())}
    if request.htmx and request.htmx.target == "explorer-menu":
        return render(request, f"{TEMPLATE}#menu", context)
    return render(request, TEMPLATE, context)


@require_GET
def endpoint_page(request, endpoint_id: str):
    """The endpoint's form. ?from=<history id> loads a request sent before (replay);
    ?model, ?mode pick the variant; ?task=<id> fills a query's task id."""
    endpoint = _endpoint_or_404(endpoint_id)
    body: Any = None
    path_values: dict[str, str] = {}
    source = optional_id(request.GET, "from", what="one of your requests")
    model, mode = request.GET.get("model", ""), request.GET.get("mode", "")
    if source is not None:
        record = selectors.history_get(user=request.user, pk=source)
        if record.endpoint != endpoint.id:
            raise Http404("That request was sent to another endpoint.")
        body = services.parse_json(record.body.encode())
        path_values = {k: str(v) for k, v in (record.path_params or {}).items()}
        model, mode = model or record.model, mode or record.mode
    variant = endpoint.variant(model, mode)
    if body is None:
        body = variant.examples[0].body
    if task := request.GET.get("task", "").strip():
        path_values[endpoint.task_param or "id"] = task[:256]
    context = _workspace(request, endpoint, variant, body=body, path_values=path_values)
    return render(request, TEMPLATE, context)


@require_POST
def request_panel(request, endpoint_id: str):
    """The request's form for another model or mode, with what the user set carried over
    where the new form has the same field. (A POST: the body may be long.)"""
    endpoint = _endpoint_or_404(endpoint_id)
    variant = endpoint.variant(request.POST.get("model", ""), request.POST.get("mode", ""))
    current = _loads(request.POST.get("body", ""))
    body = _carry_over(variant, current) if endpoint.has_body else None
    path_values = _path_values(request.POST, endpoint, variant)
    context = _workspace(request, endpoint, variant, body=body, path_values=path_values)
    return render(request, f"{TEMPLATE}#request", context)


def _carry_over(variant: Variant, current: Any) -> Any:
    """The variant's example with the values of `current` that fit it (the prompt, the ratio),
    and the variant's own model."""
    example = json.loads(json.dumps(variant.examples[0].body))
    if not isinstance(current, dict) or not isinstance(example, dict):
        return example
    for spec in variant.fields:
        value = endpoints.get_path(current, spec.path)
        if value is endpoints.MISSING or spec.path == "model":
            continue
        alone = Variant(variant.model, variant.mode, variant.label, (spec,), ())
        if not endpoints.validate(alone, _at(spec.path, value)):
            endpoints.set_path(example, spec.path, value)
    return example


def _at(path: str, value: Any) -> dict[str, Any]:
    holder: dict[str, Any] = {}
    endpoints.set_path(holder, path, value)
    return holder


def _workspace(
    request,
    endpoint: Endpoint,
    variant: Variant,
    *,
    body: Any,
    path_values: dict[str, str],
    errors: dict[str, str] | None = None,
    problem: str = "",
    result: dict | None = None,
) -> dict[str, Any]:
    labels = {v.model: v.label.split(" · ")[0] for v in endpoint.variants if v.model}
    model_choices = [(model, f"{label} · {model}") for model, label in labels.items()]
    mode_choices = [
        (v.mode, v.label.split(" · ")[-1])
        for v in endpoint.variants
        if v.model == variant.model and v.mode
    ]
    body_json = json.dumps(body, indent=2, ensure_ascii=False) if body is not None else ""
    path_values = {
        param.name: path_values.get(param.name, "") or (variant.model if param.from_model else "")
        for param in endpoint.path_params
    }
    errors = errors or {}
    field_errors = _field_errors(variant, errors)
    return {
        "menu": endpoints.menu(),
        "endpoint": endpoint,
        "variant": variant,
        "model_choices": model_choices,
        "mode_choices": mode_choices,
        "body_json": body_json,
        "path_values": path_values,
        "path_rows": [
            (param, path_values[param.name], errors.get(f"path.{param.name}", ""))
            for param in endpoint.path_params
        ],
        "field_rows": [(spec, field_errors.get(spec.input_id, "")) for spec in variant.fields],
        "errors": errors,
        "problem": problem,
        "field_errors": field_errors,
        "examples": [
            {"name": example.name, "id": f"example-{index}", "body": example.body}
            for index, example in enumerate(variant.examples)
        ],
        "base_url": settings.NEXCONN_BASE_URL.rstrip("/"),
        "code": presenting.request_code(endpoint, variant, body, path_values),
        "result": result,
        "demo": settings.DEMO_MODE,
    }


def _field_errors(variant: Variant, errors: dict[str, str]) -> dict[str, str]:
    """Errors by the input id of the field they belong to (the body's own under "body")."""
    by_input = {}
    for path, message in errors.items():
        if path.startswith("path."):
            continue  # drawn by its path parameter
        spec = variant.field_at(path)
        by_input[spec.input_id if spec else "body"] = message
    return by_input


def _path_values(data, endpoint: Endpoint, variant: Variant) -> dict[str, str]:
    values = {}
    for param in endpoint.path_params:
        value = data.get(f"path_{param.name}", "").strip()[:256]
        values[param.name] = variant.model if param.from_model else value
    return values


def _loads(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return None


# --- code --------------------------------------------------------------------------------


@require_POST
def code(request, endpoint_id: str):
    endpoint = _endpoint_or_404(endpoint_id)
    variant = endpoint.variant(request.POST.get("model", ""), request.POST.get("mode", ""))
    body = _loads(request.POST.get("body", "")) if endpoint.has_body else None
    context = {
        "endpoint": endpoint,
        "code": presenting.request_code(
            endpoint, variant, body, _path_values(request.POST, endpoint, variant)
        ),
        "bad_json": endpoint.has_body and body is None and request.POST.get("body", "").strip(),
    }
    return render(request, f"{TEMPLATE}#code", context)


# --- sending -----------------------------------------------------------------------------


def _wants_stream(request) -> bool:
    return "text/event-stream" in request.headers.get("Accept", "")


@require_POST
async def send(request, endpoint_id: str):
    """Check the request against the schema, then send it once. A page with JavaScript asks
    for our own event stream (each upstream event as it comes, then the result drawn);
    without, the page comes back with the result."""
    endpoint = _endpoint_or_404(endpoint_id)
    outgoing, refused = await sync_to_async(_prepare)(request, endpoint)
    if refused is not None:
        return refused
    exchange = services.Exchange()
    if _wants_stream(request):
        return StreamingHttpResponse(
            _relay(request, outgoing, exchange),
            content_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    async for _ in services.request_send(outgoing, exchange):
        pass
    record = await sync_to_async(services.request_finish)(outgoing, exchange)
    return await sync_to_async(_sent_page)(request, outgoing, record, exchange)


def _release_connection() -> None:
    """Hand the database connection back before an answer that may take minutes
    (core/db.py), unless a transaction still holds it (a test's)."""
    if not connection.in_atomic_block:
        close_request_connections()


def _prepare(request, endpoint: Endpoint):
    """(the request ready to go, None), or (None, the refusal drawn in place)."""
    text = request.POST.get("body", "")
    body: Any = None
    errors: dict[str, str] = {}
    if endpoint.has_body:
        if len(text) > MAX_BODY_CHARACTERS:
            errors["body"] = "The body is too large to send from here (4 MB at most)."
        else:
            try:
                body = json.loads(text)
            except ValueError as exc:
                errors["body"] = f"The JSON is not valid: {exc}."
    model = body.get("model") if isinstance(body, dict) else None
    variant = endpoint.variant(
        model if isinstance(model, str) and model else request.POST.get("model", ""),
        request.POST.get("mode", ""),
    )
    path_values = _path_values(request.POST, endpoint, variant)
    for param in endpoint.path_params:
        if not path_values[param.name]:
            errors[f"path.{param.name}"] = f"{param.label} is required."
    # Unchecked, the API's own answer to a wrong body can be seen (and the simulator's).
    if endpoint.has_body and not errors and request.POST.get("unchecked") != "yes":
        errors = endpoints.validate(variant, body)
    problem = ""
    if not errors:
        try:
            outgoing = services.request_prepare(
                user=request.user,
                endpoint=endpoint,
                variant=variant,
                body=body,
                path_params=path_values,
            )
        except NoPayingKey as refused:
            problem, status = refused.message, 409
        except LimitExceeded as limit:
            problem, status = limit.message, limit.status
        except NexconnError as error:  # the stored key that pays cannot be read
            problem, status = error.message_for_user, 409
        else:
            _release_connection()
            return outgoing, None
    else:
        status = 400
    context = _workspace(
        request,
        endpoint,
        variant,
        body=body,
        path_values=path_values,
        errors=errors,
        problem=problem,
    )
    if body is None:
        context["body_json"] = text  # as typed, to be put right
    context["error_list"] = list(errors.items())
    if _wants_stream(request) or request.htmx:
        return None, render(request, f"{TEMPLATE}#problems", context, status=status)
    return None, render(request, TEMPLATE, context, status=status)


async def _relay(request, outgoing: services.Outgoing, exchange: services.Exchange):
    """Our own event stream: `head` (status, headers, time to headers), one `upstream` per
    event the API sent (with its arrival time and the text it adds), then `done` with the
    result drawn. A page that leaves mid-answer still gets its request kept."""
    finished = False
    try:
        yield sse_message(json.dumps({"history": outgoing.record_id}), event="start")
        async for item in services.request_send(outgoing, exchange):
            if isinstance(item, services.Head):
                head = {
                    "status": item.status,
                    "reason": item.reason,
                    "headers": item.headers,
                    "ms": item.time_to_headers_ms,
                    "streaming": item.streaming,
                }
                yield sse_message(json.dumps(head), event="head")
            else:
                message = {"at": item.at_ms, "event": item.event, "data": item.data}
                yield sse_message(json.dumps(message | {"text": item.text}), event="upstream")
        record = await sync_to_async(services.request_finish)(outgoing, exchange)
        finished = True
        html = await sync_to_async(_result_html)(request, outgoing.endpoint, record, exchange)
        yield sse_message(html, event="done")
    finally:
        if not finished:
            await asyncio.shield(sync_to_async(services.request_finish)(outgoing, exchange))


def _result_html(request, endpoint: Endpoint, record: ExplorerRequest, exchange) -> str:
    context = {"result": presenting.result_context(request, endpoint, record, exchange=exchange)}
    return render(request, f"{TEMPLATE}#result", context).content.decode()


def _sent_page(request, outgoing: services.Outgoing, record: ExplorerRequest, exchange):
    result = presenting.result_context(request, outgoing.endpoint, record, exchange=exchange)
    if request.htmx:
        return render(request, f"{TEMPLATE}#result", {"result": result})
    context = _workspace(
        request,
        outgoing.endpoint,
        outgoing.variant,
        body=outgoing.body,
        path_values=record.path_params,
        result=result,
    )
    return render(request, TEMPLATE, context)


# --- polling, previews, the gallery ---------------------------------------------------------


@require_POST
async def poll(request, endpoint_id: str):
    """One look at a task (the page polls with backoff); its last look is kept in history."""
    endpoint = _endpoint_or_404(endpoint_id)
    task_id = request.POST.get("task", "").strip()[:256]
    model = request.POST.get("model", "").strip()[:200]
    source = optional_id(request.POST, "source", what="one of your requests")
    if endpoint.kind != "query" or not task_id:
        return HttpResponse("Give a task id to poll.", status=400)
    try:
        user, api_key, key_label = await sync_to_async(_poll_key)(request)
    except NoPayingKey as refused:
        return HttpResponse(refused.message, status=409)
    except NexconnError as error:
        return HttpResponse(error.message_for_user, status=409)
    try:
        result = await services.poll_once(
            endpoint=endpoint, model=model, task_id=task_id, api_key=api_key
        )
    except NexconnError as error:
        context = {"error": error.message_for_user, "retry": error.retryable}
        return render(request, f"{TEMPLATE}#poll-round", context)
    record = None
    if result.done:
        record = await sync_to_async(services.poll_record)(
            user=user,
            endpoint=endpoint,
            task_id=task_id,
            model=model,
            result=result,
            key_label=key_label,
        )
    context = await sync_to_async(_poll_context)(request, result, record, model)
    context["source"] = source
    return render(request, f"{TEMPLATE}#poll-round", context)


def _poll_key(request):
    paying = paying_key_for(user=request.user)
    user = request.user
    user.pk  # noqa: B018 - read here, in the request's thread
    return user, paying.api_key(), paying.label


def _poll_context(request, result, record, model: str) -> dict[str, Any]:
    media = []
    if record is not None:
        media = [presenting.media_item(request, url) for url in result.outputs]
    return {"round": result, "record": record, "media": media, "model": model}


@require_GET
async def media(request, token: str):
    """A result picture or video, fetched from its link (the page may not load other
    hosts: the CSP), for the user who was shown it."""
    user_id = await sync_to_async(lambda: request.user.pk)()
    try:
        url = presenting.media_url_for(token, user_id=user_id)
    except signing.BadSignature:
        raise Http404("This preview link is not valid any more.") from None
    try:
        fetched = await downloads.download(
            url, max_bytes=settings.MEDIA_MAX_DOWNLOAD_MB * 1024 * 1024
        )
    except downloads.DownloadError as error:
        return HttpResponse(error.message, status=502, content_type="text/plain; charset=utf-8")
    with fetched.file:
        content = fetched.file.read()
    response = HttpResponse(content, content_type=fetched.content_type)
    response["Cache-Control"] = "private, max-age=600"
    return response


@require_POST
def save(request):
    """Keep a result in the gallery: a link the page was shown (signed), or a picture that
    came as base64 in the answer; named after the request that made it (`history`)."""
    source = optional_id(request.POST, "history", what="one of your requests")
    record = selectors.history_get(user=request.user, pk=source) if source else None
    max_bytes = settings.MEDIA_MAX_DOWNLOAD_MB * 1024 * 1024
    try:
        if token := request.POST.get("token", ""):
            url = presenting.media_url_for(token, user_id=request.user.pk)
            fetched = async_to_sync(downloads.download)(url, max_bytes=max_bytes)
            result = Result(File(fetched.file), fetched.content_type, fetched.size, url)
        else:
            content, content_type = downloads.decode_data_url(
                request.POST.get("data", ""), max_bytes=max_bytes
            )
            result = Result(ContentFile(content), content_type, len(content))
        with result.file:
            generation = generation_import(
                user=request.user,
                kind="video" if result.content_type.startswith("video/") else "image",
                model=(record.model if record else "") or "unknown",
                mode=(record.mode if record else "") or "text",
                prompt=presenting.prompt_of(record),
                params={},
                results=[result],
            )
    except signing.BadSignature:
        return render(
            request, f"{TEMPLATE}#saved", {"error": "This result link is not valid any more."}
        )
    except (downloads.DownloadError, previews.MediaError) as error:
        message = getattr(error, "message", str(error))
        return render(request, f"{TEMPLATE}#saved", {"error": message}, status=400)
    link = reverse("studio:generation", args=[generation.pk])
    if not request.htmx:
        return redirect(link)
    return render(request, f"{TEMPLATE}#saved", {"link": link})


# --- curl import and history ------------------------------------------------------------


@require_POST
def import_curl(request):
    command = request.POST.get("curl", "")
    try:
        imported = parse_curl(command)
    except CurlError as error:
        context = {"menu": endpoints.menu(), "curl": command, "curl_error": str(error)}
        if request.htmx:
            return render(request, f"{TEMPLATE}#curl-import", context, status=400)
        return render(request, TEMPLATE, context, status=400)
    context = _workspace(
        request,
        imported.endpoint,
        imported.variant,
        body=imported.body if imported.endpoint.has_body else None,
        path_values=imported.path_params,
    )
    context["imported"] = True
    response = render(request, TEMPLATE, context)
    response["HX-Push-Url"] = reverse("explorer:endpoint", args=[imported.endpoint.id])
    return response


@require_GET
def history(request):
    query = request.GET.get("q", "").strip()[:200]
    page = Paginator(
        selectors.history_list(user=request.user, query=query), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for item in page:
        known = endpoints.endpoint(item.endpoint)
        item.title = f"{known.section} › {known.title}" if known else item.endpoint
    context = {"page": page, "query": query}
    if request.htmx and request.htmx.target == "history-results":
        return render(request, f"{HISTORY_TEMPLATE}#results", context)
    return render(request, HISTORY_TEMPLATE, context)


@require_GET
def history_detail(request, pk: int):
    record = selectors.history_get(user=request.user, pk=pk)
    endpoint = endpoints.endpoint(record.endpoint)
    result = presenting.result_context(request, endpoint, record) if endpoint else None
    return render(
        request,
        HISTORY_TEMPLATE,
        {"record": record, "endpoint": endpoint, "result": result, "detail": True},
    )
